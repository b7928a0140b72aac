/* model.h: a 1-16-1 tanh network and its loss. */
#ifndef MODEL_H
#define MODEL_H

enum { HIDDEN = 16, NPARAMS = 3 * HIDDEN + 1 };

/* Mean squared error over n samples; p packs W1 (16 x 1), b1 (16), W2
 * (1 x 16), b2 (1). */
double loss(const double *p, const double *xs, const double *ys, int n);
/* written by gradc into model_grad.c: loss, and d loss / d p added to p_bar */
double loss_grad(const double *p, double *p_bar, const double *xs, const double *ys, int n);

#endif
