#include "harness.hpp"
#ifdef HAVE_ADOLC
#include "../adolc/kernels.hpp"
#endif
extern "C" {
double mlp_loss(int B, int IN, int H, int OUT, const double *W1, const double *b1, const double *W2,
                const double *b2, const double *X, const int *labels);
double mlp_loss_grad(int B, int IN, int H, int OUT, const double *W1, double *W1_bar, const double *b1,
                     double *b1_bar, const double *W2, double *W2_bar, const double *b2, double *b2_bar,
                     const double *X, const int *labels);
double mlp_loss_hand(int B, int IN, int H, int OUT, const double *W1, double *W1_bar, const double *b1,
                     double *b1_bar, const double *W2, double *W2_bar, const double *b2, double *b2_bar,
                     const double *X, const int *labels);
}
static void mlp(const std::string &out, int B, bool full, const std::string &note) {
  const int IN = 784, H = 128, OUT = 10;
  auto X = std::make_shared<std::vector<double>>((size_t)B * IN);
  auto lab = std::make_shared<std::vector<int>>(B);
  for (auto &v : *X) v = urand();
  for (auto &v : *lab) v = (int)(urand() * OUT);
  Spec s;
  s.kernel = "MLP";
  s.size = "batch " + std::to_string(B) + ", 784-128-10" + note;
  const int o1 = H * IN, o2 = o1 + H, o3 = o2 + OUT * H, n = o3 + OUT;
  s.p.resize(n);
  for (int i = 0; i < n; i++) s.p[i] = urand(-1, 1) * (i < o1 ? 0.05 : i < o2 ? 0.1 : i < o3 ? 0.1 : 0.1);
  const double *Xp = X->data();
  const int *L = lab->data();
  s.primal = [=](const double *p) { return mlp_loss(B, IN, H, OUT, p, p + o1, p + o2, p + o3, Xp, L); };
  s.gradc = [=](const double *p, double *g) {
    return mlp_loss_grad(B, IN, H, OUT, p, g, p + o1, g + o1, p + o2, g + o2, p + o3, g + o3, Xp, L);
  };
  if (full) {
    s.hand = [=](const double *p, double *g) {
      return mlp_loss_hand(B, IN, H, OUT, p, g, p + o1, g + o1, p + o2, g + o2, p + o3, g + o3, Xp, L);
    };
    s.fd_n = 12;
    s.dump = "mlp";
    s.meta = {{"B", std::to_string(B)}, {"IN", "784"}, {"H", "128"}, {"OUT", "10"}};
    write_f64(out + "/mlp.X.f64", Xp, X->size());
    write_i32(out + "/mlp.labels.i32", L, B);
  } else {
#ifdef HAVE_ADOLC
    s.adolc_rec = [=](const double *p) {
      std::vector<adouble> a(n);
      for (int i = 0; i < n; i++) a[i] <<= p[i];
      adouble f = t_mlp<adouble>(B, IN, H, OUT, &a[0], &a[o1], &a[o2], &a[o3], Xp, L);
      double y;
      f >>= y;
    };
#endif
  }
  run_spec(s, out);
}
#ifdef HAVE_GRADC_KERNELS
extern "C" {
double mlp_blas_loss(int B, int IN, int H, int OUT, const double *W1, const double *b1, const double *W2,
                     const double *b2, const double *X, const int *labels);
double mlp_blas_loss_grad(int B, int IN, int H, int OUT, const double *W1, double *W1_bar, const double *b1,
                          double *b1_bar, const double *W2, double *W2_bar, const double *b2, double *b2_bar,
                          const double *X, const int *labels);
}
// Same inputs as the loop version (same seed); its gradient is compared with
// the loop version's gradc gradient in the note.
static void mlp_blas(const std::string &out, int B) {
  rng_state = 88172645463325252ULL;
  const int IN = 784, H = 128, OUT = 10;
  std::vector<double> X((size_t)B * IN);
  std::vector<int> lab(B);
  for (auto &v : X) v = urand();
  for (auto &v : lab) v = (int)(urand() * OUT);
  const int o1 = H * IN, o2 = o1 + H, o3 = o2 + OUT * H, n = o3 + OUT;
  std::vector<double> p(n), g(n), gl(n);
  for (int i = 0; i < n; i++) p[i] = urand(-1, 1) * (i < o1 ? 0.05 : 0.1);
  const double *P = p.data();
  double tp = time_min([&] { volatile double v = mlp_blas_loss(B, IN, H, OUT, P, P + o1, P + o2, P + o3, X.data(), lab.data()); (void)v; });
  auto grad = [&] {
    std::fill(g.begin(), g.end(), 0.0);
    mlp_blas_loss_grad(B, IN, H, OUT, P, g.data(), P + o1, g.data() + o1, P + o2, g.data() + o2, P + o3,
                       g.data() + o3, X.data(), lab.data());
  };
  double tg = time_min(grad);
  double tape = (double)tape_peak(grad);
  mlp_loss_grad(B, IN, H, OUT, P, gl.data(), P + o1, gl.data() + o1, P + o2, gl.data() + o2, P + o3, gl.data() + o3,
                X.data(), lab.data());
  double tl = time_min([&] { volatile double v = mlp_loss(B, IN, H, OUT, P, P + o1, P + o2, P + o3, X.data(), lab.data()); (void)v; });
  char note[200];
  snprintf(note, sizeof note, "BLAS kernels (OpenBLAS); primal = %.3g x the loop primal; rel diff %.1e vs gradc on loops",
           tp / tl, maxrel(g.data(), gl.data(), n));
  row("MLP", "gradc + BLAS kernels", "batch " + std::to_string(B) + ", 784-128-10", tp, tg, tg / tp, tape, 0.0, note);
  (void)out;
}
#endif
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  mlp(out, 256, true, "");
  mlp(out, 16, false, " (ADOL-C size)");
#ifdef HAVE_GRADC_KERNELS
  mlp_blas(out, 256);
#endif
}
