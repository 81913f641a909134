#ifndef CSHA256_H
#define CSHA256_H
#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU has the x86 SHA extensions (and SSSE3/SSE4.1), else 0. */
int cass_sha256_hardware_available(void);

/* Compresses `blocks` whole 64-byte blocks of `data` into `state` (the
   eight chaining words h0..h7) with the SHA extensions. Call only when
   cass_sha256_hardware_available() returned 1; elsewhere it does nothing. */
void cass_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
