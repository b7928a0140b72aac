/* Accumulators reset before their loop and read after it (a dense layer
 * with ReLU, a log-sum-exp), whose intermediate values the reverse sweep
 * never needs; and the forms where it does: a read inside the loop, a read
 * between the reset and the loop, no reset in the same block. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(w, x))
GRADC_GRAD(wrt(w, x))
double layer(const double *w, const double *x, int n, int m) {
  double out = 0;
  for (int j = 0; j < m; j++) {
    double a = w[j * (n + 1) + n];
    for (int i = 0; i < n; i++) a += w[j * (n + 1) + i] * x[i];
    double h = a > 0 ? a : 0.1 * a;
    double se = 0;
    for (int i = 0; i < n; i++) se += exp(x[i] * h);
    out += log(se) * a;
  }
  return out;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double needs_saves(const double *x, int n) {
  double out = 0, a = 0.5;
  for (int j = 0; j < 3; j++) {
    double p = a * x[j];       /* reads a between its reset and its loop? no: before the reset */
    a = x[j] * x[j];
    out += a * p;              /* a read between the reset and the loop */
    for (int i = 0; i < n; i++) a = a * 0.9 + sin(a) * x[i];   /* reads a inside the loop */
    out += a;
  }
  for (int j = 0; j < 3; j++) {
    double b = x[j] * x[j];
    out += sin(b);             /* the only reason to save b: read between reset and loop */
    for (int i = 0; i < n; i++) b += x[i];
    out += b * b;
  }
  double c = 1;
  for (int j = 0; j < 2; j++) {
    if (x[j] > -10) c = x[j];  /* a reset inside a branch: not in the loop's block */
    for (int i = 0; i < n; i++) c += x[i] * c * 0.1;
    out += c * c;
  }
  return out;
}

/* A ReLU layer: a unit that is off gives its dot product's loop a zero
 * adjoint, whose additions the reverse sweep skips (if (a_bar != 0)) */
GRADC_JVP(wrt(w, x))
GRADC_GRAD(wrt(w, x))
double relu_layer(const double *w, const double *x, int n, int m) {
  double out = 0;
  for (int j = 0; j < m; j++) {
    double a = w[j * (n + 1) + n];
    for (int i = 0; i < n; i++) a += w[j * (n + 1) + i] * x[i];
    double h = a > 0 ? a : 0;
    out += h * h * (j + 1);
  }
  return out;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double layer_grad(const double *w, double *w_bar, const double *x, double *x_bar, int n, int m);
double layer_jvp(const double *w, const double *w_dot, const double *x, const double *x_dot, int n, int m,
                 double *ret_dot);
double needs_saves_grad(const double *x, double *x_bar, int n);
double relu_layer(const double *w, const double *x, int n, int m);
double relu_layer_grad(const double *w, double *w_bar, const double *x, double *x_bar, int n, int m);
double relu_layer_jvp(const double *w, const double *w_dot, const double *x, const double *x_dot, int n, int m,
                      double *ret_dot);
double needs_saves_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
enum { N = 3, M = 4, NW = M * (N + 1) };
static double eval_layer(const double *q) { return layer(q, q + NW, N, M); }
static void grad_layer(const double *q, double *g) { CHECK_CLOSE(layer_grad(q, g, q + NW, g + NW, N, M), eval_layer(q), 1e-14); }
static double jvp_layer(const double *q, const double *u) { double t; layer_jvp(q, u, q + NW, u + NW, N, M, &t); return t; }
static double eval_relu(const double *q) { return relu_layer(q, q + NW, N, M); }
static void grad_relu(const double *q, double *g) { CHECK_CLOSE(relu_layer_grad(q, g, q + NW, g + NW, N, M), eval_relu(q), 1e-14); }
static double jvp_relu(const double *q, const double *u) { double t; relu_layer_jvp(q, u, q + NW, u + NW, N, M, &t); return t; }
static double eval_needs(const double *q) { return needs_saves(q, 4); }
static void grad_needs(const double *q, double *g) { needs_saves_grad(q, g, 4); }
static double jvp_needs(const double *q, const double *u) { double t; needs_saves_jvp(q, u, 4, &t); return t; }
int main(void) {
  double q[NW + N];
  for (int i = 0; i < NW + N; i++) q[i] = sin(1.7 * i + 0.3) * 0.8;
  check_gradient("layer", eval_layer, grad_layer, q, NW + N, 1e-9);
  check_dot("layer", jvp_layer, grad_layer, q, NW + N, 1e-12);
  /* units 1 and 3 off, 0 and 2 on (a = -0.9, -0.25 and 0.7, 0.55) */
  double r[NW + N];
  for (int i = 0; i < NW + N; i++) r[i] = 0.1 * (i % 3) - 0.05;
  r[0 * (N + 1) + N] = 0.7, r[1 * (N + 1) + N] = -0.9, r[2 * (N + 1) + N] = 0.55, r[3 * (N + 1) + N] = -0.25;
  double dots[M] = {0};
  for (int j = 0; j < M; j++) {
    dots[j] = r[j * (N + 1) + N];
    for (int i = 0; i < N; i++) dots[j] += r[j * (N + 1) + i] * r[NW + i];
  }
  if (!(dots[0] > 0.1 && dots[1] < -0.1 && dots[2] > 0.1 && dots[3] < -0.1)) {
    printf("FAIL relu_layer: units not on and off as intended\n");
    check_failures++;
  }
  check_gradient("relu_layer", eval_relu, grad_relu, r, NW + N, 1e-9);
  check_dot("relu_layer", jvp_relu, grad_relu, r, NW + N, 1e-12);
  double x[4] = {0.4, -0.3, 0.7, 0.2};
  check_gradient("needs_saves", eval_needs, grad_needs, x, 4, 1e-9);
  check_dot("needs_saves", jvp_needs, grad_needs, x, 4, 1e-12);
  return check_failures ? 1 : 0;
}
#endif
