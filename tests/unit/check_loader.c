/*
 * tests/unit/check_loader.c - the image loader (vm/loader.c): a good ELF
 * built by hand here (segments, bss, entry, tohost/fromhost, .note.vmlab),
 * raw images, and one crafted bad file per check, each with its message.
 * Course: 处理器虚拟化 / 创建虚拟机 (loading the guest).
 * Spec: System V gABI "ELF Header", "Program Header", "Symbol Table",
 *       "Note Section"; RISC-V psABI (EM_RISCV = 243).
 * Expected values are the fields the test writes, worked by hand.
 */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/mmu.h"
#include "vm/loader.h"
#include "vm/memmap.h"

#define RAM_SIZE (4ull << 20)

struct fixture {
    char dir[64];
    char path[128];
    struct hostmem *hm;
    struct gmem *gm;
    struct loaded_image img;
    char err[256];
};

static void fx_setup(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/check_loader.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/guest.elf", f->dir);
    f->hm = hostmem_create(8ull << 20);
    ck_assert_ptr_nonnull(f->hm);
    f->gm = gmem_create(f->hm, MEMMAP_RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(f->gm);
}

static void fx_teardown(struct fixture *f)
{
    unlink(f->path);
    rmdir(f->dir);
    gmem_destroy(f->gm);
    hostmem_destroy(f->hm);
}

static void fx_write(struct fixture *f, const void *bytes, size_t len)
{
    FILE *out = fopen(f->path, "wb");
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fwrite(bytes, 1, len, out), len);
    fclose(out);
}

static int fx_load_elf(struct fixture *f)
{
    return loader_load_elf(f->gm, f->path, NULL, &f->img, f->err, sizeof(f->err));
}

/* The load failed and the one-line message names the file and says `what`. */
static void expect_error(struct fixture *f, int rc, const char *what)
{
    ck_assert_int_lt(rc, 0);
    ck_assert_msg(strstr(f->err, what) != NULL, "message \"%s\" lacks \"%s\"", f->err, what);
    ck_assert_msg(strncmp(f->err, f->path, strlen(f->path)) == 0, "no path in \"%s\"", f->err);
    ck_assert_ptr_null(strchr(f->err, '\n'));
}

/* --------------------------------------------------- a hand-built ELF */

/*
 *   0x000 Elf64_Ehdr            0x240 .shstrtab
 *   0x040 Elf64_Phdr[nph]       0x280 .symtab (null, tohost, fromhost)
 *   0x100 code (16 bytes)       0x2d0 .note.vmlab (24 bytes)
 *   0x200 .strtab               0x300 Elf64_Shdr[5]  -> 0x440 bytes in all
 */
#define OFF_CODE     0x100
#define OFF_STRTAB   0x200
#define OFF_SHSTRTAB 0x240
#define OFF_SYMTAB   0x280
#define OFF_NOTE     0x2d0
#define OFF_SHDR     0x300
#define ELF_BYTES    0x440

static const char strtab[] = "\0tohost\0fromhost"; /* tohost @1, fromhost @8 */
static const char shstrtab[] = "\0.symtab\0.strtab\0.shstrtab\0.note.vmlab"; /* 1, 9, 17, 27 */
static const uint32_t code_words[4] = {0x00000297, 0x02828613, 0xf1402573, 0x00028067};

struct elf_image {
    uint8_t bytes[ELF_BYTES];
    Elf64_Ehdr *eh;
    Elf64_Phdr *ph; /* ph[0], ph[1] */
};

static void put_shdr(struct elf_image *e, unsigned i, uint32_t name, uint32_t type, uint64_t off,
                     uint64_t size, uint32_t link, uint64_t entsize)
{
    Elf64_Shdr sh = {0};
    sh.sh_name = name;
    sh.sh_type = type;
    sh.sh_offset = off;
    sh.sh_size = size;
    sh.sh_link = link;
    sh.sh_entsize = entsize;
    memcpy(e->bytes + OFF_SHDR + i * sizeof(sh), &sh, sizeof(sh));
}

static void put_sym(struct elf_image *e, unsigned i, uint32_t name, uint64_t value)
{
    Elf64_Sym sym = {0};
    sym.st_name = name;
    sym.st_value = value;
    sym.st_shndx = SHN_ABS;
    memcpy(e->bytes + OFF_SYMTAB + i * sizeof(sym), &sym, sizeof(sym));
}

/* One PT_LOAD: 16 bytes of code at 0x80000000, memsz 0x1010 (0x1000 of bss). */
static void elf_build(struct elf_image *e)
{
    memset(e->bytes, 0, sizeof(e->bytes));
    e->eh = (Elf64_Ehdr *)e->bytes;
    e->ph = (Elf64_Phdr *)(e->bytes + sizeof(Elf64_Ehdr));
    memcpy(e->eh->e_ident, ELFMAG, SELFMAG);
    e->eh->e_ident[EI_CLASS] = ELFCLASS64;
    e->eh->e_ident[EI_DATA] = ELFDATA2LSB;
    e->eh->e_ident[EI_VERSION] = EV_CURRENT;
    e->eh->e_type = ET_EXEC;
    e->eh->e_machine = EM_RISCV;
    e->eh->e_version = EV_CURRENT;
    e->eh->e_entry = 0x80000000;
    e->eh->e_phoff = sizeof(Elf64_Ehdr);
    e->eh->e_shoff = OFF_SHDR;
    e->eh->e_ehsize = sizeof(Elf64_Ehdr);
    e->eh->e_phentsize = sizeof(Elf64_Phdr);
    e->eh->e_phnum = 1;
    e->eh->e_shentsize = sizeof(Elf64_Shdr);
    e->eh->e_shnum = 5;
    e->eh->e_shstrndx = 3;
    e->ph[0].p_type = PT_LOAD;
    e->ph[0].p_flags = PF_R | PF_X | PF_W;
    e->ph[0].p_offset = OFF_CODE;
    e->ph[0].p_vaddr = 0x80000000;
    e->ph[0].p_paddr = 0x80000000;
    e->ph[0].p_filesz = 16;
    e->ph[0].p_memsz = 0x1010;
    memcpy(e->bytes + OFF_CODE, code_words, sizeof(code_words));
    memcpy(e->bytes + OFF_STRTAB, strtab, sizeof(strtab));
    memcpy(e->bytes + OFF_SHSTRTAB, shstrtab, sizeof(shstrtab));
    put_sym(e, 1, 1, 0x80001000); /* tohost */
    put_sym(e, 2, 8, 0x80001040); /* fromhost */
    /* note: namesz 6 "vmlab\0" (padded to 8), descsz 4, type 1 -> 12 + 8 + 4 = 24 bytes */
    const uint32_t nhdr[3] = {6, 4, 1};
    memcpy(e->bytes + OFF_NOTE, nhdr, sizeof(nhdr));
    memcpy(e->bytes + OFF_NOTE + 12, "vmlab", 6);
    put_shdr(e, 1, 1, SHT_SYMTAB, OFF_SYMTAB, 3 * sizeof(Elf64_Sym), 2, sizeof(Elf64_Sym));
    put_shdr(e, 2, 9, SHT_STRTAB, OFF_STRTAB, sizeof(strtab), 0, 0);
    put_shdr(e, 3, 17, SHT_STRTAB, OFF_SHSTRTAB, sizeof(shstrtab), 0, 0);
    put_shdr(e, 4, 27, SHT_NOTE, OFF_NOTE, 24, 0, 0);
}

static void fill_ram(struct fixture *f, gpa_t gpa, uint8_t byte, size_t len)
{
    uint8_t buf[0x2000];
    memset(buf, byte, len);
    ck_assert_int_eq(gmem_write(f->gm, gpa, buf, len), 0);
}

/* --------------------------------------------------------------- core */

START_TEST(test_good_elf)
{
    struct fixture f;
    struct elf_image e;
    uint8_t got[0x1010];
    fx_setup(&f);
    elf_build(&e);
    fx_write(&f, e.bytes, sizeof(e.bytes));
    fill_ram(&f, 0x80000000, 0xee, 0x2000); /* so the bss zero-fill shows */

    ck_assert_int_eq(fx_load_elf(&f), 0);
    ck_assert(f.img.is_elf);
    ck_assert_uint_eq(f.img.entry, 0x80000000);
    ck_assert_uint_eq(f.img.lowest, 0x80000000);
    ck_assert_uint_eq(f.img.highest, 0x80001010); /* 0x80000000 + memsz 0x1010 */
    ck_assert(f.img.has_tohost);
    ck_assert_uint_eq(f.img.tohost, 0x80001000);
    ck_assert_uint_eq(f.img.fromhost, 0x80001040);
    ck_assert(f.img.has_vmlab_note);
    ck_assert_uint_eq(f.img.vmlab_note_type, 1);

    ck_assert_int_eq(gmem_read(f.gm, 0x80000000, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, code_words, 16);
    for (unsigned i = 16; i < sizeof(got); i++) {
        ck_assert_uint_eq(got[i], 0); /* bss */
    }
    ck_assert_int_eq(gmem_read(f.gm, 0x80001010, got, 1), 0);
    ck_assert_uint_eq(got[0], 0xee); /* just past memsz: untouched */
    fx_teardown(&f);
}
END_TEST

START_TEST(test_virtual_entry)
{
    struct fixture f;
    struct elf_image e;
    fx_setup(&f);
    elf_build(&e);
    /* linked at VA 0xffffffff80000000, loaded at PA 0x80200000: entry VA+8 -> PA 0x80200008 */
    e.ph[0].p_vaddr = 0xffffffff80000000ull;
    e.ph[0].p_paddr = 0x80200000;
    e.eh->e_entry = 0xffffffff80000008ull;
    e.eh->e_shnum = 0; /* stripped: no symbols, no note */
    fx_write(&f, e.bytes, sizeof(e.bytes));
    ck_assert_int_eq(fx_load_elf(&f), 0);
    ck_assert_uint_eq(f.img.entry, 0x80200008);
    ck_assert(!f.img.has_tohost);
    ck_assert(!f.img.has_vmlab_note);
    fx_teardown(&f);
}
END_TEST

START_TEST(test_raw_and_auto)
{
    struct fixture f;
    uint8_t data[100], got[100];
    fx_setup(&f);
    for (unsigned i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7);
    }
    fx_write(&f, data, sizeof(data));
    ck_assert_int_eq(loader_load(f.gm, f.path, 0x80200000, &f.img, f.err, sizeof(f.err)), 0);
    ck_assert(!f.img.is_elf);
    ck_assert_uint_eq(f.img.entry, 0x80200000);
    ck_assert_uint_eq(f.img.lowest, 0x80200000);
    ck_assert_uint_eq(f.img.highest, 0x80200064); /* + 100 bytes */
    ck_assert_int_eq(gmem_read(f.gm, 0x80200000, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, data, sizeof(data));

    struct elf_image e;
    elf_build(&e);
    fx_write(&f, e.bytes, sizeof(e.bytes));
    ck_assert_int_eq(loader_load(f.gm, f.path, 0x80200000, &f.img, f.err, sizeof(f.err)), 0);
    ck_assert(f.img.is_elf);
    ck_assert_uint_eq(f.img.entry, 0x80000000);
    fx_teardown(&f);
}
END_TEST

START_TEST(test_rom_window)
{
    struct fixture f;
    struct elf_image e;
    uint8_t got[16];
    fx_setup(&f);
    ck_assert_int_eq(gmem_add_rom(f.gm, MEMMAP_BOOTROM_BASE, MEMMAP_BOOTROM_SIZE), 0);
    elf_build(&e);
    e.ph[0].p_paddr = MEMMAP_BOOTROM_BASE;
    e.ph[0].p_vaddr = MEMMAP_BOOTROM_BASE;
    e.ph[0].p_memsz = 16;
    e.eh->e_entry = MEMMAP_BOOTROM_BASE;
    fx_write(&f, e.bytes, sizeof(e.bytes));
    /* RAM only: refused */
    expect_error(&f, fx_load_elf(&f), "outside RAM");
    /* with the ROM window allowed: loaded there */
    const struct loader_window rom = {MEMMAP_BOOTROM_BASE, MEMMAP_BOOTROM_SIZE};
    const struct loader_opts opts = {&rom, 1};
    ck_assert_int_eq(loader_load_elf(f.gm, f.path, &opts, &f.img, f.err, sizeof(f.err)), 0);
    ck_assert_int_eq(gmem_read(f.gm, MEMMAP_BOOTROM_BASE, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, code_words, 16);
    fx_teardown(&f);
}
END_TEST

/* ---------------------------------------------------------- bad input */

START_TEST(test_missing_empty_notelf)
{
    struct fixture f;
    fx_setup(&f);
    expect_error(&f, fx_load_elf(&f), "cannot open");
    fx_write(&f, "", 0);
    expect_error(&f, fx_load_elf(&f), "empty");
    fx_write(&f, "#!/bin/sh\necho hi\n", 18);
    expect_error(&f, fx_load_elf(&f), "not an ELF");
    /* magic and class but cut at 30 bytes: shorter than the 64-byte header */
    struct elf_image e;
    elf_build(&e);
    fx_write(&f, e.bytes, 30);
    expect_error(&f, fx_load_elf(&f), "truncated");
    fx_teardown(&f);
}
END_TEST

/* Each header defect on its own, with the words its message must have. */
static const struct {
    unsigned field; /* which defect */
    const char *what;
} header_cases[] = {
    {0, "32-bit ELF"},
    {1, "not a little-endian"},
    {2, "not a RISC-V ELF (e_machine 62, x86-64)"},
    {3, "not an executable"},
    {4, "truncated: program headers"},
    {5, "truncated: segment 0 data"},
    {6, "p_memsz 0x10 < p_filesz 0x20"},
    {7, "truncated: section headers"},
    {8, "no PT_LOAD"},
};

START_TEST(test_bad_header)
{
    struct fixture f;
    struct elf_image e;
    fx_setup(&f);
    elf_build(&e);
    switch (header_cases[_i].field) {
    case 0:
        e.eh->e_ident[EI_CLASS] = ELFCLASS32;
        break;
    case 1:
        e.eh->e_ident[EI_DATA] = ELFDATA2MSB;
        break;
    case 2:
        e.eh->e_machine = EM_X86_64; /* 62 */
        break;
    case 3:
        e.eh->e_type = ET_DYN;
        break;
    case 4:
        e.eh->e_phoff = ELF_BYTES - 8;
        break;
    case 5:
        e.ph[0].p_filesz = 0x10000;
        e.ph[0].p_memsz = 0x10000;
        break;
    case 6:
        e.ph[0].p_filesz = 0x20;
        e.ph[0].p_memsz = 0x10;
        break;
    case 7:
        e.eh->e_shnum = 50;
        break;
    case 8:
        e.ph[0].p_type = PT_NOTE;
        break;
    }
    fx_write(&f, e.bytes, sizeof(e.bytes));
    expect_error(&f, fx_load_elf(&f), header_cases[_i].what);
    fx_teardown(&f);
}
END_TEST

/* Segments in the wrong place: (paddr, memsz) and the message. */
static const struct {
    uint64_t paddr, memsz;
    const char *what;
} place_cases[] = {
    {0x40000000, 0x1000, "outside RAM"},
    {0x80000000 + RAM_SIZE - 0x800, 0x1000, "outside RAM"}, /* runs off the end of RAM */
    {0x10000000, 0x1000, "overlaps device memory at GPA 0x10000000"},
    {0x80000000, 8ull << 20, "bigger than RAM (8192 KiB > 4096 KiB)"},
    {0xfffffffffffff000ull, 0x2000, "wraps around"},
};

START_TEST(test_bad_place)
{
    struct fixture f;
    struct elf_image e;
    fx_setup(&f);
    ck_assert_int_eq(gmem_add_mmio(f.gm, MEMMAP_UART0_BASE, MEMMAP_UART0_SIZE), 0);
    elf_build(&e);
    e.ph[0].p_paddr = place_cases[_i].paddr;
    e.ph[0].p_memsz = place_cases[_i].memsz;
    fx_write(&f, e.bytes, sizeof(e.bytes));
    expect_error(&f, fx_load_elf(&f), place_cases[_i].what);
    fx_teardown(&f);
}
END_TEST

START_TEST(test_nothing_written_on_failure)
{
    struct fixture f;
    struct elf_image e;
    uint8_t got[16], zeros[16] = {0};
    fx_setup(&f);
    elf_build(&e);
    /* segment 0 good, segment 1 outside RAM: segment 0 must not be copied either */
    e.eh->e_phnum = 2;
    e.ph[1] = e.ph[0];
    e.ph[1].p_paddr = 0x40000000;
    fx_write(&f, e.bytes, sizeof(e.bytes));
    expect_error(&f, fx_load_elf(&f), "segment 1");
    ck_assert_int_eq(gmem_read(f.gm, 0x80000000, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, zeros, sizeof(zeros));
    fx_teardown(&f);
}
END_TEST

START_TEST(test_bad_raw)
{
    struct fixture f;
    fx_setup(&f);
    uint8_t *big = calloc(1, RAM_SIZE + 1);
    fx_write(&f, big, RAM_SIZE + 1);
    free(big);
    expect_error(&f, loader_load_raw(f.gm, f.path, 0x80000000, NULL, &f.img, f.err, sizeof(f.err)),
                 "bigger than RAM");
    fx_write(&f, "abcd", 4);
    expect_error(&f,
                 loader_load_raw(f.gm, f.path, 0x80000000 + RAM_SIZE - 2, NULL, &f.img, f.err,
                                 sizeof(f.err)),
                 "outside RAM");
    fx_teardown(&f);
}
END_TEST

START_TEST(test_bad_symbols)
{
    struct fixture f;
    struct elf_image e;
    fx_setup(&f);
    elf_build(&e);
    /* symbol names far outside .strtab, and a symtab linked to a missing section:
     * the load still succeeds, the symbols are just not found */
    put_sym(&e, 1, 0xfffff, 0x80001000);
    put_shdr(&e, 4, 0xffff, SHT_NOTE, 0x7fffffff, 24, 0, 0);
    fx_write(&f, e.bytes, sizeof(e.bytes));
    ck_assert_int_eq(fx_load_elf(&f), 0);
    ck_assert(!f.img.has_tohost);
    ck_assert_uint_eq(f.img.fromhost, 0x80001040);
    ck_assert(!f.img.has_vmlab_note);
    put_shdr(&e, 1, 1, SHT_SYMTAB, OFF_SYMTAB, 3 * sizeof(Elf64_Sym), 99, sizeof(Elf64_Sym));
    fx_write(&f, e.bytes, sizeof(e.bytes));
    ck_assert_int_eq(fx_load_elf(&f), 0);
    ck_assert_uint_eq(f.img.fromhost, 0);
    fx_teardown(&f);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_good_elf);
    tcase_add_test(core, test_virtual_entry);
    tcase_add_test(core, test_raw_and_auto);
    tcase_add_test(core, test_rom_window);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, test_missing_empty_notelf);
    tcase_add_loop_test(bad, test_bad_header, 0, sizeof(header_cases) / sizeof(header_cases[0]));
    tcase_add_loop_test(bad, test_bad_place, 0, sizeof(place_cases) / sizeof(place_cases[0]));
    tcase_add_test(bad, test_nothing_written_on_failure);
    tcase_add_test(bad, test_bad_raw);
    tcase_add_test(bad, test_bad_symbols);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
