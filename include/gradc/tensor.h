/* gradc/tensor.h: small dense tensors, and shape-checked calls of the kernels.
 *
 * A gradc_tensor is a header over an array of float or double: up to four
 * dimensions, a shape and element strides. gradc_tensor_new owns its data
 * (zeroed, from the runtime's allocator hook); gradc_tensor_wrap borrows the
 * caller's array without copying it. Either is released by gradc_tensor_free,
 * which frees the data only when the tensor owns it.
 *
 * The gradc_t_* operations check dtypes, shapes and layout, then call the
 * kernels of gradc/kernels.h on the data (they need row-major contiguous
 * tensors, which is what new and wrap make). A mismatch is reported through
 * gradc_error with both shapes, e.g.
 *   "gradc_t_matmul: shapes [2, 3] and [4, 5] do not match"
 * and the operation returns -1 without touching any data; success is 0.
 * Reductions to a scalar return it, or NaN after reporting.
 *
 * Ops whose kernels work on rows (add_bias, softmax, log_softmax,
 * cross_entropy) read a tensor of any rank as rows of its last dimension:
 * shape [.., n] is m x n with m the product of the other dimensions.
 * Derivatives: call the kernels' *_rev adjoints on the tensors' data, or let
 * gradc differentiate code that calls the kernels.
 */
#ifndef GRADC_TENSOR_H
#define GRADC_TENSOR_H

#include <gradc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRADC_MAX_DIMS 4

typedef enum gradc_dtype { GRADC_F32, GRADC_F64 } gradc_dtype;

typedef struct gradc_tensor {
  gradc_dtype dtype;              /* element type: float or double */
  int ndim;                       /* 0 (a scalar) to GRADC_MAX_DIMS */
  long shape[GRADC_MAX_DIMS];     /* extent of each dimension, >= 0 */
  long stride[GRADC_MAX_DIMS];    /* elements between neighbours along each */
  void *data;                     /* the elements */
  int owns;                       /* data came from gradc_tensor_new */
} gradc_tensor;

/* Constructors return NULL after reporting through gradc_error when the
 * arguments are invalid (ndim outside 0..4, a negative extent, a size that
 * overflows) or memory runs out. */
gradc_tensor *gradc_tensor_new(gradc_dtype dtype, int ndim, const long *shape);
gradc_tensor *gradc_tensor_wrap(gradc_dtype dtype, int ndim, const long *shape, void *data);
void gradc_tensor_free(gradc_tensor *t);        /* NULL is ignored */
void gradc_tensor_zero(gradc_tensor *t);        /* every element := 0 */
long gradc_tensor_numel(const gradc_tensor *t); /* product of the shape */
size_t gradc_tensor_elsize(gradc_dtype dtype);  /* 4 or 8 */
int gradc_tensor_is_contiguous(const gradc_tensor *t); /* row-major, no gaps */

/* C = op(A) op(B), all 2-D; op(X) = X^T when its flag is nonzero. */
int gradc_t_matmul(gradc_tensor *C, const gradc_tensor *A, const gradc_tensor *B, int ta, int tb);
/* y = op(A) x, A 2-D, x and y 1-D. */
int gradc_t_matvec(gradc_tensor *y, const gradc_tensor *A, const gradc_tensor *x, int ta);
/* Z = X op Y elementwise, all three of one shape. */
int gradc_t_add(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y);
int gradc_t_sub(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y);
int gradc_t_mul(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y);
int gradc_t_div(gradc_tensor *Z, const gradc_tensor *X, const gradc_tensor *Y);
/* Y = a X, one shape. */
int gradc_t_scale(gradc_tensor *Y, double a, const gradc_tensor *X);
/* Y = X + b, b 1-D of X's last extent, added to every row. */
int gradc_t_add_bias(gradc_tensor *Y, const gradc_tensor *X, const gradc_tensor *b);
/* Y = f(X) elementwise, one shape. */
int gradc_t_relu(gradc_tensor *Y, const gradc_tensor *X);
int gradc_t_sigmoid(gradc_tensor *Y, const gradc_tensor *X);
int gradc_t_tanh(gradc_tensor *Y, const gradc_tensor *X);
int gradc_t_exp(gradc_tensor *Y, const gradc_tensor *X);
int gradc_t_log(gradc_tensor *Y, const gradc_tensor *X);
/* Row-wise (last dimension) softmax and log-softmax, one shape. */
int gradc_t_softmax(gradc_tensor *Y, const gradc_tensor *X);
int gradc_t_log_softmax(gradc_tensor *Y, const gradc_tensor *X);
/* y = sums or means of 2-D X along axis 0 (y has X's columns) or 1 (rows). */
int gradc_t_sum_axis(gradc_tensor *y, const gradc_tensor *X, int axis);
int gradc_t_mean_axis(gradc_tensor *y, const gradc_tensor *X, int axis);
/* Scalars (NaN after reporting an error). */
double gradc_t_dot(const gradc_tensor *x, const gradc_tensor *y); /* same numel */
double gradc_t_sum(const gradc_tensor *X);
double gradc_t_mean(const gradc_tensor *X);
double gradc_t_mse(const gradc_tensor *X, const gradc_tensor *Y); /* one shape */
/* Mean over the rows of -log softmax(logits)[row, labels[row]]; labels has
 * one entry per row, each in [0, last extent). */
double gradc_t_cross_entropy(const gradc_tensor *logits, const int *labels);

#ifdef __cplusplus
}
#endif
#endif /* GRADC_TENSOR_H */
