/* A write through a pointer (p[0]) to memory that the reverse sweep reads
 * under another name (b[0]) must be saved: pointers that may alias share the
 * to-be-recorded flag. */
#include <gradc.h>

GRADC_GRAD(wrt(a))
double through_alias(const double *a) {
  double b[2];
  b[0] = a[0];
  b[1] = a[1];
  double *p = b;
  double y = b[0] * b[1];
  p[0] = 3 * a[1];
  return y + b[0] * b[0];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double through_alias_grad(const double *a, double *a_bar);

int main(void) {
  double a[2] = {2, 5}, g[2] = {0, 0};
  through_alias_grad(a, g);
  CHECK_CLOSE(g[0], 5, 1e-15);          /* d/da0 (a0 a1 + 9 a1^2) */
  CHECK_CLOSE(g[1], 2 + 18 * 5, 1e-15); /* d/da1 */
  return check_done("issue-3-alias-write");
}
#endif
