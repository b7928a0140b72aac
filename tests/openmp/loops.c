/* Parallel loops ('#pragma omp parallel for') that gradc keeps parallel in
 * both sweeps. Each function is one form: a reduction(+:...) with a local
 * of the body, independent outputs that read their neighbours (atomic
 * adjoints), shared scalars in wrt(...), a counter that steps down by two
 * with a private scratch array, an inner serial loop with a private
 * accumulator, a branch, a helper with scratch memory from malloc, and a
 * parallel loop inside a helper called in every step of a serial time
 * loop (the iteration space is taped per step) with firstprivate, and a
 * logistic loss whose samples all read the weights w[j] in an inner loop
 * (each chunk sums w's adjoint in a buffer of its own), and the heat
 * equation again with GRADC_CHECKPOINT on its time loop and scratch memory
 * in its parallel loop (the steps run again in parallel from snapshots),
 * and a mix the difftest's PAR form found bugs in: a helper's parallel loop
 * writing the caller's local array, a local array written element by
 * element, continue, and a reduction variable read before the loop; and a
 * 2-D Jacobi sweep over rows, whose row-major f each iteration reads in its
 * own row only (no atomics) and u in the rows beside it.
 *
 * With -DOMP_MAIN, main() prints every gradient component and checks it
 * against central differences, and forward mode (three of the forms)
 * against the gradient (the dot-product test); run.sh compares the printed
 * gradients of the serial build (no -fopenmp) and the parallel one at 1, 2
 * and 3 threads. */
#include <gradc.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

GRADC_GRAD(wrt(x))
GRADC_JVP(wrt(x))
double energy(const double *x, int n) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = 0; i < n; i++) {
    double t = sin(x[i]) * x[i];
    s += t * t;
  }
  return s;
}

GRADC_GRAD(wrt(x), out(y))
void smooth(const double *x, double *y, int n) {
#pragma omp parallel for schedule(static)
  for (int i = 1; i < n - 1; i++) y[i] = exp(0.3 * x[i - 1]) + x[i] * x[i + 1];
  y[0] = x[0];
  y[n - 1] = x[n - 1];
}

GRADC_GRAD(wrt(x, a, b))
double affine(const double *x, double a, double b, size_t n) {
  double s = 0;
#pragma omp parallel for reduction(+:s) shared(x)
  for (size_t i = 0; i < n; i++) {
    double r = a * x[i] + b - cos((double)i);
    s += r * r;
  }
  return s;
}

GRADC_GRAD(wrt(x))
double downward(const double *x, int n) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = n - 1; i >= 0; i -= 2) {
    double w[3];
    w[0] = x[i];
    w[1] = w[0] * w[0];
    w[2] = sin(w[1]) + w[0];
    s += w[2] * (i + 1);
  }
  return s;
}

GRADC_GRAD(wrt(A, x), out(y))
GRADC_JVP(wrt(A, x), out(y))
void matvec(const double *A, const double *x, double *y, int m, int n) {
#pragma omp parallel for
  for (int i = 0; i < m; i++) {
    double acc = 0;
    for (int j = 0; j < n; j++) acc += A[i * n + j] * x[j];
    y[i] = tanh(acc);
  }
}

GRADC_GRAD(wrt(x))
double branches(const double *x, int n) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = 0; i < n; i++) {
    double v;
    if (x[i] > 0.2) v = x[i] * x[i];
    else v = sin(x[i]);
    s += v;
  }
  return s;
}

static double softsum(const double *x, int k) {
  double *e = malloc((size_t)k * sizeof *e);
  double z = 0;
  for (int j = 0; j < k; j++) {
    e[j] = exp(x[j]);
    z += e[j];
  }
  double r = 0;
  for (int j = 0; j < k; j++) r += e[j] / z * x[j];
  free(e);
  return r;
}

GRADC_GRAD(wrt(x))
double scratch(const double *x, int n, int k) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = 0; i < n; i++) s += softsum(x + i, k);
  return s;
}

static void step(const double *u, double *v, int n, double k) {
  double c = k;
#pragma omp parallel for firstprivate(c)
  for (int i = 1; i < n - 1; i++) v[i] = u[i] + c * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * sin(u[i]);
  v[0] = u[0];
  v[n - 1] = u[n - 1];
}

GRADC_GRAD(wrt(u0, k))
GRADC_JVP(wrt(u0, k))
double heat(const double *u0, double k, int n, int steps) {
  double *u = malloc((size_t)n * sizeof *u), *v = malloc((size_t)n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    step(u, v, n, k);
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i] * (1 + 0.1 * i);
  free(u);
  free(v);
  return s;
}

static void step_scratch(const double *u, double *v, int n, double k) {
#pragma omp parallel for
  for (int i = 1; i < n - 1; i++) {
    double *w = malloc(3 * sizeof *w);
    for (int j = 0; j < 3; j++) w[j] = u[i - 1 + j];
    v[i] = w[1] + k * (w[0] - 2 * w[1] + w[2]) + 0.01 * sin(w[1]);
    free(w);
  }
  v[0] = u[0];
  v[n - 1] = u[n - 1];
}

GRADC_GRAD(wrt(u0, k))
double heat_ckpt(const double *u0, double k, int n, int steps) {
  double *u = malloc((size_t)n * sizeof *u), *v = malloc((size_t)n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  GRADC_CHECKPOINT(2);
  for (int t = 0; t < steps; t++) {
    step_scratch(u, v, n, k);
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i] * (1 + 0.1 * i);
  free(u);
  free(v);
  return s;
}

static void pmap(const double *a, double *out, int n, double c) {
#pragma omp parallel for
  for (int i = 0; i < n; i++) out[i] = sin(a[i]) * c;
}

GRADC_GRAD(wrt(x))
double mixed(const double *x, int n) {
  double w[64], v[64];
  pmap(x, w, n, 0.7);
  double acc = sin(x[0]);
  double r = acc * x[1];
#pragma omp parallel for reduction(+:acc)
  for (int i = 0; i < n; i++) {
    double t = w[i] * x[i];
    if (t > 0.1) continue;
    acc += cos(t);
  }
#pragma omp parallel for
  for (int i = 0; i < n; i++) v[i] = w[i] * w[(i + 1) % n];
  return r + acc * acc + v[0] + v[n - 1];
}

enum { R = 6 };   /* rows2d: an R x R grid */

GRADC_GRAD(wrt(u, f))
double rows2d(const double *u, const double *f, int n) {
  double *un = malloc((size_t)(n * n) * sizeof *un), s = 0;
#pragma omp parallel for
  for (int i = 1; i < n - 1; i++)
    for (int j = 1; j < n - 1; j++)
      un[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j] + u[i * n + j - 1] + u[i * n + j + 1]) -
                      f[i * n + j] * f[i * n + j];
  for (int i = 1; i < n - 1; i++)
    for (int j = 1; j < n - 1; j++) s += un[i * n + j] * un[i * n + j] * (1 + 0.1 * j);
  free(un);
  return s;
}

GRADC_GRAD(wrt(w))
double logistic(const double *w, const double *X, const double *y, int n, int d) {
  double L = 0;
#pragma omp parallel for reduction(+:L)
  for (int i = 0; i < n; i++) {
    double z = 0;
    for (int j = 0; j < d; j++) z += X[i * d + j] * w[j];
    double p = 1 / (1 + exp(-z));
    L += -y[i] * log(p) - (1 - y[i]) * log(1 - p);
  }
  return L / n;
}

#ifdef OMP_MAIN
#include <stdio.h>
#include <string.h>

double energy_grad(const double *x, double *x_bar, int n);
void smooth_grad(const double *x, double *x_bar, double *y, double *y_bar, int n);
double affine_grad(const double *x, double *x_bar, double a, double *a_bar, double b, double *b_bar, size_t n);
double downward_grad(const double *x, double *x_bar, int n);
void matvec_grad(const double *A, double *A_bar, const double *x, double *x_bar, double *y, double *y_bar, int m, int n);
double branches_grad(const double *x, double *x_bar, int n);
double scratch_grad(const double *x, double *x_bar, int n, int k);
double heat_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double logistic_grad(const double *w, double *w_bar, const double *X, const double *y, int n, int d);
double heat_ckpt_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double mixed_grad(const double *x, double *x_bar, int n);
double rows2d_grad(const double *u, double *u_bar, const double *f, double *f_bar, int n);
double energy_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
void matvec_jvp(const double *A, const double *A_dot, const double *x, const double *x_dot, double *y, double *y_dot,
                int m, int n);
double heat_jvp(const double *u0, const double *u0_dot, double k, double k_dot, int n, int steps, double *ret_dot);

enum { N = 37, M = 5, K = 4, STEPS = 6 };
static double w_out[N];   /* weights of the out arrays' scalarisation */
static double X[N * M], Y[N];   /* the logistic loss's samples: N of M features */
static int failures;

/* p: the inputs, flattened; each form reads its own */
static double eval(int form, const double *p) {
  double y[N];
  switch (form) {
  case 0: return energy(p, N);
  case 1: {
    smooth(p, y, N);
    double s = 0;
    for (int i = 0; i < N; i++) s += w_out[i] * y[i];
    return s;
  }
  case 2: return affine(p, p[N], p[N + 1], N);
  case 3: return downward(p, N);
  case 4: {
    matvec(p, p + M * N, y, M, N);
    double s = 0;
    for (int i = 0; i < M; i++) s += w_out[i] * y[i];
    return s;
  }
  case 5: return branches(p, N);
  case 6: return scratch(p, N - K, K);
  case 7: return heat(p, p[N], N, STEPS);
  case 8: return logistic(p, X, Y, N, M);
  case 9: return heat_ckpt(p, p[N], N, STEPS);
  case 10: return mixed(p, N);
  default: return rows2d(p, p + R * R, R);
  }
}

/* The tangent of the form in direction u (forms 0, 4 and 7) */
static double jvp(int form, const double *p, const double *u) {
  double y[N], yd[N], t = 0;
  switch (form) {
  case 0: energy_jvp(p, u, N, &t); return t;
  case 4: {
    matvec_jvp(p, u, p + M * N, u + M * N, y, yd, M, N);
    for (int i = 0; i < M; i++) t += w_out[i] * yd[i];
    return t;
  }
  default: heat_jvp(p, u, p[N], u[N], N, STEPS, &t); return t;
  }
}

static int inputs(int form) {
  return form == 2 ? N + 2 : form == 7 || form == 9 ? N + 1 : form == 4 ? M * N + N : form == 8 ? M
       : form == 11 ? 2 * R * R : N;
}

static void grad(int form, double *p, double *g) {
  double y[N], yb[N];
  memset(g, 0, sizeof(double) * (size_t)inputs(form));
  for (int i = 0; i < N; i++) yb[i] = w_out[i];
  switch (form) {
  case 0: energy_grad(p, g, N); break;
  case 1: smooth_grad(p, g, y, yb, N); break;
  case 2: affine_grad(p, g, p[N], &g[N], p[N + 1], &g[N + 1], N); break;
  case 3: downward_grad(p, g, N); break;
  case 4: matvec_grad(p, g, p + M * N, g + M * N, y, yb, M, N); break;
  case 5: branches_grad(p, g, N); break;
  case 6: scratch_grad(p, g, N - K, K); break;
  case 7: heat_grad(p, g, p[N], &g[N], N, STEPS); break;
  case 8: logistic_grad(p, g, X, Y, N, M); break;
  case 9: heat_ckpt_grad(p, g, p[N], &g[N], N, STEPS); break;
  case 10: mixed_grad(p, g, N); break;
  default: rows2d_grad(p, g, p + R * R, g + R * R, R); break;
  }
}

int main(void) {
  static double p[M * N + N], g[M * N + N];
  const char *names[] = {"energy", "smooth", "affine", "downward", "matvec", "branches", "scratch", "heat",
                         "logistic", "heat_ckpt", "mixed", "rows2d"};
  for (int i = 0; i < N; i++) w_out[i] = 0.5 + 0.03 * i, Y[i] = i % 3 == 0;
  for (int i = 0; i < N * M; i++) X[i] = sin(0.37 * i + 0.2);
  for (int form = 0; form < 12; form++) {
    int n = inputs(form);
    for (int i = 0; i < n; i++) p[i] = 0.4 * sin(1.7 * i + form) + (form == 7 || form == 9 ? 0.6 : 0.1);
    if (form == 7 || form == 9) p[N] = 0.2;   /* k */
    grad(form, p, g);
    for (int i = 0; i < n; i++) {
      double x = p[i], h = 1e-5 * (fabs(x) > 1 ? fabs(x) : 1);
      p[i] = x + h;
      double fp = eval(form, p);
      p[i] = x - h;
      double fm = eval(form, p);
      p[i] = x;
      double fd = (fp - fm) / (2 * h), scale = fabs(fd) > 1 ? fabs(fd) : 1;
      if (!(fabs(fd - g[i]) <= 1e-6 * scale)) {
        printf("FAIL %s: d/dp[%d]: gradc %.15g, central differences %.15g\n", names[form], i, g[i], fd);
        failures++;
      }
      printf("%s %d %.17g\n", names[form], i, g[i]);
    }
    if (form == 0 || form == 4 || form == 7) {
      static double u[M * N + N];
      double dot = 0;
      for (int i = 0; i < n; i++) dot += (u[i] = cos(0.9 * i)) * g[i];
      double t = jvp(form, p, u), scale = fabs(dot) > 1 ? fabs(dot) : 1;
      if (!(fabs(t - dot) <= 1e-12 * scale)) {
        printf("FAIL %s: dot-product test: jvp %.17g, <u, gradient> %.17g\n", names[form], t, dot);
        failures++;
      }
    }
  }
  return failures != 0;
}
#endif
