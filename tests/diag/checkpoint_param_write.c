/* A checkpointed loop that writes through a pointer parameter: gradc cannot
 * tell how much memory its snapshots must hold. */
#include <gradc.h>

GRADC_GRAD(wrt(x), out(y))
void smooth(const double *x, double *y, int n, int steps) {
  for (int i = 0; i < n; i++) y[i] = x[i];
  GRADC_CHECKPOINT(4);
  for (int t = 0; t < steps; t++)
    for (int i = 1; i < n; i++) y[i] = 0.5 * (y[i] + y[i - 1]); // expect-error: it writes through 'y'
}
