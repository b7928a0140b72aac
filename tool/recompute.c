/* recompute.c: values the reverse sweep computes again instead of taping
 * them (after activity.c's to-be-recorded analysis, before rev.c).
 *
 * A loop body that starts by filling scratch values from values the loop
 * does not change (GMM: xc[i] = x[i] - mu[i], then Qxc = Q xc, for each
 * point and component) would save every scratch value it overwrites, in
 * every iteration, for the reverse sweep of the iterations before. Instead,
 * the reverse sweep of each iteration runs that prefix P of the body again,
 * and P tapes nothing (Tapenade's recomputation; what a hand-written adjoint
 * does). Sound when, for the set S of variables P writes:
 *   - P is plain assignments without calls, and counted loops whose reverse
 *     rebuilds the counter from the bounds;
 *   - P reads only S, the loop's counter, and variables the loop does not
 *     write; the loop writes memory only through buffers that no other name
 *     reaches (v[i] of a malloc'd or local array), and calls nothing;
 *   - each variable of S is the function's own (a local whose address is not
 *     taken, or such a buffer), written only in P, read by the reverse sweep
 *     only inside the loop, and never read in an iteration before P writes
 *     it: a scalar is assigned first, or is the counter of the loops that
 *     mention it; a buffer is filled over [0, n) by a counted loop of P
 *     before every read v[j], j the counter of a loop over [lo, n), lo >= 0;
 *   - no reverse read of an S value inside the loop comes before a write of
 *     it in P, except integer and pointer steps that the reverse sweep takes
 *     back (li++).
 * What the recomputation reads is then read by the reverse sweep at P's
 * statements: later writes of it are saved as for any other reverse read.
 * Only statements that compute values the reverse sweep needs run again.
 * Where P's loops nest, or P divides or calls libm, what those statements
 * leave is taped once per iteration instead (snapshot, below).
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

typedef struct Rc {
  Func *fn;
  Stmt *loop;
  Var *counter;      /* the loop's counter, if it is counted */
  Vec s;             /* Var *: written in P */
  Vec w;             /* Var *: written anywhere in the loop */
  bool wild;         /* the loop calls a function or writes memory other names reach */
  bool dear_ok;      /* P may hold calls and divisions: they are taped (snapshot), not run again */
  Vec body;          /* Stmt *: the body's statements, nested blocks opened */
  int np;            /* P: the first np of them */
} Rc;


/* memory that only v reaches: a local buffer used only as v[i] */
static bool own_buffer(Func *fn, Var *v) {
  if ((v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->is_static || v->foreign || v->addr_taken) return false;
  if (v->ty->kind != TY_PTR && v->ty->kind != TY_ARRAY) return false;
  return act_only_indexed(fn, v);
}


static bool note_write(Expr *e, void *ud) {
  Rc *rc = ud;
  Expr *lv = ir_written(e);
  if (!lv && e->kind == EX_CALL && !e->rule) rc->wild = true;
  else if (!lv && e->kind == EX_CALL)   /* a libm out-parameter: frexp(x, &e) */
    for (int i = 0; i < e->nargs; i++) {
      Var *v = ir_uncast(e->args[i])->kind == EX_ADDR ? ir_base_var(e->args[i]) : NULL;
      if (v) vec_add_once(&rc->w, v);
      else if (ty_is_ptr(e->args[i]->ty)) rc->wild = true;
    }
  if (!lv) return false;
  Var *v = ir_base_var(lv);
  if (!v) { rc->wild = true; return false; }
  vec_add_once(&rc->w, v);
  if (lv->kind != EX_VAR && ty_is_ptr(v->ty) && !own_buffer(rc->fn, v)) rc->wild = true;
  if (lv->kind != EX_VAR && !ty_is_ptr(v->ty)) rc->wild = true;   /* members of local structs */
  return false;
}

/* a variable of e that the loop writes, other than S and its counter */
static bool reads_varying(Rc *rc, Expr *e);
static bool varying_var(Expr *e, void *ud) {
  Rc *rc = ud;
  return e->kind == EX_VAR && !vec_has(&rc->s, e->var) && e->var != rc->counter && vec_has(&rc->w, e->var);
}
static bool reads_varying(Rc *rc, Expr *e) { return ir_expr_any(e, varying_var, rc); }

static bool is_call(Expr *e, void *ud) { (void)ud; return e->kind == EX_CALL; }

/* calls, and divisions (integer ones too: i % n): dearer to compute again
 * than to tape */
static bool is_dear(Expr *e, void *ud) { (void)ud; return e->kind == EX_CALL || e->kind == EX_DIV || e->kind == EX_MOD; }

/* P's statement forms (see above) */
static bool rc_form(Rc *rc, Stmt *s) {
  switch (s->kind) {
  case ST_NOP: return true;
  case ST_DECL: return !s->var->is_static && s->var->ty->kind != TY_ARRAY;
  case ST_BLOCK:
    for (int i = 0; i < s->kids.len; i++)
      if (!rc_form(rc, s->kids.data[i])) return false;
    return true;
  case ST_EXPR: {
    Expr *e = s->e;
    if (e->kind != EX_ASSIGN || e->op) return false;
    Expr *l = e->a;
    if (l->kind == EX_INDEX) {
      if (l->a->kind != EX_VAR || ir_has_side_effects(l->b) || reads_varying(rc, l->b) ||
          (!rc->dear_ok && ir_expr_any(l->b, is_dear, NULL)))
        return false;
    } else if (l->kind != EX_VAR) {
      return false;
    }
    Type *t = l->ty;
    if (!ty_is_float(t) && !ty_is_int(t) && t->kind != TY_PTR) return false;
    return (rc->dear_ok || !ir_expr_any(e->b, is_dear, NULL)) && !ir_has_side_effects(e->b) &&
           !reads_varying(rc, e->b);
  }
  case ST_FOR: {
    if (s->recomp.len || s->omp || s->ckpt) return false;
    const char *step;
    bool up;
    Var *c = ir_counted_loop(s, &step, &up);
    if (!c || strcmp(step, "1") || !s->e) return false;
    /* the reverse loop rebuilds c from the bounds, taping nothing (rev.c) */
    Expr *a = ir_uncast(s->e->a), *first = s->init->e->b;
    ExprKind k = s->e->kind;
    if (a->kind != EX_VAR || a->var != c || !act_fixed_at(first, s) || !act_fixed_at(s->e->b, s)) return false;
    if (up ? k != EX_LT && k != EX_LE && k != EX_NE : k != EX_GT && k != EX_GE) return false;
    if (reads_varying(rc, first) || reads_varying(rc, s->e->b) || ir_has_side_effects(first)) return false;
    return rc_form(rc, s->body);
  }
  default: return false;
  }
}

/* Calls f for every variable written in s: assignments' bases, counters */
static void each_written(Stmt *s, void (*f)(Var *v, Stmt *w, void *ud), void *ud) {
  if (!s) return;
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN) {
    Var *v = ir_base_var(s->e->a);
    if (v) f(v, s, ud);
  }
  if (s->kind == ST_FOR && s->inc && s->inc->kind == EX_ASSIGN && s->inc->a->kind == EX_VAR) f(s->inc->a->var, s, ud);
  for (int i = 0; i < s->kids.len; i++) each_written(s->kids.data[i], f, ud);
  each_written(s->init, f, ud);
  each_written(s->body, f, ud);
  each_written(s->els, f, ud);
}

static void collect_s(Var *v, Stmt *w, void *ud) { (void)w; vec_add_once(&((Rc *)ud)->s, v); }
static void writes_v(Var *v, Stmt *w, void *ud) { (void)w; void **p = ud; if (v == p[0]) p[1] = v; }

static bool writes(Stmt *s, Var *v) {
  void *p[2] = {v, NULL};
  each_written(s, writes_v, p);
  return p[1] != NULL;
}

/* Whether v is mentioned in s outside the counted loops whose counter it is
 * (and in such a loop's first) */
static bool mentioned_off_loops(Stmt *s, Var *v) {
  if (!s) return false;
  if (s->kind == ST_FOR && ir_counted_loop(s, NULL, NULL) == v) return ir_expr_mentions(s->init->e->b, v);
  if (ir_expr_mentions(s->e, v) || ir_expr_mentions(s->inc, v)) return true;
  for (int i = 0; i < s->kids.len; i++)
    if (mentioned_off_loops(s->kids.data[i], v)) return true;
  return mentioned_off_loops(s->init, v) || mentioned_off_loops(s->body, v) || mentioned_off_loops(s->els, v);
}

/* A scalar of S is assigned before any read in an iteration. */
static bool scalar_killed(Rc *rc, Var *v) {
  Vec *kids = &rc->body;
  for (int k = 0; k < kids->len; k++) {
    Stmt *s = kids->data[k];
    if (!ir_mentions(s, v)) continue;
    if (k < rc->np && s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && s->e->a->kind == EX_VAR && s->e->a->var == v &&
        !ir_expr_mentions(s->e->b, v))
      return true;
    break;
  }
  for (int k = 0; k < kids->len; k++)
    if (mentioned_off_loops(kids->data[k], v)) return false;
  return true;
}

/* kid k of P fills v over [0, bound), bound fixed in the loop */
static Expr *fill_bound(Rc *rc, Stmt *k, Var *v) {
  Expr *bound = ir_fill_bound(k, v);
  if (!bound || reads_varying(rc, bound) || ir_reads_memory(bound) || ir_expr_any(bound, is_call, NULL)) return NULL;
  return bound;
}

/* The loop l (of P) fills v at its counter c in a statement of its body
 * before st, which l's body also holds: st's v[c] reads what this iteration
 * wrote (a fill and its use joined into one loop, fuse.c). */
static bool fill_before(Stmt *l, Var *v, Var *c, Stmt *st) {
  if (l->kind != ST_FOR || ir_up_loop(l, NULL, NULL) != c) return false;
  Stmt *b = l->body;
  int n = b->kind == ST_BLOCK ? b->kids.len : 1;
  for (int i = 0; i < n; i++) {
    Stmt *s = b->kind == ST_BLOCK ? b->kids.data[i] : b;
    if (s == st) return false;
    if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && !s->e->op && s->e->a->kind == EX_INDEX &&
        ir_is_var(s->e->a->a, v) && ir_is_var(s->e->a->b, c))
      return true;
  }
  return false;
}

/* A read v[idx] in st, inside the body's statement number k: idx is the
 * counter of a loop around st over [lo, n), lo >= 0, and a statement of P
 * before k fills v over [0, n); or the loop k fills v[idx] before st. */
static bool read_covered(Rc *rc, Var *v, Expr *idx, Stmt *st, int k) {
  idx = ir_uncast(idx);
  Vec *kids = &rc->body;
  if (idx->kind == EX_NUM && ir_nonneg(idx, st)) {   /* v[2] under a fill over [0, 4) */
    long c = strtol(idx->text, NULL, 0);
    for (int j = 0; j < k && j < rc->np; j++) {
      Expr *fb = fill_bound(rc, kids->data[j], v);
      fb = fb ? ir_uncast(fb) : NULL;
      if (fb && fb->kind == EX_NUM && ir_nonneg(fb, st) && c < strtol(fb->text, NULL, 0)) return true;
    }
    return false;
  }
  if (idx->kind != EX_VAR) return false;
  if (k < rc->np && st->loop == kids->data[k] && fill_before(kids->data[k], v, idx->var, st)) return true;
  for (Stmt *l = st->loop; l; l = l->loop) {
    Expr *first, *bound;
    if (ir_up_loop(l, &first, &bound) != idx->var) continue;
    if (!ir_nonneg(first, l)) return false;
    for (int j = 0; j < k && j < rc->np; j++) {
      Expr *fb = fill_bound(rc, kids->data[j], v);
      if (fb && ir_same_expr(ir_uncast(fb), ir_uncast(bound))) return true;
    }
    return false;
  }
  return false;
}

typedef struct Cov { Rc *rc; Var *v; Stmt *st; int k; bool ok; } Cov;

static void check_read(Cov *c, Expr *e) {
  if (!e) return;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR && e->a->var == c->v) {
    if (!read_covered(c->rc, c->v, e->b, c->st, c->k)) c->ok = false;
    check_read(c, e->b);   /* and v in the index */
    return;
  }
  if (e->kind == EX_VAR && e->var == c->v) c->ok = false;   /* not v[i] */
  check_read(c, e->a), check_read(c, e->b), check_read(c, e->c);
  for (int i = 0; i < e->nargs; i++) check_read(c, e->args[i]);
}

/* Every read of the buffer v in s (statement number k of the body) is covered. */
static bool buffer_reads_covered(Rc *rc, Var *v, Stmt *s, int k) {
  if (!s) return true;
  Cov c = {rc, v, s, k, true};
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && s->e->a->kind == EX_INDEX && s->e->a->a->kind == EX_VAR &&
      s->e->a->a->var == v) {
    check_read(&c, s->e->a->b);
    check_read(&c, s->e->b);
  } else if (s->kind == ST_FOR || s->kind == ST_WHILE || s->kind == ST_DO) {
    if (ir_expr_mentions(s->e, v) || ir_expr_mentions(s->inc, v) || ir_mentions(s->init, v)) return false;
  } else {
    check_read(&c, s->e);
  }
  if (!c.ok) return false;
  for (int i = 0; i < s->kids.len; i++)
    if (!buffer_reads_covered(rc, v, s->kids.data[i], k)) return false;
  return buffer_reads_covered(rc, v, s->body, k) && buffer_reads_covered(rc, v, s->els, k);
}

/* Whether the reverse sweep reads, inside the loop, a value of v that the
 * write w (in P) destroys: a read before w, or in a loop around w (another
 * iteration's value). */
static bool read_in_iteration(Expr *lhs, Stmt *w) {
  Var *v = ir_base_var(lhs);
  Vec *reads = ty_is_ptr(v->ty) && lhs->kind != EX_VAR ? &v->mem_reads : &v->own_reads;
  for (int i = 0; i < reads->len; i++) {
    Stmt *r = reads->data[i];
    if (r->pos <= w->pos) return true;
    for (Stmt *l = w->loop; l && l != v->recomp; l = l->loop)
      if ((act_inside(r, l) || r == l) && !act_same_cell(lhs, l, r)) return true;
  }
  return false;
}

/* w = the first of a counted loop over v: the reverse loop rebuilds v */
static bool counter_start(Stmt *w, Var *v) {
  Stmt *f = w->parent;
  return f && f->kind == ST_FOR && f->init == w && ir_counted_loop(f, NULL, NULL) == v;
}

/* v = v + k, k an integer the function never changes: taken back in reverse
 * (the same test as rev.c's) */
static bool invertible(Stmt *w) {
  Expr *l = w->e->a, *r = w->e->b;
  if (l->kind != EX_VAR || !(l->ty->kind == TY_PTR || (ty_is_int(l->ty) && !strstr(l->ty->spell ? l->ty->spell : "", "ool"))))
    return false;
  return (r->kind == EX_ADD || r->kind == EX_SUB) && ir_same_expr(r->a, l) && ty_is_int(r->b->ty) &&
         !ir_has_side_effects(r->b) && act_reads_only_fixed(r->b);
}

static void check_write(Var *v, Stmt *w, void *ud) {
  bool *ok = ud;
  if (w->kind != ST_EXPR || counter_start(w, v)) return;
  if (read_in_iteration(w->e->a, w) && !invertible(w)) *ok = false;
}

/* Loops around w inside the recomputing loop */
static int depth_in(Stmt *w, Stmt *L) {
  int d = 0;
  for (Stmt *l = w->loop; l && l != L; l = l->loop) d++;
  return d;
}

/* The deepest assignment of a statement, and the deepest write that rev.c
 * would tape (rev.c's needs_save in joint mode) */
typedef struct Cost { Rc *rc; int work, saved; } Cost;

static void cost_of(Var *v, Stmt *w, void *ud) {
  Cost *c = ud;
  if (w->kind != ST_EXPR) return;
  int d = depth_in(w, c->rc->loop);
  if (d > c->work) c->work = d;
  if (!w->init_of_decl && !counter_start(w, v) && v->rev_read && act_needs_save_lv(w->e->a, w) &&
      !act_fresh_fill(c->rc->fn, w) && !act_loop_reset(w) && d > c->saved)
    c->saved = d;
}

static bool s_var(Expr *e, void *ud) {
  void **p = ud;
  if (e->kind == EX_VAR && vec_has(&((Rc *)p[0])->s, e->var) && !vec_has(p[1], e->var) && !vec_has(p[3], e->var)) {
    vec_push(p[1], e->var);
    *(bool *)p[2] = true;
  }
  return false;
}

static void needed_var(Var *v, Stmt *w, void *ud) { (void)w; void **p = ud; if (vec_has(p[0], v)) *(bool *)p[1] = true; }

static bool read_outside(Expr *e, void *ud) {
  Rc *rc = ((void **)ud)[0];
  Stmt *k = ((void **)ud)[1];
  if (e->kind == EX_VAR && !vec_has(&rc->s, e->var)) act_add_read(e->var, k);
  return false;
}

/* ---- snapshots: what a loop nest of the prefix leaves, taped once ---------- */

static bool is_loop(Stmt *s) { return s->kind == ST_FOR || s->kind == ST_WHILE || s->kind == ST_DO; }

static bool inner_loop(Stmt *s) {
  if (!s) return false;
  if (is_loop(s)) return true;
  for (int i = 0; i < s->kids.len; i++)
    if (inner_loop(s->kids.data[i])) return true;
  return inner_loop(s->init) || inner_loop(s->body) || inner_loop(s->els);
}

static void collect_needed(Var *v, Stmt *w, void *ud) {
  (void)w;
  void **p = ud;
  if (vec_has(p[0], v)) vec_add_once(p[1], v);
}
static void collect_all(Var *v, Stmt *w, void *ud) { (void)w; vec_add_once(ud, v); }
static void mark_alive(Var *v, Stmt *w, void *ud) { (void)w, (void)ud; v->rev_alive = true; }

typedef struct Rd { Vec *set; bool hit; } Rd;
static bool reads_set(Expr *e, void *ud) {
  Rd *r = ud;
  if (e->kind == EX_VAR && vec_has(r->set, e->var)) r->hit = true;
  return false;
}

/* A prefix whose loops nest (GMM's Q xc: d^2/2 multiplications for d
 * values) costs more to run again than its results cost to tape. Such loops
 * of the recomputed statements are run once: what they leave that the
 * reverse sweep reads (L->snap: buffers over their fills [0, n), L->snap_n,
 * and scalars) goes to the tape at the end of the body (S is written only in
 * P: it still holds those values) and comes back first in the iteration's
 * reverse; the other statements
 * are still computed again, after it, when they read none of it or come
 * after every such loop. Only where the tape does not grow with an outer
 * loop (the loop is at the top, or inside loops reversed as they run). */
static bool run_once(Rc *rc, Stmt *st) {
  return is_loop(st) || (rc->dear_ok && ir_stmt_any(st, is_dear, NULL));
}

static bool snapshot(Rc *rc, bool *again, Vec *need) {
  Stmt *L = rc->loop;
  for (Stmt *l = L->loop; l; l = l->loop)
    if (!l->immediate) return false;
  Vec *kids = &rc->body;
  int lastx = -1;
  bool deep = false;
  Vec snap = {0}, wx = {0};
  for (int k = 0; k < rc->np; k++) {
    Stmt *st = kids->data[k];
    if (!again[k] || !run_once(rc, st)) continue;
    lastx = k;
    deep |= rc->dear_ok || inner_loop(st->body);
    void *p[2] = {need, &snap};
    each_written(st, collect_needed, p);
    each_written(st, collect_all, &wx);
  }
  /* what the reverse sweep reads, or a statement still run again: the
   * nest runs once, so what only it reads need not come back */
  Vec kept = {0};
  for (int i = 0; i < snap.len; i++) {
    Var *v = snap.data[i];
    bool read = v->rev_read;
    for (int k = 0; k < rc->np && !read; k++) {
      Stmt *st = kids->data[k];
      if (!again[k] || run_once(rc, st)) continue;
      Vec one = {0};
      vec_push(&one, v);
      Rd r = {&one, false};
      ir_stmt_any(st, reads_set, &r);
      read = r.hit;
    }
    if (read) vec_push(&kept, v);
  }
  snap = kept;
  if (!deep || !snap.len) return false;
  Vec bounds = {0};   /* per snap variable: its fill bound, or NULL */
  for (int i = 0; i < snap.len; i++) {
    Var *v = snap.data[i];
    Expr *n = NULL;
    if (ty_is_ptr(v->ty) && !ir_assigns(L->body, v)) {   /* a buffer */
      if (!own_buffer(rc->fn, v)) return false;
      for (int k = 0; k < rc->np; k++) {   /* every fill over the same [0, n) */
        Expr *b = fill_bound(rc, kids->data[k], v);
        if (b && n && !ir_same_expr(ir_uncast(b), ir_uncast(n))) return false;
        if (b) n = b;
      }
      if (!n) return false;
    } else if (!ty_is_float(v->ty) && !ty_is_int(v->ty) && v->ty->kind != TY_PTR) {
      return false;   /* a scalar, or a pointer the loops move (with its adjoint) */
    }
    vec_push(&bounds, n);
  }
  /* the statements that write what the snapshot holds are not run again */
  bool *drop = arena_alloc((size_t)rc->np * sizeof(bool));
  for (int k = 0; k < rc->np; k++) {
    if (!again[k]) continue;
    Stmt *st = kids->data[k];
    bool wv = false;
    for (int i = 0; i < snap.len && !wv; i++) wv = writes(st, snap.data[i]);
    if (run_once(rc, st) || wv) {
      drop[k] = true;
      each_written(st, collect_all, &wx);
    }
  }
  for (int k = 0; k < rc->np; k++) {
    if (!again[k] || drop[k]) continue;
    if (ir_stmt_any(kids->data[k], is_dear, NULL)) return false;   /* run again: cheap only */
    Rd r = {&wx, false};
    ir_stmt_any(kids->data[k], reads_set, &r);
    if (!r.hit) continue;
    Rd q = {&snap, false};
    ir_stmt_any(kids->data[k], reads_set, &q);
    /* reads what the loops leave: only after the last of them, and only the snapshot */
    if (k < lastx) return false;
    for (int i = 0; i < wx.len; i++) {
      Var *v = wx.data[i];
      Vec one = {0};
      vec_push(&one, v);
      Rd o = {&one, false};
      ir_stmt_any(kids->data[k], reads_set, &o);
      if (o.hit && !vec_has(&snap, v)) return false;
    }
  }
  for (int k = 0; k < rc->np; k++)
    if (drop[k]) again[k] = false;
  L->snap = snap;
  L->snap_n = bounds;
  return true;
}

/* ---- expansion: a snapshot's buffers written in place on the tape ------- */

typedef struct Wc { Rc *rc; Var *v; int k; bool ok; } Wc;

/* every write v[idx] in s lies in [0, n) of a fill before or at k */
static void writes_covered(Wc *w, Stmt *s) {
  if (!s || !w->ok) return;
  if (s->kind == ST_EXPR && s->e && s->e->kind == EX_ASSIGN && s->e->a->kind == EX_INDEX &&
      ir_is_var(s->e->a->a, w->v) && !read_covered(w->rc, w->v, s->e->a->b, s, w->k + 1))
    w->ok = false;
  for (int i = 0; i < s->kids.len; i++) writes_covered(w, s->kids.data[i]);
  writes_covered(w, s->init), writes_covered(w, s->body), writes_covered(w, s->els);
}

/* v[...] appears in s outside the statement L */
static bool indexed_outside(Stmt *s, Var *v, Stmt *L) {
  if (!s || s == L) return false;
  if ((s->e && ir_expr_mentions(s->e, v) && !ir_free_call(s->e) &&
       !(s->e->kind == EX_ASSIGN && ir_is_var(s->e->a, v))) || (s->inc && ir_expr_mentions(s->inc, v)))
    return true;
  for (int i = 0; i < s->kids.len; i++)
    if (indexed_outside(s->kids.data[i], v, L)) return true;
  return indexed_outside(s->init, v, L) || indexed_outside(s->body, v, L) || indexed_outside(s->els, v, L);
}

static bool fixed_bound(Expr *e) {
  return !ir_has_side_effects(e) && !ir_reads_memory(e) && !ir_expr_any(e, is_call, NULL) && act_reads_only_fixed(e);
}

/* The buffers of L's snapshot that need not be copied to the tape and back:
 * L counts up between bounds the function never changes, the buffer is a
 * local pointer to its own allocation that nothing reads outside L, and
 * every element L's body reads or writes lies in [0, n) of a fill in the
 * same iteration. Then each iteration points the buffer at its own n
 * elements of room on the tape (rev_loop.c), writes its values there and
 * its reverse reads them there; the buffer itself holds nothing anyone
 * reads. GMM's xc and Q xc: 2d doubles per component and point that were
 * copied twice each. */
static void expand_snapshot(Rc *rc) {
  Stmt *L = rc->loop;
  Expr *lo, *hi;
  L->expand = (Vec){0};
  if (L->kind != ST_FOR || L->immediate || L->omp || L->ckpt || !ir_up_loop(L, &lo, &hi) || !fixed_bound(lo) ||
      !fixed_bound(hi))
    return;
  for (int i = 0; i < L->snap.len; i++) {
    Var *v = L->snap.data[i];
    Expr *n = L->snap_n.data[i];
    if (!n || v->ty->kind != TY_PTR || !fixed_bound(n) || !ir_fresh_buffer(rc->fn, v) ||
        indexed_outside(rc->fn->body, v, L))
      continue;
    bool ok = true;
    for (int k = 0; k < rc->body.len && ok; k++) {
      Stmt *st = rc->body.data[k];
      Wc w = {rc, v, k, true};
      writes_covered(&w, st);
      ok = w.ok && buffer_reads_covered(rc, v, st, k);
    }
    if (ok) vec_push(&L->expand, v);
  }
}

/* Whether it decided L's recomputation (with dear_ok: a snapshot of
 * everything that calls or divides, or nothing) */
static bool try_recompute(Func *fn, Stmt *L, bool dear_ok) {
  if (L->omp || L->ckpt || L->immediate || !L->body || L->body->kind != ST_BLOCK) return false;
  for (Stmt *l = L->loop; l; l = l->loop)
    if (l->omp) return false;
  Rc rc = {.fn = fn, .loop = L, .counter = ir_counted_loop(L, NULL, NULL), .dear_ok = dear_ok};
  ir_stmt_any(L->body, note_write, &rc);
  if (L->inc) ir_expr_any(L->inc, note_write, &rc);
  if (rc.wild) return false;
  ir_open_blocks(L->body, &rc.body);
  Vec *kids = &rc.body;
  while (rc.np < kids->len) {   /* a statement may read what it writes itself */
    int had = rc.s.len;
    each_written(kids->data[rc.np], collect_s, &rc);
    if (!rc_form(&rc, kids->data[rc.np])) {
      rc.s.len = had;
      break;
    }
    rc.np++;
  }
  /* reads of P: S, the counter, what the loop does not write (checked by
   * rc_form against the loop's writes other than S: S grew since) */
  while (rc.np > 0) {
    bool ok = true;
    for (int k = 0; k < rc.np && ok; k++) ok = rc_form(&rc, kids->data[k]);
    for (int i = 0; i < rc.s.len && ok; i++) {
      Var *v = rc.s.data[i];
      if ((v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->is_static || ir_storage_named(fn, v) || v->is_flag ||
          v == rc.counter) { ok = false; break; }
      Vec *reads = ty_is_ptr(v->ty) && !ir_assigns(L->body, v) ? &v->mem_reads : &v->own_reads;
      for (int j = 0; j < reads->len && ok; j++) {
        Stmt *r = reads->data[j];
        if (act_read_at_entry(r) || !act_inside(r, L)) ok = false;
      }
      for (int k = rc.np; k < kids->len && ok; k++)
        if (writes(kids->data[k], v)) ok = false;
      if (ir_expr_mentions(L->inc, v)) ok = false;
      if (!ok) break;
      if (ir_assigns(L->body, v) || !ty_is_ptr(v->ty)) {
        if (ty_is_ptr(v->ty) && v->ty->kind != TY_PTR) ok = false;
        else if (!scalar_killed(&rc, v)) ok = false;
      } else if (!own_buffer(fn, v)) {
        ok = false;
      } else {
        for (int k = 0; k < kids->len && ok; k++) ok = buffer_reads_covered(&rc, v, kids->data[k], k);
      }
    }
    if (ok) {
      for (int i = 0; i < rc.s.len; i++) ((Var *)rc.s.data[i])->recomp = L;   /* for read_in_iteration */
      for (int k = 0; k < rc.np; k++) each_written(kids->data[k], check_write, &ok);
      for (int i = 0; i < rc.s.len; i++) ((Var *)rc.s.data[i])->recomp = NULL;
    }
    if (ok) break;
    /* shorten P by one statement and try again */
    rc.np--;
    rc.s.len = 0;
    for (int k = 0; k < rc.np; k++) each_written(kids->data[k], collect_s, &rc);
  }
  if (rc.np == 0) return false;
  for (int i = 0; i < rc.s.len; i++) ((Var *)rc.s.data[i])->recomp = L;
  /* the statements computing what the reverse sweep reads, and what they read */
  Vec need = {0}, counters = {0};
  for (int i = 0; i < rc.s.len; i++) {
    Var *v = rc.s.data[i];
    bool off = false;
    for (int k = 0; k < kids->len && !off; k++) off = mentioned_off_loops(kids->data[k], v);
    if (!off) vec_push(&counters, v);   /* a counter the reverse loops rebuild */
    else if (v->rev_read) vec_push(&need, v);
  }
  bool *again = arena_alloc((size_t)rc.np * sizeof(bool));
  for (bool grew = true; grew;) {
    grew = false;
    for (int k = 0; k < rc.np; k++) {
      if (again[k]) continue;
      bool w = false;
      void *p[2] = {&need, &w};
      each_written(kids->data[k], needed_var, p);
      if (!w) continue;
      again[k] = grew = true;
      void *q[4] = {&rc, &need, &grew, &counters};
      ir_stmt_any(kids->data[k], s_var, q);
    }
  }
  /* worth it only where what runs again spares saves as deep in loops as
   * its deepest work (a dot product recomputed to spare one saved sum is
   * not) */
  Cost c = {&rc, 0, -1};
  for (int k = 0; k < rc.np; k++)
    if (again[k]) each_written(kids->data[k], cost_of, &c);
  bool *all = arena_alloc((size_t)rc.np * sizeof(bool));
  memcpy(all, again, (size_t)rc.np * sizeof(bool));
  bool snapped = snapshot(&rc, again, &need);
  if (dear_ok ? !snapped : c.saved < c.work) {
    for (int i = 0; i < rc.s.len; i++) ((Var *)rc.s.data[i])->recomp = NULL;
    L->snap = L->snap_n = L->expand = (Vec){0};
    return false;
  }
  for (int k = 0; k < rc.np; k++) {   /* what the prefix reads, wherever its values come from */
    if (!all[k]) continue;
    void *p[2] = {&rc, kids->data[k]};
    ir_stmt_any(kids->data[k], read_outside, p);
  }
  for (int k = 0; k < rc.np; k++)
    if (again[k]) {
      vec_push(&L->recomp, kids->data[k]);
      each_written(kids->data[k], mark_alive, NULL);
    }
  for (int i = 0; i < L->snap.len; i++) ((Var *)L->snap.data[i])->rev_alive = true;
  if (L->snap.len) expand_snapshot(&rc);
  return true;
}

/* Inner loops first: a loop whose body holds one that recomputes keeps its
 * saves (it would run that loop's recomputation again). */
static void find_recomputes(Func *fn, Stmt *s) {
  if (!s) return;
  for (int i = 0; i < s->kids.len; i++) find_recomputes(fn, s->kids.data[i]);
  find_recomputes(fn, s->init);
  find_recomputes(fn, s->body);
  find_recomputes(fn, s->els);
  if ((s->kind == ST_FOR || s->kind == ST_WHILE || s->kind == ST_DO) && !try_recompute(fn, s, false))
    try_recompute(fn, s, true);   /* a prefix that divides or calls libm: taped once, if it can be */
}

static void clear(Stmt *s) {
  if (!s) return;
  s->recomp = (Vec){0};
  s->snap = s->snap_n = s->expand = (Vec){0};
  for (int i = 0; i < s->kids.len; i++) clear(s->kids.data[i]);
  clear(s->init), clear(s->body), clear(s->els);
}

/* Decides, for every loop of fn, what its reverse sweep computes again
 * (Stmt.recomp, Var.recomp), and registers what that reads. */
void recompute_loops(Func *fn) {
  clear(fn->body);
  find_recomputes(fn, fn->body);
}

/* Whether the write w of v, which a loop's reverse sweep computes again,
 * must still be taken back (an integer step: the only kind allowed). */
bool recompute_save(Expr *lhs, Stmt *w) {
  Var *v = ir_base_var(lhs);
  if (counter_start(w, v)) return false;
  return read_in_iteration(lhs, w);
}

