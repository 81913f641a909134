// CRC-32C with the x86 SSE4.2 crc32 instruction: every frame of the file
// log is checksummed when written and again when read, and the portable
// slicing-by-8 tables (CRC32C.swift) took about 8 % of `cass serve`'s CPU
// time from upload to close; the instruction takes 8 bytes per ~1 cycle of
// throughput. It computes exactly the table's step (the Castagnoli
// polynomial, reflected, no inversion), so the Swift code stays the
// reference and the fallback; the tests compare both with a bit-at-a-time
// reference at every length and alignment.
#include "ccrc32c.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#include <pthread.h>
#include <string.h>

int cass_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx >> 20) & 1;
}

// One crc32 instruction finishes every cycle but takes three: a single
// chain of them waits on itself. Long inputs run as three chains over
// three consecutive lanes, joined by "appending" the next lane's length
// of zero bytes to a lane's state (a linear map, applied through four
// byte tables) and xoring the next lane's state in; the approach and the
// GF(2) matrix construction are Mark Adler's (crc32c.c, zlib licence).
// The state is the raw register, as above: no inversion inside.
#define CRC32C_POLY 0x82f63b78u
#define LANE_LONG 8192
#define LANE_SHORT 256

static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

static uint32_t gf2_times(const uint32_t *matrix, uint32_t vector) {
    uint32_t sum = 0;
    while (vector) {
        if (vector & 1) sum ^= *matrix;
        vector >>= 1;
        matrix++;
    }
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *matrix) {
    for (int n = 0; n < 32; n++) square[n] = gf2_times(matrix, matrix[n]);
}

// The operator that appends `length` zero bytes (a power of two) to a state.
static void zeros_operator(uint32_t *even, size_t length) {
    uint32_t odd[32];
    odd[0] = CRC32C_POLY;  // one zero bit
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_square(even, odd);  // two zero bits
    gf2_square(odd, even);  // four
    do {
        gf2_square(even, odd);  // one zero byte, then 4, 16, ...
        length >>= 1;
        if (length == 0) return;
        gf2_square(odd, even);  // two zero bytes, then 8, 32, ...
        length >>= 1;
    } while (length);
    for (int n = 0; n < 32; n++) even[n] = odd[n];
}

static void zeros_tables(uint32_t zeros[4][256], size_t length) {
    uint32_t op[32];
    zeros_operator(op, length);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_times(op, n);
        zeros[1][n] = gf2_times(op, n << 8);
        zeros[2][n] = gf2_times(op, n << 16);
        zeros[3][n] = gf2_times(op, n << 24);
    }
}

static void make_shift_tables(void) {
    zeros_tables(shift_long, LANE_LONG);
    zeros_tables(shift_short, LANE_SHORT);
}

static inline uint32_t shift(uint32_t zeros[4][256], uint32_t crc) {
    return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

__attribute__((target("sse4.2")))
static inline uint64_t three_lanes(uint64_t crc0, const uint8_t *data, size_t lane, uint32_t zeros[4][256]) {
    uint64_t crc1 = 0, crc2 = 0;
    const uint8_t *end = data + lane;
    do {
        uint64_t a, b, c;
        memcpy(&a, data, 8);
        memcpy(&b, data + lane, 8);
        memcpy(&c, data + 2 * lane, 8);
        crc0 = _mm_crc32_u64(crc0, a);
        crc1 = _mm_crc32_u64(crc1, b);
        crc2 = _mm_crc32_u64(crc2, c);
        data += 8;
    } while (data < end);
    crc0 = shift(zeros, (uint32_t)crc0) ^ crc1;
    return shift(zeros, (uint32_t)crc0) ^ crc2;
}

__attribute__((target("sse4.2")))
uint32_t cass_crc32c_hardware_update(uint32_t state, const uint8_t *data, size_t count) {
    uint64_t crc = state;
    while (count > 0 && ((uintptr_t)data & 7) != 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *data++);
        count--;
    }
    if (count >= 3 * LANE_SHORT) pthread_once(&shift_once, make_shift_tables);
    while (count >= 3 * LANE_LONG) {
        crc = three_lanes(crc, data, LANE_LONG, shift_long);
        data += 3 * LANE_LONG;
        count -= 3 * LANE_LONG;
    }
    while (count >= 3 * LANE_SHORT) {
        crc = three_lanes(crc, data, LANE_SHORT, shift_short);
        data += 3 * LANE_SHORT;
        count -= 3 * LANE_SHORT;
    }
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        crc = _mm_crc32_u64(crc, word);
        data += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *data++);
        count--;
    }
    return (uint32_t)crc;
}

#else

int cass_crc32c_hardware_available(void) { return 0; }

uint32_t cass_crc32c_hardware_update(uint32_t state, const uint8_t *data, size_t count) {
    (void)data;
    (void)count;
    return state;
}

#endif
