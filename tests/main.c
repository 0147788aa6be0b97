#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "../fixpoint.h"

int fpt_fail_count;
int fpt_assert_armed;
jmp_buf fpt_assert_jmp;

void fpt_assert_hit(const char *what, const char *file, int line)
{
    if (fpt_assert_armed) longjmp(fpt_assert_jmp, 1);
    printf("unexpected FP_ASSERT: %s (%s:%d)\n", what, file, line);
    abort();
}

int fpt_usage_hits;
int fpt_usage_returning;
char fpt_usage_msg[512];

void fpt_usage_hit(const char *function, const char *message, void *user)
{
    (void)user;
    snprintf(fpt_usage_msg, sizeof fpt_usage_msg, "%s: %s", function, message);
    if (fpt_assert_armed) longjmp(fpt_assert_jmp, 1);
    ++fpt_usage_hits;
    if (!fpt_usage_returning) {
        ++fpt_fail_count;
        printf("    unexpected usage error: %s\n", fpt_usage_msg);
    }
}

extern const fpt_test fpt_core_tests[];
extern const fpt_test fpt_solver_tests[];
extern const fpt_test fpt_eig_tests[];
extern const fpt_test fpt_rule_tests[];
extern const fpt_test fpt_act_tests[];
extern const fpt_test fpt_fuzz_tests[];
extern const fpt_test fpt_feedback_tests[];
extern const fpt_test fpt_stability_tests[];
extern const fpt_test fpt_fault_tests[];
extern const fpt_test fpt_checkpoint_tests[];
extern const fpt_test fpt_report_tests[];
extern const fpt_test fpt_oom_tests[];
extern const fpt_test fpt_contract_tests[];
extern const fpt_test fpt_analysis_contract_tests[];
extern const fpt_test fpt_api_tests[];
extern const fpt_test fpt_factor_tests[];
extern const fpt_test fpt_worker_tests[];

static const fpt_test *const suites[] = { fpt_core_tests, fpt_factor_tests, fpt_act_tests, fpt_solver_tests, fpt_eig_tests, fpt_rule_tests, fpt_feedback_tests, fpt_stability_tests, fpt_fault_tests, fpt_checkpoint_tests, fpt_report_tests, fpt_oom_tests, fpt_contract_tests, fpt_analysis_contract_tests, fpt_api_tests, fpt_worker_tests, fpt_fuzz_tests };

/* `tests [NAME]` runs the tests whose name contains NAME (all without it); `tests --isa` prints the kernel
 * path in force (the best this CPU and build have, capped by FP_ISA) and runs nothing. The cap is
 * process-wide: a test that changes it must restore it, or it fails here (and the next test gets the
 * path in force before it). */
int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    size_t s;
    const char *filter = argc > 1 ? argv[1] : NULL;
    fp_set_usage_handler(fpt_usage_hit, NULL);
    if (filter && strcmp(filter, "--isa") == 0) {
        printf("%s\n", fp_isa_name(fp_isa_current()));
        return 0;
    }
    for (s = 0; s < sizeof suites / sizeof suites[0]; ++s) {
        const fpt_test *t;
        fp_isa isa;
        for (t = suites[s]; t->name; ++t) {
            if (filter && !strstr(t->name, filter)) continue;
            isa = fp_isa_current();
            fpt_fail_count = 0;
            t->fn();
            if (fp_isa_current() != isa) {
                ++fpt_fail_count;
                printf("    left the kernel path at %s (it was %s): restore it with fp_isa_set\n",
                       fp_isa_name(fp_isa_current()), fp_isa_name(isa));
                fp_isa_set(isa);
            }
            printf("%s %s\n", fpt_fail_count ? "FAIL" : "ok  ", t->name);
            fflush(stdout);
            if (fpt_fail_count) ++failed; else ++passed;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
