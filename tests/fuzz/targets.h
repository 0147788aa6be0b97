/* Fuzz targets: each returns 0, or 1 when an invariant broke (libFuzzer builds abort on that). They are
 * compiled into the test suite, which replays tests/fuzz/corpus/<name>/ through them, and by `make fuzz`
 * into libFuzzer binaries (fuzz_main.c). Inputs: arbitrary bytes. */
#ifndef FPT_FUZZ_TARGETS_H
#define FPT_FUZZ_TARGETS_H
#include <stddef.h>
#include <stdint.h>
int fpt_fuzz_idx(const uint8_t *data, size_t size);
int fpt_fuzz_layer(const uint8_t *data, size_t size);
int fpt_fuzz_solve(const uint8_t *data, size_t size);
int fpt_fuzz_rules(const uint8_t *data, size_t size);     /* learning rules dW1..dW4, both precisions   */
int fpt_fuzz_eig(const uint8_t *data, size_t size);       /* eigenvalues, eigenvectors, stability       */
int fpt_fuzz_meanfield(const uint8_t *data, size_t size); /* mean-field solve, teacher forcing, sweep   */
#endif
