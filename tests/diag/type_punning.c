/* The bytes of a double copied into an integer and back: the value goes
 * through a type whose bytes carry no derivative, so the gradient would be
 * silently zero. Refused. */
#include <stdint.h>
#include <string.h>
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits); // expect-error: type punning
  bits ^= 1;
  double y;
  memcpy(&y, &bits, sizeof y);
  return y * x;
}
