/* header_helpers.h: static inline helpers in a header, one of them named by
 * token pasting, for headers.c. */
#include <math.h>
#include <stdlib.h>
#define FN(name) hdr_##name
static inline double sqnorm(const double *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}
static inline void FN(scale)(const double *x, double a, double *out, size_t n) {
  double *tmp = malloc(n * sizeof *tmp);
  for (size_t i = 0; i < n; i++) tmp[i] = a * x[i];
  for (size_t i = n; i-- > 0;) out[i] = tmp[i] + 0.5 * x[i];
  free(tmp);
}
/* static, not inline: unused in the generated file once inlined there */
static double hsum(const double *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += x[i];
  return s;
}
