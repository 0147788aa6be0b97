/* The one translation unit with the implementation: FP_ASSERT routed to the harness, and a counting
 * allocator so tests can prove what a call allocated (or that it allocated nothing), with fault
 * injection so they can make one chosen allocation fail (tests/alloc.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L /* a BLIS build: blis.h's declarations beyond C99 */
#endif
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

/* The slice plan of a batch of b columns at order n (fp__slices, fp__slice_cols), for the test of its
 * shape: returns S and fills each slice's first column and width; *most gets fp__slices_max. */
int fpt_slice_plan(int n, int b, size_t esz, int *off, int *width, int *most);
int fpt_slice_plan(int n, int b, size_t esz, int *off, int *width, int *most)
{
    int S = fp__slices(n, b, esz), s;
    *most = fp__slices_max(n, b, esz);
    for (s = 0; s < S; ++s) fp__slice_cols(b, S, s, &off[s], &width[s]);
    return S;
}
