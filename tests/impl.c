/* The one translation unit with the implementation: FP_ASSERT routed to the harness, and a counting
 * allocator so tests can prove what a call allocated (or that it allocated nothing). */
#include <stdlib.h>
#include "harness.h"
size_t fpt_alloc_max;   /* largest single request since reset */
long fpt_alloc_live;    /* blocks outstanding */
static void *fpt_malloc(size_t n) { if (n > fpt_alloc_max) fpt_alloc_max = n; ++fpt_alloc_live; return malloc(n); }
static void fpt_free(void *p) { if (p) --fpt_alloc_live; free(p); }
#define FP_MALLOC(sz, ctx) ((void)(ctx), fpt_malloc(sz))
#define FP_REALLOC(p, sz, ctx) ((void)(ctx), realloc(p, sz)) /* the library never reallocates */
#define FP_FREE(p, ctx) ((void)(ctx), fpt_free(p))
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"
