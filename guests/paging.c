/*
 * guests/paging.c - a small S-mode kernel with virtual memory. M-mode start
 * code delegates U-mode ecalls and page faults to S, opens PMP entry 0 over
 * all memory and mrets to S. The kernel then runs three U-mode tasks, each in
 * its own address space with its own ASID, first under Sv39 page tables and
 * then under Sv48 ones (at VAs Sv39 cannot express). The tasks touch memory
 * sequentially and with strides; every first touch of a data, zero or stack
 * page is a page fault the kernel answers with a fresh zeroed page
 * (demand-zero paging). `ecall` yields or exits; the kernel switches tasks by
 * swapping trap frames and satp.
 * Course: 内存虚拟化 / 页表, 翻译过程, TLB and ASID; 处理器虚拟化 / 特权级
 *         (the guest kernel runs in S, its tasks in U). Under vmlab's
 *         --mmu shadow/nested this guest's page tables are the stage-1
 *         tables the VMM must shadow or walk in two dimensions.
 * Spec: Privileged 20211203, §4.3 "Sv32" (the walk, §4.3.2), §4.4 "Sv39",
 *       §4.5 "Sv48", §4.1.11 "satp" (ASID), §4.2.1 "SFENCE.VMA", §3.1.8
 *       "medeleg", §3.7 "Physical Memory Protection".
 *
 * Kernel memory (RAM and the devices) is identity-mapped with global 1 GiB
 * leaves in every address space, so a satp switch never pulls the floor
 * from under the kernel. Pages for tables and tasks come from a bump
 * allocator after the image (_end).
 * ROUNDS (default 1) repeats each task's write and read passes, with the
 * round number in every value written: paging-long.elf, built with a large
 * ROUNDS, is `make bench`'s memory-bound guest (~200 million instructions of
 * task switches, TLB refills and user loads and stores), and still checks
 * every sum.
 * Simplified: no freeing, no swapping, one hart, no timer preemption (tasks
 * yield). A/D bits are normally set by the hart; if it instead faults on a
 * clear A or D bit (Svade), the kernel sets the bit itself and counts it.
 */
#include "guests/lib/guest.h"

#include <stdbool.h>

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12
#define PT_ENTRIES 512
#define POOL_PAGES 256 /* 1 MiB after the image for tables and task pages */

#define SYS_YIELD 1
#define SYS_EXIT  2

#define NTASKS      3
#define ZERO_PAGES  4 /* pages of the zero region a task reads */
#define ZERO_STRIDE 2 /* ... one every ZERO_STRIDE pages */
#define STACK_PAGES 2

#ifndef ROUNDS
#define ROUNDS 1 /* write and read passes per task (make: paging-long uses more) */
#endif

/* User layout for Sv39 (VPN[2] = 1: the second GiB); Sv48 adds 512 GiB (VPN[3] = 1). */
#define USER_CODE_VA     0x40000000ull
#define USER_DATA_VA     0x40100000ull
#define USER_ZERO_VA     0x40200000ull
#define USER_STACK_TOP   0x40400000ull
#define SV48_USER_OFFSET 0x8000000000ull

#define KERNEL_PTE    (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define USER_CODE_PTE (PTE_V | PTE_R | PTE_X | PTE_U)
#define USER_DATA_PTE (PTE_V | PTE_R | PTE_W | PTE_U)

extern char _end[], __user_start[], __user_end[];

struct task {
    struct trap_frame tf; /* saved user registers while not running */
    uint64_t id, asid, satp;
    uint64_t *root;
    uint64_t va_offset; /* 0 under Sv39, SV48_USER_OFFSET under Sv48 */
    uint64_t npages;    /* data pages */
    bool done;
    uint64_t result;
};

struct phase_stats {
    uint64_t demand_faults, stack_faults, ad_faults, switches, sfences;
};

struct kernel {
    uint8_t *pool_next, *pool_end;
    uint64_t pages_used;
    struct task tasks[NTASKS];
    int current;
    int levels; /* 3 = Sv39, 4 = Sv48 */
    struct phase_stats stats;
};

static struct kernel kern;

/* --------------------------------------------------------------- U-mode */


/*
 * A task, ROUNDS times: write every 64th byte of its data pages in order (in
 * the first round a page fault at each new page), yield, read the first word
 * of each page with a stride of 3 pages, yield. Then read demand-zero pages
 * and exit with the sum. Only this code is mapped for U-mode: it calls
 * nothing and uses no constants from .rodata.
 */
USER_TEXT void task_main(uint64_t id, uint64_t data_va, uint64_t npages, uint64_t zero_va)
{
    volatile uint64_t *data = (volatile uint64_t *)data_va;
    volatile uint64_t *zero = (volatile uint64_t *)zero_va;
    uint64_t sum = 0;

    for (uint64_t r = 0; r < ROUNDS; r++) {
        for (uint64_t i = 0; i < npages * 512; i += 8) {
            data[i] = id * 1000 + i + r;
        }
        user_syscall(SYS_YIELD, 0);
        for (uint64_t k = 0, p = 0; k < npages; k++, p = (p + 3) % npages) {
            sum += data[p * 512];
        }
        user_syscall(SYS_YIELD, 0);
    }
    for (uint64_t p = 0; p < ZERO_PAGES; p++) {
        sum += zero[p * ZERO_STRIDE * 512];
    }
    user_syscall(SYS_EXIT, sum);
}

/* ----------------------------------------------------------- page tables */

static __attribute__((noreturn)) void panic(const char *why, uint64_t val)
{
    printf("paging: FAIL: %s 0x%lx\n", why, val);
    guest_exit(1);
}

static uint64_t *page_alloc(void)
{
    if (kern.pool_next + PAGE_SIZE > kern.pool_end) {
        panic("out of pages, used", kern.pages_used);
    }
    uint64_t *page = (uint64_t *)kern.pool_next;
    kern.pool_next += PAGE_SIZE;
    kern.pages_used++;
    memset(page, 0, PAGE_SIZE);
    return page;
}

static uint64_t pte_make(uint64_t pa, uint64_t flags)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static uint64_t *pte_table(uint64_t pte)
{
    return (uint64_t *)(uintptr_t)(((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT);
}

static unsigned vpn(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

/* The PTE slot for va at leaf_level (0 = 4 KiB, 2 = 1 GiB), creating tables above it. */
static uint64_t *pt_create(uint64_t *root, uint64_t va, int leaf_level)
{
    uint64_t *table = root;

    for (int level = kern.levels - 1; level > leaf_level; level--) {
        uint64_t *pte = &table[vpn(va, level)];
        if ((*pte & PTE_V) == 0) {
            *pte = pte_make((uint64_t)(uintptr_t)page_alloc(), PTE_V); /* §4.3.1: non-leaf */
        }
        table = pte_table(*pte);
    }
    return &table[vpn(va, leaf_level)];
}

/* The 4 KiB leaf PTE slot for va, or NULL when a table on the way is missing. */
static uint64_t *pt_lookup(uint64_t *root, uint64_t va)
{
    uint64_t *table = root;

    for (int level = kern.levels - 1; level > 0; level--) {
        uint64_t pte = table[vpn(va, level)];
        if ((pte & PTE_V) == 0) {
            return NULL;
        }
        table = pte_table(pte);
    }
    return &table[vpn(va, 0)];
}

/* A new address space: kernel identity leaves (GiB 0: devices, GiB 2: RAM), user code. */
static uint64_t *address_space_create(uint64_t va_offset)
{
    uint64_t *root = page_alloc();

    *pt_create(root, 0x00000000ull, 2) = pte_make(0x00000000ull, KERNEL_PTE);
    *pt_create(root, 0x80000000ull, 2) = pte_make(0x80000000ull, KERNEL_PTE);
    for (uint64_t off = 0; off < (uint64_t)(__user_end - __user_start); off += PAGE_SIZE) {
        uint64_t pa = (uint64_t)(uintptr_t)__user_start + off;
        *pt_create(root, USER_CODE_VA + va_offset + off, 0) = pte_make(pa, USER_CODE_PTE);
    }
    return root;
}

/* ----------------------------------------------------------------- tasks */

static uint64_t satp_make(uint64_t asid, const uint64_t *root)
{
    uint64_t mode = (kern.levels == 4) ? SATP_MODE_SV48 : SATP_MODE_SV39;

    return (mode << SATP_MODE_SHIFT) | (asid << SATP_ASID_SHIFT) |
           ((uint64_t)(uintptr_t)root >> PAGE_SHIFT);
}

/* Tasks 1..3 with data sizes 7, 8, 10 pages (coprime with the stride 3). */
static void tasks_create(uint64_t va_offset, uint64_t first_asid, uint64_t sstatus)
{
    static const uint64_t npages[NTASKS] = {7, 8, 10};
    uint64_t entry =
        USER_CODE_VA + va_offset + (uint64_t)((char *)(uintptr_t)task_main - __user_start);

    for (int i = 0; i < NTASKS; i++) {
        struct task *t = &kern.tasks[i];
        memset(t, 0, sizeof(*t));
        t->id = (uint64_t)i + 1;
        t->asid = first_asid + (uint64_t)i;
        t->va_offset = va_offset;
        t->npages = npages[i];
        t->root = address_space_create(va_offset);
        t->satp = satp_make(t->asid, t->root);
        t->tf.epc = entry;
        t->tf.status = sstatus & ~(uint64_t)SSTATUS_SPP; /* sret goes to U */
        t->tf.x[2] = USER_STACK_TOP + va_offset;         /* sp */
        t->tf.x[10] = t->id;                             /* a0..a3: task_main's arguments */
        t->tf.x[11] = USER_DATA_VA + va_offset;
        t->tf.x[12] = t->npages;
        t->tf.x[13] = USER_ZERO_VA + va_offset;
    }
    kern.current = 0;
}

/*
 * What a task must have summed: in round r, data[p*512] = id*1000 + p*512 + r
 * for every page p (the zero pages add nothing). Over the pages:
 * npages*id*1000 + 512*npages*(npages-1)/2 + npages*r; over the rounds,
 * ROUNDS times the first two terms plus npages*ROUNDS*(ROUNDS-1)/2.
 */
static uint64_t task_expected(const struct task *t)
{
    uint64_t n = t->npages;

    return ROUNDS * (n * t->id * 1000 + 512 * n * (n - 1) / 2) + n * ROUNDS * (ROUNDS - 1) / 2;
}

/* Put task i on the hart: its registers into the frame trap.S returns through, its satp. */
static void task_switch_to(struct trap_frame *tf, int i)
{
    kern.current = i;
    *tf = kern.tasks[i].tf;
    /* different ASIDs: no flush needed on the switch (§4.1.11) */
    csr_write(satp, kern.tasks[i].satp);
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

/* ---------------------------------------------------------- page faults */

static bool in_range(uint64_t va, uint64_t start, uint64_t len)
{
    return va >= start && va - start < len;
}

/* Demand-zero: a page of the task's data, zero or stack region gets a fresh page. */
static void page_fault(const struct trap_frame *tf)
{
    struct task *t = &kern.tasks[kern.current];
    uint64_t va = tf->tval & ~(PAGE_SIZE - 1);
    uint64_t off = t->va_offset;
    uint64_t *pte = pt_lookup(t->root, va);

    if (pte != NULL && (*pte & PTE_V) != 0) {
        /* mapped already: a hart that leaves A/D to software (Svade) faulted on them */
        *pte |= PTE_A | ((tf->cause == CAUSE_STORE_PAGE_FAULT) ? PTE_D : 0);
        kern.stats.ad_faults++;
    } else if (in_range(va, USER_DATA_VA + off, t->npages * PAGE_SIZE) ||
               in_range(va, USER_ZERO_VA + off, ZERO_PAGES * ZERO_STRIDE * PAGE_SIZE)) {
        *pt_create(t->root, va, 0) = pte_make((uint64_t)(uintptr_t)page_alloc(), USER_DATA_PTE);
        kern.stats.demand_faults++;
    } else if (in_range(va, USER_STACK_TOP + off - STACK_PAGES * PAGE_SIZE,
                        STACK_PAGES * PAGE_SIZE)) {
        *pt_create(t->root, va, 0) = pte_make((uint64_t)(uintptr_t)page_alloc(), USER_DATA_PTE);
        kern.stats.stack_faults++;
    } else {
        printf("paging: task %lu: page fault cause %lu at 0x%lx, pc 0x%lx\n", t->id, tf->cause,
               tf->tval, tf->epc);
        panic("bad user address", tf->tval);
    }
    /* §4.2.1: the new or changed PTE may be cached as invalid; flush this page, this ASID */
    __asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"(t->asid) : "memory");
    kern.stats.sfences++;
}

/* ---------------------------------------------------------------- phases */

static void phase_start(struct trap_frame *tf, int levels, uint64_t va_offset, uint64_t asid)
{
    kern.levels = levels;
    memset(&kern.stats, 0, sizeof(kern.stats));
    tasks_create(va_offset, asid, tf->status);
    printf("paging: Sv%d: %d tasks, ASIDs %lu-%lu, user code at 0x%lx\n", 12 + 9 * levels, NTASKS,
           asid, asid + NTASKS - 1, (uint64_t)(USER_CODE_VA + va_offset));
    task_switch_to(tf, 0);
}

/* Every task of the phase has exited: check the sums and the fault count. */
static void phase_report(void)
{
    uint64_t want_faults = 0;

    for (int i = 0; i < NTASKS; i++) {
        const struct task *t = &kern.tasks[i];
        printf("paging:   task %lu (ASID %lu): %lu data pages, sum %lu\n", t->id, t->asid,
               t->npages, t->result);
        if (t->result != task_expected(t)) {
            panic("wrong task sum, expected", task_expected(t));
        }
        want_faults += t->npages + ZERO_PAGES; /* one fault per data page and zero page */
    }
    printf("paging:   %lu demand-zero faults, %lu stack faults, %lu A/D faults, %lu switches,"
           " %lu sfence.vma\n",
           kern.stats.demand_faults, kern.stats.stack_faults, kern.stats.ad_faults,
           kern.stats.switches, kern.stats.sfences);
    if (kern.stats.demand_faults != want_faults) {
        panic("demand-zero faults, expected", want_faults);
    }
}

static void phase_done(struct trap_frame *tf)
{
    phase_report();
    if (kern.levels == 3) {
        phase_start(tf, 4, SV48_USER_OFFSET, NTASKS + 1);
        return;
    }
    printf("paging: %lu pages allocated\n", kern.pages_used);
    printf("paging: pass\n");
    guest_exit(0);
}

static void syscall(struct trap_frame *tf)
{
    struct task *t = &kern.tasks[kern.current];
    uint64_t num = tf->x[17]; /* a7 */

    tf->epc += 4; /* resume after the ecall */
    if (num == SYS_YIELD) {
        t->tf = *tf;
        kern.stats.switches++;
        task_switch_to(tf, task_next_runnable());
    } else if (num == SYS_EXIT) {
        t->done = true;
        t->result = tf->x[10];
        int next = task_next_runnable();
        if (next < 0) {
            phase_done(tf);
            return;
        }
        kern.stats.switches++;
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
               (tf->cause == CAUSE_FETCH_PAGE_FAULT || tf->cause == CAUSE_LOAD_PAGE_FAULT ||
                tf->cause == CAUSE_STORE_PAGE_FAULT)) {
        page_fault(tf);
    } else {
        printf("paging: trap cause 0x%lx at 0x%lx tval 0x%lx\n", tf->cause, tf->epc, tf->tval);
        panic("unexpected trap in the kernel, cause", tf->cause);
    }
}

/* ---------------------------------------------------------------- start */

/* S-mode: build the Sv39 tasks and sret into the first; all else happens in traps. */
static __attribute__((noreturn)) void kernel_main(void)
{
    struct trap_frame boot = {.status = csr_read(sstatus)};
    uint8_t *pool = (uint8_t *)(((uintptr_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));

    kern.pool_next = pool;
    kern.pool_end = pool + POOL_PAGES * PAGE_SIZE;
    printf("paging: S-mode kernel, page pool at %p\n", (void *)pool);
    phase_start(&boot, 3, 0, 1);
    sfence_vma_all();

    register uint64_t a0 __asm__("a0") = boot.x[10];
    register uint64_t a1 __asm__("a1") = boot.x[11];
    register uint64_t a2 __asm__("a2") = boot.x[12];
    register uint64_t a3 __asm__("a3") = boot.x[13];
    csr_write(sepc, boot.epc);
    csr_clear(sstatus, SSTATUS_SPP);
    __asm__ volatile("mv sp, %4\n sret"
                     :
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(boot.x[2])
                     : "memory");
    __builtin_unreachable();
}

/* M-mode: delegate, open PMP, drop to S. */
int main(void)
{
    printf("paging: M-mode start: delegate ecall-from-U and page faults to S, PMP, mret\n");
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
