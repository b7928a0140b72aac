/* layers.h: a dense layer, defined in layers.c and called from model.c.
 *
 * The annotation on this prototype is what other files see: running gradc
 * on layers.c generates dense_grad and the companions (dense_fwd_*,
 * dense_rev_*) through which model.c's generated gradient differentiates
 * its calls of dense. */
#ifndef LAYERS_H
#define LAYERS_H

#include <gradc.h>

enum { ACT_LINEAR, ACT_TANH };

/* h = act(W x + b): W is n_out x n_in, row-major. */
GRADC_GRAD(wrt(W, b, x), out(h))
void dense(const double *W, const double *b, const double *x, double *h, int n_out, int n_in, int act);

#endif
