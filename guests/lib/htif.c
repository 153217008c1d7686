/*
 * guests/lib/htif.c - the Host-Target Interface of Spike and the riscv-tests:
 * the guest writes a command word to the `tohost` variable in its own RAM;
 * the host watches it. A console byte is device 1, command 1; an exit is
 * (code << 1) | 1 with code 0 = pass.
 * Course: I/O虚拟化 / 半虚拟化 (paravirtual I/O): no device registers at
 *         all, just a memory word both sides agree on.
 * Spec: riscv-tests env/ and Spike's fesvr htif convention (tohost/fromhost,
 *       device << 56 | command << 48 | payload).
 * Simplified: only a guest that defines tohost and fromhost (in section
 * .tohost) links this file; the host's reply in fromhost is acknowledged.
 */
#include "guests/lib/guest.h"

extern volatile uint64_t tohost;
extern volatile uint64_t fromhost;

#define HTIF_DEV_CONSOLE 1ull
#define HTIF_CMD_PUTC    1ull

static void htif_send(uint64_t cmd)
{
    while (tohost != 0) {
        fromhost = 0;
    }
    tohost = cmd;
}

void htif_putc(char c)
{
    htif_send((HTIF_DEV_CONSOLE << 56) | (HTIF_CMD_PUTC << 48) | (uint8_t)c);
}

void htif_exit(int code)
{
    htif_send(((uint64_t)(uint32_t)code << 1) | 1);
    for (;;) {
        wfi();
    }
}
