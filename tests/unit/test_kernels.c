/* test_kernels.c: unit tests of runtime/kernels.c and runtime/kernels_adj.c.
 *
 * Every kernel is described once, as a Case: its active inputs (floating
 * arrays; a scalar such as axpy's a is an array of one), its output (an
 * array, or the returned value as an array of one) and its integer
 * parameters. Thin adapters, generated for double and float by ADAPTERS(),
 * call the kernel and its _rev in that uniform shape. Then one set of checks
 * serves all kernels:
 *   - forward: the double kernel against a naive loop (ref);
 *   - adjoint: the _rev of J = <seed, output> against central differences of
 *     J, with the input adjoints preloaded (they must accumulate) and the
 *     output adjoint zero on return;
 *   - null: each input adjoint NULL in turn (the others still right), and a
 *     NULL output adjoint (nothing changes);
 *   - float: the _f kernel and adjoint against the double ones.
 * gemm runs over ta, tb in {0,1} with non-square sizes, gemv over ta, the
 * axis reductions over both axes. A failure names the case and the element.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradc.h"
#include "gradc/kernels.h"

enum { MAXIN = 3, MAXLEN = 64 };

/* Input classes: where the random values of an input lie. */
enum { ANY, POSITIVE, AWAY_FROM_0 };

typedef struct Case Case;

typedef double (*FwdD)(const Case *, double *const *in, double *out);
typedef double (*RevD)(const Case *, double *const *in, double *const *bar, double *out,
                       double *out_bar);
typedef double (*FwdF)(const Case *, float *const *in, float *out);
typedef double (*RevF)(const Case *, float *const *in, float *const *bar, float *out,
                       float *out_bar);

struct Case {
  char name[48];         /* kernel and variant, for messages */
  int nin;               /* active inputs */
  int len[MAXIN];        /* their lengths */
  int cls[MAXIN];        /* their input classes */
  int nout;              /* output length (1 for a returned value) */
  int inout;             /* the output updates input 2 in place (axpy) */
  int ret;               /* the output is the kernel's return value */
  int ta, tb, m, n, k, axis;
  const int *labels;     /* cross_entropy */
  FwdD fwd_d;
  RevD rev_d;
  FwdF fwd_f;
  RevF rev_f;
  void (*ref)(const Case *, double *const *in, double *out); /* naive loop */
};

/* ---- adapters: kernel calls in the Case shape, for T = double and float ------- */

/* A returned value r becomes out[0]; its seed is out_bar[0], consumed. */
#define SEED(ob) ((ob) ? (ob)[0] : 0)
#define CONSUME(ob)                                                                            \
  if (ob)                                                                                      \
  (ob)[0] = 0

#define ADAPTERS(T, s)                                                                         \
  static double fwd_gemm_##s(const Case *c, T *const *in, T *out) {                           \
    gradc_gemm_##s(c->ta, c->tb, c->m, c->n, c->k, in[0], in[1], out);                         \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_gemm_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {        \
    gradc_gemm_##s##_rev(c->ta, c->tb, c->m, c->n, c->k, in[0], b[0], in[1], b[1], out, ob);   \
    return 0;                                                                                  \
  }                                                                                            \
  static double fwd_gemv_##s(const Case *c, T *const *in, T *out) {                           \
    gradc_gemv_##s(c->ta, c->m, c->n, in[0], in[1], out);                                      \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_gemv_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {        \
    gradc_gemv_##s##_rev(c->ta, c->m, c->n, in[0], b[0], in[1], b[1], out, ob);                \
    return 0;                                                                                  \
  }                                                                                            \
  static double fwd_dot_##s(const Case *c, T *const *in, T *out) {                            \
    return out[0] = gradc_dot_##s(c->n, in[0], in[1]);                                         \
  }                                                                                            \
  static double rev_dot_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {         \
    T r = gradc_dot_##s##_rev(c->n, in[0], b[0], in[1], b[1], SEED(ob));                       \
    (void)out;                                                                                 \
    CONSUME(ob);                                                                               \
    return r;                                                                                  \
  }                                                                                            \
  /* axpy updates y (input 2) in place: out starts as a copy of y; the adjoint */              \
  /* that _rev leaves in out_bar is y_old's, moved to bar[2] here. */                          \
  static double fwd_axpy_##s(const Case *c, T *const *in, T *out) {                           \
    memcpy(out, in[2], (size_t)c->n * sizeof(T));                                              \
    gradc_axpy_##s(c->n, in[0][0], in[1], out);                                                \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_axpy_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {        \
    gradc_axpy_##s##_rev(c->n, in[0][0], b[0], in[1], b[1], out, ob);                          \
    for (int i = 0; ob && i < c->n; i++) {                                                     \
      if (b[2])                                                                                \
        b[2][i] += ob[i];                                                                      \
      ob[i] = 0;                                                                               \
    }                                                                                          \
    return 0;                                                                                  \
  }                                                                                            \
  static double fwd_scale_##s(const Case *c, T *const *in, T *out) {                          \
    gradc_scale_##s(c->n, in[0][0], in[1], out);                                               \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_scale_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {       \
    gradc_scale_##s##_rev(c->n, in[0][0], b[0], in[1], b[1], out, ob);                         \
    return 0;                                                                                  \
  }                                                                                            \
  BINARY(T, s, add) BINARY(T, s, sub) BINARY(T, s, mul) BINARY(T, s, div)                      \
  static double fwd_add_bias_##s(const Case *c, T *const *in, T *out) {                       \
    gradc_add_bias_##s(c->m, c->n, in[0], in[1], out);                                         \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_add_bias_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {    \
    gradc_add_bias_##s##_rev(c->m, c->n, in[0], b[0], in[1], b[1], out, ob);                   \
    return 0;                                                                                  \
  }                                                                                            \
  REDUCE(T, s, sum) REDUCE(T, s, mean)                                                         \
  AXIS(T, s, sum_axis) AXIS(T, s, mean_axis)                                                   \
  UNARY(T, s, relu) UNARY(T, s, sigmoid) UNARY(T, s, tanh) UNARY(T, s, exp) UNARY(T, s, log)   \
  ROWS(T, s, softmax) ROWS(T, s, log_softmax)                                                  \
  static double fwd_mse_##s(const Case *c, T *const *in, T *out) {                            \
    return out[0] = gradc_mse_##s(c->n, in[0], in[1]);                                         \
  }                                                                                            \
  static double rev_mse_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {         \
    T r = gradc_mse_##s##_rev(c->n, in[0], b[0], in[1], b[1], SEED(ob));                       \
    (void)out;                                                                                 \
    CONSUME(ob);                                                                               \
    return r;                                                                                  \
  }                                                                                            \
  static double fwd_cross_entropy_##s(const Case *c, T *const *in, T *out) {                  \
    return out[0] = gradc_cross_entropy_##s(c->m, c->n, in[0], c->labels);                     \
  }                                                                                            \
  static double rev_cross_entropy_##s(const Case *c, T *const *in, T *const *b, T *out,        \
                                      T *ob) {                                                 \
    T r = gradc_cross_entropy_##s##_rev(c->m, c->n, in[0], b[0], c->labels, SEED(ob));         \
    (void)out;                                                                                 \
    CONSUME(ob);                                                                               \
    return r;                                                                                  \
  }

#define BINARY(T, s, op)                                                                       \
  static double fwd_##op##_##s(const Case *c, T *const *in, T *out) {                         \
    gradc_##op##_##s(c->n, in[0], in[1], out);                                                 \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_##op##_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {      \
    gradc_##op##_##s##_rev(c->n, in[0], b[0], in[1], b[1], out, ob);                           \
    return 0;                                                                                  \
  }
#define UNARY(T, s, op)                                                                        \
  static double fwd_##op##_##s(const Case *c, T *const *in, T *out) {                         \
    gradc_##op##_##s(c->n, in[0], out);                                                        \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_##op##_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {      \
    gradc_##op##_##s##_rev(c->n, in[0], b[0], out, ob);                                        \
    return 0;                                                                                  \
  }
#define REDUCE(T, s, op)                                                                       \
  static double fwd_##op##_##s(const Case *c, T *const *in, T *out) {                         \
    return out[0] = gradc_##op##_##s(c->n, in[0]);                                             \
  }                                                                                            \
  static double rev_##op##_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {      \
    T r = gradc_##op##_##s##_rev(c->n, in[0], b[0], SEED(ob));                                 \
    (void)out;                                                                                 \
    CONSUME(ob);                                                                               \
    return r;                                                                                  \
  }
#define AXIS(T, s, op)                                                                         \
  static double fwd_##op##_##s(const Case *c, T *const *in, T *out) {                         \
    gradc_##op##_##s(c->m, c->n, c->axis, in[0], out);                                         \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_##op##_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {      \
    gradc_##op##_##s##_rev(c->m, c->n, c->axis, in[0], b[0], out, ob);                         \
    return 0;                                                                                  \
  }
#define ROWS(T, s, op)                                                                         \
  static double fwd_##op##_##s(const Case *c, T *const *in, T *out) {                         \
    gradc_##op##_##s(c->m, c->n, in[0], out);                                                  \
    return 0;                                                                                  \
  }                                                                                            \
  static double rev_##op##_##s(const Case *c, T *const *in, T *const *b, T *out, T *ob) {      \
    gradc_##op##_##s##_rev(c->m, c->n, in[0], b[0], out, ob);                                  \
    return 0;                                                                                  \
  }

ADAPTERS(double, d)
ADAPTERS(float, f)

/* ---- naive references ------------------------------------------------------------ */

/* op(A)[i][l] of a stored matrix with `cols` columns, transposed or not. */
static double at(const double *A, int cols, int t, int i, int l) {
  return t ? A[(long)l * cols + i] : A[(long)i * cols + l];
}

static void ref_gemm(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->m; i++)
    for (int j = 0; j < c->n; j++) {
      double s = 0;
      for (int l = 0; l < c->k; l++)
        s += at(in[0], c->ta ? c->m : c->k, c->ta, i, l) *
             at(in[1], c->tb ? c->k : c->n, c->tb, l, j);
      out[(long)i * c->n + j] = s;
    }
}

static void ref_gemv(const Case *c, double *const *in, double *out) {
  int rows = c->ta ? c->n : c->m, cols = c->ta ? c->m : c->n;
  for (int i = 0; i < rows; i++) {
    double s = 0;
    for (int j = 0; j < cols; j++)
      s += at(in[0], c->n, c->ta, i, j) * in[1][j];
    out[i] = s;
  }
}

static void ref_dot(const Case *c, double *const *in, double *out) {
  out[0] = 0;
  for (int i = 0; i < c->n; i++)
    out[0] += in[0][i] * in[1][i];
}

static void ref_axpy(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[2][i] + in[0][0] * in[1][i];
}

static void ref_scale(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][0] * in[1][i];
}

static void ref_add(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][i] + in[1][i];
}

static void ref_sub(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][i] - in[1][i];
}

static void ref_mul(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][i] * in[1][i];
}

static void ref_div(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][i] / in[1][i];
}

static void ref_add_bias(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->m; i++)
    for (int j = 0; j < c->n; j++)
      out[i * c->n + j] = in[0][i * c->n + j] + in[1][j];
}

static void ref_sum(const Case *c, double *const *in, double *out) {
  out[0] = 0;
  for (int i = 0; i < c->n; i++)
    out[0] += in[0][i];
}

static void ref_mean(const Case *c, double *const *in, double *out) {
  ref_sum(c, in, out);
  out[0] /= c->n;
}

static void ref_sum_axis(const Case *c, double *const *in, double *out) {
  memset(out, 0, (size_t)(c->axis ? c->m : c->n) * sizeof *out);
  for (int i = 0; i < c->m; i++)
    for (int j = 0; j < c->n; j++)
      out[c->axis ? i : j] += in[0][i * c->n + j];
}

static void ref_mean_axis(const Case *c, double *const *in, double *out) {
  ref_sum_axis(c, in, out);
  for (int i = 0; i < (c->axis ? c->m : c->n); i++)
    out[i] /= c->axis ? c->n : c->m;
}

static void ref_relu(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = in[0][i] > 0 ? in[0][i] : 0;
}

static void ref_sigmoid(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = 1 / (1 + exp(-in[0][i]));
}

static void ref_tanh(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = tanh(in[0][i]);
}

static void ref_exp(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = exp(in[0][i]);
}

static void ref_log(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->n; i++)
    out[i] = log(in[0][i]);
}

/* The textbook formulas, without the max shift (inputs are small here). */
static void ref_softmax(const Case *c, double *const *in, double *out) {
  for (int i = 0; i < c->m; i++) {
    double s = 0;
    for (int j = 0; j < c->n; j++)
      s += exp(in[0][i * c->n + j]);
    for (int j = 0; j < c->n; j++)
      out[i * c->n + j] = exp(in[0][i * c->n + j]) / s;
  }
}

static void ref_log_softmax(const Case *c, double *const *in, double *out) {
  ref_softmax(c, in, out);
  for (int i = 0; i < c->m * c->n; i++)
    out[i] = log(out[i]);
}

static void ref_mse(const Case *c, double *const *in, double *out) {
  out[0] = 0;
  for (int i = 0; i < c->n; i++)
    out[0] += (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]) / c->n;
}

static void ref_cross_entropy(const Case *c, double *const *in, double *out) {
  double *p = malloc((size_t)(c->m * c->n) * sizeof *p);
  ref_softmax(c, in, p);
  out[0] = 0;
  for (int i = 0; i < c->m; i++)
    out[0] -= log(p[i * c->n + c->labels[i]]) / c->m;
  free(p);
}

/* ---- the cases -------------------------------------------------------------------- */

static const int labels[] = {2, 0, 4, 1, 3, 3};

/* A case of kernel `name`, with its adapters and reference. */
#define CASE(nm, ...)                                                                          \
  (Case) {                                                                                     \
    .fwd_d = fwd_##nm##_d, .rev_d = rev_##nm##_d, .fwd_f = fwd_##nm##_f,                       \
    .rev_f = rev_##nm##_f, .ref = ref_##nm, __VA_ARGS__                                        \
  }

/* Fills list with every case of the kernel `kernel`; returns how many. */
static int cases_of(const char *kernel, Case *list) {
  int n = 0;
  Case c;
#define ADD(...)                                                                               \
  do {                                                                                         \
    c = CASE(__VA_ARGS__);                                                                     \
    if (!strcmp(kernel, c.name))                                                               \
      list[n++] = c;                                                                           \
  } while (0)
  static const int mnk[][3] = {{3, 4, 5}, {1, 5, 2}, {4, 1, 3}, {2, 3, 1}};
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (int s = 0; s < 4; s++) {
        int m = mnk[s][0], nn = mnk[s][1], k = mnk[s][2];
        ADD(gemm, .name = "gemm", .nin = 2, .len = {m * k, k * nn}, .nout = m * nn, .ta = ta,
            .tb = tb, .m = m, .n = nn, .k = k);
      }
  for (int ta = 0; ta < 2; ta++) {
    ADD(gemv, .name = "gemv", .nin = 2, .len = {3 * 5, ta ? 3 : 5}, .nout = ta ? 5 : 3,
        .ta = ta, .m = 3, .n = 5);
    ADD(gemv, .name = "gemv", .nin = 2, .len = {1 * 4, ta ? 1 : 4}, .nout = ta ? 4 : 1,
        .ta = ta, .m = 1, .n = 4);
  }
  ADD(dot, .name = "dot", .ret = 1, .nin = 2, .len = {7, 7}, .nout = 1, .n = 7);
  ADD(axpy, .name = "axpy", .nin = 3, .len = {1, 6, 6}, .nout = 6, .inout = 1, .n = 6);
  ADD(scale, .name = "scale", .nin = 2, .len = {1, 6}, .nout = 6, .n = 6);
  ADD(add, .name = "add", .nin = 2, .len = {6, 6}, .nout = 6, .n = 6);
  ADD(sub, .name = "sub", .nin = 2, .len = {6, 6}, .nout = 6, .n = 6);
  ADD(mul, .name = "mul", .nin = 2, .len = {6, 6}, .nout = 6, .n = 6);
  ADD(div, .name = "div", .nin = 2, .len = {6, 6}, .cls = {ANY, POSITIVE}, .nout = 6, .n = 6);
  ADD(add_bias, .name = "add_bias", .nin = 2, .len = {12, 4}, .nout = 12, .m = 3, .n = 4);
  ADD(sum, .name = "sum", .ret = 1, .nin = 1, .len = {7}, .nout = 1, .n = 7);
  ADD(mean, .name = "mean", .ret = 1, .nin = 1, .len = {7}, .nout = 1, .n = 7);
  for (int axis = 0; axis < 2; axis++) {
    ADD(sum_axis, .name = "sum_axis", .nin = 1, .len = {12}, .nout = axis ? 3 : 4, .m = 3,
        .n = 4, .axis = axis);
    ADD(mean_axis, .name = "mean_axis", .nin = 1, .len = {12}, .nout = axis ? 3 : 4, .m = 3,
        .n = 4, .axis = axis);
  }
  ADD(relu, .name = "relu", .nin = 1, .len = {8}, .cls = {AWAY_FROM_0}, .nout = 8, .n = 8);
  ADD(sigmoid, .name = "sigmoid", .nin = 1, .len = {8}, .nout = 8, .n = 8);
  ADD(tanh, .name = "tanh", .nin = 1, .len = {8}, .nout = 8, .n = 8);
  ADD(exp, .name = "exp", .nin = 1, .len = {8}, .nout = 8, .n = 8);
  ADD(log, .name = "log", .nin = 1, .len = {8}, .cls = {POSITIVE}, .nout = 8, .n = 8);
  ADD(softmax, .name = "softmax", .nin = 1, .len = {15}, .nout = 15, .m = 3, .n = 5);
  ADD(softmax, .name = "softmax", .nin = 1, .len = {4}, .nout = 4, .m = 1, .n = 4);
  ADD(log_softmax, .name = "log_softmax", .nin = 1, .len = {15}, .nout = 15, .m = 3, .n = 5);
  ADD(mse, .name = "mse", .ret = 1, .nin = 2, .len = {7, 7}, .nout = 1, .n = 7);
  ADD(cross_entropy, .name = "cross_entropy", .ret = 1, .nin = 1, .len = {30}, .nout = 1, .m = 6, .n = 5,
      .labels = labels);
#undef ADD
  cr_assert_gt(n, 0, "no case for kernel '%s'", kernel);
  return n;
}

/* ---- data ------------------------------------------------------------------------- */

static unsigned long long rng = 88172645463325252ull;

/* Uniform in [-1, 1), from xorshift64. */
static double uniform(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / (double)(1ull << 52) - 1;
}

static double draw(int cls) {
  double u = uniform();
  switch (cls) {
  case POSITIVE: return 1 + 0.5 * u;                  /* [0.5, 1.5) */
  case AWAY_FROM_0: return u < 0 ? u - 0.1 : u + 0.1; /* |x| >= 0.1 */
  default: return u;
  }
}

/* The buffers of one case: inputs, their adjoints, output, its seed. */
typedef struct Data {
  double in[MAXIN][MAXLEN], bar[MAXIN][MAXLEN], pre[MAXIN][MAXLEN];
  double out[MAXLEN], seed[MAXLEN], out_bar[MAXLEN];
  double *inp[MAXIN], *barp[MAXIN];
} Data;

static void fill(const Case *c, Data *d) {
  memset(d, 0, sizeof *d);
  for (int a = 0; a < MAXIN; a++) {
    d->inp[a] = d->in[a], d->barp[a] = a < c->nin ? d->bar[a] : NULL;
    for (int i = 0; i < (a < c->nin ? c->len[a] : 0); i++) {
      d->in[a][i] = draw(c->cls[a]);
      d->pre[a][i] = d->bar[a][i] = uniform(); /* adjoints accumulate onto this */
    }
  }
  for (int i = 0; i < c->nout; i++)
    d->seed[i] = uniform();
}

/* J = <seed, f(in)> */
static double functional(const Case *c, Data *d) {
  double out[MAXLEN], j = 0;
  c->fwd_d(c, d->inp, out);
  for (int i = 0; i < c->nout; i++)
    j += d->seed[i] * out[i];
  return j;
}

/* dJ/d in[a][i] by central differences. */
static double central(const Case *c, Data *d, int a, int i) {
  const double h = 1e-6;
  double x = d->in[a][i], jp, jm;
  d->in[a][i] = x + h;
  jp = functional(c, d);
  d->in[a][i] = x - h;
  jm = functional(c, d);
  d->in[a][i] = x;
  return (jp - jm) / (2 * h);
}

#define CLOSE(got, want, tol) (fabs((got) - (want)) <= (tol) * fmax(1, fabs(want)))

/* Runs the forward kernel, then _rev with the seed: the value returned. */
static double forward_reverse(const Case *c, Data *d, int with_out_bar) {
  c->fwd_d(c, d->inp, d->out);
  memcpy(d->out_bar, d->seed, sizeof d->seed);
  return c->rev_d(c, d->inp, d->barp, d->out, with_out_bar ? d->out_bar : NULL);
}

static void assert_consumed(const Case *c, const Data *d) {
  for (int i = 0; i < c->nout; i++)
    cr_assert_eq(d->out_bar[i], 0, "%s ta=%d tb=%d axis=%d: out_bar[%d] = %g, not consumed",
                 c->name, c->ta, c->tb, c->axis, i, d->out_bar[i]);
}

/* Input a's adjoint (minus its preload) against central differences. */
static void assert_adjoint(const Case *c, Data *d, int a) {
  for (int i = 0; i < c->len[a]; i++) {
    double ad = d->bar[a][i] - d->pre[a][i], fd = central(c, d, a, i);
    cr_assert(CLOSE(ad, fd, 1e-8),
              "%s ta=%d tb=%d m=%d n=%d k=%d axis=%d: d J/d in%d[%d]: adjoint %.12g, "
              "central differences %.12g",
              c->name, c->ta, c->tb, c->m, c->n, c->k, c->axis, a, i, ad, fd);
  }
}

/* ---- the checks --------------------------------------------------------------------- */

static void check_forward(const char *kernel) {
  Case list[32];
  int n = cases_of(kernel, list);
  for (int t = 0; t < n; t++) {
    const Case *c = &list[t];
    Data d;
    double want[MAXLEN];
    fill(c, &d);
    c->fwd_d(c, d.inp, d.out);
    c->ref(c, d.inp, want);
    for (int i = 0; i < c->nout; i++)
      cr_assert(CLOSE(d.out[i], want[i], 1e-13), "%s ta=%d tb=%d axis=%d: out[%d] = %.17g, naive %.17g",
                c->name, c->ta, c->tb, c->axis, i, d.out[i], want[i]);
  }
}

static void check_adjoint(const char *kernel) {
  Case list[32];
  int n = cases_of(kernel, list);
  for (int t = 0; t < n; t++) {
    const Case *c = &list[t];
    Data d;
    double r;
    fill(c, &d);
    r = forward_reverse(c, &d, 1);
    assert_consumed(c, &d);
    for (int a = 0; a < c->nin; a++)
      assert_adjoint(c, &d, a);
    if (c->ret) /* _rev returns the kernel's value too */
      cr_assert(CLOSE(r, d.out[0], 1e-15), "%s: _rev returned %.17g, the kernel %.17g",
                c->name, r, d.out[0]);
  }
}

/* Each input adjoint NULL in turn; then the output adjoint NULL. */
static void check_null(const char *kernel) {
  Case list[32];
  int n = cases_of(kernel, list);
  for (int t = 0; t < n; t++) {
    const Case *c = &list[t];
    Data d;
    for (int skip = 0; skip < c->nin; skip++) {
      fill(c, &d);
      d.barp[skip] = NULL;
      forward_reverse(c, &d, 1);
      assert_consumed(c, &d);
      for (int a = 0; a < c->nin; a++) {
        if (a != skip)
          assert_adjoint(c, &d, a);
        else
          cr_assert_eq(memcmp(d.bar[a], d.pre[a], sizeof d.bar[a]), 0);
      }
    }
    fill(c, &d);
    forward_reverse(c, &d, 0);
    for (int a = 0; a < c->nin; a++)
      cr_assert_eq(memcmp(d.bar[a], d.pre[a], sizeof d.bar[a]), 0,
                   "%s: a NULL output adjoint changed in%d's adjoint", c->name, a);
  }
}

/* The float kernel and adjoint on the same data, against the double ones. */
static void check_float(const char *kernel) {
  Case list[32];
  int n = cases_of(kernel, list);
  for (int t = 0; t < n; t++) {
    const Case *c = &list[t];
    Data d;
    float in[MAXIN][MAXLEN], bar[MAXIN][MAXLEN], out[MAXLEN], out_bar[MAXLEN];
    float *inp[MAXIN], *barp[MAXIN];
    double rd, rf;
    fill(c, &d);
    for (int a = 0; a < MAXIN; a++) {
      for (int i = 0; i < MAXLEN; i++)
        in[a][i] = (float)d.in[a][i], bar[a][i] = (float)d.bar[a][i];
      inp[a] = in[a], barp[a] = d.barp[a] ? bar[a] : NULL;
    }
    for (int i = 0; i < MAXLEN; i++)
      out_bar[i] = (float)d.seed[i];
    c->fwd_f(c, inp, out);
    rf = c->rev_f(c, inp, barp, out, out_bar);
    rd = forward_reverse(c, &d, 1);
    cr_assert(CLOSE(rf, rd, 1e-4), "%s: float _rev returned %g, double %g", c->name, rf, rd);
    for (int i = 0; i < c->nout; i++) {
      cr_assert(CLOSE(out[i], d.out[i], 1e-4), "%s ta=%d tb=%d axis=%d: float out[%d] = %.8g, double %.8g",
                c->name, c->ta, c->tb, c->axis, i, out[i], d.out[i]);
      cr_assert_eq(out_bar[i], 0, "%s: float out_bar[%d] not consumed", c->name, i);
    }
    for (int a = 0; a < c->nin; a++)
      for (int i = 0; i < c->len[a]; i++)
        cr_assert(CLOSE(bar[a][i], d.bar[a][i], 1e-4),
                  "%s ta=%d tb=%d axis=%d: float in%d_bar[%d] = %.8g, double %.8g", c->name,
                  c->ta, c->tb, c->axis, a, i, bar[a][i], d.bar[a][i]);
  }
}

/* One test per kernel, not per check: each Criterion test is a process, and
 * the suite also runs under valgrind. Failures name the kernel and variant. */
#define KERNEL_TESTS(k)                                                                        \
  Test(k, forward_adjoint_null_float) {                                                        \
    check_forward(#k);                                                                         \
    check_adjoint(#k);                                                                         \
    check_null(#k);                                                                            \
    check_float(#k);                                                                           \
  }

KERNEL_TESTS(gemm)
KERNEL_TESTS(gemv)
KERNEL_TESTS(dot)
KERNEL_TESTS(axpy)
KERNEL_TESTS(scale)
KERNEL_TESTS(add)
KERNEL_TESTS(sub)
KERNEL_TESTS(mul)
KERNEL_TESTS(div)
KERNEL_TESTS(add_bias)
KERNEL_TESTS(sum)
KERNEL_TESTS(mean)
KERNEL_TESTS(sum_axis)
KERNEL_TESTS(mean_axis)
KERNEL_TESTS(relu)
KERNEL_TESTS(sigmoid)
KERNEL_TESTS(tanh)
KERNEL_TESTS(exp)
KERNEL_TESTS(log)
KERNEL_TESTS(softmax)
KERNEL_TESTS(log_softmax)
KERNEL_TESTS(mse)
KERNEL_TESTS(cross_entropy)

/* ---- specific properties ------------------------------------------------------------- */

/* The dot-product test: for C = op(A) op(B) and any dA, dB, with
 * dC = op(dA) op(B) + op(A) op(dB), the adjoint satisfies
 *   <C_bar, dC> = <A_bar, dA> + <B_bar, dB>. */
Test(gemm, dot_product_test) {
  Case list[32];
  int n = cases_of("gemm", list);
  for (int t = 0; t < n; t++) {
    const Case *c = &list[t];
    Data d;
    double dA[MAXLEN], dB[MAXLEN], dC[MAXLEN], tmp[MAXLEN], lhs = 0, rhs = 0;
    fill(c, &d);
    for (int i = 0; i < MAXLEN; i++)
      dA[i] = uniform(), dB[i] = uniform();
    gradc_gemm_d(c->ta, c->tb, c->m, c->n, c->k, dA, d.in[1], dC);
    gradc_gemm_d(c->ta, c->tb, c->m, c->n, c->k, d.in[0], dB, tmp);
    memset(d.bar, 0, sizeof d.bar);
    memset(d.pre, 0, sizeof d.pre);
    forward_reverse(c, &d, 1);
    for (int i = 0; i < c->nout; i++)
      lhs += d.seed[i] * (dC[i] + tmp[i]);
    for (int i = 0; i < c->len[0]; i++)
      rhs += d.bar[0][i] * dA[i];
    for (int i = 0; i < c->len[1]; i++)
      rhs += d.bar[1][i] * dB[i];
    cr_assert(CLOSE(lhs, rhs, 1e-12), "gemm ta=%d tb=%d m=%d n=%d k=%d: <C_bar, dC> = %.17g, "
              "<A_bar, dA> + <B_bar, dB> = %.17g", c->ta, c->tb, c->m, c->n, c->k, lhs, rhs);
  }
}

/* axpy updates y in place: its adjoint passes through y_bar unchanged. */
Test(axpy, y_bar_passes_through) {
  double x[3] = {1, 2, 3}, y[3] = {0}, yb[3] = {0.5, -1, 2}, xb[3] = {0}, ab = 0;
  gradc_axpy_d(3, 2, x, y);
  gradc_axpy_d_rev(3, 2, &ab, x, xb, y, yb);
  cr_assert(yb[0] == 0.5 && yb[1] == -1 && yb[2] == 2);
  cr_assert_eq(ab, 0.5 - 2 + 6);
  cr_assert(xb[0] == 1 && xb[1] == -2 && xb[2] == 4);
}

Test(relu, derivative_at_zero_is_zero) {
  double x[3] = {0, -0.0, 1}, y[3], yb[3] = {1, 1, 1}, xb[3] = {0};
  gradc_relu_d(3, x, y);
  gradc_relu_d_rev(3, x, xb, y, yb);
  cr_assert(xb[0] == 0 && xb[1] == 0 && xb[2] == 1);
}

/* Large logits neither overflow nor turn into NaN. */
Test(softmax, stable_for_large_inputs) {
  double X[4] = {1000, 1001, -1000, 999}, Y[4], L[4];
  float Xf[4] = {100, 101, -100, 99}, Yf[4];
  gradc_softmax_d(1, 4, X, Y);
  gradc_log_softmax_d(1, 4, X, L);
  gradc_softmax_f(1, 4, Xf, Yf);
  for (int j = 0; j < 4; j++) {
    cr_assert(isfinite(Y[j]) && isfinite(Yf[j]));
    cr_assert(isfinite(L[j]) || X[j] == -1000, "log_softmax[%d] = %g", j, L[j]);
  }
  cr_assert(CLOSE(Y[1], 1 / (1 + exp(-1) + exp(-2)), 1e-15));
  cr_assert(CLOSE(L[1], -log(1 + exp(-1) + exp(-2)), 1e-15), "%.17g", L[1]);
  cr_assert(CLOSE(Yf[1], Y[1], 1e-6));
}

Test(cross_entropy, stable_for_large_logits) {
  double L[4] = {1000, 1001, -1000, 999}, Lb[4] = {0};
  int lab[1] = {0};
  double r = gradc_cross_entropy_d_rev(1, 4, L, Lb, lab, 1);
  cr_assert(CLOSE(r, 1 + log(1 + exp(-1) + exp(-2)), 1e-13), "%.17g", r);
  cr_assert(isfinite(Lb[0]) && Lb[0] < 0 && Lb[1] > 0 && Lb[2] == 0);
}

Test(sigmoid, stable_for_large_inputs) {
  double x[2] = {-800, 800}, y[2];
  gradc_sigmoid_d(2, x, y);
  cr_assert(y[0] == 0 && y[1] == 1);
}

static int nerrors;
static char last_error[160];

static void record_error(void *ud, const char *msg) {
  (void)ud;
  nerrors++;
  snprintf(last_error, sizeof last_error, "%s", msg);
}

/* A label outside [0, n) is reported, gives NaN, and is never read through. */
Test(cross_entropy, bad_label_is_reported) {
  double L[6] = {1, 2, 3, 4, 5, 6}, Lb[6] = {0};
  int lab[2] = {1, 3};
  gradc_set_error_handler(record_error, NULL);
  cr_assert(isnan(gradc_cross_entropy_d(2, 3, L, lab)));
  cr_assert_eq(nerrors, 1);
  cr_assert(strstr(last_error, "label 3"), "message: %s", last_error);
  cr_assert(isnan(gradc_cross_entropy_d_rev(2, 3, L, Lb, lab, 1)));
  cr_assert(isnan(gradc_cross_entropy_f(2, 3, (float[6]){0}, lab)));
  cr_assert_eq(nerrors, 3);
  gradc_set_error_handler(NULL, NULL);
}

/* Empty sizes do nothing and read nothing. */
Test(gemm, empty_and_zero_k) {
  double C[6] = {9, 9, 9, 9, 9, 9}, Cb[6] = {1, 1, 1, 1, 1, 1};
  gradc_gemm_d(0, 0, 0, 3, 2, NULL, NULL, C);
  cr_assert_eq(C[0], 9);
  gradc_gemm_d(0, 1, 2, 3, 0, NULL, NULL, C);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(C[i], 0);
  gradc_gemm_d_rev(0, 1, 2, 3, 0, NULL, NULL, NULL, NULL, C, Cb);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(Cb[i], 0);
  cr_assert_eq(gradc_dot_d(0, NULL, NULL), 0);
}
