/* gen.c: writes a random, well-defined numeric C function for differential
 * testing of gradc, with a main that checks its gradient.
 *
 *   gen SEED > case.c
 *
 * The function f(x, n) uses locals overwritten many times, a local array and
 * a struct, if/else on data, counted and data-dependent loops with break and
 * continue, calls to helpers (one of them recursive), pointer walks and libm.
 * Each program also turns on, from its seed, a few of the forms below (each
 * in about a third of the programs), used at least once:
 *   ARR      helpers writing the caller's arrays through pointer parameters,
 *            also local arrays and VLAs, inside loops (sub, scalev, norm2)
 *   INPLACE  helpers overwriting an array in place (damp, normalize)
 *   ROW      helpers returning a pointer into a parameter (row, rowm)
 *   STRUCT   helpers returning a struct of doubles (mkpair, rot)
 *   MALLOC   malloc/calloc/free in helpers
 *   UNSIGNED size_t and unsigned counters counting up and down, while (k--),
 *            -k of an unsigned k as a factor (modular: 2^32 - k)
 *   FLOAT    float helpers called with double arguments, and back
 *   CONDSIDE side effects in loop conditions
 *   SHORT    calls inside ?:, && and || operands (some with side effects)
 *   ALIAS    pointers aliasing scalars (double *p = &a0; *p *= *p;), and a
 *            local array (p = t; p[k] = exp(0.3 * t[k] * a1): an element
 *            written through one name and read through the other)
 *   WALK     pointer walks (const double *q = x + k; q++), and back by
 *            compound steps (q = q - (s + 1); q - (c ? 1 : 2) + (s + 1)),
 *            writing the local array, one pointer over x and then t (gradc
 *            makes offsets of walks over one array, offsets.c)
 *   GOTO     forward goto out of a loop or to a cleanup label
 *   CKPT     GRADC_CHECKPOINT(k) on loops of f that no loop encloses: for,
 *            while with break, do; random statements (any form) inside
 *   PAR      '#pragma omp parallel for' loops without races, of the canonical
 *            forms (<, <=, >, >=, steps up and down, int, long and size_t
 *            counters): independent outputs o[i] from x's neighbours and
 *            body locals; reduction(+:r) into fresh locals and into acc;
 *            time steps (a parallel stencil in a serial loop, buffers
 *            swapped or copied, the copy parallel too); helpers with
 *            parallel loops (inlined); an inner serial loop with an
 *            accumulator of the iteration (maybe private(...)) and a
 *            branch; t updated in place; firstprivate copies of a scalar
 *            set before; schedule, shared and default(shared|none)
 *            clauses. Chosen from a stream of its own: every seed turns
 *            the other forms on as before PAR existed, and a program
 *            without PAR is the one the seed gave then. A PAR program gets
 *            a line "OPENMP" (run.sh: gradc -- -fopenmp, cc -fopenmp). The
 *            loops write 'continue', and local arrays directly (also
 *            through helpers); GEN_PAR_CONTINUE=0 and GEN_PAR_ARRAYS=0
 *            write an if and a pointer to the array instead.
 *   SCRATCH  loops (int, unsigned, size_t counters; in an outer loop at
 *            times; in a third of them n written n - 1 + 1 in the bounds,
 *            which gradc's tape room and offsets must keep whole) whose
 *            body starts by filling scratch values from x and
 *            values the loop does not change: buffers over [0, D) (malloc'd
 *            or calloc'd before the loop and freed after, local arrays,
 *            VLAs; filled at times through a walking pointer), a second
 *            from the first (g[i] = q[i] * h[i]), a triangular update with a
 *            running index (li = D; ... li++), a pointer into a local array
 *            of parameters or into x, scratch scalars (one of the buffers'
 *            literal elements) and a sum; the rest of the body uses them
 *            nonlinearly, adds to acc, writes a variable of f and an element
 *            of a buffer reduced after the loop (log-sum-exp); an outer
 *            loop's body may fill a buffer the prefix reads, and change what
 *            it read before or after the loop. gradc's reverse sweep computes
 *            such a prefix again instead of taping it. About half of the
 *            loops hold a near miss that must keep its saves (a buffer
 *            carried or read before its fill, a fill that stops short, in
 *            an if, through a second name, libm calls in the prefix, a
 *            buffer read after the loop, at literal or shifted indices, or
 *            written again, a prefix reading what the body writes, the
 *            parameters behind q or the running index changed by the body,
 *            a scalar carried, a buffer declared in the body). A third of
 *            the loops (the outer one when nested) leave only a sum
 *            (marked "only a sum leaves this loop"), with the triangle:
 *            gradc reverses each iteration as it runs, and tapes the
 *            triangle's results of an inner loop once; a fifth of them
 *            scale the sum in an if (acc = 0.5 * acc), which must not be
 *            reversed that way.
 *            A quarter of the SCRATCH blocks write residuals into scratch
 *            instead (A per element at A i + k) and sum a function of each
 *            after the loop: gradc joins the sum to the loop that writes
 *            them; near misses in half of them (see f_resid); a quarter
 *            of those loops under #pragma GCC unroll. A fifth of the
 *            rest split one allocation per step into named slices filled
 *            in one loop by the logistic, tanh or exp, read by a state
 *            update; near misses in half of them (see f_slices). An
 *            eighth of the SCRATCH blocks are calls whose value nothing
 *            uses: after a comma in a for loop's increment or in an
 *            expression statement (f_discard). Every fourth SCRATCH block
 *            (by its number, not from the stream) is loops over one range
 *            in a row, each filling a buffer from the one before at the
 *            same index, which gradc joins into one loop; near misses in
 *            half of them (see f_join).
 *            Chosen from a stream of its own, as PAR: a program without
 *            SCRATCH is the one the seed gave before SCRATCH existed.
 *   CUSTOM   calls of functions with the user's derivatives
 *            (GRADC_CUSTOM_GRAD, GRADC_CUSTOM_JVP): static and not, a
 *            reverse one only (forward mode then differentiates the body),
 *            array parameters whose adjoints and tangents may be NULL, a
 *            function whose body gradc never sees (defined under
 *            GRADCHECK_MAIN); overwriting their argument, in loops and
 *            conditions, nested, with inactive arguments, on elements and
 *            members, through a helper. In 15% of the programs, from a
 *            stream of its own (the others are as before CUSTOM existed).
 * Some counted loops are written by a macro (FOR_N), and every program
 * declares an untagged enum that f uses.
 * In about a quarter of the programs without UNNAMED, ACROSS: the helpers that split mode
 * supports are defined in a second file, helpers.c, and declared with their
 * annotations in helpers.h (the output then holds three files, each after a
 * line "//@@ NAME"); f calls them through the companions gradc generates
 * from helpers.c, and gets no GRADC_JVP (forward mode does not cross files);
 * and in about 8% of the programs, UNNAMED: f gets a pointer parameter st
 * that carries derivatives without being named in wrt or out; such a
 * program (marked "EXPECT: refused") must be refused with a located error,
 * never differentiated with a NULL adjoint or tangent.
 * Every expression is kept bounded (arguments of exp, log, sqrt, pow are
 * squashed first, updates in loops are contractions or squashed), indices
 * stay in bounds, nothing is read before it is written, so f is smooth
 * almost everywhere and never overflows. The main (under GRADCHECK_MAIN)
 * compares f_grad with central differences at two step sizes, skipping an
 * input where those disagree with each other (a branch switched: a kink),
 * checks the dot-product test <f_jvp(u), 1> = <u, f_grad>, and, in 7%
 * of the programs (HESSIAN, drawn from a stream of its own), f_hvp (reverse
 * over forward) against central differences of f_grad along u, skipped the
 * same way at a kink. It prints one
 * line, "pass", "skip" or "FAIL ...", and exits 1 on failure. A program that
 * rounds through float is checked with wider steps and tolerances.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state;

static unsigned rnd(unsigned n) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(state >> 33) % n;
}

enum { NVARS = 4, NX = 5, MAXDEPTH = 3 };
static int depth_stmt;
static int uid; /* unique suffix for names and labels */

/* The body of f is written to a buffer first, so that only the helpers it
 * uses are printed before it. */
static FILE *o;
static void P(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(o, fmt, ap);
  va_end(ap);
}

enum feature { ARR, INPLACE, ROW, STRUCT, MALLOC, UNSIGNED, FLOAT, CONDSIDE, SHORT, ALIAS, WALK, GOTO, CKPT, PAR, SCRATCH,
               CUSTOM, NFEAT };
static int on[NFEAT];

enum helper {
  H_HELPER0, H_HELPER1, H_SCALE2, H_POWER, H_MEANV, H_SUB, H_SCALEV, H_NORM2, H_CNORM,
  H_DAMP, H_NORMALIZE, H_ROW, H_ROWM, H_MKPAIR, H_ROT, H_WSUM, H_CUMAVG, H_RDOT,
  H_MIXF, H_HALFD, H_SUMSQF, H_STEP, H_GSUM, H_PSUM, H_PMAP, H_PSTEP,
  H_CSOFT, H_CMUL, H_CDOT, H_CBOX, H_CWRAP, NHELP
};
static int used[NHELP];
static void use(enum helper h) {
  used[h] = 1;
  if (h == H_CNORM) used[H_MEANV] = used[H_SUB] = used[H_SCALEV] = used[H_NORM2] = 1;
  if (h == H_CWRAP) used[H_CSOFT] = 1;
}

static const char *const helper_text[NHELP] = {
  [H_HELPER0] = "static double helper0(double p, double q) { return sin(p) * q + 0.5 * p; }\n",
  [H_HELPER1] = "static double helper1(double p, double q) { double r = p * q; r = tanh(r) + cos(q); return r * p; }\n",
  [H_SCALE2] = "static void scale2(double *out, double f) { *out = *out * 0.5 + 0.25 * tanh(f); }\n",
  [H_POWER] = "static double power(double b, int k) {\n  if (k == 0) return 1;\n  return b * power(b, k - 1);\n}\n",
  [H_MEANV] = "static double meanv(const double *a, int n) {\n"
              "  double s = 0;\n  for (int i = 0; i < n; i++) s += a[i];\n  return s / n;\n}\n",
  [H_SUB] = "static void sub(const double *a, double m, double *out, int n) {\n"
            "  for (int i = 0; i < n; i++) out[i] = a[i] - m;\n}\n",
  [H_SCALEV] = "static void scalev(const double *a, double c, double *out, int n) {\n"
               "  for (int i = 0; i < n; i++) out[i] = c * a[i];\n}\n",
  [H_NORM2] = "static double norm2(const double *a, int n) {\n"
              "  double s = 1e-3;\n  for (int i = 0; i < n; i++) s += a[i] * a[i];\n  return sqrt(s);\n}\n",
  [H_CNORM] = "static double cnorm(const double *a, int n, double c) {\n"
              "  double tmp[n], out[n];\n"
              "  sub(a, meanv(a, n), tmp, n);\n"
              "  scalev(tmp, c, out, n);\n"
              "  return norm2(out, n);\n}\n",
  [H_DAMP] = "static void damp(double *a, int n, double c) {\n"
             "  for (int i = n - 1; i > 0; i--) a[i] = tanh(c * a[i]) + 0.5 * a[i - 1];\n"
             "  a[0] = sin(a[0]);\n}\n",
  [H_NORMALIZE] = "static void normalize(double *a, int n) {\n"
                  "  double s = 1e-3;\n"
                  "  for (int i = 0; i < n; i++) s += a[i] * a[i];\n"
                  "  s = sqrt(s);\n"
                  "  for (int i = 0; i < n; i++) a[i] /= s;\n}\n",
  [H_ROW] = "static const double *row(const double *A, int i, int n) { return A + i * n; }\n",
  [H_ROWM] = "static double *rowm(double *A, int i, int n) { return &A[i * n]; }\n",
  [H_MKPAIR] = "static pair mkpair(double p, double q) {\n"
               "  pair r;\n  r.u = sin(p) * q;\n  r.v = p + 0.5 * cos(q);\n  return r;\n}\n",
  [H_ROT] = "static pair rot(pair a, double th) {\n"
            "  pair r = {cos(th) * a.u - sin(th) * a.v, sin(th) * a.u + cos(th) * a.v};\n  return r;\n}\n",
  [H_WSUM] = "static double wsum(const double *a, int n, double c) {\n"
             "  double *w = malloc(n * sizeof *w);\n"
             "  double s = 0;\n"
             "  if (!w) return 0;\n"
             "  for (int i = 0; i < n; i++) w[i] = tanh(c * a[i]);\n"
             "  for (int i = 1; i < n; i++) s += w[i] * w[i - 1];\n"
             "  free(w);\n  return s;\n}\n",
  [H_CUMAVG] = "static void cumavg(const double *a, double *out, int n) {\n"
               "  double *c = calloc(n + 1, sizeof *c);\n"
               "  if (!c) {\n    for (int i = 0; i < n; i++) out[i] = 0;\n    return;\n  }\n"
               "  for (int i = 0; i < n; i++) c[i + 1] = c[i] + a[i];\n"
               "  for (int i = 0; i < n; i++) out[i] = c[i + 1] / (i + 1);\n"
               "  free(c);\n}\n",
  [H_RDOT] = "static double rdot(const double *a, const double *b, size_t n) {\n"
             "  double s = 0;\n  for (size_t i = n; i > 0; i--) s += a[i - 1] * b[i - 1];\n  return s;\n}\n",
  [H_MIXF] = "static float mixf(float p, float q) { return sinf(p) * q + 0.5f * tanhf(p * q); }\n",
  [H_HALFD] = "static double halfd(float p) { return (double)p * 0.5 + cos(p); }\n",
  [H_SUMSQF] = "static float sumsqf(const float *a, unsigned n) {\n"
               "  float s = 0;\n  for (unsigned i = 0; i < n; i++) s += a[i] * a[i];\n  return s;\n}\n",
  [H_STEP] = "static double step(double *s, double v) { *s = 0.5 * *s + 0.5 * tanh(v); return *s; }\n",
  [H_GSUM] = "static double gsum(const double *a, int n, double c) {\n"
             "  double r = 0;\n"
             "  double *w = malloc(n * sizeof *w);\n"
             "  if (!w) goto out;\n"
             "  for (int i = 0; i < n; i++) {\n"
             "    w[i] = tanh(c * a[i]);\n"
             "    if (w[i] > 0.95) goto done;\n"
             "    r += w[i] * a[i];\n"
             "  }\n"
             "  r *= 0.5;\n"
             "done:\n  free(w);\n"
             "out:\n  return r;\n}\n",
  /* PAR: parallel loops in helpers that gradc inlines */
  [H_PSUM] = "static double psum(const double *a, int n, double c) {\n"
             "  double s = 0;\n"
             "#pragma omp parallel for reduction(+:s)\n"
             "  for (int i = 0; i < n; i++) {\n"
             "    double w = tanh(c * a[i]);\n"
             "    s += w * a[i];\n"
             "  }\n"
             "  return s;\n}\n",
  [H_PMAP] = "static void pmap(const double *a, double *out, int n, double c) {\n"
             "#pragma omp parallel for schedule(static)\n"
             "  for (int i = 0; i < n; i++) out[i] = sin(a[i]) * c + 0.5 * a[i];\n}\n",
  [H_PSTEP] = "static void pstep(const double *u, double *v, int n, double c) {\n"
              "  double k = 0.25 * tanh(c);\n"
              "#pragma omp parallel for firstprivate(k)\n"
              "  for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.1 * sin(u[i]);\n"
              "  v[0] = u[0];\n  v[n - 1] = 0.9 * u[n - 1];\n}\n",
  /* CUSTOM: the user's derivatives instead of gradc's (each exact for the
   * body, which f's finite differences run). csoft: both, static; cmul: a
   * reverse one only (forward mode differentiates the body), not static;
   * cdot: arrays, whose adjoints and tangents may be NULL; cbox: no body
   * that gradc sees (defined under GRADCHECK_MAIN: a library function);
   * cwrap: a helper gradc differentiates that calls csoft */
  [H_CSOFT] = "static double csoft_rev(double z, double *z_bar, double ret_bar) {\n"
              "  *z_bar += ret_bar / (1 + exp(-z));\n  return log1p(exp(z));\n}\n"
              "static double csoft_jvp(double z, double z_dot, double *ret_dot) {\n"
              "  *ret_dot = z_dot / (1 + exp(-z));\n  return log1p(exp(z));\n}\n"
              "GRADC_CUSTOM_GRAD(csoft_rev)\nGRADC_CUSTOM_JVP(csoft_jvp)\n"
              "static double csoft(double z) { return log(1 + exp(z)); }\n",
  [H_CMUL] = "double cmul_rev(double a, double *a_bar, double b, double *b_bar, double ret_bar);\n"
             "GRADC_CUSTOM_GRAD(cmul_rev)\n"
             "static double cmul(double a, double b) { return a * b + 0.5 * sin(a); }\n"
             "double cmul_rev(double a, double *a_bar, double b, double *b_bar, double ret_bar) {\n"
             "  *a_bar += ret_bar * (b + 0.5 * cos(a));\n  *b_bar += ret_bar * a;\n"
             "  return a * b + 0.5 * sin(a);\n}\n",
  [H_CDOT] = "static double cdot_rev(const double *a, double *a_bar, const double *b, double *b_bar, int m,\n"
             "                       double ret_bar) {\n"
             "  double s = 0;\n"
             "  for (int i = 0; i < m; i++) {\n"
             "    s += a[i] * b[i] * b[i];\n"
             "    if (a_bar) a_bar[i] += ret_bar * b[i] * b[i];\n"
             "    if (b_bar) b_bar[i] += ret_bar * 2 * a[i] * b[i];\n"
             "  }\n  return s;\n}\n"
             "static double cdot_jvp(const double *a, const double *a_dot, const double *b, const double *b_dot,\n"
             "                       int m, double *ret_dot) {\n"
             "  double s = 0, d = 0;\n"
             "  for (int i = 0; i < m; i++) {\n"
             "    s += a[i] * b[i] * b[i];\n"
             "    if (a_dot) d += a_dot[i] * b[i] * b[i];\n"
             "    if (b_dot) d += 2 * a[i] * b[i] * b_dot[i];\n"
             "  }\n  *ret_dot = d;\n  return s;\n}\n"
             "GRADC_CUSTOM_GRAD(cdot_rev)\nGRADC_CUSTOM_JVP(cdot_jvp)\n"
             "static double cdot(const double *a, const double *b, int m) {\n"
             "  double s = 0;\n  for (int i = 0; i < m; i++) s += a[i] * b[i] * b[i];\n  return s;\n}\n",
  [H_CBOX] = "double cbox_rev(double z, double *z_bar, double ret_bar);\n"
             "double cbox_jvp(double z, double z_dot, double *ret_dot);\n"
             "GRADC_CUSTOM_GRAD(cbox_rev)\nGRADC_CUSTOM_JVP(cbox_jvp)\n"
             "double cbox(double z);   /* defined under GRADCHECK_MAIN */\n",
  [H_CWRAP] = "static double cwrap(double p, double q) {\n"
              "  double r = csoft(p * q);\n  return 0.5 * r * r + q;\n}\n",
};

/* ACROSS: the annotated prototype of each helper that may live in another
 * file (NULL: it stays in f's file: pointer and struct results, malloc). */
static const char *const across_proto[NHELP] = {
  [H_HELPER0] = "GRADC_GRAD(wrt(p, q))\ndouble helper0(double p, double q);\n",
  [H_HELPER1] = "GRADC_GRAD(wrt(p, q))\ndouble helper1(double p, double q);\n",
  [H_SCALE2] = "GRADC_GRAD(wrt(out, f), out(out))\nvoid scale2(double *out, double f);\n",
  [H_POWER] = "GRADC_GRAD(wrt(b))\ndouble power(double b, int k);\n",
  [H_MEANV] = "GRADC_GRAD(wrt(a))\ndouble meanv(const double *a, int n);\n",
  [H_SUB] = "GRADC_GRAD(wrt(a, m), out(out))\nvoid sub(const double *a, double m, double *out, int n);\n",
  [H_SCALEV] = "GRADC_GRAD(wrt(a, c), out(out))\nvoid scalev(const double *a, double c, double *out, int n);\n",
  [H_NORM2] = "GRADC_GRAD(wrt(a))\ndouble norm2(const double *a, int n);\n",
  [H_DAMP] = "GRADC_GRAD(wrt(a, c), out(a))\nvoid damp(double *a, int n, double c);\n",
  [H_NORMALIZE] = "GRADC_GRAD(wrt(a), out(a))\nvoid normalize(double *a, int n);\n",
  [H_RDOT] = "GRADC_GRAD(wrt(a, b))\ndouble rdot(const double *a, const double *b, size_t n);\n",
  [H_MIXF] = "GRADC_GRAD(wrt(p, q))\nfloat mixf(float p, float q);\n",
  [H_HALFD] = "GRADC_GRAD(wrt(p))\ndouble halfd(float p);\n",
  [H_SUMSQF] = "GRADC_GRAD(wrt(a))\nfloat sumsqf(const float *a, unsigned n);\n",
  [H_STEP] = "GRADC_GRAD(wrt(s, v), out(s))\ndouble step(double *s, double v);\n",
};

static void expr(int depth);

/* A value read: a variable, an input, an array or struct element. */
static void leaf(void) {
  switch (rnd(6)) {
  case 0: P("x[%u]", rnd(NX)); break;
  case 1: P("t[%u]", rnd(4)); break;
  case 2: P("s.%s", rnd(2) ? "u" : "v"); break;
  case 3: P("%u.%u", rnd(3), rnd(10)); break;
  default: P("a%u", rnd(NVARS)); break;
  }
}

/* A bounded expression: results stay within a few units of the inputs. */
static void expr(int depth) {
  if (depth >= MAXDEPTH) { leaf(); return; }
  switch (rnd(14)) {
  case 0: case 1: P("("); expr(depth + 1); P(" + "); expr(depth + 1); P(")"); break;
  case 2: P("("); expr(depth + 1); P(" - "); expr(depth + 1); P(")"); break;
  case 3: case 4: P("0.5 * "); expr(depth + 1); P(" * tanh("); expr(depth + 1); P(")"); break;
  case 5: P("sin("); expr(depth + 1); P(")"); break;
  case 6: P("cos("); expr(depth + 1); P(")"); break;
  case 7: P("exp(tanh("); expr(depth + 1); P("))"); break;
  case 8: P("log(1.5 + sin("); expr(depth + 1); P("))"); break;
  case 9: P("sqrt(1.5 + sin("); expr(depth + 1); P("))"); break;
  case 10: P("("); expr(depth + 1); P(") / (2 + cos("); expr(depth + 1); P("))"); break;
  case 11: P("pow(1.25 + sin("); expr(depth + 1); P("), 1.5)"); break;
  case 12: P("atan("); expr(depth + 1); P(")"); break;
  default: {
    unsigned h = rnd(2);
    use(h ? H_HELPER1 : H_HELPER0);
    P("helper%u(", h); expr(depth + 1); P(", "); expr(depth + 1); P(")");
    break;
  }
  }
}

/* An expression bounded by 1 in absolute value. */
static void texpr(int depth) { P("tanh("); expr(depth); P(")"); }

static void indent(int n) { for (int i = 0; i < n; i++) P("  "); }

/* Prints one line at indentation ind. */
static void L(int ind, const char *fmt, ...) {
  va_list ap;
  indent(ind);
  va_start(ap, fmt);
  vfprintf(o, fmt, ap);
  va_end(ap);
}

static void stmt(int ind);

static void block(int ind, int n) {
  for (int i = 0; i < n; i++) stmt(ind);
}

/* Keeps a variable bounded after it is updated. */
static void squash(int ind, const char *lv) {
  L(ind, "%s = 2 * tanh(0.5 * %s);\n", lv, lv);
}

static unsigned var(void) { return rnd(NVARS); }

/* ---- the forms of each feature; every one opens its own block for its
 * declarations, so a forward goto never jumps into the scope of a VLA ---- */

static void f_arr(int ind) {
  int u = uid++;
  switch (rnd(4)) {
  case 0: /* sub, scale, norm of the caller's local arrays, in a loop */
    use(H_MEANV); use(H_SUB); use(H_SCALEV); use(H_NORM2);
    L(ind, "{\n");
    L(ind + 1, "double m%d = meanv(x, n);\n", u);
    if (rnd(2)) L(ind + 1, "double tmp%d[n], out%d[n];\n", u, u);
    else L(ind + 1, "double tmp%d[%d], out%d[%d];\n", u, NX, u, NX);
    L(ind + 1, "for (int r%d = 0; r%d < %u; r%d++) {\n", u, u, 1 + rnd(3), u);
    L(ind + 2, "sub(x, m%d, tmp%d, n);\n", u, u);
    L(ind + 2, "scalev(tmp%d, ", u); texpr(1); P(", out%d, n);\n", u);
    L(ind + 2, "acc += 0.1 * norm2(out%d, n);\n", u);
    L(ind + 2, "m%d = 0.5 * m%d + 0.2 * out%d[%u];\n", u, u, u, rnd(NX));
    L(ind + 1, "}\n");
    L(ind + 1, "a%u = 0.5 * a%u + 0.3 * tmp%d[%u] * out%d[%u];\n", var(), var(), u, rnd(NX), u, rnd(NX));
    L(ind, "}\n");
    break;
  case 1: /* the caller's array as input and output of the same call */
    use(H_SUB); use(H_SCALEV);
    L(ind, "sub(t, "); texpr(1); P(", t, 4);\n");
    L(ind, "scalev(t, 0.5, t, 4);\n");
    break;
  case 2: /* a helper with local VLAs calling helpers that write them */
    use(H_CNORM);
    L(ind, "acc += 0.1 * cnorm(x, n, "); expr(1); P(");\n");
    break;
  default: /* writes a row of the caller's array through an offset pointer */
    use(H_SUB); use(H_NORM2);
    L(ind, "{\n");
    L(ind + 1, "double w%d[2 * %d];\n", u, NX);
    L(ind + 1, "for (int i = 0; i < 2 * n; i++) w%d[i] = 0;\n", u);
    L(ind + 1, "sub(x, a%u, w%d + n, n);\n", var(), u);
    L(ind + 1, "sub(w%d + n, ", u); texpr(1); P(", w%d, n);\n", u);
    L(ind + 1, "a%u = 0.5 * tanh(norm2(w%d, 2 * n));\n", var(), u);
    L(ind, "}\n");
    break;
  }
}

static void f_inplace(int ind) {
  int u = uid++;
  switch (rnd(3)) {
  case 0:
    use(H_DAMP);
    L(ind, "damp(t, 4, "); expr(1); P(");\n");
    break;
  case 1:
    use(H_NORMALIZE); use(H_DAMP);
    L(ind, "{\n");
    L(ind + 1, "double c%d[n];\n", u);
    L(ind + 1, "for (int i = 0; i < n; i++) c%d[i] = x[i] * a%u;\n", u, var());
    L(ind + 1, "normalize(c%d, n);\n", u);
    L(ind + 1, "damp(c%d, n, 0.7);\n", u);
    L(ind + 1, "acc += c%d[%u] + 0.5 * c%d[n - 1];\n", u, rnd(NX), u);
    L(ind, "}\n");
    break;
  default: /* in place, again and again in a loop */
    use(H_NORMALIZE);
    L(ind, "for (int r%d = 0; r%d < 3; r%d++) {\n", u, u, u);
    L(ind + 1, "t[r%d] += ", u); texpr(1); P(";\n");
    L(ind + 1, "normalize(t, 4);\n");
    L(ind, "}\n");
    break;
  }
}

static void f_row(int ind) {
  int u = uid++;
  if (rnd(3) == 0) { /* a pointer into the wrt array itself */
    use(H_ROW);
    L(ind, "{\n");
    L(ind + 1, "const double *xr%d = row(x, %u, 2);\n", u, rnd(2));
    L(ind + 1, "acc += 0.5 * xr%d[0] * xr%d[1] * ", u, u); texpr(2); P(";\n");
    L(ind, "}\n");
    return;
  }
  use(H_ROW); use(H_ROWM);
  L(ind, "{\n");
  L(ind + 1, "double M%d[3 * %d];\n", u, NX);
  L(ind + 1, "for (int i = 0; i < 3; i++)\n");
  L(ind + 2, "for (int j = 0; j < n; j++) M%d[i * n + j] = sin(x[j] + i * a%u);\n", u, var());
  L(ind + 1, "for (int i = 0; i < 3; i++) {\n");
  L(ind + 2, "const double *r%d = row(M%d, i, n);\n", u, u);
  L(ind + 2, "acc += 0.1 * r%d[%u] * r%d[%u];\n", u, rnd(NX), u, rnd(NX));
  L(ind + 1, "}\n");
  L(ind + 1, "double *w%d = rowm(M%d, %u, n);\n", u, u, rnd(3));
  L(ind + 1, "w%d[%u] = tanh(w%d[%u] * ", u, rnd(NX), u, rnd(NX)); expr(2); P(");\n");
  L(ind + 1, "rowm(M%d, %u, n)[%u] *= 0.5;\n", u, rnd(3), rnd(NX));
  L(ind + 1, "a%u = 0.5 * a%u + 0.2 * row(M%d, %u, n)[%u] * w%d[%u];\n", var(), var(), u, rnd(3), rnd(NX), u, rnd(NX));
  L(ind, "}\n");
}

static void f_struct(int ind) {
  int u = uid++;
  switch (rnd(3)) {
  case 0:
    use(H_ROT);
    L(ind, "s = rot(s, "); expr(1); P(");\n");
    break;
  case 1:
    use(H_MKPAIR);
    L(ind, "{\n");
    L(ind + 1, "pair q%d = mkpair(", u); expr(1); P(", a%u);\n", var());
    L(ind + 1, "acc += 0.3 * q%d.u * q%d.v;\n", u, u);
    L(ind, "}\n");
    break;
  default: /* a member of a call's result, a struct result in a loop */
    use(H_MKPAIR); use(H_ROT);
    L(ind, "a%u = mkpair(a%u, ", var(), var()); texpr(1); P(").v;\n");
    L(ind, "for (int r%d = 0; r%d < n; r%d++) s = rot(s, 0.3 * x[r%d]);\n", u, u, u, u);
    break;
  }
}

static void f_malloc(int ind) {
  int u = uid++;
  switch (rnd(3)) {
  case 0:
    use(H_WSUM);
    L(ind, "acc += 0.2 * wsum(x, n, "); expr(1); P(");\n");
    break;
  case 1:
    use(H_CUMAVG);
    L(ind, "{\n");
    L(ind + 1, "double o%d[n];\n", u);
    L(ind + 1, "cumavg(x, o%d, n);\n", u);
    L(ind + 1, "a%u = 0.5 * a%u + o%d[%u] * ", var(), var(), u, rnd(NX)); texpr(2); P(";\n");
    L(ind, "}\n");
    break;
  default: /* in and out the same array */
    use(H_CUMAVG);
    L(ind, "cumavg(t, t, 4);\n");
    break;
  }
}

static void f_unsigned(int ind) {
  int u = uid++;
  unsigned v = var();
  switch (rnd(5)) {
  case 0:
    L(ind, "for (size_t i%d = 0; i%d < (size_t)n; i%d++) a%u += 0.2 * x[i%d] * ", u, u, u, v, u); texpr(2); P(";\n");
    L(ind, "a%u = 2 * tanh(0.5 * a%u);\n", v, v);
    break;
  case 1:
    L(ind, "for (unsigned i%d = (unsigned)n; i%d-- > 0;)\n", u, u);
    L(ind + 1, "t[i%d %% 4] = 0.5 * t[i%d %% 4] + 0.3 * x[i%d] * ", u, u, u); texpr(2); P(";\n");
    break;
  case 2:
    L(ind, "{\n");
    L(ind + 1, "%s k%d = %u;\n", rnd(2) ? "unsigned" : "int", u, 2 + rnd(3));
    /* -k of an unsigned k is modular: its partial must not fold into a minus */
    L(ind + 1, "while (k%d--) a%u = 0.8 * a%u + 1e-11 * -k%d * a%u + 0.2 * ", u, v, v, u, v); texpr(2); P(";\n");
    L(ind, "}\n");
    break;
  case 3:
    L(ind, "{\n");
    L(ind + 1, "size_t k%d = (size_t)n;\n", u);
    L(ind + 1, "while (k%d-- > 1) acc += 0.1 * x[k%d] * x[k%d - 1] * a%u;\n", u, u, u, v);
    L(ind, "}\n");
    break;
  default:
    use(H_RDOT);
    L(ind, "acc += 0.1 * rdot(x, t, 4) * a%u;\n", v);
    break;
  }
}

static void f_float(int ind) {
  int u = uid++;
  unsigned v = var();
  switch (rnd(4)) {
  case 0:
    use(H_MIXF);
    L(ind, "a%u = mixf(", v); expr(1); P(", a%u);\n", var());
    L(ind, "a%u = 2 * tanh(0.5 * a%u);\n", v, v);
    break;
  case 1:
    use(H_HALFD);
    L(ind, "a%u = 0.5 * a%u + 0.3 * halfd((float)", v, v); expr(1); P(");\n");
    break;
  case 2:
    use(H_MIXF);
    L(ind, "{\n");
    L(ind + 1, "float fl%d = (float)a%u;\n", u, var());
    L(ind + 1, "fl%d = fl%d * 0.5f + mixf(fl%d, (float)x[%u]);\n", u, u, u, rnd(NX));
    L(ind + 1, "a%u = 0.5 * a%u + fl%d;\n", v, v, u);
    L(ind, "}\n");
    break;
  default:
    use(H_SUMSQF);
    L(ind, "{\n");
    L(ind + 1, "float xf%d[%d];\n", u, NX);
    L(ind + 1, "for (int i = 0; i < n; i++) xf%d[i] = (float)(x[i] * a%u);\n", u, var());
    L(ind + 1, "acc += 0.1 * sumsqf(xf%d, (unsigned)n);\n", u);
    L(ind, "}\n");
    break;
  }
}

static void f_condside(int ind) {
  int u = uid++;
  unsigned v = var();
  switch (rnd(5)) {
  case 0:
    L(ind, "{\n");
    L(ind + 1, "int k%d = 0;\n", u);
    L(ind + 1, "while (k%d++ < 4 && a%u < 1.5) a%u = 0.6 * a%u + 0.3 * ", u, v, v, v); expr(2); P(";\n");
    L(ind + 1, "a%u = 2 * tanh(0.5 * a%u);\n", v, v);
    L(ind, "}\n");
    break;
  case 1:
    L(ind, "{\n");
    L(ind + 1, "int j%d = 0;\n", u);
    L(ind + 1, "while (j%d < n && (acc += 0.1 * x[j%d] * a%u) < 1) j%d++;\n", u, u, v, u);
    L(ind, "}\n");
    break;
  case 2:
    L(ind, "for (int i%d = 0; i%d < n && (a%u = 0.5 * a%u + 0.2 * x[i%d]) < 1.0; i%d++) acc += 0.1 * a%u;\n",
      u, u, v, v, u, u, v);
    break;
  case 3:
    L(ind, "{\n");
    L(ind + 1, "int k%d = 4;\n", u);
    L(ind + 1, "do t[k%d %% 4] = 0.5 * t[k%d %% 4] + 0.25 * ", u, u); texpr(2); P(";\n");
    L(ind + 1, "while (--k%d > 0);\n", u);
    L(ind, "}\n");
    break;
  default: /* a call with a side effect in the condition */
    use(H_STEP);
    L(ind, "{\n");
    L(ind + 1, "int k%d = 0;\n", u);
    L(ind + 1, "while (k%d < n && step(&t[%u], x[k%d] + a%u) < 0.8) k%d++;\n", u, rnd(4), u, v, u);
    L(ind, "}\n");
    break;
  }
}

static void f_short(int ind) {
  unsigned v = var(), w = var();
  switch (rnd(5)) {
  case 0:
    use(H_HELPER0); use(H_HELPER1);
    L(ind, "a%u = a%u > a%u ? helper0(", v, w, var()); expr(2); P(", "); expr(2);
    P(") : helper1("); expr(2); P(", "); expr(2); P(");\n");
    L(ind, "a%u = 2 * tanh(0.5 * a%u);\n", v, v);
    break;
  case 1: /* a call with a side effect as the right operand of && */
    use(H_STEP);
    depth_stmt++;
    L(ind, "if (a%u > 0.1 && step(&t[%u], ", v, rnd(4)); expr(2); P(") > 0.2) {\n");
    block(ind + 1, 1 + rnd(2));
    L(ind, "} else {\n");
    block(ind + 1, 1);
    L(ind, "}\n");
    depth_stmt--;
    break;
  case 2:
    use(H_HELPER0);
    depth_stmt++;
    L(ind, "if (a%u < -0.5 || helper0(", v); expr(2); P(", a%u) > 0) {\n", w);
    block(ind + 1, 1 + rnd(2));
    L(ind, "}\n");
    depth_stmt--;
    break;
  case 3:
    use(H_STEP); use(H_HELPER0);
    L(ind, "acc += (x[%u] > 0 && step(&t[%u], a%u) > 0) ? helper0(a%u, x[%u]) : 0.5 * a%u;\n",
      rnd(NX), rnd(4), v, w, rnd(NX), var());
    break;
  default:
    use(H_STEP);
    L(ind, "a%u = (a%u > 0 || step(&s.u, ", v, w); expr(2); P(") > 0.5) ? a%u * 0.5 : tanh(a%u);\n", v, v);
    break;
  }
}

static void f_alias(int ind) {
  int u = uid++;
  unsigned v = var(), w = var();
  switch (rnd(4)) {
  case 0:
    L(ind, "{\n");
    L(ind + 1, "double *p%d = &a%u;\n", u, v);
    L(ind + 1, "*p%d *= *p%d;\n", u, u);
    L(ind + 1, "*p%d = 2 * tanh(0.5 * *p%d);\n", u, u);
    L(ind + 1, "a%u += 0.3 * *p%d * a%u;\n", w, u, v);
    L(ind + 1, "a%u = 2 * tanh(0.5 * a%u);\n", w, w);
    L(ind, "}\n");
    break;
  case 1:
    if (u % 2) {
      /* an element written through one name, read by its own f(u) through
       * another: the derivative of exp by value needs the old element too */
      unsigned k = rnd(4);
      L(ind, "{\n");
      L(ind + 1, "double *p%d = t;\n", u);
      L(ind + 1, "t[%u] = 0.5 * tanh(", k); expr(2); P(");\n");
      L(ind + 1, "p%d[%u] = exp(0.3 * t[%u] * a%u);\n", u, k, k, w);
      L(ind + 1, "acc += 0.1 * a%u * t[%u];\n", v, k);
      L(ind, "}\n");
      break;
    }
    L(ind, "{\n");
    L(ind + 1, "double *p%d = a%u > a%u ? &a%u : &t[%u];\n", u, v, w, v, rnd(4));
    L(ind + 1, "*p%d = sin(*p%d + ", u, u); expr(2); P(");\n");
    L(ind + 1, "acc += 0.1 * a%u * t[%u];\n", v, rnd(4));
    L(ind, "}\n");
    break;
  case 2:
    L(ind, "{\n");
    L(ind + 1, "double *p%d = &s.%s, *q%d = &a%u;\n", u, rnd(2) ? "u" : "v", u, v);
    L(ind + 1, "*p%d += 0.5 * sin(*q%d);\n", u, u);
    L(ind + 1, "*q%d = 0.5 * *q%d + 0.5 * tanh(*p%d);\n", u, u, u);
    L(ind + 1, "*p%d = 2 * tanh(0.5 * *p%d);\n", u, u);
    L(ind, "}\n");
    break;
  default:
    use(H_SCALE2);
    L(ind, "scale2(&a%u, ", v); expr(1); P(");\n");
    break;
  }
}

static int nobox;   /* HESSIAN (defined with the other forms' state below) */

static void f_walk(int ind) {
  int u = uid++;
  unsigned v = var(), kind = rnd(6);
  if (kind == 5 && nobox) kind = 2;   /* f_hvp of it is refused (docs/notes.md) */
  switch (kind) {
  case 5: /* one pointer over two arrays: not an offset into either */
    L(ind, "{\n");
    L(ind + 1, "const double *q%d = x + 1;\n", u);
    L(ind + 1, "a%u = 0.8 * a%u + 0.1 * q%d[0] * q%d[1];\n", v, v, u, u);
    L(ind + 1, "q%d = t;\n", u);
    L(ind + 1, "a%u = 0.8 * a%u + 0.1 * q%d[1] * *q%d;\n", v, v, u, u);
    L(ind, "}\n");
    break;
  case 0:
    L(ind, "{\n");
    L(ind + 1, "const double *q%d = x + %u;\n", u, rnd(NX));
    L(ind + 1, "double w%d = 0;\n", u);
    L(ind + 1, "while (q%d < x + n) {\n", u);
    L(ind + 2, "w%d += *q%d * ", u, u); texpr(2); P(";\n");
    L(ind + 2, "q%d++;\n", u);
    L(ind + 1, "}\n");
    L(ind + 1, "acc += 0.1 * tanh(w%d);\n", u);
    L(ind, "}\n");
    break;
  case 1:
    L(ind, "{\n");
    L(ind + 1, "const double *q%d = x + n;\n", u);
    L(ind + 1, "while (q%d != x) {\n", u);
    L(ind + 2, "--q%d;\n", u);
    L(ind + 2, "a%u = 0.7 * a%u + 0.2 * *q%d * ", v, v, u); texpr(2); P(";\n");
    L(ind + 1, "}\n");
    L(ind, "}\n");
    break;
  case 2:
    L(ind, "{\n");
    L(ind + 1, "const double *q%d = x + %u;\n", u, rnd(NX - 2));
    L(ind + 1, "for (int j = 0; j < 2; j++, q%d++) a%u += 0.1 * q%d[0] * q%d[1];\n", u, v, u, u);
    L(ind + 1, "a%u = 2 * tanh(0.5 * a%u);\n", v, v);
    L(ind, "}\n");
    break;
  case 4: /* steps back by compound offsets: the adjoint pointer takes the same */
    L(ind, "{\n");
    L(ind + 1, "const double *q%d = x + n;\n", u);
    L(ind + 1, "int st%d = 1;\n", u);
    L(ind + 1, "for (int j = 0; j < 2; j++) {\n");
    L(ind + 2, "q%d = q%d - (st%d + 1);\n", u, u, u);
    L(ind + 2, "a%u = 0.6 * a%u + 0.3 * q%d[0] * q%d[1] * ", v, v, u, u); texpr(2); P(";\n");
    L(ind + 1, "}\n");
    L(ind + 1, "q%d = q%d - (a%u > 0 ? 1 : 2) + (st%d + 1);   /* x + 2 or x + 1 */\n", u, u, var(), u);
    L(ind + 1, "acc += 0.2 * q%d[0] * q%d[1];\n", u, u);
    L(ind, "}\n");
    break;
  default: /* a walk writing the local array */
    L(ind, "{\n");
    L(ind + 1, "double *q%d = t;\n", u);
    L(ind + 1, "for (int j = 0; j < 4; j++) {\n");
    L(ind + 2, "*q%d = 0.5 * *q%d + 0.25 * sin(a%u * *q%d);\n", u, u, v, u);
    L(ind + 2, "q%d++;\n", u);
    L(ind + 1, "}\n");
    L(ind, "}\n");
    break;
  }
}

static void f_goto(int ind) {
  int u = uid++;
  unsigned v = var();
  switch (rnd(3)) {
  case 0: /* out of a loop, over a statement */
    L(ind, "{\n");
    L(ind + 1, "for (int i%d = 0; i%d < n; i%d++) {\n", u, u, u);
    L(ind + 2, "a%u = 0.7 * a%u + 0.3 * x[i%d] * ", v, v, u); texpr(2); P(";\n");
    L(ind + 2, "if (a%u > %s0.%u) goto out%d;\n", v, rnd(2) ? "-" : "", rnd(10), u);
    L(ind + 2, "acc += 0.1 * a%u;\n", v);
    L(ind + 1, "}\n");
    L(ind + 1, "a%u = 0.5 * a%u + 0.2 * ", var(), v); expr(2); P(";\n");
    L(ind, "}\n");
    L(ind, "out%d:;\n", u);
    break;
  case 1: /* cleanup of a buffer in f */
    L(ind, "{\n");
    L(ind + 1, "double *buf%d = malloc(n * sizeof *buf%d);\n", u, u);
    L(ind + 1, "if (!buf%d) goto skip%d;\n", u, u);
    L(ind + 1, "for (int i = 0; i < n; i++) buf%d[i] = x[i] * a%u;\n", u, v);
    L(ind + 1, "if (buf%d[%u] > 0.2) goto free%d;\n", u, rnd(NX), u);
    L(ind + 1, "acc += 0.1 * buf%d[%u] * ", u, rnd(NX)); texpr(2); P(";\n");
    L(ind, "free%d:\n", u);
    L(ind + 1, "free(buf%d);\n", u);
    L(ind, "}\n");
    L(ind, "skip%d:;\n", u);
    break;
  default: /* a helper with cleanup labels */
    use(H_GSUM);
    L(ind, "acc += 0.2 * gsum(x, n, "); expr(1); P(");\n");
    break;
  }
}

static void stmt(int ind);
static void block(int ind, int n);

/* a checkpointed loop (only where no loop encloses it: gradc refuses the
 * mark inside another loop), with random statements of every form inside */
static void f_ckpt(int ind) {
  int u = uid++, mark = depth_stmt == 0;
  unsigned snaps = rnd(5);
  depth_stmt++;
  switch (rnd(3)) {
  case 0:
    if (mark) L(ind, "GRADC_CHECKPOINT(%u);\n", snaps);
    L(ind, "for (int c%d = 0; c%d < %u; c%d++) {\n", u, u, 2 + rnd(9), u);
    L(ind + 1, "a%u = 0.6 * a%u + 0.3 * ", var(), var()); texpr(2); P(";\n");
    block(ind + 1, 1 + rnd(3));
    L(ind, "}\n");
    break;
  case 1: { /* a trip count known only when the loop ends */
    unsigned v = var();
    L(ind, "{\n");
    L(ind + 1, "int c%d = 0;\n", u);
    if (mark) L(ind + 1, "GRADC_CHECKPOINT(%u);\n", snaps);
    L(ind + 1, "while (c%d < 9) {\n", u);
    L(ind + 2, "a%u = 0.7 * a%u + 0.25 * ", v, v); texpr(2); P(";\n");
    block(ind + 2, 1 + rnd(2));
    L(ind + 2, "if (a%u > 0.%u) break;\n", v, 3 + rnd(6));
    L(ind + 2, "c%d++;\n", u);
    L(ind + 1, "}\n");
    L(ind, "}\n");
    break;
  }
  default:
    L(ind, "{\n");
    L(ind + 1, "int c%d = 0;\n", u);
    if (mark) L(ind + 1, "GRADC_CHECKPOINT(%u);\n", snaps);
    L(ind + 1, "do {\n");
    L(ind + 2, "t[c%d %% 4] = 0.5 * t[c%d %% 4] + 0.4 * ", u, u); texpr(2); P(";\n");
    block(ind + 2, 1 + rnd(2));
    L(ind + 1, "} while (++c%d < %u);\n", u, 2 + rnd(6));
    L(ind, "}\n");
    break;
  }
  depth_stmt--;
}

/* ---- PAR: '#pragma omp parallel for' loops whose meaning no thread count
 * changes (but for the rounding of reductions): each iteration writes only
 * its own element of a shared array, body locals, private copies and
 * reduction(+:...) variables; it reads shared variables nothing in the loop
 * writes. The loops read and write through the expressions below only. ---- */

static int inpar[NHELP];   /* helpers called in a parallel loop: they stay in f's file */
/* 'continue' in parallel loops (GEN_PAR_CONTINUE=0 in the environment: an
 * if skips the rest instead, the same stream) */
static int par_continue;
/* local arrays written in parallel loops and passed to helpers that write
 * them in one (GEN_PAR_ARRAYS=0: through a pointer to them) */
static int par_arrays;

static struct {
  char iv[16];           /* the counter */
  char src[16];          /* the array read at the counter and beside it */
  int nb;                /* src[i - 1] (bit 0) and src[i + 1] (bit 1) are in bounds */
  int tfree;             /* t[k] may be read: the loop does not write t */
  char own[16];          /* the array the iteration writes at [i]: own[i] may be read */
  char j[16];            /* an inner serial counter running over 0..n-1 */
  char loc[8][16];       /* locals of the body (and firstprivate copies) */
  int used[8];           /* ... read already */
  int nloc;
  unsigned mask;         /* the shared scalars read: a0..a3 bits 0..3, t bit 4 */
} pc;

static void par_local(const char *name) {
  if (pc.nloc < 8) pc.used[pc.nloc] = 0, snprintf(pc.loc[pc.nloc++], sizeof pc.loc[0], "%s", name);
}

/* " + 0.1 * v" for each local nothing has read yet (a local set and never
 * read is a warning, in f and in what gradc writes of it) */
static void par_rest(void) {
  for (int k = 0; k < pc.nloc; k++)
    if (!pc.used[k]) pc.used[k] = 1, P(" + 0.1 * %s", pc.loc[k]);
}

static void pleaf(void) {
  switch (rnd(10)) {
  case 0: P("x[%s]", pc.iv); break;
  case 1: P("%s[%s]", pc.src, pc.iv); break;
  case 2:
    if (pc.nb) {
      int d = pc.nb == 3 ? (int)rnd(2) : pc.nb == 1 ? 0 : 1;
      P("%s[%s %s 1]", pc.src, pc.iv, d ? "+" : "-");
    } else {
      P("%s[%s]", pc.src, pc.iv);
    }
    break;
  case 3: {
    unsigned v = var();
    pc.mask |= 1u << v;
    P("a%u", v);
    break;
  }
  case 4:
    if (pc.tfree) pc.mask |= 16, P("t[%u]", rnd(4));
    else P("0.%u", 1 + rnd(9));
    break;
  case 5: case 6:
    if (pc.nloc) {
      unsigned k = rnd(pc.nloc);
      pc.used[k] = 1;
      P("%s", pc.loc[k]);
    }
    else P("x[%s]", pc.iv);
    break;
  case 7:
    if (pc.own[0]) P("%s[%s]", pc.own, pc.iv);
    else P("0.%u", rnd(10));
    break;
  default:
    if (pc.j[0]) P("x[%s]", pc.j);
    else P("(0.%u * %s)", 1 + rnd(9), pc.iv);
    break;
  }
}

/* expr's bounded expressions, of pleaf's values */
static void pexpr(int depth) {
  if (depth >= MAXDEPTH) { pleaf(); return; }
  switch (rnd(14)) {
  case 0: case 1: P("("); pexpr(depth + 1); P(" + "); pexpr(depth + 1); P(")"); break;
  case 2: P("("); pexpr(depth + 1); P(" - "); pexpr(depth + 1); P(")"); break;
  case 3: case 4: P("0.5 * "); pexpr(depth + 1); P(" * tanh("); pexpr(depth + 1); P(")"); break;
  case 5: P("sin("); pexpr(depth + 1); P(")"); break;
  case 6: P("cos("); pexpr(depth + 1); P(")"); break;
  case 7: P("exp(tanh("); pexpr(depth + 1); P("))"); break;
  case 8: P("log(1.5 + sin("); pexpr(depth + 1); P("))"); break;
  case 9: P("sqrt(1.5 + sin("); pexpr(depth + 1); P("))"); break;
  case 10: P("("); pexpr(depth + 1); P(") / (2 + cos("); pexpr(depth + 1); P("))"); break;
  case 11: P("pow(1.25 + sin("); pexpr(depth + 1); P("), 1.5)"); break;
  case 12: P("atan("); pexpr(depth + 1); P(")"); break;
  default: {
    unsigned h = rnd(2);
    use(h ? H_HELPER1 : H_HELPER0);
    inpar[h ? H_HELPER1 : H_HELPER0] = 1;
    P("helper%u(", h); pexpr(depth + 1); P(", "); pexpr(depth + 1); P(")");
    break;
  }
  }
}

/* The loop's header, "for (...) {", over lo..b-1 (b: the exclusive end, "n",
 * "n - 1" or "NT"), in one of the canonical forms; with partial, it may
 * visit only some of them. */
static void par_for(int ind, int lo, const char *b, int partial) {
  const char *i = pc.iv;
  switch (rnd(partial ? 11 : 8)) {
  case 0: L(ind, "for (int %s = %d; %s < %s; %s++) {\n", i, lo, i, b, i); break;
  case 1: L(ind, "for (int %s = %d; %s <= %s - 1; %s++) {\n", i, lo, i, b, i); break;
  case 2: L(ind, "for (int %s = %s - 1; %s >= %d; %s--) {\n", i, b, i, lo, i); break;
  case 3: L(ind, "for (int %s = %s - 1; %s > %d; --%s) {\n", i, b, i, lo - 1, i); break;
  case 4: L(ind, "for (int %s = %d; %s > %s; %s += 1) {\n", i, lo, b, i, i); break;
  case 5: L(ind, "for (size_t %s = %d; %s < (size_t)(%s); %s++) {\n", i, lo, i, b, i); break;
  case 6: L(ind, "for (long %s = %d; %s < %s; ++%s) {\n", i, lo, i, b, i); break;
  case 7: L(ind, "for (int %s = %s - 1; %d <= %s; %s--) {\n", i, b, lo, i, i); break;
  case 8: L(ind, "for (int %s = %d; %s < %s; %s += 2) {\n", i, lo + (int)rnd(2), i, b, i); break;
  case 9: L(ind, "for (int %s = %s - 1; %s >= %d; %s -= %u) {\n", i, b, i, lo, i, 2 + rnd(2)); break;
  default: L(ind, "for (int %s = %d; %s <= %s - 1; %s += 3) {\n", i, lo, i, b, i); break;
  }
}

/* The directive, clauses the loop needs, and a random choice of schedule and
 * data-sharing clauses: with default(none), every shared variable it reads
 * (x, n, the arrays in shared, and the scalars pc.mask names). */
static void par_pragma(int ind, const char *clauses, const char *shared) {
  L(ind, "#pragma omp parallel for");
  switch (rnd(6)) {
  case 0: P(" schedule(static)"); break;
  case 1: P(" schedule(dynamic, %u)", 1 + rnd(2)); break;
  case 2: P(" schedule(static, 1)"); break;
  default: break;
  }
  if (clauses[0]) P(" %s", clauses);
  switch (rnd(5)) {
  case 0: P(" shared(x%s%s)", shared[0] ? ", " : "", shared); break;
  case 1: P(" default(shared)"); break;
  case 2:
    P(" default(none) shared(x, n");
    for (unsigned v = 0; v < NVARS; v++)
      if (pc.mask & 1u << v) P(", a%u", v);
    if (pc.mask & 16) P(", t");
    if (shared[0]) P(", %s", shared);
    P(")");
    break;
  default: break;
  }
  P("\n");
}

/* Writes the loop (header and body, made by fn into a buffer first) after
 * its directive. */
static void par_loop(int ind, const char *clauses, const char *shared, void (*fn)(int, void *), void *arg) {
  FILE *saved = o;
  char *text;
  size_t len;
  o = open_memstream(&text, &len);
  if (!o) exit(2);
  fn(ind, arg);
  fclose(o);
  o = saved;
  par_pragma(ind, clauses, shared);
  fwrite(text, 1, len, o);
  free(text);
}

/* 0..2 locals of the body, each set from the values before it */
static void par_locals(int ind, int u, int n) {
  for (int k = 0; k < n; k++) {
    char name[16];
    snprintf(name, sizeof name, "q%d_%d", u, pc.nloc);
    indent(ind); P("double %s = ", name); pexpr(1); P(";\n");
    par_local(name);
    if (rnd(4) == 0) { L(ind, "%s = sin(%s) * ", name, name); pexpr(2); P(";\n"); }
  }
}

struct parbody {
  int u, lo, partial, form, red2;
  const char *b, *out, *red, *priv;
};

/* out[i] = ..., each iteration its own element */
static void pb_outputs(int ind, void *arg) {
  struct parbody *a = arg;
  par_for(ind, a->lo, a->b, a->partial);
  par_locals(ind + 1, a->u, rnd(3));
  if (rnd(4) == 0) { /* a private array of the body */
    L(ind + 1, "double w%d[3];\n", a->u);
    L(ind + 1, "w%d[0] = ", a->u); pexpr(1); P(";\n");
    L(ind + 1, "w%d[1] = w%d[0] * w%d[0];\n", a->u, a->u, a->u);
    L(ind + 1, "w%d[2] = sin(w%d[1]) + ", a->u, a->u); pleaf(); P(";\n");
    char name[16];
    snprintf(name, sizeof name, "w%d[2]", a->u);
    par_local(name);
  }
  int in = ind + 1;
  if (rnd(5) == 0) {
    /* some iterations leave their element */
    if (par_continue) L(ind + 1, "if (x[%s] > 0.%u) continue;\n", pc.iv, rnd(10));
    else L(ind + 1, "if (x[%s] <= 0.%u)\n", pc.iv, rnd(10)), in++;
  }
  if (rnd(2)) { L(in, "%s[%s] = 0.5 * %s[%s] + 0.4 * tanh(", a->out, pc.iv, a->out, pc.iv); pexpr(1); par_rest(); P(");\n"); }
  else { L(in, "%s[%s] = ", a->out, pc.iv); pexpr(0); par_rest(); P(";\n"); }
  L(ind, "}\n");
}

/* reduction(+:r) */
static void pb_reduce(int ind, void *arg) {
  struct parbody *a = arg;
  par_for(ind, a->lo, a->b, a->partial);
  par_locals(ind + 1, a->u, 1 + rnd(2));
  const char *last = pc.loc[pc.nloc - 1];
  int close = 0;   /* r = r + (e): gradc takes r = r + a + b for ((r + a) + b) */
  switch (rnd(4)) {
  case 0: L(ind + 1, "%s += %s * tanh(%s)", a->red, last, last); pc.used[pc.nloc - 1] = 1; break;
  case 1: L(ind + 1, "%s = %s + (0.5 * ", a->red, a->red); pexpr(1); close = 1; break;
  case 2: L(ind + 1, "%s -= 0.3 * %s", a->red, last); pc.used[pc.nloc - 1] = 1; break;
  default:
    indent(ind + 1); P("if ("); pleaf(); P(" > "); pleaf(); P(")\n");
    L(ind + 2, "%s += %s;\n", a->red, last);
    pc.used[pc.nloc - 1] = 1;
    L(ind + 1, "else\n");
    L(ind + 2, "%s -= 0.5 * ", a->red); pexpr(2);
    break;
  }
  if (a->red2) { P("%s;\n", close ? ")" : ""); L(ind + 1, "r%d_2 += ", a->u); pexpr(1); close = 0; }
  par_rest();
  P("%s;\n", close ? ")" : "");
  L(ind, "}\n");
}

/* an inner serial loop with an accumulator of the iteration, a branch */
static void pb_inner(int ind, void *arg) {
  struct parbody *a = arg;
  char q[16];
  snprintf(q, sizeof q, "acc%d", a->u);
  par_for(ind, a->lo, a->b, a->partial);
  if (a->priv) L(ind + 1, "%s = ", q);
  else L(ind + 1, "double %s = ", q);
  pleaf(); P(";\n");
  snprintf(pc.j, sizeof pc.j, "j%d", a->u);
  L(ind + 1, "for (int %s = 0; %s < n; %s++) %s += 0.2 * x[%s] * ", pc.j, pc.j, pc.j, q, pc.j); pexpr(2); P(";\n");
  pc.j[0] = 0;
  par_local(q);
  pc.used[pc.nloc - 1] = 1;
  indent(ind + 1); P("if ("); pleaf(); P(" > %s0.%u) {\n", rnd(2) ? "-" : "", rnd(10));
  L(ind + 2, "%s = sin(%s) + 0.1 * ", q, q); pexpr(1); P(";\n");
  L(ind + 1, "} else {\n");
  L(ind + 2, "%s = 0.5 * %s;\n", q, q);
  int skip = rnd(3) == 0;
  if (skip && par_continue) L(ind + 2, "continue;\n");
  else if (skip) L(ind + 2, "%s = 100;\n", q);   /* the write below skipped */
  L(ind + 1, "}\n");
  if (skip && !par_continue) L(ind + 1, "if (%s < 50)\n", q);
  L(ind + 1 + (skip && !par_continue), "%s[%s] = tanh(%s) * ", a->out, pc.iv, q); pleaf(); par_rest(); P(";\n");
  L(ind, "}\n");
}

/* the time step of a stencil: v[i] from u's neighbours */
static void pb_step(int ind, void *arg) {
  struct parbody *a = arg;
  par_for(ind, 1, "n - 1", a->partial);
  par_locals(ind + 1, a->u, rnd(2));
  L(ind + 1, "%s[%s] = 0.5 * %s[%s] + 0.3 * tanh(", a->out, pc.iv, pc.src, pc.iv); pexpr(1); par_rest(); P(");\n");
  L(ind, "}\n");
}

/* a copy, element by element */
static void pb_copy(int ind, void *arg) {
  struct parbody *a = arg;
  par_for(ind, 0, "n", 0);
  L(ind + 1, "%s[%s] = %s[%s];\n", a->out, pc.iv, pc.src, pc.iv);
  L(ind, "}\n");
}

static void par_reset(int u) {
  memset(&pc, 0, sizeof pc);
  snprintf(pc.iv, sizeof pc.iv, "ip%d", u);
  snprintf(pc.src, sizeof pc.src, "x");
  pc.tfree = 1;
}

/* firstprivate(c): a scalar set before the loop that the loop reads */
static void par_first(int ind, int u, char *clauses, size_t size) {
  if (rnd(3)) return;
  L(ind, "double c%d = ", u); expr(1); P(";\n");
  size_t l = strlen(clauses);
  snprintf(clauses + l, size - l, "%sfirstprivate(c%d)", l ? " " : "", u);
  char name[16];
  snprintf(name, sizeof name, "c%d", u);
  par_local(name);
}

/* the name loops write the local array o<u> by: a pointer to it, or itself */
static void par_ptr(int ind, char *arr, int u) {
  if (par_arrays) return;
  L(ind, "double *po%d = o%d;\n", u, u);
  snprintf(arr, 16, "po%d", u);
}

static void f_par(int ind) {
  int u = uid++;
  char clauses[96] = "", shared[48] = "", arr[16];
  struct parbody a = {.u = u};
  par_reset(u);
  snprintf(arr, sizeof arr, "o%d", u);
  L(ind, "{\n");
  switch (rnd(8)) {
  case 0: case 1: /* independent outputs, from x's neighbours */
    if (rnd(2)) L(ind + 1, "double o%d[n];\n", u);
    else L(ind + 1, "double o%d[%d];\n", u, NX);
    L(ind + 1, "for (int j = 0; j < n; j++) o%d[j] = 0.5 * x[j] * a%u;\n", u, var());
    par_ptr(ind + 1, arr, u);
    par_first(ind + 1, u, clauses, sizeof clauses);
    a.lo = rnd(2), a.b = a.lo ? "n - 1" : "n", a.partial = 1, a.out = arr;
    pc.nb = a.lo ? 3 : 0;
    snprintf(pc.own, sizeof pc.own, "%s", arr);
    snprintf(shared, sizeof shared, "%s", arr);
    par_loop(ind + 1, clauses, shared, pb_outputs, &a);
    L(ind + 1, "acc += 0.1 * o%d[%u] * o%d[%u];\n", u, rnd(NX), u, rnd(NX));
    L(ind + 1, "a%u = 0.5 * a%u + 0.2 * tanh(o%d[%u]);\n", var(), var(), u, rnd(NX));
    break;
  case 2: { /* reduction(+:...) into locals */
    L(ind + 1, "double r%d = %s;\n", u, rnd(2) ? "0" : "0.1 * a0");
    a.red2 = rnd(3) == 0;
    if (a.red2) L(ind + 1, "double r%d_2 = 0;\n", u);
    par_first(ind + 1, u, clauses, sizeof clauses);
    size_t l = strlen(clauses);
    if (a.red2 && rnd(2)) snprintf(clauses + l, sizeof clauses - l, "%sreduction(+:r%d, r%d_2)", l ? " " : "", u, u);
    else if (a.red2) snprintf(clauses + l, sizeof clauses - l, "%sreduction(+:r%d) reduction(+:r%d_2)", l ? " " : "", u, u);
    else snprintf(clauses + l, sizeof clauses - l, "%sreduction(+:r%d)", l ? " " : "", u);
    char red[16];
    snprintf(red, sizeof red, "r%d", u);
    a.lo = rnd(2), a.b = a.lo ? "n - 1" : "n", a.partial = 1, a.red = red;
    pc.nb = a.lo ? 3 : 0;
    par_loop(ind + 1, clauses, "", pb_reduce, &a);
    L(ind + 1, "acc += 0.2 * tanh(r%d);\n", u);
    if (a.red2) L(ind + 1, "a%u = 0.5 * a%u + 0.1 * tanh(r%d_2);\n", var(), var(), u);
    break;
  }
  case 3: { /* reduction(+:acc), acc holding a value already */
    par_first(ind + 1, u, clauses, sizeof clauses);
    size_t l = strlen(clauses);
    snprintf(clauses + l, sizeof clauses - l, "%sreduction(+:acc)", l ? " " : "");
    a.lo = rnd(2), a.b = a.lo ? "n - 1" : "n", a.partial = 1, a.red = "acc";
    pc.nb = a.lo ? 3 : 0;
    par_loop(ind + 1, clauses, "", pb_reduce, &a);
    break;
  }
  case 4: { /* time steps: a parallel loop in a serial one, buffers swapped or copied */
    int swap = rnd(2), steps = 2 + rnd(2), copy = rnd(2), ptr = swap || !par_arrays;
    char u_[16], v_[16];
    L(ind + 1, "double u%d[n], v%d[n];\n", u, u);
    L(ind + 1, "for (int j = 0; j < n; j++) u%d[j] = v%d[j] = ", u, u); expr(2); P(" * x[j];\n");
    if (ptr) L(ind + 1, "double *pu%d = u%d, *pv%d = v%d;\n", u, u, u, u);
    snprintf(u_, sizeof u_, "%su%d", ptr ? "p" : "", u);
    snprintf(v_, sizeof v_, "%sv%d", ptr ? "p" : "", u);
    L(ind + 1, "for (int k%d = 0; k%d < %d; k%d++) {\n", u, u, steps, u);
    snprintf(pc.src, sizeof pc.src, "%s", u_);
    snprintf(pc.own, sizeof pc.own, "%s", v_);
    pc.nb = 3;
    snprintf(shared, sizeof shared, "%s, %s", u_, v_);
    a.partial = rnd(2), a.out = v_;
    par_loop(ind + 2, "", shared, pb_step, &a);
    L(ind + 2, "%s[0] = %s[0];\n", v_, u_);
    L(ind + 2, "%s[n - 1] = 0.8 * %s[n - 1] + 0.1 * a%u;\n", v_, u_, var());
    if (swap) {
      L(ind + 2, "double *tmp%d = pu%d;\n", u, u);
      L(ind + 2, "pu%d = pv%d;\n", u, u);
      L(ind + 2, "pv%d = tmp%d;\n", u, u);
    } else if (copy) {
      par_reset(u);
      snprintf(pc.iv, sizeof pc.iv, "ic%d", u);
      snprintf(pc.src, sizeof pc.src, "%s", v_);
      a.out = u_;
      par_loop(ind + 2, "", shared, pb_copy, &a);
    } else {
      L(ind + 2, "for (int j = 0; j < n; j++) %s[j] = %s[j];\n", u_, v_);
    }
    L(ind + 2, "a%u = 0.6 * a%u + 0.2 * %s[%u];\n", var(), var(), u_, rnd(NX));
    L(ind + 1, "}\n");
    L(ind + 1, "acc += 0.1 * %s[%u] * %s[%u];\n", u_, rnd(NX), u_, rnd(NX));
    break;
  }
  case 5: /* helpers with parallel loops, inlined */
    switch (rnd(4)) {
    case 0:
      use(H_PSUM);
      L(ind + 1, "acc += 0.1 * psum(x, n, "); expr(1); P(");\n");
      break;
    case 1:
      use(H_PMAP);
      L(ind + 1, "double w%d[n];\n", u);
      if (par_arrays) L(ind + 1, "pmap(x, w%d, n, ", u);
      else L(ind + 1, "double *pw%d = w%d;\n", u, u), L(ind + 1, "pmap(x, pw%d, n, ", u);
      texpr(1); P(");\n");
      L(ind + 1, "acc += 0.1 * w%d[%u] * w%d[%u];\n", u, rnd(NX), u, rnd(NX));
      break;
    case 2:
      use(H_PMAP);
      if (par_arrays) L(ind + 1, "pmap(t, t, NT, ");
      else L(ind + 1, "double *tp%d = t;\n", u), L(ind + 1, "pmap(tp%d, tp%d, NT, ", u, u);
      texpr(1); P(");\n");
      break;
    default: {
      use(H_PSTEP);
      int swap = rnd(2), ptr = swap || !par_arrays;
      L(ind + 1, "double u%d[n], v%d[n];\n", u, u);
      L(ind + 1, "for (int j = 0; j < n; j++) u%d[j] = x[j] * a%u;\n", u, var());
      if (ptr) L(ind + 1, "double *pu%d = u%d, *pv%d = v%d;\n", u, u, u, u);
      L(ind + 1, "for (int k%d = 0; k%d < %u; k%d++) {\n", u, u, 2 + rnd(3), u);
      if (swap) {
        L(ind + 2, "pstep(pu%d, pv%d, n, ", u, u); expr(2); P(");\n");
        L(ind + 2, "double *tmp%d = pu%d;\n", u, u);
        L(ind + 2, "pu%d = pv%d;\n", u, u);
        L(ind + 2, "pv%d = tmp%d;\n", u, u);
      } else {
        L(ind + 2, "pstep(%su%d, %sv%d, n, ", ptr ? "p" : "", u, ptr ? "p" : "", u); expr(2); P(");\n");
        L(ind + 2, "for (int j = 0; j < n; j++) u%d[j] = v%d[j];\n", u, u);
      }
      L(ind + 1, "}\n");
      L(ind + 1, "acc += 0.1 * %su%d[%u] * %su%d[%u];\n", swap ? "p" : "", u, rnd(NX), swap ? "p" : "", u, rnd(NX));
      break;
    }
    }
    break;
  case 6: /* an inner serial loop with an accumulator, a branch, maybe private(...) */
    L(ind + 1, "double o%d[n];\n", u);
    L(ind + 1, "for (int j = 0; j < n; j++) o%d[j] = 0.5 * x[j];\n", u);
    par_ptr(ind + 1, arr, u);
    if (rnd(2)) {
      char priv[16];
      snprintf(priv, sizeof priv, "acc%d", u);
      L(ind + 1, "double %s;\n", priv);
      snprintf(clauses, sizeof clauses, "private(%s)", priv);
      a.priv = "yes";
    }
    par_first(ind + 1, u, clauses, sizeof clauses);
    a.lo = rnd(2), a.b = a.lo ? "n - 1" : "n", a.partial = 1, a.out = arr;
    pc.nb = a.lo ? 3 : 0;
    snprintf(pc.own, sizeof pc.own, "%s", arr);
    snprintf(shared, sizeof shared, "%s", arr);
    par_loop(ind + 1, clauses, shared, pb_inner, &a);
    L(ind + 1, "acc += 0.2 * o%d[%u] + 0.1 * o%d[%u];\n", u, rnd(NX), u, rnd(NX));
    break;
  default: /* t in place, each element from its own old value */
    par_first(ind + 1, u, clauses, sizeof clauses);
    pc.tfree = 0, pc.nb = 2;
    snprintf(arr, sizeof arr, "t");
    if (!par_arrays) {
      L(ind + 1, "double *tp%d = t;\n", u);
      snprintf(arr, sizeof arr, "tp%d", u);
    }
    snprintf(pc.own, sizeof pc.own, "%s", arr);
    a.lo = 0, a.b = "NT", a.partial = 1, a.out = arr;
    par_loop(ind + 1, clauses, arr, pb_outputs, &a);
    break;
  }
  L(ind, "}\n");
}

/* ---- SCRATCH: loops whose body starts by filling scratch values from
 * values the loop does not change, then uses them (GMM's xc = x - mu,
 * Qxc = Q xc per point and component): gradc's reverse sweep computes such
 * a prefix again instead of taping it, when that is sound (activity.c,
 * "values computed again"). And near misses, which must keep their saves:
 * a buffer carried across iterations or read before its fill, a fill that
 * stops short, in an if, through a second name, a buffer read after the
 * loop or at literal or shifted indices, a prefix reading what the rest of
 * the body writes or calling libm, a scratch scalar carried, a buffer
 * declared in the body or written again after its uses. ---- */

enum { SN_CARRY, SN_READFIRST, SN_SHORT, SN_AFTER, SN_VARY, SN_ALIAS, SN_IF, SN_LIT, SN_SHIFT, SN_INBODY,
       SN_SCARRY, SN_INPLACE, SN_CALL, SN_PRW, SN_LIW, SN_NEAR };

static const char *const sc_ty[3] = {"int", "unsigned", "size_t"};

static struct {
  int dval, dn;          /* the scratch dimension: n (5 at run time) when dn, else the literal dval */
  int compound;          /* n written as a sum in the loops' bounds: n - 1 + 1 */
  int kval, kn;          /* the scratch loop's trip count, n when kn */
  char k[16], p[16];     /* its counter, the outer loop's (or "") */
  int nbuf;
  char b[3][16];         /* the buffers, filled over [0, D) */
  int bused[3];
  char h2[16];           /* SN_ALIAS: a second name of b[0] */
  int qkind, S;          /* the pointer q: none, into pr (a local array of
                            parameters made from x), into x; S elements */
  char q[16], sc[16], sq[16], li[16], o[16];
  char m[16];            /* a scalar of the buffers' literal elements */
  char uf[16];           /* a buffer the outer loop's body fills, which the prefix reads */
  int qused, scused, squsedr, h2used, mused, ufused;
  int wv;                /* the a<wv> the rest of the body writes, or -1 */
  int aread[NVARS], tread[4];   /* a<v> and t[c] read by the prefix */
  int nm[SN_NEAR];
} sc;

/* leaves of the expressions of a statement; a read marks its flag */
static struct { char text[48]; int *used; } sl[12];
static int nsl;

static void sl_add(int *used, const char *fmt, ...) {
  va_list ap;
  if (nsl >= 12) return;
  va_start(ap, fmt);
  vsnprintf(sl[nsl].text, sizeof sl[nsl].text, fmt, ap);
  va_end(ap);
  sl[nsl++].used = used;
}

static void sx_leaf(void) {
  unsigned k = rnd(nsl);
  if (sl[k].used) *sl[k].used = 1;
  P("%s", sl[k].text);
}

/* bounded expressions of the leaves sl: arithmetic (what a prefix computed
 * again may hold), or with sx_calls expr's calls of libm too */
static int sx_calls;
static void sx(int depth) {
  if (depth >= MAXDEPTH) { sx_leaf(); return; }
  if (!sx_calls) {
    switch (rnd(8)) {
    case 0: case 1: P("("); sx(depth + 1); P(" + "); sx(depth + 1); P(")"); break;
    case 2: P("("); sx(depth + 1); P(" - "); sx(depth + 1); P(")"); break;
    case 3: case 4: P("0.5 * "); sx(depth + 1); P(" * "); sx(depth + 1); break;
    case 5: {
      unsigned k = rnd(nsl);
      if (sl[k].used) *sl[k].used = 1;
      P("("); sx(depth + 1); P(") / (2 + %s * %s)", sl[k].text, sl[k].text);
      break;
    }
    default: sx_leaf(); break;
    }
    return;
  }
  switch (rnd(13)) {
  case 0: case 1: P("("); sx(depth + 1); P(" + "); sx(depth + 1); P(")"); break;
  case 2: P("("); sx(depth + 1); P(" - "); sx(depth + 1); P(")"); break;
  case 3: case 4: P("0.5 * "); sx(depth + 1); P(" * tanh("); sx(depth + 1); P(")"); break;
  case 5: P("sin("); sx(depth + 1); P(")"); break;
  case 6: P("cos("); sx(depth + 1); P(")"); break;
  case 7: P("exp(tanh("); sx(depth + 1); P("))"); break;
  case 8: P("log(1.5 + sin("); sx(depth + 1); P("))"); break;
  case 9: P("sqrt(1.5 + sin("); sx(depth + 1); P("))"); break;
  case 10: P("("); sx(depth + 1); P(") / (2 + cos("); sx(depth + 1); P("))"); break;
  case 11: P("atan("); sx(depth + 1); P(")"); break;
  default: sx_leaf(); break;
  }
}

/* The bound of a counter of type ty over [0, D - off), or [0, K) with k */
static const char *sc_bound(int ty, int off, int k) {
  static char buf[4][32];
  static int at;
  char *b = buf[at++ % 4];
  int isn = k ? sc.kn : sc.dn, val = k ? sc.kval : sc.dval;
  if (!isn) snprintf(b, 32, "%d", val - off);
  else if (sc.compound && !off) snprintf(b, 32, ty ? "(%s)(n - 1) + 1" : "n - 1 + 1", sc_ty[ty]);
  else if (ty == 0) snprintf(b, 32, off ? "n - %d" : "n", off);
  else snprintf(b, 32, off ? "(%s)n - %d" : "(%s)n", sc_ty[ty], off);
  return b;
}

/* leaves of the prefix: inputs and values the loop does not change (with
 * withi, at the fill's counter i), the scratch scalar with withsc */
static void sc_invariant_leaves(int withi, int withsc) {
  unsigned v;
  sl_add(NULL, "x[%s %% n]", sc.k);
  if (withi) {
    sl_add(NULL, "x[i]");
    sl_add(NULL, "x[(%s + i) %% n]", sc.k);
    sl_add(NULL, "0.1 * i");
    if (sc.qkind) sl_add(&sc.qused, "%s[i]", sc.q);
    if (sc.uf[0]) sl_add(&sc.ufused, "%s[i]", sc.uf);
  } else if (sc.qkind) {
    sl_add(&sc.qused, "%s[%u]", sc.q, rnd(sc.dval));
  }
  if (!withi && sc.uf[0]) sl_add(&sc.ufused, "%s[%u]", sc.uf, rnd(NX));
  do v = var(); while ((int)v == sc.wv);
  sl_add(&sc.aread[v], "a%u", v);
  if (rnd(2)) {
    unsigned c = rnd(4);
    sl_add(&sc.tread[c], "t[%u]", c);
  }
  if (rnd(3) == 0) sl_add(NULL, "s.%s", rnd(2) ? "u" : "v");
  sl_add(NULL, "0.%u", 1 + rnd(9));
  if (sc.p[0]) sl_add(NULL, "0.2 * %s", sc.p);
  if (withsc && sc.sc[0]) sl_add(&sc.scused, "%s", sc.sc);
}

/* a buffer's name where the rest of the body reads it */
static const char *sc_rbuf(int b) {
  sc.bused[b] = 1;
  if (b == 0 && sc.nm[SN_ALIAS] && rnd(2)) { sc.h2used = 1; return sc.h2; }
  return sc.b[b];
}

/* a nonlinear use of the buffers at index j */
static void sc_use(const char *j) {
  const char *a = sc_rbuf(rnd(sc.nbuf)), *b;
  unsigned k = rnd(6);
  b = k == 4 ? NULL : sc_rbuf(rnd(sc.nbuf));   /* named only where read */
  switch (k) {
  case 0: P("sin(%s[%s]) * %s[%s]", a, j, b, j); break;
  case 1: P("exp(tanh(%s[%s])) * %s[%s]", a, j, b, j); break;
  case 2: P("log(1.5 + sin(%s[%s] * %s[%s]))", a, j, b, j); break;
  case 3: P("%s[%s] * %s[%s] * %s[%s]", a, j, a, j, b, j); break;
  case 4: P("tanh(%s[%s] * %s)", a, j, sc.sc[0] ? (sc.scused = 1, sc.sc) : "x[1]"); break;
  default: P("atan(%s[%s]) * cos(%s[%s])", a, j, b, j); break;
  }
}

/* what the rest of the body does with the scratch values: one statement */
static void sc_rest(int ind, int kind) {
  int ty = rnd(3);
  switch (kind) {
  case 0: /* acc += over the buffers, nonlinearly */
    L(ind, "for (%s j = 0; j < %s; j++) acc += 0.05 * ", sc_ty[ty], sc_bound(ty, 0, 0)); sc_use("j"); P(";\n");
    break;
  case 1: /* pairs j > i */
    L(ind, "for (%s i = 0; i < %s; i++)\n", sc_ty[ty], sc_bound(ty, 0, 0));
    L(ind + 1, "for (%s j = i + 1; j < %s; j++) acc += 0.02 * %s[i] * tanh(%s[j]);\n", sc_ty[ty], sc_bound(ty, 0, 0),
      sc_rbuf(rnd(sc.nbuf)), sc_rbuf(rnd(sc.nbuf)));
    break;
  case 2: /* the scalars */
    if (sc.sq[0]) {
      sc.squsedr = 1;
      L(ind, "acc += 0.1 * exp(tanh(%s))", sc.sq);
    } else {
      L(ind, "acc += 0.1 * tanh(%s[0])", sc.q[0] ? (sc.qused = 1, sc.q) : "x");
    }
    if (sc.sc[0]) sc.scused = 1, P(" * cos(%s)", sc.sc);
    if (sc.kn && sc.dn) { /* the loop's counter indexes a buffer filled over [0, n) */
      P(" + 0.05 * ");
      sc_use(sc.k);
    }
    P(";\n");
    break;
  case 3: /* a variable of f, written by the body */
    L(ind, "for (%s j = 0; j < %s; j++) a%d = 0.8 * a%d + 0.1 * ", sc_ty[ty], sc_bound(ty, 0, 0), sc.wv, sc.wv);
    sc_use("j"); P(";\n");
    L(ind, "a%d = 2 * tanh(0.5 * a%d);\n", sc.wv, sc.wv);
    break;
  case 4: /* SN_LIT: literal indices */
    L(ind, "acc += 0.1 * %s[0] * tanh(%s[%d])", sc_rbuf(rnd(sc.nbuf)), sc_rbuf(rnd(sc.nbuf)), sc.dval - 1);
    if (sc.dval > 2) P(" + 0.05 * sin(%s[2])", sc_rbuf(rnd(sc.nbuf)));
    P(";\n");
    break;
  case 5: /* SN_SHIFT: j - 1 */
    L(ind, "for (%s j = 1; j < %s; j++) acc += 0.05 * %s[j] * sin(%s[j - 1]);\n", sc_ty[ty], sc_bound(ty, 0, 0),
      sc_rbuf(rnd(sc.nbuf)), sc_rbuf(rnd(sc.nbuf)));
    break;
  case 6: /* SN_INPLACE: a buffer written again after its uses */
    L(ind, "for (%s j = 0; j < %s; j++) %s[j] = tanh(%s[j]);\n", sc_ty[ty], sc_bound(ty, 0, 0), sc.b[0], sc.b[0]);
    break;
  case 7: /* the running index where the triangle left it */
    sc.qused = 1;
    L(ind, "acc += 0.05 * %s[%s - 1] * cos(%s);\n", sc.q, sc.li, sc.sq[0] ? (sc.squsedr = 1, sc.sq) : "x[2]");
    break;
  default: /* the scalar of literal elements */
    sc.mused = 1;
    L(ind, "acc += 0.1 * %s * tanh(%s);\n", sc.m, sc.m);
    break;
  }
}

/* a buffer of dval (or n) doubles */
static void sc_alloc(int ind, const char *name, int kind, int isn, int val) {
  char dim[16];
  snprintf(dim, sizeof dim, isn ? "n" : "%d", val);
  /* blocks of n are NX doubles: after a loop over [0, n), gcc may take n
   * for negative and warn of a huge size */
  int size = isn ? NX : val;
  switch (kind) {
  case 0: L(ind, "double *%s = malloc(%d * sizeof *%s);\n", name, size, name); break;
  case 1: L(ind, "double *%s = malloc(sizeof(double) * %d);\n", name, size); break;
  case 2: L(ind, "double *%s = calloc(%d, sizeof(double));\n", name, size); break;
  case 3: L(ind, "double %s[%d];\n", name, isn ? 5 : val); break;
  default: L(ind, "double %s[%s];\n", name, dim); break;   /* a VLA when isn */
  }
}

static void sc_free(int ind, const char *name, int kind) {
  if (kind <= 2) L(ind, "free(%s);\n", name);
}

/* Residuals into scratch, then the sum of a function of each (fuse.c joins
 * the sum to the loop that writes them): A per element at A i + k, from a
 * malloc'd, calloc'd or local buffer, with the sum's start before or
 * between the loops. Half of them hold a near miss that must stay two
 * loops: a second name written between, the writes out of order, one in
 * an if, one read back in its own loop, a scalar of the sum changed
 * between, the sum's counter read after it, a shorter sum, the buffer read
 * after the sum. */
enum { RN_ALIAS, RN_ORDER, RN_IF, RN_READ, RN_CHANGED, RN_JAFTER, RN_SHORT, RN_AFTER, RN_NEAR };

static void f_resid(int ind) {
  int u = uid++;
  int A = 1 + rnd(3), kind = rnd(3), ty = rnd(3), ty2 = rnd(3), sfirst = rnd(2), g = rnd(3);
  int near = rnd(2) ? (int)rnd(RN_NEAR) : -1;
  unsigned w = var(), w2 = var();
  if (near == RN_AFTER) kind = 1;   /* r[0] read after: calloc'd, in case n is 0 */
  if (near == RN_SHORT) ty2 = 0;    /* A n - 1 >= -1 */
  const char *nb[3] = {"n", "(unsigned)n", "(size_t)n"};
  char r[16];
  snprintf(r, sizeof r, "r%d", u);
  L(ind, "{\n");
  int in = ind + 1;
  if (kind == 0) L(in, "double *%s = malloc(%d * sizeof(double));\n", r, A * NX);
  else if (kind == 1) L(in, "double *%s = calloc(%d, sizeof(double));\n", r, A * NX);
  else L(in, "double %s[%d];\n", r, A * NX);
  if (near == RN_ALIAS) L(in, "double *%s_2 = %s;\n", r, r);
  if (near == RN_JAFTER) L(in, "%s j%d;\n", sc_ty[ty2], u);
  if (sfirst) L(in, "double s%d = 0.0;\n", u);
  if (rnd(4) == 0) L(in, "#pragma GCC unroll 2\n");   /* a hint around the loop: read through */
  L(in, "for (%s i = 0; i < %s; i++) {\n", sc_ty[ty], nb[ty]);
  L(in + 1, "double e%d = sin(x[i]) * a%u + 0.3 * x[(i + 1) %% n];\n", u, w);
  const char *terms[3] = {"e%d * x[i] - 0.2", "tanh(e%d) + 0.1 * a%u", "0.5 * e%d * e%d"};
  int order[3] = {0, 1, 2};
  if (near == RN_ORDER && A >= 2) order[0] = 1, order[1] = 0;
  for (int k = 0; k < A; k++) {
    int t = order[k];
    char idx[32], val[64];
    if (A == 1) snprintf(idx, sizeof idx, "i");
    else if (t == 0) snprintf(idx, sizeof idx, "%d * i", A);
    else snprintf(idx, sizeof idx, "%d * i + %d", A, t);
    if (t == 0) snprintf(val, sizeof val, terms[0], u);
    else if (t == 1) snprintf(val, sizeof val, terms[1], u, w2);
    else snprintf(val, sizeof val, terms[2], u, u);
    if (near == RN_IF && k == A - 1) {
      L(in + 1, "if (x[i] > 0.1) %s[%s] = %s;\n", r, idx, val);
      L(in + 1, "else %s[%s] = 0.7 * e%d;\n", r, idx, u);
    } else if (near == RN_READ && k == A - 1 && A >= 2) {
      L(in + 1, "%s[%s] = 0.5 * %s[%d * i] + e%d;\n", r, idx, r, A, u);
    } else {
      L(in + 1, "%s[%s] = %s;\n", r, idx, val);
    }
  }
  if (near == RN_READ && A == 1) L(in + 1, "acc += 0.1 * %s[i];\n", r);
  L(in, "}\n");
  if (near == RN_ALIAS) L(in, "%s_2[0] = 2.0 * %s_2[0];\n", r, r);
  if (near == RN_CHANGED) L(in, "a%u = 0.9 * a%u + 0.1 * x[0];\n", w2, w2);
  if (!sfirst) L(in, "double s%d = 0.0;\n", u);
  char bound[48];
  if (A == 1) snprintf(bound, sizeof bound, "%s", nb[ty2]);
  else snprintf(bound, sizeof bound, "%d * %s", A, nb[ty2]);
  if (near == RN_SHORT) strcat(bound, " - 1");
  const char *j = "j";
  char jn[16];
  if (near == RN_JAFTER) {
    snprintf(jn, sizeof jn, "j%d", u);
    j = jn;
    L(in, "for (%s = 0; %s < %s; %s++)", j, j, bound, j);
  } else {
    L(in, "for (%s j = 0; j < %s; j++)", sc_ty[ty2], bound);
  }
  if (g == 0) P(" s%d += %s[%s] * %s[%s];\n", u, r, j, r, j);
  else if (g == 1) P(" s%d -= log(1.0 + %s[%s] * %s[%s]);\n", u, r, j, r, j);
  else P(" s%d += 0.5 * a%u * %s[%s] * %s[%s];\n", u, w2, r, j, r, j);
  if (near == RN_AFTER) L(in, "acc += 0.1 * %s[0];\n", r);
  if (near == RN_JAFTER) L(in, "acc += 0.01 * (double)%s;\n", j);
  L(in, "acc += 0.1 * s%d;\n", u);
  if (kind <= 1) L(in, "free(%s);\n", r);
  L(ind, "}\n");
}

/* One allocation per step split into named slices and filled in one loop,
 * each slice by a function whose derivative is its value (the logistic,
 * tanh, exp), then read by a state update (ADBench's LSTM cell): the first
 * write of a slice saves nothing (activity.c fresh_slice) and the reverse
 * takes the derivative from the stored value (act_by_value on memory). Half
 * of them hold a near miss that must keep its saves: two slices overlapping,
 * two names for one slice both written, a slice written twice, a slice
 * element written before the loop, the block rewritten through its base
 * after the loop. */
enum { SL_OVERLAP, SL_SAME, SL_TWICE, SL_PREFILL, SL_REWRITE, SL_NEAR };

static void f_slices(int ind) {
  int u = uid++;
  int K = 2 + rnd(3), steps = 2 + rnd(2), cal = rnd(3) == 0, ty = rnd(3);
  int near = rnd(2) ? (int)rnd(SL_NEAR) : -1;
  unsigned w = var(), w2 = var();
  const char *nb[3] = {"n", "(unsigned)n", "(size_t)n"};
  const char *fn[3] = {"1.0 / (1.0 + exp(-(%s)))", "tanh(%s)", "exp(0.3 * tanh(%s))"};
  int kof[4], f[4];
  for (int k = 0; k < K; k++) kof[k] = k, f[k] = rnd(3);
  for (int k = K - 1; k > 0; k--) {   /* definitions in any order */
    int j = rnd(k + 1), t = kof[k];
    kof[k] = kof[j], kof[j] = t;
  }
  L(ind, "{\n");
  int in = ind + 1;
  L(in, "double h%d[%d];\n", u, NX);
  L(in, "for (int i = 0; i < n; i++) h%d[i] = 0.2 * x[i] + 0.1;\n", u);
  L(in, "for (int t%d = 0; t%d < %d; t%d++) {\n", u, u, steps, u);
  int bi = in + 1;
  /* room for K slices (and one more element when two overlap) */
  if (cal) L(bi, "double *g%d = calloc(%d * n + 1, sizeof(double));\n", u, K);
  else L(bi, "double *g%d = malloc((%d * n + 1) * sizeof(double));\n", u, K);
  for (int k = 0; k < K; k++) {
    int s = kof[k];
    if (near == SL_OVERLAP && s == 1) L(bi, "double *s%d_%d = g%d + 1;\n", u, s, u);
    else if (near == SL_SAME && s == 1) L(bi, "double *s%d_%d = g%d;\n", u, s, u);
    else if (s == 0) L(bi, "double *s%d_%d = g%d;\n", u, s, u);
    else if (s == 1 && rnd(2)) L(bi, "double *s%d_%d = g%d + n;\n", u, s, u);
    else L(bi, "double *s%d_%d = g%d + %d * n;\n", u, s, u, s);
  }
  if (near == SL_PREFILL) L(bi, "s%d_%d[0] = 0.5 * x[0];\n", u, K - 1);
  L(bi, "for (%s i = 0; i < %s; i++) {\n", sc_ty[ty], nb[ty]);
  for (int k = 0; k < K; k++) {
    char e[96], v[160];
    if (k == 0 && near == SL_PREFILL) snprintf(e, sizeof e, "a%u * x[i] + 0.1 * s%d_%d[0]", w, u, K - 1);
    else if (k == 0) snprintf(e, sizeof e, "a%u * x[i] + 0.1 * h%d[i]", w, u);
    else if (k == 1) snprintf(e, sizeof e, "0.5 * h%d[i] - 0.3 * x[(i + 1) %% n]", u);
    else if (k == 2) snprintf(e, sizeof e, "x[i] * h%d[i] + 0.2 * t%d", u, u);
    else snprintf(e, sizeof e, "a%u - 0.4 * x[i]", w2);
    snprintf(v, sizeof v, fn[f[k]], e);
    L(bi + 1, "s%d_%d[i] = %s;\n", u, k, v);
    /* values read before a later write could reach them (a near miss's
     * overlap, or second name, destroys them) */
    if (k == 0) L(bi + 1, "acc += 0.02 * s%d_0[i] * x[i];\n", u);
  }
  L(bi + 1, "acc += 0.02 * s%d_1[i];\n", u);
  if (near == SL_TWICE) L(bi + 1, "s%d_0[i] = tanh(s%d_0[i] * x[i] + 0.2);\n", u, u);
  L(bi, "}\n");
  if (near == SL_REWRITE) L(bi, "for (int i = 0; i < n; i++) g%d[i] = 0.5 * g%d[i] + 0.1 * x[i];\n", u, u);
  /* the state update reads every slice */
  L(bi, "for (int i = 0; i < n; i++) {\n");
  L(bi + 1, "h%d[i] = s%d_0[i] * h%d[i]", u, u, u);
  for (int k = 1; k < K; k++) P(" %c 0.3 * s%d_%d[i]", k % 2 ? '+' : '-', u, k);
  P(";\n");
  L(bi + 1, "acc += 0.1 * h%d[i] * s%d_1[i];\n", u, u);
  L(bi, "}\n");
  L(bi, "free(g%d);\n", u);
  L(in, "}\n");
  L(in, "a%u = 0.5 * a%u + 0.2 * h%d[%u];\n", w2, w2, u, rnd(NX));
  L(ind, "}\n");
}

/* Calls whose value nothing uses, and calls in a for loop's increment:
 * after a comma there (lowering dropped them, and a helper's arguments in
 * the increment counted as computed once, never saved), in an expression
 * statement of two calls. */
static void f_discard(int ind) {
  int u = uid++;
  unsigned v = var(), w = var();
  use(H_STEP);
  L(ind, "{\n");
  L(ind + 1, "double d%d = 0.2 * x[%u];\n", u, rnd(NX));
  switch (rnd(3)) {
  case 0:
    L(ind + 1, "for (int i = 0; i < n; step(&d%d, x[i] + a%u), i++) d%d += 0.1 * x[i] * a%u;\n", u, v, u, w);
    break;
  case 1:
    L(ind + 1, "for (int i = 0; i < n; d%d += 0.2 * step(&a%u, x[i] * d%d), i++) acc += 0.1 * d%d * x[i];\n", u, v,
      u, u);
    break;
  default:
    L(ind + 1, "step(&d%d, x[0] + a%u), step(&d%d, x[1] * a%u);\n", u, v, u, w);
    break;
  }
  L(ind + 1, "acc += 0.1 * d%d;\n", u);
  L(ind, "}\n");
}

/* Loops over the same range in a row, each writing a buffer at its counter
 * and reading the one before at the same index (GMM's centring and
 * scaling): fuse.c joins them into one loop, whose reverse is one loop
 * too. At i, or at c * D + i in a loop over two components; two or three
 * loops (the third updating a buffer in place); malloc'd, calloc'd or local
 * buffers; the same counter type, or another. Half of them hold a near miss
 * that, joined, would compute another value: a read of the next element,
 * the elements in the other order, a second name one element on, a
 * running scalar read after its loop, two buffers in one block, a read of
 * the element before that the second loop writes, a shorter second loop,
 * the first loop's counter read in the second (where it is D), a scalar
 * both read changed between them. A third of the others set a scalar
 * between the loops that only the second reads (gradc moves it first). */
enum { JN_NEXT, JN_REV, JN_ALIAS, JN_RUN, JN_BLOCK, JN_PREV, JN_SHORT, JN_COUNTER, JN_BETWEEN, JN_NEAR };

static void f_join(int ind) {
  int u = uid++;
  int near = rnd(2) ? (int)rnd(JN_NEAR) : -1;
  int kind = rnd(3), ty = rnd(3), ty2 = rnd(4) == 0 ? (int)rnd(3) : ty, comps = rnd(3) == 0, three = rnd(2);
  int D = 2 + rnd(4), dn = D == 5 && rnd(2);
  unsigned w = var(), w2 = var();
  const char *nb[3] = {"n", "(unsigned)n", "(size_t)n"};
  char d1[32], d2[32], b0[16], b1[16], at[32];
  if (dn) snprintf(d1, sizeof d1, "%s", nb[ty]), snprintf(d2, sizeof d2, "%s", nb[ty2]);
  else snprintf(d1, sizeof d1, "%d", D), snprintf(d2, sizeof d2, "%d", D);
  if (near == JN_SHORT) strcat(d2, " - 1");
  snprintf(b0, sizeof b0, "b%d", u);
  snprintf(b1, sizeof b1, "g%d", u);
  int size = 3 * NX + 2;   /* two components, an element on; in one block, the second from D - 1 on */
  L(ind, "{\n");
  int in = ind + 1;
  if (near == JN_NEXT || near == JN_ALIAS || near == JN_PREV || near == JN_BLOCK) kind = 1;   /* read before written */
  if (kind == 0) L(in, "double *%s = malloc(%d * sizeof(double));\n", b0, size);
  else if (kind == 1) L(in, "double *%s = calloc(%d, sizeof(double));\n", b0, size);
  else L(in, "double %s[%d];\n", b0, size);
  if (near == JN_BLOCK) L(in, "double *%s = %s + %d;   /* one block: %s's first element is %s's last */\n", b1, b0, D - 1, b1, b0);
  else if (kind == 0) L(in, "double *%s = malloc(%d * sizeof(double));\n", b1, size);
  else if (kind == 1) L(in, "double *%s = calloc(%d, sizeof(double));\n", b1, size);
  else L(in, "double %s[%d];\n", b1, size);
  if (near == JN_ALIAS) L(in, "const double *%s_2 = %s + 1;\n", b0, b0);
  if (near == JN_RUN) L(in, "double r%d = 0.0;\n", u);
  if (near == JN_COUNTER) L(in, "%s i;\n", sc_ty[ty]);
  int between = near == JN_BETWEEN ? 2 : rnd(3) == 0;
  if (between == 1) L(in, "double h%d;\n", u);
  if (comps) L(in, "for (int c = 0; c < 2; c++) {\n"), in++;
  snprintf(at, sizeof at, comps ? "c * %d + " : "", dn ? 5 : D);
  const char *xi = comps ? "x[(c + i) % n]" : "x[i]";
  /* the first loop: from inputs */
  if (near == JN_COUNTER) L(in, "for (i = 0; i < %s; i++) {\n", d1);
  else L(in, "for (%s i = %s; i < %s; i++) {\n", sc_ty[ty], near == JN_PREV ? "1" : "0", d1);
  if (near == JN_RUN) {
    L(in + 1, "r%d = 0.5 * r%d + %s * a%u;\n", u, u, xi, w);
    L(in + 1, "%s[%si] = sin(r%d);\n", b0, at, u);
  } else if (near == JN_PREV) {
    L(in + 1, "%s[%si] = sin(%s) * a%u + 0.3 * %s[%si - 1];   /* the element before, which the next loop writes */\n",
      b0, at, xi, w, b1, at);
  } else {
    L(in + 1, "%s[%si] = sin(%s) * a%u + 0.3 * x[(i + 1) %% n];\n", b0, at, xi, w);
  }
  L(in, "}\n");
  if (between == 1) L(in, "h%d = 0.3 * x[0] + a%u;\n", u, w2);
  if (between == 2) L(in, "a%u = 0.9 * a%u + 0.05 * x[1];   /* read by both loops */\n", w, w);
  /* the second: from the first's buffer at the same index (or not) */
  char rd[96];
  if (near == JN_NEXT) snprintf(rd, sizeof rd, "%s[%si + 1]", b0, at);
  else if (near == JN_REV) snprintf(rd, sizeof rd, "%s[%s%s - 1 - i]", b0, at, d1);
  else if (near == JN_ALIAS) snprintf(rd, sizeof rd, "%s_2[%si]", b0, at);
  else snprintf(rd, sizeof rd, "%s[%si]", b0, at);
  L(in, "for (%s j = %s; j < %s; j++) {\n", sc_ty[ty2], near == JN_PREV ? "1" : "0", d2);
  for (char *q = rd; *q; q++)
    if (*q == 'i' && (q == rd || q[-1] == ' ' || q[-1] == '[')) *q = 'j';
  if (near == JN_RUN) L(in + 1, "%s[%sj] = tanh(%s) * r%d + 0.2 * a%u;\n", b1, at, rd, u, w2);
  else if (near == JN_COUNTER) L(in + 1, "%s[%sj] = tanh(%s) * x[j] + 0.05 * (double)i;   /* i is %s here */\n", b1, at, rd, d1);
  else if (between) L(in + 1, "%s[%sj] = tanh(%s) * %s + 0.2 * %s%u;\n", b1, at, rd, comps ? "x[(c + j) % n]" : "x[j]",
                      between == 1 ? "h" : "a", between == 1 ? (unsigned)u : w);
  else L(in + 1, "%s[%sj] = tanh(%s) * %s + 0.2 * a%u;\n", b1, at, rd, comps ? "x[(c + j) % n]" : "x[j]", w2);
  L(in, "}\n");
  if (three && near != JN_SHORT)   /* a third: the second's buffer updated in place */
    L(in, "for (%s i = %s; i < %s; i++) %s[%si] = %s[%si] * %s[%si] + 0.1;\n", sc_ty[ty2],
      near == JN_PREV ? "1" : "0", d2, b1, at, b1, at, b0, at);
  L(in, "for (%s k = %s; k < %s; k++) acc += 0.1 * %s[%sk] * cos(%s[%sk]);\n", sc_ty[ty2],
    near == JN_PREV ? "1" : "0", d2, b1, at, b0, at);
  if (comps) in--, L(in, "}\n");
  if (near == JN_RUN) L(in, "acc += 0.05 * r%d;\n", u);
  if (kind <= 1) {
    L(in, "free(%s);\n", b0);
    if (near != JN_BLOCK) L(in, "free(%s);\n", b1);
  }
  L(ind, "}\n");
}

static void f_scratch(int ind) {
  int u = uid++;
  if (u % 4 == 3) { /* not from rnd: other programs' streams stay as they were */
    f_join(ind);
    return;
  }
  if (rnd(8) == 0) { /* an eighth: calls whose value nothing uses */
    f_discard(ind);
    return;
  }
  if (rnd(4) == 0) { /* a quarter of them: residuals and their sum */
    f_resid(ind);
    return;
  }
  if (rnd(5) == 0) { /* a fifth of the rest: slices of one allocation */
    f_slices(ind);
    return;
  }
  memset(&sc, 0, sizeof sc);
  sc.compound = u % 3 == 1;   /* not from rnd: the programs' streams stay as they were */
  sc.dval = 2 + rnd(4);
  sc.dn = sc.dval == 5 && rnd(4) != 0;
  int nested = rnd(100) < 35, oty = rnd(3), kty = rnd(3);
  if (nested) {
    sc.kval = 2 + rnd(2);
    snprintf(sc.p, sizeof sc.p, "p%d", u);
  } else {
    sc.kn = rnd(3) != 0;
    sc.kval = sc.kn ? 5 : 3 + rnd(2);
  }
  snprintf(sc.k, sizeof sc.k, "k%d", u);
  sc.nbuf = 1 + rnd(2) + (rnd(5) == 0);
  int bkind[3], tri = rnd(2), hassq = rnd(5) < 3, hasout = nested ? rnd(4) != 0 : rnd(2), hassc = rnd(5) < 3;
  int inouter = nested && rnd(3) == 0, outkind = rnd(5), scout = rnd(4) == 0, liout = rnd(4) == 0;
  for (int b = 0; b < 3; b++) {
    bkind[b] = rnd(5);
    snprintf(sc.b[b], sizeof sc.b[b], "%c%d", "hge"[b], u);
  }
  sc.wv = rnd(5) < 2 ? (int)var() : -1;
  /* near misses in about half of the loops */
  if (rnd(2)) {
    sc.nm[rnd(SN_NEAR)] = 1;
    if (rnd(4) == 0) sc.nm[rnd(SN_NEAR)] = 1;
  }
  /* a third of the loops (the outer one when nested): only a sum (acc)
   * leaves them, and the prefix holds the triangle's nested loops (gradc
   * reverses each iteration as it runs, and tapes the triangle's results of
   * an inner loop once instead of computing them again); near misses in
   * half of them */
  int sum = rnd(3) == 0 && !inouter;
  if (sum) {
    hasout = 0, tri = 1;
    if (rnd(2)) memset(sc.nm, 0, sizeof sc.nm);
    if (!sc.nm[SN_VARY]) sc.wv = -1;
  }
  if (sc.nm[SN_VARY] && sc.wv < 0) sc.wv = (int)var();
  sx_calls = sc.nm[SN_CALL];
  if (sc.nm[SN_SCARRY]) hassc = scout = 1;
  if (sc.nm[SN_INBODY] && sc.nbuf == 1) sc.nbuf = 2;
  /* (read after the loop: calloc'd, else gcc may take it for memory never
   * written) */
  if (sc.nm[SN_AFTER]) bkind[0] = 2;
  /* S elements behind q: a triangle of coefficients after the diagonal */
  sc.S = sc.dval + (tri ? sc.dval * (sc.dval - 1) / 2 : 0);
  sc.qkind = rnd(4) == 0 ? 0 : sc.S <= NX && rnd(2) ? 2 : 1;
  if (sc.qkind) snprintf(sc.q, sizeof sc.q, "q%d", u);
  if (hassc) snprintf(sc.sc, sizeof sc.sc, "sc%d", u);
  if (hassq) snprintf(sc.sq, sizeof sc.sq, "sq%d", u);
  if (tri) snprintf(sc.li, sizeof sc.li, "li%d", u);
  if (hasout) snprintf(sc.o, sizeof sc.o, "o%d", u);
  if (sc.nm[SN_ALIAS]) snprintf(sc.h2, sizeof sc.h2, "h%d_2", u);
  int init = sc.nm[SN_CARRY] || sc.nm[SN_READFIRST] || sc.nm[SN_SHORT] || sc.nm[SN_IF] || rnd(5) == 0;
  const char *D0 = sc.dn ? "n" : NULL;
  char dlit[8];
  snprintf(dlit, sizeof dlit, "%d", sc.dval);
  const char *D = D0 ? D0 : dlit;
  int lastb = sc.nbuf - 1;   /* SN_INBODY: the last buffer is declared in the body */
  /* a fill through a walking pointer; a scalar of literal elements; a
   * buffer the outer loop fills; where the outer loop's body changes what
   * the prefix read (0, 1: after the scratch loop, 2: before, else not) */
  int walk = rnd(4) == 0, hasm = rnd(4) == 0, ufill = nested && rnd(3) == 0, ow = nested ? (int)rnd(5) : 9;
  if (hasm) snprintf(sc.m, sizeof sc.m, "m%d", u);
  if (ufill) snprintf(sc.uf, sizeof sc.uf, "uf%d", u);

  L(ind, "{\n");
  int in = ind + 1;
  if (sc.qkind == 1) {
    L(in, "double pr%d[3 * %d];\n", u, sc.S);
    L(in, "for (int i = 0; i < 3 * %d; i++) pr%d[i] = 0.4 * sin(x[i %% n] + 0.%u * i)%s;\n", sc.S, u, 1 + rnd(9),
      rnd(2) ? "" : " * cos(a0)");
  }
  /* zeros first (calloc, = {0}): else gcc may take o[0] after the loop for
   * a read of memory never written */
  if (hasout) {
    if (outkind >= 3) L(in, "double %s[%d] = {0};\n", sc.o, sc.kval), outkind = 3;
    else sc_alloc(in, sc.o, outkind = 2, sc.kn, sc.kval);
  }
  if (sc.sc[0] && scout) L(in, "double %s = 0.5 * x[%u];\n", sc.sc, rnd(NX));
  if (tri && liout) L(in, "%s %s = 0;\n", rnd(2) ? "int" : "size_t", sc.li);
  if (ufill) L(in, "double %s[%d];\n", sc.uf, NX);
  /* the buffers: before the loops, or in the outer loop's body */
  int bind = in;
  if (inouter) {
    L(in, "for (%s %s = 0; %s < %s; %s++) {\n", sc_ty[oty], sc.p, sc.p, rnd(2) ? "2" : oty ? (oty == 1 ? "(unsigned)n" : "(size_t)n") : "n", sc.p);
    bind = in + 1;
  }
  for (int b = 0; b < sc.nbuf; b++) {
    if (b == lastb && sc.nm[SN_INBODY]) continue;
    sc_alloc(bind, sc.b[b], bkind[b], sc.dn, sc.dval);
  }
  if (init) {
    if (bkind[0] == 2 && rnd(2)) L(bind, "/* calloc: zeros */\n");
    else L(bind, "for (int i = 0; i < %s; i++) %s[i] = 0.1 * x[i] + 0.2;\n", D, sc.b[0]);
  }
  if (sc.nm[SN_ALIAS]) L(bind, "double *%s = %s;\n", sc.h2, sc.b[0]);
  int lin = bind;
  if (nested && !inouter) {
    if (sum) L(in, "/* only a sum leaves this loop */\n");
    L(in, "for (%s %s = 0; %s < %s; %s++) {\n", sc_ty[oty], sc.p, sc.p, rnd(2) ? "2" : oty ? (oty == 1 ? "(unsigned)n" : "(size_t)n") : "n", sc.p);
    lin = in + 1;
  }
  /* the scratch loop, written to a buffer first: what the outer loop's
   * body may change before it is known after */
  FILE *saved = o;
  char *ltext;
  size_t llen;
  o = open_memstream(&ltext, &llen);
  if (!o) exit(2);
  if (sum && !nested) L(lin, "/* only a sum leaves this loop */\n");
  L(lin, "for (%s %s = 0; %s < %s; %s++) {\n", sc_ty[kty], sc.k, sc.k, sc_bound(kty, 0, 1), sc.k);
  int bi = lin + 1;
  if (sc.nm[SN_INBODY]) {
    int kind = rnd(5);
    sc_alloc(bi, sc.b[lastb], kind, sc.dn, sc.dval);
    bkind[lastb] = kind + 10;   /* freed in the body */
  }
  if (sc.nm[SN_READFIRST]) {
    int ty = rnd(3);
    L(bi, "for (%s j = 0; j < %s; j++) acc += 0.02 * tanh(%s[j]);\n", sc_ty[ty], sc_bound(ty, 0, 0), sc.b[0]);
  }
  if (sc.nm[SN_SCARRY]) L(bi, "acc += 0.05 * %s * x[%u];\n", sc.sc, rnd(NX));
  /* the prefix: the pointer, the scalar, the fills, the triangle, a sum */
  if (sc.qkind == 1) {
    if (sc.p[0]) L(bi, "const double *%s = pr%d + ((%s + %s) %% 3) * %d;\n", sc.q, u, sc.p, sc.k, sc.S);
    else L(bi, "const double *%s = pr%d + (%s %% 3) * %d;\n", sc.q, u, sc.k, sc.S);
  } else if (sc.qkind == 2) {
    if (NX - sc.S + 1 > 1) L(bi, "const double *%s = x + %s %% %d;\n", sc.q, sc.k, NX - sc.S + 1);
    else L(bi, "const double *%s = x;\n", sc.q);
  }
  int vary_sc = sc.nm[SN_VARY] && sc.sc[0] && rnd(2);
  if (sc.sc[0]) {
    nsl = 0;
    sc_invariant_leaves(0, 0);
    if (scout) L(bi, "%s = ", sc.sc);
    else L(bi, "double %s = ", sc.sc);
    if (vary_sc) P("a%d * ", sc.wv);
    sx(1); P(";\n");
    if (rnd(4) == 0) { L(bi, "%s = %s * ", sc.sc, sc.sc); nsl = 0; sc_invariant_leaves(0, 1); sx(2); P(";\n"); }
  }
  {
    int ty = rnd(3), ind2 = bi;
    nsl = 0;
    sc_invariant_leaves(1, 1);
    if (sc.nm[SN_IF]) {
      switch (rnd(3)) {
      case 0: L(bi, "if (x[%s %% n] > -0.%u) {\n", sc.k, rnd(10)); break;
      case 1: L(bi, "if (a%u > 0.%u) {\n", var(), rnd(10)); break;
      default: L(bi, "if (%s %% 2 == 0) {\n", sc.k); break;
      }
      ind2++;
    }
    if (walk) L(ind2, "const double *w%d = %s;\n", u, sc.qkind ? (sc.qused = 1, sc.q) : "x");
    L(ind2, "for (%s i = 0; i < %s; i++)%s", sc_ty[ty], sc_bound(ty, sc.nm[SN_SHORT], 0), walk ? " {\n" : " ");
    if (walk) indent(ind2 + 1);
    P("%s[i] = ", sc.nm[SN_ALIAS] && rnd(2) ? (sc.h2used = 1, sc.h2) : sc.b[0]);
    if (sc.nm[SN_CARRY]) P("0.5 * %s[i] + ", sc.b[0]);
    if (sc.nm[SN_VARY] && !vary_sc) P("a%d * ", sc.wv);
    if (walk) P("*w%d * ", u);
    if (rnd(3) == 0) { /* xc = x - mu */
      if (rnd(2)) P("x[i] - ");
      else P("x[(%s + i) %% n] - ", sc.k);
    }
    sx(1); P(";\n");
    if (walk) {
      switch (rnd(4)) {
      case 0: L(ind2 + 1, "w%d++;\n", u); break;
      case 1: L(ind2 + 1, "++w%d;\n", u); break;
      case 2: L(ind2 + 1, "w%d += 1;\n", u); break;
      default: L(ind2 + 1, "w%d = w%d + 1;\n", u, u); break;
      }
      L(ind2, "}\n");
    }
    if (sc.nm[SN_IF]) L(bi, "}\n");
  }
  for (int b = 1; b < sc.nbuf; b++) {
    int ty = rnd(3);
    sc.bused[b - 1] = 1;
    L(bi, "for (%s i = 0; i < %s; i++) %s[i] = ", sc_ty[ty], sc_bound(ty, 0, 0), sc.b[b]);
    switch (rnd(4)) {
    case 0:
      if (sc.qkind) sc.qused = 1, P("%s[i] * %s[i];\n", sc.q, sc.b[b - 1]);
      else P("0.7 * %s[i];\n", sc.b[b - 1]);
      break;
    case 1:
      P("%s * %s[i]", sx_calls ? "exp(0.1 * i)" : "(1 + 0.1 * i)", sc.b[b - 1]);
      if (sc.sc[0]) sc.scused = 1, P(" * %s", sc.sc);
      P(";\n");
      break;
    case 2:
      if (sx_calls) P("sin(%s[i]) + 0.5 * %s[i];\n", sc.b[b - 1], sc.b[0]);
      else P("0.5 * %s[i] * %s[i] - 0.3 * %s[i];\n", sc.b[b - 1], sc.b[b - 1], sc.b[0]);
      sc.bused[0] = 1;
      break;
    default:
      nsl = 0;
      sc_invariant_leaves(1, 1);
      sl_add(NULL, "%s[i]", sc.b[b - 1]);
      sl_add(NULL, "%s[i]", sc.b[b - 1]);
      P("%s[i] * ", sc.b[b - 1]); sx(2); P(";\n");
      break;
    }
  }
  if (tri) {
    int ty = rnd(3), up = rnd(4) != 0, lity = rnd(2);
    const char *src = sc.b[0], *dst = sc.b[lastb];
    sc.bused[0] = 1;
    if (liout) L(bi, "%s = %s;\n", sc.li, D);
    else if (lity) L(bi, "size_t %s = %s;\n", sc.li, sc.dn ? "(size_t)n" : D);
    else L(bi, "int %s = %s;\n", sc.li, D);
    L(bi, "for (%s i = 0; i < %s; i++)\n", sc_ty[ty], sc_bound(ty, 0, 0));
    if (up) L(bi + 1, "for (%s j = i + 1; j < %s; j++) {\n", sc_ty[ty], sc_bound(ty, 0, 0));
    else L(bi + 1, "for (%s j = 0; j < i; j++) {\n", sc_ty[ty]);
    char coef[48];
    if (sc.qkind) snprintf(coef, sizeof coef, "%s[%s]", sc.q, sc.li), sc.qused = 1;
    else if (sx_calls) snprintf(coef, sizeof coef, "0.3 * sin(0.7 * %s)", sc.li);
    else snprintf(coef, sizeof coef, "0.2 * (%s %% 3)", sc.li);
    const char *a = up ? "j" : "i", *c = up ? "i" : "j";
    if (rnd(2)) L(bi + 2, "%s[%s] += %s * %s[%s];\n", dst, a, coef, src, c);
    else L(bi + 2, "%s[%s] = %s[%s] + %s * %s[%s];\n", dst, a, dst, a, coef, src, c);
    switch (rnd(4)) {
    case 0: L(bi + 2, "%s++;\n", sc.li); break;
    case 1: L(bi + 2, "++%s;\n", sc.li); break;
    case 2: L(bi + 2, "%s += 1;\n", sc.li); break;
    default: L(bi + 2, "%s = %s + 1;\n", sc.li, sc.li); break;
    }
    L(bi + 1, "}\n");
  }
  if (sc.sq[0]) {
    int ty = rnd(3), b = rnd(sc.nbuf), b2 = rnd(sc.nbuf);
    sc.bused[b] = sc.bused[b2] = 1;
    L(bi, "double %s = 0;\n", sc.sq);
    L(bi, "for (%s i = 0; i < %s; i++) ", sc_ty[ty], sc_bound(ty, 0, 0));
    if (!sx_calls || rnd(2)) P("%s += %s[i] * %s[i];\n", sc.sq, sc.b[b], sc.b[b2]);
    else P("%s = %s + log(1.5 + sin(%s[i]) * cos(%s[i]));\n", sc.sq, sc.sq, sc.b[b], sc.b[b2]);
  }
  if (hasm) {
    sc.bused[0] = 1;
    L(bi, "double %s = 0.5 * %s[0] - 0.3 * %s[%d];\n", sc.m, sc.b[0], sc.b[rnd(sc.nbuf)], sc.dval - 1);
  }
  /* the rest: uses of the scratch values */
  int kinds[8], nk = 0;
  kinds[nk++] = rnd(3);
  if (hasm) kinds[nk++] = 8;
  if (tri && sc.qkind && rnd(3) == 0) kinds[nk++] = 7;
  if (rnd(2)) kinds[nk++] = rnd(3);
  if (sc.wv >= 0) kinds[nk++] = 3;
  if (sc.nm[SN_LIT]) kinds[nk++] = 4;
  if (sc.nm[SN_SHIFT]) kinds[nk++] = 5;
  for (int i = nk - 1; i > 0; i--) { /* shuffle */
    int j = (int)rnd((unsigned)i + 1), t = kinds[i];
    kinds[i] = kinds[j], kinds[j] = t;
  }
  if (sc.o[0]) {
    L(bi, "%s[%s] = ", sc.o, sc.k);
    if (sc.sq[0]) sc.squsedr = 1, P("-0.5 * %s", sc.sq);
    else P("0.3 * tanh(%s[0])", sc_rbuf(rnd(sc.nbuf)));
    if (sc.qkind) sc.qused = 1, P(" + sin(%s[0])", sc.q);
    if (sc.sc[0]) sc.scused = 1, P(" + 0.2 * %s", sc.sc);
    P(";\n");
  }
  for (int i = 0; i < nk; i++) {
    if (i == 1 && rnd(6) == 0 && !sc.nm[SN_INBODY]) /* (not past a free in the body) */
      L(bi, "if (x[%s %% n] > 0.%u) continue;\n", sc.k, rnd(10));
    sc_rest(bi, kinds[i]);
  }
  if (rnd(4) == 0) { /* random statements of the simple kinds */
    depth_stmt += 2;
    block(bi, 1 + rnd(2));
    depth_stmt -= 2;
  }
  if (sum && rnd(5) == 0) /* the sum scaled, not added to: no longer a sum loop */
    L(bi, "if (x[%s %% n] > 0.%u) acc = 0.5 * acc;\n", sc.k, rnd(10));
  if (sc.nm[SN_INPLACE]) sc_rest(bi, 6);
  if (sc.nm[SN_LIW] && tri) L(bi, "%s += 2;\n", sc.li);   /* the running index, changed after the prefix */
  if (sc.nm[SN_PRW] && sc.qkind == 1) /* the parameters the prefix reads, changed by the body */
    L(bi, "pr%d[(%s %% 3) * %d] = 0.9 * pr%d[(%s %% 3) * %d] + 0.05 * x[%s %% n];\n", u, sc.k, sc.S, u, sc.k, sc.S,
      sc.k);
  /* whatever no statement read yet */
  for (int b = 0; b < sc.nbuf; b++)
    if (!sc.bused[b]) {
      int ty = rnd(3);
      sc.bused[b] = 1;
      L(bi, "for (%s j = 0; j < %s; j++) acc += 0.05 * sin(%s[j]) * x[1];\n", sc_ty[ty], sc_bound(ty, 0, 0), sc.b[b]);
    }
  if ((sc.sc[0] && !sc.scused && !sc.nm[SN_SCARRY]) || (sc.qkind && !sc.qused) || (sc.sq[0] && !sc.squsedr) ||
      (sc.h2[0] && !sc.h2used) || (sc.uf[0] && !sc.ufused)) {
    L(bi, "acc += 0.01 * tanh(0.5");
    if (sc.sc[0] && !sc.nm[SN_SCARRY] && !sc.scused) P(" + %s", sc.sc);
    if (sc.qkind && !sc.qused) P(" + %s[1]", sc.q);
    if (sc.sq[0] && !sc.squsedr) P(" + %s", sc.sq);
    if (sc.h2[0] && !sc.h2used) P(" + %s[0]", sc.h2);
    if (sc.uf[0] && !sc.ufused) P(" + %s[1]", sc.uf);
    P(");\n");
  }
  if (sc.nm[SN_INBODY]) sc_free(bi, sc.b[lastb], bkind[lastb] - 10);
  L(lin, "}\n");
  fclose(o);
  o = saved;
  /* the outer loop's body changes what the prefix read: the reverse sweep
   * of its iteration must give it back before computing the prefix again */
  char outerw[200] = "";
  {
    int opt[NVARS + 5], no = 0;
    for (int v = 0; v < NVARS; v++)
      if (sc.aread[v]) opt[no++] = v;
    for (int c = 0; c < 4; c++)
      if (sc.tread[c]) opt[no++] = 10 + c;
    if (sc.qkind == 1) opt[no++] = 20;
    int w = no && ow <= 2 ? opt[rnd(no)] : -1;
    if (w >= 0 && w < 10)
      snprintf(outerw, sizeof outerw, "a%d = 0.6 * a%d + 0.3 * tanh(x[%s %% n] * a%d);\n", w, w, sc.p, w);
    else if (w >= 10 && w < 20)
      snprintf(outerw, sizeof outerw, "t[%d] = 0.5 * t[%d] + 0.2 * sin(x[%s %% n] + t[%d]);\n", w - 10, w - 10, sc.p,
               w - 10);
    else if (w == 20)
      snprintf(outerw, sizeof outerw, "for (int j = 0; j < 3 * %d; j++) pr%d[j] = 0.9 * pr%d[j] + 0.05 * sin(x[j %% n] * pr%d[j]);\n",
               sc.S, u, u, u);
  }
  if (ufill) L(lin, "for (int i = 0; i < n; i++) %s[i] = 0.5 * sin(x[(%s + i) %% n]) + 0.1 * %s;\n", sc.uf, sc.p, sc.p);
  if (ow == 2 && outerw[0]) L(lin, "%s", outerw);
  fwrite(ltext, 1, llen, o);
  free(ltext);
  /* after the scratch loop: its results, read; in the outer loop's body if any */
  if (sc.o[0]) {
    int ty = rnd(3);
    if (rnd(2)) {
      L(lin, "{\n");
      L(lin + 1, "double mx = %s[0], se = 0;\n", sc.o);
      L(lin + 1, "for (%s j = 1; j < %s; j++)\n", sc_ty[ty], sc_bound(ty, 0, 1));
      L(lin + 2, "if (%s[j] > mx) mx = %s[j];\n", sc.o, sc.o);
      L(lin + 1, "for (%s j = 0; j < %s; j++) se += exp(%s[j] - mx);\n", sc_ty[ty], sc_bound(ty, 0, 1), sc.o);
      L(lin + 1, "acc += 0.1 * (log(se) + mx);\n");
      L(lin, "}\n");
    } else {
      L(lin, "for (%s j = 0; j < %s; j++) acc += 0.1 * tanh(%s[j]) * %s[j];\n", sc_ty[ty], sc_bound(ty, 0, 1), sc.o,
        sc.o);
    }
  }
  if (sc.nm[SN_AFTER]) L(lin, "acc += 0.1 * %s[0] * %s[%s - 1];\n", sc.b[0], sc.b[0], D);
  if (ow < 2 && outerw[0]) L(lin, "%s", outerw);
  if (nested && !inouter) L(in, "}\n");
  for (int b = 0; b < sc.nbuf; b++)
    if (!(b == lastb && sc.nm[SN_INBODY])) sc_free(bind, sc.b[b], bkind[b]);
  if (inouter) L(in, "}\n");
  if (hasout) sc_free(in, sc.o, outkind);
  L(ind, "}\n");
}

/* CUSTOM: calls of functions with the user's derivatives: as a statement's
 * value and inside expressions, overwriting their argument, in loops, in
 * conditions, nested, with inactive arguments (a dummy adjoint, NULL for an
 * array), on array elements and struct members, through a helper */
static int nobox;   /* HESSIAN: cbox's g_jvp has no body to differentiate */
static void f_custom(int ind) {
  int u = uid++;
  unsigned v = var(), w = var(), k = rnd(NX);
  use(H_CSOFT);
  switch (rnd(9)) {
  case 0: /* the argument overwritten by the value */
    L(ind, "a%u = 0.5 * csoft(a%u - 0.3 * x[%u]);\n", v, v, k);
    break;
  case 1: /* inside an expression, and an inactive first argument */
    use(H_CMUL);
    indent(ind); P("acc += 0.3 * cmul(a%u, x[%u]) + 0.2 * cmul(%s, ", v, k, rnd(2) ? "0.5" : "n * 0.1"); texpr(1); P(");\n");
    break;
  case 2: /* arrays: active, inactive (a NULL adjoint), slices */
    use(H_CDOT);
    L(ind, "{\n");
    L(ind + 1, "double cw%d[4] = {0.1, 0.2, 0.3, 0.4};\n", u);
    switch (rnd(4)) {
    case 0: L(ind + 1, "acc += 0.2 * cdot(x, t, NT);\n"); break;
    case 1: L(ind + 1, "acc += 0.2 * cdot(cw%d, x + %u, 3);\n", u, rnd(3)); break;
    case 2: L(ind + 1, "a%u = 0.3 * cdot(t, cw%d, 4) + 0.5 * a%u;\n", v, u, w); break;
    default: L(ind + 1, "acc += 0.1 * cdot(&t[1], &x[%u], 2);\n", rnd(4)); break;
    }
    L(ind, "}\n");
    break;
  case 3: /* in a loop over x */
    L(ind, "for (int j%d = 0; j%d < n; j%d++) acc += 0.1 * csoft(x[j%d] * a%u);\n", u, u, u, u, v);
    break;
  case 4: /* in a condition */
    use(H_CMUL);
    L(ind, "if (csoft(a%u) > 0.9) a%u = 0.5 * a%u;\n", v, w, w);
    L(ind, "else a%u += 0.1 * cmul(a%u, a%u);\n", w, w, v);
    break;
  case 5: /* nested */
    use(H_CMUL);
    L(ind, "a%u = 0.5 * csoft(0.3 * cmul(a%u, x[%u]));\n", v, w, k);
    break;
  case 6: /* array elements and struct members */
    use(H_CMUL);
    if (rnd(2)) L(ind, "t[%u] = csoft(0.5 * t[%u]);\n", rnd(4), rnd(4));
    else L(ind, "s.%s = 0.5 * cmul(s.u, s.v);\n", rnd(2) ? "u" : "v");
    break;
  case 7: /* through a helper that gradc differentiates */
    use(H_CWRAP);
    L(ind, "a%u = 0.4 * cwrap(a%u, x[%u]);\n", v, w, k);
    break;
  default: /* a function with no body: only its derivatives */
    if (nobox) { L(ind, "acc += 0.2 * csoft(x[%u] - a%u);\n", k, v); break; }
    use(H_CBOX);
    L(ind, "acc += cbox(a%u + x[%u]);\n", v, k);
    break;
  }
}

static void (*const feature_stmt[NFEAT])(int) = {
  f_arr, f_inplace, f_row, f_struct, f_malloc, f_unsigned, f_float, f_condside, f_short, f_alias, f_walk, f_goto,
  f_ckpt, f_par, f_scratch, f_custom,
};
static const char *const feature_name[NFEAT] = {
  "ARR", "INPLACE", "ROW", "STRUCT", "MALLOC", "UNSIGNED", "FLOAT", "CONDSIDE", "SHORT", "ALIAS", "WALK", "GOTO",
  "CKPT", "PAR", "SCRATCH", "CUSTOM",
};

/* The statement kinds of the original generator, then the features. */
static void classic(int ind, unsigned kind) {
  char lv[32];
  switch (kind) {
  case 0: case 1:
    L(ind, "a%u = ", var()); expr(0); P(";\n");
    break;
  case 2:
    snprintf(lv, sizeof lv, "a%u", var());
    L(ind, "%s %s ", lv, rnd(2) ? "+=" : "*="); expr(1); P(";\n");
    squash(ind, lv);
    break;
  case 3:
    snprintf(lv, sizeof lv, "t[%u]", rnd(4));
    L(ind, "%s = %s * ", lv, lv); expr(1); P(" + "); leaf(); P(";\n");
    squash(ind, lv);
    break;
  case 4:
    L(ind, "s.%s = ", rnd(2) ? "u" : "v"); expr(1); P(";\n");
    break;
  case 5:
    L(ind, "acc += "); expr(1); P(";\n");
    break;
  case 6: /* a branch on data */
    depth_stmt++;
    indent(ind); P("if ("); leaf(); P(" > "); leaf(); P(") {\n");
    block(ind + 1, 1 + rnd(2));
    L(ind, "} else {\n");
    block(ind + 1, 1 + rnd(2));
    L(ind, "}\n");
    depth_stmt--;
    break;
  case 7: /* a counted loop, with continue */
    depth_stmt++;
    if (rnd(3) == 0) L(ind, "FOR_N(i%d, n) {   /* a loop a macro writes */\n", ind);
    else L(ind, "for (int i%d = 0; i%d < n; i%d++) {\n", ind, ind, ind);
    L(ind + 1, "if (i%d %% 3 == %u) continue;\n", ind, rnd(3));
    L(ind + 1, "a%u += 0.3 * x[i%d] * ", var(), ind); expr(2); P(";\n");
    block(ind + 1, 1 + rnd(2));
    L(ind, "}\n");
    depth_stmt--;
    break;
  case 8: /* a data-dependent loop with break */
    depth_stmt++;
    L(ind, "{\n");
    L(ind + 1, "int k = 0;\n");
    L(ind + 1, "while (k < 6) {\n");
    L(ind + 2, "a%u = 0.7 * a%u + 0.2 * ", var(), var()); expr(2); P(";\n");
    L(ind + 2, "if (a%u > 1.2) break;\n", var());
    L(ind + 2, "k++;\n");
    L(ind + 1, "}\n");
    L(ind, "}\n");
    depth_stmt--;
    break;
  case 9: /* a pointer walk */
    L(ind, "{\n");
    L(ind + 1, "const double *p = x;\n");
    L(ind + 1, "for (int j = 0; j < n; j++) acc += 0.1 * *p++ * a%u;\n", var());
    L(ind, "}\n");
    break;
  default: /* a call with an out parameter and a recursive call */
    use(H_SCALE2); use(H_POWER);
    indent(ind); P("scale2(&t[%u], ", rnd(4)); expr(1); P(");\n");
    L(ind, "acc += 0.1 * power(a%u, %u);\n", var(), 1 + rnd(3));
    break;
  }
}

static void stmt(int ind) {
  /* the simple kinds 0..5 only when nested deeply; features weigh 2 */
  unsigned nclassic = depth_stmt >= 2 ? 6 : 11, nf = 0;
  int feats[NFEAT];
  if (depth_stmt < 2)
    for (int i = 0; i < NFEAT; i++)
      if (on[i]) feats[nf++] = i;
  unsigned k = rnd(nclassic + 2 * nf);
  if (k < nclassic) classic(ind, k);
  else feature_stmt[feats[(k - nclassic) / 2]](ind);
}

int main(int argc, char **argv) {
  state = argc > 1 ? strtoull(argv[1], NULL, 10) * 2654435761ULL + 1 : 1;
  for (int i = 0; i < 4; i++) rnd(2);
  for (int i = 0; i < PAR; i++) on[i] = rnd(100) < 35;
  par_continue = !getenv("GEN_PAR_CONTINUE") || atoi(getenv("GEN_PAR_CONTINUE"));
  par_arrays = !getenv("GEN_PAR_ARRAYS") || atoi(getenv("GEN_PAR_ARRAYS"));
  /* PAR is drawn from a stream of its own: the programs without it are
   * those that the seed gave before PAR existed */
  {
    unsigned long long z = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ z >> 27) * 0x94D049BB133111EBULL;
    on[PAR] = (z ^ z >> 31) % 100 < 35;
  }
  /* and SCRATCH from another: the programs without it are those that the
   * seed gave before SCRATCH existed */
  {
    unsigned long long z = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) + 0x632BE59BD9B4E019ULL;
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ z >> 27) * 0x94D049BB133111EBULL;
    on[SCRATCH] = (z ^ z >> 31) % 100 < 20;
  }
  /* and HESSIAN from a third (f also gets GRADC_HESSIAN, checked in the
   * main; 7% of the programs: each takes about 8 s more of the suite) */
  int hess;
  {
    unsigned long long z = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) + 0xD1B54A32D192ED03ULL;
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ z >> 27) * 0x94D049BB133111EBULL;
    hess = (z ^ z >> 31) % 100 < 7;
  }
  /* and CUSTOM from a fourth (programs without it are as before it) */
  {
    unsigned long long z = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) + 0x8CB92BA72F3D8DD7ULL;
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ z >> 27) * 0x94D049BB133111EBULL;
    on[CUSTOM] = (z ^ z >> 31) % 100 < 15;
  }
  nobox = hess;

  /* the body: random statements, with one of each feature turned on at a
   * random place among them */
  char *body;
  size_t bodylen;
  o = open_memstream(&body, &bodylen);
  if (!o) return 2;
  int nstmt = 4 + rnd(5), forced[NFEAT], nforced = 0;
  for (int i = 0; i < NFEAT; i++)
    if (on[i]) forced[nforced++] = i;
  int slot[NFEAT];
  for (int i = 0; i < nforced; i++) slot[i] = rnd(nstmt + 1);
  for (int s = 0; s <= nstmt; s++) {
    for (int i = 0; i < nforced; i++)
      if (slot[i] == s) feature_stmt[forced[i]](1);
    if (s < nstmt) stmt(1);
  }
  fclose(o);
  o = stdout;
  /* UNNAMED: a pointer parameter that carries derivatives but is named in
   * neither wrt nor out (issue 15): gradc must refuse it, in both modes */
  int unnamed = rnd(100) < 8, unnamed_helper = rnd(2);
  int across = !unnamed && rnd(100) < 25, moved[NHELP] = {0}, nmoved = 0;
  for (int h = 0; h < NHELP && across; h++)
    if (used[h] && across_proto[h] && !inpar[h]) moved[h] = 1, nmoved++;
  if (!nmoved) across = 0;
  hess = hess && !across && !unnamed;

  P("/* generated by tests/difftest/gen %s; forms:", argc > 1 ? argv[1] : "1");
  for (int i = 0; i < NFEAT; i++)
    if (on[i]) P(" %s", feature_name[i]);
  if (unnamed) P(" UNNAMED");
  if (across) P(" ACROSS");
  if (hess) P(" HESSIAN");
  P(" */\n");
  if (on[PAR]) P("/* OPENMP: differentiate with gradc ... -- -fopenmp, compile with -fopenmp */\n");
  if (unnamed) P("/* EXPECT: refused, 'st' has no adjoint */\n");
  P("#include <math.h>\n#include <stddef.h>\n#include <stdlib.h>\n#include <gradc.h>\n\n");
  if (across) P("#include \"helpers.h\"\n\n");
  else P("typedef struct { double u, v; } pair;\n\n");
  P("enum { NT = 4 };   /* an untagged enum: the generated file needs its constants */\n");
  P("#define FOR_N(i, n) for (int i = 0; i < (n); i++)\n\n");
  for (int h = 0; h < NHELP; h++)
    if (used[h] && !moved[h]) P("%s", helper_text[h]);
  if (unnamed && unnamed_helper) P("static void put(double *p, double v) { p[0] = v * v; }\n");
  P("\nGRADC_GRAD(wrt(x))\n%sdouble f(const double *x, %sint n) {\n",
    across ? "" : hess ? "GRADC_JVP(wrt(x))\nGRADC_HESSIAN(wrt(x))\n" : "GRADC_JVP(wrt(x))\n", unnamed ? "double *st, " : "");
  P("  double a0 = x[0], a1 = x[1], a2 = x[2] * x[3], a3 = 0.5;\n");
  P("  double t[NT] = {x[4], x[1], 0.25, x[0]};\n");
  P("  pair s = {x[2], x[3]};\n");
  P("  double acc = 0;\n");
  fwrite(body, 1, bodylen, stdout);
  free(body);
  if (unnamed) {
    P(unnamed_helper ? "  put(st, a0 * x[1]);\n" : "  st[0] = a0 * x[1];\n");
    P("  acc += 0.5 * st[0];\n");
  }
  P("  return acc + a0 + 0.5 * a1 - a2 * a3 + t[0] * t[1] + t[2] - t[3] + s.u * s.v;\n}\n\n");
  if (unnamed) return 0;   /* nothing to run: gradc must refuse */

  /* float rounding (about 6e-8) makes f a staircase at that scale: wider
   * steps, and tolerances above the rounding */
  int fl = on[FLOAT];
  const char *h1 = fl ? "1e-3" : "1e-5", *h2 = fl ? "1e-4" : "1e-6";
  const char *fdtol = fl ? "2e-3" : "1e-6", *dottol = fl ? "1e-5" : "1e-12", *valtol = fl ? "1e-6" : "1e-14";
  /* PAR: f and f_grad's forward sweep split a reduction's terms among the
   * threads each in its own way; at one thread, alike */
  if (on[PAR] && !fl) valtol = "VALTOL";

  /* the main runs only with f's file: it comes before the other two */
  P("#ifdef GRADCHECK_MAIN\n#include <stdio.h>\n");
  if (used[H_CBOX])
    P("double cbox(double z) { return z / sqrt(1 + z * z); }\n"
      "double cbox_rev(double z, double *z_bar, double ret_bar) {\n"
      "  *z_bar += ret_bar / ((1 + z * z) * sqrt(1 + z * z));\n  return cbox(z);\n}\n"
      "double cbox_jvp(double z, double z_dot, double *ret_dot) {\n"
      "  *ret_dot = z_dot / ((1 + z * z) * sqrt(1 + z * z));\n  return cbox(z);\n}\n");
  if (on[PAR] && !fl)
    P("#ifdef _OPENMP\n#include <omp.h>\n#define VALTOL (omp_get_max_threads() > 1 ? 1e-12 : 1e-14)\n"
      "#else\n#define VALTOL 1e-14\n#endif\n");
  P("double f_grad(const double *x, double *x_bar, int n);\n");
  P("double f_jvp(const double *x, const double *x_dot, int n, double *ret_dot);\n");
  P("\n");
  if (hess) P("double f_hvp(const double *x, const double *x_v, double *x_hv, int n);\n\n");
  /* the Hessian along u: central differences of the gradient */
  if (hess) P("static void fdg(const double *x, const double *u, double h, double *d) {\n"
    "  double xp[%d], xm[%d], gp[%d] = {0}, gm[%d] = {0};\n"
    "  for (int i = 0; i < %d; i++) xp[i] = x[i] + h * u[i], xm[i] = x[i] - h * u[i];\n"
    "  f_grad(xp, gp, %d);\n  f_grad(xm, gm, %d);\n"
    "  for (int i = 0; i < %d; i++) d[i] = (gp[i] - gm[i]) / (2 * h);\n}\n\n", NX, NX, NX, NX, NX, NX, NX, NX);
  P("static double fd(double *x, int i, double h) {\n"
    "  double s = x[i];\n"
    "  x[i] = s + h; double fp = f(x, %d);\n"
    "  x[i] = s - h; double fm = f(x, %d);\n"
    "  x[i] = s;\n  return (fp - fm) / (2 * h);\n}\n\n", NX, NX);
  P("int main(void) {\n");
  P("  double x[%d] = {", NX);
  for (int i = 0; i < NX; i++) P("%s%s0.%u%u", i ? ", " : "", rnd(2) ? "-" : "", 1 + rnd(9), rnd(10));
  P("};\n  double g[%d] = {0}, u[%d] = {", NX, NX);
  for (int i = 0; i < NX; i++) P("%s0.%u", i ? ", " : "", 1 + rnd(9));
  P("};\n");
  P("  double v = f_grad(x, g, %d);\n", NX);
  /* the same C in another file: equal up to what the compiler may change
   * (gcc can pair sin and cos into sincos in one file and not the other) */
  P("  if (!(fabs(v - f(x, %d)) <= %s * (fabs(v) > 1 ? fabs(v) : 1))) {\n", NX, valtol);
  P("    printf(\"FAIL value %%.17g %%.17g\\n\", v, f(x, %d));\n    return 1;\n  }\n", NX);
  P("  int skipped = 0;\n");
  P("  for (int i = 0; i < %d; i++) {\n", NX);
  P("    double d1 = fd(x, i, %s), d2 = fd(x, i, %s);\n", h1, h2);
  P("    double sc = fabs(d1) > 1 ? fabs(d1) : 1;\n");
  P("    if (fabs(d1 - d2) > %s * sc) { skipped = 1; continue; }   /* a kink */\n", fdtol);
  P("    if (!(fabs(g[i] - d1) <= %s * sc)) {\n", fdtol);
  P("      printf(\"FAIL d/dx[%%d]: gradc %%.15g, finite differences %%.15g\\n\", i, g[i], d1);\n");
  P("      return 1;\n    }\n  }\n");
  if (!across) {
    P("  double t, dot = 0;\n");
    P("  f_jvp(x, u, %d, &t);\n", NX);
    P("  for (int i = 0; i < %d; i++) dot += u[i] * g[i];\n", NX);
    P("  if (!(fabs(t - dot) <= %s * (fabs(dot) > 1 ? fabs(dot) : 1))) {\n", dottol);
    P("    printf(\"FAIL dot product: jvp %%.17g, <u, grad> %%.17g\\n\", t, dot);\n    return 1;\n  }\n");
  }
  if (hess) {
    /* H u against central differences of f_grad along u, skipped where the
     * two step sizes disagree (a kink in the gradient) */
    P("  double hv[%d] = {0}, e1[%d], e2[%d];\n", NX, NX, NX);
    P("  double hval = f_hvp(x, u, hv, %d);\n", NX);
    P("  if (!(fabs(hval - v) <= %s * (fabs(v) > 1 ? fabs(v) : 1))) {\n", valtol);
    P("    printf(\"FAIL f_hvp's value %%.17g, f_grad's %%.17g\\n\", hval, v);\n    return 1;\n  }\n");
    P("  fdg(x, u, %s, e1);\n  fdg(x, u, %s, e2);\n", h1, h2);
    P("  for (int i = 0; i < %d; i++) {\n", NX);
    P("    double sc = fabs(e1[i]) > 1 ? fabs(e1[i]) : 1;\n");
    P("    if (fabs(e1[i] - e2[i]) > %s * sc) { skipped = 1; continue; }\n", fl ? "5e-3" : "1e-5");
    P("    if (!(fabs(hv[i] - e1[i]) <= %s * sc)) {\n", fl ? "5e-3" : "1e-5");
    P("      printf(\"FAIL (H u)[%%d]: gradc %%.15g, differences of f_grad %%.15g\\n\", i, hv[i], e1[i]);\n");
    P("      return 1;\n    }\n  }\n");
  }
  if (across) P("  (void)u;\n");
  P("  printf(skipped ? \"skip\\n\" : \"pass\\n\");\n  return 0;\n}\n#endif\n");
  if (!across) return 0;

  /* ACROSS: the other two files */
  P("//@@ helpers.h\n#include <stddef.h>\n#include <gradc.h>\n\n");
  P("typedef struct { double u, v; } pair;\n\n");
  for (int h = 0; h < NHELP; h++)
    if (moved[h]) P("%s", across_proto[h]);
  P("//@@ helpers.c\n#include <math.h>\n#include <stddef.h>\n#include \"helpers.h\"\n\n");
  for (int h = 0; h < NHELP; h++)
    if (moved[h]) P("%s", helper_text[h] + 7);   /* without "static " */
  return 0;
}
