/*
 * guests/hello-htif.c - hello through HTIF instead of the UART: the guest
 * defines the riscv-tests `tohost`/`fromhost` pair, so the VMM attaches HTIF,
 * and the console and the poweroff go through that memory word.
 * Course: I/O虚拟化 / 半虚拟化: compare its MMIO exits (one: none at all
 *         for the console) with hello.elf's 53.
 * Spec: riscv-tests env/ (tohost/fromhost), Spike's fesvr HTIF.
 * Simplified: nothing.
 */
#include "guests/lib/guest.h"

volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));

int main(void)
{
    console_set_output(htif_putc);
    console_puts("Hello from a vmlab guest!\n");
    htif_exit(0);
}
