#include "across.h"

enum { N = 5 };

GRADC_GRAD(wrt(x, a))
double f(const double *x, double a) {
  static const double data[N] = {0.5, -1, 2, 0.25, 1.5};
  double A[N * N], D[N * N], y[N], z[N], w[N];
  for (int i = 0; i < N * N; i++) A[i] = x[i % N] * (i % 3 - 1) + 0.1 * i;
  for (int i = 0; i < N * N; i++) D[i] = data[i % N] * (i % 4);
  fold(x, y, N);                    /* x active, y out */
  normalize(y, N);                  /* in place */
  double s = wsum(a, y, N);         /* a and y active */
  double t = wsum(2.0, x, N);       /* a constant scalar: a dummy adjoint */
  double u = wsum(a, data, N);      /* data carries no derivative */
  matvec(A, y, z, N, N);            /* A made from x */
  matvec(D, x, w, N, N);            /* the matrix is data */
  double r = 0;
  for (int i = 0; i < N; i++) r += z[i] * w[i];
  return s * t + u + rpow(s, 3) + r;
}

/* a checkpointed loop whose steps pass scratch memory (a helper's VLA) to
 * another file's function: the companion's redo entries for it must go with
 * the step that frees it */
static double first_normalized(const double *a, int n) {
  double t[n];
  for (int i = 0; i < n; i++) t[i] = a[i] * a[i] + 0.5;
  normalize(t, n);
  return t[0] + t[n - 1];
}

GRADC_GRAD(wrt(x))
double cyc(const double *x) {
  double a[N], acc = 0;
  for (int i = 0; i < N; i++) a[i] = x[i];
  GRADC_CHECKPOINT(2);
  for (int k = 0; k < 7; k++) {
    acc = 0.5 * acc + first_normalized(a, N);
    a[k % N] += 0.1 * acc;
  }
  return acc + a[1];
}
