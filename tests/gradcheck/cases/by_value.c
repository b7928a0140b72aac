/* Derivatives taken from the value the forward sweep computed: y = exp(u),
 * tanh, sqrt, expm1, exp2 and the logistic function 1 / (1 + exp(-u))
 * assigned to locals, whose reverse reads y instead of calling f again, and
 * pairs c = cos(u); s = sin(u), each the other's derivative.
 * The locals are overwritten later (in the same iteration, in the next one,
 * after the loop), in double and float, so that y's value must be saved
 * and restored around its own adjoint. Checked against central differences
 * and the dot-product test. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double gates(int n, const double *w) {
  double out = 0, y = 0, t = 0;
  for (int i = 0; i < n; i++) {
    double z = w[i] * w[(i + 1) % n];
    y = 1.0 / (1.0 + exp(-z));           /* logistic */
    t = tanh(z + y);
    double e = exp(0.3 * t - y);
    double r = sqrt(1.5 + e * e);
    out += y * t + e * r;
    y = 1 / (1 + exp(z));                /* logistic of -z, written the other way */
    t = expm1(0.5 * y) + exp2(-y);
    out += y * t;
  }
  y = exp(out * 0.01);
  return y * out;
}

GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
float gates_f(int n, const float *w) {
  float out = 0;
  for (int i = 0; i < n; i++) {
    float z = w[i] * w[(i + 2) % n];
    float y = 1.0f / (1.0f + expf(-z));
    float t = tanhf(z * y);
    float r = sqrtf(2.0f + t);
    out += y * t * r;
  }
  return out;
}

/* cos(u) and sin(u) next to each other (both orders): the second's reverse
 * adds both derivatives from the two values; the values are overwritten
 * in the next iteration and after the loop */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double rotations(int n, const double *w) {
  double out = 0, c = 0, s = 0;
  for (int i = 0; i < n; i++) {
    double th = w[i] * w[(i + 1) % n];
    c = cos(th);
    s = sin(th);
    double x = c * w[i] - s * 0.5, y = s * w[i] + c * 0.5;
    double ph = x * y;
    s = sin(ph);
    c = cos(ph);
    out += x * s + y * c * c;
  }
  c = cos(out);
  s = sin(out);
  return c * s + out;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double gates_grad(int n, const double *w, double *w_bar);
double gates_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
float gates_f_grad(int n, const float *w, float *w_bar);
float gates_f_jvp(int n, const float *w, const float *w_dot, float *ret_dot);
double rotations(int n, const double *w);
double rotations_grad(int n, const double *w, double *w_bar);
double rotations_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
enum { N = 6 };
static double eval_rot(const double *q) { return rotations(N, q); }
static void grad_rot(const double *q, double *g) { CHECK_CLOSE(rotations_grad(N, q, g), rotations(N, q), 1e-14); }
static double jvp_rot(const double *q, const double *u) { double t; rotations_jvp(N, q, u, &t); return t; }
static double eval_gates(const double *q) { return gates(N, q); }
static void grad_gates(const double *q, double *g) { CHECK_CLOSE(gates_grad(N, q, g), gates(N, q), 1e-14); }
static double jvp_gates(const double *q, const double *u) { double t; gates_jvp(N, q, u, &t); return t; }
static double eval_gates_f(const double *q) {
  float w[N];
  for (int i = 0; i < N; i++) w[i] = (float)q[i];
  return gates_f(N, w);
}
int main(void) {
  double w[N] = {0.4, -1.3, 0.7, 2.2, -0.6, 1.1};
  check_gradient("gates", eval_gates, grad_gates, w, N, 1e-8);
  check_dot("gates", jvp_gates, grad_gates, w, N, 1e-12);
  check_gradient("rotations", eval_rot, grad_rot, w, N, 1e-8);
  check_dot("rotations", jvp_rot, grad_rot, w, N, 1e-12);
  /* float: against central differences of the double evaluation of the
   * float function, to float accuracy */
  float wf[N], gf[N] = {0};
  for (int i = 0; i < N; i++) wf[i] = (float)w[i];
  gates_f_grad(N, wf, gf);
  for (int i = 0; i < N; i++) {
    double h = 1e-3, q[N];
    for (int j = 0; j < N; j++) q[j] = w[j];
    q[i] = w[i] + h;
    double fp = eval_gates_f(q);
    q[i] = w[i] - h;
    double fm = eval_gates_f(q);
    CHECK_CLOSE(gf[i], (fp - fm) / (2 * h), 2e-3);
  }
  return check_failures ? 1 : 0;
}
#endif
