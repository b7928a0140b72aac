/* immediate.c: sum loops whose iterations are reversed as they run (after
 * activity.c's analysis, before recompute.c and rev.c).
 *
 * BA's observations, GMM's points: a top-level loop adds one term per
 * iteration into an accumulator, s = s + f(iteration), and its iterations
 * share nothing else. Reversed the usual way, every iteration saves the
 * values the next one overwrites, for a reverse sweep that runs long after.
 * A hand-written adjoint instead reverses each iteration right after its
 * forward, with its values still at hand, and saves nothing across
 * iterations. That is possible when s's adjoint at the end of the loop is a
 * constant c known before the loop runs: each iteration's reverse is then
 * the reverse of its body seeded with s_bar = c. rev.c writes the body's
 * reverse after its forward, inside the loop, and nothing for the loop in the
 * reverse sweep; activity.c's save rule no longer counts the loop's later
 * iterations as readers (Stmt.immediate).
 *
 * Sound when, for the top-level loop L of the annotated function:
 *   - s is a local float scalar whose address is not taken; in L it appears
 *     only as s = s + e or s - e (e without s), and the reverse sweep never
 *     reads its value;
 *   - c, s's adjoint after L, is a nonzero constant: the statements after L
 *     carry s to the returned value through assignments of local scalars
 *     that are linear with literal coefficients (coefs, below);
 *   - L calls no function but libm's, takes no address of what it writes,
 *     and writes memory only of buffers that no other name reaches;
 *   - whatever else L writes is the iteration's own: each read of it in an
 *     iteration comes after a write of it in that iteration (a scalar
 *     assigned first; a buffer read as v[j], j the counter of a loop over
 *     [lo, n), lo >= 0, or v[k] for a literal k, after a fill of v over
 *     [0, n) earlier in the iteration), and after L it is not read before
 *     it is assigned again;
 *   - no memory that L reads is written after L (that write's reverse would
 *     reset or scale an adjoint L has already added to); a scalar that L
 *     reads and a later statement writes gets L's additions to its adjoint
 *     in a local, added where the reverse sweep reaches L
 *     (Stmt.imm_defer).
 * Values of the iteration's own variables that the reverse sweep reads before
 * L are still saved and taken back per iteration, so after L they hold what
 * they held before it.
 */
#include "tool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Im {
  Func *fn;
  Stmt *loop;
  Var *acc;          /* s */
  Var *counter;      /* written by L's increment only */
  Vec ws;            /* Var *: assigned as a whole in L (s and the counter aside) */
  Vec wm;            /* Var *: memory written in L (v[i] = ...) */
  bool ok;
} Im;

static bool own_var(Var *v) {
  return (v->kind == VAR_LOCAL || v->kind == VAR_TEMP) && !v->is_static;
}

static bool is_acc_step(Im *im, Expr *e) {
  Expr *l = e->a, *r = e->b;
  return e->kind == EX_ASSIGN && !e->op && l->kind == EX_VAR && l->var == im->acc &&
         (r->kind == EX_ADD || r->kind == EX_SUB) && ir_same_expr(r->a, l) && !ir_expr_mentions(r->b, im->acc);
}

/* ---- what L writes ---------------------------------------------------------- */

static bool note_write(Expr *e, void *ud) {
  Im *im = ud;
  if (e->kind == EX_CALL && !e->rule) im->ok = false;
  Expr *lv = ir_written(e);
  if (e->kind == EX_CALL && e->rule)   /* a libm out-parameter (frexp(x, &e)) */
    for (int i = 0; i < e->nargs; i++)
      if (ty_is_ptr(e->args[i]->ty)) im->ok = false;
  if (!lv) return false;
  Var *v = ir_base_var(lv);
  if (!v) { im->ok = false; return false; }
  if (lv->kind == EX_VAR) {
    if (v != im->acc) vec_add_once(&im->ws, v);
  } else {
    vec_add_once(&im->wm, v);
  }
  return false;
}

/* &x[i] of an input is an address; of what L writes, a second name. A
 * pointer p that L sets (C = &cam[3], cam set per iteration) addresses
 * memory that L does not write unless p[i] = ... is among its writes. */
static bool note_addr(Expr *e, void *ud) {
  Im *im = ud;
  if (e->kind == EX_ADDR) {
    Var *v = ir_base_var(e->a);
    bool through = v && v->ty->kind == TY_PTR && e->a->kind != EX_VAR;
    if (!v || (vec_has(&im->ws, v) && !through) || vec_has(&im->wm, v) || v == im->acc) im->ok = false;
  }
  return false;
}

/* ---- each read of L's own values comes after a write in the iteration ---- */

typedef struct Facts {
  Vec killed;        /* Var *: assigned in this iteration */
  Vec fills;         /* Var *, Expr * pairs: v filled over [0, n) */
  Vec elems;         /* Var *, (void *)k pairs: v[k] assigned, k a literal */
  Vec cells;         /* Var *, Var * pairs: v[c] assigned in this iteration of
                        the loop counting c (a fill and its use in one loop) */
} Facts;

static Facts copy(Facts *f) {
  Facts c = {0};
  for (int i = 0; i < f->killed.len; i++) vec_push(&c.killed, f->killed.data[i]);
  for (int i = 0; i < f->fills.len; i++) vec_push(&c.fills, f->fills.data[i]);
  for (int i = 0; i < f->elems.len; i++) vec_push(&c.elems, f->elems.data[i]);
  for (int i = 0; i < f->cells.len; i++) vec_push(&c.cells, f->cells.data[i]);
  return c;
}

static bool has_pair(Vec *v, void *a, void *b) {
  for (int i = 0; i < v->len; i += 2)
    if (v->data[i] == a && v->data[i + 1] == b) return true;
  return false;
}

/* after an if: what both branches wrote */
static void merge(Facts *f, Facts *a, Facts *b) {
  for (int i = 0; i < a->killed.len; i++)
    if (vec_has(&b->killed, a->killed.data[i])) vec_add_once(&f->killed, a->killed.data[i]);
  for (int i = 0; i < a->elems.len; i += 2)
    if (has_pair(&b->elems, a->elems.data[i], a->elems.data[i + 1]) &&
        !has_pair(&f->elems, a->elems.data[i], a->elems.data[i + 1]))
      vec_push(&f->elems, a->elems.data[i]), vec_push(&f->elems, a->elems.data[i + 1]);
  for (int i = 0; i < a->cells.len; i += 2)
    if (has_pair(&b->cells, a->cells.data[i], a->cells.data[i + 1]) &&
        !has_pair(&f->cells, a->cells.data[i], a->cells.data[i + 1]))
      vec_push(&f->cells, a->cells.data[i]), vec_push(&f->cells, a->cells.data[i + 1]);
  for (int i = 0; i < a->fills.len; i += 2)
    for (int j = 0; j < b->fills.len; j += 2)
      if (a->fills.data[i] == b->fills.data[j] &&
          ir_same_expr(ir_uncast(a->fills.data[i + 1]), ir_uncast(b->fills.data[j + 1]))) {
        vec_push(&f->fills, a->fills.data[i]), vec_push(&f->fills, a->fills.data[i + 1]);
        break;
      }
}

/* v's writes in L are all fills over [0, n) by loops with this n */
typedef struct OnlyFills { Im *im; Var *v; Expr *n; bool ok; } OnlyFills;

static Expr *fill_of(Im *im, Stmt *k, Var *v);

static void only_fills_in(OnlyFills *o, Stmt *s, bool in_fill) {
  if (!s || !o->ok) return;
  if (s->kind == ST_FOR && fill_of(o->im, s, o->v)) {
    Expr *n = fill_of(o->im, s, o->v);
    if (!ir_same_expr(ir_uncast(n), ir_uncast(o->n))) o->ok = false;
    in_fill = true;
  }
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && s->e->a->kind != EX_VAR && ir_base_var(s->e->a) == o->v &&
      !in_fill)
    o->ok = false;
  for (int i = 0; i < s->kids.len; i++) only_fills_in(o, s->kids.data[i], in_fill);
  only_fills_in(o, s->init, in_fill), only_fills_in(o, s->body, in_fill), only_fills_in(o, s->els, in_fill);
}

static bool reads_written(Im *im, Expr *e);
static bool written_var(Expr *e, void *ud) {
  Im *im = ud;
  return e->kind == EX_VAR && (vec_has(&im->ws, e->var) || vec_has(&im->wm, e->var) || e->var == im->acc);
}
static bool reads_written(Im *im, Expr *e) { return ir_expr_any(e, written_var, im); }
static bool is_call(Expr *e, void *ud) { (void)ud; return e->kind == EX_CALL; }

/* k fills v over [0, n), n the same in the whole of L; returns n */
static Expr *fill_of(Im *im, Stmt *k, Var *v) {
  Expr *bound = ir_fill_bound(k, v);
  if (!bound || reads_written(im, bound) || ir_reads_memory(bound) || ir_expr_any(bound, is_call, NULL)) return NULL;
  return bound;
}

/* v[c] written: the cell holds this iteration's value until c changes */
static void note_cell(Im *im, Facts *f, Var *v, Expr *idx, Stmt *st) {
  idx = ir_uncast(idx);
  if (idx->kind != EX_VAR || idx->var->addr_taken || has_pair(&f->cells, v, idx->var)) return;
  for (Stmt *l = st->loop; l; l = l->loop) {
    if (ir_counted_loop(l, NULL, NULL) == idx->var) {
      vec_push(&f->cells, v), vec_push(&f->cells, idx->var);
      return;
    }
    if (l == im->loop) return;
  }
}

/* c changes (s assigns or declares it): its cells no longer hold this
 * iteration's values */
static void forget_cells(Facts *f, Stmt *s) {
  int n = 0;
  for (int i = 0; i < f->cells.len; i += 2)
    if (!ir_assigns(s, f->cells.data[i + 1]) && !(s->kind == ST_DECL && s->var == f->cells.data[i + 1]))
      f->cells.data[n++] = f->cells.data[i], f->cells.data[n++] = f->cells.data[i + 1];
  f->cells.len = n;
}

static bool covered(Im *im, Facts *f, Var *v, Expr *idx, Stmt *st) {
  idx = ir_uncast(idx);
  if (idx->kind == EX_VAR && has_pair(&f->cells, v, idx->var)) return true;
  if (idx->kind == EX_NUM) {
    long k = ir_lit_int(idx);
    if (k < 0) return false;
    if (has_pair(&f->elems, v, (void *)k)) return true;
    for (int i = 0; i < f->fills.len; i += 2) {
      if (f->fills.data[i] != v) continue;
      Expr *n = ir_uncast(f->fills.data[i + 1]);
      if (n->kind == EX_NUM && ir_nonneg(n, st) && k < strtol(n->text, NULL, 0)) return true;
      /* v[k] with k >= n is written in no iteration: it holds its value from before L */
      OnlyFills o = {im, v, n, true};
      only_fills_in(&o, im->loop->body, false);
      if (o.ok) return true;
    }
    return false;
  }
  if (idx->kind != EX_VAR) return false;
  for (Stmt *l = st->loop; l && l != im->loop; l = l->loop) {
    Expr *first, *bound;
    if (ir_up_loop(l, &first, &bound) != idx->var) continue;
    if (!ir_nonneg(first, l)) return false;
    for (int i = 0; i < f->fills.len; i += 2)
      if (f->fills.data[i] == v && ir_same_expr(ir_uncast(f->fills.data[i + 1]), ir_uncast(bound))) return true;
    /* v[c] for c in [lo, n), literals, after v[lo] = ..., ..., v[n - 1] = ... */
    long lo = ir_lit_int(first), n = ir_lit_int(bound);
    if (lo < 0 || n < 0 || n - lo > 64) return false;
    for (long k = lo; k < n; k++)
      if (!has_pair(&f->elems, v, (void *)k)) return false;
    return true;
  }
  return false;
}

/* The reads of e, in statement st, find the iteration's own values. */
static void check_reads(Im *im, Facts *f, Expr *e, Stmt *st) {
  if (!e || !im->ok) return;
  switch (e->kind) {
  case EX_VAR:
    if (e->var == im->acc || vec_has(&im->wm, e->var)) im->ok = false;   /* s outside s = s + e; a buffer not as v[i] */
    else if (vec_has(&im->ws, e->var) && !vec_has(&f->killed, e->var)) im->ok = false;
    return;
  case EX_INDEX:
    if (e->a->kind == EX_VAR && vec_has(&im->wm, e->a->var)) {
      if (e->ty->kind == TY_ARRAY || !covered(im, f, e->a->var, e->b, st)) im->ok = false;
      check_reads(im, f, e->b, st);
      return;
    }
    break;
  case EX_ASSIGN: case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC:
    im->ok = false;   /* only statements assign */
    return;
  default:
    break;
  }
  check_reads(im, f, e->a, st), check_reads(im, f, e->b, st), check_reads(im, f, e->c, st);
  for (int i = 0; i < e->nargs; i++) check_reads(im, f, e->args[i], st);
}

/* a statement of L: what it reads, what it writes */
static void scan_expr(Im *im, Stmt *s, Facts *f) {
  Expr *e = s->e;
  if (is_acc_step(im, e)) {
    check_reads(im, f, e->b->b, s);
    return;
  }
  if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR) {
    if (e->a->var == im->acc) im->ok = false;   /* s set, not added to */
    check_reads(im, f, e->b, s);
    vec_add_once(&f->killed, e->a->var);
    return;
  }
  if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_INDEX && e->a->a->kind == EX_VAR &&
      vec_has(&im->wm, e->a->a->var)) {
    if (e->a->ty->kind == TY_ARRAY) im->ok = false;
    check_reads(im, f, e->a->b, s);
    check_reads(im, f, e->b, s);
    long k = ir_lit_int(e->a->b);
    if (k >= 0 && !has_pair(&f->elems, e->a->a->var, (void *)k))
      vec_push(&f->elems, e->a->a->var), vec_push(&f->elems, (void *)k);
    note_cell(im, f, e->a->a->var, e->a->b, s);
    return;
  }
  if (e->kind == EX_ASSIGN && !e->op) {   /* through a pointer L does not own: refused by note_write */
    im->ok = false;
    return;
  }
  if (e->kind == EX_ASSIGN) {   /* x op= e reads x */
    Expr *l = e->a;
    Var *v = ir_base_var(l);
    if (l->kind == EX_VAR ? v == im->acc || (vec_has(&im->ws, v) && !vec_has(&f->killed, v)) : false) im->ok = false;
    if (l->kind == EX_INDEX && l->a->kind == EX_VAR && vec_has(&im->wm, l->a->var) && !covered(im, f, l->a->var, l->b, s))
      im->ok = false;
    if (l->kind != EX_VAR && l->kind != EX_INDEX) im->ok = false;
    if (l->kind == EX_INDEX) check_reads(im, f, l->b, s);
    check_reads(im, f, e->b, s);
    return;
  }
  if (e->kind == EX_PREINC || e->kind == EX_PREDEC || e->kind == EX_POSTINC || e->kind == EX_POSTDEC) {
    if (e->a->kind != EX_VAR || e->a->var == im->acc || (vec_has(&im->ws, e->a->var) && !vec_has(&f->killed, e->a->var)))
      im->ok = false;
    return;
  }
  check_reads(im, f, e, s);
}

static void scan(Im *im, Stmt *s, Facts *f) {
  if (!s || !im->ok) return;
  switch (s->kind) {
  case ST_NOP: return;
  case ST_DECL:
    if (s->var->is_static) im->ok = false;
    forget_cells(f, s);
    return;
  case ST_BLOCK:
    for (int i = 0; i < s->kids.len; i++) scan(im, s->kids.data[i], f);
    return;
  case ST_EXPR:
    scan_expr(im, s, f);
    forget_cells(f, s);
    return;
  case ST_IF: {
    check_reads(im, f, s->e, s);
    Facts a = copy(f), b = copy(f);
    scan(im, s->body, &a);
    scan(im, s->els, &b);
    merge(f, &a, &b);
    return;
  }
  case ST_FOR: case ST_WHILE: case ST_DO: {
    if (s->omp || s->ckpt) { im->ok = false; return; }
    if (s->init) scan(im, s->init, f);
    Facts b = copy(f);
    forget_cells(&b, s);
    if (s->kind != ST_DO) check_reads(im, f, s->e, s);
    scan(im, s->body, &b);
    if (s->kind == ST_DO) check_reads(im, &b, s->e, s);
    if (s->inc) {
      Stmt is = {.kind = ST_EXPR, .e = s->inc, .loop = s, .loc = s->loc};
      scan(im, &is, &b);
    }
    for (int i = 0; i < im->wm.len; i++) {
      Expr *n = fill_of(im, s, im->wm.data[i]);
      if (n) vec_push(&f->fills, im->wm.data[i]), vec_push(&f->fills, n);
    }
    forget_cells(f, s);
    return;
  }
  default:
    im->ok = false;
    return;
  }
}

/* ---- after L ------------------------------------------------------------- */

/* the next statement mentioning v after L assigns it before reading it */
static bool dead_after(Vec *after, int from, Var *v) {
  for (int k = from; k < after->len; k++) {
    Stmt *s = after->data[k];
    if (!ir_mentions(s, v)) continue;
    if (s->kind == ST_EXPR && ir_free_call(s->e) && ir_base_var(s->e->args[0]) == v) continue;
    Expr *a = s->kind == ST_EXPR ? s->e : s->kind == ST_FOR && s->init && s->init->kind == ST_EXPR ? s->init->e : NULL;
    return a && a->kind == EX_ASSIGN && !a->op && a->a->kind == EX_VAR && a->a->var == v && !ir_expr_mentions(a->b, v);
  }
  return true;
}

typedef struct After { Func *fn; Vec *read; Vec *defer; bool ok; } After;

/* a write after L of something L reads with an adjoint, memory not L's own,
 * or a call that may write anything */
static bool bad_after(Expr *e, void *ud) {
  After *a = ud;
  if (e->kind == EX_CALL && !e->rule && !ir_free_call(e) && !ir_alloc_call(e)) a->ok = false;
  Expr *lv = ir_written(e);
  if (e->kind == EX_CALL && e->rule)
    for (int i = 0; i < e->nargs; i++)
      if (ty_is_ptr(e->args[i]->ty)) a->ok = false;
  if (!lv) return false;
  Var *v = ir_base_var(lv);
  if (!v) a->ok = false;
  else if (lv->kind != EX_VAR && (vec_has(a->read, v) || !(own_var(v) && !v->addr_taken && act_only_indexed(a->fn, v))))
    a->ok = false;
  else if (lv->kind == EX_VAR && vec_has(a->read, v)) {
    /* a scalar: what L adds to its adjoint waits in a local until the
     * reverse sweep reaches L; a pointer moved later leaves the memory
     * whose adjoints L added to as it was */
    if (ty_is_float(v->ty) && !v->addr_taken && v->kind != VAR_GLOBAL) vec_add_once(a->defer, v);
    else if (v->ty->kind != TY_PTR) a->ok = false;
  }
  return false;
}

static bool note_read(Expr *e, void *ud) {
  if (e->kind == EX_VAR && ty_has_float(e->var->ty)) vec_add_once(ud, e->var);
  return false;
}

/* ---- s's adjoint after L ---------------------------------------------------- */

/* coefficients of the returned value in local float scalars, NAN when not
 * a known constant */
typedef struct Coefs { Vec vars; double *c; int cap; } Coefs;

static bool plain(Var *v) {
  return ty_is_float(v->ty) && !v->addr_taken && v->kind != VAR_GLOBAL && !v->is_static && !v->foreign;
}

static double *slot(Coefs *cs, Var *v) {
  for (int i = 0; i < cs->vars.len; i++)
    if (cs->vars.data[i] == v) return &cs->c[i];
  if (cs->vars.len == cs->cap) {
    cs->cap = cs->cap ? 2 * cs->cap : 16;
    cs->c = realloc(cs->c, (size_t)cs->cap * sizeof(double));
  }
  vec_push(&cs->vars, v);
  cs->c[cs->vars.len - 1] = plain(v) ? 0 : NAN;
  return &cs->c[cs->vars.len - 1];
}

static bool poison_var(Expr *e, void *ud) {
  if (e->kind == EX_VAR && ty_is_float(e->var->ty)) *slot(ud, e->var) = NAN;
  return false;
}

static bool literal(Expr *e, double *k) {
  e = ir_uncast(e);
  if (e->kind == EX_NEG && literal(e->a, k)) { *k = -*k; return true; }
  if (e->kind != EX_NUM) return false;
  char *end;
  *k = strtod(e->text, &end);
  return end != e->text;
}

/* adds f times the derivative of e in each variable */
static void lin(Coefs *cs, Expr *e, double f) {
  double k;
  if (f == 0) return;
  switch (e->kind) {
  case EX_NUM: return;
  case EX_VAR:
    if (ty_is_float(e->var->ty)) *slot(cs, e->var) += f;
    return;
  case EX_ADD: lin(cs, e->a, f), lin(cs, e->b, f); return;
  case EX_SUB: lin(cs, e->a, f), lin(cs, e->b, -f); return;
  case EX_NEG: lin(cs, e->a, -f); return;
  case EX_PLUS: lin(cs, e->a, f); return;
  case EX_CAST:
    if (ty_is_float(e->ty) && ty_is_float(e->a->ty)) lin(cs, e->a, f);
    else if (ty_is_float(e->ty)) ir_expr_any(e, poison_var, cs);
    return;
  case EX_MUL:
    if (literal(e->a, &k)) { lin(cs, e->b, f * k); return; }
    if (literal(e->b, &k)) { lin(cs, e->a, f * k); return; }
    break;
  case EX_DIV:
    if (literal(e->b, &k) && k != 0) { lin(cs, e->a, f / k); return; }
    break;
  default:
    break;
  }
  ir_expr_any(e, poison_var, cs);
}

static double seed_after(Func *fn, Vec *after, int from, Var *s) {
  if (!fn->retvar || !ty_is_float(fn->retvar->ty)) return 0;
  Coefs cs = {0};
  *slot(&cs, fn->retvar) = 1;
  for (int k = after->len - 1; k >= from; k--) {
    Stmt *st = after->data[k];
    Expr *e = st->kind == ST_EXPR ? st->e : NULL;
    if (e && e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR && plain(e->a->var)) {
      double *c = slot(&cs, e->a->var);
      double f = *c;
      *c = 0;
      lin(&cs, e->b, f);
    } else if (e && ir_free_call(e)) {
      continue;
    } else {
      ir_stmt_any(st, poison_var, &cs);
    }
  }
  double c = *slot(&cs, s);
  free(cs.c);
  return isfinite(c) ? c : 0;
}

/* ---- the decision ------------------------------------------------------------ */

static bool acc_step_any(Expr *e, void *ud) {
  if (e->kind != EX_ASSIGN || e->op || e->a->kind != EX_VAR || !ty_is_float(e->a->ty)) return false;
  Expr *r = e->b;
  if ((r->kind == EX_ADD || r->kind == EX_SUB) && ir_same_expr(r->a, e->a) && !ir_expr_mentions(r->b, e->a->var))
    vec_add_once(ud, e->a->var);
  return false;
}

static bool try_acc(Func *fn, Vec *top, int at, Var *s) {
  Stmt *L = top->data[at];
  if (!s->active || !plain(s) || !own_var(s) || s->reads.len) return false;
  if (ir_expr_mentions(L->e, s) || ir_expr_mentions(L->inc, s)) return false;
  Im im = {.fn = fn, .loop = L, .acc = s, .ok = true};
  if (L->kind == ST_FOR && L->inc) {
    Expr *inc = L->inc;
    Var *c = inc->kind == EX_ASSIGN || inc->kind == EX_PREINC || inc->kind == EX_POSTINC ? ir_base_var(inc->a) : NULL;
    if (!c || inc->a->kind != EX_VAR || ty_has_float(c->ty) || ir_assigns(L->body, c)) return false;
    im.counter = c;
  }
  ir_stmt_any(L->body, note_write, &im);
  if (L->e) ir_expr_any(L->e, note_write, &im);
  ir_stmt_any(L, note_addr, &im);
  if (!im.ok) return false;
  for (int i = 0; i < im.ws.len; i++) {
    Var *v = im.ws.data[i];
    if (!own_var(v) || ir_storage_named(fn, v) || v->is_flag || vec_has(&im.wm, v) || ir_expr_mentions(L->e, v)) return false;
  }
  for (int i = 0; i < im.wm.len; i++) {
    Var *v = im.wm.data[i];
    if (!own_var(v) || v->addr_taken || !act_only_indexed(fn, v) || ir_expr_mentions(L->e, v)) return false;
  }
  Facts f = {0};
  scan(&im, L->body, &f);
  if (!im.ok) return false;
  for (int i = 0; i < im.ws.len + im.wm.len; i++) {
    Var *v = i < im.ws.len ? im.ws.data[i] : im.wm.data[i - im.ws.len];
    if (!dead_after(top, at + 1, v)) return false;
  }
  Vec read = {0};
  ir_stmt_any(L, note_read, &read);
  for (int i = 0; i < read.len; i++)
    if (read.data[i] == s || vec_has(&im.ws, read.data[i]) || vec_has(&im.wm, read.data[i])) read.data[i--] = read.data[--read.len];
  Vec defer = {0};
  After a = {fn, &read, &defer, true};
  for (int k = at + 1; k < top->len && a.ok; k++) ir_stmt_any(top->data[k], bad_after, &a);
  if (!a.ok) return false;
  double c = seed_after(fn, top, at + 1, s);
  if (c == 0) return false;
  L->immediate = c;
  L->imm_acc = s;
  L->imm_defer = defer;
  return true;
}

/* L, statement number at of the function's top level: one of the variables
 * it accumulates into may be the one that carries its iterations' sum (the
 * others are then the iteration's own: an inner dot product's sum) */
static void try_loop(Func *fn, Vec *top, int at) {
  Stmt *L = top->data[at];
  if (L->omp || L->ckpt || !L->body) return;
  Vec accs = {0};
  ir_stmt_any(L->body, acc_step_any, &accs);
  for (int i = 0; i < accs.len; i++)
    if (try_acc(fn, top, at, accs.data[i])) return;
}

static void clear(Stmt *s) {
  if (!s) return;
  s->immediate = 0;
  s->imm_acc = NULL;
  s->imm_defer = (Vec){0};
  for (int i = 0; i < s->kids.len; i++) clear(s->kids.data[i]);
  clear(s->init), clear(s->body), clear(s->els);
}

void immediate_loops(Func *fn, bool top) {
  clear(fn->body);
  if (!top || getenv("GRADC_NO_IMMEDIATE")) return;
  Vec list = {0};
  ir_open_blocks(fn->body, &list);
  for (int i = 0; i < list.len; i++) {
    Stmt *s = list.data[i];
    if (s->kind == ST_FOR || s->kind == ST_WHILE || s->kind == ST_DO) try_loop(fn, &list, i);
  }
}
