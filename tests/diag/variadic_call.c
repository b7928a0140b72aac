/* Calling a variadic function with active arguments is refused. */
#include <stdarg.h>
#include <gradc.h>

double sum(int n, ...) {
  va_list ap;
  double s = 0;
  va_start(ap, n);
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s;
}

GRADC_GRAD(wrt(x))
double f(double x) {
  return sum(2, x, x * x); // expect-error: cannot differentiate the variadic function 'sum'
}
