/*
 * io/iommu.c - the IOMMU of the passthrough path: per-device contexts, the
 * two-stage DMA walk (first stage IOVA -> GPA in the guest's Sv39 table,
 * second stage GPA -> HPA in the VMM's Sv39x4/Sv48x4 table), a small IOTLB,
 * and the DMA ops a passthrough device's virtqueues use.
 * Course: I/O虚拟化 / 设备直通: IOMMU DMA 重映射 (SMMU / VT-d two-stage =
 *         RISC-V IOMMU first / second stage); 内存虚拟化 / 两阶段地址翻译:
 *         a cold Sv39 x Sv39x4 walk reads (3+1)(3+1)-1 = 15 PTEs.
 * Spec: RISC-V IOMMU Architecture Specification 1.0, §3.3 "Process to
 *       translate an IOVA" (DC.tc.PDTV = 0: steps 10, 17, 19; step 17/19 defer
 *       to the Privileged spec's two-stage walk), §3.4 "IOMMU updating of PTE
 *       accessed (A) and dirty (D) updates" (capabilities.AMO_HWAD = 0 here:
 *       A clear, or D clear on a write, is a fault), §3.5 "Faults from
 *       virtual address translation process", §3.8 "Caching in-memory data
 *       structures" (IOTLB tags);
 *       Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       (steps 2-8, for both stages), §4.4 "Sv39", §8.5.1 "Guest Physical
 *       Address Translation" (x4 roots, GPA bits above the mode zero, G-stage
 *       leaves checked as U-mode).
 *
 *   IOVA --[first stage: DC.fsc, Bare or Sv39, tables in guest RAM]--> GPA
 *        --[second stage: DC.iohgatp, tables in host frames]-------> HPA
 *   every first-stage PTE address is a GPA: the second stage walks it first.
 *
 * One walker serves both stages (iommu_pt: levels, root width, where tables
 * live). It is the IOMMU's own, not mmu/walk.c's: the hart's walker is
 * private to mmu/ and checks PMP and sets A/D, which a device's walk does not.
 * The second-stage tables are built with mmu/'s s2_table_* builder.
 *
 * Moving the bytes: the walk ends at an HPA; the IOMMU checks that it is the
 * HPA gmem itself gives that GPA, then moves the bytes with gmem_read and
 * gmem_write on the GPA, so every copy stays bounded by gmem, and a write
 * over a page the hart holds decoded code for is reported to the VMM
 * (iommu_set_ram_written -> hart_ram_written).
 *
 * Simplified: no device directory table, process contexts, PSCID, MSI page
 * tables, fault queue (the last fault of each device is kept instead),
 * ATS/PRI or command queue (set_first_stage and detach flush the IOTLB as
 * IOTINVAL would); first-stage leaves' U bit is ignored (the spec
 * checks it against the request's privilege: a request without a
 * process_id is unprivileged and would need U = 1); second-stage
 * leaves are always 4 KiB, R/W, over RAM only; one thread drives the IOMMU
 * (vmlab's run loop).
 */
#include "io/iommu.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "mmu/mmu.h"

#define IOMMU_PTE_SIZE 8
#define IOMMU_VPN_BITS 9
#define IOMMU_SV39     3 /* levels */
#define IOMMU_SV48     4
#define IOMMU_X4_BITS  2                 /* §8.5.1: the x4 root indexes two more GPA bits */
#define IOMMU_STRAY    IOMMU_MAX_DEVICES /* stats/port slot of unsupported device ids */

/* One device context (DC), as the VMM programmed it. */
struct iommu_dev {
    bool is_attached;
    struct gmem *gm;            /* the VM the device is assigned to */
    uint16_t gscid;             /* iohgatp.GSCID */
    struct s2_table *s2;        /* iohgatp: MODE and PPN */
    enum iommu_fs_mode fs_mode; /* fsc.MODE */
    gpa_t fs_root_gpa;          /* fsc.PPN << 12 */
    iommu_ram_written_fn ram_written;
    void *ram_written_ctx;
    struct iommu_fault last_fault;
};

/* What a virtq_dma's ctx points at: one device of one IOMMU. */
struct iommu_port {
    struct iommu *io;
    unsigned devid;
};

/* One IOTLB entry: a whole two-stage translation of one 4 KiB IOVA page. */
struct iotlb_entry {
    bool valid;
    unsigned devid;
    uint16_t gscid;
    uint64_t iova_page;
    gpa_t gpa_page;
    hpa_t hpa_page;
    bool is_writable; /* both stages allow a write (W and D set) */
};

struct iommu {
    struct hostmem *hm;
    struct iommu_dev dev[IOMMU_MAX_DEVICES];
    struct iommu_stats stats[IOMMU_MAX_DEVICES + 1]; /* [IOMMU_STRAY]: unsupported ids */
    struct iommu_port port[IOMMU_MAX_DEVICES + 1];
    struct iotlb_entry iotlb[IOMMU_IOTLB_ENTRIES];
    gpa_t *dma_gpa_pages; /* the pages of the DMA being moved, translated first */
    size_t dma_gpa_cap;
};

/* A page-table format and root: which stage, how deep, where its tables live. */
struct iommu_pt {
    unsigned stage;  /* 1: fsc (tables at GPAs); 2: iohgatp (tables at HPAs, x4 root) */
    unsigned levels; /* 3: Sv39 / Sv39x4; 4: Sv48x4 */
    uint64_t root;   /* stage 1: a GPA; stage 2: an HPA */
};

/* Where a walk ends: the address, and whether a write would be allowed there too. */
struct iommu_leaf {
    uint64_t pa;
    bool is_writable;
};

/* One translation in progress: counted into st (NULL: an uncounted check). */
struct iommu_walk {
    const struct iommu *io;
    const struct iommu_dev *dev;
    struct iommu_stats *st;
    struct iommu_trace *trace; /* NULL: PTE reads not recorded */
    bool is_write;             /* the DMA's direction: fault causes name it (§3.3.2) */
    struct iommu_fault fault;
};

/* ------------------------------------------------------------- lifetime */

struct iommu *iommu_create(struct hostmem *hm)
{
    struct iommu *io = calloc(1, sizeof(*io));

    if (!io) {
        return NULL;
    }
    io->hm = hm;
    for (unsigned i = 0; i <= IOMMU_MAX_DEVICES; i++) {
        io->port[i].io = io;
        io->port[i].devid = i;
    }
    return io;
}

void iommu_destroy(struct iommu *io)
{
    if (!io) {
        return;
    }
    for (unsigned i = 0; i < IOMMU_MAX_DEVICES; i++) {
        iommu_detach(io, i);
    }
    free(io->dma_gpa_pages);
    free(io);
}

/* ---------------------------------------------------------------- IOTLB */

static unsigned iotlb_index(unsigned devid, uint64_t iova_page)
{
    return (unsigned)((iova_page ^ ((uint64_t)devid * 5)) % IOMMU_IOTLB_ENTRIES);
}

static struct iotlb_entry *iotlb_find(struct iommu *io, unsigned devid, uint64_t iova_page)
{
    struct iotlb_entry *e = &io->iotlb[iotlb_index(devid, iova_page)];

    if (e->valid && e->devid == devid && e->gscid == io->dev[devid].gscid &&
        e->iova_page == iova_page) {
        return e;
    }
    return NULL;
}

/* IOTINVAL.VMA / .GVMA for one device: drop every entry it owns. */
static void iotlb_flush_device(struct iommu *io, unsigned devid)
{
    for (unsigned i = 0; i < IOMMU_IOTLB_ENTRIES; i++) {
        if (io->iotlb[i].devid == devid) {
            io->iotlb[i].valid = false;
        }
    }
}

/* ----------------------------------------------------------- the walker */

static unsigned pt_offset_bits(unsigned level)
{
    return PAGE_SHIFT + IOMMU_VPN_BITS * level;
}

/* The VA's index into the table at `level` (a stage-2 root's has two more bits). */
static unsigned pt_index(const struct iommu_pt *pt, uint64_t va, unsigned level)
{
    unsigned bits = IOMMU_VPN_BITS;

    if (pt->stage == 2 && level == pt->levels - 1) {
        bits += IOMMU_X4_BITS;
    }
    return (unsigned)(va >> pt_offset_bits(level)) & ((1u << bits) - 1);
}

/*
 * Is va an address of this format? Stage 1 (§4.4.1): bits 63..39 equal bit
 * 38 (canonical). Stage 2 (§8.5.1): the GPA bits above 41 (Sv39x4) or 50
 * (Sv48x4) are zero.
 */
static bool pt_va_fits(const struct iommu_pt *pt, uint64_t va)
{
    unsigned va_bits = pt_offset_bits(pt->levels);

    if (pt->stage == 2) {
        return (va >> (va_bits + IOMMU_X4_BITS)) == 0;
    }
    uint64_t top = (uint64_t)((int64_t)va >> (va_bits - 1));
    return top == 0 || top == UINT64_MAX;
}

/* The walk of this format stops here: the spec's fault for its stage. */
static int pt_fail(struct iommu_walk *w, const struct iommu_pt *pt, uint64_t va)
{
    if (pt->stage == 2) {
        w->fault.cause =
            w->is_write ? IOMMU_CAUSE_WRITE_GUEST_PAGE_FAULT : IOMMU_CAUSE_READ_GUEST_PAGE_FAULT;
        w->fault.gpa = va;
    } else {
        w->fault.cause = w->is_write ? IOMMU_CAUSE_WRITE_PAGE_FAULT : IOMMU_CAUSE_READ_PAGE_FAULT;
    }
    return -EFAULT;
}

/* One PTE read: counted by stage, and recorded when a probe traces the walk. */
static void pt_note_read(struct iommu_walk *w, const struct iommu_pt *pt, unsigned level,
                         uint64_t va, uint64_t pte_addr, hpa_t pte_hpa, uint64_t pte)
{
    if (w->st) {
        if (pt->stage == 1) {
            w->st->s1_accesses++;
        } else {
            w->st->s2_accesses++;
        }
    }
    if (w->trace && w->trace->n < IOMMU_TRACE_MAX) {
        struct iommu_trace_step *step = &w->trace->step[w->trace->n++];
        step->stage = (uint8_t)pt->stage;
        step->level = (uint8_t)level;
        step->va = va;
        step->pte_gpa = pt->stage == 1 ? pte_addr : 0;
        step->pte_hpa = pte_hpa;
        step->pte = pte;
    }
}

static int pt_walk(struct iommu_walk *w, const struct iommu_pt *pt, uint64_t va, bool is_write,
                   struct iommu_leaf *out);

/* The device's second stage, as a page-table format. */
static struct iommu_pt pt_second_stage(const struct iommu_dev *dev)
{
    struct iommu_pt pt = {
        .stage = 2,
        .levels = s2_table_levels(dev->s2),
        .root = s2_table_root(dev->s2),
    };
    return pt;
}

/*
 * Read the PTE at pte_addr of the table at `level`. Stage 2 tables are at
 * HPAs; a stage-1 PTE's address is a GPA that the second stage translates
 * first, as an implicit read (IOMMU §3.3.2, Privileged §8.5): each of the n1
 * first-stage reads costs n2 second-stage reads before it, and the final GPA
 * n2 more: n1 (n2 + 1) + n2 = (n1 + 1)(n2 + 1) - 1.
 */
static int pt_read_pte(struct iommu_walk *w, const struct iommu_pt *pt, unsigned level, uint64_t va,
                       uint64_t pte_addr, uint64_t *out_pte)
{
    hpa_t pte_hpa = pte_addr;
    const uint64_t *host;

    if (pt->stage == 1) {
        struct iommu_pt s2 = pt_second_stage(w->dev);
        struct iommu_leaf leaf;
        if (pt_walk(w, &s2, pte_addr, false, &leaf) != 0) {
            return -EFAULT; /* a guest-page fault, recorded by the stage-2 walk */
        }
        pte_hpa = leaf.pa;
    }
    host = (const uint64_t *)hostmem_ptr(w->io->hm, pte_hpa);
    if (!host) {
        return pt_fail(w, pt, pte_addr);
    }
    *out_pte = le64toh(__atomic_load_n(host, __ATOMIC_ACQUIRE));
    pt_note_read(w, pt, level, va, pte_addr, pte_hpa, *out_pte);
    return 0;
}

/*
 * §4.3.2 steps 5-8 on a leaf at `level`. U: every G-stage access is checked
 * as U-mode (§8.5.1), so a second-stage leaf needs U = 1; a first-stage
 * leaf's U is not looked at (vmlab's first-stage interface, simplified:
 * the IOMMU spec would treat a request without a process_id as
 * unprivileged, and so require U = 1). X is never asked for (no
 * DMA executes). A must be set, and D for a write: the IOMMU does not
 * update them (capabilities.AMO_HWAD = 0, so DC.tc.SADE = GADE = 0, IOMMU
 * §3.4), so it stops with a page fault (§3.5).
 */
static int pt_leaf(struct iommu_walk *w, const struct iommu_pt *pt, uint64_t va, uint64_t pte,
                   unsigned level, bool is_write, struct iommu_leaf *out)
{
    uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
    uint64_t offset_mask = (1ull << pt_offset_bits(level)) - 1;

    if ((pt->stage == 2 && !(pte & PTE_U)) || !(pte & (is_write ? PTE_W : PTE_R))) {
        return pt_fail(w, pt, va); /* step 5 */
    }
    if (((ppn << PAGE_SHIFT) & offset_mask) != 0) {
        return pt_fail(w, pt, va); /* step 6: a misaligned superpage */
    }
    if (!(pte & PTE_A) || (is_write && !(pte & PTE_D))) {
        return pt_fail(w, pt, va); /* step 7, without hardware A/D updates */
    }
    out->pa = (ppn << PAGE_SHIFT) | (va & offset_mask); /* step 8 */
    out->is_writable = (pte & PTE_W) && (pte & PTE_D);
    return 0;
}

/*
 * One walk of va through the table pt (§4.3.2 steps 2-4), either stage;
 * each PTE read counted by stage. 0 and *out, or -EFAULT with w->fault set.
 */
static int pt_walk(struct iommu_walk *w, const struct iommu_pt *pt, uint64_t va, bool is_write,
                   struct iommu_leaf *out)
{
    uint64_t table = pt->root;

    if (!pt_va_fits(pt, va)) {
        return pt_fail(w, pt, va);
    }
    for (int level = (int)pt->levels - 1; level >= 0; level--) {
        uint64_t pte_addr = table + pt_index(pt, va, (unsigned)level) * IOMMU_PTE_SIZE;
        uint64_t pte;
        if (pt_read_pte(w, pt, (unsigned)level, va, pte_addr, &pte) != 0) {
            return -EFAULT;
        }
        /* step 3: invalid, W without R, or bits 63..54 (PBMT, N: not implemented) */
        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) || (pte & PTE_RESERVED_MASK)) {
            return pt_fail(w, pt, va);
        }
        if (pte & (PTE_R | PTE_X)) {
            return pt_leaf(w, pt, va, pte, (unsigned)level, is_write, out);
        }
        table = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT; /* step 4 */
    }
    return pt_fail(w, pt, va); /* step 4: a pointer at level 0 */
}

/* ----------------------------------------------------------- translation */

/* Both stages of one IOVA page, then the check that the HPA is gmem's for that GPA. */
static int iommu_walk_iova(struct iommu_walk *w, uint64_t iova, struct iotlb_entry *out)
{
    const struct iommu_dev *dev = w->dev;
    struct iommu_pt s2 = pt_second_stage(dev);
    struct iommu_leaf s1_leaf = {.pa = iova, .is_writable = true}; /* Bare: IOVA = GPA */
    struct iommu_leaf s2_leaf;
    struct gpa_info info;

    if (dev->fs_mode == IOMMU_FS_SV39) {
        struct iommu_pt s1 = {.stage = 1, .levels = IOMMU_SV39, .root = dev->fs_root_gpa};
        if (pt_walk(w, &s1, iova, w->is_write, &s1_leaf) != 0) {
            return -EFAULT;
        }
    }
    if (pt_walk(w, &s2, s1_leaf.pa, w->is_write, &s2_leaf) != 0) {
        return -EFAULT;
    }
    gmem_lookup(dev->gm, s1_leaf.pa & ~PAGE_MASK, &info);
    if (info.kind != GPA_RAM || info.hpa_page != (s2_leaf.pa & ~PAGE_MASK)) {
        /* the second stage maps only the VM's RAM, at gmem's frames: never seen */
        w->fault.cause =
            w->is_write ? IOMMU_CAUSE_WRITE_GUEST_PAGE_FAULT : IOMMU_CAUSE_READ_GUEST_PAGE_FAULT;
        w->fault.gpa = s1_leaf.pa;
        return -EFAULT;
    }
    out->gpa_page = s1_leaf.pa & ~PAGE_MASK;
    out->hpa_page = s2_leaf.pa & ~PAGE_MASK;
    out->is_writable = s1_leaf.is_writable && s2_leaf.is_writable;
    return 0;
}

/*
 * Translate the page of iova for devid. Counted (st non-NULL): one
 * translation when it succeeds, an IOTLB hit or miss, PTE reads; a miss
 * that walks fills the IOTLB. Uncounted: the walk alone. 0 and *out (the
 * page's translation), or -EFAULT and w->fault; faults are the caller's
 * to count (one per refused DMA).
 */
static int iommu_xlate(struct iommu *io, unsigned devid, uint64_t iova, struct iommu_walk *w,
                       struct iotlb_entry *out)
{
    uint64_t iova_page = iova >> PAGE_SHIFT;
    struct iotlb_entry *e;

    w->fault.iova = iova;
    if (devid >= IOMMU_MAX_DEVICES) {
        w->fault.cause = IOMMU_CAUSE_DISALLOWED; /* §3.3 step 5: device_id too wide */
        return -EFAULT;
    }
    if (!io->dev[devid].is_attached) {
        w->fault.cause = IOMMU_CAUSE_DDT_INVALID; /* §3.3.1 step 9: DC.tc.V = 0 */
        return -EFAULT;
    }
    w->dev = &io->dev[devid];
    if (w->st) {
        e = iotlb_find(io, devid, iova_page);
        if (e && (!w->is_write || e->is_writable)) {
            w->st->iotlb_hits++;
            w->st->translations++;
            *out = *e;
            return 0;
        }
        w->st->iotlb_misses++;
    }
    if (iommu_walk_iova(w, iova, out) != 0) {
        return -EFAULT;
    }
    if (w->st) {
        out->valid = true;
        out->devid = devid;
        out->gscid = w->dev->gscid;
        out->iova_page = iova_page;
        io->iotlb[iotlb_index(devid, iova_page)] = *out;
        w->st->translations++;
    }
    return 0;
}

static struct iommu_stats *iommu_dev_stats(struct iommu *io, unsigned devid)
{
    return &io->stats[devid < IOMMU_MAX_DEVICES ? devid : IOMMU_STRAY];
}

/* One DMA refused: counted, and remembered as the device's last fault. */
static int iommu_refuse(struct iommu *io, unsigned devid, const struct iommu_walk *w)
{
    iommu_dev_stats(io, devid)->faults++;
    if (devid < IOMMU_MAX_DEVICES) {
        io->dev[devid].last_fault = w->fault;
    }
    return -EFAULT;
}

static void iommu_walk_init(struct iommu *io, unsigned devid, bool is_write, bool is_counted,
                            struct iommu_walk *w)
{
    memset(w, 0, sizeof(*w));
    w->io = io;
    w->st = is_counted ? iommu_dev_stats(io, devid) : NULL;
    w->is_write = is_write;
}

int iommu_translate(struct iommu *io, unsigned devid, uint64_t iova, bool is_write, gpa_t *gpa_out,
                    hpa_t *hpa_out)
{
    struct iommu_walk w;
    struct iotlb_entry e;

    iommu_walk_init(io, devid, is_write, true, &w);
    if (iommu_xlate(io, devid, iova, &w, &e) != 0) {
        return iommu_refuse(io, devid, &w);
    }
    if (gpa_out) {
        *gpa_out = e.gpa_page | (iova & PAGE_MASK);
    }
    if (hpa_out) {
        *hpa_out = e.hpa_page | (iova & PAGE_MASK);
    }
    return 0;
}

int iommu_probe(struct iommu *io, unsigned devid, uint64_t iova, bool is_write,
                struct iommu_probe_result *out)
{
    struct iommu_walk w;
    struct iotlb_entry e;

    memset(out, 0, sizeof(*out));
    iommu_walk_init(io, devid, is_write, false, &w);
    w.trace = &out->trace;
    if (iommu_xlate(io, devid, iova, &w, &e) != 0) {
        out->fault = w.fault;
        return -EFAULT;
    }
    out->gpa = e.gpa_page | (iova & PAGE_MASK);
    out->hpa = e.hpa_page | (iova & PAGE_MASK);
    return 0;
}

/* ------------------------------------------------------------ the DMA */

/*
 * Record the GPA page of the DMA's page `index`, growing the record by
 * doubling (so a wild length that faults early costs no memory). 0 or -ENOMEM.
 */
static int iommu_dma_record(struct iommu *io, uint64_t index, gpa_t gpa_page)
{
    if (index >= io->dma_gpa_cap) {
        size_t cap = io->dma_gpa_cap ? io->dma_gpa_cap * 2 : 16;
        gpa_t *pages;
        if (cap > SIZE_MAX / sizeof(*pages)) {
            return -ENOMEM;
        }
        pages = realloc(io->dma_gpa_pages, cap * sizeof(*pages));
        if (!pages) {
            return -ENOMEM;
        }
        io->dma_gpa_pages = pages;
        io->dma_gpa_cap = cap;
    }
    io->dma_gpa_pages[index] = gpa_page;
    return 0;
}

/*
 * Translate every page of [iova, iova + len) (counted or not) into
 * io->dma_gpa_pages when `record`. 0, -EFAULT with w->fault (a buffer
 * that wraps past 2^64 - 1 is a page fault at iova), or -ENOMEM.
 */
static int iommu_dma_translate(struct iommu *io, unsigned devid, uint64_t iova, uint64_t len,
                               struct iommu_walk *w, bool record)
{
    uint64_t first = iova >> PAGE_SHIFT;

    if (iova + (len - 1) < iova) {
        w->fault.iova = iova;
        w->fault.cause = w->is_write ? IOMMU_CAUSE_WRITE_PAGE_FAULT : IOMMU_CAUSE_READ_PAGE_FAULT;
        return -EFAULT;
    }
    uint64_t last = (iova + (len - 1)) >> PAGE_SHIFT;
    for (uint64_t page = first; page <= last; page++) {
        struct iotlb_entry e;
        uint64_t page_iova = page == first ? iova : page << PAGE_SHIFT;
        if (iommu_xlate(io, devid, page_iova, w, &e) != 0) {
            return -EFAULT;
        }
        if (record && iommu_dma_record(io, page - first, e.gpa_page) != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* After a DMA wrote [gpa, gpa + len) of one page: drop decoded code there. */
static void iommu_note_written(struct iommu_dev *dev, gpa_t gpa, size_t len)
{
    struct gpa_info info;

    if (!dev->ram_written) {
        return;
    }
    gmem_lookup(dev->gm, gpa & ~PAGE_MASK, &info);
    if (info.page_flags & GPAGE_CODE) {
        dev->ram_written(dev->ram_written_ctx, gpa, len);
    }
}

/*
 * Move the bytes of a translated DMA, page by page, through gmem: into
 * read_buf (a DMA read) or from write_buf (a DMA write), whichever is not NULL.
 */
static int iommu_dma_move(struct iommu *io, unsigned devid, uint64_t iova, uint8_t *read_buf,
                          const uint8_t *write_buf, size_t len)
{
    struct iommu_dev *dev = &io->dev[devid];
    bool is_write = write_buf != NULL;
    size_t done = 0;

    for (size_t i = 0; done < len; i++) {
        size_t offset = (size_t)((iova + done) & PAGE_MASK);
        size_t chunk = len - done < PAGE_SIZE - offset ? len - done : PAGE_SIZE - offset;
        gpa_t gpa = io->dma_gpa_pages[i] | offset;
        int r = is_write ? gmem_write(dev->gm, gpa, write_buf + done, chunk)
                         : gmem_read(dev->gm, gpa, read_buf + done, chunk);
        if (r != 0) {
            return r; /* translated RAM pages: gmem never refuses them */
        }
        if (is_write) {
            iommu_note_written(dev, gpa, chunk);
        }
        done += chunk;
    }
    return 0;
}

/* A DMA of len bytes at iova: every page translated (counted), then the bytes moved. */
static int iommu_dma_access(struct iommu_port *port, uint64_t iova, uint8_t *read_buf,
                            const uint8_t *write_buf, size_t len)
{
    struct iommu *io = port->io;
    bool is_write = write_buf != NULL;
    struct iommu_walk w;
    int r;

    if (len == 0) {
        return 0;
    }
    iommu_walk_init(io, port->devid, is_write, true, &w);
    r = iommu_dma_translate(io, port->devid, iova, len, &w, true);
    if (r == -EFAULT) {
        return iommu_refuse(io, port->devid, &w);
    }
    if (r != 0) {
        return r; /* -ENOMEM: the host's trouble, not the guest's */
    }
    return iommu_dma_move(io, port->devid, iova, read_buf, write_buf, len);
}

static int iommu_dma_read(void *ctx, gpa_t iova, void *buf, size_t len)
{
    return iommu_dma_access(ctx, iova, buf, NULL, len);
}

static int iommu_dma_write(void *ctx, gpa_t iova, const void *buf, size_t len)
{
    return iommu_dma_access(ctx, iova, NULL, buf, len);
}

/* May the whole buffer be moved? The same walk, nothing counted, no IOTLB fill. */
static int iommu_dma_check(void *ctx, gpa_t iova, uint64_t len, bool is_write)
{
    struct iommu_port *port = ctx;
    struct iommu_walk w;

    if (len == 0) {
        return 0;
    }
    iommu_walk_init(port->io, port->devid, is_write, false, &w);
    return iommu_dma_translate(port->io, port->devid, iova, len, &w, false);
}

static const struct virtq_dma_ops iommu_dma_ops = {
    .read = iommu_dma_read,
    .write = iommu_dma_write,
    .check = iommu_dma_check,
};

struct virtq_dma iommu_dma(struct iommu *io, unsigned devid)
{
    struct virtq_dma dma = {
        .ops = &iommu_dma_ops,
        .ctx = &io->port[devid < IOMMU_MAX_DEVICES ? devid : IOMMU_STRAY],
    };
    return dma;
}

/* ------------------------------------------------ the VMM's programming */

/* Map every RAM page of gm, 4 KiB leaves R/W, backing a lazy gmem first. */
static int iommu_map_ram(struct s2_table *s2, struct gmem *gm)
{
    gpa_t ram_base = gmem_ram_base(gm);
    uint64_t ram_size = gmem_ram_size(gm);

    for (uint64_t off = 0; off < ram_size; off += PAGE_SIZE) {
        struct gpa_info info;
        if (gmem_back(gm, ram_base + off) != 0) {
            return -ENOMEM;
        }
        gmem_lookup(gm, ram_base + off, &info);
        if (info.kind != GPA_RAM) {
            return -EINVAL;
        }
        int r = s2_table_map(s2, ram_base + off, info.hpa_page, 0, PTE_R | PTE_W);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

int iommu_attach(struct iommu *io, unsigned devid, struct gmem *gm, uint16_t gscid)
{
    struct iommu_dev *dev;
    uint64_t ram_end;
    unsigned levels;
    int r;

    if (devid >= IOMMU_MAX_DEVICES || !gm || gmem_hostmem(gm) != io->hm ||
        (gmem_ram_base(gm) & PAGE_MASK) != 0) {
        return -EINVAL;
    }
    dev = &io->dev[devid];
    if (dev->is_attached) {
        return -EBUSY;
    }
    ram_end = gmem_ram_base(gm) + gmem_ram_size(gm); /* one past the last RAM byte */
    if (ram_end <= (1ull << (pt_offset_bits(IOMMU_SV39) + IOMMU_X4_BITS))) {
        levels = IOMMU_SV39; /* GPAs below 2^41: Sv39x4 */
    } else if (ram_end <= (1ull << (pt_offset_bits(IOMMU_SV48) + IOMMU_X4_BITS))) {
        levels = IOMMU_SV48;
    } else {
        return -EINVAL;
    }
    struct s2_table *s2 = s2_table_create(io->hm, levels);
    if (!s2) {
        return -ENOMEM;
    }
    r = iommu_map_ram(s2, gm);
    if (r != 0) {
        s2_table_destroy(s2);
        return r == -EINVAL ? -EINVAL : -ENOMEM;
    }
    iotlb_flush_device(io, devid);
    dev->is_attached = true;
    dev->gm = gm;
    dev->gscid = gscid;
    dev->s2 = s2;
    dev->fs_mode = IOMMU_FS_BARE;
    dev->fs_root_gpa = 0;
    return 0;
}

void iommu_detach(struct iommu *io, unsigned devid)
{
    struct iommu_dev *dev;

    if (devid >= IOMMU_MAX_DEVICES || !io->dev[devid].is_attached) {
        return;
    }
    dev = &io->dev[devid];
    iotlb_flush_device(io, devid);
    s2_table_destroy(dev->s2);
    dev->s2 = NULL;
    dev->gm = NULL;
    dev->is_attached = false;
    dev->fs_mode = IOMMU_FS_BARE;
    dev->fs_root_gpa = 0;
}

int iommu_set_first_stage(struct iommu *io, unsigned devid, enum iommu_fs_mode mode, gpa_t root_gpa)
{
    struct iommu_dev *dev;

    if (devid >= IOMMU_MAX_DEVICES || !io->dev[devid].is_attached) {
        return -EINVAL;
    }
    if ((mode != IOMMU_FS_BARE && mode != IOMMU_FS_SV39) ||
        (mode == IOMMU_FS_SV39 && (root_gpa & PAGE_MASK) != 0)) {
        return -EINVAL;
    }
    dev = &io->dev[devid];
    dev->fs_mode = mode;
    dev->fs_root_gpa = mode == IOMMU_FS_SV39 ? root_gpa : 0;
    iotlb_flush_device(io, devid); /* IOTINVAL.VMA for the device's GSCID */
    return 0;
}

void iommu_set_ram_written(struct iommu *io, unsigned devid, iommu_ram_written_fn fn, void *ctx)
{
    if (devid < IOMMU_MAX_DEVICES) {
        io->dev[devid].ram_written = fn;
        io->dev[devid].ram_written_ctx = ctx;
    }
}

/* ---------------------------------------------------------- inspection */

const struct iommu_stats *iommu_stats(const struct iommu *io, unsigned devid)
{
    return devid <= IOMMU_STRAY ? &io->stats[devid] : NULL;
}

void iommu_stats_total(const struct iommu *io, struct iommu_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i <= IOMMU_STRAY; i++) {
        const struct iommu_stats *s = &io->stats[i];
        out->translations += s->translations;
        out->faults += s->faults;
        out->s1_accesses += s->s1_accesses;
        out->s2_accesses += s->s2_accesses;
        out->iotlb_hits += s->iotlb_hits;
        out->iotlb_misses += s->iotlb_misses;
    }
}

bool iommu_last_fault(const struct iommu *io, unsigned devid, struct iommu_fault *out)
{
    if (devid >= IOMMU_MAX_DEVICES) {
        return false;
    }
    *out = io->dev[devid].last_fault;
    return true;
}

bool iommu_dc_info(const struct iommu *io, unsigned devid, struct iommu_dc_info *out)
{
    const struct iommu_dev *dev;

    if (devid >= IOMMU_MAX_DEVICES) {
        return false;
    }
    dev = &io->dev[devid];
    memset(out, 0, sizeof(*out));
    if (!dev->is_attached) {
        return true;
    }
    out->is_attached = true;
    out->fs_mode = dev->fs_mode;
    out->fs_root_gpa = dev->fs_root_gpa;
    out->s2_root_hpa = s2_table_root(dev->s2);
    out->s2_levels = s2_table_levels(dev->s2);
    out->gscid = dev->gscid;
    return true;
}
