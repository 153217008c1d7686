/*
 * guests/compute.c - a compute benchmark: integer matrix multiply, CRC-32 and
 * a heap sort, ITERS rounds on data from a fixed pseudo-random sequence. It
 * runs no privileged instruction and no MMIO inside the timed part, so it
 * measures the interpreter itself (guest MIPS in `make bench`).
 * Course: 处理器虚拟化 / 非敏感指令 run directly: with no exits, the cost is
 *         the instructions alone.
 * Spec: CRC-32 as in IEEE 802.3 (reflected polynomial 0xEDB88320, the
 *       check value of "123456789" is 0xCBF43926).
 * Simplified: each round checks itself (a matrix identity, a sorted and
 * complete array); the checksum depends on ITERS and is printed, not fixed.
 *
 * One round is about 252 thousand instructions (rdinstret under QEMU with
 * -icount shift=0), so the default ITERS = 1200 runs ~300 million and
 * compute-short.elf, built with -DITERS=20, ~5 million.
 */
#include "guests/lib/guest.h"

#ifndef ITERS
#define ITERS 1200
#endif

#define N        24  /* matrix side */
#define SORT_LEN 512 /* elements sorted per round */

struct work {
    uint32_t a[N][N], b[N][N], c[N][N];
    uint32_t sorted[SORT_LEN];
    uint32_t crc_table[256];
    uint64_t rng;
};

static struct work w;

/* A 64-bit LCG (Knuth's MMIX constants); the high half is the output. */
static uint32_t next_rand(struct work *wk)
{
    wk->rng = wk->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(wk->rng >> 32);
}

static void crc32_init(struct work *wk)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        wk->crc_table[n] = c;
    }
}

static uint32_t crc32(const struct work *wk, const uint8_t *bytes, size_t len)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < len; i++) {
        c = wk->crc_table[(c ^ bytes[i]) & 0xff] ^ (c >> 8);
    }
    return c ^ 0xffffffffu;
}

/* C = A * B, then the identity rowsum(C[i]) = sum_k A[i][k] * rowsum(B[k]). */
static int matmul_checked(struct work *wk)
{
    uint32_t brow[N];

    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            uint32_t sum = 0;
            for (int k = 0; k < N; k++) {
                sum += wk->a[i][k] * wk->b[k][j];
            }
            wk->c[i][j] = sum;
        }
    }
    for (int k = 0; k < N; k++) {
        brow[k] = 0;
        for (int j = 0; j < N; j++) {
            brow[k] += wk->b[k][j];
        }
    }
    for (int i = 0; i < N; i++) {
        uint32_t lhs = 0, rhs = 0;
        for (int j = 0; j < N; j++) {
            lhs += wk->c[i][j];
            rhs += wk->a[i][j] * brow[j];
        }
        if (lhs != rhs) {
            return -1;
        }
    }
    return 0;
}

static void sift_down(uint32_t *v, size_t root, size_t len)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= len) {
            return;
        }
        if (child + 1 < len && v[child + 1] > v[child]) {
            child++;
        }
        if (v[root] >= v[child]) {
            return;
        }
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void heap_sort(uint32_t *v, size_t len)
{
    for (size_t i = len / 2; i-- > 0;) {
        sift_down(v, i, len);
    }
    for (size_t end = len - 1; end > 0; end--) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/* Sort values taken from C; check the order and that the sum and xor are kept. */
static int sort_checked(struct work *wk)
{
    const uint32_t *flat = &wk->c[0][0];
    uint32_t sum_in = 0, xor_in = 0, sum_out = 0, xor_out = 0;

    for (int i = 0; i < SORT_LEN; i++) {
        wk->sorted[i] = flat[i % (N * N)] ^ next_rand(wk);
        sum_in += wk->sorted[i];
        xor_in ^= wk->sorted[i];
    }
    heap_sort(wk->sorted, SORT_LEN);
    for (int i = 0; i < SORT_LEN; i++) {
        if (i > 0 && wk->sorted[i - 1] > wk->sorted[i]) {
            return -1;
        }
        sum_out += wk->sorted[i];
        xor_out ^= wk->sorted[i];
    }
    return (sum_in == sum_out && xor_in == xor_out) ? 0 : -1;
}

/* One round; returns its contribution to the checksum, or sets *out_bad. */
static uint32_t round_once(struct work *wk, int *out_bad)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            wk->a[i][j] = next_rand(wk) & 0xffff;
            wk->b[i][j] = next_rand(wk) & 0xffff;
        }
    }
    if (matmul_checked(wk) != 0) {
        *out_bad = 2;
    }
    uint32_t crc = crc32(wk, (const uint8_t *)wk->c, sizeof(wk->c));
    if (sort_checked(wk) != 0) {
        *out_bad = 3;
    }
    return crc ^ wk->sorted[SORT_LEN / 2];
}

int main(void)
{
    static const uint8_t check_input[] = "123456789";
    int bad = 0;
    uint32_t checksum = 0;

    crc32_init(&w);
    if (crc32(&w, check_input, 9) != 0xcbf43926u) {
        printf("compute: CRC-32 check value wrong\n");
        return 1;
    }
    printf("compute: %d rounds of %dx%d matmul, CRC-32, heap sort of %d\n", ITERS, N, N, SORT_LEN);
    w.rng = 1;
    uint64_t instret_start = csr_read(instret);
    for (int i = 0; i < ITERS && bad == 0; i++) {
        checksum = (checksum << 1 | checksum >> 31) ^ round_once(&w, &bad);
    }
    uint64_t instret_end = csr_read(instret);
    if (bad != 0) {
        printf("compute: self-check %d failed\n", bad);
        return bad;
    }
    printf("compute: checksum 0x%08x instret %lu\n", checksum, instret_end - instret_start);
    return 0;
}
