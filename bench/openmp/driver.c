/* bench/openmp/driver.c: the gradients of loops.c with 1 and 2 threads
 * (omp_set_num_threads), and the same source differentiated without
 * -fopenmp (serial code, its names suffixed _serial), interleaved, best of
 * 5; then the primal loops (loops.c compiled with -fopenmp) at 1 and 2
 * threads, the speedup the machine allows them. Prints, per loop, the
 * seconds of each and whether the gradients agree (relative 1e-10). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double energy_grad(const double *x, double *x_bar, double a, double *a_bar, int n);
void smooth_grad(const double *x, double *x_bar, double *y, double *y_bar, int n);
double heat_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double energy_grad_serial(const double *x, double *x_bar, double a, double *a_bar, int n);
void smooth_grad_serial(const double *x, double *x_bar, double *y, double *y_bar, int n);
double heat_grad_serial(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double logistic_grad(const double *w, double *w_bar, const double *X, const double *y, int n, int d);
double logistic_grad_serial(const double *w, double *w_bar, const double *X, const double *y, int n, int d);
double logistic(const double *w, const double *X, const double *y, int n, int d);
double energy(const double *x, double a, int n);
void smooth(const double *x, double *y, int n);
double heat(const double *u0, double k, int n, int steps);

enum { N = 2000000, HN = 100000, STEPS = 40, LN = 200000, LD = 20 };
static double *x, *g, *y, *yb, *lx, *ly;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* the primal of loop form with `threads` threads; returns seconds */
static double primal(int form, int threads) {
  omp_set_num_threads(threads);
  double t0 = now();
  if (form == 0) energy(x, 0.7, N);
  else if (form == 1) smooth(x, y, N);
  else if (form == 2) heat(x, 0.2, HN, STEPS);
  else logistic(x, lx, ly, LN, LD);
  return now() - t0;
}

/* one gradient of loop form with `threads` threads (0: the serial code);
 * returns seconds, leaves a checksum of the gradient in *sum */
static double run(int form, int threads, double *sum) {
  int n = form == 2 ? HN : form == 3 ? LD : N;
  for (int i = 0; i < n; i++) g[i] = 0, yb[i] = 1 + 0.001 * (i % 13);
  double ab = 0;
  if (threads) omp_set_num_threads(threads);
  double t0 = now();
  if (form == 0) (threads ? energy_grad : energy_grad_serial)(x, g, 0.7, &ab, n);
  else if (form == 1) (threads ? smooth_grad : smooth_grad_serial)(x, g, y, yb, n);
  else if (form == 2) (threads ? heat_grad : heat_grad_serial)(x, g, 0.2, &ab, n, STEPS);
  else (threads ? logistic_grad : logistic_grad_serial)(x, g, lx, ly, LN, LD);
  double t = now() - t0;
  double s = ab;
  for (int i = 0; i < n; i++) s += g[i] * (1 + i % 7);
  *sum = s;
  return t;
}

int main(void) {
  x = malloc(N * sizeof *x), g = malloc(N * sizeof *g), y = malloc(N * sizeof *y), yb = malloc(N * sizeof *yb);
  for (int i = 0; i < N; i++) x[i] = sin(0.001 * i) + 0.3 * cos(0.37 * i);
  lx = malloc((size_t)LN * LD * sizeof *lx), ly = malloc(LN * sizeof *ly);
  for (int i = 0; i < LN * LD; i++) lx[i] = 0.3 * sin(0.37 * i);
  for (int i = 0; i < LN; i++) ly[i] = i % 3 == 0;
  const char *names[] = {"energy", "smooth", "heat", "logistic"};
  for (int form = 0; form < 4; form++) {
    double best[5] = {1e9, 1e9, 1e9, 1e9, 1e9}, sums[3];
    for (int rep = 0; rep < 5; rep++)
      for (int c = 0; c < 5; c++) {
        /* c: 0 serial code, 1 and 2 threads; 3 and 4: the primal at 1 and 2 */
        double t = c < 3 ? run(form, c, &sums[c]) : primal(form, c - 2);
        if (t < best[c]) best[c] = t;
      }
    int same = 1;
    for (int c = 1; c < 3; c++) same &= fabs(sums[c] - sums[0]) <= 1e-10 * fmax(1, fabs(sums[0]));
    printf("%s %.4f %.4f %.4f %.4f %.4f %s\n", names[form], best[0], best[1], best[2], best[3], best[4],
           same ? "equal" : "DIFFERS");
  }
  return 0;
}
