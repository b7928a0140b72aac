/* gradc/check.h: numerical checks of derivatives, for users' own tests.
 *
 * Two independent checks catch a wrong adjoint:
 *  - finite differences: each gradient entry against a Richardson-extrapolated
 *    central difference of the function (accurate to about 1e-10 relative for
 *    smooth double-precision functions);
 *  - the dot-product test: for directions u (inputs) and v (outputs),
 *    <J u, v> from forward mode (f_jvp) equals <u, J^T v> from reverse mode
 *    (f_grad seeded with v) to round-off.
 * `gradc verify` runs both on a generated gradient with no test code; these
 * functions are the same checks for a test program of one's own. They work on
 * flat double vectors: a test packs its function's inputs into x.
 *
 * Example, for double loss(const double *w, int n) and its loss_grad:
 *   static double eval(const double *x, void *ctx) { return loss(x, *(int *)ctx); }
 *   ...
 *   double w[8], g[8] = {0};
 *   unsigned long long s = 1;
 *   gradc_check_random(w, 8, &s);
 *   loss_grad(w, g, 8);
 *   int n = 8;
 *   assert(gradc_check_fd(eval, &n, w, 8, g, NULL) < 1e-6);
 *
 * None of these functions allocates; they are thread-safe when f is.
 */
#ifndef GRADC_CHECK_H
#define GRADC_CHECK_H

#ifdef __cplusplus
extern "C" {
#endif

/* The function to differentiate, as a scalar of a flat vector x. */
typedef double (*gradc_objective_fn)(const double *x, void *ctx);

/* |a - b| / max(|a|, |b|, 1): relative error, absolute below 1. Infinity when
 * a or b is NaN or infinite, so that `err < tol` fails. */
double gradc_check_rel_err(double a, double b);

/* df/dx[i] at x by central differences at steps h and h/2, Richardson-
 * extrapolated: (4 D(h/2) - D(h)) / 3. h <= 0 chooses 1e-4 * max(1, |x[i]|);
 * functions computed in float need a larger step (about 1e-2). x[i] is
 * changed during the call and restored exactly. */
double gradc_check_partial(gradc_objective_fn f, void *ctx, double *x, int i, double h);

/* Compares grad[0..n-1] with gradc_check_partial (default step) for every
 * entry; returns the largest gradc_check_rel_err. When fd is not NULL, fd[i]
 * receives the finite difference of entry i (for a table of both). x is
 * restored on return. Costs 4n calls of f. */
double gradc_check_fd(gradc_objective_fn f, void *ctx, double *x, int n, const double *grad,
                      double *fd);

/* The dot-product test for a map with n inputs and m outputs: u (n) is an
 * input direction and ju (m) its tangent J u from forward mode; v (m) is an
 * output seed and jtv (n) the adjoint J^T v from reverse mode. Returns
 * |<ju, v> - <u, jtv>| divided by the larger of sum |ju_k v_k| and
 * sum |u_i jtv_i| (0 when both sides are exactly 0, infinity on NaN). A
 * correct pair gives round-off, below about 1e-12 in double. v may be NULL
 * for a seed of ones (m = 1: a scalar function seeded with 1). */
double gradc_check_dot(const double *u, const double *ju, const double *v, const double *jtv,
                       int n, int m);

/* Fills x[0..n-1] with deterministic pseudo-random numbers in [0.5, 1.5)
 * and advances *state (any value; the same state gives the same numbers on
 * every platform). */
void gradc_check_random(double *x, int n, unsigned long long *state);

#ifdef __cplusplus
}
#endif

#endif
