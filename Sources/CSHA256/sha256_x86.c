// SHA-256 block compression with the x86 SHA extensions (SHA-NI): the
// manifest hashes every output file (gigabytes at a 1M-AWB close) and the
// portable Swift rounds cost ~50 instructions per byte; the CPU's own
// instructions cost a few cycles. The Swift implementation stays the
// reference and the fallback (other CPUs, other architectures); the tests
// compare the two on random inputs and on NIST's vectors.
#include "csha256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int cass_sha256_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int sha = (ebx >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3")))
void cass_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian words from the message bytes.
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    // The instructions keep the state as ABEF and CDGH.
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    for (size_t block = 0; block < blocks; block++, data += 64) {
        const __m128i abefSaved = abef, cdghSaved = cdgh;
        __m128i w[16];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), byteSwap);
            } else {
                // W[t-16] + sigma0(W[t-15]) + W[t-7] + sigma1(W[t-2]), four words at a time.
                __m128i x = _mm_sha256msg1_epu32(w[g - 4], w[g - 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[g - 1], w[g - 2], 4));
                w[g] = _mm_sha256msg2_epu32(x, w[g - 1]);
            }
            __m128i message = _mm_add_epi32(w[g], _mm_load_si128((const __m128i *)&K[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
            message = _mm_shuffle_epi32(message, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, message);
        }
        abef = _mm_add_epi32(abef, abefSaved);
        cdgh = _mm_add_epi32(cdgh, cdghSaved);
    }

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* State words h0..h7 into the ABEF and CDGH halves the instructions use, and back. */
__attribute__((target("sha,sse4.1,ssse3")))
static inline void load_state(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    *abef = _mm_alignr_epi8(cdab, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

__attribute__((target("sha,sse4.1,ssse3")))
static inline void store_state(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

__attribute__((target("sha,sse4.1,ssse3")))
void cass_sha256_hardware_blocks2(uint32_t state_a[8], const uint8_t *data_a,
                                  uint32_t state_b[8], const uint8_t *data_b, size_t blocks) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abefA, cdghA, abefB, cdghB;
    load_state(state_a, &abefA, &cdghA);
    load_state(state_b, &abefB, &cdghB);
    for (size_t block = 0; block < blocks; block++, data_a += 64, data_b += 64) {
        const __m128i savedA1 = abefA, savedA2 = cdghA, savedB1 = abefB, savedB2 = cdghB;
        __m128i wa[16], wb[16];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                wa[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_a + 16 * g)), byteSwap);
                wb[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data_b + 16 * g)), byteSwap);
            } else {
                __m128i x = _mm_sha256msg1_epu32(wa[g - 4], wa[g - 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(wa[g - 1], wa[g - 2], 4));
                wa[g] = _mm_sha256msg2_epu32(x, wa[g - 1]);
                __m128i y = _mm_sha256msg1_epu32(wb[g - 4], wb[g - 3]);
                y = _mm_add_epi32(y, _mm_alignr_epi8(wb[g - 1], wb[g - 2], 4));
                wb[g] = _mm_sha256msg2_epu32(y, wb[g - 1]);
            }
            const __m128i k = _mm_load_si128((const __m128i *)&K[4 * g]);
            __m128i messageA = _mm_add_epi32(wa[g], k), messageB = _mm_add_epi32(wb[g], k);
            cdghA = _mm_sha256rnds2_epu32(cdghA, abefA, messageA);
            cdghB = _mm_sha256rnds2_epu32(cdghB, abefB, messageB);
            messageA = _mm_shuffle_epi32(messageA, 0x0E);
            messageB = _mm_shuffle_epi32(messageB, 0x0E);
            abefA = _mm_sha256rnds2_epu32(abefA, cdghA, messageA);
            abefB = _mm_sha256rnds2_epu32(abefB, cdghB, messageB);
        }
        abefA = _mm_add_epi32(abefA, savedA1);
        cdghA = _mm_add_epi32(cdghA, savedA2);
        abefB = _mm_add_epi32(abefB, savedB1);
        cdghB = _mm_add_epi32(cdghB, savedB2);
    }
    store_state(state_a, abefA, cdghA);
    store_state(state_b, abefB, cdghB);
}

#else

int cass_sha256_hardware_available(void) { return 0; }
void cass_sha256_hardware_blocks2(uint32_t state_a[8], const uint8_t *data_a,
                                  uint32_t state_b[8], const uint8_t *data_b, size_t blocks) {
    (void)state_a; (void)data_a; (void)state_b; (void)data_b; (void)blocks;
}
void cass_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}

#endif
