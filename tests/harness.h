/* A tiny test harness: tests register in a table, checks count failures, main prints the totals.
 * FP_ASSERT is routed here so tests can prove that a bad call trips it (expect_assert). */
#ifndef FPT_HARNESS_H
#define FPT_HARNESS_H
#include <setjmp.h>
#include <stdio.h>
#include <math.h>

typedef struct fpt_test { const char *name; void (*fn)(void); } fpt_test;

extern int fpt_fail_count;      /* failed checks in the running test */
extern int fpt_assert_armed;    /* 1 while expect_assert runs a call */
extern jmp_buf fpt_assert_jmp;
void fpt_assert_hit(const char *what, const char *file, int line);
/* The usage handler the suite installs: under EXPECT_ASSERT it jumps back like FP_ASSERT; under
 * EXPECT_USAGE it records the message and returns (the call then returns FP_ERR_USAGE); anywhere else a
 * usage error fails the running test. */
void fpt_usage_hit(const char *function, const char *message, void *user);
extern int fpt_usage_hits;          /* usage errors seen by EXPECT_USAGE                          */
extern int fpt_usage_returning;     /* 1 while EXPECT_USAGE runs a call                           */
extern char fpt_usage_msg[512];     /* "function: message" of the last usage error                */

#define FP_ASSERT(c) ((c) ? (void)0 : fpt_assert_hit(#c, __FILE__, __LINE__))

#define CHECK(cond) do { if (!(cond)) { ++fpt_fail_count; \
    printf("    check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); } } while (0)
#define CHECKF(cond, ...) do { if (!(cond)) { ++fpt_fail_count; \
    printf("    check failed: %s (%s:%d): ", #cond, __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Runs stmt and checks that it trips FP_ASSERT (longjmp back here) instead of returning. */
#define EXPECT_ASSERT(stmt) do { fpt_assert_armed = 1; \
    if (setjmp(fpt_assert_jmp) == 0) { stmt; fpt_assert_armed = 0; ++fpt_fail_count; \
        printf("    expected FP_ASSERT from %s (%s:%d)\n", #stmt, __FILE__, __LINE__); } \
    fpt_assert_armed = 0; } while (0)

/* Runs a call that must be refused as a usage error with a returning handler: it returns
 * FP_ERR_USAGE (status_expr is evaluated once) and the handler heard exactly one message. */
#define EXPECT_USAGE(status_expr) do { int st_; fpt_usage_hits = 0; fpt_usage_msg[0] = 0; fpt_usage_returning = 1; \
    st_ = (int)(status_expr); fpt_usage_returning = 0; \
    if (st_ != (int)FP_ERR_USAGE || fpt_usage_hits != 1) { ++fpt_fail_count; \
        printf("    expected one usage error from %s (%s:%d): status %d, %d messages\n", #status_expr, __FILE__, __LINE__, st_, fpt_usage_hits); } \
    } while (0)

/* Deterministic test data: a 64-bit LCG and a uniform in [-1, 1). */
typedef struct fpt_rng { unsigned long long s; } fpt_rng;
static inline double fpt_uniform(fpt_rng *r)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(r->s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}
#endif
