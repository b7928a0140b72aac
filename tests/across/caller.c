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
