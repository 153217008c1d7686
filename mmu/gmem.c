/*
 * mmu/gmem.c - the guest-physical map of one VM: which GPA is RAM, ROM, a
 * device window or nothing, and for RAM/ROM which host frame backs it.
 * Course: 内存虚拟化 / 为虚拟机提供虚拟的物理地址空间 (GPA -> HPA:
 *         guest RAM is made of host frames, not one contiguous copy).
 * Spec: Privileged 20211203, §3.6 "Physical Memory Attributes" (what an
 *       address is: main memory, I/O, or vacant -> access fault).
 *
 * RAM is taken from host memory in 2 MiB runs (512 frames, naturally
 * aligned, so a later stage-2 table can map a run with one 2 MiB leaf) and
 * the runs are handed to GPA chunks in reverse order, so GPA != HPA can be
 * seen in every translation:
 *
 *   GPA chunk:   [ram_base + 0] [ram_base + 2M] ... [ram_base + (n-1)*2M]
 *   host run:    run[n-1]       run[n-2]        ...  run[0]
 *
 * Lookups are O(1): a table per 2 MiB chunk (its run's HPA and host
 * pointer) plus one GPAGE_* flags byte per 4 KiB page (16 MiB of flags for
 * 64 GiB of RAM, where a full per-page record would take 384 MiB). ROM
 * regions are frames too (one run each); MMIO windows are just ranges.
 *
 * Simplified: a fixed number of ROM regions and MMIO windows. The reset
 * snapshot keeps only the non-zero pages (a bitmap says which; a zero page
 * is restored by zeroing); gmem_restore does not touch the GPAGE_* flags: the CPU drops its
 * decoded code itself on reset, and a flag left set only costs a slow path.
 */
#include "mmu/mmu.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define GMEM_RUN_FRAMES 512ull /* 2 MiB */
#define GMEM_RUN_SIZE   (GMEM_RUN_FRAMES << PAGE_SHIFT)
#define GMEM_MAX_ROMS   8
#define GMEM_MAX_MMIO   32

/* Where one 4 KiB page of RAM or ROM lives, and its flags byte. */
/*
 * Besides the public GPAGE_* bits, a page's flags byte records whether the
 * VMM ever wrote it (loader, device tree, boot ROM). Frames come zeroed from
 * hostmem and the guest has not run when the reset snapshot is taken, so
 * only those pages can hold anything: the snapshot reads no other page
 * (touching all of RAM would cost ~40 ms per 128 MiB at every start).
 */
#define GPAGE_PUBLIC_FLAGS                                                                         \
    (GPAGE_CODE | GPAGE_WATCH | GPAGE_PT_PINNED | GPAGE_SHADOW_PT | GPAGE_WATCH_DEBUG)
#define GPAGE_VMM_WRITTEN (1u << 7)

struct gpage_ref {
    enum gpa_kind kind;
    hpa_t hpa;
    uint8_t *host;
    uint8_t *flags; /* GPAGE_* */
};

/* One 2 MiB chunk of RAM: the host run behind it. */
struct gchunk {
    hpa_t hpa;
    uint8_t *host;
};

struct gmem_rom {
    gpa_t gpa;
    uint64_t npages;
    hpa_t run_hpa; /* its frames: one naturally aligned run */
    uint8_t *run_host;
    uint64_t run_frames; /* npages rounded up to a power of two */
    uint8_t *flags;      /* per page */
};

struct gmem_mmio {
    gpa_t gpa;
    uint64_t size;
};

/* The reset snapshot: a copy of every non-zero RAM/ROM page, in page order. */
struct gmem_snapshot {
    uint64_t npages;   /* backed pages when it was taken */
    uint64_t *nonzero; /* bitmap over those pages: 1 = its copy is in data */
    uint8_t *data;
};

struct gmem {
    struct hostmem *hm;
    gpa_t ram_base;
    uint64_t ram_size;
    uint64_t ram_npages;
    uint64_t nchunks;     /* 2 MiB chunks of RAM (the last may be partly used) */
    struct gchunk *chunk; /* per GPA chunk */
    hpa_t *runs;          /* the runs in allocation order (reversed onto the chunks) */
    uint64_t *run_frames; /* each run's size */
    uint64_t nruns;
    bool big_runs;       /* whole GiBs on 1 GiB runs */
    bool lazy;           /* runs taken on first use (gmem_back), not at creation */
    uint64_t ram_frames; /* host frames backing RAM now */
    uint8_t *ram_flags;  /* per RAM page */
    struct gmem_rom rom[GMEM_MAX_ROMS];
    unsigned nrom;
    struct gmem_mmio mmio[GMEM_MAX_MMIO];
    unsigned nmmio;
    struct gmem_snapshot snap;
    gmem_code_written_fn code_written; /* the hart's decoded-code cache (NULL: none) */
    void *code_written_ctx;
};

/* ------------------------------------------------------------- building */

/*
 * With big runs (gmem_create_big): the whole GiBs of RAM get one 1 GiB run
 * each (GMEM_BIG_CHUNKS chunks), in reverse order too, the rest 2 MiB runs.
 */
#define GMEM_BIG_FRAMES (GMEM_RUN_FRAMES * 512ull) /* 1 GiB */
#define GMEM_BIG_CHUNKS 512ull

/* Take n runs of `frames` each into gm->runs[first..]; give chunk c its part. */
static int gmem_take_runs(struct gmem *gm, uint64_t first_chunk, uint64_t nruns, uint64_t frames)
{
    uint64_t chunks_per_run = frames / GMEM_RUN_FRAMES;

    for (uint64_t r = 0; r < nruns; r++) {
        if (hostmem_alloc(gm->hm, frames, &gm->runs[gm->nruns]) != 0) {
            return -ENOMEM; /* the runs taken so far get freed */
        }
        gm->run_frames[gm->nruns++] = frames;
        gm->ram_frames += frames;
    }
    for (uint64_t r = 0; r < nruns; r++) {
        hpa_t run_hpa = gm->runs[gm->nruns - 1 - r]; /* reversed: GPA != HPA */
        for (uint64_t k = 0; k < chunks_per_run; k++) {
            struct gchunk *chunk = &gm->chunk[first_chunk + r * chunks_per_run + k];
            chunk->hpa = run_hpa + k * GMEM_RUN_SIZE;
            chunk->host = hostmem_ptr(gm->hm, chunk->hpa);
        }
    }
    return 0;
}

/* Back RAM with runs assigned to GPA chunks in reverse order (lazily: none yet). */
static int gmem_build_ram(struct gmem *gm, bool big_runs)
{
    uint64_t nchunks = (gm->ram_size + GMEM_RUN_SIZE - 1) / GMEM_RUN_SIZE;
    uint64_t nbig = big_runs ? nchunks / GMEM_BIG_CHUNKS : 0;

    gm->big_runs = big_runs;
    gm->runs = calloc(nchunks, sizeof(*gm->runs));
    gm->run_frames = calloc(nchunks, sizeof(*gm->run_frames));
    gm->chunk = calloc(nchunks, sizeof(*gm->chunk));
    gm->ram_flags = calloc(gm->ram_npages, sizeof(*gm->ram_flags));
    if (!gm->runs || !gm->run_frames || !gm->chunk || !gm->ram_flags) {
        return -ENOMEM;
    }
    gm->nchunks = nchunks;
    if (gm->lazy) {
        return 0;
    }
    if (gmem_take_runs(gm, 0, nbig, GMEM_BIG_FRAMES) != 0) {
        return -ENOMEM;
    }
    return gmem_take_runs(gm, nbig * GMEM_BIG_CHUNKS, nchunks - nbig * GMEM_BIG_CHUNKS,
                          GMEM_RUN_FRAMES);
}

struct gmem *gmem_create(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size)
{
    return gmem_create_big(hm, ram_base, ram_size, false);
}

struct gmem *gmem_create_big(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size, bool big_runs)
{
    return gmem_create_lazy(hm, ram_base, ram_size, big_runs, false);
}

struct gmem *gmem_create_lazy(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size, bool big_runs,
                              bool lazy)
{
    struct gmem *gm;

    if (!hm || ram_size == 0 || (ram_base & PAGE_MASK) || (ram_size & PAGE_MASK) ||
        ram_base + (ram_size - 1) < ram_base) {
        return NULL;
    }
    gm = calloc(1, sizeof(*gm));
    if (!gm) {
        return NULL;
    }
    gm->hm = hm;
    gm->ram_base = ram_base;
    gm->ram_size = ram_size;
    gm->ram_npages = ram_size >> PAGE_SHIFT;
    gm->lazy = lazy;
    if (gmem_build_ram(gm, big_runs) != 0) {
        gmem_destroy(gm);
        return NULL;
    }
    return gm;
}

void gmem_destroy(struct gmem *gm)
{
    if (!gm) {
        return;
    }
    for (uint64_t r = 0; r < gm->nruns; r++) {
        hostmem_free(gm->hm, gm->runs[r], gm->run_frames[r]);
    }
    for (unsigned i = 0; i < gm->nrom; i++) {
        hostmem_free(gm->hm, gm->rom[i].run_hpa, gm->rom[i].run_frames);
        free(gm->rom[i].flags);
    }
    free(gm->snap.nonzero);
    free(gm->snap.data);
    free(gm->runs);
    free(gm->run_frames);
    free(gm->chunk);
    free(gm->ram_flags);
    free(gm);
}

gpa_t gmem_ram_base(const struct gmem *gm)
{
    return gm->ram_base;
}

uint64_t gmem_ram_size(const struct gmem *gm)
{
    return gm->ram_size;
}

struct hostmem *gmem_hostmem(const struct gmem *gm)
{
    return gm->hm;
}

/* Do [a, a_last] and [b, b_last] (inclusive ends) share a byte? */
static bool gpa_ranges_overlap(gpa_t a, gpa_t a_last, gpa_t b, gpa_t b_last)
{
    return a <= b_last && b <= a_last;
}

/* Is any byte of [gpa, last] already RAM, ROM or a device window? */
static bool gmem_range_is_taken(const struct gmem *gm, gpa_t gpa, gpa_t last)
{
    if (gpa_ranges_overlap(gpa, last, gm->ram_base, gm->ram_base + gm->ram_size - 1)) {
        return true;
    }
    for (unsigned i = 0; i < gm->nrom; i++) {
        const struct gmem_rom *rom = &gm->rom[i];
        gpa_t rom_last = rom->gpa + (rom->npages << PAGE_SHIFT) - 1;
        if (gpa_ranges_overlap(gpa, last, rom->gpa, rom_last)) {
            return true;
        }
    }
    for (unsigned i = 0; i < gm->nmmio; i++) {
        const struct gmem_mmio *win = &gm->mmio[i];
        if (gpa_ranges_overlap(gpa, last, win->gpa, win->gpa + win->size - 1)) {
            return true;
        }
    }
    return false;
}

/* The smallest power of two >= n (n >= 1). */
static uint64_t round_up_pow2(uint64_t n)
{
    uint64_t p = 1;

    while (p < n) {
        p <<= 1;
    }
    return p;
}

int gmem_add_rom(struct gmem *gm, gpa_t gpa, uint64_t size)
{
    struct gmem_rom *rom;
    uint64_t npages = (size + PAGE_MASK) >> PAGE_SHIFT;

    if (size == 0 || (gpa & PAGE_MASK) || npages > (UINT64_MAX >> PAGE_SHIFT) ||
        gpa + ((npages << PAGE_SHIFT) - 1) < gpa) {
        return -EINVAL;
    }
    if (gm->nrom == GMEM_MAX_ROMS) {
        return -ENOSPC;
    }
    if (gmem_range_is_taken(gm, gpa, gpa + (npages << PAGE_SHIFT) - 1)) {
        return -EEXIST;
    }
    rom = &gm->rom[gm->nrom];
    rom->flags = calloc(npages, sizeof(*rom->flags));
    rom->run_frames = round_up_pow2(npages);
    if (!rom->flags || hostmem_alloc(gm->hm, rom->run_frames, &rom->run_hpa) != 0) {
        free(rom->flags);
        rom->flags = NULL;
        return -ENOMEM;
    }
    rom->run_host = hostmem_ptr(gm->hm, rom->run_hpa);
    rom->gpa = gpa;
    rom->npages = npages;
    gm->nrom++;
    return 0;
}

int gmem_add_mmio(struct gmem *gm, gpa_t gpa, uint64_t size)
{
    if (size == 0 || gpa + (size - 1) < gpa) {
        return -EINVAL;
    }
    if (gm->nmmio == GMEM_MAX_MMIO) {
        return -ENOSPC;
    }
    if (gmem_range_is_taken(gm, gpa, gpa + size - 1)) {
        return -EEXIST;
    }
    gm->mmio[gm->nmmio].gpa = gpa;
    gm->mmio[gm->nmmio].size = size;
    gm->nmmio++;
    return 0;
}

/* ------------------------------------------------------------- lookups */

/* The RAM or ROM page holding gpa: true and *out, or false (MMIO or nothing). */
static bool gmem_page(const struct gmem *gm, gpa_t gpa, struct gpage_ref *out)
{
    if (gpa - gm->ram_base < gm->ram_size) {
        uint64_t page = (gpa - gm->ram_base) >> PAGE_SHIFT;
        const struct gchunk *chunk = &gm->chunk[page / GMEM_RUN_FRAMES];
        uint64_t offset = (page % GMEM_RUN_FRAMES) << PAGE_SHIFT;
        out->kind = GPA_RAM;
        out->hpa = chunk->host ? chunk->hpa + offset : 0; /* lazy and not backed yet: 0, NULL */
        out->host = chunk->host ? chunk->host + offset : NULL;
        out->flags = &gm->ram_flags[page];
        return true;
    }
    for (unsigned i = 0; i < gm->nrom; i++) {
        const struct gmem_rom *rom = &gm->rom[i];
        if (gpa - rom->gpa < (rom->npages << PAGE_SHIFT)) {
            uint64_t page = (gpa - rom->gpa) >> PAGE_SHIFT;
            out->kind = GPA_ROM;
            out->hpa = rom->run_hpa + (page << PAGE_SHIFT);
            out->host = rom->run_host + (page << PAGE_SHIFT);
            out->flags = &rom->flags[page];
            return true;
        }
    }
    return false;
}

void gmem_lookup(const struct gmem *gm, gpa_t gpa, struct gpa_info *out)
{
    struct gpage_ref page;

    out->kind = GPA_NONE;
    out->hpa_page = 0;
    out->host_page = NULL;
    out->page_flags = 0;
    if (gmem_page(gm, gpa, &page)) {
        out->kind = page.kind;
        out->hpa_page = page.hpa;
        out->host_page = page.host;
        out->page_flags = *page.flags & GPAGE_PUBLIC_FLAGS;
        return;
    }
    for (unsigned i = 0; i < gm->nmmio; i++) {
        if (gpa - gm->mmio[i].gpa < gm->mmio[i].size) {
            out->kind = GPA_MMIO;
            return;
        }
    }
}

void gmem_set_page_flags(struct gmem *gm, gpa_t gpa, unsigned flags)
{
    struct gpage_ref page;

    if (gmem_page(gm, gpa, &page)) {
        *page.flags = (uint8_t)(*page.flags | flags);
    }
}

void gmem_clear_page_flags(struct gmem *gm, gpa_t gpa, unsigned flags)
{
    struct gpage_ref page;

    if (gmem_page(gm, gpa, &page)) {
        *page.flags = (uint8_t)(*page.flags & ~flags);
    }
}

/*
 * Is [gpa, gpa + size) (size a power of two >= 4 KiB, gpa aligned to it)
 * all RAM, or all one ROM, and backed by host frames that are contiguous
 * from an HPA aligned to size? Then one stage-2 leaf of that size can map
 * it: *out_hpa is where, *out_is_rom what.
 */
bool gmem_host_run(const struct gmem *gm, gpa_t gpa, uint64_t size, hpa_t *out_hpa,
                   bool *out_is_rom)
{
    struct gpage_ref first, last;

    if (size < PAGE_SIZE || (gpa & (size - 1)) || gpa + (size - 1) < gpa ||
        !gmem_page(gm, gpa, &first) || !gmem_page(gm, gpa + size - PAGE_SIZE, &last) ||
        !first.host || !last.host || first.kind != last.kind || (first.hpa & (size - 1)) ||
        last.hpa != first.hpa + size - PAGE_SIZE) {
        return false;
    }
    if (first.kind == GPA_RAM && size > GMEM_RUN_SIZE) {
        uint64_t c0 = (gpa - gm->ram_base) / GMEM_RUN_SIZE;
        for (uint64_t c = c0 + 1; c < c0 + size / GMEM_RUN_SIZE; c++) {
            if (!gm->chunk[c].host || gm->chunk[c].hpa != gm->chunk[c - 1].hpa + GMEM_RUN_SIZE) {
                return false;
            }
        }
    }
    if (first.kind == GPA_ROM && last.host != first.host + size - PAGE_SIZE) {
        return false; /* two ROM regions side by side */
    }
    *out_hpa = first.hpa;
    *out_is_rom = first.kind == GPA_ROM;
    return true;
}

bool gmem_gpa_of_hpa(const struct gmem *gm, hpa_t hpa, gpa_t *out_gpa)
{
    for (uint64_t c = 0; c < gm->nchunks; c++) {
        if (gm->chunk[c].host && hpa - gm->chunk[c].hpa < GMEM_RUN_SIZE) {
            gpa_t gpa = gm->ram_base + c * GMEM_RUN_SIZE + (hpa - gm->chunk[c].hpa);
            if (gpa - gm->ram_base >= gm->ram_size) {
                return false; /* the unused tail of the last run */
            }
            *out_gpa = gpa;
            return true;
        }
    }
    for (unsigned i = 0; i < gm->nrom; i++) {
        const struct gmem_rom *rom = &gm->rom[i];
        if (hpa - rom->run_hpa < (rom->npages << PAGE_SHIFT)) {
            *out_gpa = rom->gpa + (hpa - rom->run_hpa);
            return true;
        }
    }
    return false;
}

int gmem_back(struct gmem *gm, gpa_t gpa)
{
    uint64_t c = (gpa - gm->ram_base) / GMEM_RUN_SIZE;
    uint64_t nbig = gm->big_runs ? gm->nchunks / GMEM_BIG_CHUNKS : 0;

    if (gpa - gm->ram_base >= gm->ram_size || gm->chunk[c].host) {
        return 0; /* not RAM (ROM is always backed), or backed already */
    }
    if (c < nbig * GMEM_BIG_CHUNKS) {
        return gmem_take_runs(gm, c - c % GMEM_BIG_CHUNKS, 1, GMEM_BIG_FRAMES);
    }
    return gmem_take_runs(gm, c, 1, GMEM_RUN_FRAMES);
}

uint64_t gmem_ram_frames(const struct gmem *gm)
{
    return gm->ram_frames;
}

/* ------------------------------------------------------ bounded copies */

/* Is every byte of [gpa, gpa + len) RAM or ROM? Checks gpa + len for wrap. */
static bool gmem_range_is_backed(const struct gmem *gm, gpa_t gpa, size_t len)
{
    struct gpage_ref ref;
    gpa_t last = gpa + (len - 1);

    if (last < gpa) {
        return false;
    }
    for (gpa_t page = gpa & ~PAGE_MASK;; page += PAGE_SIZE) {
        if (!gmem_page(gm, page, &ref)) {
            return false;
        }
        if (page == (last & ~PAGE_MASK)) {
            return true;
        }
    }
}

/*
 * The host bytes for the part of [gpa, gpa + len) that lies in gpa's page;
 * *out_chunk says how many. Only for ranges gmem_range_is_backed() accepted.
 */
static uint8_t *gmem_chunk(const struct gmem *gm, gpa_t gpa, size_t len, size_t *out_chunk)
{
    struct gpage_ref page;
    size_t chunk = PAGE_SIZE - (gpa & PAGE_MASK);

    bool is_backed = gmem_page(gm, gpa, &page);
    assert(is_backed); /* a vmlab bug otherwise: the caller checked the range */
    (void)is_backed;
    *out_chunk = chunk < len ? chunk : len;
    return page.host ? page.host + (gpa & PAGE_MASK) : NULL;
}

/*
 * A VMM write (loader, SBI, a device's DMA): mark the page for the reset
 * snapshot, and tell the hart if it had decoded instructions there, so the
 * guest runs the new bytes (a DMA over code, as a disk load then `go`).
 */
static void gmem_mark_vmm_written(struct gmem *gm, gpa_t gpa)
{
    struct gpage_ref page;
    if (!gmem_page(gm, gpa, &page)) {
        return;
    }
    *page.flags |= GPAGE_VMM_WRITTEN;
    if ((*page.flags & GPAGE_CODE) && gm->code_written) {
        gm->code_written(gm->code_written_ctx, gpa & ~(gpa_t)PAGE_MASK);
    }
}

void gmem_set_code_written_hook(struct gmem *gm, gmem_code_written_fn fn, void *ctx)
{
    gm->code_written = fn;
    gm->code_written_ctx = ctx;
}

int gmem_read(const struct gmem *gm, gpa_t gpa, void *buf, size_t len)
{
    uint8_t *dst = buf;

    if (len != 0 && !gmem_range_is_backed(gm, gpa, len)) {
        return -EFAULT;
    }
    while (len > 0) {
        size_t chunk;
        const uint8_t *host = gmem_chunk(gm, gpa, len, &chunk);
        if (host) {
            memcpy(dst, host, chunk);
        } else {
            memset(dst, 0, chunk); /* RAM not backed yet reads as the zeros it will start as */
        }
        dst += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int gmem_write(struct gmem *gm, gpa_t gpa, const void *buf, size_t len)
{
    const uint8_t *src = buf;

    if (len != 0 && !gmem_range_is_backed(gm, gpa, len)) {
        return -EFAULT;
    }
    while (len > 0) {
        size_t chunk;
        uint8_t *host;
        if (gmem_back(gm, gpa) != 0) {
            return -ENOMEM;
        }
        host = gmem_chunk(gm, gpa, len, &chunk);
        memcpy(host, src, chunk);
        gmem_mark_vmm_written(gm, gpa);
        src += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

/* -------------------------------------------------------------- reset */

/* Backed pages in snapshot order: RAM pages, then each ROM's pages. */
static uint64_t gmem_backed_npages(const struct gmem *gm)
{
    uint64_t n = gm->ram_npages;

    for (unsigned i = 0; i < gm->nrom; i++) {
        n += gm->rom[i].npages;
    }
    return n;
}

/* Backed page `index` (RAM pages first, then each ROM's): its host bytes and flags. */
static void gmem_backed_page(const struct gmem *gm, uint64_t index, struct gpage_ref *out)
{
    if (index < gm->ram_npages) {
        gmem_page(gm, gm->ram_base + (index << PAGE_SHIFT), out);
        return;
    }
    index -= gm->ram_npages;
    for (unsigned i = 0; i < gm->nrom; i++) {
        if (index < gm->rom[i].npages) {
            gmem_page(gm, gm->rom[i].gpa + (index << PAGE_SHIFT), out);
            return;
        }
        index -= gm->rom[i].npages;
    }
    assert(!"gmem_backed_page: index past the backed pages"); /* a vmlab bug */
}

static bool page_is_zero(const uint8_t *host)
{
    uint64_t word;

    for (uint64_t off = 0; off < PAGE_SIZE; off += sizeof(word)) {
        memcpy(&word, host + off, sizeof(word));
        if (word != 0) {
            return false;
        }
    }
    return true;
}

static bool bit_is_set(const uint64_t *bitmap, uint64_t i)
{
    return (bitmap[i / 64] >> (i % 64)) & 1;
}

int gmem_snapshot(struct gmem *gm)
{
    uint64_t npages = gmem_backed_npages(gm);
    uint64_t *nonzero = calloc((npages + 63) / 64, sizeof(*nonzero));
    uint64_t ncopies = 0;
    uint8_t *data;

    if (!nonzero) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < npages; i++) {
        struct gpage_ref page;
        gmem_backed_page(gm, i, &page);
        if (page.host && (*page.flags & GPAGE_VMM_WRITTEN) && !page_is_zero(page.host)) {
            nonzero[i / 64] |= 1ull << (i % 64);
            ncopies++;
        }
    }
    data = malloc(ncopies ? ncopies << PAGE_SHIFT : 1);
    if (!data) {
        free(nonzero);
        return -ENOMEM;
    }
    for (uint64_t i = 0, copy = 0; i < npages; i++) {
        if (bit_is_set(nonzero, i)) {
            struct gpage_ref page;
            gmem_backed_page(gm, i, &page);
            memcpy(data + (copy++ << PAGE_SHIFT), page.host, PAGE_SIZE);
        }
    }
    free(gm->snap.nonzero);
    free(gm->snap.data);
    gm->snap.npages = npages;
    gm->snap.nonzero = nonzero;
    gm->snap.data = data;
    return 0;
}

void gmem_restore(struct gmem *gm)
{
    for (uint64_t i = 0, copy = 0; i < gm->snap.npages; i++) {
        struct gpage_ref page;
        gmem_backed_page(gm, i, &page);
        uint8_t *host = page.host;
        if (!host) {
            continue; /* lazy RAM never backed: still zero */
        }
        if (bit_is_set(gm->snap.nonzero, i)) {
            memcpy(host, gm->snap.data + (copy++ << PAGE_SHIFT), PAGE_SIZE);
        } else if (!page_is_zero(host)) {
            memset(host, 0, PAGE_SIZE); /* untouched pages stay untouched */
        }
    }
}
