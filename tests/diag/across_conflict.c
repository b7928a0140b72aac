/* The definition's annotation disagrees with the one on the prototype
 * that other files see. */
#include "across_conflict.h"

GRADC_GRAD(wrt(a)) // expect-error: differs from the one on its declaration
double mix(double a, double b) { return a * b; }
