/* A checkpointed loop inside another loop. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, int n) {
  double s = x;
  for (int j = 0; j < n; j++) {
    GRADC_CHECKPOINT(2);
    for (int i = 0; i < n; i++) s = 0.5 * s + x; // expect-error: cannot yet checkpoint a loop inside another loop
  }
  return s;
}
