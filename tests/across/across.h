/* Functions defined in callee.c and differentiated from caller.c: the
 * annotations on these prototypes are what caller.c sees. */
#ifndef ACROSS_H
#define ACROSS_H
#include <gradc.h>

/* a * sum x_i^2: a scalar in wrt (a caller may pass a constant), a return value */
GRADC_GRAD(wrt(a, x))
double wsum(double a, const double *x, int n);

/* v /= |v|, in place: in wrt(...) and in out(...) */
GRADC_GRAD(wrt(v), out(v))
void normalize(double *v, int n);

/* y_i = x_i * x_(n-1-i), walking two pointers towards each other */
GRADC_GRAD(wrt(x), out(y))
void fold(const double *x, double *y, int n);

/* x^k by recursion: a recursive function other files call */
GRADC_GRAD(wrt(x))
double rpow(double x, int k);

/* rows of a matrix through a moving row pointer, scratch memory from malloc */
GRADC_GRAD(wrt(A, x), out(y))
void matvec(const double *A, const double *x, double *y, int m, int n);

#endif
