/*
 * io/htif.c - the riscv-tests host-target interface: the guest writes a
 * command into the `tohost` doubleword; the VMM, told by the watched page,
 * reads it, acts, and clears it.
 * Course: I/O虚拟化 / 半虚拟化: a protocol over shared memory that both sides
 *         know, instead of a device register model (compare io/uart.c).
 * Spec: riscv-tests env (riscv_test.h RVTEST_PASS/RVTEST_FAIL, env/v vm.c
 *       do_tohost) and the riscv-fesvr HTIF command layout; QEMU's HTIF for
 *       the fromhost acknowledgement of console output.
 * Simplified: no syscall proxy ("magic mem": reported as unsupported, the
 *       run stops with failure); getchar requests get no answer.
 */
#include "io/htif.h"

#include <assert.h>
#include <stdlib.h>

#define HTIF_DEV_SYSTEM  0
#define HTIF_DEV_CONSOLE 1
#define HTIF_CMD_GETC    0
#define HTIF_CMD_PUTC    1

struct htif {
    struct gmem *gm;
    gpa_t tohost_gpa;
    gpa_t fromhost_gpa; /* 0: none */
    FILE *out;
};

struct htif *htif_create(struct gmem *gm, gpa_t tohost_gpa, gpa_t fromhost_gpa, FILE *out)
{
    struct gpa_info info;
    gmem_lookup(gm, tohost_gpa, &info);
    if ((tohost_gpa & 7) || info.kind != GPA_RAM) {
        return NULL;
    }
    if (fromhost_gpa) {
        gmem_lookup(gm, fromhost_gpa, &info);
        if ((fromhost_gpa & 7) || info.kind != GPA_RAM) {
            fromhost_gpa = 0; /* unusable: behave as if there were none */
        }
    }
    struct htif *htif = calloc(1, sizeof(*htif));
    if (!htif) {
        return NULL;
    }
    htif->gm = gm;
    htif->tohost_gpa = tohost_gpa;
    htif->fromhost_gpa = fromhost_gpa;
    htif->out = out;
    gmem_set_page_flags(gm, tohost_gpa & ~PAGE_MASK, GPAGE_WATCH);
    return htif;
}

void htif_destroy(struct htif *htif)
{
    free(htif);
}

bool htif_is_tohost(const struct htif *htif, gpa_t gpa, unsigned size)
{
    gpa_t last_byte = htif->tohost_gpa + 7;
    return gpa <= last_byte && last_byte - gpa < size;
}

static void htif_write64(struct htif *htif, gpa_t gpa, uint64_t value)
{
    uint8_t bytes[8];
    for (unsigned i = 0; i < 8; i++) {
        bytes[i] = (uint8_t)(value >> (8 * i)); /* guest RAM is little-endian */
    }
    int rc = gpa ? gmem_write(htif->gm, gpa, bytes, sizeof(bytes)) : 0;
    assert(rc == 0 && "htif: tohost/fromhost were RAM at creation"); /* a vmlab bug otherwise */
    (void)rc;
}

static void htif_putchar(struct htif *htif, uint64_t tohost)
{
    uint8_t byte = (uint8_t)tohost;
    if (htif->out) {
        fputc(byte, htif->out);
        if (byte == '\n') {
            fflush(htif->out);
        }
    }
    /* QEMU's acknowledgement: the command's top 16 bits, 0x100 | byte */
    htif_write64(htif, htif->fromhost_gpa, (tohost & 0xffff000000000000ull) | 0x100 | byte);
}

static struct htif_result htif_system(uint64_t tohost)
{
    struct htif_result r = {HTIF_NONE, 0, NULL};
    if (tohost & 1) {
        uint64_t code = (tohost & 0x0000ffffffffffffull) >> 1;
        r.kind = code == 0 ? HTIF_EXIT_PASS : HTIF_EXIT_FAIL;
        r.code = code;
    } else {
        r.kind = HTIF_EXIT_FAIL;
        r.message = "HTIF syscall request (riscv-tests \"magic mem\") is not supported by vmlab";
    }
    return r;
}

struct htif_result htif_service(struct htif *htif)
{
    struct htif_result r = {HTIF_NONE, 0, NULL};
    uint8_t bytes[8];
    if (gmem_read(htif->gm, htif->tohost_gpa, bytes, sizeof(bytes)) != 0) {
        return r;
    }
    uint64_t tohost = 0;
    for (unsigned i = 0; i < 8; i++) {
        tohost |= (uint64_t)bytes[i] << (8 * i);
    }
    if (tohost == 0) {
        return r;
    }
    unsigned device = (unsigned)(tohost >> 56);
    unsigned cmd = (unsigned)(tohost >> 48) & 0xff;
    if (device == HTIF_DEV_SYSTEM && cmd == 0) {
        r = htif_system(tohost);
    } else if (device == HTIF_DEV_CONSOLE && cmd == HTIF_CMD_PUTC) {
        htif_putchar(htif, tohost);
    }
    /* HTIF_CMD_GETC and unknown commands: consumed without an answer */
    htif_write64(htif, htif->tohost_gpa, 0);
    return r;
}
