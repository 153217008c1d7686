/*
 * vm/stage2.c - the VMM's half of two-stage translation (--mmu nested): it
 * owns the VM's stage-2 table and is the stage-2 page-fault handler, as
 * KVM's EPT-violation handler is: a guest access to a GPA that stage 2 does
 * not map yet exits (exits.s2_fault); if the GPA is the VM's RAM or ROM the
 * VMM maps it and the access runs again, so guest memory is mapped on first
 * touch (demand paging); anything else becomes the guest's access fault.
 * Course: 内存虚拟化 / 硬件虚拟化 (EPT violation -> VMM page-fault handler,
 *         按需分配); --prealloc maps everything before the guest runs.
 * Spec: Privileged 20211203, §8.5.1 (G-stage leaves: U = 1; the leaf sizes
 *       4 KiB, 2 MiB, 1 GiB), §8.6.3 "Memory-Management Fences" (after a
 *       remap: HFENCE.GVMA, here mmu_s2_flush).
 *
 * Leaf size: the largest up to --s2-page whose whole aligned GPA range is
 * this VM's RAM (or one ROM) on one aligned host run (gmem_host_run); else
 * the next smaller, down to 4 KiB. RAM is mapped R/W/X, ROM R/X: a guest
 * store to ROM is a stage-2 permission fault that this handler turns into
 * the guest's store access fault, as under --mmu native.
 * Host frames for RAM are taken on first touch too (gmem_back: the page's
 * 2 MiB run, or its GiB's run with --s2-page 1g), unless --prealloc.
 * Simplified: nothing is ever unmapped, so no fence is needed.
 */
#include "vm/internal.h"

#include <errno.h>
#include <inttypes.h>

#include "cpu/encoding.h"
#include "vm/memmap.h"

/* Map the largest allowed leaf around gpa (*out_size). 0, -EFAULT (not RAM/ROM), -ENOMEM. */
static int stage2_map_around(struct vm *vm, gpa_t gpa, uint64_t *out_size)
{
    bool is_rom;

    for (int level = (int)vm->cfg.s2_leaf_level; level >= 0; level--) {
        uint64_t size = PAGE_SIZE << (9 * level);
        gpa_t base = gpa & ~(size - 1);
        hpa_t hpa;

        if (!gmem_host_run(vm->gmem, base, size, &hpa, &is_rom)) {
            continue;
        }
        int r = s2_table_map(vm->s2, base, hpa, (unsigned)level,
                             is_rom ? PTE_R | PTE_X : PTE_R | PTE_W | PTE_X);
        if (r == 0) {
            vm->s2_maps++;
            *out_size = size;
        }
        return r == -ENOMEM ? -ENOMEM : r == 0 ? 0 : -EFAULT;
    }
    return -EFAULT;
}

/* Map every page of RAM and ROM now (--prealloc): no stage-2 fault will be RAM's. */
static int stage2_prealloc(struct vm *vm)
{
    gpa_t ram_base = gmem_ram_base(vm->gmem);
    gpa_t ram_end = ram_base + gmem_ram_size(vm->gmem);
    uint64_t size = PAGE_SIZE;

    for (gpa_t gpa = ram_base; gpa < ram_end; gpa += size) {
        if (stage2_map_around(vm, gpa, &size) != 0) {
            return -ENOMEM;
        }
    }
    return stage2_map_around(vm, MEMMAP_BOOTROM_BASE, &size) == -ENOMEM ? -ENOMEM : 0;
}

int vm_stage2_create(struct vm *vm)
{
    if (vm->cfg.mmu_mode != MMU_NESTED) {
        return 0;
    }
    vm->s2 = s2_table_create(vm->hostmem, vm->cfg.s2_levels);
    if (!vm->s2) {
        fprintf(stderr, "vmlab: out of host memory for the stage-2 table\n");
        return -1;
    }
    if (vm->cfg.prealloc && stage2_prealloc(vm) != 0) {
        fprintf(stderr, "vmlab: out of host memory for the stage-2 table (--prealloc)\n");
        return -1;
    }
    return 0;
}

/* The guest's access fault for an access of type acc (§3.1.15 causes 1, 5, 7). */
static uint64_t stage2_access_cause(enum access_type acc)
{
    switch (acc) {
    case ACCESS_FETCH:
        return CAUSE_FETCH_ACCESS;
    case ACCESS_LOAD:
        return CAUSE_LOAD_ACCESS;
    case ACCESS_STORE:
        break;
    }
    return CAUSE_STORE_ACCESS;
}

int vm_stage2_fault(struct vm *vm, const struct vm_exit *e, uint64_t *out_cause)
{
    struct gpa_info info;
    uint64_t size;

    gmem_lookup(vm->gmem, e->s2.gpa, &info);
    if (info.kind == GPA_RAM || (info.kind == GPA_ROM && e->s2.acc != ACCESS_STORE)) {
        /* demand paging: host frames for the page's run first, then the mapping */
        int r = gmem_back(vm->gmem, e->s2.gpa);
        if (r == 0) {
            r = stage2_map_around(vm, e->s2.gpa, &size);
        }
        if (r == -ENOMEM) {
            vm_request_stop(vm, VMLAB_EXIT_STOPPED,
                            "out of host memory for guest RAM or the stage-2 table: "
                            "try a smaller -m");
        }
        if (r != -EFAULT) {
            return 0; /* mapped: the access runs again */
        }
    }
    /* nothing there, a device under the guest's own page table, a store to ROM */
    *out_cause = stage2_access_cause(e->s2.acc);
    return -EFAULT;
}
