/* The shared library behind the Python package: fixpoint.h's implementation, plus a usage handler that
 * returns instead of aborting. A programmer error (views that disagree, an overlap) then comes back as
 * FP_ERR_USAGE and its sentence waits, per thread, for fpy_last_usage(); the Python side raises it as
 * fixpoint.UsageError, so no mistake can abort the interpreter.
 *
 * Built by `make python`:
 *   cc -O2 -std=c11 -shared -fPIC -I. -o python/fixpoint/libfixpoint.so python/fixpoint/_native.c -lm */
#define FIXPOINT_IMPLEMENTATION
#include "fixpoint.h"
#include <stdio.h>

#if defined(_MSC_VER)
#define FPY_EXPORT __declspec(dllexport)
#define FPY_TLS __declspec(thread)
#else
#define FPY_EXPORT __attribute__((visibility("default")))
#define FPY_TLS _Thread_local
#endif

static FPY_TLS char fpy__message[512];

static void fpy__usage(const char *function, const char *message, void *user)
{
    (void)user;
    snprintf(fpy__message, sizeof fpy__message, "%s: %s", function, message);
}

/* Installs the returning handler; the package calls it once at import, before any thread starts. */
FPY_EXPORT void fpy_install(void) { fp_set_usage_handler(fpy__usage, NULL); }

/* The header's version, for fixpoint.__version__. */
FPY_EXPORT const char *fpy_version(void) { return FP_VERSION_STRING; }

/* The last usage sentence of this thread, cleared by the read ("" when none). */
FPY_EXPORT const char *fpy_take_usage(void)
{
    static FPY_TLS char copy[512];
    memcpy(copy, fpy__message, sizeof copy);
    fpy__message[0] = 0;
    return copy;
}
