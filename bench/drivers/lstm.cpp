#include "harness.hpp"
#ifdef HAVE_ADOLC
#include "../adolc/kernels.hpp"
#endif
extern "C" {
double lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                      const double *state0, const double *seq);
double lstm_objective_grad(int l, int c, int b, const double *main_params, double *main_params_bar,
                           const double *extra_params, double *extra_params_bar, const double *state0,
                           const double *seq);
double lstm_objective_hand(int l, int c, int b, const double *main_params, double *main_params_bar,
                           const double *extra_params, double *extra_params_bar, const double *state0,
                           const double *seq);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const int l = 2, c = 100, b = 14;
  auto st = std::make_shared<std::vector<double>>(2 * l * b);
  auto seq = std::make_shared<std::vector<double>>(c * b);
  for (auto &v : *st) v = urand(-1, 1);
  for (auto &v : *seq) v = urand(-1, 1);
  const double *S = st->data(), *Q = seq->data();
  const int nm = 2 * l * 4 * b;
  Spec s;
  s.kernel = "LSTM";
  s.size = "l=2 b=14 c=100";
  s.p.resize(nm + 3 * b);
  for (auto &v : s.p) v = urand(-1, 1);
  s.primal = [=](const double *p) { return lstm_objective(l, c, b, p, p + nm, S, Q); };
  s.gradc = [=](const double *p, double *g) { return lstm_objective_grad(l, c, b, p, g, p + nm, g + nm, S, Q); };
  s.hand = [=](const double *p, double *g) { return lstm_objective_hand(l, c, b, p, g, p + nm, g + nm, S, Q); };
#ifdef HAVE_ADOLC
  s.adolc_rec = [=](const double *p) {
    std::vector<adouble> a(nm + 3 * b);
    for (int i = 0; i < nm + 3 * b; i++) a[i] <<= p[i];
    adouble f = t_lstm<adouble>(l, c, b, &a[0], &a[nm], S, Q);
    double y;
    f >>= y;
  };
#endif
  s.fd_n = s.p.size();
  s.dump = "lstm";
  s.meta = {{"l", "2"}, {"c", "100"}, {"b", "14"}};
  write_f64(out + "/lstm.state.f64", S, st->size());
  write_f64(out + "/lstm.seq.f64", Q, seq->size());
  run_spec(s, out);
}
