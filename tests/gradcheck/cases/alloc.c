/* Allocation in helpers as C code does it: a buffer grown by realloc while
 * it is filled (the kept elements' adjoints go back to the old block), a
 * NULL start, posix_memalign checked in a condition, calloc'd and freed
 * scratch. The feature-test macro is repeated in the generated file. */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static double grow(const double *x, int n) {
  double *b = NULL;
  int cap = 0, len = 0;
  for (int i = 0; i < n; i++) {
    if (len == cap) {
      cap = cap ? 2 * cap : 2;
      b = realloc(b, (size_t)cap * sizeof *b);
    }
    b[len++] = sin(x[i]) + x[(i + 1) % n] * b[len > 1 ? len - 2 : 0] * 0.0 + 0.0;
  }
  double s = 0;
  for (int i = 0; i < len; i++) s += b[i] * b[(i + 1) % len];
  free(b);
  return s;
}

static double aligned(const double *x, int n) {
  double *a;
  if (posix_memalign((void **)&a, 64, (size_t)n * sizeof *a) != 0) return 0;
  for (int i = 0; i < n; i++) a[i] = x[i] * x[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * x[(i + 1) % n];
  free(a);
  return s;
}

static double aligned_stmt(const double *x, int n) {
  double *a = NULL;
  int r = posix_memalign((void **)&a, 32, (size_t)n * sizeof *a);
  double s = 0;
  if (r == 0) {
    for (int i = 0; i < n; i++) a[i] = exp(0.1 * x[i]);
    for (int i = 0; i < n; i++) s += a[i] * a[n - 1 - i];
  }
  free(a);
  return s;
}

/* fresh buffers filled once (no save needed), then overwritten (saves
 * needed), and a calloc'd buffer whose zeros are read before they are
 * written (v[i + 1] in the same loop): each in a loop of the caller */
static double fills(const double *x, int n) {
  double *v = malloc((size_t)n * sizeof *v);
  for (int i = 0; i < n; i++) v[i] = x[i] * x[(i + 2) % n];
  for (int i = 0; i + 1 < n; i++) v[i] = v[i] * v[i + 1] + 0.5;
  double *z = calloc((size_t)n + 1, sizeof *z);
  for (int i = 0; i < n; i++) z[i] = sin(x[i]) + z[i + 1] * x[i];
  double *w = malloc(sizeof *w);
  w[0] = x[1] * v[0];
  double s = w[0];
  for (int i = 0; i < n; i++) s += v[i] * z[i];
  free(v);
  free(z);
  free(w);
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double allocs(const double *x, int n) {
  double s = grow(x, n) + aligned(x, n) + aligned_stmt(x, n);
  for (int r = 0; r < 3; r++) s += fills(x, n - r) * (r + 1);
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double allocs_grad(const double *x, double *x_bar, int n);
double allocs_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
static double eval(const double *q) { return allocs(q, 7); }
static void grad(const double *q, double *g) { CHECK_CLOSE(allocs_grad(q, g, 7), allocs(q, 7), 1e-15); }
static double jvp(const double *q, const double *u) { double t; allocs_jvp(q, u, 7, &t); return t; }
int main(void) {
  double q[7] = {0.3, -0.8, 1.1, 0.5, -0.2, 0.9, 0.4};
  check_gradient("allocs", eval, grad, q, 7, 1e-9);
  check_dot("allocs", jvp, grad, q, 7, 1e-12);
  return check_failures ? 1 : 0;
}
#endif
