/* Was: generated code does not compile under -Wall -Wextra -Werror.
 * When both branches of an if/else return, the generated function (f_grad
 * here; also g_fwd of a recursive helper `double p(double x, int d) { if (d
 * == 0) return 1; else return x * p(x, d - 1); }`) declares
 * `int _done0 = 0;` and only ever sets it:
 *   error: variable '_done0' set but not used [-Werror=unused-but-set-variable]
 * with both gcc and clang-19. Expected: no unused flag (or a (void)_done0).
 * Run: gradc THIS.c -I include -o g.c && gcc -std=c11 -Wall -Wextra -Werror -I include -c g.c */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, int d) {
  if (d == 0) return x;
  else return x * x;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_grad(double x, double *x_bar, int d);
int main(void) {
  double g = 0;
  f_grad(1.5, &g, 1);
  CHECK_CLOSE(g, 3.0, 1e-15);
  return check_done("regress");
}
#endif
