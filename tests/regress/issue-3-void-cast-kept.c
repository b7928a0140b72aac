/* Was: generated code does not compile under -Wall -Wextra -Werror.
 * The statement `(void)t;` (the usual way to silence an unused local) is
 * dropped from the generated code, but the assignment to t is kept:
 *   error: variable 't' set but not used [-Werror=unused-but-set-variable]
 * (gcc and clang-19, in f_grad). The user's own code compiles cleanly with
 * -Wall -Wextra. Expected: keep the (void) statement, or drop t as well.
 * Run: gradc THIS.c -I include -o g.c && gcc -std=c11 -Wall -Wextra -Werror -I include -c g.c */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, double u) {
  double t = u * 2;
  (void)t;
  return x * x;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_grad(double x, double *x_bar, double u);
int main(void) {
  double g = 0;
  f_grad(1.5, &g, 2.0);
  CHECK_CLOSE(g, 3.0, 1e-15);
  return check_done("regress");
}
#endif
