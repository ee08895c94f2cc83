/* microforge benchmark firmware: runs one inference of the generated model.
 *
 * I/O costs no RAM: for every input/output the firmware calls a noinline hook with the
 * model's own buffer address and size; the emulator intercepts the hook's address and
 * writes the input bytes straight into the model's input buffer (reads the output buffer
 * back), so nothing is copied and no table is kept.
 *
 * bench_start/bench_stop bracket the inference; mf_layer_begin/mf_layer_end are called by
 * MF_LAYER_BEGIN/MF_LAYER_END when the model is compiled with -DMF_PROFILE; mf_halt(rc)
 * is where the emulator stops.  All hooks are noipa so GCC can neither inline, clone,
 * merge (ICF) nor drop them.
 */
#include <stddef.h>
#include <stdint.h>
#include "model.h"

#define MF_HOOK __attribute__((noinline, noipa, used))

MF_HOOK void mf_io_input(int index, void *buf, size_t size)
{
    __asm volatile("" : : "r"(index), "r"(buf), "r"(size) : "memory");
}

MF_HOOK void mf_io_output(int index, const void *buf, size_t size)
{
    __asm volatile("" : : "r"(index), "r"(buf), "r"(size) : "memory");
}

MF_HOOK void bench_start(void) { __asm volatile("nop" ::: "memory"); }
MF_HOOK void bench_stop(void) { __asm volatile("nop\n\tnop" ::: "memory"); }
MF_HOOK void mf_layer_begin(int i) { __asm volatile("" : : "r"(i) : "memory"); }
MF_HOOK void mf_layer_end(int i) { __asm volatile("" : : "r"(i) : "memory"); }

__attribute__((noinline, noipa, noreturn, used)) void mf_halt(int status)
{
    for (;;) {
        __asm volatile("bkpt #0" : : "r"(status));
    }
}

#ifdef MF_MODEL_EXTERNAL_ARENA
#ifndef MF_MODEL_ARENAS   /* a model.h without the arena list: one arena */
#define MF_MODEL_NUM_ARENAS 1
#define MF_MODEL_ARENAS(X) X(mf_model_set_arena, MF_MODEL_ARENA_BYTES)
#endif
/* The caller places the arena(s) (one per --memory pool): here 16-byte aligned slices of one buffer of the
 * firmware's own (tests check its section). */
static uint8_t fw_arena[MF_MODEL_ARENA_BYTES + 16 * MF_MODEL_NUM_ARENAS] __attribute__((aligned(16), used,
                                                                              section(".bss.fw_arena")));
#define FW_GIVE_ARENA(set, bytes) set(next); next += ((bytes) + 15) / 16 * 16;
#endif

int main(void)
{
#ifdef MF_MODEL_EXTERNAL_ARENA
    uint8_t *next = fw_arena;
    MF_MODEL_ARENAS(FW_GIVE_ARENA)
    (void)next;
#endif
    for (int i = 0; i < MF_MODEL_NUM_INPUTS; i++) {
        mf_io_input(i, mf_model_input(i), mf_model_input_size(i));
    }
    bench_start();
    int rc = mf_model_invoke();
    bench_stop();
    for (int i = 0; i < MF_MODEL_NUM_OUTPUTS; i++) {
        mf_io_output(i, mf_model_output(i), mf_model_output_size(i));
    }
    mf_halt(rc);
}
