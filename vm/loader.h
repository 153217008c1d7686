/*
 * vm/loader.h - put a guest image into guest-physical memory: an ELF64
 * RISC-V executable at its physical addresses, or a raw image at a GPA.
 * Course: 处理器虚拟化 / 创建虚拟机: load the guest's code into the memory
 *         the VMM gave it (QEMU's -kernel / -bios loading).
 */
#ifndef VMLAB_VM_LOADER_H
#define VMLAB_VM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/types.h"

/* A GPA window outside RAM that an image may also be loaded into (a ROM). */
struct loader_window {
    gpa_t gpa;
    uint64_t size;
};

/* Where an image may go: the gmem's RAM, plus these ROM windows. */
struct loader_opts {
    const struct loader_window *rom; /* may be NULL */
    unsigned n_rom;
};

struct loaded_image {
    gpa_t entry;   /* ELF: e_entry (as a physical address); raw: the load GPA */
    gpa_t lowest;  /* lowest GPA written */
    gpa_t highest; /* one past the highest GPA written: [lowest, highest) */
    bool is_elf;
    bool has_tohost; /* the ELF defines `tohost` (riscv-tests HTIF) */
    gpa_t tohost;
    gpa_t fromhost;           /* 0 when there is no `fromhost` symbol */
    bool has_vmlab_note;      /* the ELF has a `.note.vmlab` section (paravirtual guest) */
    uint32_t vmlab_note_type; /* n_type of its first note, 0 if none is well formed */
    /* that note is name "vmlab", type 1, desc "pv-direct-paging" (--mmu direct) */
    bool is_pv_direct;
};

/* The note a direct-paging guest carries (docs/direct-paging.md). */
#define VMLAB_NOTE_NAME      "vmlab"
#define VMLAB_NOTE_PARAVIRT  1
#define VMLAB_NOTE_PV_DIRECT "pv-direct-paging"

/*
 * Load an ELF64 little-endian RISC-V ET_EXEC: check everything first, then
 * copy every PT_LOAD segment (p_paddr .. + p_memsz) with gmem_write and
 * zero-fill its bss. Returns 0, or a negative errno after writing one line
 * ("PATH: what is wrong: what to do"; the caller prefixes "vmlab: ") into
 * err; nothing is written to guest memory on failure. opts may be NULL (RAM only).
 */
__attribute__((warn_unused_result)) int loader_load_elf(struct gmem *gm, const char *path,
                                                        const struct loader_opts *opts,
                                                        struct loaded_image *out, char *err,
                                                        size_t errlen);

/* Load a whole file at `gpa` with the same checks. 0 or a negative errno + err. */
__attribute__((warn_unused_result)) int loader_load_raw(struct gmem *gm, const char *path,
                                                        gpa_t gpa, const struct loader_opts *opts,
                                                        struct loaded_image *out, char *err,
                                                        size_t errlen);

/* An ELF (by its magic) goes through loader_load_elf, anything else is raw at raw_gpa. */
__attribute__((warn_unused_result)) int
loader_load_image(struct gmem *gm, const char *path, gpa_t raw_gpa, const struct loader_opts *opts,
                  struct loaded_image *out, char *err, size_t errlen);
/* loader_load_image into RAM only (no ROM windows). */
__attribute__((warn_unused_result)) int loader_load(struct gmem *gm, const char *path,
                                                    gpa_t raw_gpa, struct loaded_image *out,
                                                    char *err, size_t errlen);

#endif
