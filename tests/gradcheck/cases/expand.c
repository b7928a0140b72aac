/* A loop's scratch buffers kept per iteration in place on the tape
 * (recompute.c expand_snapshot, rev_loop.c): GMM's shape, where each
 * component fills a centred vector and a triangular product of it, and the
 * reverse of each component reads both. Each iteration points the buffer at
 * its own room on the tape; the near misses must keep the copies: the buffer
 * read after the loop, a bound the function changes, a second name. Central
 * differences and the dot-product test; n is the dimension. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static double lse2(const double *t) {
  double m = t[0] > t[1] ? t[0] : t[1];
  return m + log(exp(t[0] - m) + exp(t[1] - m));
}

/* the shape of GMM: points, components, a centred vector and Q times it */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double mixture(int n, const double *w) {
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double t[2];
  double s = 0;
  for (int p = 0; p < 3; p++) {
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < n; i++) xc[i] = 0.3 * p - w[i] * (k + 1);
      for (int i = 0; i < n; i++) y[i] = w[n - 1 - i] * xc[i];
      for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) y[j] = y[j] + w[j - i] * xc[i];
      double q = 0;
      for (int i = 0; i < n; i++) q += y[i] * y[i];
      t[k] = w[k] - 0.5 * q;
    }
    s += lse2(t);
  }
  free(xc);
  free(y);
  return s;
}

/* The near misses: the component loop alone, its values summed after it,
 * which the reverse sweep keeps a snapshot of too. */
static double lse3(const double *t) {
  double m = t[0] > t[1] ? t[0] : t[1];
  m = m > t[2] ? m : t[2];
  return m + log(exp(t[0] - m) + exp(t[1] - m) + exp(t[2] - m));
}

/* the copy kept: as it is */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double components(int n, const double *w) {
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double t[3];
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < n; i++) xc[i] = 0.3 - w[i] * (k + 1);
    for (int i = 0; i < n; i++) y[i] = w[n - 1 - i] * xc[i];
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) y[j] = y[j] + w[j - i] * xc[i];
    double q = 0;
    for (int i = 0; i < n; i++) q += y[i] * y[i];
    t[k] = w[k] - 0.5 * q;
  }
  double s = lse3(t);
  free(xc);
  free(y);
  return s;
}

/* the last component's vectors read after the loop */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double read_after(int n, const double *w) {
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double t[3];
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < n; i++) xc[i] = 0.3 - w[i] * (k + 1);
    for (int i = 0; i < n; i++) y[i] = w[n - 1 - i] * xc[i];
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) y[j] = y[j] + w[j - i] * xc[i];
    double q = 0;
    for (int i = 0; i < n; i++) q += y[i] * y[i];
    t[k] = w[k] - 0.5 * q;
  }
  double s = lse3(t) + xc[0] * y[n - 1];
  free(xc);
  free(y);
  return s;
}

/* the dimension changes after the loop: the reverse must not count rooms
 * with the new one */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double bound_changes(int n, const double *w) {
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double t[3];
  int d = n;
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < d; i++) xc[i] = 0.3 - w[i] * (k + 1);
    for (int i = 0; i < d; i++) y[i] = w[d - 1 - i] * xc[i];
    for (int i = 0; i < d; i++)
      for (int j = i + 1; j < d; j++) y[j] = y[j] + w[j - i] * xc[i];
    double q = 0;
    for (int i = 0; i < d; i++) q += y[i] * y[i];
    t[k] = w[k] - 0.5 * q;
  }
  d = d - 2;
  double s = lse3(t) + w[d] * w[d];
  free(xc);
  free(y);
  return s;
}

/* a second name for the buffer: the loop writes through it */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double second_name(int n, const double *w) {
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double *z = xc;
  double t[3];
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < n; i++) xc[i] = 0.3 - w[i] * (k + 1);
    for (int i = 0; i < n; i++) y[i] = w[n - 1 - i] * z[i];
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) y[j] = y[j] + w[j - i] * xc[i];
    double q = 0;
    for (int i = 0; i < n; i++) q += y[i] * y[i];
    t[k] = w[k] - 0.5 * q;
  }
  double s = lse3(t);
  free(xc);
  free(y);
  return s;
}

/* mixture with bounds that are sums: the room on the tape is (K - 1) (m + 1)
 * elements and iteration k's starts at k (m + 1); the text once read
 * (size_t)K - 1 * m + 1 (a wrong gradient, no memory error). */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double compound_bounds(int n, const double *w) {
  int m = n - 1, K = n - 2;
  double *xc = malloc(n * sizeof *xc);
  double *y = malloc(n * sizeof *y);
  double t[2];
  double s = 0;
  for (int p = 0; p < 3; p++) {
    t[0] = t[1] = 0;
    for (int k = 0; k < K - 1; k++) {
      for (int i = 0; i < m + 1; i++) xc[i] = 0.3 * p - w[i] * (k + 1);
      for (int i = 0; i < m + 1; i++) y[i] = w[n - 1 - i] * xc[i];
      for (int i = 0; i < m + 1; i++)
        for (int j = i + 1; j < m + 1; j++) y[j] = y[j] + w[j - i] * xc[i];
      double q = 0;
      for (int i = 0; i < m + 1; i++) q += y[i] * y[i];
      t[k] = w[k] - 0.5 * q;
    }
    s += lse2(t);
  }
  free(xc);
  free(y);
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"

CHECK_CASE(mixture, 4)
CHECK_CASE(components, 4)
CHECK_CASE(read_after, 4)
CHECK_CASE(bound_changes, 5)
CHECK_CASE(second_name, 4)
CHECK_CASE(compound_bounds, 5)

int main(void) {
  double w[5] = {0.4, -0.3, 0.7, 0.2, -0.6};
  check_gradient("mixture", eval_mixture, grad_mixture, w, 4, 1e-8);
  check_dot("mixture", jvp_mixture, grad_mixture, w, 4, 1e-12);
  const char *names[] = {"components", "read_after", "bound_changes", "second_name"};
  double (*evals[])(const double *) = {eval_components, eval_read_after, eval_bound_changes, eval_second_name};
  void (*grads[])(const double *, double *) = {grad_components, grad_read_after, grad_bound_changes, grad_second_name};
  double (*jvps[])(const double *, const double *) = {jvp_components, jvp_read_after, jvp_bound_changes,
                                                      jvp_second_name};
  int sizes[] = {4, 4, 5, 4};
  for (int c = 0; c < 4; c++) {
    check_gradient(names[c], evals[c], grads[c], w, sizes[c], 1e-8);
    check_dot(names[c], jvps[c], grads[c], w, sizes[c], 1e-12);
  }
  check_gradient("compound_bounds", eval_compound_bounds, grad_compound_bounds, w, 5, 1e-8);
  check_dot("compound_bounds", jvp_compound_bounds, grad_compound_bounds, w, 5, 1e-12);
  return check_done("expand");
}
#endif
