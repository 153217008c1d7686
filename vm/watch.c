/*
 * vm/watch.c - the monitor's write watchpoints on guest-physical bytes
 * (`watch GPA [LEN]`): the VM stops after a guest store that changed
 * watched bytes has retired, and the monitor says what changed and where.
 * Course: 内存虚拟化 / 捕捉内存访问 - the same trap as HTIF's tohost: the
 *         VMM marks a guest page so that a store to it cannot stay on the
 *         host fast path and leaves the CPU once it has retired.
 * Spec: none (a debugger's feature); gdb's `watch` is the model: a store
 *       that leaves the value as it was does not stop.
 *
 * How: every page holding a watched byte carries GPAGE_WATCH_DEBUG, so a
 * store there takes the slow path and queues an exit after it retires
 * (cpu/mem.c). A page only the monitor watches exits as EXIT_DEBUG, which
 * no counter sees (a debugger's artefact, not the guest's cost); a page a
 * device also watches (HTIF's tohost) exits as the counted EXIT_MMIO it
 * always did. The VMM keeps each watch's bytes as last seen: after a watch
 * exit it compares them with RAM; after any other exit it re-reads them, so
 * the VMM's own writes (DMA, HTIF's fromhost, a reboot's reload) never
 * count as the guest's - gdb does not see DMA either.
 * Simplified: values are compared, not stores counted; up to VM_WATCH_MAX
 * watches of 1, 2, 4 or 8 bytes; a store the VMM performs for the guest is
 * reported only for --mmu shadow's page-table writes (EXIT_PT_WRITE).
 */
#include "vm/internal.h"

#include <errno.h>
#include <string.h>

/* Is every byte of [gpa, gpa + len) guest RAM (not ROM, a device or nothing)? */
static bool watch_range_is_ram(const struct gmem *gm, gpa_t gpa, unsigned len)
{
    struct gpa_info first, last;

    if (gpa + len - 1 < gpa) {
        return false;
    }
    gmem_lookup(gm, gpa, &first);
    gmem_lookup(gm, gpa + len - 1, &last);
    return first.kind == GPA_RAM && last.kind == GPA_RAM;
}

/* The watched bytes now (0 if RAM cannot be read: checked RAM at add). */
static uint64_t watch_read(const struct vm *vm, const struct vm_watch *w)
{
    uint64_t value = 0;
    if (gmem_read(vm->gmem, w->gpa, &value, w->len) != 0) {
        return 0;
    }
    return value;
}

/* Does watch w hold a byte of the page at gpa_page? */
static bool watch_on_page(const struct vm_watch *w, gpa_t gpa_page)
{
    gpa_t first_page = w->gpa & ~PAGE_MASK;
    gpa_t last_page = (w->gpa + w->len - 1) & ~PAGE_MASK;
    return first_page == gpa_page || last_page == gpa_page;
}

/* Mark the page at gpa_page watched; its stores leave the host fast path from now on. */
static void watch_mark_page(struct vm *vm, gpa_t gpa_page)
{
    gmem_set_page_flags(vm->gmem, gpa_page, GPAGE_WATCH_DEBUG);
    mmu_fast_forget_store_page(vm->vcpu.mmu, gpa_page);
}

/* Unmark the page at gpa_page unless another watch still holds a byte of it. */
static void watch_unmark_page(struct vm *vm, gpa_t gpa_page)
{
    for (unsigned i = 0; i < vm->n_watches; i++) {
        if (watch_on_page(&vm->watches[i], gpa_page)) {
            return;
        }
    }
    gmem_clear_page_flags(vm->gmem, gpa_page, GPAGE_WATCH_DEBUG);
}

int vm_watch_add(struct vm *vm, gpa_t gpa, unsigned len)
{
    if (len != 1 && len != 2 && len != 4 && len != 8) {
        return -EINVAL;
    }
    if (!watch_range_is_ram(vm->gmem, gpa, len)) {
        return -EFAULT;
    }
    if (vm->n_watches == VM_WATCH_MAX) {
        return -ENOSPC;
    }
    struct vm_watch *w = &vm->watches[vm->n_watches];
    w->gpa = gpa;
    w->len = len;
    w->value = watch_read(vm, w);
    watch_mark_page(vm, gpa & ~PAGE_MASK);
    watch_mark_page(vm, (gpa + len - 1) & ~PAGE_MASK);
    return (int)vm->n_watches++;
}

bool vm_watch_delete(struct vm *vm, unsigned index)
{
    if (index >= vm->n_watches) {
        return false;
    }
    struct vm_watch gone = vm->watches[index];
    memmove(&vm->watches[index], &vm->watches[index + 1],
            (vm->n_watches - index - 1) * sizeof(vm->watches[0]));
    vm->n_watches--;
    watch_unmark_page(vm, gone.gpa & ~PAGE_MASK);
    watch_unmark_page(vm, (gone.gpa + gone.len - 1) & ~PAGE_MASK);
    vm->n_watch_hits = vm->watch_hits_taken = 0; /* their indexes may have moved */
    return true;
}

void vm_watch_clear(struct vm *vm)
{
    while (vm->n_watches > 0) {
        vm_watch_delete(vm, vm->n_watches - 1);
    }
}

unsigned vm_watch_list(const struct vm *vm, const struct vm_watch **out)
{
    *out = vm->watches;
    return vm->n_watches;
}

bool vm_watch_take_hit(struct vm *vm, struct vm_watch_hit *out)
{
    if (vm->watch_hits_taken >= vm->n_watch_hits) {
        return false;
    }
    *out = vm->watch_hits[vm->watch_hits_taken++];
    return true;
}

/* Compare every watch with RAM: each changed one is a hit of the store at pc. */
static bool watch_compare(struct vm *vm, gva_t pc)
{
    vm->n_watch_hits = vm->watch_hits_taken = 0;
    for (unsigned i = 0; i < vm->n_watches; i++) {
        struct vm_watch *w = &vm->watches[i];
        uint64_t now = watch_read(vm, w);
        if (now == w->value) {
            continue; /* not this range, or the same value stored again: gdb does not stop */
        }
        vm->watch_hits[vm->n_watch_hits++] = (struct vm_watch_hit){
            .index = i,
            .gpa = w->gpa,
            .len = w->len,
            .old_value = w->value,
            .new_value = now,
            .pc = pc,
        };
        w->value = now;
    }
    return vm->n_watch_hits > 0;
}

/* Take RAM's bytes as the watches' values without reporting (the VMM wrote them). */
static void watch_resync(struct vm *vm)
{
    for (unsigned i = 0; i < vm->n_watches; i++) {
        vm->watches[i].value = watch_read(vm, &vm->watches[i]);
    }
}

bool vm_watch_before_exit(struct vm *vm, const struct vm_exit *e)
{
    bool is_watch_exit =
        (e->reason == EXIT_MMIO || e->reason == EXIT_DEBUG) && e->mmio.is_ram_watch;
    if (vm->n_watches == 0 || !is_watch_exit) {
        return false;
    }
    return watch_compare(vm, e->mmio.insn_pc);
}

bool vm_watch_after_exit(struct vm *vm, const struct vm_exit *e, gva_t pc_before)
{
    bool hit = false;

    if (vm->n_watches == 0) {
        return false;
    }
    if (e->reason == EXIT_PT_WRITE) {
        hit = watch_compare(vm, pc_before); /* the guest's store, performed by the VMM */
    }
    if (!vm->vcpu.hart.exit_after_pending) {
        watch_resync(vm); /* a watched store still queued is compared when its exit comes */
    }
    return hit;
}
