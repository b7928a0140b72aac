/* The runtime checks of <gradc/check.h> on a function with a known
 * gradient: f(x) = sum x_i^2 sin(x_i), J = [df/dx] and a 2-output map. */
#include <gradc/check.h>
#include <math.h>
#include <stdio.h>

static double f(const double *x, void *ctx) {
  int n = *(int *)ctx;
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i] * sin(x[i]);
  return s;
}

#define EXPECT(cond)                                              \
  do {                                                            \
    if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failed++; } \
  } while (0)

int main(void) {
  int failed = 0, n = 5;
  double x[5], g[5], fd[5], u[5];
  unsigned long long s = 7, s2 = 7;
  gradc_check_random(x, n, &s);
  gradc_check_random(u, n, &s2);
  EXPECT(u[0] == x[0] && s == s2);   /* deterministic */
  for (int i = 0; i < n; i++) EXPECT(x[i] >= 0.5 && x[i] < 1.5);
  for (int i = 0; i < n; i++) g[i] = 2 * x[i] * sin(x[i]) + x[i] * x[i] * cos(x[i]);
  double x0 = x[2];
  EXPECT(gradc_check_fd(f, &n, x, n, g, fd) < 1e-9);
  EXPECT(x[2] == x0);                 /* restored */
  EXPECT(fabs(fd[2] - g[2]) < 1e-9);
  g[3] *= 1.001;
  EXPECT(gradc_check_fd(f, &n, x, n, g, NULL) > 1e-4);
  g[3] /= 1.001;
  /* y = A x with A 2x5: ju = A u, jtv = A^T v */
  double A[2][5], ju[2] = {0}, v[2] = {0.3, -0.7}, jtv[5] = {0};
  gradc_check_random(&A[0][0], 10, &s);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < n; i++) ju[k] += A[k][i] * u[i], jtv[i] += A[k][i] * v[k];
  EXPECT(gradc_check_dot(u, ju, v, jtv, n, 2) < 1e-14);
  jtv[1] += 1e-6;
  EXPECT(gradc_check_dot(u, ju, v, jtv, n, 2) > 1e-8);
  double t = 0;
  for (int i = 0; i < n; i++) t += u[i] * g[i];
  EXPECT(gradc_check_dot(u, &t, NULL, g, n, 1) < 1e-14);
  EXPECT(gradc_check_rel_err(1, NAN) == INFINITY);
  EXPECT(gradc_check_rel_err(100, 101) < 0.01 + 1e-15);
  EXPECT(gradc_check_rel_err(1e-3, 2e-3) == 1e-3);
  printf("check_api: %d failed\n", failed);
  return failed != 0;
}
