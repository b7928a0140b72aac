/* check_lstm.c: gradc's gradient of bench/adbench/lstm.c against central
 * differences, at small sizes with random data from a fixed seed, and
 * against the hand-written adjoint bench/hand/lstm_hand.c (adb_lstm_objective_hand). */
#include "adb_check.h"
#include "adbench_helpers.h"

double adb_lstm_objective(size_t l, size_t c, size_t b, const double *main_params, const double *extra_params,
                          const double *state, const double *sequence);
double adb_lstm_objective_grad(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);

double adb_lstm_objective_hand(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);

struct lstm_case {
  size_t l, c, b;
  const double *state, *seq;
};

static double eval(const double *p, void *ctx) {
  struct lstm_case *k = ctx;
  return adb_lstm_objective(k->l, k->c, k->b, p, p + 8 * k->l * k->b, k->state, k->seq);
}

static void run(size_t l, size_t c, size_t b) {
  const size_t nm = 8 * l * b, np = nm + 3 * b;
  double *state = malloc(2 * l * b * sizeof *state), *keep = malloc(2 * l * b * sizeof *keep);
  double *seq = malloc(c * b * sizeof *seq), *p = malloc(np * sizeof *p), *g = calloc(np, sizeof *g);
  adb_fill(state, 2 * l * b, -1, 1);
  adb_fill(seq, c * b, -1, 1);
  adb_fill(p, np, -1, 1);
  memcpy(keep, state, 2 * l * b * sizeof *keep);
  struct lstm_case k = {l, c, b, state, seq};
  char what[128];
  snprintf(what, sizeof what, "lstm l=%zu c=%zu b=%zu", l, c, b);

  double f = eval(p, &k);
  double fg = adb_lstm_objective_grad(l, c, b, p, g, p + nm, g + nm, state, seq);
  adb_check_close("lstm: value returned by the gradient", fg, f, 1e-12);
  if (memcmp(keep, state, 2 * l * b * sizeof *keep)) {
    printf("FAIL lstm: the initial state was modified\n");
    adb_failures++;
  }
  adb_check_grad(what, eval, &k, p, np, g, 1e-6);
  double *gh = calloc(np, sizeof *gh);
  adb_check_close("lstm: value returned by the hand-written adjoint",
                  adb_lstm_objective_hand(l, c, b, p, gh, p + nm, gh + nm, state, seq), f, 1e-12);
  double worst = 0;
  for (size_t i = 0; i < np; i++) {
    double den = fmax(fmax(fabs(g[i]), fabs(gh[i])), 1e-300);
    worst = fmax(worst, fabs(g[i] - gh[i]) / den);
  }
  if (worst > 1e-9) {
    printf("FAIL lstm: gradient vs bench/hand/lstm_hand.c (adb_lstm_objective_hand): max rel diff %.2e\n", worst);
    adb_failures++;
  }
  free(state), free(keep), free(seq), free(p), free(g), free(gh);
}

int main(void) {
  adb_seed(20240613);
  run(1, 3, 2);
  run(2, 4, 3);
  run(3, 5, 4);
  return adb_done("check_lstm");
}
