/* ba_hand.c: hand-written adjoint of kernels/ba.c (same signature as the
 * generated ba_objective_grad; bench/adbench/ba.c's adb_ba_sqnorm is the same
 * function, so its driver uses this too).
 *
 * The primal is the kernel's, expression for expression: each observation
 * evaluates Rodrigues' formula from its camera's rotation (theta, cos, sin,
 * the unit axis w = rot / theta), as rodrigues_rotate_point does per call.
 * Each observation is one straight-line forward pass in registers followed
 * by its reverse, which takes the adjoint through w = rot / theta and
 * theta = |rot| right away and adds it to the camera's rotation adjoint. No
 * storage beyond the observation's registers. */
#include <math.h>

double ba_objective_hand(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats) {
  double s = 0.0;
  for (int i = 0; i < nobs; i++) {
    const int c = obs[2 * i], p = obs[2 * i + 1];
    const double *cam = cams + 11 * c, *Xp = X + 3 * p, *feat = feats + 2 * i;
    double *camb = cams_bar + 11 * c, *Xb = X_bar + 3 * p;
    const double wi = w[i];
    /* forward */
    const double xo0 = Xp[0] - cam[3], xo1 = Xp[1] - cam[4], xo2 = Xp[2] - cam[5];
    const double sqtheta = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    const int rotnz = sqtheta != 0.0;
    double xc0, xc1, xc2, cr0 = 0, cr1 = 0, cr2 = 0, tmp = 0, dotp = 0;
    double theta = 0, ct = 0, st = 0, w0 = 0, w1 = 0, w2 = 0;
    if (rotnz) {
      theta = sqrt(sqtheta);
      ct = cos(theta);
      st = sin(theta);
      w0 = cam[0] / theta;
      w1 = cam[1] / theta;
      w2 = cam[2] / theta;
      cr0 = w1 * xo2 - w2 * xo1;
      cr1 = w2 * xo0 - w0 * xo2;
      cr2 = w0 * xo1 - w1 * xo0;
      dotp = w0 * xo0 + w1 * xo1 + w2 * xo2;
      tmp = dotp * (1.0 - ct);
      xc0 = xo0 * ct + cr0 * st + w0 * tmp;
      xc1 = xo1 * ct + cr1 * st + w1 * tmp;
      xc2 = xo2 * ct + cr2 * st + w2 * tmp;
    } else {
      xc0 = xo0 + cam[1] * xo2 - cam[2] * xo1;
      xc1 = xo1 + cam[2] * xo0 - cam[0] * xo2;
      xc2 = xo2 + cam[0] * xo1 - cam[1] * xo0;
    }
    const double p0 = xc0 / xc2, p1 = xc1 / xc2;
    const double rsq = p0 * p0 + p1 * p1;
    const double L = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    const double u0 = p0 * L * cam[6] + cam[7] - feat[0];
    const double u1 = p1 * L * cam[6] + cam[8] - feat[1];
    const double e0 = wi * u0, e1 = wi * u1;
    const double we = 1.0 - wi * wi;
    s += e0 * e0 + e1 * e1 + we * we;
    /* reverse: s_bar = 1 */
    const double e0b = 2.0 * e0, e1b = 2.0 * e1, web = 2.0 * we;
    w_bar[i] += e0b * u0 + e1b * u1 - 2.0 * wi * web;
    const double u0b = wi * e0b, u1b = wi * e1b;
    const double f = cam[6];
    camb[6] += (u0b * p0 + u1b * p1) * L;
    camb[7] += u0b;
    camb[8] += u1b;
    const double Lb = (u0b * p0 + u1b * p1) * f;
    camb[9] += Lb * rsq;
    camb[10] += Lb * rsq * rsq;
    const double rsqb = Lb * (cam[9] + 2.0 * cam[10] * rsq);
    const double p0b = u0b * L * f + 2.0 * p0 * rsqb;
    const double p1b = u1b * L * f + 2.0 * p1 * rsqb;
    const double xc0b = p0b / xc2, xc1b = p1b / xc2;
    const double xc2b = -(p0b * p0 + p1b * p1) / xc2;
    double xo0b, xo1b, xo2b;
    if (rotnz) {
      /* xc = xo ct + (w x xo) st + w tmp */
      const double stb = xc0b * cr0 + xc1b * cr1 + xc2b * cr2;
      const double tmpb = xc0b * w0 + xc1b * w1 + xc2b * w2;
      const double crb0 = xc0b * st, crb1 = xc1b * st, crb2 = xc2b * st;
      /* tmp = dotp (1 - ct) */
      const double dotpb = tmpb * (1.0 - ct);
      const double ctb = xc0b * xo0 + xc1b * xo1 + xc2b * xo2 - tmpb * dotp;
      /* w gets: xc_j tmp, dotp, and the cross product (wb += xo x crb) */
      const double wb0 = xc0b * tmp + dotpb * xo0 + (xo1 * crb2 - xo2 * crb1);
      const double wb1 = xc1b * tmp + dotpb * xo1 + (xo2 * crb0 - xo0 * crb2);
      const double wb2 = xc2b * tmp + dotpb * xo2 + (xo0 * crb1 - xo1 * crb0);
      /* ct = cos theta, st = sin theta, w = rot / theta (d w / d theta =
       * -w / theta), theta = |rot| (d theta / d rot = rot / theta) */
      const double thb = -st * ctb + ct * stb - (wb0 * w0 + wb1 * w1 + wb2 * w2) / theta;
      camb[0] += (wb0 + thb * cam[0]) / theta;
      camb[1] += (wb1 + thb * cam[1]) / theta;
      camb[2] += (wb2 + thb * cam[2]) / theta;
      /* xo gets: ct, dotp, and the cross product (xob += crb x w) */
      xo0b = xc0b * ct + dotpb * w0 + (crb1 * w2 - crb2 * w1);
      xo1b = xc1b * ct + dotpb * w1 + (crb2 * w0 - crb0 * w2);
      xo2b = xc2b * ct + dotpb * w2 + (crb0 * w1 - crb1 * w0);
    } else {
      /* xc = xo + rot x xo */
      const double r0 = cam[0], r1 = cam[1], r2 = cam[2];
      camb[0] += xo1 * xc2b - xo2 * xc1b;
      camb[1] += xo2 * xc0b - xo0 * xc2b;
      camb[2] += xo0 * xc1b - xo1 * xc0b;
      xo0b = xc0b + (xc1b * r2 - xc2b * r1);
      xo1b = xc1b + (xc2b * r0 - xc0b * r2);
      xo2b = xc2b + (xc0b * r1 - xc1b * r0);
    }
    Xb[0] += xo0b;
    Xb[1] += xo1b;
    Xb[2] += xo2b;
    camb[3] -= xo0b;
    camb[4] -= xo1b;
    camb[5] -= xo2b;
  }
  return s;
}
