/*
 * vm/loader.c - the image loader: ELF64 RISC-V executables at their
 * physical addresses, raw images at a given GPA, into guest RAM (or a ROM).
 * Course: 处理器虚拟化 / 创建虚拟机 (QEMU's -kernel/-bios): the VMM puts the
 *         guest's code where the guest expects it in guest-physical memory;
 *         it writes through gmem, page by page, as any VMM software access.
 * Spec: System V ABI "ELF header", "Program header", "Sections", "Symbol
 *       table", "Note section" (gABI 4.1 and the 64-bit <elf.h> layout);
 *       RISC-V ELF psABI "ELF Object Files" (EM_RISCV = 243).
 * Simplified: PT_LOAD only (PT_DYNAMIC, relocations, PIE are refused or
 *       ignored); segments go at p_paddr as QEMU's loader places them; the
 *       entry is converted from a virtual to a physical address when it lies
 *       in a segment whose p_vaddr != p_paddr. Host is little-endian.
 */
#include "vm/loader.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vm/loader.c reads ELF fields in host order: a little-endian host is required"
#endif

#define LOADER_MAX_FILE (1ull << 32) /* 4 GiB: more than any RAM vmlab gives a guest */

struct image {
    const char *path;
    uint8_t *bytes;
    uint64_t size;
};

__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, int rc,
                                                      const char *path, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (err && errlen) {
        snprintf(err, errlen, "%s: %s", path, what);
    }
    return rc;
}

static int image_read(struct image *img, const char *path, char *err, size_t errlen)
{
    img->path = path;
    img->bytes = NULL;
    img->size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return fail(err, errlen, -ENOENT, path, "cannot open: %s: check the path", strerror(errno));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = fail(err, errlen, -EINVAL, path, "not a regular file: give an image file");
        goto out;
    }
    if (st.st_size == 0) {
        rc = fail(err, errlen, -EINVAL, path, "file is empty: give a built guest image");
        goto out;
    }
    if ((uint64_t)st.st_size > LOADER_MAX_FILE) {
        rc = fail(err, errlen, -EFBIG, path, "file is larger than 4 GiB: not a guest image");
        goto out;
    }
    img->size = (uint64_t)st.st_size;
    img->bytes = malloc(img->size);
    if (!img->bytes || fread(img->bytes, 1, img->size, f) != img->size) {
        rc = fail(err, errlen, -EIO, path, "cannot read the file");
        free(img->bytes);
        img->bytes = NULL;
    }
out:
    fclose(f);
    return rc;
}

/* Is [off, off+len) inside the file? (no wrap) */
static bool image_has(const struct image *img, uint64_t off, uint64_t len)
{
    return off <= img->size && len <= img->size - off;
}

/* ------------------------------------------------------ where images may go */

static bool window_holds(gpa_t base, uint64_t size, gpa_t gpa, uint64_t len)
{
    return gpa >= base && gpa - base <= size && len <= size - (gpa - base);
}

static bool target_allowed(const struct gmem *gm, const struct loader_opts *opts, gpa_t gpa,
                           uint64_t len)
{
    if (window_holds(gmem_ram_base(gm), gmem_ram_size(gm), gpa, len)) {
        return true;
    }
    for (unsigned i = 0; opts && i < opts->n_rom; i++) {
        if (window_holds(opts->rom[i].gpa, opts->rom[i].size, gpa, len)) {
            return true;
        }
    }
    return false;
}

/* The first device GPA inside [gpa, gpa+len), or UINT64_MAX. No wrap; len <= RAM size. */
static gpa_t first_mmio_gpa(const struct gmem *gm, gpa_t gpa, uint64_t len)
{
    gpa_t first_page = gpa & ~PAGE_MASK;
    uint64_t npages = ((gpa + len - 1) >> PAGE_SHIFT) - (first_page >> PAGE_SHIFT) + 1;
    for (uint64_t i = 0; i < npages; i++) {
        struct gpa_info info;
        gpa_t page = first_page + (i << PAGE_SHIFT);
        gmem_lookup(gm, page, &info);
        if (info.kind == GPA_MMIO) {
            return page < gpa ? gpa : page;
        }
    }
    return UINT64_MAX;
}

/* May `len` bytes go at `gpa`? `what` names them in the message ("segment 1"). */
static int check_target(const struct gmem *gm, const struct loader_opts *opts, gpa_t gpa,
                        uint64_t len, const char *path, const char *what, char *err, size_t errlen)
{
    gpa_t ram = gmem_ram_base(gm);
    uint64_t ram_size = gmem_ram_size(gm);
    if (len == 0 || target_allowed(gm, opts, gpa, len)) {
        return 0;
    }
    if (gpa + len < gpa) {
        return fail(err, errlen, -EINVAL, path,
                    "%s at GPA 0x%llx + 0x%llx bytes wraps around the address space: "
                    "the image is corrupt",
                    what, (unsigned long long)gpa, (unsigned long long)len);
    }
    if (len > ram_size) {
        return fail(err, errlen, -E2BIG, path,
                    "%s is bigger than RAM (%llu KiB > %llu KiB): give more memory with -m", what,
                    (unsigned long long)(len >> 10), (unsigned long long)(ram_size >> 10));
    }
    gpa_t dev = first_mmio_gpa(gm, gpa, len);
    if (dev != UINT64_MAX) {
        return fail(err, errlen, -EINVAL, path,
                    "%s overlaps device memory at GPA 0x%llx: link the image into RAM at 0x%llx",
                    what, (unsigned long long)dev, (unsigned long long)ram);
    }
    return fail(err, errlen, -EINVAL, path,
                "%s at GPA 0x%llx-0x%llx is outside RAM (0x%llx-0x%llx): link it into RAM "
                "or give more memory with -m",
                what, (unsigned long long)gpa, (unsigned long long)(gpa + len - 1),
                (unsigned long long)ram, (unsigned long long)(ram + ram_size - 1));
}

/* ------------------------------------------------------------- ELF header */

static const char *machine_name(unsigned em)
{
    switch (em) {
    case EM_386:
        return "i386";
    case EM_ARM:
        return "ARM";
    case EM_X86_64:
        return "x86-64";
    case EM_AARCH64:
        return "AArch64";
    case EM_RISCV:
        return "RISC-V";
    default:
        return "unknown";
    }
}

static bool has_elf_magic(const struct image *img)
{
    return img->size >= SELFMAG && memcmp(img->bytes, ELFMAG, SELFMAG) == 0;
}

/* The identification bytes: magic, class, byte order. */
static int check_ident(const struct image *img, char *err, size_t errlen)
{
    const char *path = img->path;
    if (!has_elf_magic(img)) {
        return fail(err, errlen, -ENOEXEC, path,
                    "not an ELF file (no \\177ELF magic): give an ELF executable, or load a "
                    "raw image with --kernel/--bios");
    }
    if (img->size < EI_NIDENT) {
        return fail(err, errlen, -ENOEXEC, path, "truncated ELF header: rebuild the image");
    }
    if (img->bytes[EI_CLASS] == ELFCLASS32) {
        return fail(err, errlen, -ENOEXEC, path,
                    "32-bit ELF (ELFCLASS32): vmlab runs RV64 guests: build it with "
                    "riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d");
    }
    if (img->bytes[EI_CLASS] != ELFCLASS64) {
        return fail(err, errlen, -ENOEXEC, path, "bad ELF class %u: the file is corrupt",
                    img->bytes[EI_CLASS]);
    }
    if (img->bytes[EI_DATA] != ELFDATA2LSB) {
        return fail(err, errlen, -ENOEXEC, path,
                    "not a little-endian ELF (EI_DATA %u): RISC-V guests are little-endian; "
                    "build it with riscv64-unknown-elf-gcc",
                    img->bytes[EI_DATA]);
    }
    return 0;
}

static int check_ehdr(const struct image *img, Elf64_Ehdr *eh, char *err, size_t errlen)
{
    const char *path = img->path;
    int rc = check_ident(img, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (img->size < sizeof(*eh)) {
        return fail(err, errlen, -ENOEXEC, path, "truncated ELF header: rebuild the image");
    }
    memcpy(eh, img->bytes, sizeof(*eh));
    if (eh->e_machine != EM_RISCV) {
        return fail(err, errlen, -ENOEXEC, path,
                    "not a RISC-V ELF (e_machine %u, %s): build it with riscv64-unknown-elf-gcc",
                    eh->e_machine, machine_name(eh->e_machine));
    }
    if (eh->e_type != ET_EXEC) {
        return fail(err, errlen, -ENOEXEC, path,
                    "not an executable (e_type %u%s): link it with -static -no-pie "
                    "at fixed addresses",
                    eh->e_type,
                    eh->e_type == ET_DYN   ? ", a PIE or shared object"
                    : eh->e_type == ET_REL ? ", an object file"
                                           : "");
    }
    if (eh->e_phnum == 0) {
        return fail(err, errlen, -ENOEXEC, path, "no program headers: nothing to load");
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
        return fail(err, errlen, -ENOEXEC, path,
                    "bad program header size %u (expected %zu): the file is corrupt",
                    eh->e_phentsize, sizeof(Elf64_Phdr));
    }
    if (!image_has(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
        return fail(err, errlen, -ENOEXEC, path,
                    "truncated: program headers lie beyond the end of the file (%llu bytes)",
                    (unsigned long long)img->size);
    }
    return 0;
}

static void read_phdr(const struct image *img, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
    memcpy(ph, img->bytes + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* One PT_LOAD: its bytes in the file, its sizes, its place in guest memory. */
static int check_segment(const struct gmem *gm, const struct loader_opts *opts,
                         const struct image *img, const Elf64_Phdr *ph, unsigned i, char *err,
                         size_t errlen)
{
    char what[32];
    snprintf(what, sizeof(what), "segment %u", i);
    if (ph->p_memsz < ph->p_filesz) {
        return fail(err, errlen, -ENOEXEC, img->path,
                    "%s has p_memsz 0x%llx < p_filesz 0x%llx: the file is corrupt", what,
                    (unsigned long long)ph->p_memsz, (unsigned long long)ph->p_filesz);
    }
    if (!image_has(img, ph->p_offset, ph->p_filesz)) {
        return fail(err, errlen, -ENOEXEC, img->path,
                    "truncated: %s data (offset 0x%llx + 0x%llx) lies beyond the end of the "
                    "file (%llu bytes)",
                    what, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz,
                    (unsigned long long)img->size);
    }
    return check_target(gm, opts, ph->p_paddr, ph->p_memsz, img->path, what, err, errlen);
}

/* ---------------------------------------------------- sections and symbols */

struct sections {
    uint64_t off; /* e_shoff */
    unsigned count;
    const char *names; /* .shstrtab, NULL if none */
    uint64_t names_size;
};

static void read_shdr(const struct image *img, const struct sections *sec, unsigned i,
                      Elf64_Shdr *sh)
{
    memcpy(sh, img->bytes + sec->off + (uint64_t)i * sizeof(*sh), sizeof(*sh));
}

/* A NUL-terminated string at `index` of a string table, or NULL. */
static const char *strtab_get(const char *tab, uint64_t tab_size, uint64_t index)
{
    if (!tab || index >= tab_size || !memchr(tab + index, '\0', tab_size - index)) {
        return NULL;
    }
    return tab + index;
}

static int read_sections(const struct image *img, const Elf64_Ehdr *eh, struct sections *sec,
                         char *err, size_t errlen)
{
    memset(sec, 0, sizeof(*sec));
    if (eh->e_shnum == 0) {
        return 0; /* stripped of section headers: no symbols, no notes */
    }
    if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !image_has(img, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
        return fail(err, errlen, -ENOEXEC, img->path,
                    "truncated: section headers lie beyond the end of the file");
    }
    sec->off = eh->e_shoff;
    sec->count = eh->e_shnum;
    if (eh->e_shstrndx != SHN_UNDEF && eh->e_shstrndx < sec->count) {
        Elf64_Shdr sh;
        read_shdr(img, sec, eh->e_shstrndx, &sh);
        if (sh.sh_type == SHT_STRTAB && image_has(img, sh.sh_offset, sh.sh_size)) {
            sec->names = (const char *)img->bytes + sh.sh_offset;
            sec->names_size = sh.sh_size;
        }
    }
    return 0;
}

static void scan_symtab(const struct image *img, const struct sections *sec, const Elf64_Shdr *sh,
                        struct loaded_image *out)
{
    Elf64_Shdr strsh;
    if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= sec->count ||
        !image_has(img, sh->sh_offset, sh->sh_size)) {
        return;
    }
    read_shdr(img, sec, sh->sh_link, &strsh);
    if (!image_has(img, strsh.sh_offset, strsh.sh_size)) {
        return;
    }
    const char *strtab = (const char *)img->bytes + strsh.sh_offset;
    uint64_t nsyms = sh->sh_size / sizeof(Elf64_Sym);
    for (uint64_t i = 1; i < nsyms; i++) {
        Elf64_Sym sym;
        memcpy(&sym, img->bytes + sh->sh_offset + i * sizeof(sym), sizeof(sym));
        const char *name = strtab_get(strtab, strsh.sh_size, sym.st_name);
        if (!name || sym.st_shndx == SHN_UNDEF) {
            continue;
        }
        if (strcmp(name, "tohost") == 0) {
            out->has_tohost = true;
            out->tohost = sym.st_value;
        } else if (strcmp(name, "fromhost") == 0) {
            out->fromhost = sym.st_value;
        }
    }
}

/* .note.vmlab: a note header (namesz, descsz, type), name and desc 4-byte aligned. */
static void scan_vmlab_note(const struct image *img, const Elf64_Shdr *sh, struct loaded_image *out)
{
    Elf64_Nhdr nh;
    out->has_vmlab_note = true;
    if (!image_has(img, sh->sh_offset, sh->sh_size) || sh->sh_size < sizeof(nh)) {
        return;
    }
    memcpy(&nh, img->bytes + sh->sh_offset, sizeof(nh));
    uint64_t name_room = ((uint64_t)nh.n_namesz + 3) / 4 * 4;
    uint64_t body = name_room + ((uint64_t)nh.n_descsz + 3) / 4 * 4;
    if (body <= sh->sh_size - sizeof(nh)) {
        const char *name = (const char *)img->bytes + sh->sh_offset + sizeof(nh);
        const char *desc = name + name_room;
        out->vmlab_note_type = nh.n_type;
        out->is_pv_direct = nh.n_type == VMLAB_NOTE_PARAVIRT &&
                            nh.n_namesz == sizeof(VMLAB_NOTE_NAME) &&
                            memcmp(name, VMLAB_NOTE_NAME, sizeof(VMLAB_NOTE_NAME)) == 0 &&
                            nh.n_descsz == sizeof(VMLAB_NOTE_PV_DIRECT) &&
                            memcmp(desc, VMLAB_NOTE_PV_DIRECT, sizeof(VMLAB_NOTE_PV_DIRECT)) == 0;
    }
}

static void scan_sections(const struct image *img, const struct sections *sec,
                          struct loaded_image *out)
{
    for (unsigned i = 1; i < sec->count; i++) {
        Elf64_Shdr sh;
        read_shdr(img, sec, i, &sh);
        const char *name = strtab_get(sec->names, sec->names_size, sh.sh_name);
        if (sh.sh_type == SHT_SYMTAB) {
            scan_symtab(img, sec, &sh, out);
        } else if (name && strcmp(name, ".note.vmlab") == 0) {
            scan_vmlab_note(img, &sh, out);
        }
    }
}

/* ------------------------------------------------------------------ copy */

static int write_zeros(struct gmem *gm, gpa_t gpa, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len > 0) {
        size_t chunk = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
        if (gmem_write(gm, gpa, zeros, chunk) != 0) {
            return -EFAULT;
        }
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

static void note_range(struct loaded_image *out, gpa_t gpa, uint64_t len)
{
    if (len == 0) {
        return;
    }
    if (gpa < out->lowest) {
        out->lowest = gpa;
    }
    if (gpa + len > out->highest) {
        out->highest = gpa + len;
    }
}

static int copy_segment(struct gmem *gm, const struct image *img, const Elf64_Phdr *ph, char *err,
                        size_t errlen)
{
    if (gmem_write(gm, ph->p_paddr, img->bytes + ph->p_offset, ph->p_filesz) != 0 ||
        write_zeros(gm, ph->p_paddr + ph->p_filesz, ph->p_memsz - ph->p_filesz) != 0) {
        return fail(err, errlen, -EFAULT, img->path,
                    "cannot write GPA 0x%llx-0x%llx: not RAM or ROM in this VM",
                    (unsigned long long)ph->p_paddr,
                    (unsigned long long)(ph->p_paddr + ph->p_memsz - 1));
    }
    return 0;
}

/* e_entry is virtual; if it lies in a segment loaded elsewhere, convert it. */
static gpa_t entry_gpa(const struct image *img, const Elf64_Ehdr *eh)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(img, eh, i, &ph);
        if (ph.p_type == PT_LOAD && eh->e_entry >= ph.p_vaddr &&
            eh->e_entry - ph.p_vaddr < ph.p_memsz) {
            return ph.p_paddr + (eh->e_entry - ph.p_vaddr);
        }
    }
    return eh->e_entry;
}

static int elf_check_all(const struct gmem *gm, const struct loader_opts *opts,
                         const struct image *img, Elf64_Ehdr *eh, struct sections *sec, char *err,
                         size_t errlen)
{
    int rc = check_ehdr(img, eh, err, errlen);
    unsigned loads = 0;
    for (unsigned i = 0; rc == 0 && i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(img, eh, i, &ph);
        if (ph.p_type == PT_LOAD) {
            rc = check_segment(gm, opts, img, &ph, i, err, errlen);
            loads++;
        }
    }
    if (rc == 0 && loads == 0) {
        rc = fail(err, errlen, -ENOEXEC, img->path, "no PT_LOAD segment: nothing to load");
    }
    if (rc == 0) {
        rc = read_sections(img, eh, sec, err, errlen);
    }
    return rc;
}

static void result_init(struct loaded_image *out)
{
    memset(out, 0, sizeof(*out));
    out->lowest = UINT64_MAX;
}

int loader_load_elf(struct gmem *gm, const char *path, const struct loader_opts *opts,
                    struct loaded_image *out, char *err, size_t errlen)
{
    struct image img;
    Elf64_Ehdr eh;
    struct sections sec;
    result_init(out);
    int rc = image_read(&img, path, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = elf_check_all(gm, opts, &img, &eh, &sec, err, errlen);
    if (rc != 0) {
        goto out;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(&img, &eh, i, &ph);
        if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
            rc = copy_segment(gm, &img, &ph, err, errlen);
            if (rc != 0) {
                goto out;
            }
            note_range(out, ph.p_paddr, ph.p_memsz);
        }
    }
    out->is_elf = true;
    out->entry = entry_gpa(&img, &eh);
    scan_sections(&img, &sec, out);
out:
    free(img.bytes);
    return rc;
}

int loader_load_raw(struct gmem *gm, const char *path, gpa_t gpa, const struct loader_opts *opts,
                    struct loaded_image *out, char *err, size_t errlen)
{
    struct image img;
    result_init(out);
    int rc = image_read(&img, path, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = check_target(gm, opts, gpa, img.size, path, "raw image", err, errlen);
    if (rc == 0 && gmem_write(gm, gpa, img.bytes, img.size) != 0) {
        rc = fail(err, errlen, -EFAULT, path, "cannot write GPA 0x%llx: not RAM or ROM",
                  (unsigned long long)gpa);
    }
    if (rc == 0) {
        out->entry = gpa;
        note_range(out, gpa, img.size);
    }
    free(img.bytes);
    return rc;
}

/*
 * A raw image is machine code, so it is never all printable text: a file
 * whose first bytes are all text (a README, a script, a .S source given by
 * mistake) is refused instead of being executed as garbage.
 */
static bool looks_like_text(const uint8_t *head, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        bool is_text = (head[i] >= 0x20 && head[i] < 0x7f) || head[i] == '\n' || head[i] == '\r' ||
                       head[i] == '\t';
        if (!is_text) {
            return false;
        }
    }
    return true;
}

#define LOADER_SNIFF_BYTES 256

int loader_load_image(struct gmem *gm, const char *path, gpa_t raw_gpa,
                      const struct loader_opts *opts, struct loaded_image *out, char *err,
                      size_t errlen)
{
    uint8_t head[LOADER_SNIFF_BYTES] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(head, 1, sizeof(head), f) : 0;
    if (f) {
        fclose(f);
    }
    if (got >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
        return loader_load_elf(gm, path, opts, out, err, errlen);
    }
    if (looks_like_text(head, got)) {
        snprintf(err, errlen,
                 "%s: a text file, not an ELF or a raw RISC-V binary: give the guest built "
                 "with riscv64-unknown-elf-gcc (ELF, or objcopy -O binary)",
                 path);
        return -ENOEXEC;
    }
    return loader_load_raw(gm, path, raw_gpa, opts, out, err, errlen);
}

int loader_load(struct gmem *gm, const char *path, gpa_t raw_gpa, struct loaded_image *out,
                char *err, size_t errlen)
{
    return loader_load_image(gm, path, raw_gpa, NULL, out, err, errlen);
}
