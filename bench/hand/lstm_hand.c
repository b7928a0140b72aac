/* lstm_hand.c: hand-written adjoint of kernels/lstm.c (same signature as the
 * generated lstm_objective_grad), and of adbench/lstm.c
 * (adb_lstm_objective_hand), which normalises with ADBench's
 * lse = log(2 + sum exp(ypred)) instead of the max-shifted logsumexp: the
 * same adjoint with exp(ypred_i) / (2 + sum exp) for the softmax.
 *
 * The forward pass is the kernel's, expression for expression, but it keeps
 * per time step and layer what the reverse needs: the hidden and cell state
 * before the step, the four gate activations and tanh(cell) after it (7 b
 * doubles), so the reverse calls no exp or tanh. The output layer and the
 * log-softmax loss do not depend on later steps, so their adjoint is taken
 * in the forward pass already: the extra_params output weights and biases
 * are accumulated there and only the adjoint of the top hidden state is kept
 * (b doubles per step). The reverse then runs the time steps backwards,
 * layers top to bottom, carrying the adjoints of the hidden and cell state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

enum { H = 0, C = 1, FG = 2, IG = 3, OG = 4, CH = 5, TC = 6, REC = 7 };

static double hand(int l, int c, int b, const double *main_params, double *main_params_bar,
                   const double *extra_params, double *extra_params_bar, const double *state0, const double *seq,
                   int adbench) {
  const size_t B = (size_t)b, T = c > 1 ? (size_t)(c - 1) : 0;
  /* rec[t][layer]: h_prev, c_prev, forget, ingate, outgate, change, tanh(c_new) */
  double *rec = malloc((T * l * REC + 1) * B * sizeof *rec);
  double *topb = malloc((T + 1) * B * sizeof *topb); /* adjoint of the top hidden state, per step */
  double *state = malloc(2 * (size_t)l * B * sizeof *state);
  double *x = malloc(4 * B * sizeof *x);
  double *ey = x + B, *xb = x + 2 * B, *tmp = x + 3 * B;
  double *stb = malloc(2 * (size_t)l * B * sizeof *stb);
  memcpy(state, state0, 2 * (size_t)l * B * sizeof *state);
  const double scale = -1.0 / ((c - 1) * b); /* d objective / d total */
  double total = 0.0;

  /* ---- forward, with the output layer's adjoint ---- */
  for (size_t t = 0; t < T; t++) {
    const double *input = seq + t * B;
    for (int i = 0; i < b; i++) x[i] = input[i] * extra_params[i];
    for (int layer = 0; layer < l; layer++) {
      const double *w = main_params + (size_t)layer * 8 * B, *bias = w + 4 * B;
      double *hid = state + (size_t)layer * 2 * B, *cell = hid + B;
      double *r = rec + (t * l + layer) * REC * B;
      memcpy(r + H * B, hid, B * sizeof *r);
      memcpy(r + C * B, cell, B * sizeof *r);
      for (int i = 0; i < b; i++) {
        double forget = sigmoid(x[i] * w[i] + bias[i]);
        double ingate = sigmoid(hid[i] * w[b + i] + bias[b + i]);
        double outgate = sigmoid(x[i] * w[2 * b + i] + bias[2 * b + i]);
        double change = tanh(hid[i] * w[3 * b + i] + bias[3 * b + i]);
        cell[i] = cell[i] * forget + ingate * change;
        double tc = tanh(cell[i]);
        hid[i] = outgate * tc;
        r[FG * B + i] = forget;
        r[IG * B + i] = ingate;
        r[OG * B + i] = outgate;
        r[CH * B + i] = change;
        r[TC * B + i] = tc;
      }
      memcpy(x, hid, B * sizeof *x);
    }
    /* ypred = x wo + bo; total += gold . (ypred - lse(ypred)) */
    double *ypred = tmp;
    for (int i = 0; i < b; i++) ypred[i] = x[i] * extra_params[b + i] + extra_params[2 * b + i];
    double mx = 0.0;   /* ADBench: no shift, and 2 more in the sum */
    if (!adbench) {
      mx = ypred[0];
      for (int i = 1; i < b; i++)
        if (ypred[i] > mx) mx = ypred[i];
    }
    double se = adbench ? 2.0 : 0.0;
    for (int i = 0; i < b; i++) {
      ey[i] = exp(ypred[i] - mx);
      se += ey[i];
    }
    double lse = log(se) + mx;
    const double *gold = seq + (t + 1) * B;
    double gs = 0.0;
    for (int i = 0; i < b; i++) {
      total += gold[i] * (ypred[i] - lse);
      gs += gold[i];
    }
    /* d total / d ypred_i = gold_i - (sum gold) ey_i / se */
    double *tb = topb + t * B;
    for (int i = 0; i < b; i++) {
      double yb = scale * (gold[i] - gs * ey[i] / se);
      extra_params_bar[b + i] += yb * x[i];
      extra_params_bar[2 * b + i] += yb;
      tb[i] = yb * extra_params[b + i];
    }
  }

  /* ---- reverse through the cells ---- */
  memset(stb, 0, 2 * (size_t)l * B * sizeof *stb); /* adjoints of hidden, cell per layer */
  for (size_t t = T; t-- > 0;) {
    double *hb0 = stb + (size_t)(l - 1) * 2 * B;
    for (int i = 0; i < b; i++) hb0[i] += topb[t * B + i];
    for (int layer = l - 1; layer >= 0; layer--) {
      const double *w = main_params + (size_t)layer * 8 * B;
      double *wb = main_params_bar + (size_t)layer * 8 * B, *biasb = wb + 4 * B;
      const double *r = rec + (t * l + layer) * REC * B;
      const double *hp = r + H * B, *cp = r + C * B, *fg = r + FG * B, *ig = r + IG * B, *og = r + OG * B,
                   *ch = r + CH * B, *tc = r + TC * B;
      /* the layer's input: the hidden state of the layer below after this
       * step (its h_prev at t + 1, or the live state at the last step), or
       * input * extra[0:b] for layer 0 */
      const double *xin;
      if (layer == 0) {
        const double *input = seq + t * B;
        for (int i = 0; i < b; i++) tmp[i] = input[i] * extra_params[i];
        xin = tmp;
      } else if (t + 1 < T) {
        xin = rec + ((t + 1) * l + layer - 1) * REC * B + H * B;
      } else {
        xin = state + (size_t)(layer - 1) * 2 * B;
      }
      double *hb = stb + (size_t)layer * 2 * B, *cb = hb + B;
      for (int i = 0; i < b; i++) {
        /* h = og tanh(c) */
        double hbi = hb[i];
        double ogb = hbi * tc[i];
        double cbi = cb[i] + hbi * og[i] * (1.0 - tc[i] * tc[i]);
        /* c = c_prev fg + ig ch */
        double fgb = cbi * cp[i], igb = cbi * ch[i], chb = cbi * ig[i];
        cb[i] = cbi * fg[i];
        /* through the sigmoids and the tanh to the pre-activations */
        double zf = fgb * fg[i] * (1.0 - fg[i]);
        double zi = igb * ig[i] * (1.0 - ig[i]);
        double zo = ogb * og[i] * (1.0 - og[i]);
        double zc = chb * (1.0 - ch[i] * ch[i]);
        wb[i] += zf * xin[i];
        biasb[i] += zf;
        wb[b + i] += zi * hp[i];
        biasb[b + i] += zi;
        wb[2 * b + i] += zo * xin[i];
        biasb[2 * b + i] += zo;
        wb[3 * b + i] += zc * hp[i];
        biasb[3 * b + i] += zc;
        hb[i] = zi * w[b + i] + zc * w[3 * b + i];
        xb[i] = zf * w[i] + zo * w[2 * b + i];
      }
      if (layer > 0) {
        double *hbl = stb + (size_t)(layer - 1) * 2 * B;
        for (int i = 0; i < b; i++) hbl[i] += xb[i];
      } else {
        const double *input = seq + t * B;
        for (int i = 0; i < b; i++) extra_params_bar[i] += xb[i] * input[i];
      }
    }
  }
  free(rec);
  free(topb);
  free(state);
  free(x);
  free(stb);
  return -total / ((c - 1) * b);
}

double lstm_objective_hand(int l, int c, int b, const double *main_params, double *main_params_bar,
                           const double *extra_params, double *extra_params_bar, const double *state0,
                           const double *seq) {
  return hand(l, c, b, main_params, main_params_bar, extra_params, extra_params_bar, state0, seq, 0);
}

double adb_lstm_objective_hand(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state0,
                               const double *seq) {
  return hand((int)l, (int)c, (int)b, main_params, main_params_bar, extra_params, extra_params_bar, state0, seq, 1);
}
