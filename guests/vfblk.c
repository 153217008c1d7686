/*
 * guests/vfblk.c - a minimal virtio-blk driver for the disk in QEMU virt's
 * last virtio-mmio slot (0x1000_8000, IRQ 8): under --io virtio the VMM
 * serves it, under --io passthrough it is a VF of the simulated SR-IOV
 * device mapped into the guest. The same driver runs on both: it writes its
 * own pattern at the first and last sector of its disk, reads both back,
 * asks for the sector past the end (IOERR), and last gives the device a
 * buffer outside RAM (the device must refuse it: NEEDS_RESET).
 * Course: I/O虚拟化 / 半虚拟化 vs. 设备直通: one driver, two paths; the guest
 *         counts its own register accesses so tests/guests/passthrough.sh can
 *         hold them against exits.mmio (virtio: one exit each) and
 *         io.passthrough.reg_accesses (passthrough: no exit at all).
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout", §4.2.3.1 "Device
 *       Initialization" (with §3.1.1), §2.7 "Split Virtqueues", §5.2.6
 *       "Device Operation" (block requests).
 * Simplified: one request at a time, polled on the used ring; no
 *       indirect descriptors, no EVENT_IDX; the interrupt is acknowledged
 *       (InterruptStatus read + InterruptACK write) but not taken.
 *
 * Built as vfblk-a and vfblk-b (PATTERN 'A' / 'B': two VMs sharing one
 * medium, tests/guests/passthrough.sh), M-mode, and as vfblk-s (-DSMODE
 * -DIOMMU_SV39): an S-mode kernel on the VMM's SBI that first sets the
 * IOMMU's first stage by the PV_IOMMU_SET_FS hypercall (docs/passthrough.md)
 * and then gives the device IOVAs, not GPAs.
 *
 * Register accesses, worked out (the guest also counts them at run time):
 *   init: MagicValue, Version, DeviceID (3 reads); Status 0, ACK, ACK|DRIVER
 *         (3 writes); DeviceFeaturesSel=1 + DeviceFeatures (2); DriverFeaturesSel
 *         =1 + DriverFeatures, =0 + DriverFeatures (4); Status |= FEATURES_OK
 *         + Status read (2); QueueSel, QueueNumMax, QueueNum (3); Desc, Driver,
 *         Device low/high (6); QueueReady (1); Status |= DRIVER_OK (1);
 *         capacity low/high (2)                                       = 27
 *   each request: QueueNotify, InterruptStatus, InterruptACK          = 3
 *   5 requests (write first, write last, read first, read last, past end) = 15
 *   the wild request: QueueNotify, Status read, InterruptStatus,
 *         InterruptACK                                                = 4
 *   total                                                             = 46
 */
#include "guests/lib/guest.h"
#include "vm/pv_abi.h"

#ifndef PATTERN
#define PATTERN 'A'
#endif

#define VF_BASE (MEMMAP_VIRTIO_BASE + (MEMMAP_VIRTIO_COUNT - 1) * MEMMAP_VIRTIO_STRIDE)

/* §4.2.2 offsets */
#define R_MAGIC        0x000
#define R_VERSION      0x004
#define R_DEVICE_ID    0x008
#define R_DEV_FEAT     0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUMMAX 0x034
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_DRIVER_LO    0x090
#define R_DRIVER_HI    0x094
#define R_DEVICE_LO    0x0a0
#define R_DEVICE_HI    0x0a4
#define R_CONFIG       0x100

#define ST_ACK         1u
#define ST_DRIVER      2u
#define ST_DRIVER_OK   4u
#define ST_FEATURES_OK 8u
#define ST_NEEDS_RESET 0x40u

#define QSIZE      8u
#define D_NEXT     1u
#define D_WRITE    2u
#define T_IN       0u
#define T_OUT      1u
#define S_OK       0u
#define S_IOERR    1u
#define SECTOR     512u
#define WILD_GPA   0x70000000ull /* below RAM, no device: not the VM's memory */

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
};
struct used_elem {
    uint32_t id;
    uint32_t len;
};
struct used {
    uint16_t flags;
    uint16_t idx;
    struct used_elem ring[QSIZE];
};
struct req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* The queue and the request, each ring in its own page. */
static struct desc descs[QSIZE] __attribute__((aligned(4096)));
static struct avail avail __attribute__((aligned(4096)));
static volatile struct used used __attribute__((aligned(4096)));
static struct req_hdr hdr __attribute__((aligned(4096)));
static volatile uint8_t status;
static uint8_t data[SECTOR] __attribute__((aligned(4096)));

static unsigned accesses; /* register accesses to the device */
static uint16_t used_seen;

static uint32_t rd(uint64_t offset)
{
    accesses++;
    return mmio_read32(VF_BASE + offset);
}

static void wr(uint64_t offset, uint32_t val)
{
    accesses++;
    mmio_write32(VF_BASE + offset, val);
}

#ifdef SMODE
#define done(code) sbi_exit(code)
#else
#define done(code) guest_exit(code)
#endif

static void check(int ok, int case_number, const char *what)
{
    if (!ok) {
        printf("vfblk-%c: FAIL case %d: %s\n", PATTERN, case_number, what);
        done(case_number);
    }
}

#ifdef IOMMU_SV39
/*
 * The IOMMU's first stage (Sv39, in guest RAM): one 1 GiB leaf in the root,
 * index 1: IOVA 0x4000_0000.. -> GPA 0x8000_0000.. (V R W U A D). Every other
 * 1 GiB of IOVA is unmapped: the wild request uses IOVA 0x1000 (index 0).
 * Checked first: the hypercall refuses a misaligned root and an unknown mode.
 */
#define IOVA_BASE 0x40000000ull
static uint64_t fs_root[512] __attribute__((aligned(4096)));

static uint64_t dma_addr(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p - MEMMAP_RAM_BASE + IOVA_BASE;
}

static long pv_set_fs(uint64_t mode, uint64_t root_gpa)
{
    register uint64_t a0 __asm__("a0") = mode;
    register uint64_t a1 __asm__("a1") = root_gpa;
    register uint64_t a6 __asm__("a6") = PV_IOMMU_SET_FS;
    register uint64_t a7 __asm__("a7") = VMLAB_PV_EXT;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return (long)a0;
}

static void iommu_first_stage(void)
{
    fs_root[1] = (MEMMAP_RAM_BASE >> 12) << 10 | 0xd7; /* D A U W R V: a device request is U */
    check(pv_set_fs(PV_IOMMU_FS_SV39, 0x1234) == -5, 1, "a misaligned root was accepted");
    check(pv_set_fs(3, 0) == -3, 2, "an unknown first-stage mode was accepted");
    check(pv_set_fs(PV_IOMMU_FS_SV39, (uint64_t)(uintptr_t)fs_root) == 0, 3,
          "PV_IOMMU_SET_FS refused the Sv39 root");
}
#define WILD_IOVA 0x00001000ull /* root index 0: invalid */
#else
static uint64_t dma_addr(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p; /* first stage Bare: IOVA = GPA */
}
#define WILD_IOVA WILD_GPA
#endif

static uint64_t init_device(void)
{
    check(rd(R_MAGIC) == 0x74726976u, 10, "MagicValue is not \"virt\"");
    check(rd(R_VERSION) == 2, 11, "not a version 2 (modern) virtio-mmio device");
    check(rd(R_DEVICE_ID) == 2, 12, "DeviceID is not 2 (block)");
    wr(R_STATUS, 0);
    wr(R_STATUS, ST_ACK);
    wr(R_STATUS, ST_ACK | ST_DRIVER);
    wr(R_DEV_FEAT_SEL, 1);
    check(rd(R_DEV_FEAT) & 1u, 13, "VIRTIO_F_VERSION_1 not offered");
    wr(R_DRV_FEAT_SEL, 1);
    wr(R_DRV_FEAT, 1); /* VERSION_1, bit 32 */
    wr(R_DRV_FEAT_SEL, 0);
    wr(R_DRV_FEAT, 0); /* nothing else: no FLUSH, so the device is write-through */
    wr(R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
    check(rd(R_STATUS) & ST_FEATURES_OK, 14, "FEATURES_OK not kept");
    wr(R_QUEUE_SEL, 0);
    check(rd(R_QUEUE_NUMMAX) >= QSIZE, 15, "queue too small");
    wr(R_QUEUE_NUM, QSIZE);
    uint64_t d = dma_addr(descs), a = dma_addr(&avail), u = dma_addr(&used);
    wr(R_DESC_LO, (uint32_t)d);
    wr(R_DESC_HI, (uint32_t)(d >> 32));
    wr(R_DRIVER_LO, (uint32_t)a);
    wr(R_DRIVER_HI, (uint32_t)(a >> 32));
    wr(R_DEVICE_LO, (uint32_t)u);
    wr(R_DEVICE_HI, (uint32_t)(u >> 32));
    wr(R_QUEUE_READY, 1);
    wr(R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    uint64_t cap = rd(R_CONFIG);
    return cap | (uint64_t)rd(R_CONFIG + 4) << 32;
}

/* Three descriptors: header, data (at data_iova), status; kick; wait for the used entry. */
static void submit(uint32_t type, uint64_t sector, uint64_t data_iova)
{
    hdr = (struct req_hdr){.type = type, .sector = sector};
    status = 0xff;
    descs[0] = (struct desc){dma_addr(&hdr), sizeof(hdr), D_NEXT, 1};
    descs[1] = (struct desc){data_iova, SECTOR, (uint16_t)(D_NEXT | (type == T_IN ? D_WRITE : 0)), 2};
    descs[2] = (struct desc){dma_addr(&status), 1, D_WRITE, 0};
    avail.ring[avail.idx % QSIZE] = 0;
    __asm__ volatile("fence rw, rw" ::: "memory");
    avail.idx++;
    __asm__ volatile("fence rw, rw" ::: "memory");
    wr(R_QUEUE_NOTIFY, 0);
}

/* One request that the device completes: its status byte. */
static uint8_t request(uint32_t type, uint64_t sector)
{
    submit(type, sector, dma_addr(data));
    /* the device finished inside the doorbell write: the first look must see it */
    check(used.idx == (uint16_t)(used_seen + 1), 30, "the request was not completed");
    used_seen++;
    __asm__ volatile("fence rw, rw" ::: "memory");
    wr(R_INT_ACK, rd(R_INT_STATUS));
    return status;
}

static void fill(char c, uint64_t sector)
{
    for (unsigned i = 0; i < SECTOR; i++) {
        data[i] = (uint8_t)c;
    }
    data[0] = 'v', data[1] = 'f', data[2] = (uint8_t)PATTERN, data[3] = (uint8_t)('0' + sector % 10);
}

static int matches(char c, uint64_t sector)
{
    for (unsigned i = 4; i < SECTOR; i++) {
        if (data[i] != (uint8_t)c) {
            return 0;
        }
    }
    return data[2] == (uint8_t)PATTERN && data[3] == (uint8_t)('0' + sector % 10);
}

int main(void)
{
#ifdef SMODE
    console_set_output(sbi_putc);
#endif
#ifdef IOMMU_SV39
    iommu_first_stage();
#endif
    uint64_t cap = init_device();
    check(cap > 0, 20, "capacity 0");
    fill(PATTERN, 0);
    check(request(T_OUT, 0) == S_OK, 21, "write of sector 0 failed");
    fill(PATTERN, cap - 1);
    check(request(T_OUT, cap - 1) == S_OK, 22, "write of the last sector failed");
    fill(0, 0);
    check(request(T_IN, 0) == S_OK && matches(PATTERN, 0), 23, "sector 0 read back wrong");
    check(request(T_IN, cap - 1) == S_OK && matches(PATTERN, cap - 1), 24,
          "the last sector read back wrong");
    check(request(T_IN, cap) == S_IOERR, 25, "a read past the end was not IOERR");
    /* a buffer that is not the VM's memory: refused before anything moves */
    submit(T_IN, 0, WILD_IOVA);
    check(rd(R_STATUS) & ST_NEEDS_RESET, 26, "a wild DMA address did not set NEEDS_RESET");
    wr(R_INT_ACK, rd(R_INT_STATUS));
    check(used.idx == used_seen, 27, "the refused request was completed");
    printf("vfblk-%c: pass, capacity %u sectors, %u register accesses\n", PATTERN,
           (unsigned)cap, accesses);
    done(0);
}
