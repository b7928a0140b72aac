/* Loops that overwrite v[i] for each i of their range and save nothing
 * else (rev_loop.c block_write): the old values go to the tape as one block
 * before the loop, and come back one by one in its reverse. A stencil
 * swapping two buffers; an update that reads what it overwrites and
 * what the previous iteration wrote, also through a second name; float
 * buffers; and the near misses that keep one save per iteration: a second
 * buffer written in the loop, a scalar saved in the loop, a write in an if.
 * Every gradient is checked against central differences and the dot-product
 * test. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

/* heat-like: u and v swap each step */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double swap_steps(int n, const double *w) {
  double *u = malloc(n * sizeof(double)), *v = malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) u[i] = w[i];
  v[0] = u[0];
  v[n - 1] = u[n - 1];
  for (int t = 0; t < 4; t++) {
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + 0.3 * sin(u[i + 1] - 2 * u[i] + u[i - 1]) * w[i];
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i] * w[(i + 1) % n];
  free(u);
  free(v);
  return s;
}

/* v[i] from v[i - 1] (written by the previous iteration) and v[i] itself,
 * read also as q[i - 1] with q = v + 1 */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double chained(int n, const double *w) {
  double v[8];
  const double *q = v + 1;
  for (int i = 0; i < n; i++) v[i] = w[i];
  for (int t = 0; t < 3; t++) {
    for (int i = 1; i < n; i++) v[i] = sin(v[i - 1] * q[i - 1]) + 0.5 * w[i];
    v[0] = v[n - 1] * 0.5;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * (i + 1);
  return s;
}

/* float buffers, a loop over three elements */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double small_float(int n, const double *w) {
  float a[3] = {0};
  double s = 0;
  for (int k = 0; k < n; k++) {
    for (int j = 0; j < 3; j++) a[j] = (float)(a[j] * 0.5 + sin(w[k] * (j + 1)));
    s += a[0] * a[1] - a[2];
  }
  return s * s;
}

/* near misses: a second buffer written in the loop; a scalar saved in the
 * loop; a write in an if */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double near(int n, const double *w) {
  double v[8], z[8], s = 0;
  for (int i = 0; i < n; i++) v[i] = z[i] = w[i];
  for (int t = 0; t < 3; t++) {
    for (int i = 0; i < n; i++) {
      v[i] = sin(v[i] + z[i]);
      z[i] = z[i] * v[i];
    }
    double c = 1;
    for (int i = 0; i < n; i++) {
      c = c * 0.9 + v[i];
      v[i] = c * v[i];
    }
    for (int i = 0; i < n; i++)
      if (w[i] > 0) v[i] = v[i] * w[i];
  }
  for (int i = 0; i < n; i++) s += v[i] + z[i];
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"

CHECK_CASE(swap_steps, 6)
CHECK_CASE(chained, 6)
CHECK_CASE(small_float, 4)
CHECK_CASE(near, 6)

int main(void) {
  double w[6] = {0.4, -0.3, 0.7, 0.2, -0.6, 0.9};
  check_gradient("swap_steps", eval_swap_steps, grad_swap_steps, w, 6, 1e-8);
  check_dot("swap_steps", jvp_swap_steps, grad_swap_steps, w, 6, 1e-12);
  check_gradient("chained", eval_chained, grad_chained, w, 6, 1e-8);
  check_dot("chained", jvp_chained, grad_chained, w, 6, 1e-12);
  /* float storage rounds at 1e-7: central differences cannot see the
   * derivative there; forward mode, which tapes nothing, can */
  (void)eval_small_float;
  check_dot("small_float", jvp_small_float, grad_small_float, w, 4, 1e-6);
  check_gradient("near", eval_near, grad_near, w, 6, 1e-8);
  check_dot("near", jvp_near, grad_near, w, 6, 1e-12);
  return check_done("stencil");
}
#endif
