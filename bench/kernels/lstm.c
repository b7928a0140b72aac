/* lstm.c: LSTM objective (ADBench/GradBench "lstm").
 *
 * l layers of the (diagonal) LSTM cell of ADBench, hidden size b equal to the
 * input size, run over a sequence of c one-hot-like vectors seq[c][b]; the loss
 * is minus the mean log-softmax probability of the next element.
 * main[l][2][4][b]: per layer weights then biases of the forget, input, output
 * gates and the cell change; extra[3][b]: input weight, output weight, output
 * bias; state0[l][2][b]: initial hidden and cell state (not differentiated). */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* one cell: updates hidden[b] and cell[b] in place */
static void lstm_model(int b, const double *w, const double *bias, double *hidden, double *cell,
                       const double *input) {
  for (int i = 0; i < b; i++) {
    double forget = sigmoid(input[i] * w[i] + bias[i]);
    double ingate = sigmoid(hidden[i] * w[b + i] + bias[b + i]);
    double outgate = sigmoid(input[i] * w[2 * b + i] + bias[2 * b + i]);
    double change = tanh(hidden[i] * w[3 * b + i] + bias[3 * b + i]);
    cell[i] = cell[i] * forget + ingate * change;
    hidden[i] = outgate * tanh(cell[i]);
  }
}

GRADC_GRAD(wrt(main_params, extra_params))
double lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                      const double *state0, const double *seq) {
  double *state = malloc(2 * l * b * sizeof(double));
  double *x = malloc(b * sizeof(double));
  double *ypred = malloc(b * sizeof(double));
  for (int i = 0; i < 2 * l * b; i++) state[i] = state0[i];
  double total = 0.0;
  for (int t = 0; t < c - 1; t++) {
    const double *input = seq + t * b;
    for (int i = 0; i < b; i++) x[i] = input[i] * extra_params[i];
    for (int layer = 0; layer < l; layer++) {
      const double *w = main_params + layer * 8 * b;
      lstm_model(b, w, w + 4 * b, state + layer * 2 * b, state + layer * 2 * b + b, x);
      for (int i = 0; i < b; i++) x[i] = state[layer * 2 * b + i];
    }
    for (int i = 0; i < b; i++) ypred[i] = x[i] * extra_params[b + i] + extra_params[2 * b + i];
    double mx = ypred[0];
    for (int i = 1; i < b; i++)
      if (ypred[i] > mx) mx = ypred[i];
    double se = 0.0;
    for (int i = 0; i < b; i++) se += exp(ypred[i] - mx);
    double lse = log(se) + mx;
    const double *gold = seq + (t + 1) * b;
    for (int i = 0; i < b; i++) total += gold[i] * (ypred[i] - lse);
  }
  free(state);
  free(x);
  free(ypred);
  return -total / ((c - 1) * b);
}
