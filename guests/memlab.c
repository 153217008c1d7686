/*
 * guests/memlab.c - the memory-virtualization lab's guest: a small S-mode
 * kernel running NPROC U-mode processes, each in its own address space with
 * its own ASID, each touching FOOTPRINT_KIB of its own memory in a chosen
 * access pattern. Run it under `vmlab --mmu native|shadow|nested` and compare
 * the TLB and walk counters: the guest does the same work every time, only
 * the cost of translating its addresses changes.
 * Course: 内存虚拟化 / 页表, 翻译过程, TLB (ASID), 影子页表 (the run-time PTE
 *         edits are what a shadow MMU must notice), 第二阶段页表 (every walk
 *         read here becomes a 2-D walk under --mmu nested).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §4.4 "Sv39", §4.5 "Sv48", §4.1.11 "satp" (ASID), §4.2.1
 *       "Supervisor Memory-Management Fence Instruction", §3.1.8 "Machine
 *       Trap Delegation Registers (medeleg and mideleg)".
 *
 * Knobs (-D at build time, see guests/guests.mk and guests/README.md):
 *   NPROC          processes, round-robin on `ecall` yield           (4)
 *   FOOTPRINT_KIB  user memory per process; /4 is its page count P,
 *                  a power of two, at least 8                         (1024)
 *   PATTERN        PATTERN_SEQ, PATTERN_STRIDE, PATTERN_RAND, PATTERN_HOT (seq)
 *   STRIDE         pages between touches of the stride pattern        (16)
 *   ROUNDS         passes per process, a yield after each             (4)
 *   MODE           39 or 48: Sv39 or Sv48 page tables                 (39)
 * A pass is P touches, each one 8-byte store and one load of word 0 of a
 * page: seq = pages 0, 1, 2, ...; stride = 0, S, 2S, ... (mod P), moving
 * on by one page whenever the walk comes back to where it started, so every
 * page is met even when S and P share a factor; rand = a full-period LCG
 * modulo P (a permutation), its high bits folded into the low ones; hot =
 * pages 0..7 over and over (TLB-friendly).
 *
 * Page-table edits at run time: at each process's first yield (after pass 1)
 * the kernel points page REMAP_PAGE at a fresh zeroed frame and flushes that
 * one translation; pass 2 checks the page reads zero before writing it.
 *
 * The guest checks itself and prints one line per process, then
 * "memlab: PASS" (exit 0 through the test device) or "memlab: FAIL ..."
 * (exit 1): before any process runs, that one pass of the order touches each
 * page exactly once (hot: pages 0..7); at the end, each process's sum of
 * loaded values and its demand faults (= pages touched). It runs unchanged
 * on QEMU (`-M virt -bios none -kernel memlab.elf`) with the same output.
 *
 * Simplified: one hart, no timer preemption, no freeing, one fixed layout.
 * Kernel memory is identity-mapped by global 1 GiB leaves in every address
 * space; user pages are 4 KiB leaves made on demand (page fault -> zeroed
 * frame from a bump allocator between _end and the device tree).
 */
#include "guests/lib/guest.h"

#include <stdbool.h>

/* ------------------------------------------------------------ the knobs */

#define PATTERN_SEQ    1
#define PATTERN_STRIDE 2
#define PATTERN_RAND   3
#define PATTERN_HOT    4

#ifndef NPROC
#define NPROC 4
#endif
#ifndef FOOTPRINT_KIB
#define FOOTPRINT_KIB 1024
#endif
#ifndef PATTERN
#define PATTERN PATTERN_SEQ
#endif
#ifndef STRIDE
#define STRIDE 16
#endif
#ifndef ROUNDS
#define ROUNDS 4
#endif
#ifndef MODE
#define MODE 39
#endif

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12
#define PT_ENTRIES 512
#define NPAGES     ((uint64_t)FOOTPRINT_KIB / 4) /* P: pages in a process's footprint */
#define HOT_PAGES  8
#define REMAP_PAGE 5 /* < HOT_PAGES: every pattern touches it in pass 1 */
#define LEVELS     ((MODE == 48) ? 4 : 3)

_Static_assert(MODE == 39 || MODE == 48, "MODE must be 39 or 48");
_Static_assert(NPROC >= 1 && NPROC <= 64, "NPROC must be 1..64");
_Static_assert(ROUNDS >= 1, "ROUNDS must be at least 1");
_Static_assert(NPAGES >= HOT_PAGES && (NPAGES & (NPAGES - 1)) == 0,
               "FOOTPRINT_KIB / 4 must be a power of two, at least 8");
_Static_assert(NPAGES <= (1ull << 18), "the footprint must fit in its 1 GiB region");
_Static_assert(STRIDE >= 1, "STRIDE must be at least 1");
_Static_assert(PATTERN >= PATTERN_SEQ && PATTERN <= PATTERN_HOT, "unknown PATTERN");

/* rand: x' = (A x + C) mod P has period P when C is odd and A = 1 (mod 4) (Hull-Dobell) */
#define LCG_A      1103515245ull
#define LCG_C      12345ull
#define RAND_SHIFT (__builtin_ctzll(NPAGES) / 2) /* x ^ (x >> h) is a bijection for h >= 1 */

/* Guest virtual layout, the same in every process (GiB 0 and 2 are the kernel's). */
#define USER_CODE_GVA  0x40000000ull /* GiB 1: the .user section, read-execute */
#define USER_STACK_TOP 0x40200000ull /* one stack page below, in the code's L0 table */
#define USER_DATA_GVA  0xc0000000ull /* GiB 3: the footprint, 2 MiB aligned */

#define SYS_YIELD 1
#define SYS_EXIT  2
#define SYS_FAIL  3 /* a0 = what (FAIL_*), a1 = the page */

#define FAIL_READBACK 1 /* a load did not return what the store wrote */
#define FAIL_REMAP    2 /* the remapped page did not read zero in pass 2 */

/*
 * A and D are set by the kernel when it makes a PTE: the hart never has to
 * set them. A hart with Svade would fault to have software set them, one with
 * Svadu (vmlab, QEMU) writes the PTE itself during the walk; either way an
 * event on top of the walk's reads. Presetting them leaves the lab counting
 * walk reads only, the same under every --mmu.
 */
#define KERNEL_PTE    (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define USER_CODE_PTE (PTE_V | PTE_R | PTE_X | PTE_U | PTE_A)
#define USER_DATA_PTE (PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)

extern char _end[], __user_start[], __user_end[];

/* ----------------------------------------- shared by the U and S halves */

#define USER_INLINE static inline __attribute__((always_inline))

/* Where a pass is in its visiting order. */
struct order {
    uint64_t k;     /* touches so far in this pass */
    uint64_t pos;   /* stride: the next page; rand: the LCG state */
    uint64_t start; /* stride: where the current cycle began */
};

USER_INLINE void order_begin(struct order *o)
{
    o->k = 0;
    o->pos = 0;
    o->start = 0;
}

/* The page of the next touch. Inlined into both the process and the kernel's check. */
USER_INLINE uint64_t order_next(struct order *o)
{
    uint64_t page = o->k;

    switch (PATTERN) {
    case PATTERN_STRIDE:
        page = o->pos;
        o->pos = (o->pos + STRIDE) & (NPAGES - 1);
        if (o->pos == o->start) { /* the cycle closed: the next residue class */
            o->start++;
            o->pos = o->start;
        }
        break;
    case PATTERN_RAND:
        page = o->pos ^ (o->pos >> RAND_SHIFT);
        o->pos = (LCG_A * o->pos + LCG_C) & (NPAGES - 1);
        break;
    case PATTERN_HOT:
        page = o->k % HOT_PAGES;
        break;
    default:
        break;
    }
    o->k++;
    return page;
}

/*
 * What touch (process id, round, page) stores: a hash of the three, never zero
 * (bit 63 set), so that a page touched twice and one missed change the sum.
 */
USER_INLINE uint64_t touch_value(uint64_t id, uint64_t round, uint64_t page)
{
    return (1ull << 63) | (((id + 1) << 40) ^ ((round + 1) << 32) ^ (page * 0x9e3779b1ull));
}

/* Pages a pass touches: P, or the HOT_PAGES of the hot pattern. */
USER_INLINE uint64_t distinct_pages(void)
{
    return (PATTERN == PATTERN_HOT) ? HOT_PAGES : NPAGES;
}

/* ---------------------------------------------------------------- U-mode */

USER_INLINE uint64_t user_syscall2(uint64_t num, uint64_t arg0, uint64_t arg1)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a7 __asm__("a7") = num;

    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return a0;
}

/*
 * One process: ROUNDS passes over its footprint, a yield between passes, then
 * exit with the sum of every value it loaded. Only the .user section is
 * mapped for U-mode, so this code calls nothing outside it and loads no
 * constant from .rodata.
 */
USER_TEXT void proc_main(uint64_t id, uint64_t data_gva)
{
    volatile uint64_t *data = (volatile uint64_t *)data_gva;
    uint64_t sum = 0;

    for (uint64_t round = 0; round < ROUNDS; round++) {
        struct order o;
        bool check_remap = (round == 1);

        order_begin(&o);
        for (uint64_t k = 0; k < NPAGES; k++) {
            uint64_t page = order_next(&o);
            volatile uint64_t *word = data + page * (PAGE_SIZE / 8);
            uint64_t value = touch_value(id, round, page);

            if (check_remap && page == REMAP_PAGE) {
                check_remap = false;
                if (*word != 0) { /* still the old frame: the flush did not happen */
                    user_syscall2(SYS_FAIL, FAIL_REMAP, page);
                }
            }
            *word = value;
            uint64_t loaded = *word;
            if (loaded != value) {
                user_syscall2(SYS_FAIL, FAIL_READBACK, page);
            }
            sum += loaded;
        }
        if (round + 1 < ROUNDS) {
            user_syscall2(SYS_YIELD, 0, 0);
        }
    }
    user_syscall2(SYS_EXIT, sum, 0);
}

/* ---------------------------------------------------------------- kernel */

struct proc {
    struct trap_frame tf; /* user registers while it is not running */
    uint64_t id, asid, satp;
    uint64_t *root;
    uint64_t faults; /* demand-zero faults = pages first touched */
    uint64_t yields;
    uint64_t sum; /* what it passed to exit */
    bool done;
};

struct kernel {
    uint8_t *pool_next, *pool_end; /* free frames: [pool_next, pool_end) */
    uint64_t frames_used;
    struct proc procs[NPROC];
    int current;
    uint64_t pt_edits, switches;
    uint8_t seen[NPAGES / 8]; /* order_check's bitmap */
};

static struct kernel kern;

static const char *const pattern_names[] = {
    [PATTERN_SEQ] = "seq",
    [PATTERN_STRIDE] = "stride",
    [PATTERN_RAND] = "rand",
    [PATTERN_HOT] = "hot",
};

static __attribute__((noreturn)) void fail(const char *why, uint64_t val)
{
    printf("memlab: FAIL %s (0x%lx)\n", why, val);
    guest_exit(1);
}

/* A zeroed 4 KiB frame from the pool: its GPA is its kernel address (identity map). */
static uint64_t *frame_alloc(void)
{
    if (kern.pool_next + PAGE_SIZE > kern.pool_end) {
        fail("out of frames after", kern.frames_used);
    }
    uint64_t *frame = (uint64_t *)kern.pool_next;
    kern.pool_next += PAGE_SIZE;
    kern.frames_used++;
    for (unsigned i = 0; i < PAGE_SIZE / 8; i += 4) {
        frame[i] = 0;
        frame[i + 1] = 0;
        frame[i + 2] = 0;
        frame[i + 3] = 0;
    }
    return frame;
}

/*
 *  63    54 53                  10 9  8 7 6 5 4 3 2 1 0
 * [  zero  |        PPN           | RSW |D|A|G|U|X|W|R|V]   §4.4.1, Figure 4.21
 */
static uint64_t pte_make(const void *gpa, uint64_t flags)
{
    return (((uint64_t)(uintptr_t)gpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static uint64_t *pte_target(uint64_t pte)
{
    return (uint64_t *)(uintptr_t)(((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT);
}

/* The PTE slot mapping gva at leaf_level (0: 4 KiB, 2: 1 GiB); makes missing tables. */
static uint64_t *pt_slot(uint64_t *root, uint64_t gva, int leaf_level)
{
    uint64_t *table = root;

    for (int level = LEVELS - 1;; level--) {
        uint64_t *slot = &table[(gva >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1)];
        if (level == leaf_level) {
            return slot;
        }
        if ((*slot & PTE_V) == 0) {
            *slot = pte_make(frame_alloc(), PTE_V); /* §4.3.1: V alone = next table */
        }
        table = pte_target(*slot);
    }
}

/* sfence.vma gva, asid: drop this page's translation for one address space (§4.2.1). */
static void tlb_flush_page(uint64_t gva, uint64_t asid)
{
    __asm__ volatile("sfence.vma %0, %1" : : "r"(gva), "r"(asid) : "memory");
}

/* ------------------------------------------------------ address spaces */

/* Kernel leaves (GiB 0: devices, GiB 2: RAM), the user code, one stack page. */
static uint64_t *space_create(void)
{
    uint64_t *root = frame_alloc();
    uint64_t code_bytes = (uint64_t)(__user_end - __user_start);

    *pt_slot(root, 0, 2) = pte_make(0, KERNEL_PTE);
    *pt_slot(root, MEMMAP_RAM_BASE, 2) = pte_make((void *)MEMMAP_RAM_BASE, KERNEL_PTE);
    for (uint64_t off = 0; off < code_bytes; off += PAGE_SIZE) {
        *pt_slot(root, USER_CODE_GVA + off, 0) = pte_make(__user_start + off, USER_CODE_PTE);
    }
    *pt_slot(root, USER_STACK_TOP - PAGE_SIZE, 0) = pte_make(frame_alloc(), USER_DATA_PTE);
    return root;
}

/*
 * The most frames the run can take, per process: root, (Sv48: one level-2
 * table), level-1 tables for GiB 1 and GiB 3, the code's level-0 table, the
 * stack page, the footprint's level-0 tables and pages, the remapped frame.
 */
static uint64_t frames_needed(void)
{
    uint64_t per_proc = 1 + (LEVELS == 4) + 2 + 1 + 1 + (NPAGES + PT_ENTRIES - 1) / PT_ENTRIES +
                        distinct_pages() + 1;

    return NPROC * per_proc;
}

static void procs_create(uint64_t sstatus)
{
    uint64_t mode = (LEVELS == 4) ? SATP_MODE_SV48 : SATP_MODE_SV39;
    uint64_t entry = USER_CODE_GVA + (uint64_t)((char *)(uintptr_t)proc_main - __user_start);

    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &kern.procs[i];
        memset(p, 0, sizeof(*p));
        p->id = (uint64_t)i;
        p->asid = (uint64_t)i + 1; /* ASID 0 stays unused */
        p->root = space_create();
        p->satp = (mode << SATP_MODE_SHIFT) | (p->asid << SATP_ASID_SHIFT) |
                  ((uint64_t)(uintptr_t)p->root >> PAGE_SHIFT);
        p->tf.epc = entry;
        p->tf.status = sstatus & ~(uint64_t)SSTATUS_SPP; /* sret goes to U */
        p->tf.x[2] = USER_STACK_TOP;                     /* sp */
        p->tf.x[10] = p->id;                             /* a0, a1: proc_main's arguments */
        p->tf.x[11] = USER_DATA_GVA;
    }
}

/*
 * Put process i on the hart. The satp write switches address space and ASID
 * together; no sfence.vma: the TLB tags entries with the ASID, so the other
 * processes' entries cannot match and stay cached for their next turn
 * (§4.1.11), and the kernel's entries are global.
 */
static void proc_switch_to(struct trap_frame *tf, int i)
{
    kern.current = i;
    *tf = kern.procs[i].tf;
    csr_write(satp, kern.procs[i].satp);
}

static int proc_next_runnable(void)
{
    for (int k = 1; k <= NPROC; k++) {
        int i = (kern.current + k) % NPROC;
        if (!kern.procs[i].done) {
            return i;
        }
    }
    return -1;
}

/* ----------------------------------------------------------- the checks */

/* Before any process runs: one pass of the order touches each page it should exactly once. */
static void order_check(void)
{
    struct order o;
    uint64_t distinct = 0;

    memset(kern.seen, 0, sizeof(kern.seen));
    order_begin(&o);
    for (uint64_t k = 0; k < NPAGES; k++) {
        uint64_t page = order_next(&o);
        uint8_t bit = (uint8_t)(1u << (page % 8));
        if (page >= distinct_pages()) {
            fail("order: page out of range", page);
        }
        if ((kern.seen[page / 8] & bit) == 0) {
            kern.seen[page / 8] |= bit;
            distinct++;
        } else if (PATTERN != PATTERN_HOT) {
            fail("order: page touched twice in one pass", page);
        }
    }
    if (distinct != distinct_pages()) {
        fail("order: pages touched in one pass", distinct);
    }
}

/* What process id must have summed: each page's value times the touches it gets per pass. */
static uint64_t expected_sum(uint64_t id)
{
    uint64_t touches_per_page = NPAGES / distinct_pages();
    uint64_t sum = 0;

    for (uint64_t round = 0; round < ROUNDS; round++) {
        for (uint64_t page = 0; page < distinct_pages(); page++) {
            sum += touches_per_page * touch_value(id, round, page);
        }
    }
    return sum;
}

/* Every process has exited: one line each, the checks, PASS. */
static __attribute__((noreturn)) void report(void)
{
    uint64_t want_edits = (ROUNDS > 1) ? NPROC : 0;

    for (int i = 0; i < NPROC; i++) {
        const struct proc *p = &kern.procs[i];
        printf("memlab: proc %lu touched %lu pages, sum 0x%lx\n", p->id, p->faults, p->sum);
        if (p->faults != distinct_pages()) {
            fail("demand faults of one process, expected", distinct_pages());
        }
        if (p->sum != expected_sum(p->id)) {
            fail("sum, expected", expected_sum(p->id));
        }
    }
    printf("memlab: %lu page-table edits, %lu switches, %lu frames used\n", kern.pt_edits,
           kern.switches, kern.frames_used);
    if (kern.pt_edits != want_edits) {
        fail("page-table edits, expected", want_edits);
    }
    printf("memlab: PASS\n");
    guest_exit(0);
}

/* ------------------------------------------------------- traps and calls */

/* Demand-zero: the first touch of a footprint page maps a fresh zeroed frame. */
static void page_fault(const struct trap_frame *tf)
{
    struct proc *p = &kern.procs[kern.current];
    uint64_t gva = tf->tval & ~(PAGE_SIZE - 1);

    if (gva < USER_DATA_GVA || gva - USER_DATA_GVA >= NPAGES * PAGE_SIZE) {
        printf("memlab: proc %lu: cause %lu at 0x%lx, pc 0x%lx\n", p->id, tf->cause, tf->tval,
               tf->epc);
        fail("page fault outside the footprint", tf->tval);
    }
    uint64_t *slot = pt_slot(p->root, gva, 0);
    if (*slot & PTE_V) {
        fail("page fault on a mapped page", gva); /* A/D are preset: not an Svade fault */
    }
    *slot = pte_make(frame_alloc(), USER_DATA_PTE);
    p->faults++;
    /* §4.2.1: a hart may have cached the invalid PTE; flush this page of this ASID */
    tlb_flush_page(gva, p->asid);
}

/* After pass 1: page REMAP_PAGE gets a fresh zeroed frame (a page-table edit). */
static void remap_page(const struct proc *p)
{
    uint64_t gva = USER_DATA_GVA + REMAP_PAGE * PAGE_SIZE;
    uint64_t *slot = pt_slot(p->root, gva, 0);

    if ((*slot & PTE_V) == 0) {
        fail("remap: page not mapped after pass 1", gva);
    }
    *slot = pte_make(frame_alloc(), USER_DATA_PTE);
    /* §4.2.1: the old translation may be in the TLB under this ASID: flush just it */
    tlb_flush_page(gva, p->asid);
    kern.pt_edits++;
}

static void syscall(struct trap_frame *tf)
{
    struct proc *p = &kern.procs[kern.current];
    uint64_t num = tf->x[17]; /* a7 */
    int next;

    tf->epc += 4; /* resume after the ecall */
    if (num == SYS_FAIL) {
        printf("memlab: proc %lu: %s, page %lu\n", p->id,
               (tf->x[10] == FAIL_REMAP) ? "remapped page not zero in pass 2" : "load != store",
               tf->x[11]);
        fail("process check", tf->x[10]);
    }
    if (num != SYS_YIELD && num != SYS_EXIT) {
        fail("unknown system call", num);
    }
    p->tf = *tf;
    if (num == SYS_YIELD && ++p->yields == 1) {
        remap_page(p);
    }
    if (num == SYS_EXIT) {
        p->done = true;
        p->sum = tf->x[10];
    }
    next = proc_next_runnable();
    if (next < 0) {
        report();
    }
    kern.switches++;
    proc_switch_to(tf, next);
}

static void kernel_trap(struct trap_frame *tf)
{
    bool from_user = (tf->status & SSTATUS_SPP) == 0;

    if (from_user && tf->cause == CAUSE_USER_ECALL) {
        syscall(tf);
    } else if (from_user &&
               (tf->cause == CAUSE_LOAD_PAGE_FAULT || tf->cause == CAUSE_STORE_PAGE_FAULT ||
                tf->cause == CAUSE_FETCH_PAGE_FAULT)) {
        page_fault(tf);
    } else {
        printf("memlab: trap cause 0x%lx at 0x%lx, tval 0x%lx\n", tf->cause, tf->epc, tf->tval);
        fail("unexpected trap", tf->cause);
    }
}

/* ----------------------------------------------------------------- start */

/* S-mode, paging still off: check the order, build the processes, sret into the first. */
static __attribute__((noreturn)) void kernel_main(void)
{
    uint8_t *pool = (uint8_t *)(((uintptr_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    uint64_t pool_frames = (uint64_t)(kern.pool_end - pool) / PAGE_SIZE;

    kern.pool_next = pool;
    printf("memlab: Sv%d, NPROC=%d (ASIDs 1..%d), FOOTPRINT_KIB=%lu, PATTERN=%s, STRIDE=%d,"
           " ROUNDS=%d\n",
           MODE, NPROC, NPROC, (uint64_t)FOOTPRINT_KIB, pattern_names[PATTERN], STRIDE, ROUNDS);
    if (kern.pool_end <= pool || frames_needed() > pool_frames) {
        fail("frames needed do not fit in RAM after the image", frames_needed());
    }
    order_check();
    procs_create(csr_read(sstatus));

    const struct proc *p = &kern.procs[0];
    register uint64_t a0 __asm__("a0") = p->tf.x[10];
    register uint64_t a1 __asm__("a1") = p->tf.x[11];
    csr_write(satp, p->satp); /* paging on: the kernel runs on, through its global leaves */
    csr_write(sepc, p->tf.epc);
    csr_clear(sstatus, SSTATUS_SPP);
    __asm__ volatile("mv sp, %2\n\tsret" : : "r"(a0), "r"(a1), "r"(p->tf.x[2]) : "memory");
    __builtin_unreachable();
}

/*
 * M-mode (crt0 calls main with a0 = hartid, a1 = the device tree's GPA): the
 * device tree sits at the top of RAM, so the frame pool ends there. Delegate
 * U ecalls and page faults to S, open PMP entry 0, mret to kernel_main in S.
 */
int main(uint64_t hartid, uint64_t fdt_gpa)
{
    (void)hartid;
    kern.pool_end = (uint8_t *)(uintptr_t)(fdt_gpa & ~(PAGE_SIZE - 1));
    pmp_allow_all();
    csr_write(medeleg, (1ull << CAUSE_USER_ECALL) | (1ull << CAUSE_FETCH_PAGE_FAULT) |
                           (1ull << CAUSE_LOAD_PAGE_FAULT) | (1ull << CAUSE_STORE_PAGE_FAULT));
    trap_init_s(kernel_trap);
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)PRV_S << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)(uintptr_t)kernel_main);
    __asm__ volatile("mret" : : : "memory");
    return 1;
}
