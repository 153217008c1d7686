/*
 * cpu/mem.h - guest loads and stores of the execute functions: the inline
 * host fast path, with the full translation (cpu/mem.c) behind it.
 * Course: 内存虚拟化 / TLB：缓存地址翻译结果 (a host lookup in front of the
 *         modelled TLB, never around it).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process".
 *
 * The fast path is a view of the modelled TLB (mmu/mmu.h): an entry of
 * h->fast->load/store[data_priv][vpn % 256] (h->fast_load / h->fast_store
 * point at the row of the current data_priv) exists only while the TLB entry
 * it names is valid, so a hit here touches that entry's LRU stamp and counts
 * one TLB hit - exactly what mmu_translate would have counted. Misaligned
 * accesses (they may cross a page), misses and devices go to the slow path.
 *
 * Return values, as every exec function expects (cpu/internal.h): 0 done,
 * EXIT_GUEST_TRAP with *h->exit filled (page fault, access fault), or
 * EXIT_MMIO with h->exit->mmio filled (a device access; for a load the exec
 * then calls cpu_mmio_load_pending()).
 */
#ifndef VMLAB_CPU_MEM_H
#define VMLAB_CPU_MEM_H

#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "mmu/mmu.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmlab copies guest (little-endian) data with memcpy: it needs a little-endian host"
#endif

/*
 * Host copies of 1, 2, 4 or 8 guest bytes, one fixed-size access each: a
 * variable-length memcpy into a zeroed uint64_t makes the host CPU stall on
 * store-to-load forwarding in the hottest path of every load.
 */
static inline uint64_t mem_host_read(const void *host, unsigned size)
{
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    switch (size) {
    case 1:
        memcpy(&v8, host, 1);
        return v8;
    case 2:
        memcpy(&v16, host, 2);
        return v16;
    case 4:
        memcpy(&v32, host, 4);
        return v32;
    default:
        memcpy(&v64, host, 8);
        return v64;
    }
}

static inline void mem_host_write(void *host, unsigned size, uint64_t val)
{
    uint8_t v8 = (uint8_t)val;
    uint16_t v16 = (uint16_t)val;
    uint32_t v32 = (uint32_t)val;

    switch (size) {
    case 1:
        memcpy(host, &v8, 1);
        break;
    case 2:
        memcpy(host, &v16, 2);
        break;
    case 4:
        memcpy(host, &v32, 4);
        break;
    default:
        memcpy(host, &val, 8);
        break;
    }
}

/* The slow paths (cpu/mem.c): translate, fault, split, MMIO, code and watch pages. */
int mem_load_slow(struct hart *h, gva_t gva, unsigned size, uint64_t *out);
int mem_store_slow(struct hart *h, gva_t gva, unsigned size, uint64_t val);

/*
 * The fetch's TLB touch, made where it matters. True LRU only orders
 * entries by their last use, and the entry the fetch view shows (F) is used
 * by every instruction's fetch; between two data accesses, its many touches
 * collapse into the last. So a block of instructions does not touch F per
 * instruction: each data access first touches F on behalf of its own
 * instruction's fetch (once per instruction: touched_pc), and the block
 * loop touches F once more at the end unless its last instruction did
 * (cpu/interp.c). Victims and stamps' order are then exactly those of a
 * TLB looked up on every fetch (--no-fastpath); the loop counts the hits.
 */
static inline void mem_fetch_touch(struct hart *h)
{
    struct fetch_view *fv = &h->fast->fetch;

    if (fv->te && fv->touched_pc != h->pc && fv->vpn_tag == h->pc >> PAGE_SHIFT) {
        fv->te->lru = ++*h->fast->lru_clock;
        fv->touched_pc = h->pc;
    }
}

/*
 * The fast entry that covers an aligned `size`-byte access at gva in `table`
 * (h->fast_load or h->fast_store), or NULL: then the slow path decides.
 * A hit touches the TLB entry it views (LRU, one TLB hit), as a lookup would.
 * An aligned access never crosses a page, so one test on the low bits stands
 * in for the page-crossing check; a misaligned access (rare, and legal) is
 * performed by the slow path, which counts exactly the same.
 */
static inline __attribute__((always_inline)) const struct fast_entry *
mem_fast_hit(struct hart *h, const struct fast_entry *table, gva_t gva, unsigned size)
{
    uint64_t vpn = gva >> PAGE_SHIFT;
    const struct fast_entry *fe = &table[vpn & (FAST_ENTRIES - 1)];

    if (__builtin_expect(fe->vpn_tag != vpn || (gva & (size - 1)) != 0, 0)) {
        return NULL;
    }
    if (fe->te) {
        mem_fetch_touch(h);
        tlb_touch(h->fast, fe->te);
    }
    return fe;
}

/* The host address of gva through a fast entry that covers it. */
static inline void *mem_fast_host(const struct fast_entry *fe, gva_t gva)
{
    return (void *)(uintptr_t)(gva + fe->host_minus_gva);
}

/* Load `size` (1, 2, 4, 8) bytes at gva, zero-extended into *out. */
static inline int mem_load(struct hart *h, gva_t gva, unsigned size, uint64_t *out)
{
    const struct fast_entry *fe = mem_fast_hit(h, h->fast_load, gva, size);

    if (fe) {
        *out = mem_host_read(mem_fast_host(fe, gva), size);
        return 0;
    }
    return mem_load_slow(h, gva, size, out);
}

/* Store the low `size` bytes of val at gva. */
static inline int mem_store(struct hart *h, gva_t gva, unsigned size, uint64_t val)
{
    const struct fast_entry *fe = mem_fast_hit(h, h->fast_store, gva, size);

    if (fe) {
        mem_host_write(mem_fast_host(fe, gva), size, val);
        return 0;
    }
    return mem_store_slow(h, gva, size, val);
}

#endif
