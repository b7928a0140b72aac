#include "harness.hpp"
#ifdef HAVE_ADOLC
#include "../adolc/kernels.hpp"
#endif
extern "C" {
double ba_objective(int nobs, const double *cams, const double *X, const double *w, const int *obs,
                    const double *feats);
double ba_objective_grad(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats);
double ba_objective_hand(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const int nc = 20, np = 2000, nobs = 5000;
  auto obs = std::make_shared<std::vector<int>>(2 * nobs);
  auto feats = std::make_shared<std::vector<double>>(2 * nobs);
  for (int i = 0; i < nobs; i++) {
    (*obs)[2 * i] = i % nc;
    (*obs)[2 * i + 1] = (i < np) ? i : (int)(urand() * np);
    (*feats)[2 * i] = urand(-0.5, 0.5);
    (*feats)[2 * i + 1] = urand(-0.5, 0.5);
  }
  Spec s;
  s.kernel = "BA";
  s.size = "20 cams, 2000 pts, 5000 obs";
  s.p.resize(11 * nc + 3 * np + nobs);
  double *cam = s.p.data(), *X = cam + 11 * nc, *w = X + 3 * np;
  for (int c = 0; c < nc; c++) {
    double *C = cam + 11 * c;
    for (int i = 0; i < 3; i++) C[i] = urand(-0.2, 0.2);      // rotation
    for (int i = 3; i < 6; i++) C[i] = urand(-1, 1);          // centre
    C[6] = urand(0.8, 1.2);                                   // focal
    C[7] = urand(-0.05, 0.05); C[8] = urand(-0.05, 0.05);     // principal point
    C[9] = urand(-0.1, 0.1); C[10] = urand(-0.01, 0.01);      // distortion
  }
  for (int p = 0; p < np; p++) { X[3 * p] = urand(-2, 2); X[3 * p + 1] = urand(-2, 2); X[3 * p + 2] = urand(6, 10); }
  for (int i = 0; i < nobs; i++) w[i] = urand(0.8, 1.2);
  const int *O = obs->data();
  const double *Fe = feats->data();
  const int oc = 11 * nc, ox = 11 * nc + 3 * np, n = (int)s.p.size();
  s.primal = [=](const double *p) { return ba_objective(nobs, p, p + oc, p + ox, O, Fe); };
  s.gradc = [=](const double *p, double *g) { return ba_objective_grad(nobs, p, g, p + oc, g + oc, p + ox, g + ox, O, Fe); };
  s.hand = [=](const double *p, double *g) { return ba_objective_hand(nobs, p, g, p + oc, g + oc, p + ox, g + ox, O, Fe); };
#ifdef HAVE_ADOLC
  s.adolc_rec = [=](const double *p) {
    std::vector<adouble> a(n);
    for (int i = 0; i < n; i++) a[i] <<= p[i];
    adouble f = t_ba<adouble>(nobs, &a[0], &a[oc], &a[ox], O, Fe);
    double y;
    f >>= y;
  };
#else
  (void)n;
#endif
  s.fd_n = 200;
  s.dump = "ba";
  s.meta = {{"nc", std::to_string(nc)}, {"np", std::to_string(np)}, {"nobs", std::to_string(nobs)}};
  write_i32(out + "/ba.obs.i32", O, obs->size());
  write_f64(out + "/ba.feats.f64", Fe, feats->size());
  run_spec(s, out);
}
