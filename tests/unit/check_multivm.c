/*
 * tests/unit/check_multivm.c - several VMs on one physical CPU: the --vm
 * spec parser (vm/config.c) and the physical CPU's TLB shared by two VMs'
 * mmus with VMID tags (mmu/tlb.c, mmu/mmu.c: mmu_activate,
 * mmu_tlb_flush_all).
 * Course: 内存虚拟化 / TLB with VMID tags: a VM switch needs no flush when
 *         every entry says whose it is; without VMIDs it must flush.
 * Spec: Privileged 20211203, §8.2.10 "hgatp" (VMID), §4.3.2, §4.4 "Sv39",
 *       §4.2.1 "SFENCE.VMA".
 *
 * The two VMs: 8 MiB of RAM each at GPA 0x8000_0000, both from one host
 * memory (so their frames differ), each with the same Sv39 table written
 * as a guest kernel would:
 *   root 0x8000_1000 [2] -> a 1 GiB leaf for GVA 0x8000_0000 = GPA 0x8000_0000
 *   (VPN[2] of 0x8000_0000 is 0x8000_0000 >> 30 = 2), R/W/X, A and D preset.
 * Same GVA, same ASID (0) in both VMs: only the VMID tells their TLB
 * entries apart.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "mmu/mmu.h"
#include "vm/vm.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  (8ull << 20)
#define ROOT_GPA  0x80001000ull
#define GVA       0x80002000ull /* GPA 0x8000_2000 through the 1 GiB leaf */
#define SATP_SV39 (((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (ROOT_GPA >> 12))
#define LEAF_1G   ((((RAM_BASE >> 12) << 10)) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

struct two_vms {
    struct hostmem *hm;
    struct tlb *tlb;
    struct gmem *gm[2];
    struct pmp pmp[2];
    struct mmu *mmu[2];
};

static void two_vms_create(struct two_vms *t)
{
    memset(t, 0, sizeof(*t));
    t->hm = hostmem_create(2 * RAM_SIZE + (1ull << 20));
    ck_assert_ptr_nonnull(t->hm);
    t->tlb = mmu_tlb_create(64, 4);
    ck_assert_ptr_nonnull(t->tlb);
    for (unsigned i = 0; i < 2; i++) {
        struct mmu_config mc = {
            .tlb_entries = 64,
            .tlb_ways = 4,
            .fastpath = true,
            .mode = MMU_NATIVE,
            .vmid = (uint16_t)(i + 1),
            .shared_tlb = t->tlb,
        };
        uint64_t leaf = LEAF_1G;
        t->gm[i] = gmem_create(t->hm, RAM_BASE, RAM_SIZE);
        ck_assert_ptr_nonnull(t->gm[i]);
        ck_assert_int_eq(gmem_write(t->gm[i], ROOT_GPA + 2 * 8, &leaf, sizeof(leaf)), 0);
        t->mmu[i] = mmu_create(t->gm[i], &t->pmp[i], &mc);
        ck_assert_ptr_nonnull(t->mmu[i]);
    }
}

static void two_vms_destroy(struct two_vms *t)
{
    for (unsigned i = 0; i < 2; i++) {
        mmu_destroy(t->mmu[i]);
        gmem_destroy(t->gm[i]);
    }
    mmu_tlb_destroy(t->tlb);
    hostmem_destroy(t->hm);
}

/* A load at GVA by VM i in S-mode under the Sv39 table. */
static void load(struct two_vms *t, unsigned i, struct xlate_out *out)
{
    struct xlate_req req = {
        .gva = GVA, .size = 8, .acc = ACCESS_LOAD, .priv = PRV_S, .satp = SATP_SV39};
    mmu_activate(t->mmu[i]);
    mmu_translate(t->mmu[i], &req, out);
    ck_assert_int_eq(out->status, XLATE_OK);
}

/* -------------------------------------------------------------- core */

START_TEST(test_spec_image_only)
{
    char text[] = "guests/hello.elf";
    struct vm_spec spec;
    ck_assert_int_eq(vm_spec_parse(text, &spec), 0);
    ck_assert_str_eq(spec.image, "guests/hello.elf");
    ck_assert_ptr_null(spec.kernel);
    ck_assert_uint_eq(spec.ram_size, 0); /* -m's */
}
END_TEST

START_TEST(test_spec_all_keys)
{
    char text[] = "fw.bin,m=64M,kernel=k.elf";
    struct vm_spec spec;
    ck_assert_int_eq(vm_spec_parse(text, &spec), 0);
    ck_assert_str_eq(spec.image, "fw.bin");
    ck_assert_str_eq(spec.kernel, "k.elf");
    ck_assert_uint_eq(spec.ram_size, 64ull << 20); /* 64 MiB = 67108864 bytes */
}
END_TEST

/* disk=FILE with its ro / snapshot after it, as --disk FILE,ro,snapshot. */
START_TEST(test_spec_disk)
{
    char text[] = "hello.elf,disk=d.img,ro,m=64M,snapshot";
    struct vm_spec spec;
    ck_assert_int_eq(vm_spec_parse(text, &spec), 0);
    ck_assert_str_eq(spec.disk.path, "d.img");
    ck_assert(spec.disk.opt.read_only);
    ck_assert(spec.disk.opt.snapshot);
    ck_assert_uint_eq(spec.ram_size, 64ull << 20);
    char plain[] = "hello.elf,disk=d.img";
    ck_assert_int_eq(vm_spec_parse(plain, &spec), 0);
    ck_assert(!spec.disk.opt.read_only && !spec.disk.opt.snapshot);
}
END_TEST

START_TEST(test_spec_size_suffixes)
{
    char g[] = "a,m=1G";
    char plain[] = "a,m=16"; /* a plain number is MiB, as -m */
    struct vm_spec spec;
    ck_assert_int_eq(vm_spec_parse(g, &spec), 0);
    ck_assert_uint_eq(spec.ram_size, 1ull << 30);
    ck_assert_int_eq(vm_spec_parse(plain, &spec), 0);
    ck_assert_uint_eq(spec.ram_size, 16ull << 20);
}
END_TEST

/*
 * VM 1 fills the TLB; VM 2 asks for the same GVA and ASID: a miss, and its
 * own frame. Back to VM 1 (--vmid on: no flush): its entry is still there.
 */
START_TEST(test_vmid_entry_never_answers_other_vm)
{
    struct two_vms t;
    struct xlate_out out1, out2;
    two_vms_create(&t);

    load(&t, 0, &out1); /* cold: miss + walk */
    load(&t, 0, &out1); /* warm: hit */
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_misses, 1);
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_hits, 1);

    load(&t, 1, &out2);
    ck_assert_uint_eq(mmu_stats(t.mmu[1])->tlb_misses, 1); /* VM 1's entry did not answer */
    ck_assert_uint_eq(mmu_stats(t.mmu[1])->tlb_hits, 0);
    ck_assert_uint_eq(out1.gpa, GVA); /* same GPA in both VMs ... */
    ck_assert_uint_eq(out2.gpa, GVA);
    ck_assert_uint_ne(out1.hpa, out2.hpa); /* ... on different host frames */
    ck_assert_ptr_ne(out1.host, out2.host);

    load(&t, 0, &out1); /* the switch back: VM 1's entry survived */
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_misses, 1);
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_hits, 2);
    two_vms_destroy(&t);
}
END_TEST

/* A VM's sfence.vma (all addresses, all ASIDs) drops its own entries only. */
START_TEST(test_sfence_stays_in_its_vm)
{
    struct two_vms t;
    struct xlate_out out;
    two_vms_create(&t);

    load(&t, 0, &out);
    load(&t, 1, &out);
    mmu_sfence(t.mmu[1], true, 0, true, 0); /* VM 2 is the one running */
    load(&t, 0, &out);
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_hits, 1); /* VM 1: miss, then this hit */
    load(&t, 1, &out);
    ck_assert_uint_eq(mmu_stats(t.mmu[1])->tlb_misses, 2); /* VM 2: cold, then after its fence */
    two_vms_destroy(&t);
}
END_TEST

/* --vmid off: the switch flushes the whole TLB, counted in the incoming VM. */
START_TEST(test_vmid_off_flush)
{
    struct two_vms t;
    struct xlate_out out;
    two_vms_create(&t);

    load(&t, 0, &out);
    load(&t, 1, &out);
    mmu_activate(t.mmu[0]);
    mmu_tlb_flush_all(t.mmu[0]);
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_flushes, 1);
    ck_assert_uint_eq(mmu_stats(t.mmu[1])->tlb_flushes, 0);
    load(&t, 0, &out);
    ck_assert_uint_eq(mmu_stats(t.mmu[0])->tlb_misses, 2); /* cold, then after the flush */
    load(&t, 1, &out);
    ck_assert_uint_eq(mmu_stats(t.mmu[1])->tlb_misses, 2); /* VM 2's entry went too */
    two_vms_destroy(&t);
}
END_TEST

/* --------------------------------------------------------- bad input */

static void expect_bad(const char *spec_text)
{
    char text[128];
    struct vm_spec spec;
    snprintf(text, sizeof(text), "%s", spec_text);
    ck_assert_msg(vm_spec_parse(text, &spec) == -1, "accepted --vm %s", spec_text);
}

START_TEST(test_spec_bad)
{
    expect_bad("");                    /* no IMAGE */
    expect_bad(",m=64M");              /* no IMAGE */
    expect_bad("m=64M,hello.elf");     /* IMAGE not first */
    expect_bad("hello.elf,color=red"); /* unknown key */
    expect_bad("hello.elf,m");         /* no = */
    expect_bad("hello.elf,m=");        /* empty value */
    expect_bad("hello.elf,=64M");      /* empty key */
    expect_bad("hello.elf,m=3M");      /* not a multiple of 2M */
    expect_bad("hello.elf,m=4M");      /* below 8M */
    expect_bad("hello.elf,m=128G");    /* above 64G */
    expect_bad("hello.elf,m=lots");    /* not a size */
    expect_bad("hello.elf,m=64M,m=32M");
    expect_bad("hello.elf,kernel=a,kernel=b");
    expect_bad("hello.elf,disk=a.img,disk=b.img"); /* one disk per VM */
    expect_bad("hello.elf,ro,disk=d.img");         /* ro before any disk= */
    expect_bad("hello.elf,disk=d.img,foo");        /* not a disk option */
    expect_bad("hello.elf,");                      /* an empty item */
}
END_TEST

START_TEST(test_shared_tlb_bad_sizes)
{
    ck_assert_ptr_null(mmu_tlb_create(0, 4)); /* no ways */
    ck_assert_ptr_null(mmu_tlb_create(6, 4)); /* not a multiple of the ways */
    ck_assert_ptr_null(mmu_tlb_create(2, 4)); /* fewer entries than ways */
}
END_TEST

static Suite *multivm_suite(void)
{
    Suite *s = suite_create("multivm");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(core, test_spec_image_only);
    tcase_add_test(core, test_spec_all_keys);
    tcase_add_test(core, test_spec_disk);
    tcase_add_test(core, test_spec_size_suffixes);
    tcase_add_test(core, test_vmid_entry_never_answers_other_vm);
    tcase_add_test(core, test_sfence_stays_in_its_vm);
    tcase_add_test(core, test_vmid_off_flush);
    tcase_add_test(bad, test_spec_bad);
    tcase_add_test(bad, test_shared_tlb_bad_sizes);
    suite_add_tcase(s, core);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(multivm_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
