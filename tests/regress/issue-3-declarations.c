/* Declarations that gave generated code that does not compile (found while
 * writing the gradcheck cases): a file-scope static const table, const
 * locals and const local arrays, a 2-D VLA, a const 2-D array parameter, an
 * end pointer used only in comparisons; and a for loop whose increment steps
 * a floating variable that the body reads (refused before). */
#include <math.h>
#include <gradc.h>

static const double coef[2] = {0.5, -1.0};

GRADC_GRAD(wrt(x, a))
double decls(const double *x, const double a[][3], int n, int m) {
  const double t = x[0] * 2;
  const double c[2] = {x[1] * t, coef[0] * x[0]};
  double g[n][m];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) g[i][j] = x[i] * (j + 1) + a[i][j] * coef[1];
  double s = c[0] + c[1];
  for (int j = 0; j < m; j++) s += g[n - 1][j] * g[0][j];
  const double *p = x, *end = x + n;
  while (p < end) {
    s += *p * t;
    p++;
  }
  for (double u = 0.25; u < x[0] + 1; u += 0.25) s += u * x[1];
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double decls_grad(const double *x, double *x_bar, const double a[][3], double (*a_bar)[3], int n, int m);

static double eval(const double *p) { return decls(p, (const double (*)[3])(p + 2), 2, 3); }
static void grad(const double *p, double *g) {
  decls_grad(p, g, (const double (*)[3])(p + 2), (double (*)[3])(g + 2), 2, 3);
}

int main(void) {
  double p[8] = {0.7, -0.4, 0.1, 0.2, 0.3, -0.5, 0.6, 0.9};
  check_gradient("declarations", eval, grad, p, 8, 1e-9);
  return check_done("issue-3-declarations");
}
#endif
