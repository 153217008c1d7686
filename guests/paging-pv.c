/*
 * guests/paging-pv.c - a paravirtual S-mode kernel for vmlab's --mmu direct
 * (Xen PV "direct paging"): its page tables hold host frame numbers (HPAs),
 * and it never writes a table the VMM has pinned: it asks by hypercall.
 * M-mode start code (as guests/paging.c) delegates U ecalls, page faults,
 * load/store access faults and illegal instructions to S, opens PMP, mrets
 * to S; it comes back once, on the kernel's ebreak, for the one check only
 * guest firmware can make: its unchecked satp with a leaf at HPA 0, which the
 * VMM's walker must refuse (an access fault, direct.foreign_frames).
 * The kernel then, with satp Bare:
 *   - asks the VMM for the HPA of every frame it uses (PV_GET_FRAME),
 *   - builds two Sv39 address spaces bottom-up: a leaf table is filled with
 *     plain stores while it is still ordinary memory, then pinned
 *     (PV_PIN_TABLE: the VMM checks all 512 PTEs); the tables above are
 *     pinned empty and filled by PV_MMU_UPDATE, each PTE checked,
 *   - checks the VMM's refusals, one line each (docs/direct-paging.md),
 * then runs two U tasks (ASIDs 1 and 2) that touch a few pages: each first
 * touch is a page fault; the kernel takes a fresh frame and maps it with
 * PV_MMU_UPDATE. Finally it prints how many hypercalls it made (the test
 * compares that with the VMM's exits.hypercall) and `paging-pv: pass`.
 * Course: 内存虚拟化 / 直接页表 (Xen 半虚拟化: the guest's tables hold machine
 *         frames, updates go through validated hypercalls); 处理器虚拟化 /
 *         半虚拟化 (a modified guest that knows its VMM).
 * Spec: Privileged 20211203, §4.4 "Sv39", §4.1.11 "satp" (ASID), §3.1.8
 *       "medeleg"; RISC-V SBI v1.0.0 §3 "Binary Encoding" (the call ABI).
 *
 * The kernel is identity-mapped (VA = GPA) by one 2 MiB global leaf over the
 * first 2 MiB of RAM (image, stacks; gmem backs each 2 MiB with one aligned
 * host run, so one superpage fits), so switching satp, or back to Bare to
 * print, never pulls the floor from under it. Page tables come from the next
 * 2 MiB (never mapped writable: the VMM refuses that), task pages from the
 * 2 MiB after. The UART is not mapped: the kernel prints only with satp Bare.
 * The ELF note below is what vmlab's --mmu direct asks of a guest; it is a
 * non-allocated section (in the file, not in guest memory).
 * Simplified: no freeing, one hart, tasks yield (no timer).
 */
#include "guests/lib/guest.h"
#include "vm/pv_abi.h"

#include <stdbool.h>

/* .note.vmlab: namesz 6 "vmlab\0", descsz 17 "pv-direct-paging\0", type 1 (paravirtual) */
__asm__(".pushsection .note.vmlab, \"\", @note\n"
        ".balign 4\n"
        ".4byte 6, 17, 1\n"
        ".asciz \"vmlab\"\n"
        ".balign 4\n"
        ".asciz \"pv-direct-paging\"\n"
        ".balign 4\n"
        ".popsection\n");

#define PAGE_SIZE  4096ul
#define PAGE_SHIFT 12
#define SUPERPAGE  (2ul << 20)

#define RAM_GPA        0x80000000ul
#define TABLE_POOL_GPA (RAM_GPA + SUPERPAGE)     /* page tables */
#define USER_POOL_GPA  (RAM_GPA + 2 * SUPERPAGE) /* task pages */
#define POOL_PAGES     64

#define SYS_YIELD 1
#define SYS_EXIT  2

#define NTASKS         2
#define USER_CODE_VA   0x40000000ull
#define USER_DATA_VA   0x40100000ull
#define USER_STACK_TOP 0x40400000ull
#define STACK_PAGES    2

#define KERNEL_PTE    (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define USER_CODE_PTE (PTE_V | PTE_R | PTE_X | PTE_U)
#define USER_DATA_PTE (PTE_V | PTE_R | PTE_W | PTE_U)

extern char _end[], __user_start[], __user_end[];

struct task {
    struct trap_frame tf;
    uint64_t id, asid, satp, npages;
    uint64_t root_gpa, root_hpa;
    uint64_t l0_hpa[2]; /* the leaf tables of VA 0x40000000-0x401fffff and -0x403fffff */
    bool done;
    uint64_t result;
};

struct kernel {
    uint64_t table_next, user_next; /* bump allocators (GPAs) */
    struct task tasks[NTASKS];
    int current;
    uint64_t hypercalls;                /* every ecall this kernel made */
    uint64_t data_faults, stack_faults; /* demand faults answered */
    uint64_t bad_root_hpa;              /* the M-mode check's table: not pinned, never validated */
    uint64_t expect_cause;
    uint64_t seen_cause; /* an expected trap that happened (the refusal checks) */
};

static struct kernel kern;

/* --------------------------------------------------------------- U-mode */


/* Write one word per 512 bytes of the task's pages (a fault per new page), yield, sum them. */
USER_TEXT void task_main(uint64_t id, uint64_t data_va, uint64_t npages)
{
    volatile uint64_t *data = (volatile uint64_t *)data_va;
    uint64_t sum = 0;

    for (uint64_t i = 0; i < npages * 512; i += 64) {
        data[i] = id * 1000 + i;
    }
    user_syscall(SYS_YIELD, 0);
    for (uint64_t i = 0; i < npages * 512; i += 64) {
        sum += data[i];
    }
    user_syscall(SYS_EXIT, sum);
}

/* ----------------------------------------------------------- hypercalls */

/* An S-mode ecall to the VMM: a7 = extension, a6 = function; a0 = error, a1 = value. */
static int64_t hypercall(uint64_t fn, uint64_t arg0, uint64_t arg1, uint64_t *out_value)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a6 __asm__("a6") = fn;
    register uint64_t a7 __asm__("a7") = VMLAB_PV_EXT;

    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    kern.hypercalls++;
    if (out_value) {
        *out_value = a1;
    }
    return (int64_t)a0;
}

/* Print with satp Bare (the UART is not mapped), then power off with failure. */
static __attribute__((noreturn)) void panic(const char *why, uint64_t val)
{
    csr_write(satp, 0);
    printf("paging-pv: FAIL: %s 0x%lx\n", why, val);
    guest_exit(1);
}

static void must(int64_t r, const char *what)
{
    if (r != SBI_SUCCESS) {
        panic(what, (uint64_t)r);
    }
}

static uint64_t frame_hpa(uint64_t gpa)
{
    uint64_t hpa = 0;

    must(hypercall(PV_GET_FRAME, gpa, 0, &hpa), "PV_GET_FRAME refused for GPA");
    return hpa;
}

static uint64_t pte_make(uint64_t hpa, uint64_t flags)
{
    return ((hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static unsigned vpn(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

/* A fresh page of the pool at *next (a GPA); the pools are untouched RAM, so zero. */
static uint64_t pool_take(uint64_t *next, uint64_t pool_gpa)
{
    uint64_t gpa = *next;

    if (gpa + PAGE_SIZE > pool_gpa + POOL_PAGES * PAGE_SIZE) {
        panic("pool exhausted at", gpa);
    }
    *next += PAGE_SIZE;
    return gpa;
}

/* ------------------------------------------------------ address spaces */

/*
 * One address space, bottom-up (satp Bare, so GPAs are addresses):
 * the leaf table of the user code is written with plain stores and then
 * pinned; the other tables are pinned empty and filled by PV_MMU_UPDATE.
 */
static void address_space_create(struct task *t)
{
    uint64_t l0_gpa[2], l1_user, l1_kernel, root;

    for (int i = 0; i < 2; i++) {
        l0_gpa[i] = pool_take(&kern.table_next, TABLE_POOL_GPA);
        t->l0_hpa[i] = frame_hpa(l0_gpa[i]);
    }
    for (uint64_t off = 0; off < (uint64_t)(__user_end - __user_start); off += PAGE_SIZE) {
        uint64_t *l0 = (uint64_t *)(uintptr_t)l0_gpa[0];
        l0[vpn(USER_CODE_VA + off, 0)] =
            pte_make(frame_hpa((uint64_t)(uintptr_t)__user_start + off), USER_CODE_PTE);
    }
    must(hypercall(PV_PIN_TABLE, t->l0_hpa[0], 0, NULL), "pin of a filled leaf table");
    must(hypercall(PV_PIN_TABLE, t->l0_hpa[1], 0, NULL), "pin of an empty leaf table");

    l1_user = frame_hpa(pool_take(&kern.table_next, TABLE_POOL_GPA));
    l1_kernel = frame_hpa(pool_take(&kern.table_next, TABLE_POOL_GPA));
    root = frame_hpa(pool_take(&kern.table_next, TABLE_POOL_GPA));
    must(hypercall(PV_PIN_TABLE, l1_user, 1, NULL), "pin level 1");
    must(hypercall(PV_PIN_TABLE, l1_kernel, 1, NULL), "pin level 1");
    must(hypercall(PV_PIN_TABLE, root, 2, NULL), "pin the root");
    for (int i = 0; i < 2; i++) {
        must(hypercall(PV_MMU_UPDATE, l1_user + 8 * vpn(USER_CODE_VA + (uint64_t)i * SUPERPAGE, 1),
                       pte_make(t->l0_hpa[i], PTE_V), NULL),
             "pointer to a leaf table");
    }
    /* the kernel: one global 2 MiB leaf over the first 2 MiB of RAM, VA = GPA */
    must(hypercall(PV_MMU_UPDATE, l1_kernel + 8 * vpn(RAM_GPA, 1),
                   pte_make(frame_hpa(RAM_GPA), KERNEL_PTE), NULL),
         "kernel superpage");
    must(hypercall(PV_MMU_UPDATE, root + 8 * vpn(USER_CODE_VA, 2), pte_make(l1_user, PTE_V), NULL),
         "root pointer (user)");
    must(hypercall(PV_MMU_UPDATE, root + 8 * vpn(RAM_GPA, 2), pte_make(l1_kernel, PTE_V), NULL),
         "root pointer (kernel)");
    t->root_hpa = root;
    t->root_gpa = kern.table_next - PAGE_SIZE; /* the root was the last table taken */
    t->satp = ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (t->asid << SATP_ASID_SHIFT) |
              (root >> PAGE_SHIFT);
}

static void tasks_create(uint64_t sstatus)
{
    static const uint64_t npages[NTASKS] = {3, 5};
    uint64_t entry = USER_CODE_VA + (uint64_t)((char *)(uintptr_t)task_main - __user_start);

    for (int i = 0; i < NTASKS; i++) {
        struct task *t = &kern.tasks[i];
        t->id = (uint64_t)i + 1;
        t->asid = (uint64_t)i + 1;
        t->npages = npages[i];
        address_space_create(t);
        t->tf.epc = entry;
        t->tf.status = sstatus & ~(uint64_t)SSTATUS_SPP; /* sret goes to U */
        t->tf.x[2] = USER_STACK_TOP;
        t->tf.x[10] = t->id;
        t->tf.x[11] = USER_DATA_VA;
        t->tf.x[12] = t->npages;
    }
}

/* ------------------------------------------------------ refusal checks */

static void check_code(const char *what, int64_t got, int64_t want)
{
    printf("paging-pv: check: %s: %ld (want %ld) %s\n", what, got, want,
           got == want ? "ok" : "WRONG");
    if (got != want) {
        panic("a refusal check failed", (uint64_t)got);
    }
}

static void check_trap(const char *what, uint64_t want_cause)
{
    printf("paging-pv: check: %s: trap cause %lu (want %lu) %s\n", what, kern.seen_cause,
           want_cause, kern.seen_cause == want_cause ? "ok" : "WRONG");
    if (kern.seen_cause != want_cause) {
        panic("a refusal check failed", kern.seen_cause);
    }
    kern.expect_cause = 0;
    kern.seen_cause = 0;
}

/* The next trap may be `cause`: the handler skips the instruction (a barrier: set it first). */
static void expect_trap(uint64_t cause)
{
    kern.expect_cause = cause;
    __asm__ volatile("" : : : "memory");
}

#ifdef ISOLATION_PROBE
#define ISO_RUN      (2ul << 20)   /* host RAM comes in 2 MiB runs */
#define ISO_WINDOW   (256ul << 20) /* probe this far below and above this VM's runs */
#define ISO_MAX_RUNS 512u          /* up to 1 GiB of RAM */

/*
 * Several VMs share host memory, isolated only by the translations: under
 * direct paging the guest names host frames itself, so the VMM must refuse
 * every frame that is not this VM's. Learn this VM's own 2 MiB runs (P2M,
 * until GPA stops being RAM), then try to map every other 2 MiB-aligned HPA
 * within ISO_WINDOW of them: each must be refused as an invalid address.
 * (With a second VM beside this one its RAM lies in that window.)
 */
static bool iso_is_own(const uint64_t *own, unsigned nown, uint64_t hpa)
{
    for (unsigned i = 0; i < nown; i++) {
        if (own[i] == hpa) {
            return true;
        }
    }
    return false;
}

static void check_isolation(uint64_t spare_pte)
{
    static uint64_t own[ISO_MAX_RUNS];
    unsigned nown = 0;
    uint64_t hpa, lo = UINT64_MAX, hi = 0, refused = 0;

    for (uint64_t gpa = RAM_GPA; nown < ISO_MAX_RUNS; gpa += ISO_RUN) {
        if (hypercall(PV_GET_FRAME, gpa, 0, &hpa) != SBI_SUCCESS) {
            break;
        }
        own[nown++] = hpa & ~(ISO_RUN - 1);
        lo = own[nown - 1] < lo ? own[nown - 1] : lo;
        hi = own[nown - 1] > hi ? own[nown - 1] : hi;
    }
    for (hpa = lo > ISO_WINDOW ? lo - ISO_WINDOW : 0; hpa <= hi + ISO_WINDOW; hpa += ISO_RUN) {
        if (iso_is_own(own, nown, hpa)) {
            continue;
        }
        if (hypercall(PV_MMU_UPDATE, spare_pte, pte_make(hpa, USER_DATA_PTE), NULL) !=
            SBI_ERR_INVALID_ADDRESS) {
            panic("isolation: the VMM let this VM map a frame it does not own", hpa);
        }
        refused++;
    }
    printf("paging-pv: isolation: %lu own 2 MiB runs at HPA 0x%lx-0x%lx; %lu frames around "
           "them refused\n",
           (uint64_t)nown, lo, hi + ISO_RUN - 1, refused);
}
#endif

/* Everything the VMM must refuse, from the guest's side (satp Bare, S-mode). */
static void check_refusals(void)
{
    struct task *t = &kern.tasks[0];
    uint64_t spare_pte = t->l0_hpa[1] + 8 * 100; /* an unused slot of a pinned leaf table */
    uint64_t unpinned = frame_hpa(pool_take(&kern.table_next, TABLE_POOL_GPA));

    check_code("PV_GET_FRAME of GPA 0 (not RAM)", hypercall(PV_GET_FRAME, 0, 0, NULL),
               SBI_ERR_INVALID_PARAM);
    check_code("map HPA 0, a frame the VM does not own",
               hypercall(PV_MMU_UPDATE, spare_pte, pte_make(0, USER_DATA_PTE), NULL),
               SBI_ERR_INVALID_ADDRESS);
    check_code("map a pinned table writable",
               hypercall(PV_MMU_UPDATE, spare_pte, pte_make(t->root_hpa, USER_DATA_PTE), NULL),
               SBI_ERR_DENIED);
    check_code("PTE with reserved bits 63:54",
               hypercall(PV_MMU_UPDATE, spare_pte, (1ull << 54) | USER_DATA_PTE, NULL),
               SBI_ERR_INVALID_PARAM);
    check_code("pin a table twice", hypercall(PV_PIN_TABLE, t->l0_hpa[0], 0, NULL), SBI_ERR_DENIED);
    check_code("unpin a table a pinned table points to",
               hypercall(PV_UNPIN_TABLE, t->l0_hpa[0], 0, NULL), SBI_ERR_DENIED);
    check_code("update a PTE of an unpinned frame",
               hypercall(PV_MMU_UPDATE, unpinned, pte_make(0, 0), NULL), SBI_ERR_DENIED);

    expect_trap(CAUSE_STORE_ACCESS);
    *(volatile uint64_t *)(uintptr_t)(TABLE_POOL_GPA) = 0; /* the first pinned table */
    check_trap("plain store to a pinned table", CAUSE_STORE_ACCESS);

    expect_trap(CAUSE_ILLEGAL_INSTRUCTION);
    csr_write(satp, ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (unpinned >> PAGE_SHIFT));
    check_trap("satp naming an unpinned root", CAUSE_ILLEGAL_INSTRUCTION);

    /* M-mode's satp is not checked: it loads a table with a leaf at HPA 0 (m_trap) */
    kern.bad_root_hpa = unpinned;
    expect_trap(CAUSE_LOAD_ACCESS);
    __asm__ volatile("ebreak" : : : "memory");
    (void)*(volatile uint64_t *)(uintptr_t)USER_CODE_VA;
    csr_write(satp, 0);
    check_trap("M-mode's table: a leaf naming HPA 0 (the walker refuses it)", CAUSE_LOAD_ACCESS);
#ifdef ISOLATION_PROBE
    check_isolation(spare_pte);
#endif
}

/* An ecall with an extension the VMM does not serve: SBI's "not supported". */
static int64_t unknown_extension(void)
{
    register uint64_t a0 __asm__("a0") = 0;
    register uint64_t a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = 0x10; /* the SBI base extension: no SBI in the VMM yet */

    __asm__ volatile("ecall" : "+r"(a0) : "r"(a6), "r"(a7) : "memory", "a1");
    kern.hypercalls++;
    return (int64_t)a0;
}

/* ------------------------------------------------------------- tasks */

static uint64_t task_expected(const struct task *t)
{
    uint64_t n = t->npages * 8; /* words written: one per 512 bytes */

    return n * t->id * 1000 + 64 * n * (n - 1) / 2;
}

static void task_switch_to(struct trap_frame *tf, int i)
{
    kern.current = i;
    *tf = kern.tasks[i].tf;
    csr_write(satp, kern.tasks[i].satp); /* the VMM checks: a pinned Sv39 root */
}

static int task_next_runnable(void)
{
    for (int k = 1; k <= NTASKS; k++) {
        int i = (kern.current + k) % NTASKS;
        if (!kern.tasks[i].done) {
            return i;
        }
    }
    return -1;
}

static __attribute__((noreturn)) void all_done(void)
{
    csr_write(satp, 0); /* back to Bare: GPAs, the UART */
    for (int i = 0; i < NTASKS; i++) {
        const struct task *t = &kern.tasks[i];
        printf("paging-pv: task %lu (ASID %lu): %lu pages, sum %lu\n", t->id, t->asid, t->npages,
               t->result);
        if (t->result != task_expected(t)) {
            panic("wrong task sum, expected", task_expected(t));
        }
    }
    printf("paging-pv: %lu data and %lu stack pages mapped on demand by PV_MMU_UPDATE\n",
           kern.data_faults, kern.stack_faults);
    if (kern.data_faults != kern.tasks[0].npages + kern.tasks[1].npages) {
        panic("data page faults, expected one per data page, got", kern.data_faults);
    }
    check_code("unpin a root no longer in use",
               hypercall(PV_UNPIN_TABLE, kern.tasks[0].root_hpa, 0, NULL), SBI_SUCCESS);
    printf("paging-pv: hypercalls: %lu\n", kern.hypercalls);
    printf("paging-pv: pass\n");
    guest_exit(0);
}

/* A first touch of a task's data or stack page: a new frame, mapped by hypercall. */
static void page_fault(const struct trap_frame *tf)
{
    struct task *t = &kern.tasks[kern.current];
    uint64_t va = tf->tval & ~(PAGE_SIZE - 1);
    bool is_data = va >= USER_DATA_VA && va < USER_DATA_VA + t->npages * PAGE_SIZE;
    bool is_stack = va >= USER_STACK_TOP - STACK_PAGES * PAGE_SIZE && va < USER_STACK_TOP;
    uint64_t l0 = t->l0_hpa[vpn(va, 1) & 1];

    if (!is_data && !is_stack) {
        panic("bad user address", tf->tval);
    }
    must(hypercall(PV_MMU_UPDATE, l0 + 8 * vpn(va, 0),
                   pte_make(frame_hpa(pool_take(&kern.user_next, USER_POOL_GPA)), USER_DATA_PTE),
                   NULL),
         "PV_MMU_UPDATE of a demand page");
    kern.data_faults += is_data;
    kern.stack_faults += is_stack;
    /* no sfence.vma: the PTE was invalid, so no TLB holds it (the VMM flushes on a change) */
}

static void syscall(struct trap_frame *tf)
{
    struct task *t = &kern.tasks[kern.current];
    uint64_t num = tf->x[17];

    tf->epc += 4;
    if (num == SYS_YIELD) {
        t->tf = *tf;
        task_switch_to(tf, task_next_runnable());
    } else if (num == SYS_EXIT) {
        t->done = true;
        t->result = tf->x[10];
        int next = task_next_runnable();
        if (next < 0) {
            all_done();
        }
        task_switch_to(tf, next);
    } else {
        panic("unknown system call", num);
    }
}

static void kernel_trap(struct trap_frame *tf)
{
    bool from_user = (tf->status & SSTATUS_SPP) == 0;

    if (from_user && tf->cause == CAUSE_USER_ECALL) {
        syscall(tf);
    } else if (from_user &&
               (tf->cause == CAUSE_LOAD_PAGE_FAULT || tf->cause == CAUSE_STORE_PAGE_FAULT)) {
        page_fault(tf);
    } else if (!from_user && kern.expect_cause != 0 && tf->cause == kern.expect_cause) {
        kern.seen_cause = tf->cause; /* a refusal check: skip the refused instruction */
        tf->epc += insn_length_at(tf->epc);
    } else {
        csr_write(satp, 0);
        printf("paging-pv: trap cause 0x%lx at 0x%lx tval 0x%lx\n", tf->cause, tf->epc, tf->tval);
        panic("unexpected trap, cause", tf->cause);
    }
}

/* ---------------------------------------------------------------- start */

static __attribute__((noreturn)) void kernel_main(void)
{
    struct trap_frame boot = {.status = csr_read(sstatus)};

    if ((uint64_t)(uintptr_t)_end > TABLE_POOL_GPA) {
        panic("the image must end below the table pool, _end =", (uint64_t)(uintptr_t)_end);
    }
    kern.table_next = TABLE_POOL_GPA;
    kern.user_next = USER_POOL_GPA;
    printf("paging-pv: S-mode kernel: tables hold HPAs; RAM at GPA 0x%lx is HPA 0x%lx\n", RAM_GPA,
           frame_hpa(RAM_GPA));
    tasks_create(boot.status);
    printf("paging-pv: %d Sv39 address spaces built and pinned, %lu hypercalls so far\n", NTASKS,
           kern.hypercalls);
    check_refusals();
    check_code("unknown extension answered", unknown_extension(), SBI_ERR_NOT_SUPPORTED);

    task_switch_to(&boot, 0);
    register uint64_t a0 __asm__("a0") = boot.x[10];
    register uint64_t a1 __asm__("a1") = boot.x[11];
    register uint64_t a2 __asm__("a2") = boot.x[12];
    csr_write(sepc, boot.epc);
    csr_clear(sstatus, SSTATUS_SPP);
    __asm__ volatile("mv sp, %3\n sret" : : "r"(a0), "r"(a1), "r"(a2), "r"(boot.x[2]) : "memory");
    __builtin_unreachable();
}

/*
 * M-mode, on the kernel's ebreak: the firmware's own table (unvalidated: an
 * unpinned frame, written with plain stores) maps VA 0x40000000 with a 1 GiB
 * leaf at HPA 0 and the kernel as task 1's root does; satp gets it, back to S.
 */
static void m_trap(struct trap_frame *tf)
{
    uint64_t bad_gpa = kern.table_next - PAGE_SIZE; /* check_refusals took it last */
    uint64_t *bad = (uint64_t *)(uintptr_t)bad_gpa;
    const uint64_t *root = (const uint64_t *)(uintptr_t)kern.tasks[0].root_gpa;

    if (tf->cause != CAUSE_BREAKPOINT) {
        printf("paging-pv: M trap cause 0x%lx at 0x%lx\n", tf->cause, tf->epc);
        guest_exit(1);
    }
    bad[vpn(USER_CODE_VA, 2)] = pte_make(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    bad[vpn(RAM_GPA, 2)] = root[vpn(RAM_GPA, 2)];
    csr_write(satp,
              ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (kern.bad_root_hpa >> PAGE_SHIFT));
    tf->epc += insn_length_at(tf->epc);
}

/* M-mode: delegate to S, open PMP, drop to S. */
int main(void)
{
    printf("paging-pv: M-mode start: delegate to S, PMP, mret\n");
    pmp_allow_all();
    csr_write(medeleg, (1ull << CAUSE_USER_ECALL) | (1ull << CAUSE_LOAD_PAGE_FAULT) |
                           (1ull << CAUSE_STORE_PAGE_FAULT) | (1ull << CAUSE_FETCH_PAGE_FAULT) |
                           (1ull << CAUSE_STORE_ACCESS) | (1ull << CAUSE_LOAD_ACCESS) |
                           (1ull << CAUSE_ILLEGAL_INSTRUCTION));
    trap_set_m_handler(m_trap);
    trap_init_s(kernel_trap);
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)PRV_S << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)(uintptr_t)kernel_main);
    __asm__ volatile("mret" : : : "memory");
    return 1;
}
