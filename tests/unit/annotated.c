/* annotated.c: annotated user code and hand-written "generated" code must
 * compile without a warning. Under gcc the GRADC_* macros expand to nothing;
 * under clang they become annotate attributes. tests/CMakeLists.txt compiles
 * this file with -Werror under each compiler it finds; it is never run.
 */
#include <gradc.h>

GRADC_GRAD(wrt(x, w))
double loss(double x, const double *w, int n);

GRADC_GRAD(wrt(w), out(y))
void model(const double *w, const double *x, double *y, int n);

double loss_grad(double x, double *x_bar, const double *w, double *w_bar, int n);

GRADC_GRAD(wrt(x, w))
double loss(double x, const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++)
    s += w[i] * x * x;
  return s;
}

void model(const double *w, const double *x, double *y, int n) {
  for (int i = 0; i < n; i++)
    y[i] = w[i] * x[i];
}

/* What the tool might write for loss: the trip count and each w[i] * x on
 * the tape, popped in reverse. */
double loss_grad(double x, double *x_bar, const double *w, double *w_bar, int n) {
  gradc_tape t;
  double s = 0;
  int i;
  gradc_tape_init(&t);
  for (i = 0; i < n; i++) {
    gradc_push_d(&t, x);
    s += w[i] * x * x;
  }
  gradc_push_i(&t, i);
  for (i = gradc_pop_i(&t); i-- > 0;) {
    double xi = gradc_pop_d(&t);
    w_bar[i] += xi * xi;
    *x_bar += 2 * w[i] * xi;
  }
  gradc_push_f(&t, 1.0f);
  gradc_push_l(&t, 1L);
  gradc_push_p(&t, &t);
  (void)gradc_pop_p(&t);
  (void)gradc_pop_l(&t);
  (void)gradc_pop_f(&t);
  gradc_tape_release(&t);
  return s;
}
