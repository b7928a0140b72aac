/* GRADC_CHECKPOINT marks the loop right after it. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double s = x;
  GRADC_CHECKPOINT(4); // expect-error: must stand immediately before a for, while or do loop
  s = s * s;
  for (int i = 0; i < 3; i++) s = s * 0.5 + x;
  return s;
}
