#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU has the SSE4.2 crc32 instruction (x86), else 0. */
int cass_crc32c_hardware_available(void);

/* Continues a running CRC-32C state (not inverted: start from 0xFFFFFFFF,
   the checksum is the final state inverted) over `count` bytes with the
   CPU's crc32 instruction. Call only when cass_crc32c_hardware_available()
   returned 1; elsewhere it returns `state` unchanged. */
uint32_t cass_crc32c_hardware_update(uint32_t state, const uint8_t *data, size_t count);

#endif
