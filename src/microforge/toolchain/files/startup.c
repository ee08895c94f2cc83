/* microforge firmware startup for the emulated Cortex-M targets.
 *
 * Vector table (initial SP + reset + fault vectors), .data copy, .bss zeroing, FPU enable,
 * then main().  Every exception vector points at mf_fault_handler(), whose address the
 * emulator watches so that a fault is reported with the faulting PC instead of hanging.
 */
#include <stdint.h>

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_top__[];
extern int main(void);

void Reset_Handler(void);
void mf_fault_handler(void);

__attribute__((noinline, noipa, noreturn, used)) void mf_fault_handler(void)
{
    for (;;) {
        __asm volatile("bkpt #1");
    }
}

__attribute__((section(".isr_vector"), used))
void (*const mf_vectors[16])(void) = {
    (void (*)(void))__stack_top__,
    Reset_Handler,
    mf_fault_handler, /* NMI */
    mf_fault_handler, /* HardFault */
    mf_fault_handler, /* MemManage */
    mf_fault_handler, /* BusFault */
    mf_fault_handler, /* UsageFault */
    mf_fault_handler, /* SecureFault (v8-M) */
    0, 0, 0,
    mf_fault_handler, /* SVCall */
    mf_fault_handler, /* DebugMonitor */
    0,
    mf_fault_handler, /* PendSV */
    mf_fault_handler, /* SysTick */
};

__attribute__((noreturn, used)) void Reset_Handler(void)
{
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11 (the FPU). */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    uint32_t *src = __data_load__;
    for (uint32_t *dst = __data_start__; dst < __data_end__;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start__; dst < __bss_end__;) {
        *dst++ = 0;
    }
    main();
    for (;;) {
    }
}
