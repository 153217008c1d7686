/*
 * mmu/types.h - the three address spaces of the course, as three types.
 * Course: 内存虚拟化 / 三种地址 (GVA, GPA, HPA).
 *
 * The compiler cannot tell these apart, so every variable's name says which
 * space it holds: gva, gpa, hpa - never "addr".
 */
#ifndef VMLAB_MMU_TYPES_H
#define VMLAB_MMU_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t gva_t; /* guest virtual: what guest code uses */
typedef uint64_t gpa_t; /* guest physical: the guest's "fake" physical address */
typedef uint64_t hpa_t; /* host physical: an address in vmlab's host memory */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ull << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)

/* The three kinds of memory access a hart makes. */
enum access_type {
    ACCESS_FETCH,
    ACCESS_LOAD,
    ACCESS_STORE, /* stores and AMOs */
};

/* Privilege levels, encoded as the spec does (mstatus.MPP). */
enum priv_level {
    PRV_U = 0,
    PRV_S = 1,
    PRV_M = 3,
};

#endif
