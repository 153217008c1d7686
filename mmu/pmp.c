/*
 * mmu/pmp.c - physical memory protection: may this physical access, by this
 * privilege, proceed? Checked on every physical access the hart makes,
 * page-table reads included, after translation.
 * Course: 内存虚拟化 / 物理内存保护 (the firmware fences physical memory
 *         off from the kernel, as the VMM fences the guest off from itself).
 * Spec: Privileged 20211203, §3.7.1 "Physical Memory Protection CSRs"
 *       (address matching: OFF, TOR, NA4, NAPOT; priority and matching logic).
 * Simplified: 16 entries, granularity 4 bytes (G = 0); the CSR side (WARL
 *       rules, locking of writes) lives in cpu/csr.c.
 */
#include "mmu/mmu.h"

#include "cpu/encoding.h"

/* pmpaddr holds physical address bits 55:2 (RV64): 54 bits. */
#define PMP_ADDR_BITS ((1ull << 54) - 1)

/* An entry's byte range [lo, hi); empty (lo >= hi) matches nothing. */
struct pmp_range {
    uint64_t lo, hi;
};

static unsigned pmp_mode(const struct pmp *pmp, unsigned i)
{
    return (pmp->cfg[i] & PMP_A) >> PMP_A_SHIFT;
}

/*
 * §3.7.1 "Address Matching":
 *   TOR   [pmpaddr(i-1) << 2, pmpaddr(i) << 2)   (entry 0: from 0)
 *   NA4   4 bytes at pmpaddr << 2
 *   NAPOT pmpaddr = yyyy...y0 1..1 (t ones): 2^(t+3) bytes at yyyy...y0 0..0 << 2
 */
static struct pmp_range pmp_entry_range(const struct pmp *pmp, unsigned i)
{
    struct pmp_range r = {0, 0};
    uint64_t addr = pmp->addr[i] & PMP_ADDR_BITS;
    unsigned t;

    switch (pmp_mode(pmp, i)) {
    case PMP_A_TOR:
        r.lo = i == 0 ? 0 : pmp->addr[i - 1] << 2;
        r.hi = addr << 2;
        break;
    case PMP_A_NA4:
        r.lo = addr << 2;
        r.hi = r.lo + 4;
        break;
    case PMP_A_NAPOT:
        t = (unsigned)__builtin_ctzll(~addr); /* trailing ones: t <= 54 */
        r.lo = (addr & ~((2ull << t) - 1)) << 2;
        r.hi = r.lo + (8ull << t);
        break;
    default: /* OFF */
        break;
    }
    return r;
}

static bool pmp_any_active(const struct pmp *pmp)
{
    for (unsigned i = 0; i < PMP_ENTRIES; i++) {
        if (pmp_mode(pmp, i) != PMP_A_OFF) {
            return true;
        }
    }
    return false;
}

static bool pmp_perm_ok(uint8_t cfg, enum access_type acc, enum priv_level priv)
{
    if (priv == PRV_M && !(cfg & PMP_L)) {
        return true; /* unlocked entries do not bind M-mode */
    }
    switch (acc) {
    case ACCESS_FETCH:
        return (cfg & PMP_X) != 0;
    case ACCESS_LOAD:
        return (cfg & PMP_R) != 0;
    default:
        return (cfg & PMP_W) != 0;
    }
}

/*
 * "Priority and Matching Logic": the lowest-numbered entry that matches any
 * byte decides; it must match every byte, else the access fails whatever
 * L, R, W, X say. No match: M passes; S/U fail if any entry is active (with
 * every entry OFF they pass, as QEMU and Spike do).
 */
bool pmp_check(const struct pmp *pmp, gpa_t gpa, unsigned size, enum access_type acc,
               enum priv_level priv)
{
    uint64_t end = gpa + (size ? size : 1); /* exclusive */

    if (end < gpa) {
        return false; /* wraps around the address space */
    }
    for (unsigned i = 0; i < PMP_ENTRIES; i++) {
        struct pmp_range r = pmp_entry_range(pmp, i);

        if (r.lo >= r.hi || end <= r.lo || gpa >= r.hi) {
            continue; /* no byte matches */
        }
        if (gpa < r.lo || end > r.hi) {
            return false; /* some but not all bytes */
        }
        return pmp_perm_ok(pmp->cfg[i], acc, priv);
    }
    return priv == PRV_M || !pmp_any_active(pmp);
}

/*
 * Does every access inside gpa's 4 KiB page get the answer an access at its
 * first byte gets? True when the first entry touching the page covers it
 * whole, or no entry touches it. The rules are the same for every
 * privilege, so `priv` does not change the answer.
 */
bool pmp_page_is_uniform(const struct pmp *pmp, gpa_t gpa, enum priv_level priv)
{
    uint64_t lo = gpa & ~PAGE_MASK;
    uint64_t hi = lo + PAGE_SIZE;

    (void)priv;
    for (unsigned i = 0; i < PMP_ENTRIES; i++) {
        struct pmp_range r = pmp_entry_range(pmp, i);

        if (r.lo >= r.hi || hi <= r.lo || lo >= r.hi) {
            continue;
        }
        return r.lo <= lo && hi <= r.hi;
    }
    return true;
}
