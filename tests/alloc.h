/* The test allocator's counters (tests/impl.c) and fault injection: fpt_alloc_fail_after(k) makes the
 * k-th FP_MALLOC from now (k = 0: the next one) return NULL, every other call succeeding; k = -1
 * disarms. Either way fpt_alloc_failed restarts from zero, so it tells whether the failure was hit. */
#ifndef FPT_ALLOC_H
#define FPT_ALLOC_H
#include <stddef.h>
extern size_t fpt_alloc_max;
extern long fpt_alloc_live, fpt_alloc_calls, fpt_alloc_fail_at, fpt_alloc_failed;
static inline void fpt_alloc_fail_after(long k)
{
    fpt_alloc_fail_at = k < 0 ? -1 : fpt_alloc_calls + k;
    fpt_alloc_failed = 0;
}
#endif
