/* gen.c: writes a random, well-defined numeric C function for differential
 * testing of gradc, with a main that checks its gradient.
 *
 *   gen SEED > case.c
 *
 * The function f(x, n) uses what gradc supports: locals overwritten many
 * times, a local array and a struct, if/else on data, counted and
 * data-dependent loops with break and continue, calls to helpers (one of
 * them recursive), pointer walks and libm. Every expression is kept bounded
 * (arguments of exp, log, sqrt, pow are squashed first), so f is smooth
 * almost everywhere and never overflows. The main (under GRADCHECK_MAIN)
 * compares f_grad with central differences at two step sizes, skipping an
 * input where those disagree with each other (a branch switched: a kink),
 * and checks the dot-product test <f_jvp(u), 1> = <u, f_grad>. It prints one
 * line, "pass", "skip" or "FAIL ...", and exits 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long state;

static unsigned rnd(unsigned n) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(state >> 33) % n;
}

enum { NVARS = 4, NX = 5, MAXDEPTH = 3 };
static int depth_stmt;

static void expr(int depth);

/* A value read: a variable, an input, an array or struct element. */
static void leaf(void) {
  switch (rnd(6)) {
  case 0: printf("x[%u]", rnd(NX)); break;
  case 1: printf("t[%u]", rnd(4)); break;
  case 2: printf("s.%s", rnd(2) ? "u" : "v"); break;
  case 3: printf("%u.%u", rnd(3), rnd(10)); break;
  default: printf("a%u", rnd(NVARS)); break;
  }
}

/* A bounded expression: results stay within a few units of the inputs. */
static void expr(int depth) {
  if (depth >= MAXDEPTH) { leaf(); return; }
  switch (rnd(14)) {
  case 0: case 1: printf("("); expr(depth + 1); printf(" + "); expr(depth + 1); printf(")"); break;
  case 2: printf("("); expr(depth + 1); printf(" - "); expr(depth + 1); printf(")"); break;
  case 3: case 4: printf("0.5 * "); expr(depth + 1); printf(" * tanh("); expr(depth + 1); printf(")"); break;
  case 5: printf("sin("); expr(depth + 1); printf(")"); break;
  case 6: printf("cos("); expr(depth + 1); printf(")"); break;
  case 7: printf("exp(tanh("); expr(depth + 1); printf("))"); break;
  case 8: printf("log(1.5 + sin("); expr(depth + 1); printf("))"); break;
  case 9: printf("sqrt(1.5 + sin("); expr(depth + 1); printf("))"); break;
  case 10: printf("("); expr(depth + 1); printf(") / (2 + cos("); expr(depth + 1); printf("))"); break;
  case 11: printf("pow(1.25 + sin("); expr(depth + 1); printf("), 1.5)"); break;
  case 12: printf("atan("); expr(depth + 1); printf(")"); break;
  default: printf("helper%u(", rnd(2)); expr(depth + 1); printf(", "); expr(depth + 1); printf(")"); break;
  }
}

static void indent(int n) { for (int i = 0; i < n; i++) printf("  "); }

static void stmt(int ind);

static void block(int ind, int n) {
  for (int i = 0; i < n; i++) stmt(ind);
}

/* Keeps a variable bounded after it is updated. */
static void squash(int ind, const char *lv) {
  indent(ind);
  printf("%s = 2 * tanh(0.5 * %s);\n", lv, lv);
}

static void stmt(int ind) {
  char lv[32];
  switch (rnd(depth_stmt >= 2 ? 6 : 11)) {
  case 0: case 1:
    indent(ind); printf("a%u = ", rnd(NVARS)); expr(0); printf(";\n");
    break;
  case 2:
    snprintf(lv, sizeof lv, "a%u", rnd(NVARS));
    indent(ind); printf("%s %s ", lv, rnd(2) ? "+=" : "*="); expr(1); printf(";\n");
    squash(ind, lv);
    break;
  case 3:
    snprintf(lv, sizeof lv, "t[%u]", rnd(4));
    indent(ind); printf("%s = %s * ", lv, lv); expr(1); printf(" + "); leaf(); printf(";\n");
    squash(ind, lv);
    break;
  case 4:
    indent(ind); printf("s.%s = ", rnd(2) ? "u" : "v"); expr(1); printf(";\n");
    break;
  case 5:
    indent(ind); printf("acc += "); expr(1); printf(";\n");
    break;
  case 6: /* a branch on data */
    depth_stmt++;
    indent(ind); printf("if ("); leaf(); printf(" > "); leaf(); printf(") {\n");
    block(ind + 1, 1 + rnd(2));
    indent(ind); printf("} else {\n");
    block(ind + 1, 1 + rnd(2));
    indent(ind); printf("}\n");
    depth_stmt--;
    break;
  case 7: /* a counted loop, with continue */
    depth_stmt++;
    indent(ind); printf("for (int i%d = 0; i%d < n; i%d++) {\n", ind, ind, ind);
    indent(ind + 1); printf("if (i%d %% 3 == %u) continue;\n", ind, rnd(3));
    indent(ind + 1); printf("a%u += 0.3 * x[i%d] * ", rnd(NVARS), ind); expr(2); printf(";\n");
    block(ind + 1, 1 + rnd(2));
    indent(ind); printf("}\n");
    depth_stmt--;
    break;
  case 8: /* a data-dependent loop with break */
    depth_stmt++;
    indent(ind); printf("{\n");
    indent(ind + 1); printf("int k = 0;\n");
    indent(ind + 1); printf("while (k < 6) {\n");
    indent(ind + 2); printf("a%u = 0.7 * a%u + 0.2 * ", rnd(NVARS), rnd(NVARS)); expr(2); printf(";\n");
    indent(ind + 2); printf("if (a%u > 1.2) break;\n", rnd(NVARS));
    indent(ind + 2); printf("k++;\n");
    indent(ind + 1); printf("}\n");
    indent(ind); printf("}\n");
    depth_stmt--;
    break;
  case 9: /* a pointer walk */
    indent(ind); printf("{\n");
    indent(ind + 1); printf("const double *p = x;\n");
    indent(ind + 1); printf("for (int j = 0; j < n; j++) acc += 0.1 * *p++ * a%u;\n", rnd(NVARS));
    indent(ind); printf("}\n");
    break;
  default: /* a call with an out parameter and a recursive call */
    indent(ind); printf("scale2(&t[%u], ", rnd(4)); expr(1); printf(");\n");
    indent(ind); printf("acc += 0.1 * power(a%u, %u);\n", rnd(NVARS), 1 + rnd(3));
    break;
  }
}

int main(int argc, char **argv) {
  state = argc > 1 ? strtoull(argv[1], NULL, 10) * 2654435761ULL + 1 : 1;
  for (int i = 0; i < 4; i++) rnd(2);
  printf("/* generated by tests/difftest/gen %s */\n", argc > 1 ? argv[1] : "1");
  printf("#include <math.h>\n#include <gradc.h>\n\n");
  printf("typedef struct { double u, v; } pair;\n\n");
  printf("static double helper0(double p, double q) { return sin(p) * q + 0.5 * p; }\n");
  printf("static double helper1(double p, double q) { double r = p * q; r = tanh(r) + cos(q); return r * p; }\n");
  printf("static void scale2(double *out, double f) { *out = *out * 0.5 + 0.25 * tanh(f); }\n");
  printf("static double power(double b, int k) {\n  if (k == 0) return 1;\n  return b * power(b, k - 1);\n}\n\n");
  printf("GRADC_GRAD(wrt(x))\nGRADC_JVP(wrt(x))\ndouble f(const double *x, int n) {\n");
  printf("  double a0 = x[0], a1 = x[1], a2 = x[2] * x[3], a3 = 0.5;\n");
  printf("  double t[4] = {x[4], x[1], 0.25, x[0]};\n");
  printf("  pair s = {x[2], x[3]};\n");
  printf("  double acc = 0;\n");
  block(1, 4 + rnd(5));
  printf("  return acc + a0 + 0.5 * a1 - a2 * a3 + t[0] * t[1] + t[2] - t[3] + s.u * s.v;\n}\n\n");

  printf("#ifdef GRADCHECK_MAIN\n#include <stdio.h>\n");
  printf("double f_grad(const double *x, double *x_bar, int n);\n");
  printf("double f_jvp(const double *x, const double *x_dot, int n, double *ret_dot);\n\n");
  printf("static double fd(double *x, int i, double h) {\n"
         "  double s = x[i];\n"
         "  x[i] = s + h; double fp = f(x, %d);\n"
         "  x[i] = s - h; double fm = f(x, %d);\n"
         "  x[i] = s;\n  return (fp - fm) / (2 * h);\n}\n\n", NX, NX);
  printf("int main(void) {\n");
  printf("  double x[%d] = {", NX);
  for (int i = 0; i < NX; i++) printf("%s%s0.%u%u", i ? ", " : "", rnd(2) ? "-" : "", 1 + rnd(9), rnd(10));
  printf("};\n  double g[%d] = {0}, u[%d] = {", NX, NX);
  for (int i = 0; i < NX; i++) printf("%s0.%u", i ? ", " : "", 1 + rnd(9));
  printf("};\n");
  printf("  double v = f_grad(x, g, %d);\n", NX);
  /* the same C in another file: equal up to what the compiler may change
   * (gcc can pair sin and cos into sincos in one file and not the other) */
  printf("  if (!(fabs(v - f(x, %d)) <= 1e-14 * (fabs(v) > 1 ? fabs(v) : 1))) {\n", NX);
  printf("    printf(\"FAIL value %%.17g %%.17g\\n\", v, f(x, %d));\n    return 1;\n  }\n", NX);
  printf("  int skipped = 0;\n");
  printf("  for (int i = 0; i < %d; i++) {\n", NX);
  printf("    double d1 = fd(x, i, 1e-5), d2 = fd(x, i, 1e-6);\n");
  printf("    double sc = fabs(d1) > 1 ? fabs(d1) : 1;\n");
  printf("    if (fabs(d1 - d2) > 1e-6 * sc) { skipped = 1; continue; }   /* a kink */\n");
  printf("    if (!(fabs(g[i] - d1) <= 1e-6 * sc)) {\n");
  printf("      printf(\"FAIL d/dx[%%d]: gradc %%.15g, finite differences %%.15g\\n\", i, g[i], d1);\n");
  printf("      return 1;\n    }\n  }\n");
  printf("  double t, dot = 0;\n");
  printf("  f_jvp(x, u, %d, &t);\n", NX);
  printf("  for (int i = 0; i < %d; i++) dot += u[i] * g[i];\n", NX);
  printf("  if (!(fabs(t - dot) <= 1e-12 * (fabs(dot) > 1 ? fabs(dot) : 1))) {\n");
  printf("    printf(\"FAIL dot product: jvp %%.17g, <u, grad> %%.17g\\n\", t, dot);\n    return 1;\n  }\n");
  printf("  printf(skipped ? \"skip\\n\" : \"pass\\n\");\n  return 0;\n}\n#endif\n");
  return 0;
}
