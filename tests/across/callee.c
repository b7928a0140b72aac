#include <math.h>
#include <stdlib.h>

#include "across.h"

double wsum(double a, const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  return a * s;
}

void normalize(double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  double r = sqrt(s);
  for (int i = 0; i < n; i++) v[i] /= r;
}

void fold(const double *x, double *y, int n) {
  const double *p = x, *q = x + n - 1;
  double *out = y;
  for (int i = 0; i < n; i++) {
    *out = *p * *q;
    out++;
    p++;
    q--;
  }
}

double rpow(double x, int k) {
  if (k == 0) return 1;
  return x * rpow(x, k - 1);
}

void matvec(const double *A, const double *x, double *y, int m, int n) {
  const double *row = A;
  for (int i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += row[j] * sin(x[j]);
    y[i] = s;
    row += n;
  }
}
