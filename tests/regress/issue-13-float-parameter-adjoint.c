/* A float parameter given a double argument, where the call is not inlined:
 * a custom derivative's adjoint and a recursive function's reverse sweep
 * take a float *, and gradc passed the address of the double adjoint (found
 * by the difftest's ACROSS form, where a float helper lives in another
 * file). The adjoint now comes in a float and is added after the call.
 * Closed forms, to float accuracy. */
#include <gradc.h>

float sq_rev(float p, float *p_bar, float ret_bar);
GRADC_CUSTOM_GRAD(sq_rev)
float sq(float p);
float sq(float p) { return p * p; }
float sq_rev(float p, float *p_bar, float ret_bar) {
  *p_bar += 2 * p * ret_bar;
  return p * p;
}

static float rp(float b, int k) { return k ? b * rp(b, k - 1) : 1; }

/* x sq(x) + rp(x, 3) = 2 x^3 */
GRADC_GRAD(wrt(x))
double f(double x) { return sq(x) * x + rp(x, 3); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_grad(double x, double *x_bar);

int main(void) {
  for (double x = -1.5; x <= 1.5; x += 0.75) {
    double g = 0;
    f_grad(x, &g);
    CHECK_CLOSE(g, 6 * x * x, 1e-6);
  }
  return check_done("issue-13-float-parameter-adjoint");
}
#endif
