/* gradc/kernels.h: array kernels with their adjoints, BLAS-backed.
 *
 * Kernels work on raw row-major arrays with explicit sizes, so gradc can
 * differentiate calls to them in user code like any call: each kernel k has
 * an adjoint k_rev with the convention of GRADC_CUSTOM_GRAD (see gradc.h):
 * the kernel's parameters, with an adjoint after every floating array
 * parameter, then, for a kernel that returns a value, its seed. An output
 * array's adjoint holds the seed on entry (it is consumed: zero on return);
 * each input's adjoint receives seed * d(output)/d(input), added. An adjoint
 * that needs an output reads the output the forward call left (relu, softmax
 * keep their results rather than recompute them). A call whose output is
 * also one of its inputs (in place) is allowed for the kernels marked
 * GRADC_IN_PLACE; gradc refuses it for the others. axpy's y is both by
 * design: its adjoint passes y_bar on as the adjoint of the old y.
 *
 * GRADC_WRITES(param, count) tells gradc how many elements a kernel writes
 * through an output parameter, so that it can save them when the reverse
 * sweep needs their old values.
 *
 * Suffix _d: double, _f: float. Transposes: ta, tb nonzero = transposed.
 */
#ifndef GRADC_KERNELS_H
#define GRADC_KERNELS_H

#include <gradc.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__clang__)
#define GRADC_WRITES(param, count) GRADC_ANNOTATE_("gradc_writes:" #param ":" #count)
#else
#define GRADC_WRITES(param, count)
#endif
/* GRADC_IN_PLACE: the output may be one of the inputs (relu(x, x)): the
 * adjoint never reads an input that the output overwrites, and it accepts an
 * input adjoint that is the output adjoint. Other kernels refuse it. */
#define GRADC_IN_PLACE GRADC_ANNOTATE_("gradc_in_place")
/* GRADC_INACTIVE(param): the derivative does not cover param (cblas's
 * beta): gradc refuses a call where it depends on a wrt input. */
#if defined(__clang__)
#define GRADC_INACTIVE(param) GRADC_ANNOTATE_("gradc_inactive:" #param)
#else
#define GRADC_INACTIVE(param)
#endif
/* GRADC_READS_OUTPUT: the adjoint reads the output the forward call left
 * (sigmoid, softmax); gradc keeps it. Other adjoints never read outputs. */
#define GRADC_READS_OUTPUT GRADC_ANNOTATE_("gradc_reads_output")
/* GRADC_READS_INPUT: the adjoint reads the values that the blocks of
 * GRADC_WRITES held before the call (cblas_?trmv's x, overwritten in place):
 * gradc saves them at the call and restores them before it calls the
 * adjoint, which then sees the call's inputs, not its outputs. Not together
 * with GRADC_READS_OUTPUT. */
#define GRADC_READS_INPUT GRADC_ANNOTATE_("gradc_reads_input")

#define GRADC_KERNELS_(T, s)                                                                        \
  /* C[m x n] = op(A) op(B), op(A) m x k, op(B) k x n (cblas_?gemm, alpha 1, beta 0) */           \
  GRADC_CUSTOM_GRAD(gradc_gemm_##s##_rev) GRADC_WRITES(C, m * n)                                   \
  void gradc_gemm_##s(int ta, int tb, int m, int n, int k, const T *A, const T *B, T *C);          \
  void gradc_gemm_##s##_rev(int ta, int tb, int m, int n, int k, const T *A, T *A_bar,             \
                            const T *B, T *B_bar, T *C, T *C_bar);                                 \
  /* y[m] = op(A) x, A m x n (op(A) n x m when ta) */                                             \
  GRADC_CUSTOM_GRAD(gradc_gemv_##s##_rev) GRADC_WRITES(y, ta ? n : m)                              \
  void gradc_gemv_##s(int ta, int m, int n, const T *A, const T *x, T *y);                         \
  void gradc_gemv_##s##_rev(int ta, int m, int n, const T *A, T *A_bar, const T *x, T *x_bar,      \
                            T *y, T *y_bar);                                                       \
  /* x . y */                                                                                      \
  GRADC_CUSTOM_GRAD(gradc_dot_##s##_rev)                                                           \
  T gradc_dot_##s(int n, const T *x, const T *y);                                                  \
  T gradc_dot_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T ret_bar);             \
  /* y += a x */                                                                                   \
  GRADC_CUSTOM_GRAD(gradc_axpy_##s##_rev) GRADC_WRITES(y, n)                                       \
  void gradc_axpy_##s(int n, T a, const T *x, T *y);                                               \
  void gradc_axpy_##s##_rev(int n, T a, T *a_bar, const T *x, T *x_bar, T *y, T *y_bar);           \
  /* y = a x */                                                                                    \
  GRADC_CUSTOM_GRAD(gradc_scale_##s##_rev) GRADC_WRITES(y, n)                                      \
  void gradc_scale_##s(int n, T a, const T *x, T *y);                                              \
  void gradc_scale_##s##_rev(int n, T a, T *a_bar, const T *x, T *x_bar, T *y, T *y_bar);          \
  /* z = x + y, x - y, x * y, x / y, elementwise */                                                \
  GRADC_CUSTOM_GRAD(gradc_add_##s##_rev) GRADC_IN_PLACE GRADC_WRITES(z, n)                                        \
  void gradc_add_##s(int n, const T *x, const T *y, T *z);                                         \
  void gradc_add_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar);     \
  GRADC_CUSTOM_GRAD(gradc_sub_##s##_rev) GRADC_IN_PLACE GRADC_WRITES(z, n)                                        \
  void gradc_sub_##s(int n, const T *x, const T *y, T *z);                                         \
  void gradc_sub_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar);     \
  GRADC_CUSTOM_GRAD(gradc_mul_##s##_rev) GRADC_WRITES(z, n)                                        \
  void gradc_mul_##s(int n, const T *x, const T *y, T *z);                                         \
  void gradc_mul_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar);     \
  GRADC_CUSTOM_GRAD(gradc_div_##s##_rev) GRADC_WRITES(z, n)                                        \
  void gradc_div_##s(int n, const T *x, const T *y, T *z);                                         \
  void gradc_div_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar);     \
  /* Y[m x n] = X + b, b[n] broadcast over the rows */                                             \
  GRADC_CUSTOM_GRAD(gradc_add_bias_##s##_rev) GRADC_IN_PLACE GRADC_WRITES(Y, m * n)                               \
  void gradc_add_bias_##s(int m, int n, const T *X, const T *b, T *Y);                             \
  void gradc_add_bias_##s##_rev(int m, int n, const T *X, T *X_bar, const T *b, T *b_bar, T *Y,    \
                                T *Y_bar);                                                         \
  /* sums and means: of all n elements; of X[m x n] along axis 0 (y[n]) or 1 (y[m]) */             \
  GRADC_CUSTOM_GRAD(gradc_sum_##s##_rev)                                                           \
  T gradc_sum_##s(int n, const T *x);                                                              \
  T gradc_sum_##s##_rev(int n, const T *x, T *x_bar, T ret_bar);                                   \
  GRADC_CUSTOM_GRAD(gradc_mean_##s##_rev)                                                          \
  T gradc_mean_##s(int n, const T *x);                                                             \
  T gradc_mean_##s##_rev(int n, const T *x, T *x_bar, T ret_bar);                                  \
  GRADC_CUSTOM_GRAD(gradc_sum_axis_##s##_rev) GRADC_WRITES(y, axis ? m : n)                        \
  void gradc_sum_axis_##s(int m, int n, int axis, const T *X, T *y);                               \
  void gradc_sum_axis_##s##_rev(int m, int n, int axis, const T *X, T *X_bar, T *y, T *y_bar);     \
  GRADC_CUSTOM_GRAD(gradc_mean_axis_##s##_rev) GRADC_WRITES(y, axis ? m : n)                       \
  void gradc_mean_axis_##s(int m, int n, int axis, const T *X, T *y);                              \
  void gradc_mean_axis_##s##_rev(int m, int n, int axis, const T *X, T *X_bar, T *y, T *y_bar);    \
  /* y = f(x) elementwise; relu'(0) = 0 */                                                         \
  GRADC_CUSTOM_GRAD(gradc_relu_##s##_rev) GRADC_IN_PLACE GRADC_WRITES(y, n)                                       \
  void gradc_relu_##s(int n, const T *x, T *y);                                                    \
  void gradc_relu_##s##_rev(int n, const T *x, T *x_bar, T *y, T *y_bar);                          \
  GRADC_CUSTOM_GRAD(gradc_sigmoid_##s##_rev) GRADC_IN_PLACE GRADC_READS_OUTPUT GRADC_WRITES(y, n)                                    \
  void gradc_sigmoid_##s(int n, const T *x, T *y);                                                 \
  void gradc_sigmoid_##s##_rev(int n, const T *x, T *x_bar, T *y, T *y_bar);                       \
  GRADC_CUSTOM_GRAD(gradc_tanh_##s##_rev) GRADC_IN_PLACE GRADC_READS_OUTPUT GRADC_WRITES(y, n)                                       \
  void gradc_tanh_##s(int n, const T *x, T *y);                                                    \
  void gradc_tanh_##s##_rev(int n, const T *x, T *x_bar, T *y, T *y_bar);                          \
  GRADC_CUSTOM_GRAD(gradc_exp_##s##_rev) GRADC_IN_PLACE GRADC_READS_OUTPUT GRADC_WRITES(y, n)                                        \
  void gradc_exp_##s(int n, const T *x, T *y);                                                     \
  void gradc_exp_##s##_rev(int n, const T *x, T *x_bar, T *y, T *y_bar);                           \
  GRADC_CUSTOM_GRAD(gradc_log_##s##_rev) GRADC_WRITES(y, n)                                        \
  void gradc_log_##s(int n, const T *x, T *y);                                                     \
  void gradc_log_##s##_rev(int n, const T *x, T *x_bar, T *y, T *y_bar);                           \
  /* row-wise softmax and log-softmax of X[m x n] */                                               \
  GRADC_CUSTOM_GRAD(gradc_softmax_##s##_rev) GRADC_IN_PLACE GRADC_READS_OUTPUT GRADC_WRITES(Y, m * n)                                \
  void gradc_softmax_##s(int m, int n, const T *X, T *Y);                                          \
  void gradc_softmax_##s##_rev(int m, int n, const T *X, T *X_bar, T *Y, T *Y_bar);                \
  GRADC_CUSTOM_GRAD(gradc_log_softmax_##s##_rev) GRADC_IN_PLACE GRADC_READS_OUTPUT GRADC_WRITES(Y, m * n)                            \
  void gradc_log_softmax_##s(int m, int n, const T *X, T *Y);                                      \
  void gradc_log_softmax_##s##_rev(int m, int n, const T *X, T *X_bar, T *Y, T *Y_bar);            \
  /* mean((x - y)^2) over n elements */                                                            \
  GRADC_CUSTOM_GRAD(gradc_mse_##s##_rev)                                                           \
  T gradc_mse_##s(int n, const T *x, const T *y);                                                  \
  T gradc_mse_##s##_rev(int n, const T *x, T *x_bar, const T *y, T *y_bar, T ret_bar);             \
  /* mean over the m rows of -log softmax(logits)[row, labels[row]], logits m x n */               \
  GRADC_CUSTOM_GRAD(gradc_cross_entropy_##s##_rev)                                                 \
  T gradc_cross_entropy_##s(int m, int n, const T *logits, const int *labels);                     \
  T gradc_cross_entropy_##s##_rev(int m, int n, const T *logits, T *logits_bar, const int *labels, \
                                  T ret_bar);

GRADC_KERNELS_(double, d)
GRADC_KERNELS_(float, f)

#ifdef __cplusplus
}
#endif
#endif
