// common.hpp: timing, counting allocator, comparisons and result lines
// shared by the benchmark drivers (C++, compiled with g++).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <gradc.h>
#ifdef HAVE_ADOLC
#include <adolc/adolc.h>
#endif

static double now_s() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// Minimum over repetitions: at least min_reps runs and at least budget
// seconds in all (capped at max_reps).
static double time_min(const std::function<void()> &f, int min_reps = 3, double budget = 0.3,
                       int max_reps = 1000) {
  double best = 1e300, start = now_s();
  for (int r = 0; r < max_reps; r++) {
    double t0 = now_s();
    f();
    double dt = now_s() - t0;
    best = std::min(best, dt);
    if (r + 1 >= min_reps && now_s() - start > budget) break;
  }
  return best;
}

// The minimum time of each of fs, called in turn (one call each per round),
// so that a burst of load on a shared machine hits all of them alike and
// their ratios stay meaningful. At least min_rounds rounds, then until the
// budget (seconds, for all of them together) is spent.
static std::vector<double> time_min_each(const std::vector<std::function<void()>> &fs, int min_rounds = 3,
                                         double budget = 0.9, int max_rounds = 1000) {
  std::vector<double> best(fs.size(), 1e300);
  double start = now_s();
  for (int r = 0; r < max_rounds; r++) {
    for (size_t i = 0; i < fs.size(); i++) {
      double t0 = now_s();
      fs[i]();
      best[i] = std::min(best[i], now_s() - t0);
    }
    if (r + 1 >= min_rounds && now_s() - start > budget) break;
  }
  return best;
}

// Counting allocator for gradc_set_allocator: live and peak bytes.
struct alloc_count { size_t live = 0, peak = 0; };
static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  alloc_count *c = (alloc_count *)ud;
  if (nsize == 0) {
    if (ptr) c->live -= osize;
    free(ptr);
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  c->live += nsize - (ptr ? osize : 0);
  if (c->live > c->peak) c->peak = c->live;
  return p;
}
// Peak tape bytes of one call of f.
static size_t tape_peak(const std::function<void()> &f) {
  alloc_count c;
  gradc_set_allocator(count_alloc, &c);
  f();
  gradc_set_allocator(NULL, NULL);
  return c.peak;
}

// Maximum relative difference, elementwise, relative to the larger of the
// two magnitudes but never to less than 1e-6 of b's largest element (so that
// entries that are zero up to rounding do not dominate).
static double maxrel(const double *a, const double *b, size_t n) {
  double bmax = 0;
  for (size_t i = 0; i < n; i++) bmax = std::max(bmax, std::fabs(b[i]));
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double den = std::max({std::fabs(a[i]), std::fabs(b[i]), 1e-6 * bmax, 1e-300});
    m = std::max(m, std::fabs(a[i] - b[i]) / den);
  }
  return m;
}

static unsigned long long rng_state = 88172645463325252ULL;
static double urand() {  // xorshift64*, uniform in [0, 1)
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}
static double urand(double lo, double hi) { return lo + (hi - lo) * urand(); }

// One row of the result table, parsed by report.py.
// ROW|kernel|tool|size note|primal_s|grad_s|ratio|tape_bytes|maxrel_vs_gradc|note
static void row(const std::string &kernel, const std::string &tool, const std::string &size,
                double primal, double grad, double ratio, double tape, double rel,
                const std::string &note = "") {
  printf("ROW|%s|%s|%s|%.6g|%.6g|%.4g|%.0f|%.3g|%s\n", kernel.c_str(), tool.c_str(), size.c_str(),
         primal, grad, ratio, tape, rel, note.c_str());
  fflush(stdout);
}

static void write_f64(const std::string &path, const double *p, size_t n) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f || fwrite(p, sizeof(double), n, f) != n) { perror(path.c_str()); exit(2); }
  fclose(f);
}
static void write_i32(const std::string &path, const int *p, size_t n) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f || fwrite(p, sizeof(int), n, f) != n) { perror(path.c_str()); exit(2); }
  fclose(f);
}

// Central differences of F over a subset of the n parameters in p (every
// stride-th one, about nsub of them); fills fd[] (NaN elsewhere), returns
// the time of the whole gradient extrapolated to all n parameters.
static double fd_subset(double *p, size_t n, size_t nsub, const std::function<double()> &F,
                        std::vector<double> &fd, std::vector<size_t> &idx) {
  fd.assign(n, NAN);
  idx.clear();
  size_t stride = std::max<size_t>(1, n / std::max<size_t>(1, nsub));
  for (size_t i = 0; i < n; i += stride) idx.push_back(i);
  double t0 = now_s();
  for (size_t i : idx) {
    double keep = p[i], h = 1e-6 * std::max(1.0, std::fabs(keep));
    p[i] = keep + h;
    double up = F();
    p[i] = keep - h;
    double dn = F();
    p[i] = keep;
    fd[i] = (up - dn) / (2 * h);
  }
  return (now_s() - t0) / idx.size() * n;
}
static double maxrel_subset(const std::vector<double> &fd, const std::vector<size_t> &idx,
                            const double *g, size_t n) {
  std::vector<double> a, b;
  for (size_t i : idx) { a.push_back(fd[i]); b.push_back(g[i]); }
  // relative to the whole gradient's scale
  double gmax = 0;
  for (size_t i = 0; i < n; i++) gmax = std::max(gmax, std::fabs(g[i]));
  double m = 0;
  for (size_t k = 0; k < a.size(); k++) {
    double den = std::max({std::fabs(a[k]), std::fabs(b[k]), 1e-6 * gmax, 1e-300});
    m = std::max(m, std::fabs(a[k] - b[k]) / den);
  }
  return m;
}

#ifdef HAVE_ADOLC
// ADOL-C: time record (trace_on..trace_off) + gradient, and the gradient on
// an existing tape; tape size from tapestats. rec(x) must declare the
// independents from x with <<= and the dependent with >>=.
struct adolc_result { double t_rec_grad, t_grad_only, bytes, ops; std::vector<double> g; };
static adolc_result adolc_run(short tag, std::vector<double> &x,
                              const std::function<void(const double *)> &rec, double budget = 0.5) {
  adolc_result r;
  r.g.assign(x.size(), 0.0);
  int n = (int)x.size();
  r.t_rec_grad = time_min([&] {
    trace_on(tag, 1);
    rec(x.data());
    trace_off();
    gradient(tag, n, x.data(), r.g.data());
  }, 3, budget, 50);
  r.t_grad_only = time_min([&] { gradient(tag, n, x.data(), r.g.data()); }, 3, budget, 50);
  size_t st[STAT_SIZE];
  tapestats(tag, st);
  // operations are 1 byte, locations sizeof(locint), values 8 bytes; plus
  // the Taylor (value) stack the reverse sweep needs
  r.ops = (double)st[NUM_OPERATIONS];
  r.bytes = (double)st[NUM_OPERATIONS] + (double)st[NUM_LOCATIONS] * sizeof(locint) +
            (double)st[NUM_VALUES] * 8.0 + (double)st[TAY_STACK_SIZE] * 8.0;
  return r;
}
#endif
