/*
 * mmu/hostmem.c - host "physical" memory: one region vmlab owns, cut into
 * 4 KiB frames by a bitmap frame allocator. Guest RAM, ROM and (later)
 * stage-2 and shadow tables are all frames in it; an HPA is the frame's
 * offset in the region plus HOSTMEM_HPA_BASE.
 * Course: 内存虚拟化 / 三种地址 (HPA: 宿主机物理地址), 为虚拟机分配物理内存.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       and §8.5 "Two-Stage Address Translation" (naturally aligned
 *       superpages: a 2 MiB leaf needs a 512-frame run aligned to 2 MiB).
 *
 * Simplified: one mmap'd region; first-fit search over the bitmap for a
 * naturally aligned run of 2^k free frames. Free frames are always zero:
 * the region starts zeroed and a freed run is wiped (madvise for big runs,
 * memset otherwise), so an allocation hands out zeroed frames without
 * touching them.
 *
 *   region:  | frame 0 | frame 1 | ... | frame N-1 |
 *   HPA:       BASE      BASE+4K         BASE+(N-1)*4K
 *   bitmap:  bit i = 1  <=>  frame i is allocated
 */
#include "mmu/mmu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BITS_PER_WORD 64
/* Runs at least this long are wiped by handing the pages back to the host. */
#define HOSTMEM_MADVISE_FRAMES 16
/* 2^36 frames = 256 TiB: more than any host gives; keeps shifts from overflowing. */
#define HOSTMEM_MAX_FRAMES (1ull << 36)

struct hostmem {
    uint8_t *base;       /* host pointer of frame 0 */
    uint64_t nframes;    /* frames in the region */
    uint64_t nfree;      /* frames not allocated */
    uint64_t first_free; /* every frame below this one is allocated */
    uint64_t *bitmap;    /* 1 = allocated */
};

/* A broken invariant in vmlab itself (STYLE.md §6, kind 3). */
static void hostmem_panic(const char *what)
{
    fprintf(stderr, "vmlab: internal error: %s\n", what);
    abort();
}

struct hostmem *hostmem_create(uint64_t bytes)
{
    struct hostmem *hm;
    uint64_t nframes = (bytes + PAGE_MASK) >> PAGE_SHIFT;

    if (nframes == 0 || nframes > HOSTMEM_MAX_FRAMES) {
        return NULL;
    }
    hm = calloc(1, sizeof(*hm));
    if (!hm) {
        return NULL;
    }
    hm->bitmap = calloc((nframes + BITS_PER_WORD - 1) / BITS_PER_WORD, sizeof(uint64_t));
    hm->base = mmap(NULL, nframes << PAGE_SHIFT, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!hm->bitmap || hm->base == MAP_FAILED) {
        if (hm->base != MAP_FAILED) {
            munmap(hm->base, nframes << PAGE_SHIFT);
        }
        free(hm->bitmap);
        free(hm);
        return NULL;
    }
    hm->nframes = nframes;
    hm->nfree = nframes;
    return hm;
}

void hostmem_destroy(struct hostmem *hm)
{
    if (!hm) {
        return;
    }
    munmap(hm->base, hm->nframes << PAGE_SHIFT);
    free(hm->bitmap);
    free(hm);
}

static bool frame_is_used(const struct hostmem *hm, uint64_t frame)
{
    return (hm->bitmap[frame / BITS_PER_WORD] >> (frame % BITS_PER_WORD)) & 1;
}

/* Are frames [first, first + n) all free? Whole words at a time where possible. */
static bool run_is_free(const struct hostmem *hm, uint64_t first, uint64_t n)
{
    uint64_t frame = first;

    while (frame < first + n) {
        if (frame % BITS_PER_WORD == 0 && first + n - frame >= BITS_PER_WORD) {
            if (hm->bitmap[frame / BITS_PER_WORD] != 0) {
                return false;
            }
            frame += BITS_PER_WORD;
        } else {
            if (frame_is_used(hm, frame)) {
                return false;
            }
            frame++;
        }
    }
    return true;
}

/* Mark frames [first, first + n) allocated (is_used) or free. */
static void run_mark(struct hostmem *hm, uint64_t first, uint64_t n, bool is_used)
{
    for (uint64_t frame = first; frame < first + n; frame++) {
        uint64_t bit = 1ull << (frame % BITS_PER_WORD);
        if (is_used) {
            hm->bitmap[frame / BITS_PER_WORD] |= bit;
        } else {
            hm->bitmap[frame / BITS_PER_WORD] &= ~bit;
        }
    }
}

int hostmem_alloc(struct hostmem *hm, uint64_t nframes, hpa_t *out_hpa)
{
    uint64_t first;

    if (nframes == 0 || (nframes & (nframes - 1)) || nframes > hm->nfree) {
        return -ENOMEM;
    }
    /* natural alignment: a run of 2^k frames starts at a multiple of 2^k */
    first = (hm->first_free + nframes - 1) & ~(nframes - 1);
    for (; first + nframes <= hm->nframes; first += nframes) {
        if (run_is_free(hm, first, nframes)) {
            run_mark(hm, first, nframes, true);
            hm->nfree -= nframes;
            if (first == hm->first_free) {
                hm->first_free = first + nframes;
            }
            *out_hpa = HOSTMEM_HPA_BASE + (first << PAGE_SHIFT);
            return 0;
        }
    }
    return -ENOMEM;
}

/* Wipe a run being freed so that free frames stay zero. */
static void run_wipe(struct hostmem *hm, uint64_t first, uint64_t n)
{
    uint8_t *host = hm->base + (first << PAGE_SHIFT);

    if (n >= HOSTMEM_MADVISE_FRAMES && madvise(host, n << PAGE_SHIFT, MADV_DONTNEED) == 0) {
        return; /* private anonymous pages read back as zero */
    }
    memset(host, 0, n << PAGE_SHIFT);
}

void hostmem_free(struct hostmem *hm, hpa_t hpa, uint64_t nframes)
{
    uint64_t first;

    if (hpa < HOSTMEM_HPA_BASE || (hpa & PAGE_MASK) || nframes == 0) {
        hostmem_panic("hostmem_free: not a frame run");
    }
    first = (hpa - HOSTMEM_HPA_BASE) >> PAGE_SHIFT;
    if (first >= hm->nframes || nframes > hm->nframes - first) {
        hostmem_panic("hostmem_free: run outside host memory");
    }
    for (uint64_t frame = first; frame < first + nframes; frame++) {
        if (!frame_is_used(hm, frame)) {
            hostmem_panic("hostmem_free: double free");
        }
    }
    run_wipe(hm, first, nframes);
    run_mark(hm, first, nframes, false);
    hm->nfree += nframes;
    if (first < hm->first_free) {
        hm->first_free = first;
    }
}

uint64_t hostmem_free_frames(const struct hostmem *hm)
{
    return hm->nfree;
}

uint64_t hostmem_total_frames(const struct hostmem *hm)
{
    return hm->nframes;
}

uint8_t *hostmem_ptr(const struct hostmem *hm, hpa_t hpa)
{
    if (hpa < HOSTMEM_HPA_BASE || hpa - HOSTMEM_HPA_BASE >= (hm->nframes << PAGE_SHIFT)) {
        return NULL;
    }
    return hm->base + (hpa - HOSTMEM_HPA_BASE);
}
