// adb_gmm.cpp: bench/adbench/gmm.c (ADBench's GMM written as ordinary C, with
// helpers) at the sizes of gmm.cpp; gradient/primal, and gradc against the
// hand-written adjoint bench/hand/gmm_hand.c (same problem and data layout).
#include "harness.hpp"
extern "C" {
struct Wishart { double gamma; int m; };  // as in bench/adbench/adbench_helpers.h
double adb_gmm_objective(size_t d, size_t k, size_t n, const double *alphas, const double *means,
                         const double *icf, const double *x, Wishart wishart);
double adb_gmm_objective_grad(size_t d, size_t k, size_t n, const double *alphas, double *alphas_bar,
                              const double *means, double *means_bar, const double *icf, double *icf_bar,
                              const double *x, Wishart wishart);
double gmm_objective_hand(int d, int K, int n, const double *alphas, double *alphas_bar, const double *means,
                          double *means_bar, const double *icf, double *icf_bar, const double *x,
                          double wishart_gamma, int wishart_m);
}

static void gmm(const std::string &outdir, size_t d, size_t K, size_t n, size_t fd) {
  const size_t icf_sz = d * (d + 1) / 2;
  const Wishart wi = {1.0, 0};
  auto x = std::make_shared<std::vector<double>>(n * d);
  for (auto &v : *x) v = urand();
  Spec s;
  s.kernel = "GMM (ADBench C)";
  s.size = "d=" + std::to_string(d) + " K=" + std::to_string(K) + " n=" + std::to_string(n);
  s.p.resize(K + K * d + K * icf_sz);
  for (auto &v : s.p) v = urand();
  const double *X = x->data();
  s.primal = [=](const double *p) { return adb_gmm_objective(d, K, n, p, p + K, p + K + K * d, X, wi); };
  s.gradc = [=](const double *p, double *g) {
    return adb_gmm_objective_grad(d, K, n, p, g, p + K, g + K, p + K + K * d, g + K + K * d, X, wi);
  };
  s.hand = [=](const double *p, double *g) {
    return gmm_objective_hand((int)d, (int)K, (int)n, p, g, p + K, g + K, p + K + K * d, g + K + K * d, X,
                              wi.gamma, wi.m);
  };
  s.fd_n = fd;
  run_spec(s, outdir);
}

int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  gmm(out, 10, 25, 1000, 60);
  gmm(out, 20, 50, 5000, 8);
  return 0;
}
