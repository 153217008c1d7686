/*
 * io/bus.c - the MMIO bus: which device answers at which guest-physical
 * address. A sorted array of windows, searched by binary search.
 * Course: I/O虚拟化 / 设备模拟: 捕捉MMIO操作 - the trapped access carries a
 *         GPA; the VMM finds the device model behind it and calls it with the
 *         offset into its register window (as QEMU's memory regions and
 *         kvmtool's mmio tree do).
 * Spec: none (a VMM structure); the board layout is vm/memmap.h.
 * Simplified: a flat array (a board has tens of devices, not thousands);
 *         windows never move or disappear while the VM runs.
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>

struct mmio_window_entry {
    const char *name;
    gpa_t gpa;
    uint64_t size;
    const struct mmio_device_ops *ops;
    void *dev;
};

struct mmio_bus {
    struct mmio_window_entry *win; /* sorted by gpa, never overlapping */
    unsigned count;
    unsigned capacity;
};

struct mmio_bus *mmio_bus_create(void)
{
    return calloc(1, sizeof(struct mmio_bus));
}

void mmio_bus_destroy(struct mmio_bus *bus)
{
    if (bus) {
        free(bus->win);
        free(bus);
    }
}

/* Does [a, a+alen) meet [b, b+blen)? Both are known not to wrap. */
static bool ranges_meet(gpa_t a, uint64_t alen, gpa_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int bus_grow(struct mmio_bus *bus)
{
    unsigned capacity = bus->capacity ? bus->capacity * 2 : 8;
    struct mmio_window_entry *win = realloc(bus->win, capacity * sizeof(*win));
    if (!win) {
        return -ENOMEM;
    }
    bus->win = win;
    bus->capacity = capacity;
    return 0;
}

int mmio_bus_add(struct mmio_bus *bus, const char *name, gpa_t gpa, uint64_t size,
                 const struct mmio_device_ops *ops, void *dev)
{
    if (size == 0 || gpa + size < gpa || !ops) {
        return -EINVAL;
    }
    unsigned pos = 0;
    for (unsigned i = 0; i < bus->count; i++) {
        if (ranges_meet(gpa, size, bus->win[i].gpa, bus->win[i].size)) {
            return -EEXIST;
        }
        if (bus->win[i].gpa < gpa) {
            pos = i + 1;
        }
    }
    if (bus->count == bus->capacity && bus_grow(bus) != 0) {
        return -ENOMEM;
    }
    for (unsigned i = bus->count; i > pos; i--) {
        bus->win[i] = bus->win[i - 1];
    }
    bus->win[pos] = (struct mmio_window_entry){name, gpa, size, ops, dev};
    bus->count++;
    return 0;
}

/* The window holding gpa, or NULL. */
static const struct mmio_window_entry *bus_find(const struct mmio_bus *bus, gpa_t gpa)
{
    unsigned lo = 0;
    unsigned hi = bus->count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct mmio_window_entry *w = &bus->win[mid];
        if (gpa < w->gpa) {
            hi = mid;
        } else if (gpa - w->gpa >= w->size) {
            lo = mid + 1;
        } else {
            return w;
        }
    }
    return NULL;
}

int mmio_bus_access(struct mmio_bus *bus, gpa_t gpa, unsigned size, bool is_write, uint64_t *data)
{
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        return -1;
    }
    const struct mmio_window_entry *w = bus_find(bus, gpa);
    uint64_t offset = w ? gpa - w->gpa : 0;
    if (!w || size > w->size - offset) {
        return -1; /* no device, or the access runs off the end of its window */
    }
    if (is_write) {
        return w->ops->write ? w->ops->write(w->dev, offset, size, *data) : -1;
    }
    *data = 0;
    return w->ops->read ? w->ops->read(w->dev, offset, size, data) : -1;
}

bool mmio_bus_window(const struct mmio_bus *bus, unsigned index, struct mmio_window *out)
{
    if (index >= bus->count) {
        return false;
    }
    out->name = bus->win[index].name;
    out->gpa = bus->win[index].gpa;
    out->size = bus->win[index].size;
    return true;
}
