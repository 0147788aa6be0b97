/* The one translation unit with the implementation, its FP_ASSERT routed to the harness. */
#include "harness.h"
#define FIXPOINT_IMPLEMENTATION
#include "../fixpoint.h"
