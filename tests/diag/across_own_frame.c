/* f is called from other files (its prototype is annotated), so it gets
 * a separate forward and reverse sweep; it passes its own local array to
 * layer, which is defined in another file. gradc still writes f_grad,
 * and warns that f gets no companions. */
#include "across_own_frame.h"

double f(const double *w, int n) {
  double h[4];
  layer(w, h, n); // expect-warning: memory of the frame of 'f'
  return h[0] * h[1];
}
