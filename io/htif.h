/*
 * io/htif.h - the riscv-tests host-target interface (HTIF): two doublewords
 * in guest RAM, `tohost` and `fromhost`, found by their ELF symbols.
 * Course: I/O虚拟化 / 半虚拟化 (paravirtual I/O): the guest and the VMM agree
 *         on a shared-memory protocol instead of emulating a real device.
 *
 *   tohost:  63..56 device   55..48 cmd   47..0 payload
 *   device 0 cmd 0, payload bit 0 = 1:  exit, code = tohost >> 1 (0 = pass)
 *   device 0, bit 0 = 0:                syscall pointer ("magic mem"): unsupported
 *   device 1 cmd 1:                     putchar(payload & 0xff)
 *   device 1 cmd 0:                     getchar request
 *
 * The page holding tohost is watched (GPAGE_WATCH): a guest store there
 * completes in RAM, then leaves the CPU as an EXIT_MMIO with is_ram_watch so
 * the VMM can look (htif_is_tohost, then htif_service).
 */
#ifndef VMLAB_IO_HTIF_H
#define VMLAB_IO_HTIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/mmu.h"
#include "mmu/types.h"

enum htif_kind {
    HTIF_NONE,      /* nothing that ends the run (console I/O, or no command) */
    HTIF_EXIT_PASS, /* the guest reported success */
    HTIF_EXIT_FAIL, /* the guest reported failure: test `code` failed, or `message` */
};

struct htif_result {
    enum htif_kind kind;
    uint64_t code;       /* HTIF_EXIT_FAIL: the failing test number (tohost >> 1) */
    const char *message; /* HTIF_EXIT_FAIL for a request vmlab cannot serve, else NULL */
};

struct htif;

/*
 * HTIF over tohost/fromhost in `gm` (fromhost_gpa may be 0: no fromhost
 * symbol). Watches the tohost page (gmem_set_page_flags GPAGE_WATCH).
 * Console output goes to `out` (NULL: discarded). NULL when tohost is not an
 * aligned doubleword in RAM or on no memory.
 */
struct htif *htif_create(struct gmem *gm, gpa_t tohost_gpa, gpa_t fromhost_gpa, FILE *out);
void htif_destroy(struct htif *htif);

/*
 * Does a store of `size` bytes at `gpa` complete a tohost command? True when
 * it wrote the last byte of tohost: the -p env stores the low word then the
 * high word; the -v env stores all 8 bytes at once.
 */
bool htif_is_tohost(const struct htif *htif, gpa_t gpa, unsigned size);

/*
 * Read tohost and act on it; afterwards tohost = 0 (the -v env spins until
 * it is). Console output is acknowledged in fromhost as QEMU's HTIF does:
 * (device << 56) | (cmd << 48) | 0x100 | byte. Getchar gets no answer yet.
 */
struct htif_result htif_service(struct htif *htif);

#endif
