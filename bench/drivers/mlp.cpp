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
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  mlp(out, 256, true, "");
  mlp(out, 16, false, " (ADOL-C size)");
}
