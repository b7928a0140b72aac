// adb_lstm.cpp: bench/adbench/lstm.c (ADBench's LSTM written as ordinary C,
// with helpers; ADBench's log(2 + sum exp) normalisation) at the size of
// lstm.cpp; its hand-written adjoint is bench/hand/lstm_hand.c's
// adb_lstm_objective_hand (the kernels/lstm.c loss, with the max-shifted
// logsumexp, is lstm_objective_hand there).
#include "harness.hpp"
extern "C" {
double adb_lstm_objective(size_t l, size_t c, size_t b, const double *main_params, const double *extra_params,
                          const double *state, const double *sequence);
double adb_lstm_objective_grad(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);
double adb_lstm_objective_hand(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const size_t l = 2, c = 100, b = 14;
  auto st = std::make_shared<std::vector<double>>(2 * l * b);
  auto seq = std::make_shared<std::vector<double>>(c * b);
  for (auto &v : *st) v = urand(-1, 1);
  for (auto &v : *seq) v = urand(-1, 1);
  const double *S = st->data(), *Q = seq->data();
  const size_t nm = 2 * l * 4 * b;
  Spec s;
  s.kernel = "LSTM (ADBench C)";
  s.size = "l=2 b=14 c=100";
  s.p.resize(nm + 3 * b);
  for (auto &v : s.p) v = urand(-1, 1);
  s.primal = [=](const double *p) { return adb_lstm_objective(l, c, b, p, p + nm, S, Q); };
  s.gradc = [=](const double *p, double *g) { return adb_lstm_objective_grad(l, c, b, p, g, p + nm, g + nm, S, Q); };
  s.hand = [=](const double *p, double *g) {
    return adb_lstm_objective_hand(l, c, b, p, g, p + nm, g + nm, S, Q);
  };
  s.fd_n = s.p.size();
  run_spec(s, out);
}
