/* Generated wrappers used fixed names beside the user's parameters:
 * f_hessian's loop counter k shadowed a parameter k (the Hessian came out
 * wrong, silently: every column took the counter for k), the split pair's
 * tape, start and redo, f_jvp's ret_dot. Parameters with those names, in
 * every mode, against closed forms. */
#include <gradc.h>
#include <math.h>

/* f = x^2 k + sin(k) H value: d2f/dx2 = 2k, d2f/dxdk = 2x, d2f/dk2 = -sin(k) H value */
GRADC_HESSIAN(wrt(x, k))
GRADC_JVP(wrt(x, k))
double f(double x, double k, double H, double value, double j) {
  (void)j;
  return x * x * k + sin(k) * H * value;
}

GRADC_GRAD(wrt(tape, start), split)
double g(double tape, double start, double redo) { return tape * start * redo; }

GRADC_JVP(wrt(ret_dot))
double h(double ret_dot) { return ret_dot * ret_dot; }

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_hessian(double x, double k, double H, double value, double j, double *H1);
double f_jvp(double x, double x_dot, double k, double k_dot, double H, double value, double j, double *ret_dot);
double g_fwd(double tape, double start, double redo, gradc_tape *tape1);
void g_rev(double tape, double *tape_bar, double start, double *start_bar, double redo, double ret_bar,
           gradc_tape *tape1);
double h_jvp(double ret_dot, double ret_dot_dot, double *ret_dot1);

int main(void) {
  double x = 0.7, k = 1.3, H = 2.0, value = 0.5, Hm[4];
  f_hessian(x, k, H, value, 9, Hm);
  CHECK_CLOSE(Hm[0], 2 * k, 1e-12);
  CHECK_CLOSE(Hm[1], 2 * x, 1e-12);
  CHECK_CLOSE(Hm[2], 2 * x, 1e-12);
  CHECK_CLOSE(Hm[3], -sin(k) * H * value, 1e-12);
  double d;
  f_jvp(x, 1, k, 0, H, value, 9, &d);
  CHECK_CLOSE(d, 2 * x * k, 1e-12);
  gradc_tape *t = gradc_tape_new();
  g_fwd(2, 3, 4, t);
  double tb = 0, sb = 0;
  g_rev(2, &tb, 3, &sb, 4, 1, t);
  CHECK_CLOSE(tb, 12, 1e-12);
  CHECK_CLOSE(sb, 8, 1e-12);
  gradc_tape_free(t);
  h_jvp(1.5, 1, &d);
  CHECK_CLOSE(d, 3, 1e-12);
  return check_done("issue-14-generated-names");
}
#endif
