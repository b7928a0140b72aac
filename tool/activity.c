/* activity.c: which variables carry derivatives, and which values the reverse
 * sweep reads.
 *
 * Activity (for one specialisation of a function: its wrt and out sets):
 *   varied  - may depend on a wrt input: a forward fixed point over
 *             assignments and calls;
 *   useful  - may influence an output (the return value, out arrays): a
 *             backward fixed point;
 *   active  - varied, useful and able to hold a floating value. Only active
 *             variables get adjoints, only active statements get reverse code.
 * The analysis is flow-insensitive and treats a pointer assignment `p = q + k`
 * as making p and q one region (both directions), so it over-approximates:
 * a variable wrongly thought active costs time, never correctness.
 *
 * To-be-recorded (rev_read): a variable is read by the reverse sweep when it
 * appears in a partial derivative (the other factor of a product, the
 * argument of sin...), in the address of an active lvalue (indices,
 * pointers), or as an argument of an active call. Only such variables are
 * saved on the tape before they are overwritten; a value the sweep never
 * reads (the running sum s in s = s + w[i] * x[i]) is never taped.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

typedef void VarFn(Var *v, void *ud);

/* Calls f for each variable read in e; with skip_index, not for variables
 * that only select an element (indices), which carry no derivative. */
static void each_var(Expr *e, VarFn *f, void *ud) {
  if (!e) return;
  if (ir_is_stop(e)) return;   /* nothing flows through a stopped gradient */
  if (e->kind == EX_VAR) { f(e->var, ud); return; }
  each_var(e->a, f, ud);
  each_var(e->b, f, ud);
  each_var(e->c, f, ud);
  for (int i = 0; i < e->nargs; i++) each_var(e->args[i], f, ud);
}

typedef void StmtFn(Stmt *s, void *ud);

static void each_stmt(Stmt *s, StmtFn *f, void *ud) {
  if (!s) return;
  f(s, ud);
  if (s->kind == ST_BLOCK)
    for (int i = 0; i < s->kids.len; i++) each_stmt(s->kids.data[i], f, ud);
  each_stmt(s->init, f, ud);
  each_stmt(s->body, f, ud);
  each_stmt(s->els, f, ud);
}

/* An assignment or call of the lowered IR, seen as data flow. */
typedef struct Flow { Expr *lhs, *rhs; Expr *call; } Flow;

static Flow flow_of(Stmt *s) {
  Flow fl = {0};
  if (s->kind != ST_EXPR) return fl;
  Expr *e = s->e;
  if (e->kind == EX_ASSIGN) {
    fl.lhs = e->a, fl.rhs = e->b;
    if (e->b->kind == EX_CALL && !e->b->rule) fl.call = e->b;
  } else if (e->kind == EX_CALL) {
    fl.call = e;
  }
  return fl;
}

static void any_varied(Var *v, void *ud) { if (v->varied) *(bool *)ud = true; }

static bool changed;

static void mark(Var *v, size_t field) {
  if (!v || !ty_has_float(v->ty)) return;
  bool *b = (bool *)((char *)v + field);
  if (!*b) *b = true, changed = true;
}

static void mark_all(Expr *e, size_t field) {
  if (!e || ir_is_stop(e)) return;
  if (e->kind == EX_VAR) { mark(e->var, field); return; }
  mark_all(e->a, field);
  mark_all(e->b, field);
  mark_all(e->c, field);
  for (int i = 0; i < e->nargs; i++) mark_all(e->args[i], field);
}

/* Whether a call may write through its argument i: a pointer to non-const
 * (judged by the callee's parameter when it is known). */
static bool writable_arg(Expr *call, int i) {
  Type *t = call->args[i]->ty;
  if (call->callee && i < call->callee->params.len) t = ((Var *)call->callee->params.data[i])->ty;
  return ty_is_ptr(t) && !t->base->is_const;
}

static bool is_ptr_flow(Flow *fl) { return fl->lhs && ty_is_ptr(fl->lhs->ty) && ty_has_float(fl->lhs->ty); }

/* Whether a varied value flows into e's value through something that can
 * carry a derivative: an integer (an offset, a comparison, a ?: condition)
 * carries none, so q = p - (a > 0 ? 1 : 2) addresses p's memory whatever a
 * is. */
static bool varied_in(Expr *e) {
  if (!e || (!ty_has_float(e->ty) && !ty_is_ptr(e->ty))) return false;
  switch (e->kind) {
  case EX_VAR: return e->var->varied;
  case EX_COND: return varied_in(e->b) || varied_in(e->c);
  case EX_CALL: {
    bool v = false;
    each_var(e, any_varied, &v);
    return v;
  }
  default:
    for (int i = 0; i < e->nargs; i++)
      if (varied_in(e->args[i])) return true;
    return varied_in(e->a) || varied_in(e->b) || varied_in(e->c);
  }
}

static void varied_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  bool v = false;
  if (fl.call) {
    for (int i = 0; i < fl.call->nargs; i++) each_var(fl.call->args[i], any_varied, &v);
    if (!v) return;
    for (int i = 0; i < fl.call->nargs; i++)
      if (writable_arg(fl.call, i)) mark(ir_base_var(fl.call->args[i]), offsetof(Var, varied));
    if (fl.lhs) mark(ir_base_var(fl.lhs), offsetof(Var, varied));
    return;
  }
  if (!fl.lhs) return;
  if (is_ptr_flow(&fl)) v = varied_in(fl.rhs);   /* a pointer: what it addresses */
  else each_var(fl.rhs, any_varied, &v);
  if (v) mark(ir_base_var(fl.lhs), offsetof(Var, varied));
  if (is_ptr_flow(&fl)) {
    Var *l = ir_base_var(fl.lhs);
    Vec bases = {0};
    ir_ptr_bases(fl.rhs, &bases);
    for (int i = 0; i < bases.len; i++) {
      Var *r = bases.data[i];
      if (l && l->varied) mark(r, offsetof(Var, varied));
      if (l && r->varied) mark(l, offsetof(Var, varied));
    }
  }
}

static void useful_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  if (fl.call) {
    bool u = false;
    if (fl.lhs) { Var *l = ir_base_var(fl.lhs); u = l && l->useful; }
    for (int i = 0; i < fl.call->nargs; i++)
      if (writable_arg(fl.call, i)) {
        Var *b = ir_base_var(fl.call->args[i]);
        if (b && b->useful) u = true;
      }
    if (u)
      for (int i = 0; i < fl.call->nargs; i++) mark_all(fl.call->args[i], offsetof(Var, useful));
    return;
  }
  if (!fl.lhs) return;
  Var *l = ir_base_var(fl.lhs);
  if (l && l->useful) mark_all(fl.rhs, offsetof(Var, useful));
  if (is_ptr_flow(&fl)) {
    Vec bases = {0};
    ir_ptr_bases(fl.rhs, &bases);
    for (int i = 0; i < bases.len; i++) {
      Var *r = bases.data[i];
      if (l && r->useful) mark(l, offsetof(Var, useful));
      if (l && l->useful) mark(r, offsetof(Var, useful));
    }
  }
}

/* ---- active expressions and what the reverse sweep reads ------------------ */

/* Whether e carries a derivative: a floating value computed from an active
 * variable (indices and conditions never do). */
static int generation = 1;   /* bumped by each analysis: invalidates the cache */

static bool expr_active(const Expr *e);

/* Cached: expressions are queried at every level of the trees above them. */
bool act_expr_active(const Expr *e) {
  if (!e) return false;
  if (e->act_gen != generation) {
    Expr *m = (Expr *)e;
    m->act_val = expr_active(e);
    m->act_gen = generation;
  }
  return e->act_val;
}

static bool expr_active(const Expr *e) {
  switch (e->kind) {
  case EX_VAR: return e->var->active && ty_has_float(e->ty);
  case EX_NUM: case EX_STR: case EX_SIZEOF: case EX_FUNCREF: return false;
  case EX_INDEX: return ty_has_float(e->ty) && act_expr_active(e->a);
  case EX_MEMBER: case EX_DEREF: return ty_has_float(e->ty) && act_expr_active(e->a);
  case EX_ADDR: return act_expr_active(e->a);
  case EX_COND: return ty_has_float(e->ty) && (act_expr_active(e->b) || act_expr_active(e->c));
  case EX_CALL:
    if (ir_is_stop(e)) return false;
    if (!ty_has_float(e->ty) && !e->callee) return false;
    for (int i = 0; i < e->nargs; i++) if (act_expr_active(e->args[i])) return true;
    return false;
  default:
    if (!ty_has_float(e->ty)) return false;
    return act_expr_active(e->a) || act_expr_active(e->b);
  }
}

/* The statement whose reverse code is being examined, and a sentinel for
 * reads that happen before anything (a caller reading a callee's memory). */
static Stmt *reading;
static Stmt start = {.pos = -1};

/* Reads are added statement by statement: a statement already listed for
 * v is the last one (a function of 50,000 statements reading s lists it
 * 50,000 times). Aliases merge lists in any order: share_reads looks at all. */
static void push_last(Vec *v, Stmt *r) {
  if (!v->len || v->data[v->len - 1] != r) vec_push(v, r);
}

static void push_once(Vec *v, Stmt *r) {
  for (int i = 0; i < v->len; i++)
    if (v->data[i] == r) return;
  vec_push(v, r);
}

/* r reads v: its value, and the memory it may address */
static void add_read(Var *v, Stmt *r) {
  v->rev_read = true;
  push_last(&v->reads, r);
  push_last(&v->mem_reads, r);
}

/* r reads only the pointer v, to address an element (p in p[i]) */
static void add_addr_read(Var *v, Stmt *r) {
  v->rev_read = true;
  push_last(&v->reads, r);
}

static void need(Var *v, void *ud) { (void)ud; add_read(v, reading); }

static void need_pointer(Expr *e);

/* Marks the variables that address an lvalue: indices and pointers. */
static void need_address(Expr *e) {
  switch (e->kind) {
  case EX_VAR: if (ty_is_ptr(e->ty)) add_addr_read(e->var, reading); return;
  case EX_INDEX: need_pointer(e->a); each_var(e->b, need, NULL); return;
  case EX_MEMBER: if (e->arrow) need_pointer(e->a); else need_address(e->a); return;
  case EX_DEREF: need_pointer(e->a); return;
  case EX_ADD: case EX_SUB: case EX_CAST: case EX_ADDR:
    each_var(e->a, need, NULL);
    each_var(e->b, need, NULL);
    return;
  default: each_var(e, need, NULL); return;
  }
}

/* Marks what the value of the pointer e needs: a pointer variable's value
 * (not its memory), an array's address; a pointer loaded from memory (p[i]
 * of a double **p) or computed reads what it reads. */
static void need_pointer(Expr *e) {
  if (e->kind == EX_VAR || e->ty->kind == TY_ARRAY) need_address(e);
  else each_var(e, need, NULL);
}

/* Marks what the adjoint of e reads; mirrors rev.c's propagate(). */
static void need_partials(Expr *e) {
  if (!e || !act_expr_active(e)) return;
  switch (e->kind) {
  case EX_VAR: return;
  case EX_INDEX: case EX_MEMBER: case EX_DEREF: need_address(e); return;
  case EX_ADD: case EX_SUB: need_partials(e->a); need_partials(e->b); return;
  case EX_NEG: case EX_PLUS: case EX_CAST: need_partials(e->a); return;
  case EX_MUL:
    if (act_expr_active(e->a)) each_var(e->b, need, NULL);
    if (act_expr_active(e->b)) each_var(e->a, need, NULL);
    need_partials(e->a);
    need_partials(e->b);
    return;
  case EX_DIV:
    each_var(e->b, need, NULL);
    if (act_expr_active(e->b)) each_var(e->a, need, NULL);
    need_partials(e->a);
    need_partials(e->b);
    return;
  case EX_COND:
    each_var(e->a, need, NULL);
    need_partials(e->b);
    need_partials(e->c);
    return;
  case EX_CALL:
    for (int i = 0; i < e->nargs; i++) {
      /* a libm out-parameter (frexp's &e) is written by the call, and no
       * partial reads it (rules.h) */
      if (e->rule && i < e->rule->nargs && !e->rule->d[i] && ty_is_ptr(e->args[i]->ty)) continue;
      each_var(e->args[i], need, NULL);
      need_partials(e->args[i]);
    }
    return;
  default:
    each_var(e, need, NULL);
    return;
  }
}

/* A checkpointed loop runs again in the reverse sweep (GRADC_CHECKPOINT):
 * every variable it reads is read there, where the loop starts, so a
 * later statement that overwrites one saves it. */
static bool read_again(Expr *e, void *ud) {
  (void)ud;
  if (e->kind == EX_VAR) add_read(e->var, reading);
  return false;   /* visit every expression */
}

/* ---- derivatives from the value the forward sweep computed ---------------- */

static bool may_share(Var *a, Var *b);

/* y = p[i]'s value stands in for the old value of an element that r reads
 * through another name (p = v; p[0] = exp(w * v[0]): the reverse sweep
 * would read v[0] after the write) unless every memory read of r is through
 * a variable that cannot address y's memory */
static bool reads_apart(Expr *r, Var *y) {
  if (!r) return true;
  if (r->kind == EX_INDEX || r->kind == EX_DEREF || (r->kind == EX_MEMBER && r->arrow)) {
    Var *b = ir_base_var(r);
    if (!b || may_share(b, y)) return false;
  }
  if (r->kind == EX_CALL && !r->rule) return false;
  for (int i = 0; i < r->nargs; i++)
    if (!reads_apart(r->args[i], y)) return false;
  return reads_apart(r->a, y) && reads_apart(r->b, y) && reads_apart(r->c, y);
}

/* y = f(u) for a local y that nothing else reaches, or an element y = p[i]
 * of a local array or buffer: exp(u), tanh(u), sqrt(u) ... (rules.c's
 * rule_by_value), and the logistic function 1 / (1 + exp(-u)), whose
 * derivative is y (1 - y). The reverse sweep reads y just after the
 * statement (the value is saved when a later write would destroy it) and
 * neither f's argument nor f again. */
bool act_by_value(Stmt *s, Expr **u, const char **formula, const Rule **rule) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op) return false;
  Expr *l = s->e->a, *r = s->e->b;
  /* y a local, or p[i] of a local array or through a local pointer p: the
   * read of its memory is registered (a later write through any name
   * saves it) */
  Expr *yl = l->kind == EX_INDEX && l->a->kind == EX_VAR && !ir_has_side_effects(l->b) ? l->a : l;
  if (yl->kind != EX_VAR || !ty_is_float(l->ty) || l->ty->kind != r->ty->kind) return false;
  Var *y = yl->var;
  if ((y->kind != VAR_LOCAL && y->kind != VAR_TEMP) || y->addr_taken || y->is_static) return false;
  if (yl != l && ((y->ty->kind != TY_PTR && y->ty->kind != TY_ARRAY) || ir_expr_mentions(l->b, y) ||
                  !reads_apart(r, y) || !reads_apart(l->b, y)))
    return false;
  for (Stmt *p = s->loop; p; p = p->loop)
    if (p->omp) return false;
  if (ir_expr_mentions(r, y) || !act_expr_active(l) || !act_expr_active(r)) return false;
  if (r->kind == EX_CALL && r->rule && r->nargs == 1 && r->rule->nargs == 1 && rule_by_value(r->rule)) {
    *u = r->args[0], *formula = rule_by_value(r->rule), *rule = r->rule;
    return true;
  }
  if (r->kind == EX_DIV && ir_is_one(r->a) && r->b->kind == EX_ADD) {
    Expr *e = r->b->b, *one = r->b->a;
    if (e->kind != EX_CALL) e = r->b->a, one = r->b->b;
    if (e->kind != EX_CALL || !e->rule || e->nargs != 1 || !ir_is_one(one) || strncmp(e->rule->name, "exp", 3) ||
        strlen(e->rule->name) - strlen(e->rule->suffix) != 3 || e->ty->kind != r->ty->kind)
      return false;
    Expr *x = e->args[0];
    bool neg = x->kind == EX_NEG;
    *u = neg ? x->a : x;
    *formula = neg ? "$1 * (#1.0 - $1)" : "-$1 * (#1.0 - $1)";
    *rule = e->rule;
    return true;
  }
  return false;
}

/* y = sin(u) or cos(u), y a local that nothing else reaches, u a variable:
 * the function's name without its suffix ("sin", "cos"), else NULL */
static const char *trig_of(Stmt *s, Var **u) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op) return NULL;
  Expr *l = s->e->a, *r = s->e->b;
  if (l->kind != EX_VAR || !ty_is_float(l->ty) || r->kind != EX_CALL || !r->rule || r->nargs != 1 ||
      l->ty->kind != r->ty->kind || r->args[0]->kind != EX_VAR)
    return NULL;
  Var *y = l->var;
  if ((y->kind != VAR_LOCAL && y->kind != VAR_TEMP) || y->addr_taken || y->is_static || r->args[0]->var == y)
    return NULL;
  size_t n = strlen(r->rule->name) - strlen(r->rule->suffix);
  if (n != 3 || (strncmp(r->rule->name, "sin", 3) && strncmp(r->rule->name, "cos", 3))) return NULL;
  for (Stmt *p = s->loop; p; p = p->loop)
    if (p->omp) return NULL;
  if (!act_expr_active(l) || !act_expr_active(r)) return NULL;
  *u = r->args[0]->var;
  return r->rule->name;
}

Stmt *act_sincos_first(Stmt *second) {
  Stmt *b = second->parent;
  if (!b || b->kind != ST_BLOCK || second->slot < 1) return NULL;
  Stmt *first = b->kids.data[second->slot - 1];
  Var *u1 = NULL, *u2 = NULL;
  const char *f1 = trig_of(first, &u1), *f2 = trig_of(second, &u2);
  if (!f1 || !f2 || u1 != u2 || f1[0] == f2[0] || strcmp(f1 + 3, f2 + 3) ||
      first->e->a->var == second->e->a->var)
    return NULL;
  return first;
}

bool act_sincos_second(Stmt *first) {
  Stmt *b = first->parent;
  if (!b || b->kind != ST_BLOCK || first->slot < 0 || first->slot + 1 >= b->kids.len) return false;
  return act_sincos_first(b->kids.data[first->slot + 1]) == first;
}

static void needed_step(Stmt *s, void *ud) {
  (void)ud;
  reading = s;
  if (s->ckpt && (s->kind == ST_FOR || s->kind == ST_WHILE || s->kind == ST_DO)) ir_stmt_any(s, read_again, NULL);
  Flow fl = flow_of(s);
  if (fl.call) {
    bool act = false;
    for (int i = 0; i < fl.call->nargs; i++) act |= act_expr_active(fl.call->args[i]);
    if (fl.lhs && act_expr_active(fl.lhs)) act = true;
    if (act && ir_mem_call(fl.call)) {
      /* the adjoint of memcpy/memmove/memset reads the addresses and the size */
      need_address(fl.call->args[0]);
      if (strcmp(ir_mem_call(fl.call), "memset")) need_address(fl.call->args[1]);
      each_var(fl.call->args[2], need, NULL);
      return;
    }
    if (!act || !fl.call->callee) return;
    Stmt *after = NULL;
    for (int i = 0; i < fl.call->nargs; i++) {
      Func *k = fl.call->callee;
      Var *base = ir_base_var(fl.call->args[i]);
      if (k->custom_rev && !k->has_body && writable_arg(fl.call, i) && !k->reads_output &&
          !k->reads_input && !k->in_place_ok && base && base->ty->kind == TY_ARRAY)
        continue;   /* an output array the adjoint never reads (its address is fixed) */
      if (k->custom_rev && !k->reads_input && (writable_arg(fl.call, i) || k->in_place_ok)) {
        /* a kernel's adjoint reads its outputs as the call left them: a read
         * just after the call, which needs no save of the old values */
        if (!after) {
          after = arena_alloc(sizeof *after);
          after->pos = s->pos + 1;
          after->loop = s->loop;
        }
        reading = after;
        each_var(fl.call->args[i], need, NULL);
        reading = s;
      } else {
        /* an input; or, for GRADC_READS_INPUT, an in-out block whose old
         * values the adjoint reads: a read at the call, saved before it */
        each_var(fl.call->args[i], need, NULL);
      }
    }
    if (fl.lhs) need_address(fl.lhs);
    return;
  }
  if (!fl.lhs || !act_expr_active(fl.lhs)) return;
  if (ty_is_ptr(fl.lhs->ty)) return;     /* pointer copies: restored, not differentiated */
  need_address(fl.lhs);
  Stmt *first = act_sincos_first(s);
  if (first) {
    /* the second reads the first's value (before it) and its own (just
     * after it); the first's reverse reads nothing */
    add_read(first->e->a->var, s);
    Stmt *after = arena_alloc(sizeof *after);
    after->pos = s->pos + 1;
    after->loop = s->loop;
    add_read(fl.lhs->var, after);
    return;
  }
  if (act_sincos_second(s)) return;
  Expr *u;
  const char *formula;
  const Rule *rule;
  if (act_by_value(s, &u, &formula, &rule)) {
    Stmt *after = arena_alloc(sizeof *after);   /* y, just after s */
    after->pos = s->pos + 1;
    after->loop = s->loop;
    add_read(ir_base_var(fl.lhs), after);
    if (fl.lhs->kind == EX_INDEX) each_var(fl.lhs->b, need, NULL);   /* and its index, there */
    need_partials(u);
    return;
  }
  need_partials(fl.rhs);
}

/* Global state stops gradients: a write of a value that depends on a wrt
 * input into a global variable would carry a derivative that gradc cannot
 * follow past the function (or into a later read). Refused. */
static void global_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  bool v = false;
  if (fl.call) {
    for (int i = 0; i < fl.call->nargs; i++) each_var(fl.call->args[i], any_varied, &v);
    for (int i = 0; i < fl.call->nargs && v; i++) {
      Vec bases = {0};
      if (writable_arg(fl.call, i)) ir_ptr_bases(fl.call->args[i], &bases);
      for (int k = 0; k < bases.len; k++) {
        Var *b = bases.data[k];
        if (b->kind == VAR_GLOBAL && ty_has_float(b->ty))
          diag_error(fl.call->args[i]->loc, "cannot differentiate a write of an active value to the "
                     "global '%s': global state stops gradients (pass it as a parameter)", b->name);
      }
    }
  }
  if (!fl.lhs) return;
  Var *b = ir_base_var(fl.lhs);
  if (!b || b->kind != VAR_GLOBAL || !ty_has_float(fl.lhs->ty)) return;
  v = false;
  each_var(fl.rhs, any_varied, &v);
  if (v)
    diag_error(s->loc, "cannot differentiate a write of an active value to the global '%s': "
               "global state stops gradients (pass it as a parameter)", b->name);
}


static bool base_varied(Expr *a) {
  Var *b = ir_base_var(a);
  return b && b->varied;
}

/* memcpy/memmove between a block of floating values and a block of another
 * type (type punning: the bytes of a double read as an integer) carries a
 * derivative that gradc cannot follow: refused, not silently zero. */
static void punning_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  const char *name = fl.call ? ir_mem_call(fl.call) : NULL;
  if (!name || !strcmp(name, "memset")) return;
  Type *dt = ir_mem_elem(fl.call->args[0]), *st = ir_mem_elem(fl.call->args[1]);
  if (!base_varied(fl.call->args[0]) && !base_varied(fl.call->args[1])) return;
  if (!ty_has_float(dt) && !ty_has_float(st)) return;
  if (dt && st && dt->kind == st->kind && ty_is_float(dt)) return;
  if (dt && st && dt->kind == TY_STRUCT && st->kind == TY_STRUCT)
    diag_error(fl.call->loc, "cannot differentiate '%s' of a struct that carries derivatives: gradc "
               "follows %s of float and double arrays; assign the struct instead", name, name);
  else
    diag_error(fl.call->loc, "cannot differentiate '%s' from '%s' to '%s': reading the bytes of a "
               "floating value as another type (type punning) has no derivative gradc can follow",
               name, st ? ty_name(st) : "void", dt ? ty_name(dt) : "void");
}

static bool note_addr(Expr *e, void *ud) {
  (void)ud;
  Var *v = e->kind == EX_ADDR ? ir_base_var(e->a) : NULL;
  if (v) v->addr_taken = true;
  return false;   /* visit every expression */
}

static void written_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  if (fl.lhs) {
    Var *v = ir_base_var(fl.lhs);
    if (v && !s->init_of_decl) v->written = true;
  }
  if (fl.call)
    for (int i = 0; i < fl.call->nargs; i++)
      if (ir_uncast(fl.call->args[i])->kind == EX_ADDR) {   /* &e, (void **)&p */
        Var *v = ir_base_var(fl.call->args[i]);
        if (v) v->written = true;
      }
  if (s->kind == ST_FOR && s->inc && s->inc->kind == EX_ASSIGN) {
    Var *v = ir_base_var(s->inc->a);
    if (v) v->written = true;
  }
  if (s->kind == ST_EXPR) {
    /* a libm out-parameter: frexp(x, &e) writes e */
    Vec outs = {0};
    rule_out_args(s->e, &outs);
    for (int i = 0; i < outs.len; i++)
      if (((Expr *)outs.data[i])->kind == EX_ADDR) {
        Var *v = ir_base_var(outs.data[i]);
        if (v) v->written = true;
      }
  }
}

/* Calls link(l, r) for each pointer copy l = r (+ k, ?:...) in s, for every
 * variable r whose memory the copy may address. */
typedef void LinkFn(Var *l, Var *r);

static void each_pointer_copy(Stmt *s, LinkFn *link) {
  Flow fl = flow_of(s);
  if (!fl.lhs || !ty_is_ptr(fl.lhs->ty) || fl.call) return;
  Var *l = ir_base_var(fl.lhs);
  if (!l) return;
  Vec bases = {0};
  ir_ptr_bases(fl.rhs, &bases);
  for (int i = 0; i < bases.len; i++) link(l, bases.data[i]);
}

/* Pointers that may address the same memory share their reverse reads: a
 * value read through one name must be saved when written through another. */
static void share_read(Var *v, Stmt *r) {
  v->rev_read = true;
  push_once(&v->reads, r);
  push_once(&v->mem_reads, r);
}

static void share_reads(Var *l, Var *r) {
  int before = l->reads.len + r->reads.len + l->mem_reads.len + r->mem_reads.len;
  for (int k = 0; k < r->mem_reads.len; k++) share_read(l, r->mem_reads.data[k]);
  for (int k = 0; k < l->mem_reads.len; k++) share_read(r, l->mem_reads.data[k]);
  if (l->reads.len + r->reads.len + l->mem_reads.len + r->mem_reads.len != before) changed = true;
}

static void alias_step(Stmt *s, void *ud) {
  (void)ud;
  each_pointer_copy(s, share_reads);
}

/* The pointer copies l = r (+ k) of the function being analysed, and the
 * pointers it sets from a call other than malloc (which may return any
 * address it was given). */
static Vec copies_l, copies_r, called;

static void note_copy(Var *l, Var *r) { vec_push(&copies_l, l), vec_push(&copies_r, r); }
static bool is_alloc_call(const Expr *e);

static void copy_step(Stmt *s, void *ud) {
  (void)ud;
  each_pointer_copy(s, note_copy);
  Flow fl = flow_of(s);
  if (fl.lhs && fl.call && ty_is_ptr(fl.lhs->ty) && !is_alloc_call(fl.rhs) && ir_base_var(fl.lhs))
    vec_add_once(&called, ir_base_var(fl.lhs));
}

/* Whether b is joined to a by pointer copies (b may be NULL); *unknown when
 * a call set one of a's copies. */
static bool joined(Var *a, Var *b, bool *unknown) {
  Vec seen = {0};
  vec_push(&seen, a);
  bool found = false;
  for (int i = 0; i < seen.len; i++) {
    found |= seen.data[i] == b;
    *unknown |= vec_has(&called, seen.data[i]);
    for (int k = 0; k < copies_l.len; k++) {
      if (copies_l.data[k] == seen.data[i]) vec_add_once(&seen, copies_r.data[k]);
      if (copies_r.data[k] == seen.data[i]) vec_add_once(&seen, copies_l.data[k]);
    }
  }
  return found;
}

/* a and b may address the same memory: one variable, or joined by pointer
 * copies; both may address the caller's (two parameters may be one array);
 * or a call set one of them */
static bool may_share(Var *a, Var *b) {
  if (a->foreign && b->foreign) return true;
  bool unknown = false;
  if (joined(a, b, &unknown)) return true;
  joined(b, NULL, &unknown);
  return unknown;
}

/* l = r (+ k): l may address what r addresses, a wrt-only array too. Not
 * the other way: after q = x + 1; q = t; the local array t addresses no
 * more than itself (shared both ways, t's writes in a checkpointed loop's
 * recorded iteration stashed adjoints the reverse sweep had already added:
 * a wrong gradient, found by the difftest's WALK form over two arrays). */
static void share_input(Var *l, Var *r) {
  if (!r->input_mem || l->input_mem) return;
  l->input_mem = true;
  changed = true;
}

static void input_step(Stmt *s, void *ud) {
  (void)ud;
  each_pointer_copy(s, share_input);
}

static bool is_alloc_call(const Expr *e) {
  if (e->kind == EX_CAST) e = e->a;
  return e->kind == EX_CALL && e->callee_known && (!strcmp(e->text, "malloc") || !strcmp(e->text, "calloc"));
}

/* foreign: a pointer that may address memory the caller sees. Parameters
 * and globals do; a pointer set from malloc or a local array does not; a
 * pointer copied from a foreign one does; one set from any other call may. */
static void foreign_step(Stmt *s, void *ud) {
  (void)ud;
  Flow fl = flow_of(s);
  if (!fl.lhs || !ty_is_ptr(fl.lhs->ty)) return;
  Var *l = ir_base_var(fl.lhs);
  if (!l || l->foreign) return;
  bool f = false;
  if (fl.call && !is_alloc_call(fl.rhs)) f = true;
  else if (!fl.call) {
    Vec bases = {0};
    ir_ptr_bases(fl.rhs, &bases);
    if (!bases.len && fl.rhs->kind != EX_NUM) f = true;
    for (int i = 0; i < bases.len; i++) f |= ((Var *)bases.data[i])->foreign;
  }
  if (f) l->foreign = true, changed = true;
}

static void reset(Var *v) {
  v->input_mem = false;
  v->foreign = v->kind == VAR_PARAM || v->kind == VAR_GLOBAL;
  v->reads = (Vec){0};
  v->mem_reads = (Vec){0};
  v->own_reads = (Vec){0};
  v->recomp = NULL;
  v->rev_alive = false;
  v->varied = v->useful = v->active = v->written = v->rev_read = v->addr_taken = false;
  v->is_wrt = v->is_out = false;
}

/* Numbers statements in program order and records their innermost loop. */
static int npos;

static void number(Stmt *s, Stmt *loop, Stmt *parent, int slot) {
  if (!s) return;
  s->pos = npos;
  npos += 2;   /* odd positions: just after a statement */
  s->loop = loop;
  s->parent = parent, s->slot = slot;
  bool is_loop = s->kind == ST_WHILE || s->kind == ST_DO || s->kind == ST_FOR;
  for (int i = 0; i < s->kids.len; i++) number(s->kids.data[i], loop, s, i);
  number(s->init, loop, s, -1);
  number(s->body, is_loop ? s : loop, s, -1);
  number(s->els, loop, s, -1);
}

bool act_inside(Stmt *s, Stmt *loop) {
  for (Stmt *l = s->loop; l; l = l->loop)
    if (l == loop) return true;
  return false;
}

/* e names v only as v[c] */
static bool only_cell(Expr *e, Var *v, Var *c) {
  if (!e) return true;
  if (e->kind == EX_INDEX && ir_is_var(e->a, v)) return ir_is_var(e->b, c);
  if (e->kind == EX_VAR && e->var == v) return false;
  for (int i = 0; i < e->nargs; i++)
    if (!only_cell(e->args[i], v, c)) return false;
  return only_cell(e->a, v, c) && only_cell(e->b, v, c) && only_cell(e->c, v, c);
}

/* lhs is v[c], v a fresh buffer that loop l, counting c, does not move, and
 * the read r, after the write in l, reads v only as v[c]: in each iteration
 * r reads the cell that iteration wrote, which no other iteration writes (a
 * fill and its use in one loop: fuse.c's joins). Also recompute.c's. */
bool act_same_cell(Expr *lhs, Stmt *l, Stmt *r) {
  if (!lhs || lhs->kind != EX_INDEX || r == l || ir_uncast(lhs->b)->kind != EX_VAR) return false;
  Var *v = ir_base_var(lhs), *c = ir_uncast(lhs->b)->var;
  return v && v->fresh && lhs->a->kind == EX_VAR && ir_counted_loop(l, NULL, NULL) == c && !ir_assigns(l, v) &&
         (ir_expr_mentions(r->e, v) || ir_expr_mentions(r->inc, v)) && only_cell(r->e, v, c) && only_cell(r->inc, v, c);
}

/* Whether the write w (of lhs; NULL: the whole variable) destroys a value
 * that the reverse sweep reads: some reverse read of v can run before w
 * (earlier in program order, or in a loop around both, in an earlier
 * iteration). Such a value is saved before w; any other write leaves nothing
 * the reverse sweep needs: an accumulator read only after its loop, a
 * buffer's first fill, a linear update, a cell read in its own iteration. */
static bool read_before(Vec *reads, Stmt *w, Expr *lhs) {
  for (int i = 0; i < reads->len; i++) {
    Stmt *r = reads->data[i];
    if (r == &start || r->pos <= w->pos) return true;
    for (Stmt *l = w->loop; l && !l->immediate; l = l->loop)   /* its iterations are reversed at once */
      if ((act_inside(r, l) || r == l) && !act_same_cell(lhs, l, r)) return true;
  }
  return false;
}

bool act_needs_save(Var *v, Stmt *w) { return read_before(&v->reads, w, NULL); }

/* A write through a pointer or into an array (v[i], *p, p->f) changes the
 * memory, not the pointer: only reads of that memory need its old value,
 * not the reverse sweep's uses of v as an address. */
bool act_needs_save_lv(Expr *lhs, Stmt *w) {
  Var *v = ir_base_var(lhs);
  if (!v) return true;
  if (ty_is_ptr(v->ty) && lhs->kind != EX_VAR) return read_before(&v->mem_reads, w, lhs);
  return read_before(&v->reads, w, NULL);
}

/* ---- values the reverse sweep finds unchanged ----------------------------- */

bool act_reads_only_fixed(Expr *e) {
  if (!e) return true;
  if (e->kind == EX_VAR) return !e->var->written && e->var->kind != VAR_GLOBAL;
  if (e->kind == EX_CALL || ir_reads_memory(e)) return false;
  return act_reads_only_fixed(e->a) && act_reads_only_fixed(e->b) && act_reads_only_fixed(e->c);
}

/* Whether e has, when the reverse sweep reaches loop s, the value it had
 * when s started: it reads variables that are never assigned, or the
 * counters of counted loops around s (their reverse loops rebuild them) that
 * s does not assign. */
bool act_fixed_at(Expr *e, Stmt *s) {
  if (!e) return true;
  if (e->kind == EX_VAR) {
    Var *v = e->var;
    if (!v->written && v->kind != VAR_GLOBAL) return true;
    for (Stmt *l = s->loop; l; l = l->loop)
      if (ir_counted_loop(l, NULL, NULL) == v) return !ir_assigns(s, v);
    return false;
  }
  if (e->kind == EX_CALL || ir_reads_memory(e) || ir_has_side_effects(e)) return false;
  return act_fixed_at(e->a, s) && act_fixed_at(e->b, s) && act_fixed_at(e->c, s);
}

/* ---- first fills of fresh buffers --------------------------------------- */

/* v = malloc(...) or calloc(...): a block nobody has written (realloc keeps
 * the old contents) */
static bool is_fresh_alloc(Stmt *s, Var *v) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->a->kind != EX_VAR || s->e->a->var != v) return false;
  const char *a = ir_alloc_call(s->e->b);
  return a && strcmp(a, "realloc");
}

/* Whether every use of v in e is v[i] (read or written); uses elsewhere
 * (v copied, passed, &v[i]) would let other names reach its memory. */
static bool only_indexed(Expr *e, Var *v) {
  if (!e) return true;
  if (e->kind == EX_VAR) return e->var != v;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR && e->a->var == v) return only_indexed(e->b, v);
  if (e->kind == EX_ADDR && e->a->kind == EX_INDEX && e->a->a->kind == EX_VAR && e->a->a->var == v) return false;
  for (int i = 0; i < e->nargs; i++) if (!only_indexed(e->args[i], v)) return false;
  return only_indexed(e->a, v) && only_indexed(e->b, v) && only_indexed(e->c, v);
}

static bool stmt_only_indexed(Stmt *s, Var *v) {
  if (!s) return true;
  if (s->kind == ST_EXPR && is_fresh_alloc(s, v)) {
    Expr *r = ir_uncast(s->e->b);
    for (int i = 0; i < r->nargs; i++) if (!only_indexed(r->args[i], v)) return false;
    return true;
  }
  if (s->kind == ST_EXPR && ir_free_call(s->e) && s->e->args[0]->kind == EX_VAR && s->e->args[0]->var == v)
    return true;
  if (!only_indexed(s->e, v) || !only_indexed(s->inc, v)) return false;
  for (int i = 0; i < s->kids.len; i++) if (!stmt_only_indexed(s->kids.data[i], v)) return false;
  return stmt_only_indexed(s->init, v) && stmt_only_indexed(s->body, v) && stmt_only_indexed(s->els, v);
}




/* Whether w is the only statement in s that mentions v. */
static bool only_w_mentions(Stmt *s, Var *v, Stmt *w) {
  if (!s || s == w) return true;
  if (ir_expr_mentions(s->e, v) || ir_expr_mentions(s->inc, v)) return false;
  for (int i = 0; i < s->kids.len; i++) if (!only_w_mentions(s->kids.data[i], v, w)) return false;
  return only_w_mentions(s->init, v, w) && only_w_mentions(s->body, v, w) && only_w_mentions(s->els, v, w);
}

/* ---- slices of a new allocation, filled through pointers into it -------- */

/* s is q = a, q = a + k * n, a + n * k or a + n (k a literal >= 1, n
 * without side effects): q, with k (0 for q = a) and n; else NULL */
static Var *slice_def(Stmt *s, Var *a, long *k, Expr **n) {
  if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op || s->e->a->kind != EX_VAR) return NULL;
  Var *q = s->e->a->var;
  Expr *r = ir_uncast(s->e->b);
  if (q == a || q->ty->kind != TY_PTR || (q->kind != VAR_LOCAL && q->kind != VAR_TEMP) || q->is_static || q->addr_taken)
    return NULL;
  *n = NULL, *k = 0;
  if (ir_is_var(r, a)) return q;
  if (r->kind != EX_ADD || !ir_is_var(r->a, a) || ir_has_side_effects(r->b)) return NULL;
  Expr *o = ir_uncast(r->b);
  if (o->kind == EX_MUL && ir_lit_int(o->a) >= 1) *k = ir_lit_int(o->a), *n = o->b;
  else if (o->kind == EX_MUL && ir_lit_int(o->b) >= 1) *k = ir_lit_int(o->b), *n = o->a;
  else *k = 1, *n = o;
  return ir_expr_mentions(*n, a) || ir_expr_mentions(*n, q) ? NULL : q;
}

typedef struct Slice { Var *q; long k; Expr *n; } Slice;

static Slice *slice_find(Vec *v, Var *q) {
  for (int i = 0; i < v->len; i++)
    if (((Slice *)v->data[i])->q == q) return v->data[i];
  return NULL;
}

static bool mentions_any(Stmt *s, Var *a, Vec *sl) {
  if (ir_mentions(s, a)) return true;
  for (int i = 0; i < sl->len; i++)
    if (ir_mentions(s, ((Slice *)sl->data[i])->q)) return true;
  return false;
}

/* every mention of r in e is a read r[j] */
static bool slice_read_only(Expr *e, Var *r) {
  if (!e) return true;
  Expr *wl = ir_written(e);
  if (wl && ir_base_var(wl) == r) return false;
  if (e->kind == EX_VAR) return e->var != r;
  if (e->kind == EX_ADDR && ir_expr_mentions(e->a, r)) return false;
  if (e->kind == EX_INDEX && ir_is_var(e->a, r)) return slice_read_only(e->b, r);
  for (int i = 0; i < e->nargs; i++)
    if (!slice_read_only(e->args[i], r)) return false;
  return slice_read_only(e->a, r) && slice_read_only(e->b, r) && slice_read_only(e->c, r);
}

/* Whether w, p[i] = e inside the loop L over i in [0, n), writes the slice
 * p = a + k n of a buffer a that a malloc or calloc made just before L
 * (ADBench's LSTM cell: gates = malloc(4 b doubles), forget = gates,
 * ingate = gates + b, ..., then forget[i] = ..., ingate[i] = ... for i < b):
 * between the allocation and L only statements q = a + k' n (and none that
 * mention a or such a q otherwise), and in L every write through a slice is
 * q[i] = ..., one per slice, each slice written having its own k. Each
 * element of the block is then written once, by w or by one other write, and
 * w destroys a value that was never written: no save. */
static bool fresh_slice(Stmt *w) {
  Expr *lhs = w->e->a;
  Var *p = lhs->a->var, *i = ir_uncast(lhs->b)->kind == EX_VAR ? ir_uncast(lhs->b)->var : NULL;
  if (!i || (p->kind != VAR_LOCAL && p->kind != VAR_TEMP) || p->is_static || p->addr_taken) return false;
  /* the loop around w, through blocks only */
  Stmt *L = w->parent;
  while (L && L->kind == ST_BLOCK) L = L->parent;
  Expr *first, *n;
  if (!L || L->kind != ST_FOR || ir_up_loop(L, &first, &n) != i || ir_lit_int(first) != 0 || ir_has_side_effects(n))
    return false;
  /* back from L, through blocks, to p's definition (it names a) and on to
   * a's allocation: the statements in between, last first */
  Vec range = {0};
  Var *a = NULL;
  bool found = false;
  for (Stmt *child = L, *s = L->parent; s && !found; child = s, s = s->parent) {
    if (s->kind != ST_BLOCK) return false;
    for (int j = child->slot - 1; j >= 0 && !found; j--) {
      Stmt *b = s->kids.data[j];
      if (b->kind == ST_NOP) continue;
      if (!a && ir_assigns(b, p)) {
        Expr *r = b->kind == ST_EXPR && b->e->kind == EX_ASSIGN && !b->e->op ? ir_uncast(b->e->b) : NULL;
        Expr *base = !r ? NULL : r->kind == EX_ADD ? ir_uncast(r->a) : r;
        if (!base || base->kind != EX_VAR) return false;
        a = base->var;
        if (a->ty->kind != TY_PTR || (a->kind != VAR_LOCAL && a->kind != VAR_TEMP) || a->is_static || a->addr_taken)
          return false;
      }
      if (a && is_fresh_alloc(b, a)) found = true;
      else vec_push(&range, b);
    }
  }
  if (!found) return false;
  /* in that range: the slices' definitions q = a + k n, each once, and
   * nothing else that mentions a or a slice */
  Vec sl = {0}, others = {0};
  for (int j = 0; j < range.len; j++) {
    long k;
    Expr *kn;
    Var *q = slice_def(range.data[j], a, &k, &kn);
    if (!q) {
      vec_push(&others, range.data[j]);
      continue;
    }
    if (slice_find(&sl, q)) return false;
    Slice *x = arena_alloc(sizeof *x);
    *x = (Slice){q, k, kn};
    vec_push(&sl, x);
  }
  for (int j = 0; j < others.len; j++)
    if (mentions_any(others.data[j], a, &sl)) return false;
  if (!slice_find(&sl, p)) return false;
  /* nothing in L's header reaches the block; in its body, one write q[i] per
   * slice, each of them n elements apart */
  if (ir_expr_mentions(L->e, a) || ir_expr_mentions(L->inc, a) || ir_mentions(L->init, a)) return false;
  for (int t = 0; t < sl.len; t++) {
    Var *q = ((Slice *)sl.data[t])->q;
    if (ir_expr_mentions(L->e, q) || ir_expr_mentions(L->inc, q) || ir_mentions(L->init, q) || ir_assigns(L->body, q))
      return false;
  }
  if (ir_assigns(L->body, a) || ir_assigns(L->body, i) || ir_mentions(L->body, a)) return false;
  Vec body = {0};
  ir_open_blocks(L->body, &body);
  Vec written = {0};
  for (int t = 0; t < body.len; t++) {
    Stmt *b = body.data[t];
    Expr *wl = b->kind == ST_EXPR ? ir_written(b->e) : NULL;
    Var *q = wl && wl->kind == EX_INDEX && wl->a->kind == EX_VAR ? wl->a->var : NULL;
    Slice *x = q ? slice_find(&sl, q) : NULL;
    if (x) {
      if (b->e->kind != EX_ASSIGN || b->e->a != wl || !ir_is_var(wl->b, i) || vec_has(&written, x)) return false;
      for (int u = 0; u < sl.len; u++)   /* its value only reads the slices (no call writes through one) */
        if (!slice_read_only(b->e->b, ((Slice *)sl.data[u])->q)) return false;
      vec_push(&written, x);
      continue;
    }
    /* elsewhere, slices are only read, as q[j] (no write, no copy, no call
     * taking them), and not at all in nested statements */
    for (int u = 0; u < sl.len; u++) {
      Var *r = ((Slice *)sl.data[u])->q;
      if (b->kind != ST_EXPR ? ir_mentions(b, r) : !slice_read_only(b->e, r)) return false;
    }
  }
  for (int t = 0; t < written.len; t++) {
    Slice *x = written.data[t];
    if (x->k && (!x->n || !ir_same_expr(ir_uncast(x->n), ir_uncast(n)))) return false;
    for (int u = 0; u < t; u++)
      if (((Slice *)written.data[u])->k == x->k) return false;
  }
  return vec_has(&written, slice_find(&sl, p));
}

/* Whether w, v[i] = e, is the first write of a buffer that a malloc or
 * calloc made just before: nothing mentions v between the allocation and w,
 * v's memory is reached only as v[...], and w runs once per allocation, or
 * once per element (the only mention of v in a counted loop over i, with no
 * other loop in between). The old value w destroys was never written, and
 * earlier allocations are other blocks, restored with their pointer: w
 * needs no save. */
bool act_fresh_fill(Func *fn, Stmt *w) {
  if (w->kind != ST_EXPR || w->e->kind != EX_ASSIGN) return false;
  Expr *lhs = w->e->a;
  if (lhs->kind != EX_INDEX || lhs->a->kind != EX_VAR) return false;
  Var *v = lhs->a->var;
  if ((v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->ty->kind != TY_PTR || v->is_static) return false;
  if (ir_expr_mentions(lhs->b, v) || ir_expr_mentions(w->e->b, v)) return false;
  if (fresh_slice(w)) return true;
  if (v->indexed_gen != generation) {   /* once per variable and analysis */
    v->indexed_gen = generation;
    v->only_indexed = stmt_only_indexed(fn->body, v);
  }
  if (!v->only_indexed) return false;
  bool in_loop = false;   /* the one counted loop allowed between the allocation and w */
  for (Stmt *child = w, *s = w->parent; s; child = s, s = s->parent) {
    switch (s->kind) {
    case ST_BLOCK: {
      for (int j = child->slot - 1; j >= 0; j--) {
        Stmt *b = s->kids.data[j];
        if (is_fresh_alloc(b, v)) return true;
        if (ir_mentions(b, v)) return false;
      }
      break;
    }
    case ST_IF:
      if (ir_expr_mentions(s->e, v)) return false;
      break;
    case ST_FOR: {
      if (in_loop || child != s->body) return false;
      Var *i = ir_counted_loop(s, NULL, NULL);
      if (!i || lhs->b->kind != EX_VAR || lhs->b->var != i) return false;
      if (ir_expr_mentions(s->e, v) || ir_expr_mentions(s->inc, v) || ir_mentions(s->init, v)) return false;
      if (!only_w_mentions(s->body, v, w)) return false;
      in_loop = true;
      break;
    }
    default:
      return false;   /* while and do loops: an element may be written twice */
    }
  }
  return false;
}

/* Whether v's memory is reached only as v[i] (cached per analysis) */
bool act_only_indexed(Func *fn, Var *v) {
  if (v->indexed_gen != generation) {
    v->indexed_gen = generation;
    v->only_indexed = stmt_only_indexed(fn->body, v);
  }
  return v->only_indexed;
}

void act_add_read(Var *v, Stmt *r) { add_read(v, r); }
bool act_read_at_entry(Stmt *r) { return r == &start; }

/* ---- accumulators reset before their loop ------------------------------- */

/* Whether w, v = ... inside loop L, needs no save because v is reset before
 * L: a write w0 of v stands before L in the same block, no reverse read of v
 * lies between w0 and L or inside L. The reverse sweep then reads v after L
 * (its final value, untouched) and before w0 (restored by w0's own save),
 * never an intermediate value of L:
 *     a = b[j];  for (i...) a += W[j][i] * x[i];  h[j] = relu(a);
 * tapes nothing per i. */
bool act_loop_reset(Stmt *w) {
  if (w->kind != ST_EXPR || w->e->kind != EX_ASSIGN || w->e->a->kind != EX_VAR) return false;
  Var *v = w->e->a->var;
  Stmt *l = w->loop;
  if (!l) return false;
  for (int i = 0; i < v->reads.len; i++) {
    Stmt *r = v->reads.data[i];
    if (r == &start || r == l || act_inside(r, l)) return false;
  }
  Stmt *b = l->parent;
  if (!b || b->kind != ST_BLOCK) return false;
  for (int j = l->slot - 1; j >= 0; j--) {
    Stmt *w0 = b->kids.data[j];
    if (w0->kind == ST_EXPR && w0->e->kind == EX_ASSIGN && w0->e->a->kind == EX_VAR && w0->e->a->var == v) {
      for (int i = 0; i < v->reads.len; i++) {
        Stmt *r = v->reads.data[i];
        if (r->pos > w0->pos && r->pos < l->pos) return false;
      }
      return true;
    }
  }
  return false;
}

/* Runs both analyses on fn for one (wrt, out) specialisation. With `top`,
 * reports wrt parameters that get no gradient, and state that would stop
 * gradients silently. */
bool act_analyze(Program *p, Func *fn, Vec *wrt, Vec *out, bool top) {
  (void)p;
  int before = diag_errors();
  generation++;
  for (int i = 0; i < fn->params.len; i++) reset(fn->params.data[i]);
  for (int i = 0; i < fn->locals.len; i++) reset(fn->locals.data[i]);
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    v->fresh = (v->ty->kind == TY_PTR || v->ty->kind == TY_ARRAY) && ir_fresh_buffer(fn, v);
  }
  copies_l = copies_r = called = (Vec){0};
  each_stmt(fn->body, copy_step, NULL);
  do {   /* which pointers may address the caller's memory (syntactic: first) */
    changed = false;
    each_stmt(fn->body, foreign_step, NULL);
  } while (changed);
  for (int i = 0; i < wrt->len; i++) {
    Var *v = wrt->data[i];
    v->is_wrt = v->varied = true;
  }
  for (int i = 0; i < out->len; i++) {
    Var *v = out->data[i];
    v->is_out = v->useful = true;
  }
  if (fn->retvar && ty_has_float(fn->retvar->ty)) fn->retvar->useful = true;
  do {
    changed = false;
    each_stmt(fn->body, varied_step, NULL);
    each_stmt(fn->body, useful_step, NULL);
  } while (changed);
  for (int i = 0; i < fn->params.len + fn->locals.len; i++) {
    Var *v = i < fn->params.len ? fn->params.data[i] : fn->locals.data[i - fn->params.len];
    v->active = v->varied && v->useful && ty_has_float(v->ty);
  }
  generation++;   /* activity is known now */
  npos = 0;
  number(fn->body, NULL, NULL, -1);
  each_stmt(fn->body, global_step, NULL);
  each_stmt(fn->body, punning_step, NULL);
  each_stmt(fn->body, written_step, NULL);
  ir_stmt_any(fn->body, note_addr, NULL);
  each_stmt(fn->body, needed_step, NULL);
  /* a called function cannot know what its caller's reverse sweep reads:
   * memory behind its pointer parameters counts as read */
  if (!top)
    for (int i = 0; i < fn->params.len; i++) {
      Var *v = fn->params.data[i];
      if (ty_is_ptr(v->ty) && ty_has_float(v->ty)) add_read(v, &start);
    }
  for (int i = 0; i < fn->params.len + fn->locals.len; i++) {
    Var *v = i < fn->params.len ? fn->params.data[i] : fn->locals.data[i - fn->params.len];
    for (int k = 0; k < v->reads.len; k++) vec_push(&v->own_reads, v->reads.data[k]);
  }
  do {
    changed = false;
    each_stmt(fn->body, alias_step, NULL);
  } while (changed);
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    v->input_mem = v->is_wrt && !v->is_out && ty_is_ptr(v->ty);
  }
  do {
    changed = false;
    each_stmt(fn->body, input_step, NULL);
  } while (changed);
  return diag_errors() == before;
}

/* Reads added after the analysis (recompute.c's) reach aliases too. */
void act_share_aliases(Func *fn) {
  do {
    changed = false;
    each_stmt(fn->body, alias_step, NULL);
  } while (changed);
}

void act_dump(FILE *out, Func *fn) {
  fprintf(out, "activity of %s:\n", fn->name);
  for (int i = 0; i < fn->params.len + fn->locals.len; i++) {
    Var *v = i < fn->params.len ? fn->params.data[i] : fn->locals.data[i - fn->params.len];
    fprintf(out, "  %-12s %s%s%s%s%s\n", v->name, v->active ? "active" : "inactive",
            v->varied ? " varied" : "", v->useful ? " useful" : "",
            v->written ? " written" : "", v->rev_read ? " rev-read" : "");
  }
}
