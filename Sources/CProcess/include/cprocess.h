#ifndef CPROCESS_H
#define CPROCESS_H
#include <stddef.h>

/* glibc's allocator settings for a process that builds large structures in
   bursts (see Sources/CASSWorkers/Runtime/ProcessMemory.swift). Each returns
   1 when the C library took the setting, 0 where it is not glibc. */
int cass_memory_set_trim_threshold(size_t bytes);
int cass_memory_set_mmap_threshold(size_t bytes);
int cass_memory_set_top_pad(size_t bytes);

/* Names the calling thread for the kernel (top -H, ps -L, profilers); the
   kernel keeps the first 15 bytes. Foundation's Thread.name does not reach
   the kernel on Linux. */
void cass_thread_set_name(const char *name);

/* Lowers the calling thread's CPU priority to nice 19 (Linux: the nice
   value is per thread), so it runs only on a core nothing else wants;
   1 if the kernel took it. */
int cass_thread_lower_priority(void);

/* Gives freed memory back to the kernel (malloc_trim); 1 if any was. */
int cass_memory_release_free(void);

#endif
