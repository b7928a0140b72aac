/* main.c: fit y = sin(2x) on [-1.5, 1.5] with the network of model.c,
 * after checking loss_grad against central differences. Exits non-zero if
 * the gradient is off or the loss does not fall tenfold. */
#include <math.h>
#include <stdio.h>

#include "model.h"

enum { N = 64, STEPS = 3000 };

int main(void) {
  double xs[N], ys[N], p[NPARAMS], g[NPARAMS];
  for (int k = 0; k < N; k++) {
    xs[k] = -1.5 + 3.0 * k / (N - 1);
    ys[k] = sin(2 * xs[k]);
  }
  unsigned s = 12345;   /* a small deterministic generator: same start on every machine */
  for (int i = 0; i < NPARAMS; i++) {
    s = s * 1103515245u + 12345u;
    p[i] = ((s >> 8) % 2001 / 1000.0 - 1.0) * 0.8;
  }

  /* the gradient against central differences */
  for (int i = 0; i < NPARAMS; i++) g[i] = 0;
  loss_grad(p, g, xs, ys, N);
  double worst = 0;
  for (int i = 0; i < NPARAMS; i++) {
    double o = p[i], e = 1e-6;
    p[i] = o + e;
    double fp = loss(p, xs, ys, N);
    p[i] = o - e;
    double fm = loss(p, xs, ys, N);
    p[i] = o;
    double cd = (fp - fm) / (2 * e), err = fabs(g[i] - cd) / (1 + fabs(cd));
    if (err > worst) worst = err;
  }
  printf("gradient vs central differences: worst relative error %.1e\n", worst);

  /* Adam */
  double m[NPARAMS] = {0}, v[NPARAMS] = {0}, first = 0, last = 0;
  for (int t = 1; t <= STEPS; t++) {
    for (int i = 0; i < NPARAMS; i++) g[i] = 0;
    double l = loss_grad(p, g, xs, ys, N);
    if (t == 1) first = l;
    last = l;
    for (int i = 0; i < NPARAMS; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
      p[i] -= 0.01 * mh / (sqrt(vh) + 1e-8);
    }
    if (t == 1 || t % 1000 == 0) printf("step %4d  loss %.6f\n", t, l);
  }
  printf("loss %.4f -> %.6f (%.0fx lower)\n", first, last, first / last);
  return worst > 1e-6 || !(last < first / 10);
}
