/* f_grad against central differences, over every input. */
#include <math.h>
#include <stdio.h>

double f(const double *x, double a);
double f_grad(const double *x, double *x_bar, double a, double *a_bar);
double cyc(const double *x);
double cyc_grad(const double *x, double *x_bar);

int main(void) {
  double x[6] = {0.3, -0.7, 1.1, 0.4, -0.2, 0.8}, g[6] = {0};
  double v = f_grad(x, g, x[5], &g[5]), worst = 0;
  if (fabs(v - f(x, x[5])) > 1e-12 * (1 + fabs(v))) {
    printf("f_grad returns %.17g, f %.17g\n", v, f(x, x[5]));
    return 1;
  }
  for (int i = 0; i < 6; i++) {
    double o = x[i], h = 1e-6 * (1 + fabs(o));
    x[i] = o + h;
    double fp = f(x, x[5]);
    x[i] = o - h;
    double fm = f(x, x[5]);
    x[i] = o;
    double cd = (fp - fm) / (2 * h), err = fabs(cd - g[i]) / (1 + fabs(cd));
    printf("d/d%s%d: gradc %.10g  central differences %.10g\n", i < 5 ? "x" : "a", i < 5 ? i : 0, g[i], cd);
    if (err > worst) worst = err;
  }
  double gg[5] = {0};
  cyc_grad(x, gg);
  for (int i = 0; i < 5; i++) {
    double o = x[i], h = 1e-6 * (1 + fabs(o));
    x[i] = o + h;
    double gp = cyc(x);
    x[i] = o - h;
    double gm = cyc(x);
    x[i] = o;
    double cd = (gp - gm) / (2 * h), err = fabs(cd - gg[i]) / (1 + fabs(cd));
    printf("cyc: d/dx%d: gradc %.10g  central differences %.10g\n", i, gg[i], cd);
    if (err > worst) worst = err;
  }
  printf("worst relative error %.2e\n", worst);
  return worst > 1e-7;
}
