// kernels.hpp: the kernels of bench/kernels/*.c as C++ templates on the
// active type T, line for line, for ADOL-C (T = adouble). Data stay double.
#pragma once
#include <cmath>
#include <vector>
using std::exp; using std::log; using std::sqrt; using std::tanh; using std::cos; using std::sin;

template <class T>
T t_logsumexp(int n, const T *v) {
  T mx = v[0];
  for (int i = 1; i < n; i++)
    if (v[i] > mx) mx = v[i];
  T s = 0.0;
  for (int i = 0; i < n; i++) s += exp(v[i] - mx);
  return log(s) + mx;
}

template <class T>
T t_gmm(int d, int K, int n, const T *alphas, const T *means, const T *icf, const double *x,
        double wishart_gamma, int wishart_m) {
  const int icf_sz = d * (d + 1) / 2;
  std::vector<T> main_term(K), xc(d), Qxc(d), Qdiags(K * d), sum_qs(K);
  for (int ik = 0; ik < K; ik++) {
    sum_qs[ik] = 0.0;
    for (int i = 0; i < d; i++) {
      sum_qs[ik] += icf[ik * icf_sz + i];
      Qdiags[ik * d + i] = exp(icf[ik * icf_sz + i]);
    }
  }
  T slse = 0.0;
  for (int ix = 0; ix < n; ix++) {
    for (int ik = 0; ik < K; ik++) {
      const T *q = icf + ik * icf_sz;
      for (int i = 0; i < d; i++) xc[i] = x[ix * d + i] - means[ik * d + i];
      for (int i = 0; i < d; i++) Qxc[i] = Qdiags[ik * d + i] * xc[i];
      int li = d;
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
          Qxc[j] += q[li] * xc[i];
          li++;
        }
      T sq = 0.0;
      for (int i = 0; i < d; i++) sq += Qxc[i] * Qxc[i];
      main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sq;
    }
    slse += t_logsumexp(K, main_term.data());
  }
  T lse_alphas = t_logsumexp(K, alphas);
  T err = -n * d * 0.5 * log(2 * M_PI) + slse - n * lse_alphas;
  const int nn = d + wishart_m + 1;
  double lgd = 0.25 * d * (d - 1) * log(M_PI);
  for (int j = 1; j <= d; j++) lgd += lgamma(0.5 * nn + 0.5 * (1 - j));
  const double C = nn * d * (log(wishart_gamma) - 0.5 * log(2.0)) - lgd;
  T prior = 0.0;
  for (int ik = 0; ik < K; ik++) {
    const T *q = icf + ik * icf_sz;
    T frob = 0.0;
    for (int i = 0; i < d; i++) frob += Qdiags[ik * d + i] * Qdiags[ik * d + i];
    for (int i = d; i < icf_sz; i++) frob += q[i] * q[i];
    prior += 0.5 * wishart_gamma * wishart_gamma * frob - wishart_m * sum_qs[ik];
  }
  err += prior - K * C;
  return err;
}

template <class T> T t_sigmoid(const T &x) { return 1.0 / (1.0 + exp(-x)); }

template <class T>
T t_lstm(int l, int c, int b, const T *main_params, const T *extra_params, const double *state0,
         const double *seq) {
  std::vector<T> state(2 * l * b), x(b), ypred(b);
  for (int i = 0; i < 2 * l * b; i++) state[i] = state0[i];
  T total = 0.0;
  for (int t = 0; t < c - 1; t++) {
    const double *input = seq + t * b;
    for (int i = 0; i < b; i++) x[i] = input[i] * extra_params[i];
    for (int layer = 0; layer < l; layer++) {
      const T *w = main_params + layer * 8 * b, *bias = w + 4 * b;
      T *hidden = &state[layer * 2 * b], *cell = &state[layer * 2 * b + b];
      for (int i = 0; i < b; i++) {
        T forget = t_sigmoid<T>(x[i] * w[i] + bias[i]);
        T ingate = t_sigmoid<T>(hidden[i] * w[b + i] + bias[b + i]);
        T outgate = t_sigmoid<T>(x[i] * w[2 * b + i] + bias[2 * b + i]);
        T change = tanh(hidden[i] * w[3 * b + i] + bias[3 * b + i]);
        cell[i] = cell[i] * forget + ingate * change;
        hidden[i] = outgate * tanh(cell[i]);
      }
      for (int i = 0; i < b; i++) x[i] = state[layer * 2 * b + i];
    }
    for (int i = 0; i < b; i++) ypred[i] = x[i] * extra_params[b + i] + extra_params[2 * b + i];
    T lse = t_logsumexp(b, ypred.data());
    const double *gold = seq + (t + 1) * b;
    for (int i = 0; i < b; i++) total += gold[i] * (ypred[i] - lse);
  }
  return -total / ((c - 1) * b);
}

template <class T>
T t_reproj_sq(const T *cam, const T *X, const T &w, const double *feat) {
  T Xo[3], Xc[3];
  for (int i = 0; i < 3; i++) Xo[i] = X[i] - cam[3 + i];
  const T *rot = cam;
  T sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
  if (sqtheta != 0.0) {
    T theta = sqrt(sqtheta);
    T costheta = cos(theta), sintheta = sin(theta);
    T w0 = rot[0] / theta, w1 = rot[1] / theta, w2 = rot[2] / theta;
    T c0 = w1 * Xo[2] - w2 * Xo[1];
    T c1 = w2 * Xo[0] - w0 * Xo[2];
    T c2 = w0 * Xo[1] - w1 * Xo[0];
    T tmp = (w0 * Xo[0] + w1 * Xo[1] + w2 * Xo[2]) * (1.0 - costheta);
    Xc[0] = Xo[0] * costheta + c0 * sintheta + w0 * tmp;
    Xc[1] = Xo[1] * costheta + c1 * sintheta + w1 * tmp;
    Xc[2] = Xo[2] * costheta + c2 * sintheta + w2 * tmp;
  } else {
    Xc[0] = Xo[0] + rot[1] * Xo[2] - rot[2] * Xo[1];
    Xc[1] = Xo[1] + rot[2] * Xo[0] - rot[0] * Xo[2];
    Xc[2] = Xo[2] + rot[0] * Xo[1] - rot[1] * Xo[0];
  }
  T p0 = Xc[0] / Xc[2], p1 = Xc[1] / Xc[2];
  T rsq = p0 * p0 + p1 * p1;
  T L = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
  T e0 = w * (p0 * L * cam[6] + cam[7] - feat[0]);
  T e1 = w * (p1 * L * cam[6] + cam[8] - feat[1]);
  T we = 1.0 - w * w;
  return e0 * e0 + e1 * e1 + we * we;
}

template <class T>
T t_ba(int nobs, const T *cams, const T *X, const T *w, const int *obs, const double *feats) {
  T s = 0.0;
  for (int i = 0; i < nobs; i++)
    s += t_reproj_sq<T>(cams + 11 * obs[2 * i], X + 3 * obs[2 * i + 1], w[i], feats + 2 * i);
  return s;
}

template <class T>
T t_mlp(int B, int IN, int H, int OUT, const T *W1, const T *b1, const T *W2, const T *b2,
        const double *X, const int *labels) {
  std::vector<T> h(H), z(OUT);
  T loss = 0.0;
  for (int s = 0; s < B; s++) {
    const double *x = X + s * IN;
    for (int j = 0; j < H; j++) {
      T a = b1[j];
      for (int i = 0; i < IN; i++) a += W1[j * IN + i] * x[i];
      if (a > 0.0) h[j] = a; else h[j] = 0.0;
    }
    T mx = z[0];
    for (int k = 0; k < OUT; k++) {
      T a = b2[k];
      for (int j = 0; j < H; j++) a += W2[k * H + j] * h[j];
      z[k] = a;
      if (k == 0 || a > mx) mx = a;
    }
    T se = 0.0;
    for (int k = 0; k < OUT; k++) se += exp(z[k] - mx);
    loss += log(se) + mx - z[labels[s]];
  }
  return loss / B;
}

template <class T>
T t_heat(int N, int Tsteps, double r, const T *u0, const T *kappa, const double *target) {
  std::vector<T> ub(N), vb(N);
  T *u = ub.data(), *v = vb.data();
  for (int i = 0; i < N; i++) u[i] = u0[i];
  for (int t = 0; t < Tsteps; t++) {
    v[0] = u[0] + r * kappa[0] * (u[1] - u[0]);
    for (int i = 1; i < N - 1; i++)
      v[i] = u[i] + r * (kappa[i] * (u[i + 1] - u[i]) - kappa[i - 1] * (u[i] - u[i - 1]));
    v[N - 1] = u[N - 1] - r * kappa[N - 2] * (u[N - 1] - u[N - 2]);
    T *tmp = u; u = v; v = tmp;
  }
  T s = 0.0;
  for (int i = 0; i < N; i++) s += (u[i] - target[i]) * (u[i] - target[i]);
  return s;
}

template <class T>
void t_l96(int N, const T *x, const T *F, T *dx) {
  for (int i = 0; i < N; i++) {
    int ip = (i + 1) % N, im = (i + N - 1) % N, imm = (i + N - 2) % N;
    dx[i] = (x[ip] - x[imm]) * x[im] - x[i] + F[i];
  }
}

template <class T>
T t_ode(int N, const T *x0, const T *F, double tend, double tol, int *nsteps = nullptr) {
  const double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15,
               a43 = 32.0 / 9, a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
               a54 = -212.0 / 729, a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
               a64 = 49.0 / 176, a65 = -5103.0 / 18656, b1 = 35.0 / 384, b3 = 500.0 / 1113,
               b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84, e1 = 71.0 / 57600,
               e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
               e7 = -1.0 / 40;
  std::vector<T> x(N), xn(N), y(N), k1(N), k2(N), k3(N), k4(N), k5(N), k6(N), k7(N);
  for (int i = 0; i < N; i++) x[i] = x0[i];
  T t = 0.0, h = 0.01;
  int steps = 0;
  t_l96(N, x.data(), F, k1.data());
  while (tend - t > 1e-12 * tend) {
    steps++;
    if (t + h > tend) h = tend - t;
    for (int i = 0; i < N; i++) y[i] = x[i] + h * a21 * k1[i];
    t_l96(N, y.data(), F, k2.data());
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a31 * k1[i] + a32 * k2[i]);
    t_l96(N, y.data(), F, k3.data());
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    t_l96(N, y.data(), F, k4.data());
    for (int i = 0; i < N; i++)
      y[i] = x[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    t_l96(N, y.data(), F, k5.data());
    for (int i = 0; i < N; i++)
      y[i] = x[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    t_l96(N, y.data(), F, k6.data());
    for (int i = 0; i < N; i++)
      xn[i] = x[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    t_l96(N, xn.data(), F, k7.data());
    T err = 0.0;
    for (int i = 0; i < N; i++) {
      T ei = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      T sc = tol + tol * fmax(fabs(x[i]), fabs(xn[i]));
      err += (ei / sc) * (ei / sc);
    }
    err = sqrt(err / N);
    if (err <= 1.0) {
      t += h;
      for (int i = 0; i < N; i++) { x[i] = xn[i]; k1[i] = k7[i]; }
    }
    T fac = 0.9 * pow(fmax(err, T(1e-10)), -0.2);
    h = h * fmin(T(5.0), fmax(T(0.2), fac));
  }
  if (nsteps) *nsteps = steps;
  T s = 0.0;
  for (int i = 0; i < N; i++) s += x[i] * x[i];
  return s / N;
}
