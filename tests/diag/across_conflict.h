#include <gradc.h>
/* what callers in other files see */
GRADC_GRAD(wrt(a, b))
double mix(double a, double b);
