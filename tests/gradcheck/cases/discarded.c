/* Calls whose value nothing uses, and calls in a loop's increment or
 * condition, as people write them: `free(a), free(b);`, `for (...; ...;
 * step(&s, w[i]), i++)`, `s += helper(w[j]), j++`. Lowering dropped a call
 * left of a comma or alone in an expression statement (the primal changed
 * and memory leaked), and a helper's arguments in a for loop's increment
 * counted as computed once, so they were not saved across iterations: the
 * gradient was wrong. Central differences and the dot-product test. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static void step(double *s, double w) { *s = *s * 0.9 + sin(w); }
static double bump(double *s, double w) { *s += w * w; return *s; }
static double helper(double w) { return sin(w) * w; }
static double twice(double *s, double w) { *s = *s * 0.8 + w; return *s; }

/* calls whose value nothing uses: after a comma, in a for loop's increment,
 * in an expression statement, in both arms of ?: */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double commas(int n, const double *w) {
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  double s = 0.5, t = 0.1;
  for (int i = 0; i < n; i++) a[i] = w[i] * w[i], b[i] = a[i] + 1;
  for (int i = 0; i < n; step(&s, w[i]), i++) s += a[i] * b[i];
  step(&t, w[0]), step(&t, w[1]);
  bump(&t, w[2]) + 1;
  w[3] > 0 ? bump(&s, w[3]) : bump(&t, w[3]);
  (void)bump(&s, 0.5 * w[0]);
  free(a), free(b);
  return s * t;
}

/* a helper in a for loop's increment, after a compound assignment */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double incs(int n, const double *w) {
  double s = 0.5;
  for (int i = 0; i < n; s = s * 0.9 + helper(w[i]), i++) s += w[i] * s;
  return s;
}
/* a helper in a loop's condition, in a do-while's, in a for's increment
 * through a comma and through a compound assignment */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double conds(int n, const double *w) {
  double s = 0.5;
  int i = 0;
  while (i < n && helper(w[i] * s) < 2.0) { s += 0.3 * w[i] * s; i++; }
  int k = 0;
  do { s = s * 0.9 + 0.1 * w[k]; k++; } while (k < n && twice(&s, 0.1 * w[k % n]) < 5.0);
  for (int j = 0; j < n; s += 0.1 * helper(w[j] + s), j++) s = s * (1 + 0.1 * w[j]);
  return s;
}
#ifdef GRADCHECK_MAIN
#include "check.h"
CHECK_CASE(commas, 4)
CHECK_CASE(incs, 4)
CHECK_CASE(conds, 4)
int main(void) {
  double w[4] = {0.4, -0.3, 0.7, 0.2};
  check_gradient("commas", eval_commas, grad_commas, w, 4, 1e-8);
  check_dot("commas", jvp_commas, grad_commas, w, 4, 1e-12);
  check_gradient("incs", eval_incs, grad_incs, w, 4, 1e-8);
  check_dot("incs", jvp_incs, grad_incs, w, 4, 1e-12);
  check_gradient("conds", eval_conds, grad_conds, w, 4, 1e-8);
  check_dot("conds", jvp_conds, grad_conds, w, 4, 1e-12);
  return check_done("discarded");
}
#endif
