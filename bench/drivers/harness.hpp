// harness.hpp: measures one kernel at one size with every tool available in
// this process (primal, gradc, hand-written adjoint, ADOL-C, central
// differences) and prints ROW lines; optionally dumps inputs and the gradc
// gradient for the PyTorch script.
#pragma once
#include "common.hpp"

struct Spec {
  std::string kernel, size;
  std::vector<double> p;                                        // all wrt parameters, concatenated
  std::function<double(const double *)> primal;                 // f(p)
  std::function<double(const double *, double *)> gradc;        // f_grad(p, g), g accumulates
  std::function<double(const double *, double *)> hand;         // optional
  std::function<void(const double *)> adolc_rec;                // optional: <<= p, >>= f
  size_t fd_n = 0;                                              // FD subset size (0: skip)
  std::string dump;                                             // file prefix for PyTorch
  std::vector<std::pair<std::string, std::string>> meta;        // sizes for PyTorch
  double budget = 0.3;
};

static void run_spec(Spec &s, const std::string &outdir) {
  const size_t n = s.p.size();
  std::vector<double> g(n), g2(n);
  const double *p = s.p.data();
  double fval = s.primal(p);
  double fg = 0;
  // primal, gradc and the hand-written adjoint timed in turn (time_min_each)
  std::vector<std::function<void()>> fs = {
      [&] { volatile double v = s.primal(p); (void)v; },
      [&] { std::fill(g.begin(), g.end(), 0.0); fg = s.gradc(p, g.data()); }};
  if (s.hand) fs.push_back([&] { std::fill(g2.begin(), g2.end(), 0.0); s.hand(p, g2.data()); });
  std::vector<double> t = time_min_each(fs, 3, s.budget * (double)fs.size());
  double tp = t[0], tg = t[1];
  double tape = (double)tape_peak([&] { std::fill(g.begin(), g.end(), 0.0); s.gradc(p, g.data()); });
  char note[256];
  snprintf(note, sizeof note, "f=%.10g, |f_grad-f|=%.1e, n=%zu", fval, std::fabs(fg - fval), n);
  row(s.kernel, "gradc", s.size, tp, tg, tg / tp, tape, 0.0, note);
  if (s.hand) {
    double th = t[2];
    row(s.kernel, "hand-written", s.size, tp, th, th / tp, NAN, maxrel(g2.data(), g.data(), n),
        "gradc/hand = " + std::to_string(tg / th));
  }
#ifdef HAVE_ADOLC
  if (s.adolc_rec) {
    std::vector<double> x(s.p);
    adolc_result r = adolc_run(1, x, s.adolc_rec, std::max(0.5, s.budget));
    char an[200];
    snprintf(an, sizeof an, "reverse on a kept tape: %.4g s (%.3g x primal); %.0f ops", r.t_grad_only,
             r.t_grad_only / tp, r.ops);
    row(s.kernel, "ADOL-C", s.size, tp, r.t_rec_grad, r.t_rec_grad / tp, r.bytes,
        maxrel(r.g.data(), g.data(), n), an);
  }
#endif
  if (s.fd_n) {
    std::vector<double> fd;
    std::vector<size_t> idx;
    std::vector<double> q(s.p);
    double tfd = fd_subset(q.data(), n, s.fd_n, [&] { return s.primal(q.data()); }, fd, idx);
    char fn[160];
    if (idx.size() < n)
      snprintf(fn, sizeof fn, "timed %zu of %zu parameters, extrapolated; error on those", idx.size(), n);
    else
      snprintf(fn, sizeof fn, "all %zu parameters", n);
    row(s.kernel, "central FD", s.size, tp, tfd, tfd / tp, NAN, maxrel_subset(fd, idx, g.data(), n), fn);
  }
  if (!s.dump.empty()) {
    write_f64(outdir + "/" + s.dump + ".p.f64", p, n);
    write_f64(outdir + "/" + s.dump + ".g.f64", g.data(), n);
    FILE *f = fopen((outdir + "/" + s.dump + ".meta").c_str(), "w");
    fprintf(f, "kernel=%s\nsize=%s\nprimal_c=%.9g\nf=%.17g\n", s.kernel.c_str(), s.size.c_str(), tp, fval);
    for (auto &kv : s.meta) fprintf(f, "%s=%s\n", kv.first.c_str(), kv.second.c_str());
    fclose(f);
  }
}
