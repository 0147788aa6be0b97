/* libFuzzer entry points: clang -fsanitize=fuzzer,address,undefined -DFPT_TARGET=fpt_fuzz_idx ... */
#include <stdlib.h>
#include "targets.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (FPT_TARGET(data, size)) abort(); /* an invariant broke: libFuzzer saves the input */
    return 0;
}
