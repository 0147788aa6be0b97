/* The one translation unit with the implementation: FP_ASSERT routed to the harness, and a counting
 * allocator so tests can prove what a call allocated (or that it allocated nothing), with fault
 * injection so they can make one chosen allocation fail (tests/alloc.h). */
#include <stdlib.h>
#include "harness.h"
size_t fpt_alloc_max;        /* largest single request since reset */
long fpt_alloc_live;         /* blocks outstanding */
long fpt_alloc_calls;        /* every FP_MALLOC call, failed or not */
long fpt_alloc_fail_at = -1; /* the call (counted from 0 in fpt_alloc_calls) that returns NULL; -1: none */
long fpt_alloc_failed;       /* injected failures so far */
static void *fpt_malloc(size_t n)
{
    void *p;
    if (fpt_alloc_calls++ == fpt_alloc_fail_at) { ++fpt_alloc_failed; return NULL; }
    if (n > fpt_alloc_max) fpt_alloc_max = n;
    p = malloc(n);
    if (p) ++fpt_alloc_live;
    return p;
}
static void fpt_free(void *p) { if (p) --fpt_alloc_live; free(p); }
#define FP_MALLOC(sz, ctx) ((void)(ctx), fpt_malloc(sz))
#define FP_FREE(p, ctx) ((void)(ctx), fpt_free(p))
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"
