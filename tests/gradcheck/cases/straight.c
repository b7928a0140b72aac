/* Straight-line code: arithmetic, compound assignment, reassigned locals,
 * casts, integers, libm, helper calls, pointer parameters at constant
 * indices, float. */
#include <math.h>
#include <gradc.h>

static double helper(double a, double b) {
  double t = a * b;
  t = sin(t) + a;
  return t * t;
}

double scale3(double v) { return 3.0 * v - v / 4; }

GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double loss(double x, const double *w, int n) {
  double s = w[0] * x;
  s += w[1] * exp(x) / (1 + w[2]);
  s *= 2.0;
  s -= helper(x, w[1]);
  s /= 1.5 + w[2] * w[2];
  int k = (int)x;                 /* integer: no derivative */
  double f = (double)n * x;       /* int -> double */
  double y = -s + f + pow(x, 3.0) + fabs(w[2]) * n + k;
  y = y * y / 10 + scale3(y);
  return y;
}

GRADC_GRAD(wrt(a, b))
float lossf(float a, float b) {
  float t = sinf(a) * cosf(b) + expf(a * 0.5f) - logf(b);
  t = t * sqrtf(b) + tanhf(a) + powf(b, 1.5f) + atan2f(a, b);
  return t;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double through_float(double x) { float f = (float)x; return f * x; }

/* A minus on an unsigned factor is modular (x * -k is x times 2^32 - k, not
 * -(x k)): its partial keeps it as written, while floating minuses fold into
 * -= (x_bar -= ... for x * -x). */
GRADC_GRAD(wrt(x))
double unsigned_minus(double x, unsigned k) { return x * -k * 1e-9 - x * -x + -x / -(x + 3); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double loss_grad(double x, double *x_bar, const double *w, double *w_bar, int n);
float lossf_grad(float a, float *a_bar, float b, float *b_bar);

static double eval_loss(const double *p) { return loss(p[0], p + 1, 3); }
static void grad_loss(const double *p, double *g) { loss_grad(p[0], &g[0], p + 1, g + 1, 3); }
static double eval_lossf(const double *p) { return lossf((float)p[0], (float)p[1]); }

/* A cast to float rounds, so finite differences see steps: check it with
 * the closed form d/dx [(float)x * x] = 2x (to float accuracy). */
double through_float_grad(double x, double *x_bar);
double loss_jvp(double x, double x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
double through_float_jvp(double x, double x_dot, double *ret_dot);
static double jvp_loss(const double *p, const double *u) {
  double t;
  loss_jvp(p[0], u[0], p + 1, u + 1, 3, &t);
  return t;
}
static void grad_tf(const double *p, double *g) { through_float_grad(p[0], &g[0]); }
double unsigned_minus_grad(double x, double *x_bar, unsigned k);
static double eval_um(const double *p) { return unsigned_minus(p[0], 3u); }
static void grad_um(const double *p, double *g) { unsigned_minus_grad(p[0], &g[0], 3u); }
static double jvp_tf(const double *p, const double *u) {
  double t;
  through_float_jvp(p[0], u[0], &t);
  return t;
}

int main(void) {
  double d = 0;
  through_float_grad(1.25, &d);
  CHECK_CLOSE(d, 2.5, 1e-7);
  double tf[1] = {1.25};
  check_dot("through_float", jvp_tf, grad_tf, tf, 1, 1e-12);
  double um[1] = {0.6};
  check_gradient("unsigned_minus", eval_um, grad_um, um, 1, 1e-9);
  double p[4] = {0.7, 1.3, -0.4, 0.9};
  check_gradient("loss", eval_loss, grad_loss, p, 4, 1e-9);
  check_dot("loss", jvp_loss, grad_loss, p, 4, 1e-12);
  double q[4] = {-0.3, 0.5, 2.0, -1.1};
  check_gradient("loss at another point", eval_loss, grad_loss, q, 4, 1e-9);
  check_dot("loss at another point", jvp_loss, grad_loss, q, 4, 1e-12);
  /* float: compare with the double-precision finite differences */
  float ga = 0, gb = 0;
  lossf_grad(0.8f, &ga, 1.7f, &gb);
  double r[2] = {0.8, 1.7};
  CHECK_CLOSE(ga, fd_partial(eval_lossf, r, 0), 2e-3);
  CHECK_CLOSE(gb, fd_partial(eval_lossf, r, 1), 2e-3);
  return check_done("straight");
}
#endif
