#ifndef CCRC32_H
#define CCRC32_H
#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU has the carry-less multiply (PCLMULQDQ) and SSE4.1 (x86), else 0. */
int cass_crc32_hardware_available(void);

/* Continues a running CRC-32 (IEEE 802.3, reflected, as ZIP uses it) state,
   not inverted (start from 0xFFFFFFFF; the checksum is the final state
   inverted), over `count` bytes, where `count` is at least 64 and a
   multiple of 16. Call only when cass_crc32_hardware_available() returned
   1; elsewhere it returns `state` unchanged. */
uint32_t cass_crc32_hardware_update(uint32_t state, const uint8_t *data, size_t count);

#endif
