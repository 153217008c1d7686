/*
 * guests/badpt.c - bad page tables: a small S-mode kernel (M-mode start as
 * guests/paging.c) that hands the MMU one malformed page table after another
 * and checks that each access through it takes exactly the fault the spec
 * gives - the right scause and stval - and that the hart wrote nothing into
 * the bad tables. Then it makes 2000 address spaces from a pool of 64 roots
 * (the shadow MMU's root cache must stay bounded). All of it under Sv39 and
 * then under Sv48, in one run. It prints one line per checked access,
 * "badpt: <mode> <case> <access>: cause N ok", and ends with "badpt: pass"
 * (exit 0 through the test device) or "badpt: FAIL ..." (exit 1).
 * Course: 内存虚拟化 / 页表, 翻译过程 (the walk and where it stops), 影子页表
 *         (the VMM must reflect the guest's own faults, not hide or invent
 *         them), 第二阶段页表 (a stage-1 PTE outside guest memory is a stage-2
 *         miss that must come back as the guest's access fault).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       (steps 2-8: which check gives which fault), §4.4.1 "Addressing and
 *       Memory Protection" (Sv39 PTE, bits 63:54 reserved), §4.5 "Sv48",
 *       §4.1.11 "satp" (ASID), §4.2.1 "SFENCE.VMA", §3.1.8 "medeleg",
 *       §4.1.9 "scause" (Table 4.2), §4.1.10 "stval".
 *
 * Layout: every address space maps GiB 0 (devices) and GiB 2 (RAM) with
 * global 1 GiB identity leaves for the kernel (under Sv48 through one shared
 * level-2 table). The cases use root entry 1 (the "slot"): test GVA
 * 0x4000_0000 under Sv39, 0x80_0000_0000 under Sv48, plus PROBE_OFFSET.
 * A case writes its tables, runs sfence.vma, accesses the GVA from S-mode
 * (ld, sd, or a jump to it), catches the trap in its S-mode handler (page
 * faults and access faults are delegated to S), checks scause, stval and
 * that the bad PTE is unchanged, clears the slot again.
 * "Outside guest memory" is GPA 0x4000_0000: vm/memmap.h puts nothing there.
 * On QEMU 7.2 (-M virt -bios none) the "outside" cases differ: QEMU has
 * PCIe MMIO at 0x4000_0000. Built with -DOUTSIDE_GPA=0x18000000 (vacant on
 * both) only the table-outside lines still differ: QEMU 7.2 reports a PTE
 * read that fails as a page fault, where step 2 wants an access fault.
 * Simplified: one hart, no U-mode, no interrupts; the pool is never freed.
 */
#include "guests/lib/guest.h"

#include <stdbool.h>

#define PAGE_SIZE    4096ull
#define PAGE_SHIFT   12
#define PT_ENTRIES   512
#define VPN_BITS     9
#define PROBE_OFFSET 0x18ull /* where in the page each access goes */
#ifndef OUTSIDE_GPA
#define OUTSIDE_GPA 0x40000000ull /* no RAM, ROM or device (vm/memmap.h) */
#endif
#define RET_PAIR     0x0000806700008067ull /* two `ret`s: what the probe stores */
#define PTE_RSV(bit) (1ull << (bit))       /* a bit of 63:54 (no Svpbmt, no Svnapot) */

/* The address-space churn (case 9). */
#define SPACES       2000 /* satp values, each naming a rewritten table */
#define SPACE_ROOTS  64   /* root pages, reused round-robin */
#define SPACE_CHAINS 2    /* per root: two table chains, alternated on each reuse */
#define SPACE_FRAMES 17   /* data frames: 17 is coprime with 64 and 61 */
#define SPACE_ASIDS  61   /* ASIDs 1..61: (root, ASID) repeats only every 64 * 61 */

#define KERNEL_PTE (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define DATA_PTE   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RWX        (PTE_R | PTE_W | PTE_X)

extern char _end[];

enum access { ACC_LOAD, ACC_STORE, ACC_FETCH };

static const char *const access_names[] = {"load", "store", "fetch"};

/* Causes per access (Table 4.2): [0] page fault, [1] access fault. */
static const uint64_t page_fault_cause[] = {CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT,
                                            CAUSE_FETCH_PAGE_FAULT};
static const uint64_t access_fault_cause[] = {CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS,
                                              CAUSE_FETCH_ACCESS};

/* A word the self-referencing 2 MiB leaf must reach (case 7b). */
static const volatile uint64_t marker = 0x5e1f5e1f0badbeefull;

struct probe_result {
    bool taken;
    uint64_t cause, tval, epc;
};

struct spaces {
    uint64_t *roots[SPACE_ROOTS];
    uint64_t *chains[SPACE_ROOTS][SPACE_CHAINS][3]; /* [k]: the table at level k */
    uint64_t *frames[SPACE_FRAMES];
};

struct kernel {
    uint8_t *pool_next, *pool_end;
    int levels;            /* 3 = Sv39, 4 = Sv48 */
    uint64_t *root;        /* the cases' address space, ASID 0 */
    uint64_t *chain[3];    /* chain[k]: the table at level k under the slot */
    uint64_t *kernel_l2;   /* Sv48: the level-2 table with the kernel's leaves */
    uint64_t *data, *rets; /* a data frame; a frame full of `ret` */
    uint64_t asid_mask;
    enum access probing;
    bool is_probing;
    struct probe_result last;
    uint64_t checks, faults, failures;
    struct spaces sp;
};

static struct kernel kern;

/* ---------------------------------------------------------------- probes */

/*
 * One access each, 4-byte instructions only (norvc) so the handler can step
 * over a faulting ld/sd. probe_fetch jumps to the GVA: a fetch fault comes
 * back with sepc = the GVA and returns through ra; a fetch that wrongly
 * succeeds runs a `ret` (the frames fetch cases map hold nothing else).
 */
__asm__(".text\n"
        ".option push\n"
        ".option norvc\n"
        ".globl probe_load, probe_load_insn, probe_store, probe_store_insn, probe_fetch\n"
        "probe_load:\n"
        "probe_load_insn:\n"
        "    ld a0, 0(a0)\n"
        "    ret\n"
        "probe_store:\n"
        "probe_store_insn:\n"
        "    sd a1, 0(a0)\n"
        "    ret\n"
        "probe_fetch:\n"
        "    jr a0\n"
        ".option pop\n");

uint64_t probe_load(uint64_t gva);
void probe_store(uint64_t gva, uint64_t value);
void probe_fetch(uint64_t gva);
extern char probe_load_insn[], probe_store_insn[];

static __attribute__((noreturn)) void fail(const char *why, uint64_t val)
{
    printf("badpt: FAIL %s 0x%lx\n", why, val);
    guest_exit(1);
}

static bool is_fetch_cause(uint64_t cause)
{
    return cause == CAUSE_FETCH_PAGE_FAULT || cause == CAUSE_FETCH_ACCESS;
}

/* S-mode traps: only a probe may fault; note the trap and resume after it. */
static void kernel_trap(struct trap_frame *tf)
{
    bool at_probe = tf->epc == (uint64_t)(uintptr_t)probe_load_insn ||
                    tf->epc == (uint64_t)(uintptr_t)probe_store_insn;
    bool fetching = kern.is_probing && kern.probing == ACC_FETCH && is_fetch_cause(tf->cause);

    if (!kern.is_probing || kern.last.taken || (!at_probe && !fetching)) {
        printf("badpt: unexpected trap cause %lu at 0x%lx, tval 0x%lx\n", tf->cause, tf->epc,
               tf->tval);
        fail("unexpected trap, cause", tf->cause);
    }
    kern.last =
        (struct probe_result){.taken = true, .cause = tf->cause, .tval = tf->tval, .epc = tf->epc};
    tf->epc = at_probe ? tf->epc + 4 : tf->x[1]; /* fetch: back to probe_fetch's caller */
}

/* One access to gva from S-mode after sfence.vma (the tables just changed, §4.2.1). */
static struct probe_result probe(enum access acc, uint64_t gva)
{
    kern.last = (struct probe_result){.taken = false};
    kern.probing = acc;
    kern.is_probing = true;
    sfence_vma_all();
    if (acc == ACC_LOAD) {
        (void)probe_load(gva);
    } else if (acc == ACC_STORE) {
        probe_store(gva, RET_PAIR);
    } else {
        probe_fetch(gva);
    }
    __asm__ volatile("" : : : "memory");
    kern.is_probing = false;
    return kern.last;
}

/* ---------------------------------------------------------- page tables */

static uint64_t *page_alloc(void)
{
    if (kern.pool_next + PAGE_SIZE > kern.pool_end) {
        fail("out of pages at", (uint64_t)(uintptr_t)kern.pool_next);
    }
    uint64_t *page = (uint64_t *)kern.pool_next;
    kern.pool_next += PAGE_SIZE;
    memset(page, 0, PAGE_SIZE);
    return page;
}

static uint64_t gpa_of(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* A PTE: PPN of gpa (bits 53:10), flags below. V alone = a pointer to the next table. */
static uint64_t pte_make(uint64_t gpa, uint64_t flags)
{
    return ((gpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static uint64_t satp_make(const uint64_t *root, uint64_t asid)
{
    uint64_t mode = (kern.levels == 4) ? SATP_MODE_SV48 : SATP_MODE_SV39;

    return (mode << SATP_MODE_SHIFT) | (asid << SATP_ASID_SHIFT) | (gpa_of(root) >> PAGE_SHIFT);
}

/* The kernel's identity leaves: GiB 0 (devices) and GiB 2 (RAM), global. */
static void kernel_map(uint64_t *root)
{
    if (kern.levels == 4) {
        root[0] = pte_make(gpa_of(kern.kernel_l2), PTE_V);
    } else {
        root[0] = pte_make(0, KERNEL_PTE);
        root[2] = pte_make(MEMMAP_RAM_BASE, KERNEL_PTE);
    }
}

/* The cases' GVA: root entry 1, every lower index 0. */
static uint64_t slot_gva(void)
{
    return 1ull << (PAGE_SHIFT + VPN_BITS * (kern.levels - 1));
}

/* Link root[1] -> chain[levels-2] -> ... -> chain[level]; the PTE slot at `level` for slot_gva. */
static uint64_t *path_to(int level)
{
    if (level == kern.levels - 1) {
        return &kern.root[1];
    }
    kern.root[1] = pte_make(gpa_of(kern.chain[kern.levels - 2]), PTE_V);
    for (int k = kern.levels - 2; k > level; k--) {
        kern.chain[k][0] = pte_make(gpa_of(kern.chain[k - 1]), PTE_V);
    }
    return &kern.chain[level][0];
}

/* Undo a case: the slot and every chain entry cleared, the old translations fenced. */
static void path_clear(void)
{
    kern.root[1] = 0;
    for (int k = 0; k < kern.levels - 1; k++) {
        kern.chain[k][0] = 0;
    }
    sfence_vma_all();
}

/* ---------------------------------------------------------------- checks */

static void report_fail(const char *what, enum access acc)
{
    printf("badpt: sv%d %s %s: FAIL", 12 + 9 * kern.levels, what, access_names[acc]);
    kern.failures++;
}

/*
 * acc at gva must trap with want_cause and stval = gva (§4.1.10: the
 * faulting virtual address, for a fetch the instruction's), leaving *pte
 * as it was (a walk that faults sets no A or D, §4.3.2 step 7 comes later).
 */
static void expect_fault(const char *what, enum access acc, uint64_t gva, uint64_t want_cause,
                         const volatile uint64_t *pte)
{
    uint64_t pte_before = *pte;
    struct probe_result r = probe(acc, gva);

    kern.checks++;
    if (r.taken) {
        kern.faults++;
    }
    if (!r.taken) {
        report_fail(what, acc);
        printf(" no fault, want cause %lu\n", want_cause);
    } else if (r.cause != want_cause || r.tval != gva) {
        report_fail(what, acc);
        printf(" cause %lu tval 0x%lx, want cause %lu tval 0x%lx\n", r.cause, r.tval, want_cause,
               gva);
    } else if (*pte != pte_before) {
        report_fail(what, acc);
        printf(" PTE changed 0x%lx -> 0x%lx\n", pte_before, *pte);
    } else {
        printf("badpt: sv%d %s %s: cause %lu ok\n", 12 + 9 * kern.levels, what, access_names[acc],
               want_cause);
    }
}

/* Load, store and fetch all give the page fault of their kind. */
static void expect_page_faults(const char *what, uint64_t gva, const volatile uint64_t *pte)
{
    for (int acc = ACC_LOAD; acc <= ACC_FETCH; acc++) {
        expect_fault(what, (enum access)acc, gva, page_fault_cause[acc], pte);
    }
}

/* A load that must not fault and must read want. */
static void expect_value(const char *what, uint64_t gva, uint64_t want)
{
    kern.last = (struct probe_result){.taken = false};
    kern.probing = ACC_LOAD;
    kern.is_probing = true;
    sfence_vma_all();
    uint64_t got = probe_load(gva);
    __asm__ volatile("" : : : "memory");
    kern.is_probing = false;
    kern.checks++;
    if (kern.last.taken || got != want) {
        report_fail(what, ACC_LOAD);
        printf(" cause %lu (taken %d), read 0x%lx, want 0x%lx\n", kern.last.cause,
               (int)kern.last.taken, got, want);
    } else {
        printf("badpt: sv%d %s load: value ok\n", 12 + 9 * kern.levels, what);
    }
}

/* ----------------------------------------------------------------- cases */

/* 0. Control: a good 4 KiB leaf reads the data frame, so the harness itself works. */
static void case_good_leaf(void)
{
    kern.data[PROBE_OFFSET / 8] = 0x600d600d600d600dull;
    *path_to(0) = pte_make(gpa_of(kern.data), DATA_PTE);
    expect_value("good-leaf", slot_gva() + PROBE_OFFSET, 0x600d600d600d600dull);
    path_clear();
}

/*
 * 0b. Page-table edits by atomics, as kernels make them (Linux updates PTEs
 * with AMOs and LR/SC): an amoswap.d on a live leaf PTE moves the mapping to
 * another frame and returns the old PTE; an lr.d/sc.d pair moves it back.
 * Under --mmu shadow the table's page is write-protected, so each store
 * exits as pt_write and the VMM performs the AMO or SC itself. Good cases:
 * three loads that must read the frame mapped at the time (after sfence).
 */
static void case_atomic_pte(void)
{
    static uint64_t *other;
    uint64_t *pte = path_to(0);
    uint64_t to_other, old, back, sc_failed = 1;

    if (!other) {
        other = page_alloc();
    }
    kern.data[PROBE_OFFSET / 8] = 0xa70a70a70a70a70aull;
    other[PROBE_OFFSET / 8] = 0x07e407e407e407e4ull;
    *pte = pte_make(gpa_of(kern.data), DATA_PTE);
    expect_value("atomic-pte-before", slot_gva() + PROBE_OFFSET, 0xa70a70a70a70a70aull);
    to_other = pte_make(gpa_of(other), DATA_PTE);
    __asm__ volatile("amoswap.d %0, %2, (%1)" : "=r"(old) : "r"(pte), "r"(to_other) : "memory");
    if (old != pte_make(gpa_of(kern.data), DATA_PTE)) {
        fail("amoswap.d on a PTE returned", old);
    }
    expect_value("atomic-pte-amoswap", slot_gva() + PROBE_OFFSET, 0x07e407e407e407e4ull);
    back = pte_make(gpa_of(kern.data), DATA_PTE);
    while (sc_failed) {
        __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
                         : "=&r"(old), "=&r"(sc_failed)
                         : "r"(pte), "r"(back)
                         : "memory");
    }
    if (old != to_other) {
        fail("lr.d on a PTE read", old);
    }
    expect_value("atomic-pte-lr-sc", slot_gva() + PROBE_OFFSET, 0xa70a70a70a70a70aull);
    path_clear();
}

/*
 * 1. Reserved bits (§4.4.1: bits 63:54 reserved, 62:61 without Svpbmt, 63
 * without Svnapot; vmlab has neither). Step 3: "if any bits or encodings
 * that are reserved for future standard use are set within pte, stop and
 * raise a page-fault exception" - 13 load, 15 store, 12 fetch. Step 3 is
 * for every PTE of the walk, so a reserved bit in a pointer faults too.
 */
static void case_reserved(void)
{
    static const unsigned bits[] = {54, 61, 63};
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(0);

    *pte = pte_make(gpa_of(kern.rets), PTE_V | RWX) | PTE_RSV(60); /* A, D clear: none set */
    expect_page_faults("reserved-bit60", gva, pte);
    for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        char what[32];
        snprintf(what, sizeof(what), "reserved-bit%u", bits[i]);
        *pte = pte_make(gpa_of(kern.rets), PTE_V | RWX) | PTE_RSV(bits[i]);
        expect_fault(what, ACC_LOAD, gva, CAUSE_LOAD_PAGE_FAULT, pte);
    }
    *pte = pte_make(gpa_of(kern.rets), DATA_PTE); /* a good leaf ... */
    kern.root[1] |= PTE_RSV(60);                  /* ... under a bad pointer */
    expect_fault("reserved-pointer", ACC_LOAD, gva, CAUSE_LOAD_PAGE_FAULT, &kern.root[1]);
    path_clear();
}

/*
 * 2. W=1 with R=0 (§4.3.1 Table 4.5: reserved encodings). Step 3: "if
 * pte.r = 0 and pte.w = 1, stop and raise a page-fault exception" - also
 * for the fetch of an X=1 page (W|X without R is reserved too).
 */
static void case_write_only(void)
{
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(0);

    *pte = pte_make(gpa_of(kern.rets), PTE_V | PTE_W);
    expect_fault("w-no-r", ACC_LOAD, gva, CAUSE_LOAD_PAGE_FAULT, pte);
    expect_fault("w-no-r", ACC_STORE, gva, CAUSE_STORE_PAGE_FAULT, pte);
    *pte = pte_make(gpa_of(kern.rets), PTE_V | PTE_W | PTE_X);
    expect_fault("wx-no-r", ACC_FETCH, gva, CAUSE_FETCH_PAGE_FAULT, pte);
    path_clear();
}

/*
 * 3. Misaligned superpages. Step 6: "If i > 0 and pte.ppn[i-1:0] != 0,
 * this is a misaligned superpage; stop and raise a page-fault exception".
 * A 2 MiB leaf (i = 1) on the `ret` frame (PPN[0] != 0); a 1 GiB leaf
 * (i = 2) on GPA 0x8020_0000 (PPN[1] = 1); under Sv48 a 512 GiB leaf
 * (i = 3) on GPA 0x8000_0000 (PPN[2] = 2). The superpages are loaded only:
 * a wrongly allowed store there would hit kernel memory.
 */
static void case_misaligned(void)
{
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(1);

    if (((gpa_of(kern.rets) >> PAGE_SHIFT) & (PT_ENTRIES - 1)) == 0) {
        fail("the ret frame is 2 MiB aligned: pick another", gpa_of(kern.rets));
    }
    *pte = pte_make(gpa_of(kern.rets), PTE_V | RWX);
    expect_page_faults("misaligned-2m", gva, pte);
    path_clear();
    pte = path_to(2);
    *pte = pte_make(MEMMAP_RAM_BASE + 0x200000, PTE_V | PTE_R);
    expect_fault("misaligned-1g", ACC_LOAD, gva, CAUSE_LOAD_PAGE_FAULT, pte);
    path_clear();
    if (kern.levels == 4) {
        pte = path_to(3);
        *pte = pte_make(MEMMAP_RAM_BASE, PTE_V | PTE_R);
        expect_fault("misaligned-512g", ACC_LOAD, gva, CAUSE_LOAD_PAGE_FAULT, pte);
        path_clear();
    }
}

/*
 * 4. A pointer where a leaf must be. Step 4: "Otherwise, this PTE is a
 * pointer to the next level of the page table. Let i = i - 1. If i < 0,
 * stop and raise a page-fault exception."
 */
static void case_pointer_at_level0(void)
{
    uint64_t *pte = path_to(0);

    *pte = pte_make(gpa_of(kern.rets), PTE_V);
    expect_page_faults("pointer-at-level0", slot_gva() + PROBE_OFFSET, pte);
    path_clear();
}

/*
 * 5. A table outside guest memory. Step 2: "If accessing pte violates a
 * PMA or PMP check, raise an access-fault exception corresponding to the
 * original access type" - 5 load, 7 store, 1 fetch. Once for the table
 * of level 0, once for the table right under the root.
 */
static void case_table_outside(void)
{
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(1);

    *pte = pte_make(OUTSIDE_GPA, PTE_V);
    for (int acc = ACC_LOAD; acc <= ACC_FETCH; acc++) {
        expect_fault("table-outside", (enum access)acc, gva, access_fault_cause[acc], pte);
    }
    path_clear();
    kern.root[1] = pte_make(OUTSIDE_GPA, PTE_V);
    expect_fault("table-outside-top", ACC_LOAD, gva, CAUSE_LOAD_ACCESS, &kern.root[1]);
    path_clear();
}

/*
 * 6. A leaf outside guest memory. The walk succeeds (steps 1-8); the access
 * itself then fails its PMA check: an access fault of its kind (§3.6.1
 * "Main Memory versus I/O versus Vacant Regions" - vacant: access fault),
 * stval = the GVA. A and D are preset, so no PTE write is in question.
 */
static void case_leaf_outside(void)
{
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(0);

    *pte = pte_make(OUTSIDE_GPA, PTE_V | RWX | PTE_A | PTE_D);
    for (int acc = ACC_LOAD; acc <= ACC_FETCH; acc++) {
        expect_fault("leaf-outside", (enum access)acc, gva, access_fault_cause[acc], pte);
    }
    path_clear();
    pte = path_to(1);
    *pte = pte_make(OUTSIDE_GPA, PTE_V | PTE_R | PTE_A); /* 2 MiB aligned: a good superpage */
    expect_fault("leaf-outside-2m", ACC_LOAD, gva, CAUSE_LOAD_ACCESS, pte);
    path_clear();
}

/*
 * 6b. A writable leaf on the boot ROM (GPA 0x1000): loads read the ROM, a
 * store fails its PMA check (ROM is not writable): a store access fault, 7.
 * (This case found a vmlab bug: under --mmu shadow the store used to fault
 * as a hidden fault forever; the VMM now gives the guest its access fault.)
 */
static void case_leaf_rom(void)
{
    uint64_t gva = slot_gva() + PROBE_OFFSET;
    uint64_t *pte = path_to(0);

    *pte = pte_make(MEMMAP_BOOTROM_BASE, DATA_PTE);
    expect_value("leaf-rom", gva, *(volatile uint64_t *)(MEMMAP_BOOTROM_BASE + PROBE_OFFSET));
    expect_fault("leaf-rom", ACC_STORE, gva, CAUSE_STORE_ACCESS, pte);
    path_clear();
}

/*
 * 7. A self-referencing table: root[1] points at the root. At the GVA whose
 * every VPN is 1 the walk reads root[1] at each level; at level 0 it is
 * still a pointer, and step 4 ends the walk (i < 0): a page fault, after
 * exactly `levels` reads - never a loop.
 * 7b. The same table used legitimately (the "recursive mapping"): with
 * VPN[1] = 2 (and, under Sv48, VPN[2] = 0) the level-1 read meets the
 * kernel's 1 GiB leaf for RAM, a 2 MiB-aligned leaf there: GVA -> GPA
 * 0x8000_0000 + the low 21 bits, so the marker reads back.
 */
static void case_self_reference(void)
{
    uint64_t all_ones = 0;
    uint64_t marker_off = gpa_of((const void *)&marker) - MEMMAP_RAM_BASE;

    for (int level = 0; level < kern.levels; level++) {
        all_ones |= 1ull << (PAGE_SHIFT + VPN_BITS * level);
    }
    kern.root[1] = pte_make(gpa_of(kern.root), PTE_V);
    expect_page_faults("self-ref", all_ones + PROBE_OFFSET, &kern.root[1]);
    if (marker_off >= (1ull << 21)) {
        fail("marker past the first 2 MiB of RAM at", gpa_of((const void *)&marker));
    }
    expect_value("self-ref-2m-leaf", slot_gva() + (2ull << 21) + marker_off, marker);
    path_clear();
}

/*
 * 8. V=0 with everything else set. Step 3: "If pte.v = 0, ..., stop and
 * raise a page-fault exception" - the other bits mean nothing.
 */
static void case_invalid(void)
{
    uint64_t *pte = path_to(0);

    *pte = pte_make(gpa_of(kern.rets), RWX | PTE_G | PTE_A | PTE_D | (3u << 8));
    expect_page_faults("v0-leaf", slot_gva() + PROBE_OFFSET, pte);
    path_clear();
}

/* --------------------------------------------------- many address spaces */

/*
 * 9. SPACES address spaces. Space i: root r = i mod 64, its chain
 * (i / 64) mod 2, data frame f = i mod 17, ASID 1 + i mod 61. The root's
 * entries and the chain are rewritten, frame f gets a value only space i
 * stores, then: sfence.vma x0, ASID (the ASID may still name an earlier
 * space's translations, §4.2.1: "rs1=x0 and rs2!=x0 ... for the address
 * space identified by rs2"), satp, a load (must read the value: a stale
 * translation would reach another frame) and a store (must land in f).
 */
static void spaces_init(void)
{
    struct spaces *s = &kern.sp;

    for (int r = 0; r < SPACE_ROOTS; r++) {
        s->roots[r] = page_alloc();
        for (int c = 0; c < SPACE_CHAINS; c++) {
            for (int k = 0; k < kern.levels - 1; k++) {
                s->chains[r][c][k] = page_alloc();
            }
        }
    }
    for (int f = 0; f < SPACE_FRAMES; f++) {
        s->frames[f] = page_alloc();
    }
}

/* Space i's tables, rewritten: kernel leaves, root[1] -> chain c -> leaf on frame f. */
static uint64_t *space_build(int i)
{
    struct spaces *s = &kern.sp;
    uint64_t *root = s->roots[i % SPACE_ROOTS];
    uint64_t **chain = s->chains[i % SPACE_ROOTS][(i / SPACE_ROOTS) % SPACE_CHAINS];

    kernel_map(root);
    root[1] = pte_make(gpa_of(chain[kern.levels - 2]), PTE_V);
    for (int k = kern.levels - 2; k > 0; k--) {
        chain[k][0] = pte_make(gpa_of(chain[k - 1]), PTE_V);
    }
    chain[0][0] = pte_make(gpa_of(s->frames[i % SPACE_FRAMES]), DATA_PTE);
    return root;
}

static void case_spaces(uint64_t base_satp)
{
    uint64_t gva = slot_gva();
    uint64_t wrong = 0;

    for (int i = 0; i < SPACES; i++) {
        volatile uint64_t *frame = kern.sp.frames[i % SPACE_FRAMES];
        uint64_t asid = (1 + (uint64_t)(i % SPACE_ASIDS)) & kern.asid_mask;
        uint64_t value = 0xa5ace00000000000ull | (uint64_t)i;
        uint64_t *root = space_build(i);

        frame[0] = value;
        __asm__ volatile("sfence.vma zero, %0" : : "r"(asid) : "memory");
        csr_write(satp, satp_make(root, asid));
        if (*(volatile uint64_t *)gva != value) {
            wrong++;
        }
        *(volatile uint64_t *)(gva + 8) = ~value;
        if (frame[1] != ~value) {
            wrong++;
        }
    }
    csr_write(satp, base_satp);
    sfence_vma_all();
    kern.checks++;
    if (wrong != 0) {
        printf("badpt: sv%d address-spaces: FAIL %lu wrong values in %d spaces\n",
               12 + 9 * kern.levels, wrong, SPACES);
        kern.failures++;
    } else {
        printf("badpt: sv%d address-spaces: %d satp values, %d roots, all values ok\n",
               12 + 9 * kern.levels, SPACES, SPACE_ROOTS);
    }
}

/* ------------------------------------------------------------------ run */

/* satp.ASID is WARL: write all ones, read back the implemented bits (§4.1.11). */
static uint64_t asid_probe(uint64_t base_satp)
{
    csr_write(satp, base_satp | (SATP_ASID_MASK << SATP_ASID_SHIFT));
    uint64_t mask = (csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
    csr_write(satp, base_satp);
    sfence_vma_all();
    return mask;
}

/* Everything under Sv39 (levels 3) or Sv48 (levels 4), from satp = Bare and back. */
static void mode_run(int levels)
{
    kern.levels = levels;
    kern.kernel_l2 = NULL;
    if (levels == 4) {
        kern.kernel_l2 = page_alloc();
        kern.kernel_l2[0] = pte_make(0, KERNEL_PTE);
        kern.kernel_l2[2] = pte_make(MEMMAP_RAM_BASE, KERNEL_PTE);
    }
    kern.root = page_alloc();
    kernel_map(kern.root);
    for (int k = 0; k < levels - 1; k++) {
        kern.chain[k] = page_alloc();
    }
    kern.data = page_alloc();
    kern.rets = page_alloc();
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
        kern.rets[i] = RET_PAIR;
    }
    fence_i();
    spaces_init();

    uint64_t base_satp = satp_make(kern.root, 0);
    csr_write(satp, base_satp);
    if (csr_read(satp) != base_satp) {
        fail("satp did not take the mode, satp", csr_read(satp));
    }
    sfence_vma_all();
    kern.asid_mask = asid_probe(base_satp);

    case_good_leaf();
    case_atomic_pte();
    case_reserved();
    case_write_only();
    case_misaligned();
    case_pointer_at_level0();
    case_table_outside();
    case_leaf_outside();
    case_leaf_rom();
    case_self_reference();
    case_invalid();
    case_spaces(base_satp);

    csr_write(satp, 0);
    sfence_vma_all();
}

static __attribute__((noreturn)) void kernel_main(void)
{
    kern.pool_next = (uint8_t *)(((uintptr_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    printf("badpt: S-mode kernel: bad page tables under Sv39, then Sv48\n");
    mode_run(3);
    mode_run(4);
    printf("badpt: %lu checks, %lu faults taken\n", kern.checks, kern.faults);
    if (kern.failures != 0) {
        printf("badpt: FAIL %lu checks failed\n", kern.failures);
        guest_exit(1);
    }
    printf("badpt: pass\n");
    guest_exit(0);
}

/*
 * M-mode (crt0: a0 = hartid, a1 = the device tree, at the top of RAM: the
 * pool ends there). Delegate the page faults and access faults of loads,
 * stores and fetches to S (§3.1.8), open PMP entry 0, mret to S.
 */
int main(uint64_t hartid, uint64_t fdt_gpa)
{
    (void)hartid;
    kern.pool_end = (uint8_t *)(uintptr_t)(fdt_gpa & ~(PAGE_SIZE - 1));
    pmp_allow_all();
    csr_write(medeleg, (1ull << CAUSE_FETCH_ACCESS) | (1ull << CAUSE_LOAD_ACCESS) |
                           (1ull << CAUSE_STORE_ACCESS) | (1ull << CAUSE_FETCH_PAGE_FAULT) |
                           (1ull << CAUSE_LOAD_PAGE_FAULT) | (1ull << CAUSE_STORE_PAGE_FAULT));
    trap_init_s(kernel_trap);
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)PRV_S << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)(uintptr_t)kernel_main);
    __asm__ volatile("mret" : : : "memory");
    return 1;
}
