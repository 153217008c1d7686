/*
 * guests/isolate.c - the isolation test of several VMs on one host: fill all
 * of this VM's RAM after the image with a mark, spin so that other VMs run
 * meanwhile (vmlab --vm ... --slice N), then check that every word still
 * holds this VM's mark, and that loads and stores just outside this VM's
 * RAM (the page below 0x8000_0000, where nothing is, and RAM's end) are
 * access faults. Built twice, as isolate-a and isolate-b, with different
 * MARKs: run together, each passes only if the other never reached its
 * frames and it never reached the other's.
 * Course: 内存虚拟化 / 三种地址: all VMs' RAM are frames of one host memory;
 *         only the translations (the VMM's GPA -> HPA map, or stage 2)
 *         keep them apart.
 * Spec: Privileged 20211203, §3.1.15 "mcause" (5 load access fault, 7
 *       store/AMO access fault), §3.6 "Physical Memory Attributes"; the
 *       Devicetree Specification v0.4, §5 "Flattened Devicetree (DTB) Format"
 *       (the RAM size comes from /memory's reg).
 * Simplified: bare M-mode (under --mmu nested every access still crosses
 * stage 2); each word holds MARK ^ its GPA, so a page mapped at the wrong
 * place in this VM fails too; the device tree walk knows only what vmlab's
 * and QEMU's trees hold (#address-cells = #size-cells = 2 at the root).
 */
#include "guests/lib/guest.h"

#include <stdbool.h>

#ifndef MARK
#define MARK 0x5a5a5a5a00000000ull
#endif
#ifndef NAME
#define NAME "isolate"
#endif
#define SPIN_ITERS   200000 /* ~0.6 M instructions: several turns of --slice 10000 */
#define OUTSIDE_GPA  (MEMMAP_RAM_BASE - 4096) /* below RAM: no memory, no device */
#define FAULT_PROBES 4                        /* load and store, below RAM and at its end */

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

extern char _end[];

static volatile unsigned access_faults;

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t be64(const void *p)
{
    return (uint64_t)be32(p) << 32 | be32((const uint8_t *)p + 4);
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return false;
        }
    }
    return true;
}

/* /memory@...'s reg = <base size>: the RAM size, 0 when the tree says nothing. */
static uint64_t fdt_ram_size(const uint8_t *fdt)
{
    if (be32(fdt) != FDT_MAGIC) {
        return 0;
    }
    const uint8_t *p = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    int depth = 0;
    bool in_memory = false;
    for (;;) {
        uint32_t token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            unsigned len = 0;
            while (name[len]) {
                len++;
            }
            depth++;
            in_memory = depth == 2 && starts_with(name, "memory");
            p += (len + 1 + 3) & ~3u;
        } else if (token == FDT_PROP) {
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *value = p + 8;
            if (in_memory && len == 16 && strcmp(strings + nameoff, "reg") == 0) {
                return be64(value + 8);
            }
            p += 8 + ((len + 3) & ~3u);
        } else if (token == FDT_END_NODE) {
            depth--;
            in_memory = false;
        } else if (token != FDT_NOP) {
            return 0; /* FDT_END or garbage */
        }
    }
}

/* Access faults are what this test expects: count them, skip the access. */
static void on_trap(struct trap_frame *tf)
{
    if (tf->cause != CAUSE_LOAD_ACCESS && tf->cause != CAUSE_STORE_ACCESS) {
        printf(NAME ": FAIL: unexpected trap cause %lu at 0x%lx (tval 0x%lx)\n", tf->cause, tf->epc,
               tf->tval);
        guest_exit(3);
    }
    access_faults++;
    tf->epc += insn_length_at(tf->epc);
}

static void fill(uint64_t *first, uint64_t *last)
{
    for (volatile uint64_t *w = first; w < last; w++) {
        *w = MARK ^ (uint64_t)(uintptr_t)w;
    }
}

static uint64_t count_bad(uint64_t *first, uint64_t *last)
{
    uint64_t bad = 0;
    for (volatile uint64_t *w = first; w < last; w++) {
        bad += *w != (MARK ^ (uint64_t)(uintptr_t)w);
    }
    return bad;
}

static void probe_outside(uint64_t ram_end)
{
    volatile uint64_t *below = (volatile uint64_t *)(uintptr_t)OUTSIDE_GPA;
    volatile uint64_t *past = (volatile uint64_t *)(uintptr_t)ram_end;
    (void)*below;
    *below = MARK;
    (void)*past;
    *past = MARK;
}

int main(uint64_t hartid, const uint8_t *fdt)
{
    (void)hartid;
    uint64_t ram_size = fdt_ram_size(fdt);
    uint64_t ram_end = MEMMAP_RAM_BASE + ram_size;
    uint64_t *first = (uint64_t *)(((uintptr_t)_end + 4095) & ~(uintptr_t)4095);
    uint64_t *last = (uint64_t *)(uintptr_t)ram_end;

    trap_set_m_handler(on_trap);
    if (ram_size == 0 || (uintptr_t)first >= ram_end) {
        printf(NAME ": FAIL: no RAM size in the device tree at %p\n", (const void *)fdt);
        return 1;
    }
    printf(NAME ": filling 0x%lx..0x%lx with mark 0x%lx\n", (unsigned long)(uintptr_t)first,
           (unsigned long)ram_end, (unsigned long)MARK);
    fill(first, last); /* the device tree at RAM's end is read already */
    for (volatile unsigned i = 0; i < SPIN_ITERS; i++) {
    }
    uint64_t bad = count_bad(first, last);
    probe_outside(ram_end);
    printf(NAME ": %lu words not holding the mark, %u of %u outside accesses faulted\n",
           (unsigned long)bad, access_faults, FAULT_PROBES);
    if (bad != 0 || access_faults != FAULT_PROBES) {
        printf(NAME ": FAIL\n");
        return 2;
    }
    printf(NAME ": pass\n");
    return 0;
}
