/* Static functions of the user's file called with no derivative to take
 * (an index helper) were called by name from the generated file, which
 * cannot see them; and a static local's initializer was dropped from the
 * generated declaration, so its table read as zeros. */
#include <gradc.h>

static int idx(int i, int n) { return i * n + (n - 1 - i); }

GRADC_GRAD(wrt(w))
double weighted(const double *w, int n) {
  static const double coef[3] = {1.5, -2.0, 0.25};
  double s = 0;
  for (int i = 0; i < n; i++) s += coef[i] * w[idx(i, n)] * w[idx(i, n)];
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double weighted_grad(const double *w, double *w_bar, int n);

static double eval(const double *p) { return weighted(p, 3); }
static void grad(const double *p, double *g) { weighted_grad(p, g, 3); }

int main(void) {
  double w[9] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}, g[9] = {0};
  weighted_grad(w, g, 3);
  CHECK_CLOSE(g[2], 2 * 1.5 * 0.3, 1e-15);    /* idx(0, 3) = 2 */
  CHECK_CLOSE(g[4], 2 * -2.0 * 0.5, 1e-15);   /* idx(1, 3) = 4 */
  CHECK_CLOSE(g[6], 2 * 0.25 * 0.7, 1e-15);   /* idx(2, 3) = 6 */
  check_gradient("weighted", eval, grad, w, 9, 1e-9);
  return check_done("issue-2-static-functions");
}
#endif
