/* train.c: train the two-layer perceptron of model.c on three interleaved
 * spirals, with the gradients that gradc generated (model_grad.c).
 *
 *   mlp [--double | --float | --both] [--epochs N] [--hidden N] [--lr X]
 *       [--seed S] [--every N] [--svg FILE]
 *
 * The data set (300 points in 2-D, 3 classes) and the initial weights come
 * from the program's own generator and seed, so a run is reproducible. Before
 * training, the generated gradient is checked once against central finite
 * differences on a few parameters chosen at random (double); the float
 * gradient is compared with the double one at the same point. Training is
 * full-batch Adam; the loss is printed every N epochs, then the final loss,
 * the training accuracy and the time. With --svg the loss curves are drawn
 * to FILE (log-scale loss axis). Exit status: 0 success, 1 a gradient check
 * failed, 2 bad arguments or an unwritable file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gradc.h>
#include "model.h"

enum { D = 2, K = 3, PER_CLASS = 100, N = K * PER_CLASS };
static const double PI = 3.14159265358979323846;

/* ---- random numbers: a 64-bit LCG (Knuth's MMIX constants) -------------- */

typedef struct { unsigned long long s; } lcg;

static double uniform(lcg *r) { /* in [0, 1) */
  r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(r->s >> 11) * 0x1.0p-53;
}

static double normal(lcg *r) { /* Box-Muller */
  double u = uniform(r), v = uniform(r);
  return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * PI * v);
}

/* ---- the data: K spirals, PER_CLASS points each -------------------------- */

static double X[N * D];
static float Xf[N * D];
static int labels[N];

static void make_spirals(lcg *r) {
  for (int c = 0; c < K; c++)
    for (int j = 0; j < PER_CLASS; j++) {
      int i = c * PER_CLASS + j;
      double radius = 0.05 + 0.95 * j / (PER_CLASS - 1);
      double angle = c * 2.0 * PI / K + 5.0 * radius + 0.2 * normal(r);
      X[i * D] = radius * sin(angle);
      X[i * D + 1] = radius * cos(angle);
      labels[i] = c;
    }
  for (int i = 0; i < N * D; i++) Xf[i] = (float)X[i];
}

/* ---- parameters: W1 (h x D), b1 (h), W2 (K x h), b2 (K) in one array ----- */

typedef struct { int h, np, w1, b1, w2, b2; } layout;

static layout make_layout(int h) {
  layout L = {h, 0, 0, 0, 0, 0};
  L.b1 = L.w1 + h * D;
  L.w2 = L.b1 + h;
  L.b2 = L.w2 + K * h;
  L.np = L.b2 + K;
  return L;
}

/* He initialisation of the weights, zero biases. */
static void init_params(const layout *L, lcg *r, double *p) {
  for (int i = 0; i < L->np; i++) p[i] = 0;
  for (int i = 0; i < L->h * D; i++) p[L->w1 + i] = normal(r) * sqrt(2.0 / D);
  for (int i = 0; i < K * L->h; i++) p[L->w2 + i] = normal(r) * sqrt(2.0 / L->h);
}

static double loss_d(const layout *L, const double *p) {
  return mlp_loss_d(p + L->w1, p + L->b1, p + L->w2, p + L->b2, X, labels, N, D, L->h, K);
}
static double grad_d(const layout *L, const double *p, double *g) { /* adds to g */
  return mlp_loss_d_grad(p + L->w1, g + L->w1, p + L->b1, g + L->b1, p + L->w2, g + L->w2,
                         p + L->b2, g + L->b2, X, labels, N, D, L->h, K);
}
static float loss_f(const layout *L, const float *p) {
  return mlp_loss_f(p + L->w1, p + L->b1, p + L->w2, p + L->b2, Xf, labels, N, D, L->h, K);
}
static float grad_f(const layout *L, const float *p, float *g) {
  return mlp_loss_f_grad(p + L->w1, g + L->w1, p + L->b1, g + L->b1, p + L->w2, g + L->w2,
                         p + L->b2, g + L->b2, Xf, labels, N, D, L->h, K);
}

/* ---- gradient checks ------------------------------------------------------- */

/* Does moving parameter i by +-h carry a hidden unit's pre-activation across
 * relu's kink at 0 for some point? Finite differences mean nothing there
 * (they average the two one-sided slopes), so the check skips such a
 * parameter and draws another. Only W1 and b1 move pre-activations. */
static int crosses_kink(const layout *L, double *p, int i, double h) {
  if (i >= L->w2) return 0;
  int u = i < L->b1 ? (i - L->w1) / D : i - L->b1, crosses = 0;
  const double keep = p[i];
  for (int n = 0; n < N && !crosses; n++) {
    double a[2];
    for (int side = 0; side < 2; side++) {
      p[i] = keep + (side ? h : -h);
      a[side] = p[L->b1 + u];
      for (int j = 0; j < D; j++) a[side] += p[L->w1 + u * D + j] * X[n * D + j];
    }
    crosses = (a[0] > 0) != (a[1] > 0);
  }
  p[i] = keep;
  return crosses;
}

/* The generated gradient against central finite differences, on up to four
 * distinct random parameters of each of W1, b1, W2 and b2. Returns the
 * largest relative error. */
static double check_fd(const layout *L, const double *p0, lcg *r) {
  double *p = malloc(sizeof *p * L->np), *g = calloc(L->np, sizeof *g);
  memcpy(p, p0, sizeof *p * L->np);
  grad_d(L, p, g);
  const int start[4] = {L->w1, L->b1, L->w2, L->b2}, end[4] = {L->b1, L->w2, L->b2, L->np};
  const char *name[4] = {"W1", "b1", "W2", "b2"};
  const double h = 1e-5;
  double worst = 0;
  printf("gradient check (double): gradc against central finite differences, step %g\n", h);
  printf("  %-8s %17s %17s %10s\n", "param", "gradc", "finite diff.", "rel. error");
  for (int blk = 0; blk < 4; blk++) {
    int size = end[blk] - start[blk], want = size < 4 ? size : 4, chosen[4], nchosen = 0;
    for (int tries = 0; nchosen < want && tries < 100; tries++) {
      int i = start[blk] + (int)(uniform(r) * size), seen = 0;
      for (int c = 0; c < nchosen; c++) seen |= chosen[c] == i;
      if (seen) continue;
      if (crosses_kink(L, p, i, h)) {
        printf("  %-3s[%2d] skipped: the step crosses a relu kink\n", name[blk], i - start[blk]);
        continue;
      }
      chosen[nchosen++] = i;
      const double keep = p[i];
      p[i] = keep + h;
      double up = loss_d(L, p);
      p[i] = keep - h;
      double down = loss_d(L, p);
      p[i] = keep;
      double fd = (up - down) / (2 * h);
      double rel = fabs(g[i] - fd) / fmax(fmax(fabs(g[i]), fabs(fd)), 1e-10);
      printf("  %-3s[%2d] %17.10e %17.10e %10.1e\n", name[blk], i - start[blk], g[i], fd, rel);
      if (!(rel <= worst)) worst = rel; /* a NaN counts as the worst */
    }
  }
  free(p);
  free(g);
  return worst;
}

/* The float gradient against the double one at the same (rounded) point:
 * the largest difference relative to the largest double component. */
static double check_float(const layout *L, const double *p0) {
  double *p = malloc(sizeof *p * L->np), *g = calloc(L->np, sizeof *g);
  float *pf = malloc(sizeof *pf * L->np), *gf = calloc(L->np, sizeof *gf);
  for (int i = 0; i < L->np; i++) p[i] = pf[i] = (float)p0[i];
  grad_d(L, p, g);
  grad_f(L, pf, gf);
  double diff = 0, scale = 0;
  for (int i = 0; i < L->np; i++) {
    double e = fabs(gf[i] - g[i]);
    if (!(e <= diff)) diff = e;
    scale = fmax(scale, fabs(g[i]));
  }
  free(p), free(g), free(pf), free(gf);
  return diff / fmax(scale, 1e-30);
}

/* ---- training: full-batch Adam ------------------------------------------- */

typedef struct {
  int epochs, every;
  double lr;
} schedule;

static const double beta[2] = {0.9, 0.999}, adam_eps = 1e-8;

static void adam_d(int np, double *p, const double *g, double *m, double *v, int t, double lr) {
  double c1 = 1 - pow(beta[0], t), c2 = 1 - pow(beta[1], t);
  for (int i = 0; i < np; i++) {
    m[i] = beta[0] * m[i] + (1 - beta[0]) * g[i];
    v[i] = beta[1] * v[i] + (1 - beta[1]) * g[i] * g[i];
    p[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + adam_eps);
  }
}

static void adam_f(int np, float *p, const float *g, float *m, float *v, int t, double lr) {
  float c1 = (float)(1 - pow(beta[0], t)), c2 = (float)(1 - pow(beta[1], t));
  float b1 = (float)beta[0], b2 = (float)beta[1], rate = (float)lr, eps = (float)adam_eps;
  for (int i = 0; i < np; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    p[i] -= rate * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
  }
}

/* Correctly classified points: the arg max of each row of logits. */
static int correct_d(const double *z) {
  int ok = 0;
  for (int i = 0; i < N; i++) {
    int best = 0;
    for (int c = 1; c < K; c++) if (z[i * K + c] > z[i * K + best]) best = c;
    ok += best == labels[i];
  }
  return ok;
}
static int correct_f(const float *z) {
  int ok = 0;
  for (int i = 0; i < N; i++) {
    int best = 0;
    for (int c = 1; c < K; c++) if (z[i * K + c] > z[i * K + best]) best = c;
    ok += best == labels[i];
  }
  return ok;
}

static void report(const char *tag, int epoch, double loss, const schedule *s) {
  if (epoch == 0 || epoch == s->epochs || epoch % s->every == 0)
    printf("[%s] epoch %5d  loss %.6f\n", tag, epoch, loss);
}

/* Train from p0; curve[e] is the loss after e epochs, e = 0..epochs. */
static int train_d(const layout *L, const double *p0, const schedule *s, double *curve) {
  int np = L->np;
  double *p = malloc(sizeof *p * np), *g = malloc(sizeof *g * np);
  double *m = calloc(np, sizeof *m), *v = calloc(np, sizeof *v), z[N * K];
  memcpy(p, p0, sizeof *p * np);
  for (int e = 0; e < s->epochs; e++) {
    gradc_zero(g, np); /* gradients accumulate: start each step from zero */
    curve[e] = grad_d(L, p, g);
    report("double", e, curve[e], s);
    adam_d(np, p, g, m, v, e + 1, s->lr);
  }
  curve[s->epochs] = loss_d(L, p);
  report("double", s->epochs, curve[s->epochs], s);
  mlp_logits_d(p + L->w1, p + L->b1, p + L->w2, p + L->b2, X, z, N, D, L->h, K);
  int ok = correct_d(z);
  free(p), free(g), free(m), free(v);
  return ok;
}

static int train_f(const layout *L, const double *p0, const schedule *s, double *curve) {
  int np = L->np;
  float *p = malloc(sizeof *p * np), *g = malloc(sizeof *g * np);
  float *m = calloc(np, sizeof *m), *v = calloc(np, sizeof *v), z[N * K];
  for (int i = 0; i < np; i++) p[i] = (float)p0[i];
  for (int e = 0; e < s->epochs; e++) {
    gradc_zerof(g, np);
    curve[e] = grad_f(L, p, g);
    report("float", e, curve[e], s);
    adam_f(np, p, g, m, v, e + 1, s->lr);
  }
  curve[s->epochs] = loss_f(L, p);
  report("float", s->epochs, curve[s->epochs], s);
  mlp_logits_f(p + L->w1, p + L->b1, p + L->w2, p + L->b2, Xf, z, N, D, L->h, K);
  int ok = correct_f(z);
  free(p), free(g), free(m), free(v);
  return ok;
}

/* ---- the loss curves as SVG ------------------------------------------------ */

typedef struct {
  const char *label, *color, *dash;
  const double *y;
} series;

/* A step of about range/5 on the 1-2-5 ladder. */
static double nice_step(double range) {
  double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* The value on the 1-2-5 ladder (..., 0.1, 0.2, 0.5, 1, 2, ...) at or below
 * x (dir < 0), or at or above it (dir > 0); x > 0. */
static double ladder(double x, int dir) {
  double mag = pow(10, floor(log10(x))), best = dir < 0 ? mag : 10 * mag;
  const double m[4] = {1, 2, 5, 10};
  for (int i = 0; i < 4; i++) {
    double v = m[i] * mag;
    if (dir < 0 && v <= x * (1 + 1e-12)) best = v;
    if (dir > 0 && v >= x * (1 - 1e-12) && v < best) best = v;
  }
  return best;
}

static int write_svg(const char *path, const char *title, const char *subtitle, const series *s,
                     int ns, int npts) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  const double W = 720, Hgt = 450, left = 80, right = 24, top = 64, bottom = 64;
  const double pw = W - left - right, ph = Hgt - top - bottom;
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (int k = 0; k < ns; k++)
    for (int i = 0; i < npts; i++)
      if (s[k].y[i] > 0 && isfinite(s[k].y[i])) lo = fmin(lo, s[k].y[i]), hi = fmax(hi, s[k].y[i]);
  if (!(lo <= hi)) lo = 0.1, hi = 1;
  /* the loss axis runs between values on the 1-2-5 ladder around the data */
  double y0 = ladder(lo, -1), y1 = ladder(hi, +1);
  if (y1 <= y0) y1 = ladder(y0 * 1.5, +1);
  double l0 = log10(y0), l1 = log10(y1);
  int last = npts - 1 > 0 ? npts - 1 : 1;
#define XPOS(e) (left + pw * (double)(e) / last)
#define YPOS(v) (top + ph * (l1 - log10(v)) / (l1 - l0))
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
             "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"13\">\n",
          W, Hgt, W, Hgt);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
             "font-weight=\"bold\">%s</text>\n", left + pw / 2, title);
  fprintf(f, "<text x=\"%.1f\" y=\"46\" text-anchor=\"middle\" fill=\"#555555\">%s</text>\n",
          left + pw / 2, subtitle);
  /* grid: 1..9 times each power of ten in range, darker at the labelled ones
   * (powers of ten; also 2 and 5 when the axis spans two decades or less) */
  int few = l1 - l0 <= 2.0 + 1e-9, d0 = (int)floor(l0 + 1e-9), d1 = (int)ceil(l1 - 1e-9);
  fprintf(f, "<g stroke-width=\"1\">\n");
  for (int d = d0; d <= d1; d++)
    for (int m = 1; m <= 9; m++) {
      double v = m * pow(10, d);
      if (v < y0 * (1 - 1e-9) || v > y1 * (1 + 1e-9)) continue;
      int labelled = m == 1 || (few && (m == 2 || m == 5));
      fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
              left, left + pw, YPOS(v), YPOS(v), labelled ? "#bbbbbb" : "#e8e8e8");
    }
  fprintf(f, "</g>\n<g stroke=\"#bbbbbb\" stroke-width=\"1\">\n");
  double step = fmax(1, nice_step(last)); /* whole epochs */
  for (double e = step; e < last + 0.5 * step && e <= last; e += step)
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", XPOS(e), XPOS(e),
            top, top + ph);
  fprintf(f, "</g>\n<g text-anchor=\"end\">\n");
  for (int d = d0; d <= d1; d++)
    for (int m = 1; m <= 9; m++) {
      double v = m * pow(10, d);
      if (v < y0 * (1 - 1e-9) || v > y1 * (1 + 1e-9) || !(m == 1 || (few && (m == 2 || m == 5))))
        continue;
      fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%g</text>\n", left - 8, YPOS(v) + 4.5, v);
    }
  fprintf(f, "</g>\n<g text-anchor=\"middle\">\n");
  for (double e = 0; e <= last + 1e-9; e += step)
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%g</text>\n", XPOS(e), top + ph + 20, e);
  fprintf(f, "</g>\n");
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
             "stroke=\"#333333\"/>\n", left, top, pw, ph);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", left + pw / 2,
          Hgt - 18);
  fprintf(f, "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">"
             "cross-entropy loss (log scale)</text>\n", top + ph / 2, top + ph / 2);
  /* the curves, and a legend in the top right corner */
  for (int k = 0; k < ns; k++) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s%s%s points=\"",
            s[k].color, s[k].dash ? " stroke-dasharray=\"" : "", s[k].dash ? s[k].dash : "",
            s[k].dash ? "\"" : "");
    for (int i = 0; i < npts; i++) {
      double v = s[k].y[i] > 0 && isfinite(s[k].y[i]) ? s[k].y[i] : y0;
      fprintf(f, "%s%.1f,%.1f", i ? " " : "", XPOS(i), YPOS(v));
    }
    fprintf(f, "\"/>\n");
    double ly = top + 20 + 20 * k, lx = left + pw - 150;
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2\"%s%s%s/>\n", lx, lx + 30, ly, ly, s[k].color,
            s[k].dash ? " stroke-dasharray=\"" : "", s[k].dash ? s[k].dash : "",
            s[k].dash ? "\"" : "");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 38, ly + 4.5, s[k].label);
  }
#undef XPOS
#undef YPOS
  fprintf(f, "</svg>\n");
  int failed = ferror(f);
  return fclose(f) == 0 && !failed ? 0 : -1;
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *to) {
  fprintf(to, "usage: mlp [--double | --float | --both] [--epochs N] [--hidden N] [--lr X]\n"
              "           [--seed S] [--every N] [--svg FILE]\n");
}

static int int_arg(const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return 0;
  *out = (int)v;
  return 1;
}

int main(int argc, char **argv) {
  int run_d = 1, run_f = 1, hidden = 32, seed = 1;
  schedule sched = {500, 50, 0.02};
  const char *svg = NULL;
  for (int a = 1; a < argc; a++) {
    const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
    int ok = 1;
    if (!strcmp(o, "--double")) run_d = 1, run_f = 0;
    else if (!strcmp(o, "--float")) run_d = 0, run_f = 1;
    else if (!strcmp(o, "--both")) run_d = run_f = 1;
    else if (!strcmp(o, "--help") || !strcmp(o, "-h")) { usage(stdout); return 0; }
    else if (!v) ok = 0;
    else if (!strcmp(o, "--epochs")) ok = int_arg(v, 1, 1000000, &sched.epochs), a++;
    else if (!strcmp(o, "--every")) ok = int_arg(v, 1, 1000000, &sched.every), a++;
    else if (!strcmp(o, "--hidden")) ok = int_arg(v, 1, 256, &hidden), a++;
    else if (!strcmp(o, "--seed")) ok = int_arg(v, 0, 2147483647, &seed), a++;
    else if (!strcmp(o, "--svg")) svg = v, a++;
    else if (!strcmp(o, "--lr")) {
      char *end;
      sched.lr = strtod(v, &end), a++;
      ok = *v && !*end && sched.lr > 0 && sched.lr < 10;
    } else ok = 0;
    if (!ok) {
      fprintf(stderr, "mlp: bad argument '%s'%s%s\n", o, v ? " " : "", v ? v : "");
      usage(stderr);
      return 2;
    }
  }

  lcg rng = {0x9E3779B97F4A7C15ULL ^ (unsigned long long)seed};
  make_spirals(&rng);
  layout L = make_layout(hidden);
  double *p0 = malloc(sizeof *p0 * L.np);
  init_params(&L, &rng, p0);
  printf("data: %d spirals, %d points in 2-D; network %d-%d-%d (%d parameters); "
         "Adam, lr %g, %d epochs, seed %d\n", K, N, D, hidden, K, L.np, sched.lr, sched.epochs,
         seed);

  int status = 0;
  double err = check_fd(&L, p0, &rng);
  printf("gradient check (double): max relative error %.1e: %s\n", err,
         err <= 1e-6 ? "ok" : "FAILED (limit 1e-6)");
  if (!(err <= 1e-6)) status = 1;
  if (run_f) {
    double ferr = check_float(&L, p0);
    printf("gradient check (float against double): max relative difference %.1e: %s\n", ferr,
           ferr <= 1e-4 ? "ok" : "FAILED (limit 1e-4)");
    if (!(ferr <= 1e-4)) status = 1;
  }
  if (status) {
    free(p0);
    return status;
  }

  double *curve[2] = {NULL, NULL};
  series s[2];
  int ns = 0;
  for (int prec = 0; prec < 2; prec++) {
    if (prec == 0 ? !run_d : !run_f) continue;
    const char *tag = prec == 0 ? "double" : "float";
    curve[prec] = malloc(sizeof(double) * (sched.epochs + 1));
    clock_t t0 = clock();
    int ok = prec == 0 ? train_d(&L, p0, &sched, curve[prec]) : train_f(&L, p0, &sched, curve[prec]);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    double first = curve[prec][0], final = curve[prec][sched.epochs];
    printf("[%s] loss %.6f -> %.6f (%.1fx lower), training accuracy %.2f%% (%d/%d), %.2f s\n",
           tag, first, final, first / final, 100.0 * ok / N, ok, N, secs);
    s[ns++] = (series){prec == 0 ? "double" : "float", prec == 0 ? "#1f77b4" : "#e6550d",
                       prec == 0 ? NULL : "7 5", curve[prec]};
  }

  if (svg) {
    char title[120], subtitle[160];
    snprintf(title, sizeof title, "Training loss of a %d-%d-%d perceptron", D, hidden, K);
    snprintf(subtitle, sizeof subtitle,
             "%d interleaved spirals, %d points; full-batch Adam, lr %g; gradients generated by gradc",
             K, N, sched.lr);
    if (write_svg(svg, title, subtitle, s, ns, sched.epochs + 1) != 0) {
      fprintf(stderr, "mlp: cannot write %s\n", svg);
      status = 2;
    } else {
      printf("wrote %s\n", svg);
    }
  }
  free(curve[0]), free(curve[1]), free(p0);
  return status;
}
