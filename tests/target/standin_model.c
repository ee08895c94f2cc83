/* Stand-in for a generated model.c (tests only): out[i] = in[i] + 1, two profiled layers.
 * -DSTANDIN_FAULT / -DSTANDIN_RUNAWAY / -DSTANDIN_UNDEF / -DSTANDIN_RECURSE inject failures
 * inside layer 1. */
#include <stdint.h>
#include <stddef.h>
#include "model.h"

void mf_layer_begin(int i);
void mf_layer_end(int i);

#define N 48
int8_t mf_arena[2 * N] __attribute__((aligned(4)));
static int8_t *const in = mf_arena;
static int8_t *const out = mf_arena + N;
volatile int32_t standin_sink;

#ifdef STANDIN_RECURSE
__attribute__((noinline, noipa)) static int32_t recurse(volatile int32_t *p, int depth)
{
    volatile int32_t frame[64];
    frame[depth & 63] = *p + depth;
    return depth > 0 ? recurse(frame, depth - 1) + frame[0] : frame[0];
}
#endif

int mf_model_invoke(void)
{
    mf_layer_begin(0);
    for (int i = 0; i < N; i++) {
        out[i] = (int8_t)(in[i] + 1);
    }
    mf_layer_end(0);

    mf_layer_begin(1);
    int32_t acc = 0;
    for (int i = 0; i < N; i++) {
        acc += out[i] * (i + 3);
    }
    standin_sink = acc;
#ifdef STANDIN_FAULT
    *(volatile uint32_t *)0x70000000u = (uint32_t)acc;
#endif
#ifdef STANDIN_UNDEF
    __asm volatile("udf #7");
#endif
#ifdef STANDIN_RUNAWAY
    for (;;) {
        standin_sink = standin_sink + 1;
    }
#endif
#ifdef STANDIN_RECURSE
    standin_sink = recurse(&standin_sink, 100000);
#endif
    mf_layer_end(1);
    return 0;
}

void *mf_model_input(int i) { (void)i; return in; }
size_t mf_model_input_size(int i) { (void)i; return N; }
void *mf_model_output(int i) { (void)i; return out; }
size_t mf_model_output_size(int i) { (void)i; return N; }
