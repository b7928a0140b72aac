/* Two things ADBench's LSTM cell does, as people write it: one allocation
 * split into named slices (forget = gates, ingate = gates + n, ...) filled
 * once each in one loop, and values computed by functions whose derivative
 * is their value (sigmoid, tanh, exp) stored into memory. The first fill of
 * a fresh slice destroys nothing (activity.c fresh_slice): no save; the
 * reverse sweep takes f'(u) from the stored value (act_by_value on memory),
 * saved where a later write through any name destroys it. The near misses
 * must keep their saves: slices that overlap, a slice written twice, a
 * slice written before the loop, two names for one slice; a value in memory
 * overwritten through a second name, through itself, in a local array, and
 * in float; and the cell's steps under GRADC_CHECKPOINT. Central
 * differences and the dot-product test; n is the size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gradc.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* three steps of a diagonal LSTM cell over n units, gates in one block */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double cell(int n, const double *w) {
  double *h = malloc(n * sizeof *h), *c = malloc(n * sizeof *c);
  for (int i = 0; i < n; i++) h[i] = 0.1 * i, c[i] = 0.2;
  double s = 0;
  for (int t = 0; t < 3; t++) {
    double *gates = malloc(4 * n * sizeof *gates);
    double *forget = gates, *ingate = gates + n, *outgate = gates + 2 * n, *change = gates + 3 * n;
    for (int i = 0; i < n; i++) {
      forget[i] = sigmoid(w[i] * h[i] + 0.1 * t);
      ingate[i] = sigmoid(w[(i + 1) % n] * h[i] - 0.2);
      outgate[i] = sigmoid(w[(i + 2) % n] + h[i]);
      change[i] = tanh(w[i] * c[i] + h[i]);
    }
    for (int i = 0; i < n; i++) c[i] = c[i] * forget[i] + ingate[i] * change[i];
    for (int i = 0; i < n; i++) h[i] = outgate[i] * tanh(c[i]);
    for (int i = 0; i < n; i++) s += h[i] * w[i];
    free(gates);
  }
  free(h);
  free(c);
  return s;
}

/* the same, its steps checkpointed: the slices of the block each step
 * allocates are no state of the loop (rev_ckpt.c ck_derived) */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double ckpt_cell(int n, const double *w) {
  double *h = malloc(n * sizeof *h), *c = malloc(n * sizeof *c);
  for (int i = 0; i < n; i++) h[i] = 0.1 * i, c[i] = 0.2;
  double s = 0;
  GRADC_CHECKPOINT(2);
  for (int t = 0; t < 3; t++) {
    double *gates = malloc(4 * n * sizeof *gates);
    double *forget = gates, *ingate = gates + n, *outgate = gates + 2 * n, *change = gates + 3 * n;
    for (int i = 0; i < n; i++) {
      forget[i] = sigmoid(w[i] * h[i] + 0.1 * t);
      ingate[i] = sigmoid(w[(i + 1) % n] * h[i] - 0.2);
      outgate[i] = sigmoid(w[(i + 2) % n] + h[i]);
      change[i] = tanh(w[i] * c[i] + h[i]);
    }
    for (int i = 0; i < n; i++) c[i] = c[i] * forget[i] + ingate[i] * change[i];
    for (int i = 0; i < n; i++) h[i] = outgate[i] * tanh(c[i]);
    for (int i = 0; i < n; i++) s += h[i] * w[i];
    free(gates);
  }
  free(h);
  free(c);
  return s;
}

/* a second name for the scratch a checkpointed iteration allocates and
 * frees: no state either (the snapshot read the freed block of the
 * iteration before: a use after free under ASan) */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double ckpt_alias(int n, const double *w) {
  double s = 0.1;
  GRADC_CHECKPOINT(2);
  for (int t = 0; t < 5; t++) {
    double *r = calloc(n, sizeof *r);
    double *r2 = r;
    for (int i = 0; i < n; i++) r[i] = sin(w[i]) * s + 0.3 * w[(i + 1) % n];
    r2[0] = 2.0 * r2[0];
    for (int i = 0; i < n; i++) s += 0.1 * r[i] * r[i];
    free(r);
  }
  return s;
}

/* the second slice starts one element after the first: they overlap, and
 * a[i + 1] overwrites b[i], which the sum read */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double overlap(int n, const double *w) {
  double s = 0;
  for (int t = 0; t < 2; t++) {
    double *g = malloc((n + 1) * sizeof *g);
    double *a = g, *b = g + 1;
    for (int i = 0; i < n; i++) {
      b[i] = sigmoid(w[i] + t);
      s += b[i] * w[(i + 1) % n];
      a[i] = tanh(w[(i + 1) % n] * (t + 1));
    }
    for (int i = 0; i <= n; i++) s += g[i] * g[i] * w[i % n];
    free(g);
  }
  return s;
}

/* one slice written twice in the loop */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double twice(int n, const double *w) {
  double s = 0;
  for (int t = 0; t < 2; t++) {
    double *g = malloc(2 * n * sizeof *g);
    double *a = g, *b = g + n;
    for (int i = 0; i < n; i++) {
      a[i] = sigmoid(w[i] + t);
      b[i] = exp(0.3 * w[i]);
      a[i] = tanh(a[i] * w[(i + 1) % n]);
    }
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    free(g);
  }
  return s;
}

/* a slice's element written before the loop that fills it */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double prefilled(int n, const double *w) {
  double s = 0;
  for (int t = 0; t < 2; t++) {
    double *g = malloc(2 * n * sizeof *g);
    double *a = g, *b = g + n;
    a[0] = w[0];
    for (int i = 0; i < n; i++) {
      b[i] = exp(a[0] * 0.2 + 0.1 * i);
      a[i] = sigmoid(w[i] * b[i]);
    }
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    free(g);
  }
  return s;
}

/* two names for the same slice, both written */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double same_slice(int n, const double *w) {
  double s = 0;
  for (int t = 0; t < 2; t++) {
    double *g = malloc(2 * n * sizeof *g);
    double *a = g + n, *b = g + n;
    for (int i = 0; i < n; i++) {
      a[i] = sigmoid(w[i] + t);
      b[i] = tanh(w[(i + 1) % n] - a[i]);
    }
    for (int i = 0; i < n; i++) s += g[n + i] * w[i];
    free(g);
  }
  return s;
}

/* p[i] = exp(q[i]) with q and p one block: the value overwritten through
 * another name, and its adjoint the argument's too */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double second_name(int n, const double *w) {
  double *p = malloc(n * sizeof *p);
  double *q = p;
  for (int i = 0; i < n; i++) p[i] = w[i];
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < n; i++) p[i] = exp(0.4 * q[i] - 0.1 * t);
  double s = 0;
  for (int i = 0; i < n; i++) s += p[i] * w[i];
  free(p);
  return s;
}

/* tanh into a local array, overwritten step after step */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double local_steps(int n, const double *w) {
  double h[8];
  for (int i = 0; i < n; i++) h[i] = 0.1 * i;
  for (int t = 0; t < 3; t++) {
    for (int i = 0; i < n; i++) h[i] = tanh(w[i] * h[(i + 1) % n] + 0.3);
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += h[i] * h[i];
  return s;
}

/* float slices */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double float_cell(int n, const double *w) {
  double s = 0;
  for (int t = 0; t < 2; t++) {
    float *g = malloc(2 * n * sizeof *g);
    float *a = g, *b = g + n;
    for (int i = 0; i < n; i++) {
      a[i] = 1.0f / (1.0f + expf(-(float)w[i] * (t + 1)));
      b[i] = tanhf((float)w[(i + 1) % n] + 0.5f * t);
    }
    for (int i = 0; i < n; i++) s += (double)a[i] * b[i];
    free(g);
  }
  return s;
}

/* Values by value in memory, overwritten afterwards in the ways memory is:
 * an out array rewritten through its own name, a memcpy, a walked pointer, a
 * helper writing the caller's array twice, a struct member array. */
/* by value into an out array through a local pointer, then the out array
 * rewritten through its own name */
GRADC_GRAD(wrt(w), out(o))
GRADC_JVP(wrt(w), out(o))
void outarr(int n, const double *w, double *o) {
  double *p = o + 1;
  for (int i = 0; i < n - 1; i++) p[i] = exp(0.5 * w[i]);
  o[0] = w[0];
  for (int i = 1; i < n; i++) o[i] = o[i] * o[i - 1] + 0.1;
}

/* by value into a buffer, then a memcpy over it */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double copied_over(int n, const double *w) {
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  for (int i = 0; i < n; i++) a[i] = tanh(w[i]);
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * w[(i + 1) % n];
  for (int i = 0; i < n; i++) b[i] = 0.5 * w[i] + 0.1;
  memcpy(a, b, n * sizeof *a);
  for (int i = 0; i < n; i++) s += a[i] * a[i];
  free(a), free(b);
  return s;
}

/* by value into memory, then a write through a pointer walked to it */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double walked_over(int n, const double *w) {
  double *a = malloc(n * sizeof *a);
  for (int i = 0; i < n; i++) a[i] = exp(0.3 * w[i]);
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * w[i];
  double *q = a;
  for (int i = 0; i < n; i++) { *q = *q * 0.5 + w[i]; q++; }
  for (int i = 0; i < n; i++) s += a[i] * a[i];
  free(a);
  return s;
}

static void helper_fill(int n, const double *w, double *dst) {
  for (int i = 0; i < n; i++) dst[i] = 1.0 / (1.0 + exp(-w[i]));
}

/* a helper writes by value into the caller's local array; the caller
 * overwrites it afterwards */
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double via_helper(int n, const double *w) {
  double t[8];
  helper_fill(n, w, t);
  double s = 0;
  for (int i = 0; i < n; i++) s += t[i] * w[(i + 2) % n];
  helper_fill(n, t, t);
  for (int i = 0; i < n; i++) s += t[i];
  return s;
}

/* struct member array by value */
struct st { double v[4]; double k; };
GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double member_array(int n, const double *w) {
  struct st a;
  a.k = 0.5;
  double *p = a.v;
  for (int i = 0; i < 4; i++) p[i] = exp(a.k * w[i % n]);
  double s = 0;
  for (int i = 0; i < 4; i++) s += p[i] * w[(i + 1) % n];
  a.v[2] = a.v[1] * 3;
  for (int i = 0; i < 4; i++) s += a.v[i];
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"

CHECK_CASE(cell, 4)
CHECK_CASE(ckpt_cell, 4)
CHECK_CASE(ckpt_alias, 4)
CHECK_CASE(overlap, 4)
CHECK_CASE(twice, 4)
CHECK_CASE(prefilled, 4)
CHECK_CASE(same_slice, 4)
CHECK_CASE(second_name, 4)
CHECK_CASE(local_steps, 5)
CHECK_CASE(float_cell, 4)
CHECK_CASE(copied_over, 4)
CHECK_CASE(walked_over, 4)
CHECK_CASE(via_helper, 4)
CHECK_CASE(member_array, 4)
void outarr_grad(int n, const double *w, double *w_bar, double *o, double *o_bar);
void outarr_jvp(int n, const double *w, const double *w_dot, double *o, double *o_dot);
static double eval_outarr(const double *w) {
  double o[4];
  outarr(4, w, o);
  return o[0] + 2 * o[1] + 3 * o[2] + 4 * o[3];
}
static void grad_outarr(const double *w, double *g) {
  double o[4], ob[4] = {1, 2, 3, 4};
  outarr_grad(4, w, g, o, ob);
}
static double jvp_outarr(const double *w, const double *u) {
  double o[4], od[4];
  outarr_jvp(4, w, u, o, od);
  return od[0] + 2 * od[1] + 3 * od[2] + 4 * od[3];
}

int main(void) {
  double w[5] = {0.4, -0.3, 0.7, 0.2, -0.6};
  const char *names[] = {"cell", "overlap", "twice", "prefilled", "same_slice", "second_name", "local_steps"};
  double (*evals[])(const double *) = {eval_cell, eval_overlap, eval_twice, eval_prefilled,
                                       eval_same_slice, eval_second_name, eval_local_steps};
  void (*grads[])(const double *, double *) = {grad_cell, grad_overlap, grad_twice, grad_prefilled,
                                               grad_same_slice, grad_second_name, grad_local_steps};
  double (*jvps[])(const double *, const double *) = {jvp_cell, jvp_overlap, jvp_twice, jvp_prefilled,
                                                      jvp_same_slice, jvp_second_name, jvp_local_steps};
  int sizes[] = {4, 4, 4, 4, 4, 4, 5};
  for (int c = 0; c < 7; c++) {
    check_gradient(names[c], evals[c], grads[c], w, sizes[c], 1e-8);
    check_dot(names[c], jvps[c], grads[c], w, sizes[c], 1e-12);
  }
  check_gradient("ckpt_cell", eval_ckpt_cell, grad_ckpt_cell, w, 4, 1e-8);
  check_dot("ckpt_cell", jvp_ckpt_cell, grad_ckpt_cell, w, 4, 1e-12);
  check_gradient("ckpt_alias", eval_ckpt_alias, grad_ckpt_alias, w, 4, 1e-8);
  check_dot("ckpt_alias", jvp_ckpt_alias, grad_ckpt_alias, w, 4, 1e-12);
  const char *more[] = {"copied_over", "walked_over", "via_helper", "member_array", "outarr"};
  double (*evals2[])(const double *) = {eval_copied_over, eval_walked_over, eval_via_helper, eval_member_array,
                                        eval_outarr};
  void (*grads2[])(const double *, double *) = {grad_copied_over, grad_walked_over, grad_via_helper,
                                                grad_member_array, grad_outarr};
  double (*jvps2[])(const double *, const double *) = {jvp_copied_over, jvp_walked_over, jvp_via_helper,
                                                       jvp_member_array, jvp_outarr};
  for (int c = 0; c < 5; c++) {
    check_gradient(more[c], evals2[c], grads2[c], w, 4, 1e-8);
    check_dot(more[c], jvps2[c], grads2[c], w, 4, 1e-12);
  }
  /* float: single-precision rounding in the function itself */
  check_gradient("float_cell", eval_float_cell, grad_float_cell, w, 4, 1e-3);
  check_dot("float_cell", jvp_float_cell, grad_float_cell, w, 4, 1e-5);
  return check_done("slices");
}
#endif
