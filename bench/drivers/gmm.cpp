#include "harness.hpp"
#ifdef HAVE_ADOLC
#include "../adolc/kernels.hpp"
#endif
extern "C" {
double gmm_objective(int d, int K, int n, const double *alphas, const double *means, const double *icf,
                     const double *x, double wishart_gamma, int wishart_m);
double gmm_objective_grad(int d, int K, int n, const double *alphas, double *alphas_bar, const double *means,
                          double *means_bar, const double *icf, double *icf_bar, const double *x,
                          double wishart_gamma, int wishart_m);
double gmm_objective_hand(int d, int K, int n, const double *alphas, double *alphas_bar, const double *means,
                          double *means_bar, const double *icf, double *icf_bar, const double *x,
                          double wishart_gamma, int wishart_m);
}

static void gmm(const std::string &outdir, int d, int K, int n, bool adolc, bool hand, size_t fd,
                const std::string &dump, const std::string &note = "") {
  const int icf_sz = d * (d + 1) / 2;
  const double gamma = 1.0;
  const int m = 0;
  auto x = std::make_shared<std::vector<double>>((size_t)n * d);
  for (auto &v : *x) v = urand();
  Spec s;
  s.kernel = "GMM";
  s.size = "d=" + std::to_string(d) + " K=" + std::to_string(K) + " n=" + std::to_string(n) + note;
  s.p.resize(K + K * d + K * icf_sz);
  for (auto &v : s.p) v = urand();
  const double *X = x->data();
  s.primal = [=](const double *p) { return gmm_objective(d, K, n, p, p + K, p + K + K * d, X, gamma, m); };
  s.gradc = [=](const double *p, double *g) {
    return gmm_objective_grad(d, K, n, p, g, p + K, g + K, p + K + K * d, g + K + K * d, X, gamma, m);
  };
  if (hand)
    s.hand = [=](const double *p, double *g) {
      return gmm_objective_hand(d, K, n, p, g, p + K, g + K, p + K + K * d, g + K + K * d, X, gamma, m);
    };
#ifdef HAVE_ADOLC
  if (adolc)
    s.adolc_rec = [=](const double *p) {
      size_t np = K + K * d + K * icf_sz;
      std::vector<adouble> a(np);
      for (size_t i = 0; i < np; i++) a[i] <<= p[i];
      adouble f = t_gmm<adouble>(d, K, n, &a[0], &a[K], &a[K + K * d], X, gamma, m);
      double y;
      f >>= y;
    };
#else
  (void)adolc;
#endif
  s.fd_n = fd;
  s.dump = dump;
  s.meta = {{"d", std::to_string(d)}, {"K", std::to_string(K)}, {"n", std::to_string(n)},
            {"gamma", "1.0"}, {"m", "0"}};
  if (!dump.empty()) write_f64(outdir + "/" + dump + ".x.f64", X, x->size());
  run_spec(s, outdir);
}

int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  gmm(out, 10, 25, 1000, true, true, 60, "gmm_small");
  gmm(out, 20, 50, 5000, false, true, 8, "gmm_large");
  gmm(out, 20, 50, 500, true, false, 0, "", " (ADOL-C size)");
  return 0;
}
