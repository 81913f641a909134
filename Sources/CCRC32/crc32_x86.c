// CRC-32 (the ZIP one) by folding with the x86 carry-less multiply: every
// XLSX part is checksummed, and the slicing-by-8 tables (Checksums.swift)
// cost about 1.2 instructions a byte and eight dependent table loads per
// word; folding takes 64 bytes per round in four independent lanes.
// The method is Gopal, Ozturk et al., "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction" (Intel, 2009), with its
// bit-reflected constants for the polynomial 0x04C11DB7: 512-bit folds
// (k1, k2), 128-bit folds (k3, k4), 128 -> 64 (k5) and Barrett reduction
// (the polynomial and its quotient mu). It computes exactly the tables'
// running state, so the Swift code stays the reference and the fallback;
// the tests compare both (and Python's zlib) at every length and alignment.
#include "ccrc32.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <smmintrin.h>
#include <wmmintrin.h>

int cass_crc32_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    // ecx bit 1: PCLMULQDQ; bit 19: SSE4.1 (for the final extract).
    return ((ecx >> 1) & 1) && ((ecx >> 19) & 1);
}

// a's low (or high) 64 bits times b's low (or high), carry-less.
#define CLMUL(a, b, which) _mm_clmulepi64_si128((a), (b), (which))

// One fold: the 128 bits in x moved forward by the distance the constants
// stand for, so that XOR-ing them into the data there keeps the remainder.
__attribute__((target("pclmul,sse4.1")))
static inline __m128i fold(__m128i x, __m128i k) {
    return _mm_xor_si128(CLMUL(x, k, 0x00), CLMUL(x, k, 0x11));
}

__attribute__((target("pclmul,sse4.1")))
uint32_t cass_crc32_hardware_update(uint32_t state, const uint8_t *data, size_t count) {
    if (count < 64 || (count & 15) != 0) return state;
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i polyMu = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const __m128i low32 = _mm_set_epi32(0, ~0, 0, ~0);

    __m128i x1 = _mm_loadu_si128((const __m128i *)(data + 0));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(data + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(data + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(data + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)state));
    data += 64;
    count -= 64;

    // Four lanes of 128 bits, each folded 512 bits forward per round.
    while (count >= 64) {
        x1 = _mm_xor_si128(fold(x1, k1k2), _mm_loadu_si128((const __m128i *)(data + 0)));
        x2 = _mm_xor_si128(fold(x2, k1k2), _mm_loadu_si128((const __m128i *)(data + 16)));
        x3 = _mm_xor_si128(fold(x3, k1k2), _mm_loadu_si128((const __m128i *)(data + 32)));
        x4 = _mm_xor_si128(fold(x4, k1k2), _mm_loadu_si128((const __m128i *)(data + 48)));
        data += 64;
        count -= 64;
    }

    // The four lanes into one, then the remaining 16-byte blocks.
    x1 = _mm_xor_si128(fold(x1, k3k4), x2);
    x1 = _mm_xor_si128(fold(x1, k3k4), x3);
    x1 = _mm_xor_si128(fold(x1, k3k4), x4);
    while (count >= 16) {
        x1 = _mm_xor_si128(fold(x1, k3k4), _mm_loadu_si128((const __m128i *)data));
        data += 16;
        count -= 16;
    }

    // 128 bits to 64: the low half times k4, added to the high half.
    x2 = CLMUL(x1, k3k4, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    // 64 bits to 32 (plus 32 bits of remainder to reduce).
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_and_si128(x1, low32);
    x1 = _mm_xor_si128(CLMUL(x1, k5, 0x00), x2);

    // Barrett reduction to the 32-bit remainder.
    x2 = _mm_and_si128(x1, low32);
    x2 = CLMUL(x2, polyMu, 0x10);
    x2 = _mm_and_si128(x2, low32);
    x2 = CLMUL(x2, polyMu, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

#else

int cass_crc32_hardware_available(void) { return 0; }

uint32_t cass_crc32_hardware_update(uint32_t state, const uint8_t *data, size_t count) {
    (void)data;
    (void)count;
    return state;
}

#endif
