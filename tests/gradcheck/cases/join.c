/* Loops over the same range joined into one (fuse.c) and reversed as one:
 * GMM's centring and scaling per component over malloc'd scratch, a third
 * loop updating the second's buffer in place, local arrays and counters of
 * other names, a pointer set between the loops. And the near misses that must stay apart, each of which,
 * joined, would compute another value: a scalar both read changed between
 * them, a read of the next element, the
 * elements in the other order, a second name for the buffer, a running
 * scalar, two buffers in one block, the first loop's counter read in the
 * second (where it is n); a cell read in its own iteration
 * through a second name. Every gradient is checked against
 * central differences and the dot-product test, and its value against the
 * function's. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

/* w: n values of x, 2 means of n values, 2 log-scales of n values */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double centred(int n, const double *w) {
  double *xc = malloc(n * sizeof(double));
  double *qxc = malloc(n * sizeof(double));
  double s = 0;
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < n; i++) xc[i] = w[i] - w[n + k * n + i];
    for (int i = 0; i < n; i++) qxc[i] = exp(w[3 * n + k * n + i]) * xc[i];
    for (int j = 0; j < n; j++) qxc[j] = qxc[j] + 0.5 * xc[j] * xc[j];
    double sq = 0;
    for (int i = 0; i < n; i++) sq += qxc[i] * qxc[i];
    s += log(1.0 + sq);
  }
  free(xc);
  free(qxc);
  return s;
}

/* local arrays, the second loop reading both */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double local_pair(int n, const double *w) {
  double a[4], b[4];
  for (int i = 0; i < n; i++) a[i] = sin(w[i]);
  for (int j = 0; j < n; j++) b[j] = a[j] * w[j] + cos(a[j]);
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i] * w[i];
  return s;
}

/* a pointer set between the loops that only the second reads (an inlined
 * helper's parameter, ADBench's GMM): it moves before the first, joined */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double ptr_between(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  const double *q;
  for (int i = 0; i < n; i++) a[i] = cos(w[i]);
  q = w + 1;
  for (int i = 0; i < n; i++) b[i] = a[i] * q[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  free(a);
  free(b);
  return s;
}

/* c changes between the loops, and both read it: they stay apart */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double scale_between(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  double c = 2.0;
  for (int i = 0; i < n; i++) a[i] = c * sin(w[i]);
  c = 0.5;
  for (int i = 0; i < n; i++) b[i] = a[i] * c + w[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  free(a);
  free(b);
  return s;
}

/* b[i] reads a[i + 1]: joined, before the first loop wrote it */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double next_elem(int n, const double *w) {
  double *a = malloc((n + 1) * sizeof(double));
  double *b = malloc(n * sizeof(double));
  a[n] = 0.5;
  for (int i = 0; i < n; i++) a[i] = sin(w[i]);
  for (int i = 0; i < n; i++) b[i] = a[i + 1] * w[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += b[i] * a[i];
  free(a);
  free(b);
  return s;
}

/* b[i] reads a[n - 1 - i]: the elements in the other order */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double reversed(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) a[i] = sin(w[i]) + 0.3;
  for (int i = 0; i < n; i++) b[i] = a[n - 1 - i] * w[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += b[i] * a[i];
  free(a);
  free(b);
  return s;
}

/* p is a second name for a, one element on */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double second_name(int n, const double *w) {
  double *a = malloc((n + 1) * sizeof(double));
  double *b = malloc(n * sizeof(double));
  const double *p = a + 1;
  a[n] = 0.25;
  for (int i = 0; i < n; i++) a[i] = cos(w[i]);
  for (int i = 0; i < n; i++) b[i] = p[i] * w[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += b[i] + a[i] * w[i];
  free(a);
  free(b);
  return s;
}

/* r runs over the first loop; the second reads its last value */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double running(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  double r = 0;
  for (int i = 0; i < n; i++) {
    r = r + w[i] * w[i];
    a[i] = r;
  }
  for (int i = 0; i < n; i++) b[i] = a[i] * r;
  double s = 0;
  for (int i = 0; i < n; i++) s += b[i] * w[i];
  free(a);
  free(b);
  return s;
}

/* a and b in one block, b's first element a's last: joined, the first loop
 * would overwrite what the second wrote */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double one_block(int n, const double *w) {
  double *a = malloc(2 * n * sizeof(double));
  double *b = a + n - 1;
  for (int i = 0; i < n; i++) a[i] = sin(w[i]);
  for (int i = 0; i < n; i++) b[i] = a[i] * w[i] + 1.0;
  double s = 0;
  for (int i = 0; i < 2 * n - 1; i++) s += a[i] * a[i] * (1.0 + 0.1 * i);
  free(a);
  return s;
}

/* the second loop reads the first's counter, which is n there */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double counter_after(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  int i;
  for (i = 0; i < n; i++) a[i] = sin(w[i]);
  for (int j = 0; j < n; j++) b[j] = a[j] * (1.0 + 0.1 * i);
  double s = 0;
  for (int k = 0; k < n; k++) s += a[k] * b[k] * w[k];
  free(a);
  free(b);
  return s;
}

/* One loop that writes a[i] and reads it back, and a[i + 1] through u, a
 * second name: the reverse of iteration i reads a[i + 1], which the next
 * iteration overwrites, so its old value is saved (a cell read in its own
 * iteration needs no save only in a buffer no other name reaches) */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double alias_cell(int n, const double *w) {
  double *a = calloc(n + 1, sizeof(double));
  double *u = a + 1;
  double s = 0;
  a[n] = 0.5;
  for (int i = 0; i < n; i++) a[i] = w[i] * w[i];
  for (int i = 0; i < n; i++) {
    a[i] = sin(w[i] + 0.3);
    s = s * 0.9 + a[i] * u[i] * w[i];
  }
  free(a);
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"

CHECK_CASE(centred, 3)
CHECK_CASE(local_pair, 4)
CHECK_CASE(ptr_between, 5)
CHECK_CASE(scale_between, 6)
CHECK_CASE(next_elem, 6)
CHECK_CASE(reversed, 6)
CHECK_CASE(second_name, 6)
CHECK_CASE(running, 6)
CHECK_CASE(one_block, 6)
CHECK_CASE(alias_cell, 6)
CHECK_CASE(counter_after, 6)

int main(void) {
  double c[15];
  for (int i = 0; i < 15; i++) c[i] = sin(1.1 * i + 0.3) * 0.6;
  check_gradient("centred", eval_centred, grad_centred, c, 15, 1e-8);
  check_dot("centred", jvp_centred, grad_centred, c, 15, 1e-12);
  double w[6] = {0.4, -0.3, 0.7, 0.2, -0.6, 0.9};
  check_gradient("local_pair", eval_local_pair, grad_local_pair, w, 4, 1e-8);
  check_dot("local_pair", jvp_local_pair, grad_local_pair, w, 4, 1e-12);
  check_gradient("ptr_between", eval_ptr_between, grad_ptr_between, w, 6, 1e-8);
  check_dot("ptr_between", jvp_ptr_between, grad_ptr_between, w, 6, 1e-12);
  check_gradient("scale_between", eval_scale_between, grad_scale_between, w, 6, 1e-8);
  check_dot("scale_between", jvp_scale_between, grad_scale_between, w, 6, 1e-12);
  check_gradient("next_elem", eval_next_elem, grad_next_elem, w, 6, 1e-8);
  check_dot("next_elem", jvp_next_elem, grad_next_elem, w, 6, 1e-12);
  check_gradient("reversed", eval_reversed, grad_reversed, w, 6, 1e-8);
  check_dot("reversed", jvp_reversed, grad_reversed, w, 6, 1e-12);
  check_gradient("second_name", eval_second_name, grad_second_name, w, 6, 1e-8);
  check_dot("second_name", jvp_second_name, grad_second_name, w, 6, 1e-12);
  check_gradient("running", eval_running, grad_running, w, 6, 1e-8);
  check_dot("running", jvp_running, grad_running, w, 6, 1e-12);
  check_gradient("one_block", eval_one_block, grad_one_block, w, 6, 1e-8);
  check_dot("one_block", jvp_one_block, grad_one_block, w, 6, 1e-12);
  check_gradient("alias_cell", eval_alias_cell, grad_alias_cell, w, 6, 1e-8);
  check_dot("alias_cell", jvp_alias_cell, grad_alias_cell, w, 6, 1e-12);
  check_gradient("counter_after", eval_counter_after, grad_counter_after, w, 6, 1e-8);
  check_dot("counter_after", jvp_counter_after, grad_counter_after, w, 6, 1e-12);
  return check_done("join");
}
#endif
