/* Split mode: f_fwd records once, f_rev replays the same recording with
 * several seeds; each sweep must equal f_grad's gradient times its seed, and
 * out arrays keep the values f computes. Functions with loops, branches,
 * overwritten values, calls and out arrays. */
#include <math.h>
#include <gradc.h>

static double bump(double a, double b) { return a > b ? a * a : sin(a * b); }

GRADC_GRAD(wrt(x, w), split)
GRADC_GRAD(wrt(x, w))
GRADC_JVP(wrt(x, w))
double loss(double x, const double *w, int n) {
  double p = 1;
  for (int i = 0; i < n; i++) {
    p = p * x + w[i];
    if (p > 2) p = sqrt(p);
    p += bump(p, w[i]);
  }
  return p;
}

GRADC_GRAD(wrt(w), out(y), split)
void model(const double *w, const double *x, double *y, int n) {
  for (int i = 0; i < 2; i++) {
    y[i] = 0;
    for (int j = 0; j < n; j++) y[i] += w[i * n + j] * x[j];
    y[i] = tanh(y[i]);
  }
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double loss_fwd(double x, const double *w, int n, gradc_tape *tape);
void loss_rev(double x, double *x_bar, const double *w, double *w_bar, int n, double ret_bar, gradc_tape *tape);
double loss_grad(double x, double *x_bar, const double *w, double *w_bar, int n);
void model_fwd(const double *w, const double *x, double *y, int n, gradc_tape *tape);
void model_rev(const double *w, double *w_bar, const double *x, double *y, double *y_bar, int n, gradc_tape *tape);
double loss_jvp(double x, double x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
static void grad_loss(const double *p, double *g) { loss_grad(p[0], &g[0], p + 1, g + 1, 4); }
static double jvp_loss(const double *p, const double *u) {
  double t;
  loss_jvp(p[0], u[0], p + 1, u + 1, 4, &t);
  return t;
}

int main(void) {
  double w[4] = {0.3, -0.8, 1.1, 0.2};
  double xb0 = 0, wb0[4] = {0};
  double lp[5] = {0.9, 0.3, -0.8, 1.1, 0.2};
  check_dot("loss", jvp_loss, grad_loss, lp, 5, 1e-12);
  double v0 = loss_grad(0.9, &xb0, w, wb0, 4);
  gradc_tape *t = gradc_tape_new();
  double v = loss_fwd(0.9, w, 4, t);
  CHECK_CLOSE(v, v0, 0);
  size_t recorded = gradc_tape_size(t);
  const double seeds[3] = {1.0, -2.5, 0.125};
  for (int k = 0; k < 3; k++) {
    double xb = 0, wb[4] = {0};
    loss_rev(0.9, &xb, w, wb, 4, seeds[k], t);
    CHECK_CLOSE(xb, seeds[k] * xb0, 1e-14);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(wb[i], seeds[k] * wb0[i], 1e-14);
    CHECK_CLOSE((double)gradc_tape_size(t), (double)recorded, 0);   /* not consumed */
  }
  gradc_tape_free(t);

  /* rows of the Jacobian of model from one recording */
  const double x[3] = {0.5, -1.0, 2.0};
  double wm[6] = {0.1, -0.2, 0.3, 0.4, 0.5, -0.6}, y[2];
  t = gradc_tape_new();
  model_fwd(wm, x, y, 3, t);
  for (int r = 0; r < 2; r++) {
    double wb[6] = {0}, yb[2] = {r == 0, r == 1}, yy[2] = {y[0], y[1]};
    model_rev(wm, wb, x, y, yb, 3, t);
    CHECK_CLOSE(y[0], yy[0], 0);   /* y keeps the values model computes */
    CHECK_CLOSE(y[1], yy[1], 0);
    for (int j = 0; j < 3; j++) {
      double d = 1 - y[r] * y[r];
      CHECK_CLOSE(wb[r * 3 + j], d * x[j], 1e-14);     /* dy_r / dw_rj */
      CHECK_CLOSE(wb[(1 - r) * 3 + j], 0, 0);
    }
  }
  gradc_tape_free(t);
  return check_done("split");
}
#endif
