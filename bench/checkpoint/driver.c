/* driver STEPS SNAPS: one gradient of heat (SNAPS >= 0, checkpointed) or
 * heat_taped (SNAPS < 0), 500 points; prints seconds, the peak bytes the
 * gradc runtime held (tape and snapshots, through its allocator hook), the
 * process's peak resident set, and the gradient's checksum. One
 * configuration per process, so that the peak resident set is its own. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <gradc.h>

double heat_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps, int snaps);
double heat_taped_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);

static size_t live, peak;
static void *counting(void *ud, void *p, size_t osize, size_t nsize) {
  (void)ud;
  if (!nsize) {
    free(p);
    live -= osize;
    return NULL;
  }
  void *q = realloc(p, nsize);
  if (q) {
    live += nsize - (p ? osize : 0);
    if (live > peak) peak = live;
  }
  return q;
}

int main(int argc, char **argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 20000, snaps = argc > 2 ? atoi(argv[2]) : -1;
  enum { N = 500 };
  double u0[N], g[N] = {0}, kb = 0;
  for (int i = 0; i < N; i++) u0[i] = sin(0.3 * i) + 0.5;
  gradc_set_allocator(counting, NULL);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  double v = snaps >= 0 ? heat_grad(u0, g, 0.2, &kb, N, steps, snaps) : heat_taped_grad(u0, g, 0.2, &kb, N, steps);
  clock_gettime(CLOCK_MONOTONIC, &b);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double sum = kb;
  for (int i = 0; i < N; i++) sum += g[i] * (1 + i % 7);
  printf("%.4f %zu %ld %.17g %.17g\n", (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), peak,
         ru.ru_maxrss, sum, v);
  return 0;
}
