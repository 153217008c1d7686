/*
 * cpu/icache.c - the decoded-instruction cache: for each guest-physical page
 * of code, one `struct insn` slot per 2-byte offset, decoded lazily the first
 * time the hart executes there, then reused on every later execution.
 * Course: 处理器虚拟化 / 解释执行 (decode once, execute many times - the step
 *         between a plain interpreter and 二进制翻译).
 * Spec: Unprivileged 20191213, §16.1 "Overview" of "C" (instructions on any
 *       2-byte boundary, hence 2048 slots per 4 KiB page).
 *
 * Keyed by GPA page, so two virtual mappings of one page share its decoded
 * code, and a store through any mapping finds it (GPAGE_CODE in gmem). Each
 * page also holds the blocks (cpu/interp.c) built from its slots: they are
 * freed with the page, so they never outlive the bytes they were decoded from.
 *
 * Lifetime rule: the hart may be executing a slot (or block) of a page when
 * a store in that same instruction drops the page (the block loop stops
 * right after such a store). Dropped pages therefore go to a
 * small graveyard and are freed only once no instruction can still be using
 * them: when later drops push them out (an instruction drops at most two
 * pages) or at icache_reclaim() between VM entries.
 *
 * Simplified: at most ICACHE_MAX_PAGES pages; when full, everything is
 * flushed (no LRU). A 32-bit instruction in the last two bytes of a page is
 * never cached (cpu/interp.c decodes it into the scratch slot every time).
 */
#include <stdlib.h>

#include "cpu/internal.h"

#define ICACHE_MAX_PAGES  1024u
#define ICACHE_BUCKETS    2048u
#define ICACHE_GRAVE_KEEP 2u /* pages one instruction can drop: a split store */

struct icache_page {
    gpa_t gpa_page;
    struct icache_page *next; /* hash chain, or graveyard list (newest first) */
    struct code_page code;
};

struct icache {
    struct icache_page *buckets[ICACHE_BUCKETS];
    struct icache_page *last; /* the page returned last: the common repeat */
    unsigned n_pages;
    struct icache_page *grave; /* dropped, not yet freed, newest first */
    unsigned n_grave;
    struct insn scratch; /* an instruction that must not be cached */
    uint64_t generation; /* changes whenever a code page is dropped */
};

static unsigned icache_bucket(gpa_t gpa_page)
{
    return (unsigned)(gpa_page >> PAGE_SHIFT) & (ICACHE_BUCKETS - 1);
}

struct icache *icache_create(void)
{
    return calloc(1, sizeof(struct icache));
}

/* A page and the blocks built on it. */
static void icache_free_page(struct icache_page *p)
{
    for (unsigned i = 0; i < CODE_PAGE_SLOTS; i++) {
        free(p->code.blocks[i]);
    }
    free(p);
}

/* Free graveyard pages beyond the newest `keep`. */
static void icache_trim_grave(struct icache *ic, unsigned keep)
{
    struct icache_page **link = &ic->grave;
    unsigned n = 0;

    while (*link && n < keep) {
        link = &(*link)->next;
        n++;
    }
    while (*link) {
        struct icache_page *dead = *link;

        *link = dead->next;
        icache_free_page(dead);
        ic->n_grave--;
    }
}

static void icache_bury(struct icache *ic, struct icache_page *p)
{
    icache_trim_grave(ic, ICACHE_GRAVE_KEEP);
    p->next = ic->grave;
    ic->grave = p;
    ic->n_grave++;
}

void icache_reclaim(struct icache *ic)
{
    if (ic->n_grave) {
        icache_trim_grave(ic, 0);
    }
}

/* Move every live page to the graveyard (freed later: see the lifetime rule). */
void icache_flush(struct icache *ic)
{
    for (unsigned b = 0; b < ICACHE_BUCKETS; b++) {
        while (ic->buckets[b]) {
            struct icache_page *p = ic->buckets[b];

            ic->buckets[b] = p->next;
            p->next = ic->grave;
            ic->grave = p;
            ic->n_grave++;
        }
    }
    ic->n_pages = 0;
    ic->last = NULL;
    ic->generation++;
}

void icache_destroy(struct icache *ic)
{
    if (!ic) {
        return;
    }
    icache_flush(ic);
    icache_trim_grave(ic, 0);
    free(ic);
}

static struct icache_page *icache_find(struct icache *ic, gpa_t gpa_page)
{
    struct icache_page *p = ic->buckets[icache_bucket(gpa_page)];

    while (p && p->gpa_page != gpa_page) {
        p = p->next;
    }
    return p;
}

/*
 * A code page, created empty (exec == NULL: decode on first use; no blocks).
 * Called only between instructions, so a full cache can be freed at once.
 * NULL if the host is out of memory (the caller decodes without caching).
 */
struct code_page *icache_page(struct icache *ic, gpa_t gpa_page)
{
    struct icache_page *p;

    if (ic->last && ic->last->gpa_page == gpa_page) {
        return &ic->last->code;
    }
    p = icache_find(ic, gpa_page);
    if (!p) {
        if (ic->n_pages >= ICACHE_MAX_PAGES) {
            icache_flush(ic);
            icache_trim_grave(ic, 0);
        }
        p = calloc(1, sizeof(*p));
        if (!p) {
            return NULL;
        }
        p->gpa_page = gpa_page;
        p->next = ic->buckets[icache_bucket(gpa_page)];
        ic->buckets[icache_bucket(gpa_page)] = p;
        ic->n_pages++;
    }
    ic->last = p;
    return &p->code;
}

void icache_invalidate_page(struct icache *ic, gpa_t gpa_page)
{
    struct icache_page **link = &ic->buckets[icache_bucket(gpa_page)];

    while (*link && (*link)->gpa_page != gpa_page) {
        link = &(*link)->next;
    }
    if (*link) {
        struct icache_page *p = *link;

        *link = p->next;
        ic->n_pages--;
        if (ic->last == p) {
            ic->last = NULL;
        }
        icache_bury(ic, p);
        ic->generation++;
    }
}

struct insn *icache_scratch(struct icache *ic)
{
    return &ic->scratch;
}

uint64_t icache_generation(const struct icache *ic)
{
    return ic->generation;
}

unsigned icache_pages(const struct icache *ic)
{
    return ic->n_pages;
}
