/* fuse.c: a sum over a buffer, fused into the loop that fills it; then
 * loops over the same range, joined (after inline.c, before activity.c).
 *
 * Least squares as people write it: one loop writes residuals into a
 * scratch buffer, then a helper sums their squares.
 *
 *   for (i = 0; i < n; i++) { ...; r[2 * i] = e0; r[2 * i + 1] = e1; }
 *   s = 0.0;
 *   for (j = 0; j < 2 * n; j++) s = s + r[j] * r[j];
 *
 * The sum becomes part of the loop that fills the buffer, adding the same
 * terms in the same order (the sum is the same to the last bit):
 *
 *   s = 0.0;
 *   for (i = 0; i < n; i++) {
 *     ...; _t1 = e0; r[2 * i] = _t1; s = s + _t1 * _t1; ...
 *   }
 *
 * The filling loop is then a sum loop, which immediate.c reverses as it
 * runs: nothing of its iterations goes to the tape, as in a hand-written
 * adjoint that folds the sum into the residuals' loop.
 *
 * For a statement list ... L1 M L2 ... of one block, where
 *   - L2 is for (j = 0; j < a * N; j++) s = s + g (or s - g), a a literal
 *     (a * N or N * a; N alone when a = 1), s a float local whose address is
 *     never taken, g without side effects or calls but libm's, reading memory
 *     only as B[j], j nowhere else in g nor anywhere in the function but L2;
 *   - L1 is for (i = 0; i < N; i++) whose body runs to its end every time
 *     (no break, continue or return outside loops inside it), writes B in
 *     top-level statements B[a * i + k] = e_k for k = 0, ..., a - 1, in that
 *     order, mentions B nowhere else and s nowhere;
 *   - B is a local array or a local pointer set once from malloc, calloc or
 *     realloc, whose value is used only to index and to free: no other name
 *     reaches its memory, so nothing in L1 or M writes it but those
 *     statements;
 *   - M mentions neither B nor j, and s only in at most one s = literal,
 *     which moves before L1;
 *   - the variables of g and N are locals or parameters whose address is
 *     never taken, assigned neither in L1 nor in M;
 * L2 goes, and each B[a * i + k] = e_k becomes _t = e_k; B[a * i + k] = _t;
 * s = s + g[B[j] := _t]. GRADC_NO_FUSE=1 in gradc's environment turns the
 * pass off, for comparing.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

static bool lit_int(Expr *e, long *v) { return (*v = ir_lit_int(e)) >= 0; }

static bool is_var(Expr *e, Var *v) {
  e = ir_uncast(e);
  return e->kind == EX_VAR && e->var == v;
}

/* e is a * i + k (or i * a, i, a * i, k + a * i): a and k */
static bool affine(Expr *e, Var *i, long *a, long *k) {
  e = ir_uncast(e);
  *k = 0;
  if (e->kind == EX_ADD) {
    if (lit_int(e->b, k)) e = ir_uncast(e->a);
    else if (lit_int(e->a, k)) e = ir_uncast(e->b);
    else return false;
  }
  if (is_var(e, i)) { *a = 1; return true; }
  if (e->kind != EX_MUL) return false;
  if (is_var(e->b, i) && lit_int(e->a, a)) return *a > 0;
  if (is_var(e->a, i) && lit_int(e->b, a)) return *a > 0;
  return false;
}

/* bound is a * n (or n * a, n alone for a = 1) */
static bool times(Expr *bound, long a, Expr *n) {
  bound = ir_uncast(bound), n = ir_uncast(n);
  if (a == 1 && ir_same_expr(bound, n)) return true;
  long c;
  if (bound->kind != EX_MUL) return false;
  if (lit_int(bound->a, &c) && c == a && ir_same_expr(ir_uncast(bound->b), n)) return true;
  return lit_int(bound->b, &c) && c == a && ir_same_expr(ir_uncast(bound->a), n);
}

/* ---- what the expressions use --------------------------------------------- */

typedef struct Use {
  Var *buf, *j;          /* B and j in g */
  Vec vars;              /* Var *: the other variables */
  bool ok;
} Use;

/* g reads memory only as B[j], names j only there, calls only libm */
static void uses(Expr *e, Use *u) {
  if (!e || !u->ok) return;
  switch (e->kind) {
  case EX_INDEX:
    if (is_var(e->a, u->buf) && is_var(e->b, u->j)) return;
    u->ok = false;
    return;
  case EX_VAR:
    if (e->var == u->buf || e->var == u->j || (e->var->kind != VAR_LOCAL && e->var->kind != VAR_TEMP &&
                                               e->var->kind != VAR_PARAM) || e->var->is_static)
      u->ok = false;
    else vec_push(&u->vars, e->var);
    return;
  case EX_CALL:
    if (!e->rule) { u->ok = false; return; }
    break;
  case EX_DEREF: case EX_MEMBER: case EX_ASSIGN: case EX_PREINC: case EX_PREDEC:
  case EX_POSTINC: case EX_POSTDEC: case EX_ADDR: case EX_COMMA: case EX_STR: case EX_INITLIST:
    u->ok = false;
    return;
  default: break;
  }
  uses(e->a, u), uses(e->b, u), uses(e->c, u);
  for (int i = 0; i < e->nargs; i++) uses(e->args[i], u);
}

static bool assigns_any(Stmt *s, Vec *vars) {
  for (int i = 0; i < vars->len; i++)
    if (ir_assigns(s, vars->data[i])) return true;
  return false;
}

/* ---- the buffer -------------------------------------------------------------- */

static bool no_addr(Func *fn, Vec *vars) {
  for (int i = 0; i < vars->len; i++)
    if (ir_takes_address(fn->body, vars->data[i])) return false;
  return true;
}

/* the body runs to its end every time */
static bool runs_through(Stmt *s, bool in_loop) {
  if (!s) return true;
  switch (s->kind) {
  case ST_RETURN: return false;
  case ST_BREAK: case ST_CONTINUE: return in_loop;
  case ST_FOR: case ST_WHILE: case ST_DO: return runs_through(s->body, true) && runs_through(s->init, in_loop);
  default: break;
  }
  for (int i = 0; i < s->kids.len; i++)
    if (!runs_through(s->kids.data[i], in_loop)) return false;
  return runs_through(s->body, in_loop) && runs_through(s->els, in_loop);
}

/* ---- the two loops ------------------------------------------------------------ */

typedef struct Sum {
  Stmt *loop;            /* L2 */
  Stmt *step;            /* s = s + g */
  Var *acc, *j, *buf;    /* s, j, B */
  long a;                /* L2 runs a * N times */
  Expr *bound;
  Use use;
} Sum;

/* the base of the first B[j] in e */
static Var *indexed_by(Expr *e, Var *j) {
  if (!e) return NULL;
  if (e->kind == EX_INDEX && ir_uncast(e->a)->kind == EX_VAR && is_var(e->b, j)) return ir_uncast(e->a)->var;
  Var *v = indexed_by(e->a, j);
  if (!v) v = indexed_by(e->b, j);
  if (!v) v = indexed_by(e->c, j);
  for (int i = 0; i < e->nargs && !v; i++) v = indexed_by(e->args[i], j);
  return v;
}

/* L2: for (j = 0; j < bound; j++) s = s + g, with g as above */
static bool sum_loop(Stmt *l, Sum *sm) {
  Expr *first, *bound;
  long zero;
  if (l->kind != ST_FOR || l->omp || l->ckpt) return false;
  Var *j = ir_up_loop(l, &first, &bound);
  if (!j || !lit_int(first, &zero) || zero != 0) return false;
  Stmt *st = l->body;
  if (st->kind == ST_BLOCK) {
    if (st->kids.len != 1) return false;
    st = st->kids.data[0];
  }
  if (st->kind != ST_EXPR || st->e->kind != EX_ASSIGN || st->e->op) return false;
  Expr *lhs = st->e->a, *r = st->e->b;
  if (lhs->kind != EX_VAR || !ty_is_float(lhs->ty) || lhs->var->ty->kind != lhs->ty->kind) return false;
  Var *s = lhs->var;
  if ((s->kind != VAR_LOCAL && s->kind != VAR_TEMP) || s->is_static) return false;
  if ((r->kind != EX_ADD && r->kind != EX_SUB) || !is_var(r->a, s)) return false;
  Expr *g = r->b;
  Var *buf = indexed_by(g, j);
  if (!buf || !ty_is_float(ty_elem(buf->ty))) return false;
  *sm = (Sum){.loop = l, .step = st, .acc = s, .j = j, .buf = buf, .bound = bound,
              .use = {.buf = buf, .j = j, .ok = true}};
  uses(g, &sm->use);
  if (!sm->use.ok) return false;
  for (int i = 0; i < sm->use.vars.len; i++)
    if (sm->use.vars.data[i] == s) return false;
  return true;
}

/* s = literal */
static bool acc_init(Stmt *s, Var *acc) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op || !is_var(s->e->a, acc) || s->e->a->kind != EX_VAR)
    return false;
  Expr *r = ir_uncast(s->e->b);
  if (r->kind == EX_NEG) r = ir_uncast(r->a);
  return r->kind == EX_NUM;
}

/* g with B[j] replaced by t */
static Expr *put(Expr *e, Sum *sm, Var *t) {
  if (!e) return NULL;
  if (e->kind == EX_INDEX && is_var(e->a, sm->buf) && is_var(e->b, sm->j)) return ir_var(t, e->loc);
  Expr *c = arena_alloc(sizeof *c);
  *c = *e;
  c->act_gen = 0, c->act_val = false;
  c->a = put(e->a, sm, t), c->b = put(e->b, sm, t), c->c = put(e->c, sm, t);
  if (e->nargs) {
    c->args = arena_alloc(sizeof(Expr *) * (size_t)(e->nargs + 1));
    for (int i = 0; i < e->nargs; i++) c->args[i] = put(e->args[i], sm, t);
  }
  return c;
}

/* A statement list with the blocks inside it opened: what runs, in order,
 * each statement with the block that holds it. */
typedef struct Seq { Vec stmts, blocks; } Seq;

static void seq_of(Stmt *b, Seq *q) {
  for (int i = 0; i < b->kids.len; i++) {
    Stmt *s = b->kids.data[i];
    if (s->kind == ST_BLOCK) seq_of(s, q);
    else if (s->kind != ST_NOP) vec_push(&q->stmts, s), vec_push(&q->blocks, b);
  }
}

static int index_in(Stmt *b, Stmt *s) {
  for (int i = 0; i < b->kids.len; i++)
    if (b->kids.data[i] == s) return i;
  bug("statement not in its block");
}

static void insert_kid(Stmt *b, int at, Stmt *s) {
  vec_push(&b->kids, NULL);
  for (int i = b->kids.len - 1; i > at; i--) b->kids.data[i] = b->kids.data[i - 1];
  b->kids.data[at] = s;
}

static void drop(Stmt *b, Stmt *s) { b->kids.data[index_in(b, s)] = ir_new_stmt(ST_NOP, s->loc); }

/* ---- a buffer no longer read ------------------------------------------------ */

typedef struct Dead { Var *b; Stmt *skip; bool read; Vec writes; } Dead;

static void dead_uses(Expr *e, Dead *d) {
  if (!e || d->read) return;
  if (e->kind == EX_ASSIGN && e->a->kind == EX_INDEX && is_var(e->a->a, d->b)) {
    if (e->op) d->read = true;
    dead_uses(e->a->b, d), dead_uses(e->b, d);
    return;
  }
  if (e->kind == EX_INDEX && is_var(e->a, d->b)) { d->read = true; return; }
  dead_uses(e->a, d), dead_uses(e->b, d), dead_uses(e->c, d);
  for (int i = 0; i < e->nargs; i++) dead_uses(e->args[i], d);
}

static void dead_stmt(Stmt *s, Dead *d) {
  if (!s || d->read || s == d->skip) return;
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && !s->e->op && s->e->a->kind == EX_INDEX &&
      is_var(s->e->a->a, d->b)) {
    if (ir_has_side_effects(s->e->a->b) || ir_has_side_effects(s->e->b)) d->read = true;
    vec_push(&d->writes, s);
  }
  dead_uses(s->e, d), dead_uses(s->inc, d);
  for (int i = 0; i < s->kids.len; i++) dead_stmt(s->kids.data[i], d);
  dead_stmt(s->init, d), dead_stmt(s->body, d), dead_stmt(s->els, d);
}

/* Once the sum reads its terms from the temporaries, nothing may read the
 * buffer: its writes go (a malloc'd one keeps its malloc and free), and a
 * local array with them. */
static void drop_dead_buffer(Func *fn, Var *b) {
  Dead d = {.b = b};
  dead_stmt(fn->body, &d);
  if (d.read) return;
  for (int i = 0; i < d.writes.len; i++) {
    Stmt *s = d.writes.data[i];
    s->kind = ST_NOP;
    s->e = NULL;
  }
  if (b->ty->kind == TY_ARRAY && !ir_mentions(fn->body, b)) ir_drop_local(fn, b);
}

/* Fuses the sum loop q[k2] into the loop before it that fills its buffer. */
static bool fuse_at(Func *fn, Seq *q, int k2) {
  Sum sm;
  if (!sum_loop(q->stmts.data[k2], &sm)) return false;
  /* L1: the nearest statement before L2 that mentions B */
  int k1 = k2 - 1;
  while (k1 >= 0 && !ir_mentions(q->stmts.data[k1], sm.buf)) k1--;
  if (k1 < 0) return false;
  Stmt *l1 = q->stmts.data[k1];
  Expr *first, *n;
  long zero;
  if (l1->kind != ST_FOR || l1->omp || l1->ckpt) return false;
  Var *i = ir_up_loop(l1, &first, &n);
  if (!i || !lit_int(first, &zero) || zero != 0) return false;
  if (l1->body->kind != ST_BLOCK || !runs_through(l1->body, false)) return false;
  Seq body = {0};
  seq_of(l1->body, &body);
  Vec writes = {0}, wblocks = {0};   /* B[a * i + k] = e_k, k = 0, 1, ..., and their blocks */
  long a = 0;
  for (int x = 0; x < body.stmts.len; x++) {
    Stmt *s = body.stmts.data[x];
    if (!ir_mentions(s, sm.buf)) continue;
    long ak, k;
    if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op || s->e->a->kind != EX_INDEX ||
        !is_var(s->e->a->a, sm.buf) || ir_expr_mentions(s->e->b, sm.buf) ||
        !affine(s->e->a->b, i, &ak, &k) || k != writes.len || (a && ak != a))
      return false;
    a = ak;
    vec_push(&writes, s), vec_push(&wblocks, body.blocks.data[x]);
  }
  if (!writes.len || writes.len != a || !times(sm.bound, a, n)) return false;
  /* N's variables */
  Use nu = {.ok = true};
  uses(n, &nu);
  if (!nu.ok || ir_reads_memory(n)) return false;
  if (!ir_fresh_buffer(fn, sm.buf) || !no_addr(fn, &sm.use.vars) || !no_addr(fn, &nu.vars)) return false;
  Vec acc = {0};
  vec_push(&acc, sm.acc);
  if (!no_addr(fn, &acc)) return false;
  if (ir_mentions(l1, sm.acc) || ir_mentions(l1, sm.j) || assigns_any(l1->body, &sm.use.vars) ||
      assigns_any(l1->body, &nu.vars))
    return false;
  /* M */
  int init = -1;
  for (int x = k1 + 1; x < k2; x++) {
    Stmt *s = q->stmts.data[x];
    if (ir_mentions(s, sm.j) || assigns_any(s, &sm.use.vars) || assigns_any(s, &nu.vars)) return false;
    if (!ir_mentions(s, sm.acc)) continue;
    if (init >= 0 || !acc_init(s, sm.acc)) return false;
    init = x;
  }
  /* nothing but the sum reads B: fused, the sum reads its terms from
   * scalars and the buffer goes (fused with a buffer still read, the
   * scalars would only add to what the reverse sweep keeps) */
  Dead d = {.b = sm.buf, .skip = sm.loop};
  dead_stmt(fn->body, &d);
  if (d.read) return false;
  /* j nowhere else */
  if (ir_count_mentions(fn->body, sm.j) != ir_count_mentions(sm.loop, sm.j)) return false;

  /* the fusion */
  Type *et = ty_unconst(ty_elem(sm.buf->ty));
  for (int w = writes.len - 1; w >= 0; w--) {
    Stmt *s = writes.data[w], *b = wblocks.data[w];
    int at = index_in(b, s);
    Var *t = ir_new_temp(fn, "t", et);
    Stmt *def = ir_assign(ir_var(t, s->loc), s->e->b, s->loc);
    s->e->b = ir_var(t, s->loc);
    Expr *g = sm.step->e->b;
    Stmt *step = ir_assign(ir_var(sm.acc, sm.step->loc),
                           ir_binary(g->kind, ir_var(sm.acc, g->loc), put(g->b, &sm, t), g->ty, g->loc),
                           sm.step->loc);
    insert_kid(b, at + 1, step);
    insert_kid(b, at, def);
  }
  drop(q->blocks.data[k2], sm.loop);
  if (init >= 0) {
    Stmt *s = q->stmts.data[init], *b = q->blocks.data[k1];
    drop(q->blocks.data[init], s);
    insert_kid(b, index_in(b, l1), s);
  }
  ir_drop_local(fn, sm.j);
  drop_dead_buffer(fn, sm.buf);
  return true;
}

/* ---- loops over the same range, element by element --------------------- */

/* Two loops in a row over the same range, each writing elements of buffers
 * at its counter (GMM's centring and scaling):
 *
 *   for (i = 0; i < d; i++) xc[i] = x[i] - mu[i];
 *   for (j = 0; j < d; j++) Qxc[j] = D[j] * xc[j];
 *
 * become one loop, each iteration the first body's then the second's:
 *
 *   for (i = 0; i < d; i++) { xc[i] = x[i] - mu[i]; Qxc[i] = D[i] * xc[i]; }
 *
 * and the reverse sweep of that is one loop too, as a hand-written adjoint
 * has it. The same operations on the same values: the results are the same
 * to the last bit. Sound when each iteration of one loop touches only
 * elements that no other iteration of the other loop writes:
 *   - both are for (c = a; c < N; c++) with the same a and N, of variables
 *     whose address is never taken, assigned in neither body, reading no
 *     memory; the counters of one type, the second's named nowhere else,
 *     the first's not in the second's body (there it is N);
 *   - each body is expression statements that run to the end (no break,
 *     continue, return), call nothing but libm, assign no variable but
 *     temporaries of its own (named nowhere else in the function), and
 *     reach memory only as B[e] with B a variable;
 *   - a buffer either body writes is a local array or a local pointer set
 *     once from malloc (no other name reaches its memory: ir_fresh_buffer),
 *     and both bodies index it only at c, c + k or k + c, one k, of
 *     variables neither body assigns, reading no memory;
 *   - a scalar one body names is not assigned by the other;
 *   - between them, if anything, assignments of scalars that the first loop
 *     does not name, from nothing it changes: they move before it
 *     (hoistable). */

typedef struct Elem {
  Func *fn;
  Stmt *body;            /* the loop body being read */
  Var *c;                /* its counter */
  Vec wrote, read;       /* Var *: the buffers it writes, and reads */
  Vec names;             /* Var *: the variables it names outside subscripts */
  bool ok;
} Elem;

/* the variable of e's temporaries: named only inside body */
static bool own_temp(Elem *el, Var *v) {
  return v->kind == VAR_TEMP && ir_count_mentions(el->fn->body, v) == ir_count_mentions(el->body, v);
}

static void elem_expr(Expr *e, Elem *el) {
  if (!e || !el->ok) return;
  switch (e->kind) {
  case EX_INDEX: {
    Expr *b = ir_uncast(e->a);
    if (b->kind != EX_VAR || (b->var->ty->kind != TY_PTR && b->var->ty->kind != TY_ARRAY)) {
      el->ok = false;
      return;
    }
    if (!vec_has(&el->read, b->var)) vec_push(&el->read, b->var);
    elem_expr(e->b, el);
    return;
  }
  case EX_ASSIGN: case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC: {
    Expr *l = e->a;
    if (l->kind == EX_VAR) {
      if (!own_temp(el, l->var)) { el->ok = false; return; }
    } else if (l->kind == EX_INDEX && ir_uncast(l->a)->kind == EX_VAR) {
      Var *b = ir_uncast(l->a)->var;
      if (!vec_has(&el->wrote, b)) vec_push(&el->wrote, b);
    } else {
      el->ok = false;
      return;
    }
    break;
  }
  case EX_VAR:
    if (!vec_has(&el->names, e->var)) vec_push(&el->names, e->var);
    return;
  case EX_CALL:
    if (!e->rule || ir_is_stop(e)) { el->ok = false; return; }
    break;
  case EX_DEREF: case EX_MEMBER: case EX_ADDR: case EX_STR: case EX_INITLIST:
    el->ok = false;
    return;
  default: break;
  }
  elem_expr(e->a, el), elem_expr(e->b, el), elem_expr(e->c, el);
  for (int i = 0; i < e->nargs; i++) elem_expr(e->args[i], el);
}

static bool elem_body(Func *fn, Stmt *l, Var *c, Elem *el) {
  *el = (Elem){.fn = fn, .body = l->body, .c = c, .ok = true};
  Vec ss = {0};
  ir_open_blocks(l->body, &ss);
  for (int i = 0; i < ss.len && el->ok; i++) {
    Stmt *s = ss.data[i];
    if (s->kind == ST_NOP) continue;
    if (s->kind != ST_EXPR) return false;
    elem_expr(s->e, el);
  }
  return el->ok;
}

/* e is c, c + k or k + c: k (NULL for c alone); else false */
static bool at_counter(Expr *e, Var *c, Expr **k) {
  e = ir_uncast(e);
  *k = NULL;
  if (is_var(e, c)) return true;
  if (e->kind != EX_ADD) return false;
  if (is_var(e->a, c)) *k = e->b;
  else if (is_var(e->b, c)) *k = e->a;
  return *k && !ir_expr_mentions(*k, c);
}

typedef struct Sub { Var *b, *c1, *c2; Expr *k; bool seen, ok; } Sub;

/* every index of b in e is at its counter, one k for both loops */
static void subs_of(Expr *e, Var *c, Sub *u) {
  if (!e || !u->ok) return;
  if (e->kind == EX_INDEX && is_var(e->a, u->b)) {
    Expr *k;
    if (!at_counter(e->b, c, &k) || (k && ir_reads_memory(k))) { u->ok = false; return; }
    if (!u->seen) u->seen = true, u->k = k;
    else if (!ir_same_expr(u->k, k)) { u->ok = false; return; }
  }
  subs_of(e->a, c, u), subs_of(e->b, c, u), subs_of(e->c, c, u);
  for (int i = 0; i < e->nargs; i++) subs_of(e->args[i], c, u);
}

static void subs_stmt(Stmt *s, Var *c, Sub *u) {
  Vec ss = {0};
  ir_open_blocks(s, &ss);
  for (int i = 0; i < ss.len; i++) subs_of(((Stmt *)ss.data[i])->e, c, u);
}

/* the variables of e, none of them assigned in s nor address-taken */
static bool steady(Func *fn, Expr *e, Stmt *s1, Stmt *s2) {
  Use u = {.ok = true};
  uses(e, &u);
  if (!u.ok || ir_reads_memory(e) || !no_addr(fn, &u.vars)) return false;
  return !assigns_any(s1, &u.vars) && !assigns_any(s2, &u.vars);
}

static bool assigns_named(Elem *a, Elem *b) {
  for (int i = 0; i < b->names.len; i++) {
    Var *v = b->names.data[i];
    if (v != b->c && ir_assigns(a->body, v)) return true;
  }
  return false;
}

/* the counter c2 named c1 in e */
static void rename_var(Expr *e, Var *c2, Var *c1) {
  if (!e) return;
  if (e->kind == EX_VAR && e->var == c2) e->var = c1;
  rename_var(e->a, c2, c1), rename_var(e->b, c2, c1), rename_var(e->c, c2, c1);
  for (int i = 0; i < e->nargs; i++) rename_var(e->args[i], c2, c1);
}

/* s, between two loops to join, may run before the first: v = e, v a local
 * scalar or pointer that the first loop does not name (the second reads
 * it, if at all: bodies assign only their temporaries), e without side
 * effects, naming nothing the first loop writes: its counter, temporaries,
 * buffers (an inlined helper's L = &icf[...] between GMM's centring and
 * scaling) */
static bool hoistable(Stmt *s, Stmt *l1, Elem *e1) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op || s->e->a->kind != EX_VAR) return false;
  Var *v = s->e->a->var;
  if ((v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->is_static || ir_mentions(l1, v)) return false;
  Expr *r = s->e->b;
  if (ir_has_side_effects(r) || ir_expr_mentions(r, e1->c)) return false;
  for (int i = 0; i < e1->wrote.len; i++)
    if (ir_expr_mentions(r, e1->wrote.data[i])) return false;
  for (int i = 0; i < e1->names.len; i++)
    if (ir_assigns(e1->body, e1->names.data[i]) && ir_expr_mentions(r, e1->names.data[i])) return false;
  return true;
}

/* Joins the next loop after q[k] to q[k] when both are as above, with at
 * most assignments that may run before q[k] between them (hoisted). */
static bool join_at(Func *fn, Seq *q, int k) {
  if (((Stmt *)q->stmts.data[k])->kind != ST_FOR) return false;   /* before the scan: straight code is long */
  int m = k + 1;
  while (m < q->stmts.len && ((Stmt *)q->stmts.data[m])->kind == ST_EXPR) m++;
  if (m >= q->stmts.len) return false;
  Stmt *l1 = q->stmts.data[k], *l2 = q->stmts.data[m];
  if (l1->kind != ST_FOR || l2->kind != ST_FOR || l1->omp || l2->omp || l1->ckpt || l2->ckpt) return false;
  Expr *a1, *n1, *a2, *n2;
  Var *c1 = ir_up_loop(l1, &a1, &n1), *c2 = ir_up_loop(l2, &a2, &n2);
  if (!c1 || !c2 || !ty_same(c1->ty, c2->ty) || !ir_same_expr(a1, a2) || !ir_same_expr(n1, n2)) return false;
  if (c1 != c2 && (ir_count_mentions(fn->body, c2) != ir_count_mentions(l2, c2) || ir_mentions(l2->body, c1)))
    return false;   /* c2 only in l2; c1 in l2's body is its value after l1 */
  if (!runs_through(l1->body, false) || !runs_through(l2->body, false)) return false;
  if (!steady(fn, a1, l1->body, l2->body) || !steady(fn, n1, l1->body, l2->body)) return false;
  Elem e1, e2;
  if (!elem_body(fn, l1, c1, &e1) || !elem_body(fn, l2, c2, &e2)) return false;
  if (assigns_named(&e1, &e2) || assigns_named(&e2, &e1)) return false;
  for (int x = k + 1; x < m; x++)
    if (!hoistable(q->stmts.data[x], l1, &e1)) return false;
  /* the buffers written: fresh, and indexed at the counter alike in both */
  for (int w = 0; w < 2; w++) {
    Vec *wrote = w ? &e2.wrote : &e1.wrote;
    for (int i = 0; i < wrote->len; i++) {
      Var *b = wrote->data[i];
      if (!ir_fresh_buffer(fn, b)) return false;
      Sub u = {.b = b, .ok = true};
      subs_stmt(l1->body, c1, &u);
      Expr *k1 = u.k;
      bool seen1 = u.seen;
      u.seen = false;
      subs_stmt(l2->body, c2, &u);
      if (!u.ok) return false;
      if (seen1 && u.seen) {
        /* the same k in both, with c2 read as c1: k names neither counter */
        if (!ir_same_expr(k1, u.k) || (u.k && (ir_expr_mentions(u.k, c1) || ir_expr_mentions(u.k, c2))))
          return false;
      }
      Expr *kk = u.seen ? u.k : k1;
      if (kk && !steady(fn, kk, l1->body, l2->body)) return false;
    }
  }
  /* the join: l2's body after l1's, its counter l1's */
  Stmt *body = l1->body;
  if (body->kind != ST_BLOCK) {
    Stmt *b = ir_new_stmt(ST_BLOCK, body->loc);
    vec_push(&b->kids, body);
    l1->body = body = b;
  }
  Vec ss = {0};
  ir_open_blocks(l2->body, &ss);
  for (int i = 0; i < ss.len; i++) {
    Stmt *s = ss.data[i];
    if (s->kind == ST_NOP) continue;
    if (c1 != c2) rename_var(s->e, c2, c1);
    vec_push(&body->kids, s);
  }
  drop(q->blocks.data[m], l2);
  if (c1 != c2) ir_drop_local(fn, c2);
  for (int x = k + 1; x < m; x++) {   /* the statements between, before l1 */
    Stmt *s = q->stmts.data[x], *b = q->blocks.data[k];
    drop(q->blocks.data[x], s);
    insert_kid(b, index_in(b, l1), s);
  }
  return true;
}

/* the statement lists in s: the function's body, loop bodies, branches */
static void fuse_in(Func *fn, Stmt *s) {
  if (!s) return;
  if (s->kind == ST_BLOCK) {
    Seq q = {0};
    seq_of(s, &q);
    /* sums first: a sum joins the loop that fills its buffer, which may
     * then join its neighbours */
    for (int pass = 0; pass < 2; pass++)
      for (int k = 0; k < q.stmts.len; k++)
        if (pass ? join_at(fn, &q, k) : fuse_at(fn, &q, k)) {   /* the lists changed: from the start again */
          q.stmts.len = q.blocks.len = 0;
          seq_of(s, &q);
          k = -1;
        }
    for (int k = 0; k < q.stmts.len; k++) fuse_in(fn, q.stmts.data[k]);
    return;
  }
  fuse_in(fn, s->body), fuse_in(fn, s->els);
}

void fuse_loops(Func *fn) {
  if (fn->fused) return;
  fn->fused = true;
  if (getenv("GRADC_NO_FUSE")) return;
  fuse_in(fn, fn->body);
}
