/*
 * guests/lib/sbi.c - the SBI calls an S-mode guest kernel makes (console
 * and poweroff): an ecall with the extension ID in a7, which the VMM's SBI
 * answers (exits.hypercall).
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall).
 * Spec: RISC-V SBI v2.0, §3 "Binary Encoding", §5 "Legacy Extensions"
 *       (console_putchar EID 0x01, shutdown EID 0x08), §10 "System Reset
 *       Extension" (EID 0x53525354).
 * Simplified: legacy putchar (one ecall per character).
 */
#include "guests/lib/guest.h"

#define SBI_LEGACY_PUTCHAR 0x01
#define SBI_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_SRST 0x53525354
#define SRST_SHUTDOWN 0
#define SRST_REASON_FAILURE 1

static uint64_t sbi_call(uint64_t eid, uint64_t fid, uint64_t arg0, uint64_t arg1)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a6 __asm__("a6") = fid;
    register uint64_t a7 __asm__("a7") = eid;

    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return a0;
}

void sbi_putc(char c)
{
    sbi_call(SBI_LEGACY_PUTCHAR, 0, (uint8_t)c, 0);
}

void sbi_exit(int code)
{
    if (code == 0) {
        sbi_call(SBI_LEGACY_SHUTDOWN, 0, 0, 0);
    }
    sbi_call(SBI_EXT_SRST, 0, SRST_SHUTDOWN, SRST_REASON_FAILURE);
    for (;;) {
        wfi();
    }
}
