/* Branches: if/else on active and inactive conditions, nested ifs, ?:,
 * switch with fall-through and default, early returns. The gradient follows
 * the branch taken; test points sit away from the switching surfaces, and
 * every function is checked at points that take different branches. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double active_if(double x, double y) {
  double s;
  if (x * y > 0.5) {
    s = x * x * y;
    s = sin(s);
  } else {
    s = exp(x) - y * y * y;
  }
  if (y < 0) s = s * y;
  return s + x;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double inactive_if(double x, int mode, double c) {
  double s = x;
  if (mode == 1) s = s * s;
  else if (mode == 2) s = sin(s) * c;
  else s = s * c + 1;
  if (c > 0) s = s * x;
  return s;
}

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double nested_if(double x, double y) {
  double s = 0;
  if (x > 0) {
    if (y > 0) {
      s = x * y;
      if (x > y) s = s * s;
    } else {
      s = x / (1 + y * y);
    }
    s = s + x;
  } else {
    if (y > x) s = y * cos(x);
    else {
      s = x * x;
      if (y < -1) s += y;
    }
  }
  return s * (x - y);
}

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double ternary(double x, double y) {
  double a = x > y ? x * y : x + y;
  double b = a > 1 ? sin(a) : a * a * a;
  b = (y < 0 ? -y : y) * b;
  double c = x < 0 ? fabs(x) : (y > 0 ? y * y : x);
  return a + b + c * (x > 0.5 ? x : 1.0);
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double sw(double x, int k) {
  double s = x;
  switch (k) {
  case 0:
    s = s * s;
    /* fall through */
  case 1:
    s = s + sin(s);
    break;
  case 2:
  case 3:
    s = exp(s) * x;
    /* fall through */
  default:
    s = s * x + 1;
    break;
  case 5:
    return x * x * x;
  }
  return s * x;
}

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double early(double x, double y) {
  double s = x * y;
  if (s > 2) return s * s;
  s = s + sin(x);
  if (y < 0) {
    s = s * y;
    if (x < 0) return s + x * x;
    s = s - 1;
  }
  s = s * x;
  return s + y;
}

/* a pointer to a local or to a parameter, chosen by ?: */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double pick(double x, double y) {
  double a = x, b = y;
  double *p = x > y ? &a : &b;
  *p = *p * 3 + sin(*p);
  double *q = x * y > 0.5 ? &x : &y;
  *q = *q * *q;
  return a * b + x + y;
}

/* a branch on an active condition inside a loop, and a branch whose
 * condition changes across iterations */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double loop_branch(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    if (x[i] > 0) s += x[i] * x[i];
    else s -= sin(x[i]) * s;
    if (s > 1) s = sqrt(s);
  }
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double active_if_grad(double x, double *x_bar, double y, double *y_bar);
double inactive_if_grad(double x, double *x_bar, int mode, double c);
double nested_if_grad(double x, double *x_bar, double y, double *y_bar);
double ternary_grad(double x, double *x_bar, double y, double *y_bar);
double sw_grad(double x, double *x_bar, int k);
double pick_grad(double x, double *x_bar, double y, double *y_bar);
double early_grad(double x, double *x_bar, double y, double *y_bar);
double loop_branch_grad(const double *x, double *x_bar, int n);
double active_if_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double inactive_if_jvp(double x, double x_dot, int mode, double c, double *ret_dot);
double nested_if_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double ternary_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double sw_jvp(double x, double x_dot, int k, double *ret_dot);
double pick_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double early_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double loop_branch_jvp(const double *x, const double *x_dot, int n, double *ret_dot);

#define XY(fn)                                                                          \
  static double eval_##fn(const double *p) { return fn(p[0], p[1]); }                \
  static void grad_##fn(const double *p, double *g) {                                 \
    double v = fn##_grad(p[0], &g[0], p[1], &g[1]);                                   \
    CHECK_CLOSE(v, fn(p[0], p[1]), 1e-15);                                            \
  }                                                                                     \
  static double jvp_##fn(const double *p, const double *u) {                          \
    double t;                                                                           \
    fn##_jvp(p[0], u[0], p[1], u[1], &t);                                               \
    return t;                                                                           \
  }
XY(active_if)
XY(nested_if)
XY(ternary)
XY(early)
XY(pick)

static int mode_;
static double c_;
static double eval_inactive(const double *p) { return inactive_if(p[0], mode_, c_); }
static void grad_inactive(const double *p, double *g) { inactive_if_grad(p[0], &g[0], mode_, c_); }
static double jvp_inactive(const double *p, const double *u) {
  double t;
  inactive_if_jvp(p[0], u[0], mode_, c_, &t);
  return t;
}
static int k_;
static double jvp_sw(const double *p, const double *u) {
  double t;
  sw_jvp(p[0], u[0], k_, &t);
  return t;
}
static double eval_sw(const double *p) { return sw(p[0], k_); }
static void grad_sw(const double *p, double *g) {
  CHECK_CLOSE(sw_grad(p[0], &g[0], k_), sw(p[0], k_), 1e-15);
}
static double eval_lb(const double *p) { return loop_branch(p, 6); }
static void grad_lb(const double *p, double *g) { loop_branch_grad(p, g, 6); }
static double jvp_lb(const double *p, const double *u) {
  double t;
  loop_branch_jvp(p, u, 6, &t);
  return t;
}

static void at(const char *name, double (*e)(const double *), void (*g)(const double *, double *),
               double (*j)(const double *, const double *), double x, double y) {
  double p[2] = {x, y};
  int before = check_failures;
  check_gradient(name, e, g, p, 2, 1e-9);
  check_dot(name, j, g, p, 2, 1e-12);
  if (check_failures != before) printf("  at x = %g, y = %g\n", x, y);
}

int main(void) {
  static const double pts[][2] = {{1.2, 0.9}, {0.3, 0.4}, {-0.7, 0.6}, {0.8, -0.5}, {-0.4, -1.6},
                                  {-1.2, -0.3}, {2.1, 1.7}, {0.55, 1.5}, {-0.6, -0.2}, {1.7, 1.4}};
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    at("active_if", eval_active_if, grad_active_if, jvp_active_if, pts[i][0], pts[i][1]);
    at("nested_if", eval_nested_if, grad_nested_if, jvp_nested_if, pts[i][0], pts[i][1]);
    at("ternary", eval_ternary, grad_ternary, jvp_ternary, pts[i][0], pts[i][1]);
    at("early", eval_early, grad_early, jvp_early, pts[i][0], pts[i][1]);
    at("pick", eval_pick, grad_pick, jvp_pick, pts[i][0], pts[i][1]);
  }
  {
    double gx = 0, gy = 0;
    early_grad(1.5, &gx, 2.0, &gy); /* s = 3 > 2: s^2 */
    CHECK_CLOSE(gx, 2 * 3.0 * 2.0, 1e-15);
    CHECK_CLOSE(gy, 2 * 3.0 * 1.5, 1e-15);
  }
  {
    double gx = 0, gy = 0; /* x > y, x y > 0.5: f = (3x + sin x) y + x^2 + y */
    pick_grad(2.0, &gx, 1.0, &gy);
    CHECK_CLOSE(gx, (3 + cos(2.0)) * 1.0 + 4.0, 1e-15);
    CHECK_CLOSE(gy, 3 * 2.0 + sin(2.0) + 1, 1e-15);
  }
  for (mode_ = 0; mode_ < 3; mode_++)
    for (int s = 0; s < 2; s++) {
      c_ = s ? 0.7 : -1.3;
      double p[1] = {0.9};
      check_gradient("inactive_if", eval_inactive, grad_inactive, p, 1, 1e-9);
      check_dot("inactive_if", jvp_inactive, grad_inactive, p, 1, 1e-12);
    }
  for (k_ = 0; k_ < 7; k_++) {
    double p[1] = {0.65};
    check_gradient("sw", eval_sw, grad_sw, p, 1, 1e-9);
    check_dot("sw", jvp_sw, grad_sw, p, 1, 1e-12);
    double d = 0;
    sw_grad(0.65, &d, k_);
    double x = 0.65, e;
    switch (k_) {
    case 0: e = (2 * x + 2 * x * cos(x * x)) * x + x * x + sin(x * x); break;
    case 1: e = (1 + cos(x)) * x + x + sin(x); break;
    case 2:
    case 3: e = 3 * x * x * exp(x) + x * x * x * exp(x) + 1; break;
    case 5: e = 3 * x * x; break;
    default: e = 3 * x * x + 1;
    }
    CHECK_CLOSE(d, e, 1e-14);
  }
  double lb[6] = {0.5, -0.3, 0.9, 1.1, -2.0, 0.4};
  check_gradient("loop_branch", eval_lb, grad_lb, lb, 6, 1e-9);
  check_dot("loop_branch", jvp_lb, grad_lb, lb, 6, 1e-12);
  return check_done("branches");
}
#endif
