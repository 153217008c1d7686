/*
 * cpu/mem.h - guest loads and stores of the execute functions: the inline
 * host fast path, with the full translation (cpu/mem.c) behind it.
 * Course: 内存虚拟化 / TLB：缓存地址翻译结果 (a host lookup in front of the
 *         modelled TLB, never around it).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process".
 *
 * The fast path is a view of the modelled TLB (mmu/mmu.h): an entry of
 * h->fast->load/store[data_priv][vpn % 256] exists only while the TLB entry
 * it names is valid, so a hit here touches that entry's LRU stamp and counts
 * one TLB hit - exactly what mmu_translate would have counted. Accesses that
 * cross a page, miss here, or touch a device go to the slow path.
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

/* Load `size` (1, 2, 4, 8) bytes at gva, zero-extended into *out. */
static inline int mem_load(struct hart *h, gva_t gva, unsigned size, uint64_t *out)
{
    uint64_t vpn = gva >> PAGE_SHIFT;
    struct fast_entry *fe = &h->fast->load[h->data_priv][vpn & (FAST_ENTRIES - 1)];

    if (fe->vpn_tag == vpn && (gva & PAGE_MASK) + size <= PAGE_SIZE) {
        tlb_touch(h->fast, fe->te);
        *out = mem_host_read((const void *)(uintptr_t)(gva + fe->host_minus_gva), size);
        return 0;
    }
    return mem_load_slow(h, gva, size, out);
}

/* Store the low `size` bytes of val at gva. */
static inline int mem_store(struct hart *h, gva_t gva, unsigned size, uint64_t val)
{
    uint64_t vpn = gva >> PAGE_SHIFT;
    struct fast_entry *fe = &h->fast->store[h->data_priv][vpn & (FAST_ENTRIES - 1)];

    if (fe->vpn_tag == vpn && (gva & PAGE_MASK) + size <= PAGE_SIZE) {
        tlb_touch(h->fast, fe->te);
        mem_host_write((void *)(uintptr_t)(gva + fe->host_minus_gva), size, val);
        return 0;
    }
    return mem_store_slow(h, gva, size, val);
}

#endif
