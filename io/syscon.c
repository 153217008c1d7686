/*
 * io/syscon.c - QEMU's "sifive_test" finisher at GPA 0x10_0000: the guest
 * writes a magic value to power the machine off (pass or fail) or reset it.
 * Course: I/O虚拟化 / 设备模拟 - the simplest device: one write-only
 *         register whose write the VMM turns into an event (power off).
 * Spec: QEMU hw/misc/sifive_test behaviour; the device tree binds it with
 *       "syscon-poweroff" / "syscon-reboot" (Linux DT bindings,
 *       power/reset/syscon-poweroff.yaml, syscon-reboot.yaml).
 *
 *   bits 31..16    15..0
 *   code           0x3333  fail with code     (e.g. 0x0003_3333: code 3)
 *   -              0x5555  pass
 *   -              0x7777  reset
 *
 * Simplified: only offset 0 means anything; 2- and 4-byte accesses as QEMU
 * allows them, other widths are refused (access fault); reads return 0.
 */
#include "io/io.h"

#define SIFIVE_TEST_FAIL  0x3333
#define SIFIVE_TEST_PASS  0x5555
#define SIFIVE_TEST_RESET 0x7777

static int syscon_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    (void)dev;
    (void)offset;
    if (size != 2 && size != 4) {
        return -1;
    }
    *out = 0;
    return 0;
}

static int syscon_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct syscon *sc = dev;
    if (size != 2 && size != 4) {
        return -1;
    }
    if (offset != 0) {
        return 0;
    }
    switch (val & 0xffff) {
    case SIFIVE_TEST_FAIL:
        sc->request = SYSCON_POWEROFF_FAIL;
        sc->fail_code = (uint32_t)((val >> 16) & 0xffff);
        break;
    case SIFIVE_TEST_PASS:
        sc->request = SYSCON_POWEROFF_PASS;
        break;
    case SIFIVE_TEST_RESET:
        sc->request = SYSCON_RESET;
        break;
    default:
        break; /* any other value is ignored, as QEMU does */
    }
    return 0;
}

const struct mmio_device_ops syscon_ops = {
    .read = syscon_mmio_read,
    .write = syscon_mmio_write,
};
