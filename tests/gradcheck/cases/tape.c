/* Memory: generated functions with loops, branches, helper calls and heap
 * temporaries, called a million times, hold no memory between calls. A
 * counting allocator hook sees every tape chunk: live bytes are back to 0
 * after each call, and the number of allocations per call stays bounded
 * (chunks are not leaked or kept growing). maxrss barely moves over the
 * million calls (this also covers adjoint buffers of malloc'd temporaries).
 * The gradients are checked too, including a run long enough to span
 * several tape chunks. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static double step(double s, double c) {
  if (s > 1) s = sqrt(s);
  return s * c + sin(s);
}

GRADC_JVP(wrt(x, c))
GRADC_GRAD(wrt(x, c))
double loopy(double x, const double *c, int n) {
  double p = 0, s = x;
  for (int i = 0; i < n; i++) {
    p = p * x + c[i % 4];
    if (p > 2) p = p * 0.5;
    s = step(s, c[i % 4]);
  }
  int k = 0;
  while (s * s > 0.1 && k < n) {
    s = s * 0.7 + p * 0.01;
    k++;
  }
  double *t = malloc(n * sizeof *t);
  for (int i = 0; i < n; i++) t[i] = s * c[i % 4] + p;
  double r = 0;
  for (int i = n - 1; i >= 0; i--) r = r * 0.5 + t[i] * t[i];
  free(t);
  return r;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
#include <sys/resource.h>
double loopy_grad(double x, double *x_bar, const double *c, double *c_bar, int n);

typedef struct {
  long live, allocs, frees, peak;
} counter;

static void *counting(void *ud, void *ptr, size_t osize, size_t nsize) {
  counter *k = ud;
  if (ptr) k->live -= (long)osize, k->frees++;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  void *q = realloc(ptr, nsize);
  if (q) {
    k->live += (long)nsize, k->allocs++;
    if (k->live > k->peak) k->peak = k->live;
  } else if (ptr) {
    k->live += (long)osize, k->frees--;
  }
  return q;
}

static int n_;
static double eval_loopy(const double *p) { return loopy(p[0], p + 1, n_); }
static void grad_loopy(const double *p, double *g) {
  CHECK_CLOSE(loopy_grad(p[0], &g[0], p + 1, g + 1, n_), loopy(p[0], p + 1, n_), 1e-15);
}

double loopy_jvp(double x, double x_dot, const double *c, const double *c_dot, int n, double *ret_dot);
static double jvp_loopy(const double *p, const double *u) {
  double t;
  loopy_jvp(p[0], u[0], p + 1, u + 1, n_, &t);
  return t;
}
static long maxrss_kb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int main(void) {
  double p[5] = {0.8, 0.6, -0.3, 0.9, 0.45};
  n_ = 20;
  check_gradient("loopy", eval_loopy, grad_loopy, p, 5, 1e-9);
  check_dot("loopy", jvp_loopy, grad_loopy, p, 5, 1e-12);
  n_ = 50000; /* a long tape: several chunks */
  check_gradient("loopy, long", eval_loopy, grad_loopy, p, 5, 1e-9);
  check_dot("loopy, long", jvp_loopy, grad_loopy, p, 5, 1e-12);

  counter k = {0, 0, 0, 0};
  gradc_set_allocator(counting, &k);
  /* the long run: chunks are allocated and all given back */
  {
    double g[5] = {0};
    loopy_grad(p[0], &g[0], p + 1, g + 1, 50000);
    if (k.live != 0 || k.allocs == 0) {
      printf("FAIL long run: %ld bytes live after the call, %ld allocations\n", k.live, k.allocs);
      check_failures++;
    }
  }
  long rss0 = maxrss_kb();
  long allocs0 = k.allocs;
  double g[5] = {0};
  for (long i = 0; i < 1000000; i++) {
    double x = 0.8 + 1e-7 * (double)(i % 100);
    loopy_grad(x, &g[0], p + 1, g + 1, 20);
    if (k.live != 0) {
      printf("FAIL call %ld: %ld bytes live after the call\n", i, k.live);
      check_failures++;
      break;
    }
  }
  long rss1 = maxrss_kb();
  gradc_set_allocator(NULL, NULL);
  /* each call takes at most a few chunks: never more as calls go on */
  if (k.allocs - allocs0 > 4 * 1000000L) {
    printf("FAIL %ld allocations over a million calls\n", k.allocs - allocs0);
    check_failures++;
  }
  if (k.allocs != k.frees) {
    printf("FAIL %ld allocations, %ld frees\n", k.allocs, k.frees);
    check_failures++;
  }
  if (rss1 - rss0 > 4096) {
    printf("FAIL maxrss grew by %ld kB over a million calls\n", rss1 - rss0);
    check_failures++;
  }
  /* the accumulated gradient is finite: a million small contributions */
  for (int i = 0; i < 5; i++)
    if (!isfinite(g[i])) {
      printf("FAIL g[%d] = %g after a million calls\n", i, g[i]);
      check_failures++;
    }
  return check_done("tape");
}
#endif
