/* tensor.c: tensor headers, and the shape-checked tensor ops over the kernels.
 *
 * The invariant: an op touches data only after every check passed. Each
 * gradc_t_* function first checks its operands (non-NULL, one dtype,
 * row-major contiguous, at most INT_MAX elements since kernels count in int,
 * shapes that fit together) and reports the first failure through gradc_error,
 * naming the op and both shapes involved, then returns -1 (or NaN). Only then
 * does it call the _d or _f kernel on the raw arrays, so a kernel never sees
 * sizes that would take it out of bounds.
 *
 * Memory: a tensor is a header (one allocation) and, for gradc_tensor_new, a
 * data block (a second one), both through the allocator hook; a failure of
 * either frees what was taken and returns NULL after reporting.
 */
#include "gradc/tensor.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "gradc/kernels.h"

/* ---- headers ------------------------------------------------------------------- */

size_t gradc_tensor_elsize(gradc_dtype dtype) {
  return dtype == GRADC_F64 ? sizeof(double) : sizeof(float);
}

long gradc_tensor_numel(const gradc_tensor *t) {
  long n = 1;
  for (int i = 0; i < t->ndim; i++)
    n *= t->shape[i];
  return n;
}

int gradc_tensor_is_contiguous(const gradc_tensor *t) {
  long expect = 1;
  for (int i = t->ndim; i-- > 0;) {
    if (t->shape[i] != 1 && t->stride[i] != expect)
      return 0;
    expect *= t->shape[i];
  }
  return 1;
}

/* Fills t's shape and row-major strides from (dtype, ndim, shape), checking
 * them: ndim in 0..GRADC_MAX_DIMS, extents >= 0, and a byte size that fits
 * in size_t and an element count in long. Reports and returns -1 if not. */
static int init_header(gradc_tensor *t, const char *op, gradc_dtype dtype, int ndim,
                       const long *shape) {
  char msg[128];
  long n = 1;
  if (dtype != GRADC_F32 && dtype != GRADC_F64) {
    snprintf(msg, sizeof msg, "%s: unknown dtype %d", op, (int)dtype);
    gradc_error(msg);
    return -1;
  }
  if (ndim < 0 || ndim > GRADC_MAX_DIMS || (ndim > 0 && !shape)) {
    snprintf(msg, sizeof msg, "%s: %d dimensions (0 to %d are supported)", op, ndim,
             GRADC_MAX_DIMS);
    gradc_error(msg);
    return -1;
  }
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0 || (shape[i] > 0 && n > LONG_MAX / shape[i]) ||
        (size_t)(n * shape[i]) > SIZE_MAX / gradc_tensor_elsize(dtype)) {
      snprintf(msg, sizeof msg, "%s: extent %ld of dimension %d is negative or too large", op,
               shape[i], i);
      gradc_error(msg);
      return -1;
    }
    n *= shape[i];
  }
  t->dtype = dtype;
  t->ndim = ndim;
  for (int i = GRADC_MAX_DIMS; i-- > 0;) { /* unused dimensions: extent 1 */
    t->shape[i] = i < ndim ? shape[i] : 1;
    t->stride[i] = i + 1 < ndim ? t->stride[i + 1] * t->shape[i + 1] : 1;
  }
  t->data = NULL;
  t->owns = 0;
  return 0;
}

/* A zeroed tensor that owns its data, or NULL after reporting. */
gradc_tensor *gradc_tensor_new(gradc_dtype dtype, int ndim, const long *shape) {
  gradc_tensor h, *t;
  if (init_header(&h, "gradc_tensor_new", dtype, ndim, shape))
    return NULL;
  t = gradc_alloc(sizeof *t);
  if (!t)
    return NULL;
  *t = h;
  t->data = gradc_calloc((size_t)gradc_tensor_numel(t), gradc_tensor_elsize(dtype));
  if (!t->data) {
    gradc_free(t, sizeof *t);
    return NULL;
  }
  t->owns = 1;
  return t;
}

/* A tensor over the caller's array `data` (not copied, never freed here), or
 * NULL after reporting. data may be NULL only for a tensor of 0 elements. */
gradc_tensor *gradc_tensor_wrap(gradc_dtype dtype, int ndim, const long *shape, void *data) {
  gradc_tensor h, *t;
  if (init_header(&h, "gradc_tensor_wrap", dtype, ndim, shape))
    return NULL;
  if (!data && gradc_tensor_numel(&h) > 0) {
    gradc_error("gradc_tensor_wrap: NULL data");
    return NULL;
  }
  t = gradc_alloc(sizeof *t);
  if (!t)
    return NULL;
  *t = h;
  t->data = data;
  return t;
}

void gradc_tensor_free(gradc_tensor *t) {
  if (!t)
    return;
  if (t->owns)
    gradc_free(t->data, (size_t)gradc_tensor_numel(t) * gradc_tensor_elsize(t->dtype));
  gradc_free(t, sizeof *t);
}

/* Zeroes the elements a contiguous tensor holds (all-bits-zero is 0.0 for
 * IEEE floats); a strided one is left alone. */
void gradc_tensor_zero(gradc_tensor *t) {
  if (t && t->data && gradc_tensor_is_contiguous(t))
    memset(t->data, 0, (size_t)gradc_tensor_numel(t) * gradc_tensor_elsize(t->dtype));
}

/* ---- checks -------------------------------------------------------------------- */

/* Writes "[d0, d1, ...]" (or "[]" for a scalar) into buf. */
static void shape_str(const gradc_tensor *t, char *buf, size_t size) {
  size_t len = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < t->ndim && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%ld", i ? ", " : "", t->shape[i]);
  if (len < size)
    snprintf(buf + len, size - len, "]");
}

/* Reports "op: shapes [a] and [b] do not match" and returns -1. */
static int mismatch(const char *op, const gradc_tensor *a, const gradc_tensor *b) {
  char sa[80], sb[80], msg[200];
  shape_str(a, sa, sizeof sa);
  shape_str(b, sb, sizeof sb);
  snprintf(msg, sizeof msg, "%s: shapes %s and %s do not match", op, sa, sb);
  gradc_error(msg);
  return -1;
}

/* Reports "op: <what> shape [a] <why>" and returns -1. */
static int bad(const char *op, const gradc_tensor *a, const char *why) {
  char sa[80], msg[200];
  shape_str(a, sa, sizeof sa);
  snprintf(msg, sizeof msg, "%s: tensor of shape %s %s", op, sa, why);
  gradc_error(msg);
  return -1;
}

/* The checks every operand passes: present, data behind it, row-major
 * contiguous, at most INT_MAX elements, and the dtype of `like` (when given). */
static int usable(const char *op, const gradc_tensor *t, const gradc_tensor *like) {
  char msg[160];
  if (!t || (!t->data && gradc_tensor_numel(t) > 0)) {
    snprintf(msg, sizeof msg, "%s: NULL tensor or data", op);
    gradc_error(msg);
    return 0;
  }
  if (like && t->dtype != like->dtype) {
    snprintf(msg, sizeof msg, "%s: dtypes %s and %s do not match", op,
             like->dtype == GRADC_F64 ? "f64" : "f32", t->dtype == GRADC_F64 ? "f64" : "f32");
    gradc_error(msg);
    return 0;
  }
  if (!gradc_tensor_is_contiguous(t))
    return bad(op, t, "is not row-major contiguous"), 0;
  if (gradc_tensor_numel(t) > INT_MAX)
    return bad(op, t, "has more than INT_MAX elements"), 0;
  return 1;
}

static int same_shape(const gradc_tensor *a, const gradc_tensor *b) {
  if (a->ndim != b->ndim)
    return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return 0;
  return 1;
}

/* A tensor's last extent (its row length; 1 for a scalar) and number of rows. */
static int cols_of(const gradc_tensor *t) {
  return t->ndim ? (int)t->shape[t->ndim - 1] : 1;
}

static int rows_of(const gradc_tensor *t) {
  long n = 1;
  for (int i = 0; i + 1 < t->ndim; i++)
    n *= t->shape[i];
  return (int)n;
}

/* A 2-D shape built on the stack, for messages about an expected shape. */
static gradc_tensor shape2(long a, long b) {
  gradc_tensor t = {GRADC_F64, 2, {a, b, 1, 1}, {b, 1, 1, 1}, NULL, 0};
  return t;
}

static gradc_tensor shape1(long a) {
  gradc_tensor t = {GRADC_F64, 1, {a, 1, 1, 1}, {1, 1, 1, 1}, NULL, 0};
  return t;
}

#define IS_D(t) ((t)->dtype == GRADC_F64)

/* ---- linear algebra ------------------------------------------------------------ */

/* C[m x n] = op(A)[m x k] op(B)[k x n] (gradc_gemm_*). */
int gradc_t_matmul(gradc_tensor *C, const gradc_tensor *A, const gradc_tensor *B, int ta,
                   int tb) {
  static const char op[] = "gradc_t_matmul";
  long m, n, k;
  if (!usable(op, A, NULL) || !usable(op, B, A) || !usable(op, C, A))
    return -1;
  if (A->ndim != 2)
    return bad(op, A, "is not 2-D");
  if (B->ndim != 2)
    return bad(op, B, "is not 2-D");
  m = A->shape[ta ? 1 : 0], k = A->shape[ta ? 0 : 1], n = B->shape[tb ? 0 : 1];
  if (B->shape[tb ? 1 : 0] != k)
    return mismatch(op, A, B);
  if (C->ndim != 2 || C->shape[0] != m || C->shape[1] != n) {
    gradc_tensor want = shape2(m, n);
    return mismatch(op, C, &want);
  }
  if (IS_D(A))
    gradc_gemm_d(ta, tb, (int)m, (int)n, (int)k, A->data, B->data, C->data);
  else
    gradc_gemm_f(ta, tb, (int)m, (int)n, (int)k, A->data, B->data, C->data);
  return 0;
}

/* y = op(A) x (gradc_gemv_*): A m x n, x n (m when ta), y m (n when ta). */
int gradc_t_matvec(gradc_tensor *y, const gradc_tensor *A, const gradc_tensor *x, int ta) {
  static const char op[] = "gradc_t_matvec";
  long m, n;
  if (!usable(op, A, NULL) || !usable(op, x, A) || !usable(op, y, A))
    return -1;
  if (A->ndim != 2)
    return bad(op, A, "is not 2-D");
  m = A->shape[0], n = A->shape[1];
  if (x->ndim != 1 || x->shape[0] != (ta ? m : n))
    return mismatch(op, A, x);
  if (y->ndim != 1 || y->shape[0] != (ta ? n : m)) {
    gradc_tensor want = shape1(ta ? n : m);
    return mismatch(op, y, &want);
  }
  if (IS_D(A))
    gradc_gemv_d(ta, (int)m, (int)n, A->data, x->data, y->data);
  else
    gradc_gemv_f(ta, (int)m, (int)n, A->data, x->data, y->data);
  return 0;
}

/* ---- elementwise --------------------------------------------------------------- */

typedef void (*BinaryD)(int, const double *, const double *, double *);
typedef void (*BinaryF)(int, const float *, const float *, float *);
typedef void (*UnaryD)(int, const double *, double *);
typedef void (*UnaryF)(int, const float *, float *);

/* Z = fd/ff(X, Y), all of one shape. */
static int binary(const char *op, gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y,
                  BinaryD fd, BinaryF ff) {
  if (!usable(op, X, NULL) || !usable(op, Y, X) || !usable(op, Z, X))
    return -1;
  if (!same_shape(X, Y))
    return mismatch(op, X, Y);
  if (!same_shape(X, Z))
    return mismatch(op, Z, X);
  if (IS_D(X))
    fd((int)gradc_tensor_numel(X), X->data, Y->data, Z->data);
  else
    ff((int)gradc_tensor_numel(X), X->data, Y->data, Z->data);
  return 0;
}

int gradc_t_add(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y) {
  return binary("gradc_t_add", Z, X, Y, gradc_add_d, gradc_add_f);
}

int gradc_t_sub(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y) {
  return binary("gradc_t_sub", Z, X, Y, gradc_sub_d, gradc_sub_f);
}

int gradc_t_mul(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y) {
  return binary("gradc_t_mul", Z, X, Y, gradc_mul_d, gradc_mul_f);
}

int gradc_t_div(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y) {
  return binary("gradc_t_div", Z, X, Y, gradc_div_d, gradc_div_f);
}

/* Y = fd/ff(X), one shape. */
static int unary(const char *op, gradc_tensor *Y, const gradc_tensor *X, UnaryD fd, UnaryF ff) {
  if (!usable(op, X, NULL) || !usable(op, Y, X))
    return -1;
  if (!same_shape(X, Y))
    return mismatch(op, Y, X);
  if (IS_D(X))
    fd((int)gradc_tensor_numel(X), X->data, Y->data);
  else
    ff((int)gradc_tensor_numel(X), X->data, Y->data);
  return 0;
}

int gradc_t_relu(gradc_tensor *Y, const gradc_tensor *X) {
  return unary("gradc_t_relu", Y, X, gradc_relu_d, gradc_relu_f);
}

int gradc_t_sigmoid(gradc_tensor *Y, const gradc_tensor *X) {
  return unary("gradc_t_sigmoid", Y, X, gradc_sigmoid_d, gradc_sigmoid_f);
}

int gradc_t_tanh(gradc_tensor *Y, const gradc_tensor *X) {
  return unary("gradc_t_tanh", Y, X, gradc_tanh_d, gradc_tanh_f);
}

int gradc_t_exp(gradc_tensor *Y, const gradc_tensor *X) {
  return unary("gradc_t_exp", Y, X, gradc_exp_d, gradc_exp_f);
}

int gradc_t_log(gradc_tensor *Y, const gradc_tensor *X) {
  return unary("gradc_t_log", Y, X, gradc_log_d, gradc_log_f);
}

int gradc_t_scale(gradc_tensor *Y, double a, const gradc_tensor *X) {
  static const char op[] = "gradc_t_scale";
  if (!usable(op, X, NULL) || !usable(op, Y, X))
    return -1;
  if (!same_shape(X, Y))
    return mismatch(op, Y, X);
  if (IS_D(X))
    gradc_scale_d((int)gradc_tensor_numel(X), a, X->data, Y->data);
  else
    gradc_scale_f((int)gradc_tensor_numel(X), (float)a, X->data, Y->data);
  return 0;
}

/* ---- rows ---------------------------------------------------------------------- */

/* Y = X + b: b 1-D with X's last extent, Y of X's shape. */
int gradc_t_add_bias(gradc_tensor *Y, const gradc_tensor *X, const gradc_tensor *b) {
  static const char op[] = "gradc_t_add_bias";
  if (!usable(op, X, NULL) || !usable(op, b, X) || !usable(op, Y, X))
    return -1;
  if (X->ndim < 1)
    return bad(op, X, "has no rows");
  if (b->ndim != 1 || b->shape[0] != cols_of(X))
    return mismatch(op, X, b);
  if (!same_shape(X, Y))
    return mismatch(op, Y, X);
  if (IS_D(X))
    gradc_add_bias_d(rows_of(X), cols_of(X), X->data, b->data, Y->data);
  else
    gradc_add_bias_f(rows_of(X), cols_of(X), X->data, b->data, Y->data);
  return 0;
}

typedef void (*RowsD)(int, int, const double *, double *);
typedef void (*RowsF)(int, int, const float *, float *);

/* Y = fd/ff(X) row by row (rows of the last dimension), one shape. */
static int rowwise(const char *op, gradc_tensor *Y, const gradc_tensor *X, RowsD fd, RowsF ff) {
  if (!usable(op, X, NULL) || !usable(op, Y, X))
    return -1;
  if (!same_shape(X, Y))
    return mismatch(op, Y, X);
  if (IS_D(X))
    fd(rows_of(X), cols_of(X), X->data, Y->data);
  else
    ff(rows_of(X), cols_of(X), X->data, Y->data);
  return 0;
}

int gradc_t_softmax(gradc_tensor *Y, const gradc_tensor *X) {
  return rowwise("gradc_t_softmax", Y, X, gradc_softmax_d, gradc_softmax_f);
}

int gradc_t_log_softmax(gradc_tensor *Y, const gradc_tensor *X) {
  return rowwise("gradc_t_log_softmax", Y, X, gradc_log_softmax_d, gradc_log_softmax_f);
}

typedef void (*AxisD)(int, int, int, const double *, double *);
typedef void (*AxisF)(int, int, int, const float *, float *);

/* y = reduction of 2-D X along axis: y has X's columns (axis 0) or rows (1). */
static int reduce_axis(const char *op, gradc_tensor *y, const gradc_tensor *X, int axis,
                       AxisD fd, AxisF ff) {
  char msg[96];
  long len;
  if (!usable(op, X, NULL) || !usable(op, y, X))
    return -1;
  if (X->ndim != 2)
    return bad(op, X, "is not 2-D");
  if (axis != 0 && axis != 1) {
    snprintf(msg, sizeof msg, "%s: axis %d is not 0 or 1", op, axis);
    gradc_error(msg);
    return -1;
  }
  len = X->shape[axis ? 0 : 1];
  if (y->ndim != 1 || y->shape[0] != len) {
    gradc_tensor want = shape1(len);
    return mismatch(op, y, &want);
  }
  if (IS_D(X))
    fd((int)X->shape[0], (int)X->shape[1], axis, X->data, y->data);
  else
    ff((int)X->shape[0], (int)X->shape[1], axis, X->data, y->data);
  return 0;
}

int gradc_t_sum_axis(gradc_tensor *y, const gradc_tensor *X, int axis) {
  return reduce_axis("gradc_t_sum_axis", y, X, axis, gradc_sum_axis_d, gradc_sum_axis_f);
}

int gradc_t_mean_axis(gradc_tensor *y, const gradc_tensor *X, int axis) {
  return reduce_axis("gradc_t_mean_axis", y, X, axis, gradc_mean_axis_d, gradc_mean_axis_f);
}

/* ---- scalars ------------------------------------------------------------------- */

double gradc_t_dot(const gradc_tensor *x, const gradc_tensor *y) {
  static const char op[] = "gradc_t_dot";
  int n;
  if (!usable(op, x, NULL) || !usable(op, y, x))
    return NAN;
  if (gradc_tensor_numel(x) != gradc_tensor_numel(y))
    return mismatch(op, x, y), NAN;
  n = (int)gradc_tensor_numel(x);
  return IS_D(x) ? gradc_dot_d(n, x->data, y->data) : gradc_dot_f(n, x->data, y->data);
}

double gradc_t_sum(const gradc_tensor *X) {
  int n;
  if (!usable("gradc_t_sum", X, NULL))
    return NAN;
  n = (int)gradc_tensor_numel(X);
  return IS_D(X) ? gradc_sum_d(n, X->data) : gradc_sum_f(n, X->data);
}

double gradc_t_mean(const gradc_tensor *X) {
  int n;
  if (!usable("gradc_t_mean", X, NULL))
    return NAN;
  n = (int)gradc_tensor_numel(X);
  return IS_D(X) ? gradc_mean_d(n, X->data) : gradc_mean_f(n, X->data);
}

double gradc_t_mse(const gradc_tensor *X, const gradc_tensor *Y) {
  static const char op[] = "gradc_t_mse";
  int n;
  if (!usable(op, X, NULL) || !usable(op, Y, X))
    return NAN;
  if (!same_shape(X, Y))
    return mismatch(op, X, Y), NAN;
  n = (int)gradc_tensor_numel(X);
  return IS_D(X) ? gradc_mse_d(n, X->data, Y->data) : gradc_mse_f(n, X->data, Y->data);
}

/* The kernel checks each label against the row length and reports a bad one. */
double gradc_t_cross_entropy(const gradc_tensor *logits, const int *labels) {
  static const char op[] = "gradc_t_cross_entropy";
  if (!usable(op, logits, NULL))
    return NAN;
  if (logits->ndim < 1)
    return bad(op, logits, "has no rows"), NAN;
  if (!labels && rows_of(logits) > 0) {
    gradc_error("gradc_t_cross_entropy: NULL labels");
    return NAN;
  }
  if (IS_D(logits))
    return gradc_cross_entropy_d(rows_of(logits), cols_of(logits), logits->data, labels);
  return gradc_cross_entropy_f(rows_of(logits), cols_of(logits), logits->data, labels);
}
