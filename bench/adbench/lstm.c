/* lstm.c: ADBench's LSTM objective, written as ordinary C (helpers in
 * adbench_helpers.h), not flattened.
 *
 * l layers of ADBench's diagonal LSTM cell, hidden size b equal to the input
 * size, over a sequence sequence[c][b]; the loss is minus the mean over the
 * c - 1 predictions of gold . (ypred - lse(ypred)), with ADBench's
 * lse = log(2 + sum exp). main_params[l][2][4][b]: per layer the weights then
 * the biases of the forget, input, output gates and the change;
 * extra_params[3][b]: input weight, output weight, output bias;
 * state[l][2][b]: initial hidden and cell state (copied, not modified). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gradc.h>
#include "adbench_helpers.h"

GRADC_GRAD(wrt(main_params, extra_params))
double FN(lstm_objective)(size_t l, size_t c, size_t b, const double *main_params, const double *extra_params,
                          const double *state, const double *sequence) {
  double *s = malloc(2 * l * b * sizeof(double));
  memcpy(s, state, 2 * l * b * sizeof(double));
  double *ypred = malloc(b * sizeof(double));
  double *ynorm = malloc(b * sizeof(double));

  double total = 0.0;
  size_t count = 0;
  const double *input = &sequence[0];
  for (size_t t = 0; t < (c - 1) * b; t += b) {
    lstm_predict(l, b, main_params, extra_params, s, input, ypred);
    double lse = lstm_logsumexp(ypred, b);
    for (size_t i = 0; i < b; i++) ynorm[i] = ypred[i] - lse;
    const double *ygold = &sequence[t + b];
    for (size_t i = 0; i < b; i++) total += ygold[i] * ynorm[i];
    count += b;
    input = ygold;
  }

  free(s);
  free(ypred);
  free(ynorm);
  return -total / (double)count;
}
