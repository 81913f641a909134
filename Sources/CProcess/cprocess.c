#include "cprocess.h"
#include <stdlib.h> /* defines __GLIBC__ where the C library is glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* mallopt takes an int: larger sizes are clamped to the largest it takes. */
static int set_option(int option, size_t bytes) {
#if defined(__GLIBC__)
    return mallopt(option, bytes > 0x7fffffff ? 0x7fffffff : (int)bytes);
#else
    (void)option; (void)bytes; return 0;
#endif
}

#if !defined(__GLIBC__)
enum { M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3 };
#endif

int cass_memory_set_trim_threshold(size_t bytes) { return set_option(M_TRIM_THRESHOLD, bytes); }
int cass_memory_set_mmap_threshold(size_t bytes) { return set_option(M_MMAP_THRESHOLD, bytes); }
int cass_memory_set_top_pad(size_t bytes) { return set_option(M_TOP_PAD, bytes); }

int cass_memory_release_free(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

void cass_thread_set_name(const char *name) {
#if defined(__linux__)
    (void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
#else
    (void)name;
#endif
}

int cass_thread_lower_priority(void) {
#if defined(__linux__)
    /* PRIO_PROCESS with a thread id sets that thread alone on Linux. */
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) == 0;
#else
    return 0;
#endif
}
