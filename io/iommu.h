/*
 * io/iommu.h - the IOMMU in front of passthrough devices: every DMA of an
 * assigned device is translated IOVA -> GPA (first stage, the guest's) ->
 * HPA (second stage, the VMM's), page by page, or refused and counted.
 * Course: I/O虚拟化 / 设备直通: DMA 重映射 (IOMMU: SMMU / VT-d two-stage =
 *         RISC-V IOMMU first / second stage), 两阶段地址翻译, IOTLB.
 * Spec: RISC-V IOMMU Architecture Specification 1.0, §3.3 "Process to
 *       translate an IOVA" (steps 10, 17, 19: fsc then iohgatp), §3.4 "IOMMU
 *       updating of PTE accessed (A) and dirty (D) updates", §3.8 "Caching
 *       in-memory data structures" (IOTLB tags: GSCID, IOVA); Privileged
 *       20211203, §8.5 "Two-Stage Address Translation" (the walk it names).
 *
 * One device context (DC) per device id, as the VMM programs it:
 *
 *   DC[devid]  iohgatp: MODE Sv39x4 (Sv48x4 if RAM reaches 2^41), GSCID, root HPA
 *              fsc:     MODE Bare (IOVA = GPA) or Sv39, root GPA (the guest's table)
 *
 * Ids and counters: `devid` is what the sriov device hands in (one per VF);
 * the whole IOMMU's counters are iommu.translations, iommu.faults,
 * iommu.s1_accesses, iommu.s2_accesses, iommu.iotlb_hits, iommu.iotlb_misses.
 */
#ifndef VMLAB_IO_IOMMU_H
#define VMLAB_IO_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "io/virtq.h"
#include "mmu/types.h"

struct gmem;
struct hostmem;

#define IOMMU_MAX_DEVICES   16
#define IOMMU_IOTLB_ENTRIES 32 /* direct-mapped, tagged (devid, GSCID, IOVA page) */

enum iommu_fs_mode { IOMMU_FS_BARE = 0, IOMMU_FS_SV39 = 8 }; /* fsc.MODE values */

struct iommu_stats {
    uint64_t translations;             /* iommu.translations: one per DMA page translated */
    uint64_t faults;                   /* iommu.faults: DMAs refused (nothing moved) */
    uint64_t s1_accesses;              /* iommu.s1_accesses: first-stage PTE reads */
    uint64_t s2_accesses;              /* iommu.s2_accesses: second-stage PTE reads */
    uint64_t iotlb_hits, iotlb_misses; /* iommu.iotlb_hits / iommu.iotlb_misses */
};

/*
 * Why the last refused DMA of a device was refused: the IOMMU spec's fault
 * cause (§4.2 "Fault/Event-Queue", cause codes), the IOVA, and for a
 * guest-page fault the GPA the second stage could not translate.
 */
enum iommu_cause {
    IOMMU_CAUSE_NONE = 0,
    IOMMU_CAUSE_READ_PAGE_FAULT = 13,        /* first stage refused a read */
    IOMMU_CAUSE_WRITE_PAGE_FAULT = 15,       /* first stage refused a write */
    IOMMU_CAUSE_READ_GUEST_PAGE_FAULT = 21,  /* second stage: a GPA that is not the VM's RAM */
    IOMMU_CAUSE_WRITE_GUEST_PAGE_FAULT = 23, /* the same, for a write */
    IOMMU_CAUSE_DDT_INVALID = 258,           /* no device context: devid not attached */
    IOMMU_CAUSE_DISALLOWED = 260,            /* devid wider than the IOMMU supports */
};
struct iommu_fault {
    enum iommu_cause cause;
    uint64_t iova;
    gpa_t gpa; /* guest-page faults: the GPA (the IOVA itself, or a first-stage PTE's) */
};

struct iommu;

/* An IOMMU over host memory hm (where second-stage tables live). NULL: no memory. */
struct iommu *iommu_create(struct hostmem *hm);
void iommu_destroy(struct iommu *io);

/*
 * The VMM assigns device `devid` to the VM whose memory is `gm`: builds that
 * device's second stage GPA -> HPA over all of gm's RAM now (VFIO-style: RAM
 * is pinned, so a lazy gmem is backed first, gmem_back), 4 KiB leaves R/W
 * (never ROM or MMIO), tagged gscid. First stage Bare. 0, -EINVAL (devid out of
 * range, gm not on this IOMMU's host memory, RAM above 2^50), -EBUSY (attached
 * already), -ENOMEM (host memory for RAM or tables: ram_size / 512 + 5 frames).
 */
__attribute__((warn_unused_result)) int iommu_attach(struct iommu *io, unsigned devid,
                                                     struct gmem *gm, uint16_t gscid);
/* Forget the device context (tables freed, its IOTLB entries flushed); counters kept. */
void iommu_detach(struct iommu *io, unsigned devid);

/*
 * First stage set by the guest through the VMM (a hypercall): Bare (IOVA =
 * GPA) or Sv39 with its root table at root_gpa (guest memory, a GPA: every
 * first-stage PTE address is itself translated by the second stage, as in a
 * two-stage hart walk). Flushes the device's IOTLB. 0, or -EINVAL (not
 * attached, unknown mode, root not 4 KiB aligned). A root outside RAM is
 * accepted here and faults at DMA time, as the hardware would.
 */
__attribute__((warn_unused_result)) int
iommu_set_first_stage(struct iommu *io, unsigned devid, enum iommu_fs_mode mode, gpa_t root_gpa);

/*
 * Translate one IOVA of a DMA by devid, through the IOTLB: 0 and *gpa_out,
 * *hpa_out (either may be NULL; counted as one translation), or -EFAULT
 * (counted as one fault, the device's last fault; a DMA must then move nothing).
 */
__attribute__((warn_unused_result)) int iommu_translate(struct iommu *io, unsigned devid,
                                                        uint64_t iova, bool is_write,
                                                        gpa_t *gpa_out, hpa_t *hpa_out);

/*
 * The monitor's view of one translation (`vq dump vf` reads through it): every PTE read of
 * the walk a DMA would make now, in order - stage 1 reads at GPAs, each
 * after the stage-2 reads that located it. Sv39 x Sv48x4 at most: 3 * 5 + 4.
 */
#define IOMMU_TRACE_MAX 19
struct iommu_trace_step {
    uint8_t stage; /* 1: the guest's first stage; 2: the VMM's second stage */
    uint8_t level; /* the table's level: 0 holds 4 KiB leaves */
    uint64_t va;   /* what this stage translates: stage 1 the IOVA, stage 2 a GPA */
    gpa_t pte_gpa; /* stage 1: where the PTE is (a GPA); stage 2: 0 */
    hpa_t pte_hpa; /* where the PTE was read */
    uint64_t pte;
};
struct iommu_trace {
    unsigned n;
    struct iommu_trace_step step[IOMMU_TRACE_MAX];
};
struct iommu_probe_result {
    gpa_t gpa; /* 0 return: the translation */
    hpa_t hpa;
    struct iommu_fault fault; /* -EFAULT: why */
    struct iommu_trace trace;
};
/*
 * Walk iova as a DMA by devid would now, recording each PTE read: nothing
 * counted, the IOTLB neither used nor filled. 0 or -EFAULT (out says why).
 */
__attribute__((warn_unused_result)) int iommu_probe(struct iommu *io, unsigned devid, uint64_t iova,
                                                    bool is_write, struct iommu_probe_result *out);

/*
 * DMA ops for io/virtq.c (the addresses they take are IOVAs). read/write:
 * every 4 KiB page of the buffer is translated first (one counted
 * translation each), then the bytes move with gmem_read/gmem_write on the
 * translated GPAs; a page that faults refuses the whole DMA (one fault,
 * nothing moved; the pages translated before it stay counted). check:
 * the same walk uncounted - no translation, fault, IOTLB or PTE-read count
 * and no IOTLB fill - as virtq.h asks. devid >= IOMMU_MAX_DEVICES gives ops
 * that refuse everything.
 */
struct virtq_dma iommu_dma(struct iommu *io, unsigned devid);

/*
 * Called after a DMA wrote guest RAM pages the hart holds decoded code for
 * (GPAGE_CODE): the VMM wires it to hart_ram_written so the decoded-code
 * cache drops them. NULL fn: none (the default).
 */
typedef void (*iommu_ram_written_fn)(void *ctx, gpa_t gpa, uint64_t len);
void iommu_set_ram_written(struct iommu *io, unsigned devid, iommu_ram_written_fn fn, void *ctx);

/*
 * One device's counters (devid < IOMMU_MAX_DEVICES), or, for devid ==
 * IOMMU_MAX_DEVICES, those of DMAs by device ids the IOMMU does not support.
 * NULL beyond that.
 */
const struct iommu_stats *iommu_stats(const struct iommu *io, unsigned devid);
/* The whole IOMMU's counters (the iommu.* names): every device's summed. */
void iommu_stats_total(const struct iommu *io, struct iommu_stats *out);
/* The device's last fault (cause IOMMU_CAUSE_NONE: none yet); false: devid out of range. */
bool iommu_last_fault(const struct iommu *io, unsigned devid, struct iommu_fault *out);

/* For the monitor (`info devices`): mode, root, gscid of a device context. */
struct iommu_dc_info {
    bool is_attached;
    enum iommu_fs_mode fs_mode;
    gpa_t fs_root_gpa;
    hpa_t s2_root_hpa;
    unsigned s2_levels;
    uint16_t gscid;
};
/* false: devid out of range; an unattached device reads is_attached false, zeros. */
bool iommu_dc_info(const struct iommu *io, unsigned devid, struct iommu_dc_info *out);

#endif
