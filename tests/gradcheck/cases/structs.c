/* Structs: parameters by value (adjoint `vec2 *a_bar`) and by pointer
 * (const vec2 *), arrays of structs, struct locals, fields, whole-struct
 * copies, helpers writing structs through pointers, integer members (never active). */
#include <math.h>
#include <gradc.h>

typedef struct {
  double x, y;
} vec2;

typedef struct {
  vec2 pos;
  double mass;
  int id;
} body;

static void add(vec2 a, vec2 b, vec2 *r) {
  r->x = a.x + b.x;
  r->y = a.y + b.y;
}

static double dot2(const vec2 *a, const vec2 *b) { return a->x * b->x + a->y * b->y; }

GRADC_JVP(wrt(a, b))
GRADC_GRAD(wrt(a, b))
double byval(vec2 a, vec2 b) {
  double c = a.x * b.y - a.y * b.x;
  return c * c + sin(a.x) * b.x;
}

GRADC_JVP(wrt(a, b))
GRADC_GRAD(wrt(a, b))
double byptr(const vec2 *a, const vec2 *b) {
  return dot2(a, b) * a->x + b->y * b->y / (1 + a->y * a->y);
}

GRADC_JVP(wrt(a))
GRADC_GRAD(wrt(a))
double locals(vec2 a, double s) {
  vec2 t = a;             /* whole-struct copy */
  t.x = t.x * s + t.y;
  vec2 u;
  add(t, a, &u);          /* helper writing a struct through a pointer */
  u.y = u.y * u.x;
  t = u;
  return t.x * t.y + dot2(&t, &a);
}

GRADC_JVP(wrt(p))
GRADC_GRAD(wrt(p))
double array_of(const vec2 *p, int n) {
  double s = 0;
  for (int i = 0; i + 1 < n; i++) {
    double dx = p[i + 1].x - p[i].x, dy = p[i + 1].y - p[i].y;
    s += sqrt(dx * dx + dy * dy);
  }
  return s;
}

/* nested structs with an integer member, gravitational energy */
GRADC_JVP(wrt(b))
GRADC_GRAD(wrt(b))
double energy(const body *b, int n) {
  double e = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      vec2 d;
      d.x = b[i].pos.x - b[j].pos.x;
      d.y = b[i].pos.y - b[j].pos.y;
      e -= b[i].mass * b[j].mass / sqrt(dot2(&d, &d)) * (b[i].id == 0 ? 2 : 1);
    }
  return e;
}

/* a local array of structs, updated in place */
GRADC_JVP(wrt(v))
GRADC_GRAD(wrt(v))
double local_array(const vec2 *v, double dt) {
  vec2 p[3];
  for (int i = 0; i < 3; i++) p[i] = v[i];
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 3; i++) {
      p[i].x += dt * p[i].y;
      p[i].y -= dt * sin(p[i].x);
    }
  return p[0].x * p[1].y + p[2].x * p[2].y;
}

/* a struct with an array member and an integer length */
typedef struct {
  double c[3];
  int n;
} poly;

GRADC_JVP(wrt(p, x))
GRADC_GRAD(wrt(p, x))
double peval(const poly *p, double x) {
  double s = 0;
  for (int i = 0; i < p->n; i++) s = s * x + p->c[i];
  return s;
}

GRADC_JVP(wrt(p))
GRADC_GRAD(wrt(p))
double pval(poly p, double x) {
  p.c[0] = p.c[0] * x;   /* the by-value copy is modified */
  return p.c[0] * p.c[1] + p.c[2];
}

/* out(r): an array of structs as output */
GRADC_JVP(wrt(a, th), out(r))
GRADC_GRAD(wrt(a, th), out(r))
void rot(const vec2 *a, double th, vec2 *r, int n) {
  for (int i = 0; i < n; i++) {
    r[i].x = cos(th) * a[i].x - sin(th) * a[i].y;
    r[i].y = sin(th) * a[i].x + cos(th) * a[i].y * a[i].y;
  }
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double byval_grad(vec2 a, vec2 *a_bar, vec2 b, vec2 *b_bar);
double byptr_grad(const vec2 *a, vec2 *a_bar, const vec2 *b, vec2 *b_bar);
double locals_grad(vec2 a, vec2 *a_bar, double s);
double array_of_grad(const vec2 *p, vec2 *p_bar, int n);
double energy_grad(const body *b, body *b_bar, int n);
double local_array_grad(const vec2 *v, vec2 *v_bar, double dt);

static vec2 V(double x, double y) {
  vec2 r = {x, y};
  return r;
}

static double eval_byval(const double *p) { return byval(V(p[0], p[1]), V(p[2], p[3])); }
static void grad_byval(const double *p, double *g) {
  vec2 ab = {0, 0}, bb = {0, 0};
  CHECK_CLOSE(byval_grad(V(p[0], p[1]), &ab, V(p[2], p[3]), &bb), eval_byval(p), 1e-15);
  g[0] = ab.x, g[1] = ab.y, g[2] = bb.x, g[3] = bb.y;
}
static double eval_byptr(const double *p) {
  vec2 a = V(p[0], p[1]), b = V(p[2], p[3]);
  return byptr(&a, &b);
}
static void grad_byptr(const double *p, double *g) {
  vec2 a = V(p[0], p[1]), b = V(p[2], p[3]), ab = {0, 0}, bb = {0, 0};
  byptr_grad(&a, &ab, &b, &bb);
  g[0] = ab.x, g[1] = ab.y, g[2] = bb.x, g[3] = bb.y;
}
static double eval_locals(const double *p) { return locals(V(p[0], p[1]), 0.7); }
static void grad_locals(const double *p, double *g) {
  vec2 ab = {0, 0};
  locals_grad(V(p[0], p[1]), &ab, 0.7);
  g[0] = ab.x, g[1] = ab.y;
}
/* vec2 is two doubles with no padding: a flat vector is an array of vec2 */
static double eval_array(const double *p) {
  vec2 v[4];
  memcpy(v, p, sizeof v);
  return array_of(v, 4);
}
static void grad_array(const double *p, double *g) {
  vec2 v[4], vb[4];
  memcpy(v, p, sizeof v);
  memset(vb, 0, sizeof vb);
  array_of_grad(v, vb, 4);
  memcpy(g, vb, sizeof vb);
}
static void to_bodies(const double *p, body *b) {
  for (int i = 0; i < 3; i++) {
    b[i].pos.x = p[3 * i], b[i].pos.y = p[3 * i + 1], b[i].mass = p[3 * i + 2];
    b[i].id = i;
  }
}
static double eval_energy(const double *p) {
  body b[3];
  to_bodies(p, b);
  return energy(b, 3);
}
static void grad_energy(const double *p, double *g) {
  body b[3], bb[3];
  to_bodies(p, b);
  memset(bb, 0, sizeof bb);
  energy_grad(b, bb, 3);
  for (int i = 0; i < 3; i++) g[3 * i] = bb[i].pos.x, g[3 * i + 1] = bb[i].pos.y, g[3 * i + 2] = bb[i].mass;
}
static double eval_local_array(const double *p) {
  vec2 v[3];
  memcpy(v, p, sizeof v);
  return local_array(v, 0.1);
}
static void grad_local_array(const double *p, double *g) {
  vec2 v[3], vb[3];
  memcpy(v, p, sizeof v);
  memset(vb, 0, sizeof vb);
  local_array_grad(v, vb, 0.1);
  memcpy(g, vb, sizeof vb);
}

double peval_grad(const poly *p, poly *p_bar, double x, double *x_bar);
double pval_grad(poly p, poly *p_bar, double x);
void rot_grad(const vec2 *a, vec2 *a_bar, double th, double *th_bar, vec2 *r, vec2 *r_bar, int n);

static poly P(const double *p) {
  poly q = {{p[0], p[1], p[2]}, 3};
  return q;
}
static double eval_peval(const double *p) {
  poly q = P(p);
  return peval(&q, p[3]);
}
static void grad_peval(const double *p, double *g) {
  poly q = P(p), qb = {{0, 0, 0}, 0};
  peval_grad(&q, &qb, p[3], &g[3]);
  memcpy(g, qb.c, sizeof qb.c);
}
static double eval_pval(const double *p) { return pval(P(p), 0.7); }
static void grad_pval(const double *p, double *g) {
  poly qb = {{0, 0, 0}, 0};
  pval_grad(P(p), &qb, 0.7);
  memcpy(g, qb.c, sizeof qb.c);
}
static const double rv[6] = {1, 0.5, -1, 2, 0.3, -0.7};
static double eval_rot(const double *p) {
  vec2 a[3], r[3];
  memcpy(a, p, sizeof a);
  rot(a, p[6], r, 3);
  double s = 0;
  for (int i = 0; i < 3; i++) s += rv[2 * i] * r[i].x + rv[2 * i + 1] * r[i].y;
  return s;
}
static void grad_rot(const double *p, double *g) {
  vec2 a[3], ab[3], r[3], rb[3], rf[3];
  memcpy(a, p, sizeof a);
  memset(ab, 0, sizeof ab);
  memcpy(rb, rv, sizeof rb);
  rot_grad(a, ab, p[6], &g[6], r, rb, 3);
  memcpy(g, ab, sizeof ab);
  rot(a, p[6], rf, 3);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(r[i].x, rf[i].x, 1e-15);
    CHECK_CLOSE(r[i].y, rf[i].y, 1e-15);
  }
}

double byval_jvp(vec2 a, vec2 a_dot, vec2 b, vec2 b_dot, double *ret_dot);
double byptr_jvp(const vec2 *a, const vec2 *a_dot, const vec2 *b, const vec2 *b_dot, double *ret_dot);
double locals_jvp(vec2 a, vec2 a_dot, double s, double *ret_dot);
double array_of_jvp(const vec2 *p, const vec2 *p_dot, int n, double *ret_dot);
double energy_jvp(const body *b, const body *b_dot, int n, double *ret_dot);
double local_array_jvp(const vec2 *v, const vec2 *v_dot, double dt, double *ret_dot);
double peval_jvp(const poly *p, const poly *p_dot, double x, double x_dot, double *ret_dot);
double pval_jvp(poly p, poly p_dot, double x, double *ret_dot);
void rot_jvp(const vec2 *a, const vec2 *a_dot, double th, double th_dot, vec2 *r, vec2 *r_dot, int n);

static double jvp_byval(const double *p, const double *u) {
  double t;
  byval_jvp(V(p[0], p[1]), V(u[0], u[1]), V(p[2], p[3]), V(u[2], u[3]), &t);
  return t;
}
static double jvp_byptr(const double *p, const double *u) {
  vec2 a = V(p[0], p[1]), b = V(p[2], p[3]), ad = V(u[0], u[1]), bd = V(u[2], u[3]);
  double t;
  byptr_jvp(&a, &ad, &b, &bd, &t);
  return t;
}
static double jvp_locals(const double *p, const double *u) {
  double t;
  locals_jvp(V(p[0], p[1]), V(u[0], u[1]), 0.7, &t);
  return t;
}
static double jvp_array(const double *p, const double *u) {
  vec2 v[4], vd[4];
  memcpy(v, p, sizeof v);
  memcpy(vd, u, sizeof vd);
  double t;
  array_of_jvp(v, vd, 4, &t);
  return t;
}
static double jvp_energy(const double *p, const double *u) {
  body b[3], bd[3];
  to_bodies(p, b);
  to_bodies(u, bd);
  double t;
  energy_jvp(b, bd, 3, &t);
  return t;
}
static double jvp_local_array(const double *p, const double *u) {
  vec2 v[3], vd[3];
  memcpy(v, p, sizeof v);
  memcpy(vd, u, sizeof vd);
  double t;
  local_array_jvp(v, vd, 0.1, &t);
  return t;
}
static double jvp_peval(const double *p, const double *u) {
  poly q = P(p), qd = P(u);
  double t;
  peval_jvp(&q, &qd, p[3], u[3], &t);
  return t;
}
static double jvp_pval(const double *p, const double *u) {
  double t;
  pval_jvp(P(p), P(u), 0.7, &t);
  return t;
}
static double jvp_rot(const double *p, const double *u) {
  vec2 a[3], ad[3], r[3], rd[3];
  memcpy(a, p, sizeof a);
  memcpy(ad, u, sizeof ad);
  rot_jvp(a, ad, p[6], u[6], r, rd, 3);
  double s = 0;
  for (int i = 0; i < 3; i++) s += rv[2 * i] * rd[i].x + rv[2 * i + 1] * rd[i].y;
  return s;
}

int main(void) {
  double p[4] = {0.7, -0.3, 1.2, 0.5};
  check_gradient("byval", eval_byval, grad_byval, p, 4, 1e-9);
  check_dot("byval", jvp_byval, grad_byval, p, 4, 1e-12);
  {
    vec2 ab = {0, 0}, bb = {0, 0};
    double ax = 0.7, ay = -0.3, bx = 1.2, by = 0.5, c = ax * by - ay * bx;
    byval_grad(V(ax, ay), &ab, V(bx, by), &bb);
    CHECK_CLOSE(ab.x, 2 * c * by + cos(ax) * bx, 1e-15);
    CHECK_CLOSE(ab.y, -2 * c * bx, 1e-15);
    CHECK_CLOSE(bb.x, -2 * c * ay + sin(ax), 1e-15);
    CHECK_CLOSE(bb.y, 2 * c * ax, 1e-15);
  }
  check_gradient("byptr", eval_byptr, grad_byptr, p, 4, 1e-9);
  check_dot("byptr", jvp_byptr, grad_byptr, p, 4, 1e-12);
  check_gradient("locals", eval_locals, grad_locals, p, 2, 1e-9);
  check_dot("locals", jvp_locals, grad_locals, p, 2, 1e-12);
  double q[8] = {0, 0, 1, 0.5, 1.7, 1.4, 3.0, 1.1};
  check_gradient("array_of", eval_array, grad_array, q, 8, 1e-9);
  check_dot("array_of", jvp_array, grad_array, q, 8, 1e-12);
  double b[9] = {0, 0, 1.0, 1.5, 0.2, 2.0, -0.4, 1.1, 0.7};
  check_gradient("energy", eval_energy, grad_energy, b, 9, 1e-9);
  check_dot("energy", jvp_energy, grad_energy, b, 9, 1e-12);
  double la[6] = {0.3, 0.1, -0.5, 0.9, 1.2, -0.4};
  check_gradient("local_array", eval_local_array, grad_local_array, la, 6, 1e-9);
  check_dot("local_array", jvp_local_array, grad_local_array, la, 6, 1e-12);
  double pp[4] = {1.5, -2, 0.5, 0.7};
  check_gradient("peval", eval_peval, grad_peval, pp, 4, 1e-9);
  check_dot("peval", jvp_peval, grad_peval, pp, 4, 1e-12);
  check_gradient("pval", eval_pval, grad_pval, pp, 3, 1e-9);
  check_dot("pval", jvp_pval, grad_pval, pp, 3, 1e-12);
  double ro[7] = {1, 2, 0.5, -1, -0.3, 0.8, 0.3};
  check_gradient("rot", eval_rot, grad_rot, ro, 7, 1e-9);
  check_dot("rot", jvp_rot, grad_rot, ro, 7, 1e-12);
  return check_done("structs");
}
#endif
