/* test_tensor.c: unit tests of runtime/tensor.c, tensors and the tensor ops.
 *
 * As in test_tape.c, every test runs with a counting allocator hook that can
 * fail the n-th allocation, and an error handler that records messages
 * instead of aborting, so the tests can check that shape errors name both
 * shapes, that nothing is touched after an error, that wrap borrows without
 * copying, and that a failed constructor returns NULL and leaks nothing.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradc.h"
#include "gradc/kernels.h"
#include "gradc/tensor.h"

typedef struct Counter {
  size_t live;  /* bytes allocated and not freed */
  long calls;   /* allocations attempted */
  long allocs;  /* allocations that succeeded */
  long frees;   /* blocks freed */
  long fail_at; /* fail the fail_at-th attempt (1-based); 0: never */
} Counter;

static Counter ctr;
static int nerrors;
static char last_error[256];

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Counter *c = ud;
  void *p;
  if (nsize == 0) {
    if (ptr)
      c->live -= osize, c->frees++;
    free(ptr);
    return NULL;
  }
  if (++c->calls == c->fail_at)
    return NULL;
  p = realloc(ptr, nsize);
  if (!p)
    return NULL;
  if (ptr)
    c->live -= osize;
  else
    c->allocs++;
  c->live += nsize;
  return p;
}

static void record_error(void *ud, const char *msg) {
  (void)ud;
  nerrors++;
  snprintf(last_error, sizeof last_error, "%s", msg);
}

static void setup(void) {
  memset(&ctr, 0, sizeof ctr);
  nerrors = 0;
  last_error[0] = '\0';
  gradc_set_allocator(count_alloc, &ctr);
  gradc_set_error_handler(record_error, NULL);
}

static void teardown(void) {
  gradc_set_allocator(NULL, NULL);
  gradc_set_error_handler(NULL, NULL);
}

TestSuite(tensor, .init = setup, .fini = teardown);
TestSuite(tensor_ops, .init = setup, .fini = teardown);

static void assert_clean(void) {
  cr_assert_eq(ctr.live, 0, "%zu bytes still live", ctr.live);
  cr_assert_eq(ctr.allocs, ctr.frees, "%ld allocations, %ld frees", ctr.allocs, ctr.frees);
}

/* The last error was exactly `msg`, reported once since the last check. */
static void assert_error(const char *msg) {
  cr_assert_eq(nerrors, 1, "%d errors reported, the last: %s", nerrors, last_error);
  cr_assert_str_eq(last_error, msg);
  nerrors = 0;
}

/* ---- tensors --------------------------------------------------------------------- */

Test(tensor, new_is_zeroed_row_major_and_owned) {
  gradc_tensor *t = gradc_tensor_new(GRADC_F64, 3, (long[]){2, 3, 4});
  cr_assert_not_null(t);
  cr_assert_eq(t->ndim, 3);
  cr_assert(t->shape[0] == 2 && t->shape[1] == 3 && t->shape[2] == 4);
  cr_assert(t->stride[0] == 12 && t->stride[1] == 4 && t->stride[2] == 1);
  cr_assert_eq(gradc_tensor_numel(t), 24);
  cr_assert(t->owns);
  cr_assert(gradc_tensor_is_contiguous(t));
  for (int i = 0; i < 24; i++)
    cr_assert_eq(((double *)t->data)[i], 0);
  cr_assert_eq(ctr.live, sizeof *t + 24 * sizeof(double));
  gradc_tensor_free(t);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}

Test(tensor, scalar_and_empty) {
  gradc_tensor *s = gradc_tensor_new(GRADC_F32, 0, NULL);
  gradc_tensor *e = gradc_tensor_new(GRADC_F32, 2, (long[]){0, 5});
  cr_assert_not_null(s);
  cr_assert_not_null(e);
  cr_assert_eq(gradc_tensor_numel(s), 1);
  cr_assert_eq(gradc_tensor_numel(e), 0);
  cr_assert_eq(gradc_t_sum(e), 0);
  gradc_tensor_free(s);
  gradc_tensor_free(e);
  gradc_tensor_free(NULL);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}

Test(tensor, wrap_borrows_without_copying) {
  double buf[6] = {1, -2, 3, -4, 5, -6};
  gradc_tensor *t = gradc_tensor_wrap(GRADC_F64, 2, (long[]){2, 3}, buf);
  cr_assert_not_null(t);
  cr_assert_eq(t->data, buf);
  cr_assert_eq(t->owns, 0);
  cr_assert_eq(ctr.live, sizeof *t, "wrap allocated %zu bytes", ctr.live);
  cr_assert_eq(gradc_t_relu(t, t), 0); /* elementwise in place is fine for relu */
  cr_assert(buf[0] == 1 && buf[1] == 0 && buf[4] == 5 && buf[5] == 0);
  gradc_tensor_zero(t);
  cr_assert(buf[0] == 0 && buf[4] == 0);
  gradc_tensor_free(t); /* frees the header, not buf */
  assert_clean();
  cr_assert_eq(nerrors, 0);
}

Test(tensor, bad_arguments_are_reported) {
  double buf[1];
  cr_assert_null(gradc_tensor_new(GRADC_F64, 5, (long[]){1, 1, 1, 1, 1}));
  assert_error("gradc_tensor_new: 5 dimensions (0 to 4 are supported)");
  cr_assert_null(gradc_tensor_new(GRADC_F64, 2, (long[]){3, -1}));
  assert_error("gradc_tensor_new: extent -1 of dimension 1 is negative or too large");
  cr_assert_null(gradc_tensor_new(GRADC_F64, 2, (long[]){1L << 40, 1L << 40}));
  assert_error("gradc_tensor_new: extent 1099511627776 of dimension 1 is negative or too large");
  cr_assert_null(gradc_tensor_wrap(GRADC_F32, 1, (long[]){3}, NULL));
  assert_error("gradc_tensor_wrap: NULL data");
  cr_assert_null(gradc_tensor_wrap((gradc_dtype)7, 1, (long[]){1}, buf));
  assert_error("gradc_tensor_wrap: unknown dtype 7");
  assert_clean();
}

/* Failing the n-th allocation of a constructor: NULL, one report, no leak. */
Test(tensor, failed_allocation_gives_null_and_no_leak) {
  for (long n = 1; n <= 2; n++) {
    memset(&ctr, 0, sizeof ctr);
    ctr.fail_at = n;
    cr_assert_null(gradc_tensor_new(GRADC_F64, 2, (long[]){3, 4}), "allocation %ld failed", n);
    assert_error("out of memory");
    assert_clean();
  }
  memset(&ctr, 0, sizeof ctr);
  ctr.fail_at = 1;
  cr_assert_null(gradc_tensor_wrap(GRADC_F64, 1, (long[]){1}, &(double){0}));
  assert_error("out of memory");
  assert_clean();
  ctr.fail_at = 0; /* and the third try succeeds: two allocations in all */
  gradc_tensor *t = gradc_tensor_new(GRADC_F64, 2, (long[]){3, 4});
  cr_assert_not_null(t);
  cr_assert_eq(ctr.allocs, 2);
  gradc_tensor_free(t);
  assert_clean();
}

/* ---- shape checks ------------------------------------------------------------------- */

/* An output tensor filled with 7s, to check that errors touch nothing. */
static gradc_tensor *sevens(gradc_dtype dt, int ndim, const long *shape) {
  gradc_tensor *t = gradc_tensor_new(dt, ndim, shape);
  for (long i = 0; i < gradc_tensor_numel(t); i++)
    if (dt == GRADC_F64)
      ((double *)t->data)[i] = 7;
    else
      ((float *)t->data)[i] = 7;
  return t;
}

static void assert_sevens(const gradc_tensor *t) {
  for (long i = 0; i < gradc_tensor_numel(t); i++)
    cr_assert_eq(t->dtype == GRADC_F64 ? ((double *)t->data)[i] : ((float *)t->data)[i], 7,
                 "element %ld was written after an error", i);
}

Test(tensor_ops, matmul_shape_errors_name_both_shapes) {
  gradc_tensor *A = gradc_tensor_new(GRADC_F64, 2, (long[]){2, 3});
  gradc_tensor *B = gradc_tensor_new(GRADC_F64, 2, (long[]){4, 5});
  gradc_tensor *B2 = gradc_tensor_new(GRADC_F64, 2, (long[]){3, 5});
  gradc_tensor *C = sevens(GRADC_F64, 2, (long[]){2, 4});
  gradc_tensor *A3 = gradc_tensor_new(GRADC_F64, 3, (long[]){1, 2, 3});
  gradc_tensor *Af = gradc_tensor_new(GRADC_F32, 2, (long[]){2, 3});
  cr_assert_eq(gradc_t_matmul(C, A, B, 0, 0), -1);
  assert_error("gradc_t_matmul: shapes [2, 3] and [4, 5] do not match");
  cr_assert_eq(gradc_t_matmul(C, A, B2, 0, 0), -1);
  assert_error("gradc_t_matmul: shapes [2, 4] and [2, 5] do not match");
  cr_assert_eq(gradc_t_matmul(C, A, B2, 1, 0), -1); /* A^T is 3 x 2 */
  assert_error("gradc_t_matmul: shapes [2, 3] and [3, 5] do not match");
  cr_assert_eq(gradc_t_matmul(C, A3, B2, 0, 0), -1);
  assert_error("gradc_t_matmul: tensor of shape [1, 2, 3] is not 2-D");
  cr_assert_eq(gradc_t_matmul(C, Af, B2, 0, 0), -1);
  assert_error("gradc_t_matmul: dtypes f32 and f64 do not match");
  assert_sevens(C);
  gradc_tensor_free(A), gradc_tensor_free(B), gradc_tensor_free(B2);
  gradc_tensor_free(C), gradc_tensor_free(A3), gradc_tensor_free(Af);
  assert_clean();
}

Test(tensor_ops, other_shape_errors) {
  gradc_tensor *X = gradc_tensor_new(GRADC_F32, 2, (long[]){2, 3});
  gradc_tensor *Y = sevens(GRADC_F32, 2, (long[]){3, 2});
  gradc_tensor *b = gradc_tensor_new(GRADC_F32, 1, (long[]){2});
  gradc_tensor *v = sevens(GRADC_F32, 1, (long[]){4});
  cr_assert_eq(gradc_t_add(Y, X, X), -1);
  assert_error("gradc_t_add: shapes [3, 2] and [2, 3] do not match");
  cr_assert_eq(gradc_t_mul(X, X, Y), -1);
  assert_error("gradc_t_mul: shapes [2, 3] and [3, 2] do not match");
  cr_assert_eq(gradc_t_add_bias(X, X, b), -1);
  assert_error("gradc_t_add_bias: shapes [2, 3] and [2] do not match");
  cr_assert_eq(gradc_t_softmax(Y, X), -1);
  assert_error("gradc_t_softmax: shapes [3, 2] and [2, 3] do not match");
  cr_assert_eq(gradc_t_relu(Y, X), -1);
  assert_error("gradc_t_relu: shapes [3, 2] and [2, 3] do not match");
  cr_assert_eq(gradc_t_sum_axis(v, X, 0), -1);
  assert_error("gradc_t_sum_axis: shapes [4] and [3] do not match");
  cr_assert_eq(gradc_t_mean_axis(v, X, 2), -1);
  assert_error("gradc_t_mean_axis: axis 2 is not 0 or 1");
  cr_assert_eq(gradc_t_matvec(v, X, b, 0), -1);
  assert_error("gradc_t_matvec: shapes [2, 3] and [2] do not match");
  cr_assert(isnan(gradc_t_mse(X, Y)));
  assert_error("gradc_t_mse: shapes [2, 3] and [3, 2] do not match");
  cr_assert(isnan(gradc_t_dot(X, v)));
  assert_error("gradc_t_dot: shapes [2, 3] and [4] do not match");
  assert_sevens(Y);
  assert_sevens(v);
  gradc_tensor_free(X), gradc_tensor_free(Y), gradc_tensor_free(b), gradc_tensor_free(v);
  assert_clean();
}

Test(tensor_ops, strided_tensors_are_refused) {
  double buf[12] = {0};
  gradc_tensor *X = gradc_tensor_wrap(GRADC_F64, 2, (long[]){3, 2}, buf);
  gradc_tensor *Y = gradc_tensor_new(GRADC_F64, 2, (long[]){3, 2});
  X->stride[0] = 4; /* every other pair of a 3 x 4 array */
  cr_assert_not(gradc_tensor_is_contiguous(X));
  cr_assert_eq(gradc_t_relu(Y, X), -1);
  assert_error("gradc_t_relu: tensor of shape [3, 2] is not row-major contiguous");
  gradc_tensor_free(X), gradc_tensor_free(Y);
  assert_clean();
}

Test(tensor_ops, cross_entropy_label_out_of_range) {
  gradc_tensor *L = gradc_tensor_new(GRADC_F64, 2, (long[]){2, 3});
  cr_assert(isnan(gradc_t_cross_entropy(L, (int[]){0, 3})));
  assert_error("gradc_cross_entropy: label 3 of row 1 is outside [0, 3)");
  cr_assert(isnan(gradc_t_cross_entropy(L, (int[]){-1, 0})));
  assert_error("gradc_cross_entropy: label -1 of row 0 is outside [0, 3)");
  gradc_tensor_free(L);
  assert_clean();
}

/* ---- ops compute what the kernels compute ---------------------------------------------- */

Test(tensor_ops, matmul_with_transposes) {
  double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, -1, 2, 1, 1}, c[4];
  gradc_tensor *A = gradc_tensor_wrap(GRADC_F64, 2, (long[]){2, 3}, a);
  gradc_tensor *B = gradc_tensor_wrap(GRADC_F64, 2, (long[]){3, 2}, b);
  gradc_tensor *Bt = gradc_tensor_wrap(GRADC_F64, 2, (long[]){2, 3}, b);
  gradc_tensor *C = gradc_tensor_wrap(GRADC_F64, 2, (long[]){2, 2}, c);
  cr_assert_eq(gradc_t_matmul(C, A, B, 0, 0), 0);
  /* [1 2 3; 4 5 6] [1 0; -1 2; 1 1] = [2 7; 5 16] */
  cr_assert(c[0] == 2 && c[1] == 7 && c[2] == 5 && c[3] == 16);
  cr_assert_eq(gradc_t_matmul(C, A, Bt, 0, 1), 0);
  /* [1 2 3; 4 5 6] [1 0 -1; 2 1 1]^T = [-2 7; -2 19] */
  cr_assert(c[0] == -2 && c[1] == 7 && c[2] == -2 && c[3] == 19);
  gradc_tensor_free(A), gradc_tensor_free(B), gradc_tensor_free(Bt), gradc_tensor_free(C);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}

/* A small float network layer: softmax(relu(X W + b)), then the loss. */
Test(tensor_ops, float_layer) {
  float x[4] = {1, -1, 0.5f, 2}, w[6] = {1, 0, -1, 0, 1, 1}, bias[3] = {0, 0.5f, 0};
  gradc_tensor *X = gradc_tensor_wrap(GRADC_F32, 2, (long[]){2, 2}, x);
  gradc_tensor *W = gradc_tensor_wrap(GRADC_F32, 2, (long[]){2, 3}, w);
  gradc_tensor *b = gradc_tensor_wrap(GRADC_F32, 1, (long[]){3}, bias);
  gradc_tensor *H = gradc_tensor_new(GRADC_F32, 2, (long[]){2, 3});
  gradc_tensor *P = gradc_tensor_new(GRADC_F32, 2, (long[]){2, 3});
  gradc_tensor *s = gradc_tensor_new(GRADC_F32, 1, (long[]){2});
  float *h = H->data, *p = P->data;
  cr_assert_eq(gradc_t_matmul(H, X, W, 0, 0), 0);
  cr_assert_eq(gradc_t_add_bias(H, H, b), 0);
  cr_assert_eq(gradc_t_relu(H, H), 0);
  /* X W = [1 -1 -2; 0.5 2 1.5], + b, relu: [1 0 0; 0.5 2.5 1.5] */
  cr_assert(h[0] == 1 && h[1] == 0 && h[2] == 0 && h[3] == 0.5f && h[4] == 2.5f && h[5] == 1.5f);
  cr_assert_eq(gradc_t_softmax(P, H), 0);
  cr_assert_eq(gradc_t_sum_axis(s, P, 1), 0);
  cr_assert(fabsf(((float *)s->data)[0] - 1) < 1e-6f && fabsf(((float *)s->data)[1] - 1) < 1e-6f);
  double loss = gradc_t_cross_entropy(H, (int[]){0, 1});
  double want = (-log(p[0]) - log(p[4])) / 2;
  cr_assert(fabs(loss - want) < 1e-6, "loss %g, want %g", loss, want);
  gradc_tensor_free(X), gradc_tensor_free(W), gradc_tensor_free(b);
  gradc_tensor_free(H), gradc_tensor_free(P), gradc_tensor_free(s);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}

/* Rows of the last dimension: a [2, 2, 3] tensor is 4 rows of 3. */
Test(tensor_ops, rows_of_a_3d_tensor) {
  gradc_tensor *X = gradc_tensor_new(GRADC_F64, 3, (long[]){2, 2, 3});
  gradc_tensor *Y = gradc_tensor_new(GRADC_F64, 3, (long[]){2, 2, 3});
  gradc_tensor *b = gradc_tensor_new(GRADC_F64, 1, (long[]){3});
  double *x = X->data, *y = Y->data;
  for (int i = 0; i < 12; i++)
    x[i] = i;
  ((double *)b->data)[2] = 10;
  cr_assert_eq(gradc_t_add_bias(Y, X, b), 0);
  cr_assert(y[2] == 12 && y[11] == 21 && y[10] == 10);
  cr_assert_eq(gradc_t_log_softmax(Y, X), 0);
  for (int r = 0; r < 4; r++)
    cr_assert(fabs(exp(y[3 * r]) + exp(y[3 * r + 1]) + exp(y[3 * r + 2]) - 1) < 1e-15);
  cr_assert(fabs(gradc_t_mean(X) - 5.5) < 1e-15);
  cr_assert(fabs(gradc_t_sum(X) - 66) < 1e-15);
  gradc_tensor_free(X), gradc_tensor_free(Y), gradc_tensor_free(b);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}

Test(tensor_ops, elementwise_and_matvec) {
  double xv[3] = {1, 2, 4}, yv[3] = {2, 2, 2}, zv[3], av[6] = {1, 2, 3, 4, 5, 6}, wv[2];
  gradc_tensor *x = gradc_tensor_wrap(GRADC_F64, 1, (long[]){3}, xv);
  gradc_tensor *y = gradc_tensor_wrap(GRADC_F64, 1, (long[]){3}, yv);
  gradc_tensor *z = gradc_tensor_wrap(GRADC_F64, 1, (long[]){3}, zv);
  gradc_tensor *A = gradc_tensor_wrap(GRADC_F64, 2, (long[]){2, 3}, av);
  gradc_tensor *w = gradc_tensor_wrap(GRADC_F64, 1, (long[]){2}, wv);
  cr_assert_eq(gradc_t_sub(z, x, y), 0);
  cr_assert(zv[0] == -1 && zv[2] == 2);
  cr_assert_eq(gradc_t_div(z, x, y), 0);
  cr_assert(zv[0] == 0.5 && zv[2] == 2);
  cr_assert_eq(gradc_t_scale(z, 3, x), 0);
  cr_assert(zv[0] == 3 && zv[2] == 12);
  cr_assert_eq(gradc_t_dot(x, y), 14);
  cr_assert_eq(gradc_t_mse(x, y), (1 + 0 + 4) / 3.0);
  cr_assert_eq(gradc_t_matvec(w, A, x, 0), 0);
  cr_assert(wv[0] == 17 && wv[1] == 38);
  cr_assert_eq(gradc_t_matvec(z, A, w, 1), 0); /* A^T w = [169 224 279] */
  cr_assert(zv[0] == 169 && zv[1] == 224 && zv[2] == 279);
  cr_assert_eq(gradc_t_exp(z, x), 0);
  cr_assert_eq(gradc_t_log(z, z), 0);
  cr_assert(fabs(zv[2] - 4) < 1e-15);
  cr_assert_eq(gradc_t_tanh(z, x), 0);
  cr_assert_eq(gradc_t_sigmoid(z, x), 0);
  cr_assert(fabs(zv[0] - 1 / (1 + exp(-1))) < 1e-15);
  gradc_tensor_free(x), gradc_tensor_free(y), gradc_tensor_free(z);
  gradc_tensor_free(A), gradc_tensor_free(w);
  cr_assert_eq(nerrors, 0);
  assert_clean();
}
