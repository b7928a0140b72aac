// adb_ba.cpp: bench/adbench/ba.c (ADBench's bundle adjustment written as
// ordinary C, with helpers) at the size and data of ba.cpp: the gradient of
// the sum of squared residuals (adb_ba_sqnorm); gradient/primal, and gradc
// against the hand-written adjoint bench/hand/ba_hand.c (the same function
// and data layout).
#include "harness.hpp"
extern "C" {
double adb_ba_sqnorm(size_t n, size_t m, size_t p, const double *cams, const double *X, const double *w,
                     const int *obs, const double *feats);
double adb_ba_sqnorm_grad(size_t n, size_t m, size_t p, const double *cams, double *cams_bar, const double *X,
                          double *X_bar, const double *w, double *w_bar, const int *obs, const double *feats);
double ba_objective_hand(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const size_t nc = 20, np = 2000, nobs = 5000;
  auto obs = std::make_shared<std::vector<int>>(2 * nobs);
  auto feats = std::make_shared<std::vector<double>>(2 * nobs);
  for (size_t i = 0; i < nobs; i++) {
    (*obs)[2 * i] = (int)(i % nc);
    (*obs)[2 * i + 1] = (i < np) ? (int)i : (int)(urand() * np);
    (*feats)[2 * i] = urand(-0.5, 0.5);
    (*feats)[2 * i + 1] = urand(-0.5, 0.5);
  }
  Spec s;
  s.kernel = "BA (ADBench C)";
  s.size = "20 cams, 2000 pts, 5000 obs";
  s.p.resize(11 * nc + 3 * np + nobs);
  double *cam = s.p.data(), *X = cam + 11 * nc, *w = X + 3 * np;
  for (size_t c = 0; c < nc; c++) {
    double *C = cam + 11 * c;
    for (int i = 0; i < 3; i++) C[i] = urand(-0.2, 0.2);
    for (int i = 3; i < 6; i++) C[i] = urand(-1, 1);
    C[6] = urand(0.8, 1.2);
    C[7] = urand(-0.05, 0.05); C[8] = urand(-0.05, 0.05);
    C[9] = urand(-0.1, 0.1); C[10] = urand(-0.01, 0.01);
  }
  for (size_t p = 0; p < np; p++) { X[3 * p] = urand(-2, 2); X[3 * p + 1] = urand(-2, 2); X[3 * p + 2] = urand(6, 10); }
  for (size_t i = 0; i < nobs; i++) w[i] = urand(0.8, 1.2);
  const int *O = obs->data();
  const double *Fe = feats->data();
  const size_t oc = 11 * nc, ox = 11 * nc + 3 * np;
  s.primal = [=](const double *p) { return adb_ba_sqnorm(nc, np, nobs, p, p + oc, p + ox, O, Fe); };
  s.gradc = [=](const double *p, double *g) {
    return adb_ba_sqnorm_grad(nc, np, nobs, p, g, p + oc, g + oc, p + ox, g + ox, O, Fe);
  };
  s.hand = [=](const double *p, double *g) {
    return ba_objective_hand((int)nobs, p, g, p + oc, g + oc, p + ox, g + ox, O, Fe);
  };
  s.fd_n = 200;
  run_spec(s, out);
}
