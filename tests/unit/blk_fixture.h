/*
 * tests/unit/blk_fixture.h - what the block-device unit tests (check_virtio_blk.c,
 * check_virtio_mmio.c, check_sriov.c) fake, written once:
 *   - the back end: a disk held in host memory (struct fake_disk) behind
 *     disk_open_ops, counting its reads, writes and flushes;
 *   - the front end: the driver side of one split virtqueue built by hand in
 *     a test gmem (descriptors, avail ring, used ring at addresses the test
 *     chooses), one request chain header -> data -> status, the kick, and the
 *     feature/status handshake through the device's register window.
 * Every helper is static inline, so nothing new links; each test binary
 * includes this once and fills in `drv` in its setup.
 * Course: I/O虚拟化 / 半虚拟化 (virtio: the 前端 a test plays, the 后端 under test).
 * Spec: virtio 1.2 §3.1 "Device Initialization", §2.7 "Split Virtqueues"
 *       (§2.7.5 "The Virtqueue Descriptor Table", §2.7.13 "Supplying Buffers
 *       to The Device"), §4.2.2 "MMIO Device Register Layout", §5.2.6
 *       "Device Operation" (the block request).
 * Simplified: one queue (0), the chain always from head 0 (descriptors 0, 1, 2),
 * one request in flight; the fake disk never fails.
 */
#ifndef VMLAB_TESTS_UNIT_BLK_FIXTURE_H
#define VMLAB_TESTS_UNIT_BLK_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/io.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "io/virtq.h"
#include "mmu/mmu.h"

#define FAKE_SECT 512u /* bytes in a sector (§5.2.6: the request's unit) */

/* ------------------------------------------------------- the fake disk */

struct fake_disk {
    uint8_t *data; /* nsectors * FAKE_SECT bytes */
    uint64_t nsectors;
    unsigned reads, writes, flushes;
};

static inline int fake_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    struct fake_disk *fd = ctx;
    fd->reads++;
    memcpy(buf, fd->data + sector * FAKE_SECT, (size_t)nsectors * FAKE_SECT);
    return 0;
}

static inline int fake_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    struct fake_disk *fd = ctx;
    fd->writes++;
    memcpy(fd->data + sector * FAKE_SECT, buf, (size_t)nsectors * FAKE_SECT);
    return 0;
}

static inline int fake_flush(void *ctx)
{
    struct fake_disk *fd = ctx;
    fd->flushes++;
    return 0;
}

/* disk_open_ops bounds-checks every request, so these see only sectors inside the disk. */
static const struct disk_ops fake_disk_ops = {fake_read, fake_write, fake_flush, NULL};

/* check_virtio_blk.c's and check_virtio_mmio.c's contents: byte i of sector s is
 * (3 s + 5 i) mod 256, so no two neighbouring sectors or bytes are alike. */
static inline uint8_t fake_pattern_3s_5i(unsigned sector, unsigned i)
{
    return (uint8_t)(sector * 3 + i * 5);
}

/* A disk of nsectors whose byte i of sector s is pattern(s, i). */
static inline struct fake_disk *fake_disk_create(uint64_t nsectors,
                                                 uint8_t (*pattern)(unsigned sector, unsigned i))
{
    struct fake_disk *fd = calloc(1, sizeof(*fd));
    ck_assert_ptr_nonnull(fd);
    fd->data = malloc(nsectors * FAKE_SECT);
    ck_assert_ptr_nonnull(fd->data);
    fd->nsectors = nsectors;
    for (uint64_t i = 0; i < nsectors * FAKE_SECT; i++) {
        fd->data[i] = pattern((unsigned)(i / FAKE_SECT), (unsigned)(i % FAKE_SECT));
    }
    return fd;
}

static inline void fake_disk_destroy(struct fake_disk *fd)
{
    free(fd->data);
    free(fd);
}

/* --------------------------------------------- the device under test */

/* virtio-blk (io/virtio_blk.c behind io/virtio_mmio.c) serving fd, its DMA straight into gm;
 * *out_disk is the disk layer between them (bounds checks, ,ro). Close with fake_blk_close. */
static inline struct virtio_blk *fake_blk_open(struct gmem *gm, struct fake_disk *fd,
                                               bool read_only, virtio_irq_fn on_irq,
                                               struct disk **out_disk)
{
    struct disk_options opt = {.read_only = read_only};
    *out_disk = disk_open_ops(&fake_disk_ops, fd, fd->nsectors, &opt);
    ck_assert_ptr_nonnull(*out_disk);
    struct virtio_blk *vb = virtio_blk_create(*out_disk, virtq_dma_gmem(gm), on_irq, NULL);
    ck_assert_ptr_nonnull(vb);
    return vb;
}

static inline void fake_blk_close(struct virtio_blk *vb, struct disk *disk, struct fake_disk *fd)
{
    virtio_blk_destroy(vb);
    disk_close(disk);
    fake_disk_destroy(fd);
}

/* ------------------------------------------------- the driver's side */

/* Where one test's queue and request buffers sit in its RAM (the file's layout comment). */
struct blk_queue_layout {
    gpa_t desc_gpa, avail_gpa, used_gpa; /* the split queue's three parts (§2.7) */
    gpa_t hdr_gpa, status_gpa;           /* the request header (16 bytes), the status byte */
    uint16_t qsize;                      /* QueueNum */
};

struct blk_driver {
    struct gmem *gm;            /* the guest RAM holding the rings and buffers */
    struct mmio_device_ops reg; /* the device's register window ... */
    void *dev;                  /* ... and its device */
    struct blk_queue_layout q;  /* the rings and buffers, as GPAs */
    uint64_t iova_minus_gpa;    /* what the device is told: GPA + this (0: no IOMMU) */
    uint16_t avail_idx;         /* the driver's next avail idx */
};

/* The one driver a test binary plays: Check's fixtures (void setup(void)) leave file scope
 * as the only place for it. The including file's setup fills it in. */
static struct blk_driver drv;

/* A register read the device must accept (4 bytes, as §4.2.2 requires). */
static inline uint64_t rd(uint64_t offset)
{
    uint64_t val = 0xdeadbeef;
    ck_assert_int_eq(drv.reg.read(drv.dev, offset, 4, &val), 0);
    return val;
}

/* A register write the device must accept (>= 0: a VF's direct write returns 1 when its
 * interrupt line changed). */
static inline void wr(uint64_t offset, uint64_t val)
{
    ck_assert_int_ge(drv.reg.write(drv.dev, offset, 4, val), 0);
}

/* n bytes of v at gpa, little-endian: virtio's le16/le32/le64 (§1.4 "Structure Specifications"). */
static inline void put_le(gpa_t gpa, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    ck_assert_int_eq(gmem_write(drv.gm, gpa, b, n), 0);
}

static inline uint64_t get_le(gpa_t gpa, unsigned n)
{
    uint8_t b[8];
    uint64_t v = 0;
    ck_assert_int_eq(gmem_read(drv.gm, gpa, b, n), 0);
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

/* The address the device is told for a GPA (the IOVA, behind an IOMMU first stage). */
static inline uint64_t dma_addr(gpa_t gpa)
{
    return gpa + drv.iova_minus_gpa;
}

/* Descriptor i (§2.7.5): +0 addr (le64), +8 len (le32), +12 flags (le16), +14 next (le16). */
static inline void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    put_le(drv.q.desc_gpa + 16 * i, addr, 8);
    put_le(drv.q.desc_gpa + 16 * i + 8, len, 4);
    put_le(drv.q.desc_gpa + 16 * i + 12, flags, 2);
    put_le(drv.q.desc_gpa + 16 * i + 14, next, 2);
}

/* §3.1 steps 1-5: reset, ACKNOWLEDGE, DRIVER, the feature words, FEATURES_OK; the status
 * read back (FEATURES_OK still set: the device accepted the features). */
static inline uint32_t negotiate(uint64_t features)
{
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | VIRTIO_STATUS_FEATURES_OK);
    return (uint32_t)rd(VIRTIO_MMIO_STATUS);
}

/* §3.1 steps 1-8: features accepted, queue 0 of qsize at the rings, DRIVER_OK; the driver's
 * ring starts again at avail idx 0. */
static inline void drv_bring_up(uint64_t features)
{
    ck_assert_uint_eq(negotiate(features), 1 | 2 | 8);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, drv.q.qsize);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)dma_addr(drv.q.desc_gpa));
    wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)dma_addr(drv.q.avail_gpa));
    wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)dma_addr(drv.q.used_gpa));
    wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | 8 | VIRTIO_STATUS_DRIVER_OK);
    drv.avail_idx = 0;
}

/*
 * One request as a driver queues it (§5.2.6, §2.7.13): header {type, reserved, sector}
 * (16 bytes, device-readable) -> data (data_len bytes at data_dma, device-writable when
 * data_writable; no descriptor when data_len is 0) -> status byte (device-writable, 0xff
 * until the device writes it); head 0 into the avail ring, idx + 1, the kick.
 * Returns the status byte.
 */
static inline uint8_t drv_request(uint32_t type, uint64_t sector, uint64_t data_dma,
                                  uint32_t data_len, bool data_writable)
{
    put_le(drv.q.hdr_gpa, type, 4);
    put_le(drv.q.hdr_gpa + 4, 0, 4);
    put_le(drv.q.hdr_gpa + 8, sector, 8);
    put_le(drv.q.status_gpa, 0xff, 1);
    if (data_len) {
        uint16_t data_flags = VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0);
        desc(0, dma_addr(drv.q.hdr_gpa), 16, VIRTQ_DESC_F_NEXT, 1);
        desc(1, data_dma, data_len, data_flags, 2);
    } else {
        desc(0, dma_addr(drv.q.hdr_gpa), 16, VIRTQ_DESC_F_NEXT, 2);
    }
    desc(2, dma_addr(drv.q.status_gpa), 1, VIRTQ_DESC_F_WRITE, 0);
    put_le(drv.q.avail_gpa + 4 + 2 * (drv.avail_idx % drv.q.qsize), 0, 2);
    drv.avail_idx++;
    put_le(drv.q.avail_gpa + 2, drv.avail_idx, 2);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    return (uint8_t)get_le(drv.q.status_gpa, 1);
}

#endif
