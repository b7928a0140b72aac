#include "harness.hpp"
#include "../adolc/kernels.hpp"  // t_ode<double> counts the steps
extern "C" {
double ode_solve(int N, const double *x0, const double *F, double tend, double tol);
double ode_solve_grad(int N, const double *x0, double *x0_bar, const double *F, double *F_bar, double tend,
                      double tol);
double ode_solve_hand(int N, const double *x0, double *x0_bar, const double *F, double *F_bar, double tend,
                      double tol);
}
int main(int argc, char **argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  const int N = 40;
  const double tend = 2.0, tol = 1e-6;
  Spec s;
  s.p.resize(2 * N);
  for (int i = 0; i < N; i++) s.p[i] = 8.0 + urand(-1, 1);   // x0 near the fixed point F
  for (int i = 0; i < N; i++) s.p[N + i] = 8.0 + urand(-0.5, 0.5);
  int steps = 0;
  (void)t_ode<double>(N, s.p.data(), s.p.data() + N, tend, tol, &steps);
  s.kernel = "ODE";
  s.size = "Lorenz-96 N=40, DP5(4), " + std::to_string(steps) + " steps";
  s.primal = [=](const double *p) { return ode_solve(N, p, p + N, tend, tol); };
  s.gradc = [=](const double *p, double *g) { return ode_solve_grad(N, p, g, p + N, g + N, tend, tol); };
  s.hand = [=](const double *p, double *g) { return ode_solve_hand(N, p, g, p + N, g + N, tend, tol); };
#ifdef HAVE_ADOLC
  s.adolc_rec = [=](const double *p) {
    std::vector<adouble> a(2 * N);
    for (int i = 0; i < 2 * N; i++) a[i] <<= p[i];
    adouble f = t_ode<adouble>(N, &a[0], &a[N], tend, tol);
    double y;
    f >>= y;
  };
#endif
  s.fd_n = 2 * N;
  s.dump = "ode";
  s.meta = {{"N", std::to_string(N)}, {"tend", "2.0"}, {"tol", "1e-6"}};
  run_spec(s, out);
}
