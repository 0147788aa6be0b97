/* The implementation for the libFuzzer builds (FP_ASSERT aborts: a programmer error is a finding). */
#define FIXPOINT_IMPLEMENTATION
#include "../../fixpoint.h"
