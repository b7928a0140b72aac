/* Loop bodies that start by filling scratch values, which the reverse sweep
 * computes again instead of taping (activity.c, "values computed again"):
 * a Mahalanobis term per point and component (scratch buffers, a pointer
 * into the parameters, a triangular counter li), an unsigned counter, and a
 * scratch scalar. And the forms where recomputing would be wrong, which must
 * keep their saves: a buffer carried from one iteration to the next, a fill
 * that leaves an element from an earlier iteration, a buffer read after the
 * loop, a prefix reading what the rest of the body writes, a buffer reached
 * under a second name. Every gradient is checked against central
 * differences and the dot-product test. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

GRADC_JVP(wrt(mu, L))
GRADC_GRAD(wrt(mu, L))
double mahal(int d, int K, int n, const double *x, const double *mu, const double *L) {
  const int lsz = d * (d + 1) / 2;
  double *xc = malloc(d * sizeof(double));
  double *Lxc = malloc(d * sizeof(double));
  double *term = malloc(K * sizeof(double));
  double total = 0;
  for (int p = 0; p < n; p++) {
    for (int k = 0; k < K; k++) {
      const double *l = L + k * lsz;
      for (int i = 0; i < d; i++) xc[i] = x[p * d + i] - mu[k * d + i];
      for (int i = 0; i < d; i++) Lxc[i] = (1.0 + 0.1 * i) * l[i] * xc[i];
      int li = d;
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
          Lxc[j] += l[li] * xc[i];
          li++;
        }
      double sq = 0;
      for (int i = 0; i < d; i++) sq += Lxc[i] * Lxc[i];
      term[k] = -0.5 * sq + sin(l[0]);
    }
    double mx = term[0];
    for (int k = 1; k < K; k++)
      if (term[k] > mx) mx = term[k];
    double s = 0;
    for (int k = 0; k < K; k++) s += exp(term[k] - mx);
    total += log(s) + mx;
  }
  free(xc);
  free(Lxc);
  free(term);
  return total;
}

/* size_t counters, a scratch scalar and a local array */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double unsigned_scratch(size_t n, const double *w) {
  double h[4];
  double out = 0;
  for (size_t r = 0; r < n; r++) {
    double a = w[r] * w[r];
    for (size_t i = 0; i < 4; i++) h[i] = a * w[r + i < n ? r + i : r + i - n] + (double)i;
    double t = h[0];
    for (size_t i = 1; i < 4; i++) t = t * h[i];
    out += t * w[r];
  }
  return out;
}

/* h carries from one iteration to the next: it is read before it is filled */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double carried(int n, const double *w) {
  double *h = calloc(3, sizeof(double));
  double out = 0;
  for (int r = 0; r < n; r++) {
    for (int i = 0; i < 3; i++) h[i] = h[i] * 0.5 + w[r] * w[(r + i) % n];
    out += h[0] * h[1] * h[2];
  }
  free(h);
  return out;
}

/* the fill stops short: b[2] comes from the first iteration */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double short_fill(int n, const double *w) {
  double *b = malloc(3 * sizeof(double));
  b[2] = w[0] * w[1];
  double out = 0;
  for (int r = 0; r < n; r++) {
    for (int i = 0; i < 2; i++) b[i] = w[r] * w[(r + i + 1) % n];
    for (int i = 0; i < 3; i++) out += b[i] * b[i] * w[i];
  }
  free(b);
  return out;
}

/* c is read after the loop, z written after the prefix that reads it, and
 * e reached as e2 too */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double escapes(int n, const double *w) {
  double *c = malloc(2 * sizeof(double));
  double *e = malloc(2 * sizeof(double));
  double *e2 = e;
  double z = 1.0, out = 0;
  for (int r = 0; r < n; r++) {
    for (int i = 0; i < 2; i++) c[i] = w[r] * w[(r + i) % n] * z;
    for (int i = 0; i < 2; i++) e[i] = sin(w[(r + i) % n]);
    out += c[0] * c[1] + e2[0] * e2[1] * e2[1];
    z = 0.5 * z + c[1] * c[0];
  }
  out += c[0] * c[0] * c[1];
  free(c);
  free(e);
  return out;
}

/* scratch that the prefix's loop nest fills, read only by a statement the
 * reverse sweep computes again, freed after the loop: the nest runs once and
 * its values come back from the tape in the reverse sweep, into h, so h's
 * free waits for the sweep's end (a random program found the free in place:
 * ASan, in scripts/sanitize.sh) */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double dead_scratch(int n, const double *w) {
  double pr[9];
  for (int i = 0; i < 9; i++) pr[i] = 0.4 * sin(w[i % n] + 0.3 * i);
  const double cf[3] = {0.3, -0.2, 0.5};
  double *h = malloc(sizeof(double) * 2);
  double acc = 0;
  for (int k = 0; k < n; k++) {
    const double *q = pr + (k % 3) * 3;
    for (int i = 0; i < 2; i++) h[i] = 0.1 * (k + i);
    int li = 0;
    for (int i = 0; i < 2; i++)
      for (int j = i + 1; j < 2; j++) {
        h[j] += cf[li] * h[i];
        li += 1;
      }
    double sc = h[1] * 0.5;
    acc += 0.05 * q[li] * cos(w[2]) * sc;
    acc += 0.1 * tanh(q[0]) * cos(acc);
  }
  free(h);
  return acc;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double dead_scratch_grad(int n, const double *w, double *w_bar);
double dead_scratch_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
double mahal_grad(int d, int K, int n, const double *x, const double *mu, double *mu_bar, const double *L,
                  double *L_bar);
double mahal_jvp(int d, int K, int n, const double *x, const double *mu, const double *mu_dot, const double *L,
                 const double *L_dot, double *ret_dot);
double unsigned_scratch_grad(size_t n, const double *w, double *w_bar);
double unsigned_scratch_jvp(size_t n, const double *w, const double *w_dot, double *ret_dot);
double carried_grad(int n, const double *w, double *w_bar);
double carried_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
double short_fill_grad(int n, const double *w, double *w_bar);
double short_fill_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
double escapes_grad(int n, const double *w, double *w_bar);
double escapes_jvp(int n, const double *w, const double *w_dot, double *ret_dot);

enum { D = 4, K = 3, NP = 5, LSZ = D * (D + 1) / 2, NMU = K * D, NQ = NMU + K * LSZ };
static double X[NP * D];
static double eval_mahal(const double *q) { return mahal(D, K, NP, X, q, q + NMU); }
static void grad_mahal(const double *q, double *g) {
  CHECK_CLOSE(mahal_grad(D, K, NP, X, q, g, q + NMU, g + NMU), eval_mahal(q), 1e-13);
}
static double jvp_mahal(const double *q, const double *u) {
  double t;
  mahal_jvp(D, K, NP, X, q, u, q + NMU, u + NMU, &t);
  return t;
}
#define WRAP(f, n)                                                                         \
  static double eval_##f(const double *q) { return f(n, q); }                              \
  static void grad_##f(const double *q, double *g) { CHECK_CLOSE(f##_grad(n, q, g), f(n, q), 1e-13); } \
  static double jvp_##f(const double *q, const double *u) { double t; f##_jvp(n, q, u, &t); return t; }
WRAP(unsigned_scratch, 5)
WRAP(carried, 5)
WRAP(short_fill, 5)
WRAP(escapes, 5)
WRAP(dead_scratch, 5)

int main(void) {
  for (int i = 0; i < NP * D; i++) X[i] = cos(0.9 * i + 0.2);
  double q[NQ];
  for (int i = 0; i < NQ; i++) q[i] = sin(1.3 * i + 0.4) * 0.7;
  check_gradient("mahal", eval_mahal, grad_mahal, q, NQ, 1e-8);
  check_dot("mahal", jvp_mahal, grad_mahal, q, NQ, 1e-12);
  double w[5] = {0.4, -0.3, 0.7, 0.2, -0.6};
  check_gradient("unsigned_scratch", eval_unsigned_scratch, grad_unsigned_scratch, w, 5, 1e-8);
  check_dot("unsigned_scratch", jvp_unsigned_scratch, grad_unsigned_scratch, w, 5, 1e-12);
  check_gradient("carried", eval_carried, grad_carried, w, 5, 1e-8);
  check_dot("carried", jvp_carried, grad_carried, w, 5, 1e-12);
  check_gradient("short_fill", eval_short_fill, grad_short_fill, w, 5, 1e-8);
  check_dot("short_fill", jvp_short_fill, grad_short_fill, w, 5, 1e-12);
  check_gradient("escapes", eval_escapes, grad_escapes, w, 5, 1e-8);
  check_dot("escapes", jvp_escapes, grad_escapes, w, 5, 1e-12);
  check_gradient("dead_scratch", eval_dead_scratch, grad_dead_scratch, w, 5, 1e-8);
  check_dot("dead_scratch", jvp_dead_scratch, grad_dead_scratch, w, 5, 1e-12);
  return check_failures ? 1 : 0;
}
#endif
