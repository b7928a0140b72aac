/* Loops that macros write, and conditions that mix comparisons, logic and
 * bits. gradc read a macro's 'for' header through the macro's tokens and
 * crashed; it printed (u == U) != (i <= j) without the parentheses that
 * gcc's -Wparentheses asks for, so the generated file failed -Werror. */
#include <gradc.h>
#include <math.h>

#define FOR_N(i, n) for (int i = 0; i < (n); i++)
#define SUMSQ(s, x, n)                                                                             \
  do {                                                                                             \
    for (int k_ = 0; k_ < (n); k_++) (s) += (x)[k_] * (x)[k_];                                     \
  } while (0)
#define FOREVER for (;;)

GRADC_GRAD(wrt(x))
GRADC_JVP(wrt(x))
double looped(const double *x, int n) {
  double s = 0, t = 1;
  FOR_N(i, n) s += sin(x[i]) * x[i];
  SUMSQ(s, x, n);
  int k = 0;
  FOREVER {
    t = t * 0.5 + 0.25 * x[k % n];
    if (++k == 3) break;
  }
  return s * t;
}

/* the sum over the upper triangle (u), or the lower (!u), of x_i x_j, plus
 * odd-indexed squares */
GRADC_GRAD(wrt(x))
GRADC_JVP(wrt(x))
double mixed(const double *x, int n, int u) {
  double s = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      if ((u == 1) == (i <= j) && (i != j || (i & 1) == 0)) s += x[i] * x[j];
      if (((i ^ j) & 1) != 0 && i < j == (u != 0)) s += 0.5 * x[i] * x[j];
    }
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double looped_grad(const double *x, double *x_bar, int n);
double looped_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double mixed_grad(const double *x, double *x_bar, int n, int u);
double mixed_jvp(const double *x, const double *x_dot, int n, int u, double *ret_dot);

static double e_looped(const double *p) { return looped(p, 4); }
static void g_looped(const double *p, double *g) { looped_grad(p, g, 4); }
static double j_looped(const double *p, const double *v) {
  double t;
  looped_jvp(p, v, 4, &t);
  return t;
}
static int U;
static double e_mixed(const double *p) { return mixed(p, 4, U); }
static void g_mixed(const double *p, double *g) { mixed_grad(p, g, 4, U); }
static double j_mixed(const double *p, const double *v) {
  double t;
  mixed_jvp(p, v, 4, U, &t);
  return t;
}

int main(void) {
  double p[4] = {0.3, -0.8, 1.2, 0.5};
  check_gradient("looped", e_looped, g_looped, p, 4, 1e-9);
  check_dot("looped", j_looped, g_looped, p, 4, 1e-12);
  for (U = 0; U < 2; U++) {
    check_gradient("mixed", e_mixed, g_mixed, p, 4, 1e-9);
    check_dot("mixed", j_mixed, g_mixed, p, 4, 1e-12);
  }
  return check_done("macros");
}
#endif
