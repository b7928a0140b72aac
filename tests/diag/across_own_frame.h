#include <gradc.h>
GRADC_GRAD(wrt(w), out(h))
void layer(const double *w, double *h, int n);
/* other files call f too */
GRADC_GRAD(wrt(w))
double f(const double *w, int n);
