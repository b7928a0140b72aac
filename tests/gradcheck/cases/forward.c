/* Forward mode (GRADC_JVP): tangents against finite differences, and the
 * dot-product test against reverse mode on the same functions: loops,
 * branches, helper calls, pointers, structs and out arrays. */
#include <math.h>
#include <gradc.h>

typedef struct { double x, y; } vec2;

static double helper(double a, double b) {
  double t = a * b;
  t = sin(t) + a;
  return t * t;
}

GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double mixed(double x, const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    if (w[i] > 0) s += w[i] * x / (1 + x * x);
    else s -= helper(x, w[i]);
  }
  double r = 1;
  while (r < 4) r = r * (1.5 + 0.1 * tanh(s));   /* data-dependent trip count */
  return s * s + r;
}

GRADC_JVP(wrt(a))
GRADC_GRAD(wrt(a))
double vec_energy(vec2 a, const vec2 *b) {
  vec2 c = a;
  c.x = c.x * b->x - c.y;
  return hypot(c.x, c.y) + exp(-a.y * b->y);
}

GRADC_JVP(wrt(w), out(y))
GRADC_GRAD(wrt(w), out(y))
void layer(const double *w, const double *x, double *y, int n) {
  for (int i = 0; i < 2; i++) {
    y[i] = 0;
    for (int j = 0; j < n; j++) y[i] += w[i * n + j] * x[j];
    y[i] = tanh(y[i]);
  }
}

/* f(u) stored in memory: the tangent is read from the stored value
 * (h[k] = tanh(a): h_dot[k] = (1 - h[k])(1 + h[k]) a_dot); and the near
 * misses that must not: an argument reading memory that the store changes
 * through another name (p aliases v), an index read from memory */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double stored(const double *w, const int *idx, int n) {
  double h[4], v[2];
  double *p = v;
  for (int k = 0; k < n; k++) {
    double a = w[k] * w[(k + 1) % n];
    h[k] = tanh(a);
  }
  v[0] = w[0];
  p[0] = exp(w[1] * v[0]);
  v[1] = sqrt(1 + h[1] * h[1]);
  h[idx[0]] = exp(w[2]);
  return h[0] + h[1] * h[2] + h[3] + v[0] * v[1];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double mixed_jvp(double x, double x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
double mixed_grad(double x, double *x_bar, const double *w, double *w_bar, int n);
double vec_energy_jvp(vec2 a, vec2 a_dot, const vec2 *b, double *ret_dot);
double vec_energy_grad(vec2 a, vec2 *a_bar, const vec2 *b);
void layer_jvp(const double *w, const double *w_dot, const double *x, double *y, double *y_dot, int n);
void layer_grad(const double *w, double *w_bar, const double *x, double *y, double *y_bar, int n);
double stored_jvp(const double *w, const double *w_dot, const int *idx, int n, double *ret_dot);
double stored_grad(const double *w, double *w_bar, const int *idx, int n);

static const int IDX[1] = {3};
static double jvp_stored(const double *p, const double *u) {
  double t;
  stored_jvp(p, u, IDX, 4, &t);
  return t;
}
static void grad_stored(const double *p, double *g) { stored_grad(p, g, IDX, 4); }
static double eval_stored(const double *p) { return stored(p, IDX, 4); }

static double jvp_mixed(const double *p, const double *u) {
  double t;
  mixed_jvp(p[0], u[0], p + 1, u + 1, 3, &t);
  return t;
}
static void grad_mixed(const double *p, double *g) { mixed_grad(p[0], &g[0], p + 1, g + 1, 3); }
static double eval_mixed(const double *p) { return mixed(p[0], p + 1, 3); }

static const vec2 B = {0.7, -1.3};
static double jvp_vec(const double *p, const double *u) {
  double t;
  vec_energy_jvp((vec2){p[0], p[1]}, (vec2){u[0], u[1]}, &B, &t);
  return t;
}
static void grad_vec(const double *p, double *g) {
  vec2 gb = {0, 0};
  vec_energy_grad((vec2){p[0], p[1]}, &gb, &B);
  g[0] = gb.x, g[1] = gb.y;
}
static double eval_vec(const double *p) { return vec_energy((vec2){p[0], p[1]}, &B); }

static const double X[3] = {0.5, -1.0, 2.0}, V[2] = {0.8, -0.3};
static double jvp_layer(const double *p, const double *u) {
  double y[2], yd[2];
  layer_jvp(p, u, X, y, yd, 3);
  return V[0] * yd[0] + V[1] * yd[1];
}
static void grad_layer(const double *p, double *g) {
  double y[2], yb[2] = {V[0], V[1]};
  layer_grad(p, g, X, y, yb, 3);
}
static double eval_layer(const double *p) {
  double y[2];
  layer(p, X, y, 3);
  return V[0] * y[0] + V[1] * y[1];
}

int main(void) {
  double p[4] = {0.8, 0.5, -0.7, 1.2};
  check_gradient("mixed", eval_mixed, grad_mixed, p, 4, 1e-9);
  check_dot("mixed", jvp_mixed, grad_mixed, p, 4, 1e-12);
  /* the tangent alone against finite differences, along one axis */
  double t;
  mixed_jvp(p[0], 1.0, p + 1, (double[3]){0, 0, 0}, 3, &t);
  CHECK_CLOSE(t, fd_partial(eval_mixed, p, 0), 1e-9);

  double q[2] = {0.9, 0.4};
  check_gradient("vec_energy", eval_vec, grad_vec, q, 2, 1e-9);
  check_dot("vec_energy", jvp_vec, grad_vec, q, 2, 1e-12);

  double ps[4] = {0.6, -0.4, 0.9, 0.3};
  check_gradient("stored", eval_stored, grad_stored, ps, 4, 1e-9);
  check_dot("stored", jvp_stored, grad_stored, ps, 4, 1e-12);

  double w[6] = {0.1, -0.2, 0.3, 0.4, 0.5, -0.6};
  check_gradient("layer", eval_layer, grad_layer, w, 6, 1e-9);
  check_dot("layer", jvp_layer, grad_layer, w, 6, 1e-12);
  double y[2], yd[2];
  layer_jvp(w, (double[6]){0}, X, y, yd, 3);
  double yr[2];
  layer(w, X, yr, 3);
  CHECK_CLOSE(y[0], yr[0], 0);   /* f_jvp computes y as f does */
  CHECK_CLOSE(y[1], yr[1], 0);
  return check_done("forward");
}
#endif
