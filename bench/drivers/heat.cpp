#include "harness.hpp"
#ifdef HAVE_ADOLC
#include "../adolc/kernels.hpp"
#endif
extern "C" {
double heat(int N, int T, double r, const double *u0, const double *kappa, const double *target);
double heat_grad(int N, int T, double r, const double *u0, double *u0_bar, const double *kappa,
                 double *kappa_bar, const double *target);
double heat_hand(int N, int T, double r, const double *u0, double *u0_bar, const double *kappa,
                 double *kappa_bar, const double *target);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const int N = 1000, T = 1000;
  const double r = 0.25;
  auto tg = std::make_shared<std::vector<double>>(N);
  for (int i = 0; i < N; i++) (*tg)[i] = 0.5 + 0.3 * std::sin(0.02 * i);
  Spec s;
  s.kernel = "heat";
  s.size = "N=1000, 1000 steps";
  s.p.resize(N + N - 1);
  for (int i = 0; i < N; i++) s.p[i] = std::exp(-1e-4 * (i - 500.0) * (i - 500.0)) + 0.1 * urand();
  for (int i = 0; i < N - 1; i++) s.p[N + i] = urand(0.5, 1.5);
  const double *tgt = tg->data();
  s.primal = [=](const double *p) { return heat(N, T, r, p, p + N, tgt); };
  s.gradc = [=](const double *p, double *g) { return heat_grad(N, T, r, p, g, p + N, g + N, tgt); };
  s.hand = [=](const double *p, double *g) { return heat_hand(N, T, r, p, g, p + N, g + N, tgt); };
#ifdef HAVE_ADOLC
  s.adolc_rec = [=](const double *p) {
    std::vector<adouble> a(2 * N - 1);
    for (int i = 0; i < 2 * N - 1; i++) a[i] <<= p[i];
    adouble f = t_heat<adouble>(N, T, r, &a[0], &a[N], tgt);
    double y;
    f >>= y;
  };
#endif
  s.fd_n = 40;
  s.dump = "heat";
  s.meta = {{"N", std::to_string(N)}, {"T", std::to_string(T)}, {"r", "0.25"}};
  write_f64(out + "/heat.target.f64", tgt, N);
  run_spec(s, out);
}
