/* A 'for' that a macro writes with an empty clause: libclang gives its
 * clauses without telling which is missing, and the macro's tokens are not
 * the statement's, so gradc cannot tell them apart. */
#include <gradc.h>

#define UNTIL_DONE(i) for (; (i) < 10; (i)++)

GRADC_GRAD(wrt(x))
double f(double x) {
  int i = 0;
  double s = 0;
  UNTIL_DONE(i) s += x * i; // expect-error: cannot tell the clauses of this 'for' apart
  return s;
}
