/* A dataset of random-pixel images for the training tests: count images of dim pixels, labels i % label_mod
 * (classes is the label range the dataset declares). malloc'd; fpt_free_dataset releases. Include after
 * fixpoint.h. */
#ifndef FPT_DATASET_H
#define FPT_DATASET_H
#include <stdlib.h>
#include "harness.h"

static inline void fpt_make_dataset(fp_dataset *ds, int count, int dim, int classes, int label_mod, unsigned long long seed)
{
    fpt_rng g;
    int i;
    g.s = seed;
    ds->count = count;
    ds->dim = dim;
    ds->classes = classes;
    ds->pixels = (unsigned char *)malloc((size_t)count * (size_t)dim);
    ds->labels = (unsigned char *)malloc((size_t)count);
    for (i = 0; i < count * dim; ++i) ds->pixels[i] = (unsigned char)(127.5 * (fpt_uniform(&g) + 1.0));
    for (i = 0; i < count; ++i) ds->labels[i] = (unsigned char)(i % label_mod);
}

static inline void fpt_free_dataset(fp_dataset *ds)
{
    free(ds->pixels);
    free(ds->labels);
    ds->pixels = ds->labels = NULL;
}
#endif
