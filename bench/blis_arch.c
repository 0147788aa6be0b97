/* bench/blis_arch: the number BLIS_ARCH_TYPE takes for a sub-configuration name (e.g. zen3 -> 6 in
 * BLIS 0.9), or nothing and status 1 if this BLIS has no such configuration. BLIS 0.9 reads the variable
 * as an integer: a name there reads as 0, the first configuration (skx), whose AVX-512 kernels die of an
 * illegal instruction on a CPU without it. The benchmark scripts force configurations through this.
 *   cc -std=c99 -O2 -o blis_arch bench/blis_arch.c -lblis -lm && blis_arch zen3 */
#define _POSIX_C_SOURCE 200112L /* blis.h names pthread barriers */
#include <stdio.h>
#include <string.h>
#include <blis.h>

int main(int argc, char **argv)
{
    int id;
    if (argc != 2) { fprintf(stderr, "usage: blis_arch NAME\n"); return 2; }
    for (id = 0; id < (int)BLIS_NUM_ARCHS; ++id) {
        const char *name = bli_arch_string((arch_t)id);
        if (name && strcmp(name, argv[1]) == 0) { printf("%d\n", id); return 0; }
    }
    return 1;
}
