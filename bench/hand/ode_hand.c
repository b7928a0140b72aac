/* ode_hand.c: hand-written adjoint of kernels/ode.c (same signature as the
 * generated ode_solve_grad).
 *
 * The forward pass is the kernel's Dormand-Prince 5(4) loop, arithmetic for
 * arithmetic (so it takes exactly the same accepted/rejected steps), except
 * that every attempted step writes its stage values into a record instead of
 * overwriting scratch vectors: the stage derivatives k2..k7, the stage points
 * y2..y6 and the proposal xn, plus the scalars h (after the clamp to tend),
 * err and fac and the two branch flags. The state x and k1 of an attempt are
 * not copied: they are the xn/k7 of the last accepted attempt (FSAL), so the
 * record keeps offsets to them. About 12 N doubles per attempted step.
 *
 * The reverse sweep runs the attempts backwards. Like gradc's gradient it
 * differentiates the code as written: the branches (clamp to tend,
 * acceptance, the fmin/fmax clamps) are taken as recorded, and h is an
 * active variable, so the adjoint flows through the step-size controller
 * (h_next = h * min(5, max(0.2, 0.9 err^-0.2))), the error estimate (including
 * its scale tol (1 + max(|x|, |xn|))), t += h of accepted steps and the final
 * h = tend - t; rejected attempts contribute only through the h they leave
 * behind. Nothing is recomputed except the cheap stage combinations (sum_j
 * a_sj k_j) whose value is d y_s / d h. Lorenz-96 and its transpose Jacobian
 * loop over the rows with the kernel's cyclic indices ((i + 1) % N, ...). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* dx = f(x) for Lorenz-96: the kernel's l96, indices and expression */
static void l96_f(int N, const double *x, const double *F, double *dx) {
  for (int i = 0; i < N; i++) {
    int ip = (i + 1) % N, im = (i + N - 1) % N, imm = (i + N - 2) % N;
    dx[i] = (x[ip] - x[imm]) * x[im] - x[i] + F[i];
  }
}

/* xb = J(x)^T g (assigned), Fb += g: the kernel's loop over the rows i, with
 * its indices, each row's adjoint scattered to the x it reads */
static void l96_adj(int N, const double *x, const double *g, double *xb, double *Fb) {
  memset(xb, 0, (size_t)N * sizeof *xb);
  for (int i = 0; i < N; i++) {
    int ip = (i + 1) % N, im = (i + N - 1) % N, imm = (i + N - 2) % N;
    double gi = g[i], gx = gi * x[im];
    xb[ip] += gx;
    xb[imm] -= gx;
    xb[im] += gi * (x[ip] - x[imm]);
    xb[i] -= gi;
    Fb[i] += gi;
  }
}

/* one attempted step, as recorded by the forward pass */
typedef struct {
  size_t x, k1;     /* offsets of its x and k1 in the record buffer */
  size_t blk;       /* offset of its own block: k2..k7, y2..y6, xn */
  double h;         /* the step used (after the clamp to tend) */
  double err, fac;  /* error norm and the controller's raw factor */
  int clamped, accepted;
} attempt;

enum { K2 = 0, K3 = 1, K4 = 2, K5 = 3, K6 = 4, K7 = 5, Y2 = 6, Y3 = 7, Y4 = 8, Y5 = 9, Y6 = 10, XN = 11,
       BLK = 12 };

double ode_solve_hand(int N, const double *x0, double *x0_bar, const double *F, double *F_bar, double tend,
                      double tol) {
  const double a21 = 1.0 / 5;
  const double a31 = 3.0 / 40, a32 = 9.0 / 40;
  const double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  const double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
  const double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
               a65 = -5103.0 / 18656;
  const double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
  const double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
               e6 = 22.0 / 525, e7 = -1.0 / 40;
  const size_t n = (size_t)N;

  /* record buffer: [x0 | k1(x0) | block of attempt 0 | block of attempt 1 | ...] */
  size_t cap = 64;
  attempt *at = malloc(cap * sizeof *at);
  double *R = malloc((2 + cap * BLK) * n * sizeof *R);
  memcpy(R, x0, n * sizeof *R);
  l96_f(N, R, F, R + n);

  /* ---- forward: the kernel's loop, recording every attempt ---- */
  size_t xo = 0, k1o = n; /* current x and k1 */
  double t = 0.0, h = 0.01;
  size_t na = 0;
  while (tend - t > 1e-12 * tend) {
    if (na == cap) {
      cap *= 2;
      at = realloc(at, cap * sizeof *at);
      R = realloc(R, (2 + cap * BLK) * n * sizeof *R);
    }
    attempt *A = &at[na];
    A->x = xo;
    A->k1 = k1o;
    A->blk = (2 + na * BLK) * n;
    A->clamped = 0;
    if (t + h > tend) {
      h = tend - t;
      A->clamped = 1;
    }
    A->h = h;
    const double *x = R + xo, *k1 = R + k1o;
    double *B = R + A->blk;
    double *k2 = B + K2 * n, *k3 = B + K3 * n, *k4 = B + K4 * n, *k5 = B + K5 * n, *k6 = B + K6 * n,
           *k7 = B + K7 * n, *y2 = B + Y2 * n, *y3 = B + Y3 * n, *y4 = B + Y4 * n, *y5 = B + Y5 * n,
           *y6 = B + Y6 * n, *xn = B + XN * n;
    for (int i = 0; i < N; i++) y2[i] = x[i] + h * a21 * k1[i];
    l96_f(N, y2, F, k2);
    for (int i = 0; i < N; i++) y3[i] = x[i] + h * (a31 * k1[i] + a32 * k2[i]);
    l96_f(N, y3, F, k3);
    for (int i = 0; i < N; i++) y4[i] = x[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    l96_f(N, y4, F, k4);
    for (int i = 0; i < N; i++) y5[i] = x[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    l96_f(N, y5, F, k5);
    for (int i = 0; i < N; i++)
      y6[i] = x[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    l96_f(N, y6, F, k6);
    for (int i = 0; i < N; i++)
      xn[i] = x[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    l96_f(N, xn, F, k7);
    double err = 0.0;
    for (int i = 0; i < N; i++) {
      double ei = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      double sc = tol + tol * fmax(fabs(x[i]), fabs(xn[i]));
      err += (ei / sc) * (ei / sc);
    }
    err = sqrt(err / N);
    A->err = err;
    A->accepted = err <= 1.0;
    if (A->accepted) {
      t += h;
      xo = A->blk + XN * n;
      k1o = A->blk + K7 * n;
    }
    double fac = 0.9 * pow(fmax(err, 1e-10), -0.2);
    A->fac = fac;
    h = h * fmin(5.0, fmax(0.2, fac));
    na++;
  }
  const double *xT = R + xo;
  double s = 0.0;
  for (int i = 0; i < N; i++) s += xT[i] * xT[i];

  /* ---- reverse ---- */
  double *W = malloc(10 * n * sizeof *W);
  double *xb = W, *k1b = W + n, *xnb = W + 2 * n, *k7b = W + 3 * n, *yb = W + 4 * n;
  double *k2b = W + 5 * n, *k3b = W + 6 * n, *k4b = W + 7 * n, *k5b = W + 8 * n, *k6b = W + 9 * n;
  for (int i = 0; i < N; i++) xb[i] = 2.0 * xT[i] / N;
  memset(k1b, 0, n * sizeof *k1b);
  double hb = 0.0, tb = 0.0; /* adjoints of the variables h and t */
  for (size_t a = na; a-- > 0;) {
    const attempt *A = &at[a];
    const double *x = R + A->x, *k1 = R + A->k1, *B = R + A->blk;
    const double *k2 = B + K2 * n, *k3 = B + K3 * n, *k4 = B + K4 * n, *k5 = B + K5 * n, *k6 = B + K6 * n,
                 *k7 = B + K7 * n, *y2 = B + Y2 * n, *y3 = B + Y3 * n, *y4 = B + Y4 * n, *y5 = B + Y5 * n,
                 *y6 = B + Y6 * n, *xn = B + XN * n;
    const double h = A->h, err = A->err, fac = A->fac;
    /* h_next = h * fmin(5, fmax(0.2, fac)), fac = 0.9 fmax(err, 1e-10)^-0.2 */
    double mx = fmax(0.2, fac);
    double hub = hb * fmin(5.0, mx); /* adjoint of the h this attempt used */
    double dclamp = (mx < 5.0 ? 1.0 : mx == 5.0 ? 0.5 : 0.0) * (fac > 0.2 ? 1.0 : fac == 0.2 ? 0.5 : 0.0);
    double errb = 0.0;
    if (hb != 0.0 && dclamp != 0.0) {
      double facb = hb * h * dclamp;
      double em = fmax(err, 1e-10);
      double dem = err > 1e-10 ? 1.0 : err == 1e-10 ? 0.5 : 0.0;
      errb = facb * (-0.2) * fac / em * dem; /* d(0.9 em^-0.2)/d em = -0.2 fac / em */
    }
    /* acceptance: x = xn, k1 = k7, t += h */
    if (A->accepted) {
      double *tmp = xnb;
      xnb = xb;
      xb = tmp;
      tmp = k7b;
      k7b = k1b;
      k1b = tmp;
      memset(xb, 0, n * sizeof *xb);
      memset(k1b, 0, n * sizeof *k1b);
      hub += tb;
    } else {
      memset(xnb, 0, n * sizeof *xnb);
      memset(k7b, 0, n * sizeof *k7b);
    }
    memset(k2b, 0, 5 * n * sizeof *k2b); /* k2b..k6b are contiguous */
    /* err = sqrt(S / N), S = sum (ei / sc)^2 */
    if (errb != 0.0) {
      double Sb = errb * 0.5 / (err * N);
      for (int i = 0; i < N; i++) {
        double E = e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i];
        double ei = h * E;
        double ax = fabs(x[i]), axn = fabs(xn[i]);
        double sc = tol + tol * fmax(ax, axn);
        double r = ei / sc;
        double eib = 2.0 * r * Sb / sc;
        double mb = -eib * r * tol; /* adjoint of fmax(|x|, |xn|) */
        xb[i] += mb * (ax > axn ? 1.0 : ax == axn ? 0.5 : 0.0) * (x[i] > 0.0 ? 1.0 : x[i] < 0.0 ? -1.0 : 0.0);
        xnb[i] += mb * (axn > ax ? 1.0 : ax == axn ? 0.5 : 0.0) * (xn[i] > 0.0 ? 1.0 : xn[i] < 0.0 ? -1.0 : 0.0);
        hub += eib * E;
        double g = eib * h;
        k1b[i] += g * e1;
        k3b[i] += g * e3;
        k4b[i] += g * e4;
        k5b[i] += g * e5;
        k6b[i] += g * e6;
        k7b[i] += g * e7;
      }
    }
    /* k7 = f(xn) */
    l96_adj(N, xn, k7b, yb, F_bar);
    /* xn = x + h (b1 k1 + b3 k3 + b4 k4 + b5 k5 + b6 k6) */
    for (int i = 0; i < N; i++) {
      double g = xnb[i] + yb[i];
      xb[i] += g;
      hub += g * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
      g *= h;
      k1b[i] += g * b1;
      k3b[i] += g * b3;
      k4b[i] += g * b4;
      k5b[i] += g * b5;
      k6b[i] += g * b6;
    }
    /* k6 = f(y6), y6 = x + h (a61 k1 + ... + a65 k5) */
    l96_adj(N, y6, k6b, yb, F_bar);
    for (int i = 0; i < N; i++) {
      double g = yb[i];
      xb[i] += g;
      hub += g * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
      g *= h;
      k1b[i] += g * a61;
      k2b[i] += g * a62;
      k3b[i] += g * a63;
      k4b[i] += g * a64;
      k5b[i] += g * a65;
    }
    /* k5 = f(y5) */
    l96_adj(N, y5, k5b, yb, F_bar);
    for (int i = 0; i < N; i++) {
      double g = yb[i];
      xb[i] += g;
      hub += g * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
      g *= h;
      k1b[i] += g * a51;
      k2b[i] += g * a52;
      k3b[i] += g * a53;
      k4b[i] += g * a54;
    }
    /* k4 = f(y4) */
    l96_adj(N, y4, k4b, yb, F_bar);
    for (int i = 0; i < N; i++) {
      double g = yb[i];
      xb[i] += g;
      hub += g * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
      g *= h;
      k1b[i] += g * a41;
      k2b[i] += g * a42;
      k3b[i] += g * a43;
    }
    /* k3 = f(y3) */
    l96_adj(N, y3, k3b, yb, F_bar);
    for (int i = 0; i < N; i++) {
      double g = yb[i];
      xb[i] += g;
      hub += g * (a31 * k1[i] + a32 * k2[i]);
      g *= h;
      k1b[i] += g * a31;
      k2b[i] += g * a32;
    }
    /* k2 = f(y2), y2 = x + h a21 k1 */
    l96_adj(N, y2, k2b, yb, F_bar);
    for (int i = 0; i < N; i++) {
      double g = yb[i];
      xb[i] += g;
      hub += g * a21 * k1[i];
      k1b[i] += g * h * a21;
    }
    /* clamp h = tend - t: the incoming h is overwritten */
    if (A->clamped) {
      tb -= hub;
      hb = 0.0;
    } else {
      hb = hub;
    }
  }
  /* k1 = f(x0); h = 0.01 and t = 0 are constants */
  l96_adj(N, R, k1b, yb, F_bar);
  for (int i = 0; i < N; i++) x0_bar[i] += xb[i] + yb[i];
  free(W);
  free(R);
  free(at);
  return s / N;
}
