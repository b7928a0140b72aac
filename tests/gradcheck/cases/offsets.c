/* Pointers that walk one array, which gradc turns into offsets into it
 * (offsets.c): a pointer stepped through a parameter, a helper's pointer
 * parameter walking the strictly lower triangle (ADBench's Qtimesx), rows
 * read as row[k], writes through a pointer into a local array. And the near
 * misses that stay pointers, each of which would read other memory if
 * taken for an offset into the first array it is set from: a pointer set
 * from two arrays (also in a checkpointed loop writing the second), one
 * compared with an end pointer, one whose array moves. Every gradient is checked against central differences
 * and the dot-product test, and its value against the function's. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static void lower_times(int d, const double *diag, const double *L, const double *x, double *out) {
  for (int i = 0; i < d; i++) out[i] = diag[i] * x[i];
  for (int i = 0; i < d; i++)
    for (int j = i + 1; j < d; j++) {
      out[j] = out[j] + *L * x[i];
      L++;
    }
}

/* w: n = 3 values of x, 3 of a diagonal, 3 of the lower triangle, twice */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double triangle(int n, const double *w) {
  double out[3], s = 0;
  for (int k = 0; k < 2; k++) {
    lower_times(3, &w[n + 6 * k], &w[n + 6 * k + 3], w, out);
    for (int i = 0; i < 3; i++) s += sin(out[i]) * out[i];
  }
  (void)n;
  return s;
}

/* a pointer stepped through w, and rows read as row[k] */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double stepped(int n, const double *w) {
  const double *p = &w[1];
  double s = 0;
  for (int i = 1; i < n; i++) {
    s += *p * cos(*p) + 0.1 * s;
    p++;
  }
  for (int i = 0; i + 1 < n; i += 2) {
    const double *row = w + i;
    s += row[0] * row[1] * 0.5;
  }
  return s;
}

/* writes through q into a local array, then reads back */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double local_walk(int n, const double *w) {
  double t[8];
  double *q = t;
  for (int i = 0; i < n; i++) {
    *q = exp(0.3 * w[i]);
    q = q + 1;
  }
  q = t + 1;
  double s = 0;
  for (int i = 1; i < n; i++) {
    s += q[-1] * *q;
    q++;
  }
  return s;
}

/* p set from w and from a local array: an offset would read w both times */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double two_arrays(int n, const double *w) {
  double t[8];
  for (int i = 0; i < n; i++) t[i] = w[i] * w[i] + 1.0;
  const double *p = w;
  double s = 0;
  for (int i = 0; i < n; i++) s += p[i] * t[i];
  p = t + 1;
  for (int i = 0; i + 1 < n; i++) s += sin(p[i]) * w[i];
  return s;
}

/* the same in a checkpointed loop that also writes t: t is a local array,
 * whose adjoint the recorded iteration must not set aside as if t could be
 * w (when q's targets were shared both ways, it did: a wrong gradient) */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double two_arrays_ckpt(int n, const double *w) {
  double t[4] = {w[0], w[1], 0.25, w[2]};
  double a = w[0];
  GRADC_CHECKPOINT(2);
  for (int k = 0; k < n; k++) {
    const double *q = w + 1;
    a = 0.8 * a + 0.1 * q[0] * q[1];
    q = t;
    a = 0.8 * a + 0.1 * q[1] * *q;
    t[k % 4] = 0.5 * t[k % 4] + 0.1 * sin(a);
  }
  return a + t[1];
}

/* p compared with an end pointer */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double to_end(int n, const double *w) {
  const double *p = w, *end = w + n;
  double s = 0;
  while (p < end) {
    s += *p * *p * 0.5 + sin(*p);
    p++;
  }
  return s;
}

/* v moves after p is set from it: p stays where v was */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double base_moves(int n, const double *w) {
  const double *v = w;
  const double *p = v + 1;
  double s = 0;
  v = v + 2;
  for (int i = 0; i + 2 < n; i++) {
    s += p[i] * v[i];
  }
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"

CHECK_CASE(triangle, 3)
CHECK_CASE(stepped, 6)
CHECK_CASE(local_walk, 6)
CHECK_CASE(two_arrays, 6)
CHECK_CASE(two_arrays_ckpt, 6)
CHECK_CASE(to_end, 6)
CHECK_CASE(base_moves, 6)

int main(void) {
  double c[15];
  for (int i = 0; i < 15; i++) c[i] = sin(0.9 * i + 0.2) * 0.7;
  check_gradient("triangle", eval_triangle, grad_triangle, c, 15, 1e-8);
  check_dot("triangle", jvp_triangle, grad_triangle, c, 15, 1e-12);
  double w[6] = {0.4, -0.3, 0.7, 0.2, -0.6, 0.9};
  check_gradient("stepped", eval_stepped, grad_stepped, w, 6, 1e-8);
  check_dot("stepped", jvp_stepped, grad_stepped, w, 6, 1e-12);
  check_gradient("local_walk", eval_local_walk, grad_local_walk, w, 6, 1e-8);
  check_dot("local_walk", jvp_local_walk, grad_local_walk, w, 6, 1e-12);
  check_gradient("two_arrays", eval_two_arrays, grad_two_arrays, w, 6, 1e-8);
  check_dot("two_arrays", jvp_two_arrays, grad_two_arrays, w, 6, 1e-12);
  check_gradient("two_arrays_ckpt", eval_two_arrays_ckpt, grad_two_arrays_ckpt, w, 4, 1e-8);
  check_dot("two_arrays_ckpt", jvp_two_arrays_ckpt, grad_two_arrays_ckpt, w, 4, 1e-12);
  check_gradient("to_end", eval_to_end, grad_to_end, w, 6, 1e-8);
  check_dot("to_end", jvp_to_end, grad_to_end, w, 6, 1e-12);
  check_gradient("base_moves", eval_base_moves, grad_base_moves, w, 6, 1e-8);
  check_dot("base_moves", jvp_base_moves, grad_base_moves, w, 6, 1e-12);
  return check_done("offsets");
}
#endif
