/* rev.c: reverse mode.
 *
 * Each statement of the lowered IR gives forward code (the primal, plus tape
 * pushes of values it overwrites that the reverse sweep reads) and reverse
 * code. The reverse code of a block is its statements' reverse code in
 * reverse order; a branch records which arm ran, a loop how often it ran (or,
 * for a counted `for`, its final index), and the reverse sweep replays them.
 *
 * The invariant: when the reverse code of statement S starts, every variable
 * that S's partial derivatives read holds the value it had before S ran. The
 * forward sweep saves exactly the overwritten values that some reverse code
 * reads (activity.c's rev_read), and the reverse code of an assignment first
 * restores the old value, then propagates the adjoint:
 *
 *     forward:  gradc_push_d(tape, y);  y = y * x;
 *     reverse:  y = gradc_pop_d(tape);
 *               { double _d = y_bar; y_bar = 0; y_bar += _d * x; x_bar += _d * y; }
 *
 * The annotated function is generated in joint mode: one function holds the
 * forward sweep, then the reverse sweep, sharing locals. Functions it calls
 * are generated in split mode, as g_fwd (which records on the caller's tape)
 * and g_rev (which replays it), specialised on which arguments are active.
 *
 * This file differentiates statements; rev_call.c calls and the memory
 * functions, rev_func.c the functions themselves (specialisations, f_grad,
 * split pairs, companions), rev_ckpt.c checkpointed loops and rev_par.c
 * parallel loops.
 */
#include "tool.h"
#include "rev.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- adjoint names -------------------------------------------------------- */

static bool is_scalar_param(Var *v) {
  return v->kind == VAR_PARAM && !ty_is_ptr(v->ty);
}

static bool has_bar_param(Gen *g, Var *v) {
  (void)g;
  return v->kind == VAR_PARAM && (v->is_wrt || v->is_out);
}

/* The name of v's adjoint: a parameter (x_bar) or a local of the generated
 * function. */
static const char *fresh_bar(Gen *g, const char *base) {
  const char *name = ir_unique_name(g->fn, base);
  /* bars are not variables of fn: check them against each other too */
  for (int i = 0; i < g->bars.len; i++)
    if (!strcmp(((Var *)g->bars.data[i])->bar->name, name)) name = format("%s_", name);
  return name;
}

/* The adjoint variable of v: a local of v's type (const dropped, a
 * pointer's pointee too), or a parameter pointing at such values. */
static Var *new_bar(Gen *g, Var *v, const char *base, bool param) {
  Var *b = arena_alloc(sizeof *b);
  Type *t = ty_unconst(v->ty);
  if (param) {
    t = ty_ptr_to(ty_unconst(ty_is_ptr(v->ty) ? v->ty->base : v->ty));
  } else if (t->kind == TY_PTR) {
    Type *nc = arena_alloc(sizeof *nc);
    *nc = *t->base;
    nc->is_const = false;
    t = ty_ptr_to(nc);
  }
  b->name = fresh_bar(g, base);
  b->ty = t;
  b->kind = param ? VAR_PARAM : VAR_LOCAL;
  b->loc = v->loc;
  return b;
}

/* The name of v's adjoint: a parameter (x_bar) or a local of the generated
 * function. A scalar parameter that f overwrites has a local adjoint x_adj,
 * added to *x_bar at the end: the caller's *x_bar must not take part in
 * the reverse sweep (adjoints accumulate). */
static Var *bar_var(Gen *g, Var *v) {
  if (v->bar) return v->bar;
  if (has_bar_param(g, v)) {
    v->bar_param = new_bar(g, v, format("%s_bar", v->name), true);
    if (is_scalar_param(v) && v->written) {
      v->bar = new_bar(g, v, format("%s_adj", v->name), false);
      vec_push(&g->bars, v);
      vec_push(&g->param_adj, v);
    } else {
      v->bar = v->bar_param;
    }
    return v->bar;
  }
  v->bar = new_bar(g, v, format("%s_bar", v->name), false);
  vec_push(&g->bars, v);
  return v->bar;
}

static const char *bar_name(Gen *g, Var *v) { return bar_var(g, v)->name; }

static bool bar_is_param(Gen *g, Var *v) {
  return has_bar_param(g, v) && !(is_scalar_param(v) && v->written);
}


/* ---- adjoints as IR ---------------------------------------------------------
 *
 * The reverse sweep's expressions are built as IR over the primal's
 * variables and their adjoints (Var.bar), and printed by emit.c: the
 * adjoint of an lvalue is an lvalue, of a pointer a pointer. */

/* s appended to the block out (nothing after an error made s NULL) */
static void put(Stmt *out, Stmt *s) {
  if (s) vec_push(&out->kids, s);
}

/* v without a floating minus on one of its factors (-u, -u * w, w * (-u),
 * u / -w), or NULL: the same magnitude, as IEEE products and quotients are
 * symmetric in sign */
static Expr *unneg(Expr *v) {
  if (v->kind == EX_NEG) return v->ty && ty_is_float(v->ty) ? v->a : NULL;   /* not -k of an unsigned k */
  if (v->kind != EX_MUL && v->kind != EX_DIV) return NULL;
  Expr *a = unneg(v->a), *b = a ? NULL : unneg(v->b);
  return a || b ? ir_binary(v->kind, a ? a : v->a, b ? b : v->b, v->ty, v->loc) : NULL;
}

/* lv += v, lv -= v, lv = v as statements (lv += -u as lv -= u: the same
 * operation in IEEE arithmetic, and what a person writes) */
static Stmt *assign_op(ExprKind op, Expr *lv, Expr *v) {
  Expr *u = op == EX_ADD || op == EX_SUB ? unneg(v) : NULL;
  if (u) op = op == EX_ADD ? EX_SUB : EX_ADD, v = u;
  Stmt *s = ir_assign(lv, v, lv->loc);
  s->e->op = op;
  return s;
}

/* for (T _kN = 0; _kN < n; _kN++) {}, its counter in *k: the body is the
 * caller's to fill */
static Stmt *count_loop(Gen *g, Type *t, Expr *n, Var **k, Loc loc) {
  *k = ir_new_var(NULL, format("_k%d", g->nrev++), t, VAR_TEMP, loc);
  Stmt *l = ir_new_stmt(ST_FOR, loc);
  l->init = ir_new_stmt(ST_DECL, loc);
  l->init->var = *k;
  l->init->e = ir_num("0", t, loc);
  l->e = ir_binary(EX_LT, ir_var(*k, loc), n, ty_int(), loc);
  l->inc = ir_unary(EX_POSTINC, ir_var(*k, loc), t);
  l->body = ir_block(loc);
  return l;
}

/* Prints the statements of block b at indentation ind. */
static void print_block(Buf *out, Stmt *b, int ind) {
  for (int i = 0; i < b->kids.len; i++) emit_stmt(out, b->kids.data[i], ind);
}

static Expr *adj(Gen *g, Expr *e);

static Expr *addr_of(Expr *lv) {
  if (lv->kind == EX_DEREF) return lv->a;   /* &*p is p */
  return ir_unary(EX_ADDR, lv, ty_ptr_to(lv->ty));
}

/* The adjoint of a pointer-valued expression: p -> p_bar, p + k -> p_bar + k,
 * &v -> &v_bar, an array -> its adjoint array. */
static Expr *adj_ptr(Gen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: {
    Var *pb = rev_par_bar(g, e->var);
    return ir_var(pb ? pb : bar_var(g, e->var), e->loc);
  }
  case EX_NUM:   /* a null pointer (NULL, 0) has a null adjoint */
    if (!strcmp(e->text, "0")) return ir_num("NULL", e->ty, e->loc);
    break;
  case EX_ADD: case EX_SUB:
    if (ty_is_ptr(e->a->ty)) {
      Expr *p = adj_ptr(g, e->a);
      return ir_binary(e->kind, p, e->b, p->ty, e->loc);
    } else {
      Expr *p = adj_ptr(g, e->b);
      return ir_binary(EX_ADD, e->a, p, p->ty, e->loc);
    }
  case EX_ADDR:
    return addr_of(adj(g, e->a));
  case EX_CAST:
    return adj_ptr(g, e->a);
  case EX_MEMBER: case EX_INDEX:   /* an array member or row decays */
    return adj(g, e);
  case EX_COND:
    if (!act_expr_active(e->b) || !act_expr_active(e->c)) break;
    Expr *b = adj_ptr(g, e->b);
    return ir_cond(e->a, b, adj_ptr(g, e->c), b->ty);
  default:
    break;
  }
  diag_error(e->loc, "cannot find the adjoint of this pointer expression (gradc follows "
             "pointers made from variables, &v, p + k and ?: between such pointers)");
  return ir_num("0", e->ty, e->loc);
}

/* The adjoint of an active lvalue, as an lvalue. */
static Expr *adj(Gen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: {
    Var *pb = rev_par_bar(g, e->var);
    if (pb) return ir_var(pb, e->loc);
    for (int i = g->promo.len - 1; i >= 0; i--) {
      Promo *pr = g->promo.data[i];
      if (!pr->idx && pr->v == e->var) return ir_var(pr->sum, e->loc);
    }
    Var *b = bar_var(g, e->var);
    if (bar_is_param(g, e->var) && is_scalar_param(e->var))
      return ir_unary(EX_DEREF, ir_var(b, e->loc), b->ty->base);
    return ir_var(b, e->loc);
  }
  case EX_INDEX:
    for (int i = g->promo.len - 1; i >= 0; i--) {
      Promo *pr = g->promo.data[i];
      if (e->a->kind == EX_VAR && e->a->var == pr->v && ir_same_expr(e->b, pr->idx)) {
        pr->used = true;
        return ir_var(pr->sum, e->loc);
      }
    }
    return ir_binary(EX_INDEX, adj_ptr(g, e->a), e->b, ty_unconst(e->ty), e->loc);
  case EX_MEMBER: {
    Expr *m = ir_new_expr(EX_MEMBER, ty_unconst(e->ty), e->loc);
    m->text = e->text;
    m->arrow = e->arrow;
    if (e->arrow) {
      m->a = adj_ptr(g, e->a);
    } else if (e->a->kind == EX_VAR && bar_is_param(g, e->a->var) && is_scalar_param(e->a->var)) {
      m->a = ir_var(bar_var(g, e->a->var), e->loc);   /* x_bar->f */
      m->arrow = true;
    } else {
      m->a = adj(g, e->a);
    }
    return m;
  }
  case EX_DEREF:
    return ir_unary(EX_DEREF, adj_ptr(g, e->a), ty_unconst(e->ty));
  default:
    diag_error(e->loc, "cannot find the adjoint of this expression");
    return ir_num("0", e->ty, e->loc);
  }
}


/* ---- tape ----------------------------------------------------------------- */

static const char *tape_suffix(Type *t, Loc loc) {
  switch (t->kind) {
  case TY_DOUBLE: return "d";
  case TY_FLOAT: return "f";
  case TY_PTR: return "p";
  case TY_INT: {
    const char *s = t->spell;
    if (strstr(s, "long") || !strcmp(s, "size_t") || !strcmp(s, "ssize_t") ||
        !strcmp(s, "ptrdiff_t") || strstr(s, "int64") || strstr(s, "intptr"))
      return "l";
    return "i";
  }
  case TY_STRUCT: case TY_ARRAY: case TY_UNION:
    return "n";
  default:
    diag_error(loc, "cannot save a value of type '%s' on the tape (it is overwritten and "
               "the reverse sweep needs it)", ty_name(t));
    return "d";
  }
}

/* The runtime's types, and how code refers to a tape: &name for a local
 * gradc_tape, name for a pointer to one. */
static Type *void_ptr(void) { return ty_ptr_to(ty_new(TY_VOID, "void")); }

Expr *rev_tape_ref(const char *name, bool local) {
  Type *t = ty_named("gradc_tape");
  Var *v = ir_new_var(NULL, name, local ? t : ty_ptr_to(t), VAR_TEMP, (Loc){0});
  Expr *e = ir_var(v, v->loc);
  return local ? ir_unary(EX_ADDR, e, ty_ptr_to(t)) : e;
}


/* _redo: the log of restores of the caller's memory (one variable per
 * generated function: nothing outlives the arena it is made in) */
static Expr *redo_log(Gen *g, Loc loc) {
  if (!g->redo) g->redo = ir_new_var(NULL, "_redo", ty_ptr_to(ty_named("gradc_tape")), VAR_TEMP, loc);
  return ir_var(g->redo, loc);
}

/* name(args...), a function of the runtime */
static Expr *rt_call(const char *name, Type *ty, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2) {
  Expr *args[3] = {a0, a1, a2};
  return ir_call(name, ty, loc, args, n);
}

static Expr *cast_to(Type *t, Expr *e) { return ir_unary(EX_CAST, e, t); }

static Expr *size_of(Expr *e) {
  Expr *s = ir_new_expr(EX_SIZEOF, ty_size(), e->loc);
  s->a = e;
  return s;
}

/* gradc_push_T(tape, lv): lv's value to the tape */
static Stmt *push_stmt(Gen *g, Expr *lv) {
  Type *t = lv->ty;
  Loc loc = lv->loc;
  if (!g->joint && !g->sp->split && !g->sp->exported && t->kind == TY_PTR) {
    /* a recursive callee's pointer may address its caller's frame, which
     * has returned when the reverse sweep runs */
    diag_error(loc, "gradc cannot yet record the pointer '%s' in the recursive function '%s': "
               "its reverse sweep would read a frame that has returned; pass indices instead",
               emit_expr(lv), g->fn->name);
    return NULL;
  }
  g->used_tape = true;
  g->records++;
  const char *suf = tape_suffix(t, loc);
  Type *v = ty_new(TY_VOID, "void");
  Expr *c;
  if (*suf == 'n')
    c = rt_call("gradc_push_n", v, loc, 3, g->tape, addr_of(lv), size_of(lv));
  else if (*suf == 'p')
    c = rt_call("gradc_push_p", v, loc, 2, g->tape, cast_to(void_ptr(), lv), NULL);   /* const pointers too */
  else
    c = rt_call(format("gradc_push_%s", suf), v, loc, 2, g->tape, lv, NULL);
  return ir_expr_stmt(c, loc);
}

/* lv = gradc_pop_T(tape): lv's value back from the tape */
static Stmt *pop_stmt(Gen *g, Expr *lv) {
  Type *t = lv->ty;
  Loc loc = lv->loc;
  const char *suf = tape_suffix(t, loc);
  if (*suf == 'n')
    return ir_expr_stmt(rt_call("gradc_pop_n", ty_new(TY_VOID, "void"), loc, 3, g->tape, addr_of(lv), size_of(lv)), loc);
  Expr *c = rt_call(format("gradc_pop_%s", suf), t, loc, 1, g->tape, NULL, NULL);
  if (*suf != 'p' && *suf != 'd' && *suf != 'f') c = cast_to(t, c);
  return ir_assign(lv, c, loc);
}

static void push(Gen *g, Stmt *out, Expr *lv) {
  Stmt *s = push_stmt(g, lv);
  if (s) put(out, s);
}

/* a generated local (a record, a saved value) named in text by the other parts */
static Expr *named(const char *name, Type *t, Loc loc) { return ir_var(ir_new_var(NULL, name, t, VAR_TEMP, loc), loc); }

/* Whether a restore writes memory that the caller sees: then the value it
 * replaces is logged, and put back once the reverse sweep is over, so that
 * out arrays keep their computed values. */
static bool caller_memory(Expr *lv) {
  if (lv->kind == EX_VAR) return lv->var->kind == VAR_GLOBAL;
  Var *b = ir_base_var(lv);
  if (!b) return true;
  if (b->kind == VAR_PARAM) return b->ty->kind == TY_PTR || lv->kind == EX_DEREF;
  if (b->ty->kind == TY_ARRAY && b->kind != VAR_GLOBAL) return false;   /* local array */
  if (b->ty->kind == TY_STRUCT && lv->kind == EX_MEMBER && !lv->arrow) return caller_memory(lv->a);
  return b->foreign;   /* a pointer local: only if it may point at the caller's memory */
}

/* The same for the block a pointer expression points to (what a kernel
 * writes through an argument, memcpy's destination): the pointer itself is
 * no lvalue of the caller's, the elements it addresses may be. */
static bool caller_block(Expr *p) {
  Var *b = ir_base_var(p);
  if (b && b->kind == VAR_GLOBAL) return true;
  Expr *d = ir_new_expr(EX_DEREF, p->ty->base ? p->ty->base : p->ty, p->loc);
  d->a = p;
  return caller_memory(d);
}

/* Before a restore of lv: logs the value it replaces if the caller sees lv's
 * memory; false (after an error) if that cannot be done. */
static bool log_caller(Gen *g, Stmt *out, Expr *lv) {
  if (caller_memory(lv)) {
    g->used_redo = true;
    const char *suf = tape_suffix(lv->ty, lv->loc);
    if (*suf == 'n') {
      diag_error(lv->loc, "gradc cannot yet restore a whole struct or array in memory the "
                 "caller sees; assign its members");
      return false;
    }
    put(out, ir_expr_stmt(rt_call(format("gradc_redo_%s", suf), ty_new(TY_VOID, "void"), lv->loc, 2,
                                  redo_log(g, lv->loc), addr_of(lv), NULL), lv->loc));
  }
  return true;
}

static void restore_into(Gen *g, Stmt *out, Expr *lv) {
  if (log_caller(g, out, lv)) put(out, pop_stmt(g, lv));
}

/* The restore of s, which may be the write v[c] = e whose old values the
 * loop taped as one block (rev_loop.c): then the value comes from that
 * block, at c's place, and not off the tape. */
static void restore_stmt_into(Gen *g, Stmt *s, Stmt *out, Expr *lv) {
  int b = vec_index(&g->block_saves, s);
  Var *view = b >= 0 ? g->block_views.data[b] : NULL;
  if (!view) {
    restore_into(g, out, lv);
    return;
  }
  if (!log_caller(g, out, lv)) return;
  Expr *c = ir_var(ir_uncast(lv->b)->var, lv->loc);
  long lo = ir_lit_int(g->block_lo);
  Expr *at = lo == 0 ? c : ir_binary(EX_SUB, c, g->block_lo, c->ty, lv->loc);
  put(out, ir_assign(lv, ir_binary(EX_INDEX, ir_var(view, lv->loc), at, lv->ty, lv->loc), lv->loc));
}


/* Why a function has a separate forward and reverse sweep (split mode)
 * instead of being inlined into its caller's. */
static const char *split_why(Gen *g) {
  if (g->sp->exported)
    return format("other files call it (GRADC_GRAD on its declaration, %s:%d)", g->sp->exported->decl_loc.file,
                  g->sp->exported->decl_loc.line);
  return g->sp->split ? "GRADC_GRAD(..., split)" : "it is recursive";
}

/* ---- propagation ---------------------------------------------------------- */


/* One operand as it stands (a name, an element, a number): used as it is
 * where a seed is read more than once. */
static bool simple(const Expr *e) {
  switch (e->kind) {
  case EX_VAR: return true;
  case EX_NUM: return !strpbrk(e->text, " +-/?:,");
  case EX_DEREF: return e->a->kind == EX_VAR;
  case EX_INDEX: return simple(e->a) && simple(e->b);
  case EX_MEMBER: return simple(e->a);
  default: return false;
  }
}

static Expr *neg(Expr *e) { return ir_unary(EX_NEG, e, e->ty); }
static Expr *mul(Expr *seed, Expr *f) { return ir_binary(EX_MUL, seed, f, seed->ty, seed->loc); }

/* A local of the reverse sweep, declared where it is set: T name = init. */
static Var *local(Gen *g, Stmt *out, const char *base, Type *t, Expr *init) {
  Var *v = ir_new_var(NULL, format("_%s%d", base, g->nrev++), t, VAR_TEMP, init->loc);
  Stmt *d = ir_new_stmt(ST_DECL, init->loc);
  d->var = v;
  d->e = init;
  put(out, d);
  return v;
}

/* A seed used more than once is computed once, into a temporary. */
static Expr *share(Gen *g, Stmt *out, Expr *seed, Type *ty) {
  if (simple(seed)) return seed;
  return ir_var(local(g, out, "r", ty_is_float(ty) ? ty : ty_double(), seed), seed->loc);
}

static int active_kids(Expr *e) {
  int n = 0;
  if (e->kind == EX_CALL) {
    for (int i = 0; i < e->nargs; i++) n += act_expr_active(e->args[i]);
    return n;
  }
  return act_expr_active(e->a) + act_expr_active(e->b);
}

static Expr *same(Expr *e) { return e; }

/* Adds seed * d(e)/d(leaves) into the adjoints of e's active leaves.
 *   a + b:  a_bar += s;      b_bar += s
 *   a - b:  a_bar += s;      b_bar -= s
 *   a * b:  a_bar += s * b;  b_bar += s * a
 *   a / b:  a_bar += s / b;  b_bar -= s * a / (b * b)   (both active:
 *           r = 1 / b, q = s r; a_bar += q; b_bar -= q a r: one division)
 *   f(u):   u_bar += s * f'(u)   (rules.h) */
static void propagate(Gen *g, Expr *e, Expr *seed, Stmt *out) {
  if (!act_expr_active(e)) return;
  bool square = e->kind == EX_MUL && ir_same_expr(e->a, e->b);
  if (active_kids(e) > 1 && !square) seed = share(g, out, seed, e->ty);
  switch (e->kind) {
  case EX_VAR: case EX_INDEX: case EX_MEMBER: case EX_DEREF:
    if (ty_is_ptr(e->ty) || e->ty->kind == TY_STRUCT) {
      diag_error(e->loc, "cannot differentiate a copy of a whole %s; assign its elements",
                 e->ty->kind == TY_STRUCT ? "struct" : "array");
      return;
    }
    if (rev_par_add(g, out, e, seed)) return;
    put(out, assign_op(EX_ADD, adj(g, e), seed));
    return;
  case EX_ADD:
    propagate(g, e->a, seed, out);
    propagate(g, e->b, seed, out);
    return;
  case EX_SUB:
    propagate(g, e->a, seed, out);
    propagate(g, e->b, neg(seed), out);
    return;
  case EX_NEG:
    propagate(g, e->a, neg(seed), out);
    return;
  case EX_PLUS: case EX_CAST:
    propagate(g, e->a, seed, out);
    return;
  case EX_MUL:
    if (ir_same_expr(e->a, e->b) && !ir_has_side_effects(e->a)) {
      /* u * u: d/du = 2u */
      propagate(g, e->a, mul(seed, ir_binary(EX_MUL, ir_num("2", e->ty, e->loc), e->a, e->ty, e->loc)), out);
      return;
    }
    propagate(g, e->a, mul(seed, e->b), out);
    propagate(g, e->b, mul(seed, e->a), out);
    return;
  case EX_DIV:
    if (act_expr_active(e->a) && act_expr_active(e->b) && ty_is_float(e->ty)) {
      /* one division: r = 1 / b, q = s r; a_bar += q, b_bar -= q a r */
      Expr *r = share(g, out, ir_binary(EX_DIV, ir_num("1.0", e->ty, e->loc), e->b, e->ty, e->loc), e->ty);
      Expr *q = share(g, out, mul(seed, r), e->ty);
      propagate(g, e->a, q, out);
      propagate(g, e->b, mul(mul(neg(q), e->a), r), out);
      return;
    }
    propagate(g, e->a, ir_binary(EX_DIV, seed, e->b, seed->ty, e->loc), out);
    propagate(g, e->b, ir_binary(EX_DIV, mul(neg(seed), e->a), ir_binary(EX_MUL, e->b, e->b, e->ty, e->loc),
                                 seed->ty, e->loc), out);
    return;
  case EX_COND: {
    Stmt *s = ir_new_stmt(ST_IF, e->loc);
    s->e = e->a;
    s->body = ir_block(e->loc);
    s->els = ir_block(e->loc);
    propagate(g, e->b, seed, s->body);
    propagate(g, e->c, seed, s->els);
    put(out, s);
    return;
  }
  case EX_CALL:
    if (e->rule) {
      const Rule *r = e->rule;
      if (e->nargs != r->nargs) {
        diag_error(e->loc, "'%s' called with %d arguments", e->text, e->nargs);
        return;
      }
      if (r->nargs == 1 && !strncmp(r->name, "tanh", 4) && !ir_has_side_effects(e->args[0])) {
        /* tanh inside an expression: its value once, the derivative
         * (1 - t)(1 + t) from it, rather than two calls of cosh */
        Expr *t = ir_var(local(g, out, "r", e->ty, e), e->loc);
        propagate(g, e->args[0], mul(seed, rule_expr(r, rule_by_value(r), &t, same, e->ty, e->loc)), out);
        return;
      }
      for (int i = 0; i < r->nargs; i++) {
        if (!r->d[i]) {
          if (act_expr_active(e->args[i]))
            diag_error(e->args[i]->loc, "argument %d of '%s' carries no derivative", i + 1, e->text);
          continue;
        }
        propagate(g, e->args[i], mul(seed, rule_expr(r, r->d[i], e->args, same, e->ty, e->loc)), out);
      }
      return;
    }
    if (!e->callee_known)
      diag_error(e->loc, "cannot differentiate a call through a function pointer with "
                 "active arguments: gradc must see the callee");
    else
      diag_error(e->loc, "cannot differentiate '%s': no definition in this file and no "
                 "derivative rule", e->text);
    return;
  default:
    diag_error(e->loc, "cannot differentiate this operator on floating values");
    return;
  }
}


/* ---- statements ----------------------------------------------------------- */

static void gen_block(Gen *g, Stmt *s, Stmt *F, Stmt *R);
static void gen_stmt(Gen *g, Stmt *s, Stmt *F, Stmt *R);

static bool touched(Gen *g, Var *v) { return vec_has(&g->touched, v); }

static void touch_expr(Gen *g, Expr *e) {
  if (!e) return;
  if (e->kind == EX_VAR) {
    if (!touched(g, e->var)) vec_push(&g->touched, e->var);
    return;
  }
  touch_expr(g, e->a), touch_expr(g, e->b), touch_expr(g, e->c);
  for (int i = 0; i < e->nargs; i++) touch_expr(g, e->args[i]);
}

/* Whether the value that s overwrites in lhs must be saved: the reverse
 * sweep reads the variable, and s is not its first value. A statement at
 * the top level of the function (outside loops and branches) that is the
 * first to touch a local or an out array overwrites nothing that was ever
 * read: fresh buffers are not taped. */
static bool needs_save(Gen *g, Stmt *s, Expr *lhs) {
  Var *v = ir_base_var(lhs);
  if (!v || !v->rev_read || s->init_of_decl) return false;
  if (g->joint && v->recomp && act_inside(s, v->recomp)) return recompute_save(lhs, s);   /* computed again */
  if (!act_needs_save_lv(lhs, s)) return false;
  if (g->joint && (act_fresh_fill(g->fn, s) || act_loop_reset(s))) return false;
  if (g->nest == 0 && g->joint && !touched(g, v) && v->kind != VAR_GLOBAL &&
      (v->kind != VAR_PARAM || (v->is_out && !v->is_wrt && ty_is_ptr(v->ty)))) {
    Expr *rhs = s->e->kind == EX_ASSIGN ? s->e->b : s->e;
    if (!ir_expr_mentions(rhs, v)) return false;
  }
  return true;
}

/* base.field, written base->field when base is *p. */
static Expr *member_of(Expr *base, Field *f) {
  Expr *m = ir_new_expr(EX_MEMBER, f->ty, base->loc);
  m->text = f->name;
  m->arrow = base->kind == EX_DEREF;
  m->a = m->arrow ? base->a : base;
  return m;
}

/* dst_bar.path += src_bar.path for each floating member of t, recursively
 * through nested structs and fixed-size arrays. */
static void accumulate(Gen *g, Type *t, Expr *dst, Expr *src, Stmt *out, Loc loc) {
  if (ty_is_float(t)) {
    put(out, assign_op(EX_ADD, dst, src));
  } else if (t->kind == TY_STRUCT) {
    for (int i = 0; i < t->nfields; i++)
      if (ty_has_float(t->fields[i].ty))
        accumulate(g, t->fields[i].ty, member_of(dst, &t->fields[i]), member_of(src, &t->fields[i]), out, loc);
  } else if (t->kind == TY_ARRAY && t->len >= 0) {
    Var *k;
    Stmt *l = count_loop(g, ty_int(), ir_num(format("%ld", t->len), ty_int(), loc), &k, loc);
    accumulate(g, t->base, ir_binary(EX_INDEX, dst, ir_var(k, loc), t->base, loc),
               ir_binary(EX_INDEX, src, ir_var(k, loc), t->base, loc), l->body, loc);
    put(out, l);
  } else {
    diag_error(loc, "cannot differentiate a copy of this aggregate (a union or an array of "
               "unknown length); assign its elements");
  }
}

/* lhs = rhs for structs (and arrays inside structs): the adjoint moves
 * member by member. */

static void aggregate_copy(Gen *g, Stmt *s, Expr *lhs, Expr *rhs, Stmt *R) {
  if (rev_par_refuses(g, s->loc, "a copy of a whole struct")) return;
  Expr *sh = adj(g, lhs);
  if (act_expr_active(rhs)) {
    if (!ir_is_lvalue(rhs)) {
      diag_error(rhs->loc, "cannot differentiate this struct value; assign its members");
      return;
    }
    if (ir_base_var(rhs) == ir_base_var(lhs)) {
      diag_error(s->loc, "cannot differentiate a struct copy within one variable; copy through a temporary");
      return;
    }
    accumulate(g, lhs->ty, adj(g, rhs), sh, R, s->loc);
  }
  if (!s->init_of_decl || g->loop_depth)
    put(R, ir_expr_stmt(rt_call("memset", void_ptr(), s->loc, 3, addr_of(sh), ir_num("0", ty_int(), s->loc), size_of(sh)),
                        s->loc));
}


/* ---- pointer variables in split mode ---------------------------------------
 *
 * A split pair's forward sweep has no adjoints, so it cannot keep a pointer
 * variable's shadow beside it as joint mode does. When every value of the
 * pointer p is made from one pointer parameter B (p = B + k, p = &B[k],
 * p++, p = 0), the reverse sweep derives the shadow from p's own value
 * whenever p changes there: p_bar = B_bar + (p - B). */

typedef struct Derive { Var *p, *base; bool ok; } Derive;

/* Whether e is made from one pointer variable (d->base, or p itself) by
 * + k, - k, &v[k], casts and ?:, or is a null pointer. */
static bool derivable_expr(Expr *e, Derive *d) {
  switch (e->kind) {
  case EX_NUM: return !strcmp(e->text, "0");
  case EX_CAST: return derivable_expr(e->a, d);
  case EX_COND: return derivable_expr(e->b, d) && derivable_expr(e->c, d);
  case EX_ADD: case EX_SUB:
    if (ty_is_ptr(e->a->ty)) return derivable_expr(e->a, d);
    return e->kind == EX_ADD && derivable_expr(e->b, d);
  case EX_ADDR:
    return e->a->kind == EX_INDEX && ty_is_ptr(e->a->a->ty) && derivable_expr(e->a->a, d);
  case EX_VAR:
    if (e->var == d->p) return true;
    if (e->var->kind != VAR_PARAM || !ty_is_ptr(e->var->ty) || (d->base && d->base != e->var)) return false;
    d->base = e->var;
    return true;
  default:
    return false;
  }
}

static bool derive_step(Expr *e, void *ud) {
  Derive *d = ud;
  if (e->kind == EX_ASSIGN && e->a->kind == EX_VAR && e->a->var == d->p && !derivable_expr(e->b, d)) d->ok = false;
  return false;   /* visit every expression */
}

/* The parameter that p's shadow is derived from, or NULL. */
static Var *derived_base(Gen *g, Expr *lhs) {
  if (lhs->kind != EX_VAR || lhs->var->kind == VAR_PARAM || lhs->var->addr_taken || !ty_is_ptr(lhs->ty)) return NULL;
  Derive d = {.p = lhs->var, .ok = true};
  ir_stmt_any(g->fn->body, derive_step, &d);
  if (!d.ok || !d.base || (!d.base->is_wrt && !d.base->is_out)) return NULL;
  Type *a = lhs->ty->base, *b = d.base->ty->base;
  if (a->kind != b->kind || (a->spell && b->spell && strcmp(a->spell, b->spell))) return NULL;
  return d.base;
}



/* The adjoint of a pointer variable p made from the parameter base, from
 * p's value: p_bar = p ? base_bar + (p - base) : NULL */
static Stmt *derive_stmt(Gen *g, Expr *lhs, Var *base) {
  Expr *b = ir_var(base, lhs->loc), *bb = ir_var(bar_var(g, base), lhs->loc);
  Expr *off = ir_binary(EX_SUB, lhs, b, ty_int(), lhs->loc);
  Expr *p = adj_ptr(g, lhs);
  return ir_assign(p, ir_cond(lhs, ir_binary(EX_ADD, bb, off, bb->ty, lhs->loc), ir_num("NULL", p->ty, lhs->loc),
                              p->ty), lhs->loc);
}


/* v - k for the step v = v + k taken back (v + k for v = v - k) */
static Expr *step_back(Expr *rhs, Expr *v) {
  return ir_binary(rhs->kind == EX_ADD ? EX_SUB : EX_ADD, v, rhs->b, v->ty, v->loc);
}

/* lhs = rhs, rhs no call of the file's functions and no allocation: the
 * forward sweep's statements into F, the reverse sweep's into R. */
static void assign_ir(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Expr *lhs = s->e->a, *rhs = s->e->b;
  Var *base = ir_base_var(lhs);
  Loc loc = s->loc;
  bool act = act_expr_active(lhs);
  if (act && base && base->kind == VAR_GLOBAL && act_expr_active(rhs)) {
    diag_error(loc, "cannot differentiate a write of an active value to the global '%s': "
               "global state stops gradients (pass it as a parameter)", base->name);
    return;
  }
  bool save = needs_save(g, s, lhs);
  bool ptr = ty_is_ptr(lhs->ty) && act;
  if (act && !ptr && lhs->kind != EX_VAR && base && base->input_mem && ty_is_float(lhs->ty)) {
    /* an element of a wrt array is overwritten: its adjoint restarts at 0,
     * and the caller's accumulated value comes back at the end */
    if (!g->joint || !g->sp->top) {
      diag_error(loc, "gradc cannot yet overwrite an element of the wrt array '%s' here "
                 "(in '%s', which keeps a separate forward and reverse sweep: %s): copy it to a "
                 "local array first", base->name, g->fn->name, split_why(g));
      return;
    }
    if (rev_par_refuses(g, loc, "an overwrite of an element of a wrt array")) return;
    Expr *stash = addr_of(named("_stash", ty_named("gradc_tape"), loc));
    put(F, ir_expr_stmt(rt_call(lhs->ty->kind == TY_FLOAT ? "gradc_stash_f" : "gradc_stash_d", ty_new(TY_VOID, "void"),
                                loc, 2, stash, addr_of(adj(g, lhs)), NULL), loc));
    g->records++;
    g->used_stash = true;
  }
  /* p = p + k, i = i - k (k fixed): the reverse sweep takes the step back
   * instead of taping the old value; exact for integers and pointers */
  bool inv = save && lhs->kind == EX_VAR && lhs->var->kind != VAR_GLOBAL &&
             (lhs->ty->kind == TY_PTR || (ty_is_int(lhs->ty) && !strstr(lhs->ty->spell ? lhs->ty->spell : "", "ool"))) &&
             (rhs->kind == EX_ADD || rhs->kind == EX_SUB) && ir_same_expr(rhs->a, lhs) && ty_is_int(rhs->b->ty) &&
             !ir_has_side_effects(rhs->b) && act_reads_only_fixed(rhs->b);
  if (save && !inv && g->joint && base && base->recomp && act_inside(s, base->recomp))
    bug("a value computed again in reverse is taped");
  int blk = save && !inv ? vec_index(&g->block_saves, s) : -1;
  if (blk >= 0) {   /* taped before the loop */
    if (!g->block_views.data[blk]) {
      Type *c = arena_alloc(sizeof *c);
      *c = *ty_unconst(lhs->ty);
      c->is_const = true;
      g->block_views.data[blk] = ir_new_var(NULL, format("_old%d", g->fn->ntemps++), ty_ptr_to(c), VAR_TEMP, loc);
    }
  } else if (save && !inv) {
    Stmt *p = push_stmt(g, lhs);
    if (p) put(F, p);
  }
  Var *from = ptr && !g->joint ? derived_base(g, lhs) : NULL;
  if (save && ptr && !inv && !from) {
    if (!g->joint) {
      diag_error(loc, "gradc does not yet follow pointer variables that carry derivatives "
                 "and change in '%s', which keeps a separate forward and reverse sweep (%s), "
                 "unless every value they take is made from one pointer parameter",
                 g->fn->name, split_why(g));
      return;
    }
    put(F, push_stmt(g, adj_ptr(g, lhs)));
  }
  put(F, ir_expr_stmt(s->e, loc));   /* the statement itself */
  if (ptr && from) {
    /* split mode: the reverse sweep derives the shadow from the value */
    if (save && inv) put(R, ir_assign(lhs, step_back(rhs, lhs), loc));
    else if (save) restore_into(g, R, lhs);
    if (save) put(R, derive_stmt(g, lhs, from));
    return;
  }
  if (ptr) {
    if (!g->joint) {
      if (lhs->kind == EX_VAR && lhs->var->kind != VAR_PARAM) {
        diag_error(loc, "gradc does not yet follow pointer variables that carry derivatives "
                   "in '%s', which keeps a separate forward and reverse sweep (%s); pass the "
                   "buffer as a parameter", g->fn->name, split_why(g));
      }
      return;
    }
    if (!ir_alloc_call(rhs)) put(F, ir_assign(adj_ptr(g, lhs), adj_ptr(g, rhs), loc));
    if (save && inv) {
      put(R, ir_assign(adj_ptr(g, lhs), step_back(rhs, adj_ptr(g, lhs)), loc));
      put(R, ir_assign(lhs, step_back(rhs, lhs), loc));
    } else if (save) {
      put(R, pop_stmt(g, adj_ptr(g, lhs)));
      restore_into(g, R, lhs);
    }
    return;
  }
  Expr *u;
  const char *formula;
  const Rule *rule;
  Stmt *first = act ? act_sincos_first(s) : NULL;
  bool by_value = act && (first || act_sincos_second(s) || act_by_value(s, &u, &formula, &rule));
  if (save && inv) put(R, ir_assign(lhs, step_back(rhs, lhs), loc));
  else if (save && !by_value) restore_stmt_into(g, s, R, lhs);
  if (!act) return;
  Expr *sh = adj(g, lhs);
  Expr *zero = ir_num("0", sh->ty, loc);
  if (by_value) {
    /* y = f(u): u_bar += y_bar * f'(u) written with y, which holds the value
     * s gave it until the restore below. In a pair c = cos(u); s = sin(u),
     * the second adds both derivatives (c_bar is complete there: nothing
     * between reads c) and the first none. */
    Expr *y = lhs;
    Type *ty = ty_unconst(lhs->ty);
    if (first) {
      Expr *fl = first->e->a, *arg = rhs->args[0];
      bool sin2 = rhs->rule->name[0] == 's';
      Expr *s1 = adj(g, fl);
      propagate(g, arg, mul(sin2 ? sh : neg(sh), fl), R);
      propagate(g, arg, mul(sin2 ? neg(s1) : s1, y), R);
    } else if (!act_sincos_second(s) && lhs->kind != EX_VAR) {
      /* y an element of memory that u may also reach (p[i] = exp(q[i]), q
       * and p one block): its adjoint taken before u's grows */
      Var *t = local(g, R, "r", ty, sh);
      put(R, ir_assign(sh, zero, loc));
      propagate(g, u, mul(ir_var(t, loc), rule_expr(rule, formula, &y, same, ty, loc)), R);
      if (save) restore_stmt_into(g, s, R, lhs);
      return;
    } else if (!act_sincos_second(s)) {
      propagate(g, u, mul(sh, rule_expr(rule, formula, &y, same, ty, loc)), R);
    }
    if (!s->init_of_decl || g->loop_depth) put(R, ir_assign(sh, zero, loc));
    if (save) restore_stmt_into(g, s, R, lhs);
    return;
  }
  if (lhs->ty->kind == TY_STRUCT || lhs->ty->kind == TY_ARRAY) {
    aggregate_copy(g, s, lhs, rhs, R);
    return;
  }
  Var *lb = base;
  /* does rhs read lhs's variable? then the seed needs a copy */
  bool self = lb && ir_expr_mentions(rhs, lb);
  /* out[i] = a[i] - m with out and a the same array (a helper's input and
   * output, inlined): memory read by rhs may be lhs under another name, so
   * lhs's adjoint is taken and cleared before it flows to rhs */
  if (!self && ir_reads_memory(rhs) && (lhs->kind != EX_VAR || lhs->var->addr_taken || lhs->var->kind == VAR_GLOBAL)) self = true;
  if (!act_expr_active(rhs)) {
    if (!s->init_of_decl || g->loop_depth) put(R, ir_assign(sh, zero, loc));
  } else if (self && (rhs->kind == EX_ADD || rhs->kind == EX_SUB) && ir_same_expr(rhs->a, lhs) &&
             !ir_expr_mentions(rhs->b, lb)) {
    /* lhs = lhs + e: lhs's adjoint passes through unchanged; e gets it */
    propagate(g, rhs->b, rhs->kind == EX_ADD ? sh : neg(sh), R);
  } else if (self) {
    /* { T _r = lhs_bar; lhs_bar = 0; rhs gets _r } */
    Stmt *b = ir_block(loc);
    Var *d = local(g, b, "r", lhs->ty, sh);
    put(b, ir_assign(sh, zero, loc));
    propagate(g, rhs, ir_var(d, loc), b);
    put(R, b);
  } else {
    propagate(g, rhs, sh, R);
    if (!s->init_of_decl || g->loop_depth) put(R, ir_assign(sh, zero, loc));
  }
}

static void gen_assign(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Expr *lhs = s->e->a, *rhs = s->e->b;
  if (rhs->kind == EX_CALL && rhs->callee) {
    rev_gen_call(g, s, lhs, rhs, F, R);
    return;
  }
  if (act_expr_active(lhs) && ir_alloc_call(rhs)) {
    rev_gen_alloc(g, s, lhs, rhs, F, R);
    return;
  }
  if (ir_memalign_target(rhs)) {   /* r = posix_memalign(&p, ...): r is an int */
    rev_gen_alloc(g, s, ir_var(ir_memalign_target(rhs), s->loc), rhs, F, R);
    return;
  }
  assign_ir(g, s, F, R);
}

/* What a libm call with an out-parameter writes, frexp(x, &e): e (or *p for
 * frexp(x, p)). Saved, like an assigned variable, when the reverse sweep reads
 * it; restored after the statement's adjoint code, which may evaluate the
 * call again (its partials read only x). Returns the values to restore. */
static Vec save_rule_outs(Gen *g, Stmt *s, Stmt *F) {
  Vec args = {0}, saved = {0};
  rule_out_args(s->e->kind == EX_ASSIGN ? s->e->b : s->e, &args);
  for (int i = 0; i < args.len; i++) {
    Expr *a = args.data[i], *lv = a->kind == EX_ADDR ? a->a : NULL;
    if (!lv) {
      lv = ir_new_expr(EX_DEREF, a->ty->base, a->loc);
      lv->a = a;
    }
    /* not needs_save(): s may be the first value of its lhs, not of e */
    Var *v = ir_base_var(lv);
    if (lv->ty->kind == TY_VOID || !v || !v->rev_read || !act_needs_save(v, s)) continue;
    push(g, F, lv);
    vec_push(&saved, lv);
  }
  return saved;
}

static void gen_expr_stmt_(Gen *g, Stmt *s, Stmt *F, Stmt *R);

/* An expression statement; the values its libm out-parameters overwrote are
 * restored after its reverse code (R holds this statement's alone). */
static void gen_expr_stmt(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Vec outs = save_rule_outs(g, s, F);
  gen_expr_stmt_(g, s, F, R);
  for (int i = outs.len - 1; i >= 0; i--) restore_into(g, R, outs.data[i]);
}

static void gen_expr_stmt_(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Expr *e = s->e;
  if (e->kind == EX_ASSIGN) {
    gen_assign(g, s, F, R);
    return;
  }
  if (e->kind == EX_CALL && e->callee) {
    rev_gen_call(g, s, NULL, e, F, R);
    return;
  }
  if (ir_mem_call(e)) {
    rev_gen_mem_call(g, s, e, F, R);
    return;
  }
  if (ir_memalign_target(e)) {
    rev_gen_alloc(g, s, ir_var(ir_memalign_target(e), s->loc), e, F, R);
    return;
  }
  if (ir_free_call(e)) {
    Var *v = ir_base_var(e->args[0]);
    if (v && (v->active || v->rev_read || v->rev_alive) && g->joint) {
      /* the reverse sweep still reads the buffer: free it at the end */
      put(F, ir_expr_stmt(rt_call("gradc_push_p", ty_new(TY_VOID, "void"), e->loc, 2, g->frees, e->args[0], NULL),
                          e->loc));
      g->records++;
      g->used_frees = true;
      return;
    }
  }
  if (e->kind == EX_CALL) {
    for (int i = 0; i < e->nargs; i++)
      if (act_expr_active(e->args[i]) && ty_is_ptr(e->args[i]->ty) && !e->args[i]->ty->base->is_const) {
        diag_error(e->loc, "cannot differentiate '%s': it may write to memory that carries "
                   "derivatives, and gradc has no definition or rule for it", e->text);
        return;
      }
  }
  put(F, ir_expr_stmt(e, s->loc));
}

/* Where a branch or a loop count is recorded: a local when the statement
 * runs at most once (joint mode, outside loops), else the tape. */
static Var *record(Gen *g, const char *base, Type *t, Loc loc) {
  Var *v = ir_new_var(NULL, format("_%s%d", base, g->fn->ntemps++), t, VAR_TEMP, loc);
  rev_declare(g, v, ir_num("0", t, loc));
  return v;
}

void rev_declare(Gen *g, Var *v, Expr *init) {
  Stmt *d = ir_new_stmt(ST_DECL, v->loc);
  d->var = v, d->e = init;
  vec_push(&g->recs, d);
}

/* The reverse of a branch runs the reverse of the side taken, which the
 * forward sweep records (in a local, or on the tape) when either side has
 * reverse code. */
static void gen_if(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Loc loc = s->loc;
  Stmt *tf = ir_block(loc), *tr = ir_block(loc), *ef = ir_block(loc), *er = ir_block(loc);
  gen_block(g, s->body, tf, tr);
  if (s->els) gen_block(g, s->els, ef, er);
  bool need = tr->kids.len || er->kids.len;
  bool local = g->joint && g->loop_depth == 0;
  Var *rec = need && local ? record(g, "b", ty_int(), loc) : NULL;
  if (need) g->records++;
  if (need && rec) {
    put(tf, ir_assign(ir_var(rec, loc), ir_num("1", ty_int(), loc), loc));
  } else if (need) {
    Type *v = ty_new(TY_VOID, "void");
    put(tf, ir_expr_stmt(rt_call("gradc_push_i", v, loc, 2, g->tape, ir_num("1", ty_int(), loc), NULL), loc));
    put(ef, ir_expr_stmt(rt_call("gradc_push_i", v, loc, 2, g->tape, ir_num("0", ty_int(), loc), NULL), loc));
    g->used_tape = true;
  }
  Stmt *fi = ir_new_stmt(ST_IF, loc);
  fi->e = s->e, fi->body = tf, fi->els = s->els || need ? ef : NULL;
  put(F, fi);
  if (!need) return;
  Stmt *ri = ir_new_stmt(ST_IF, loc);
  ri->e = rec ? ir_var(rec, loc) : rt_call("gradc_pop_i", ty_int(), loc, 1, g->tape, NULL, NULL);
  ri->body = tr, ri->els = er->kids.len ? er : NULL;
  put(R, ri);
}

/* ---- for the other parts of reverse mode (rev.h) -------------------------- */

const char *rev_bar_name(Gen *g, Var *v) { return bar_name(g, v); }
bool rev_caller_block(Expr *p) { return caller_block(p); }
bool rev_needs_save(Gen *g, Stmt *s, Expr *lhs) { return needs_save(g, s, lhs); }
void rev_push(Gen *g, Stmt *out, Expr *lv) { push(g, out, lv); }
const char *rev_split_why(Gen *g) { return split_why(g); }
void rev_accumulate_members(Gen *g, Type *t, Expr *dst, Expr *src, Stmt *out, Loc loc) {
  accumulate(g, t, dst, src, out, loc);
}
Var *rev_derived_base(Gen *g, Expr *lhs) { return derived_base(g, lhs); }
void rev_derive_shadow(Gen *g, Stmt *R, Expr *lhs, Var *base) { put(R, derive_stmt(g, lhs, base)); }
Expr *rev_adj(Gen *g, Expr *e) { return adj(g, e); }
void rev_put(Stmt *out, Stmt *s) { put(out, s); }
void rev_put_all(Stmt *out, Stmt *blk) {
  for (int i = 0; i < blk->kids.len; i++) put(out, blk->kids.data[i]);
}
Stmt *rev_add_to(Expr *lv, Expr *v) { return assign_op(EX_ADD, lv, v); }
Stmt *rev_update(ExprKind op, Expr *lv, Expr *v) { return assign_op(op, lv, v); }
Stmt *rev_count_loop(Gen *g, Type *t, Expr *n, Var **k, Loc loc) { return count_loop(g, t, n, k, loc); }
void rev_print(Buf *b, Stmt *blk, int ind) { print_block(b, blk, ind); }
Expr *rev_call(const char *name, Type *ty, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2) {
  return rt_call(name, ty, loc, n, a0, a1, a2);
}
Stmt *rev_call_stmt(const char *name, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2) {
  return ir_expr_stmt(rt_call(name, ty_new(TY_VOID, "void"), loc, n, a0, a1, a2), loc);
}
Expr *rev_addr(Expr *lv) { return addr_of(lv); }
Expr *rev_size_of(Expr *e) { return size_of(e); }
Expr *rev_named(const char *name, Type *t, Loc loc) { return named(name, t, loc); }
Var *rev_local(Gen *g, Stmt *out, const char *base, Type *t, Expr *init) { return local(g, out, base, t, init); }
Stmt *rev_push_stmt(Gen *g, Expr *lv) { return push_stmt(g, lv); }
Stmt *rev_pop_stmt(Gen *g, Expr *lv) { return pop_stmt(g, lv); }
void rev_restore_into(Gen *g, Stmt *out, Expr *lv) { restore_into(g, out, lv); }
Expr *rev_redo(Gen *g, Loc loc) { return redo_log(g, loc); }
Type *rev_void_ptr(void) { return void_ptr(); }
Expr *rev_adj_ptr(Gen *g, Expr *e) { return adj_ptr(g, e); }
Var *rev_record(Gen *g, const char *base, Type *t, Loc loc) { return record(g, base, t, loc); }
void rev_gen_stmt(Gen *g, Stmt *s, Stmt *F, Stmt *R) { gen_stmt(g, s, F, R); }
void rev_gen_block(Gen *g, Stmt *s, Stmt *F, Stmt *R) { gen_block(g, s, F, R); }

static void touch_stmt(Gen *g, Stmt *s) {
  if (!s) return;
  touch_expr(g, s->e), touch_expr(g, s->inc);
  for (int i = 0; i < s->kids.len; i++) touch_stmt(g, s->kids.data[i]);
  touch_stmt(g, s->init), touch_stmt(g, s->body), touch_stmt(g, s->els);
}

static void gen_stmt(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  switch (s->kind) {
  case ST_NOP: return;
  case ST_BLOCK: gen_block(g, s, F, R); return;
  case ST_EXPR:
    gen_expr_stmt(g, s, F, R);
    if (g->nest == 0) touch_stmt(g, s);
    return;
  case ST_IF:
    g->nest++;
    gen_if(g, s, F, R);
    g->nest--;
    if (g->nest == 0) touch_stmt(g, s);
    return;
  case ST_WHILE: case ST_DO: case ST_FOR:
    g->nest++;
    rev_gen_loop(g, s, F, R);
    g->nest--;
    if (g->nest == 0) touch_stmt(g, s);
    return;
  case ST_DECL:
    if (s->var->is_static && ty_has_float(s->var->ty) && s->var->active)
      diag_error(s->loc, "cannot differentiate through the static variable '%s': "
                 "state kept between calls stops gradients", s->var->name);
    return;
  default:
    bug("statement kind left by lowering");
  }
}

/* Forward code in order, reverse code in reverse order. In the body of a
 * loop whose reverse sweep computes values again (activity.c), the forward
 * code of the statements that compute them is kept in g->again as well. */
static void gen_block(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  if (s->kind != ST_BLOCK) {
    gen_stmt(g, s, F, R);
    return;
  }
  int n = s->kids.len;
  Stmt **revs = calloc((size_t)n + 1, sizeof *revs);
  for (int i = 0; i < n; i++) {
    int at = F->kids.len, records = g->records;
    Stmt *k = s->kids.data[i];
    revs[i] = ir_block(k->loc);
    gen_stmt(g, k, F, revs[i]);
    bool again = false;
    for (int j = 0; g->again_loop && j < g->again_loop->recomp.len; j++) again |= g->again_loop->recomp.data[j] == k;
    if (!again) continue;
    if (g->records != records) bug("a statement computed again in reverse records on the tape");
    if (!g->again->kids.len) {
      put(g->again, ir_comment(k->loc, "this iteration's values, computed again instead of taped"));
    }
    for (int j = at; j < F->kids.len; j++) put(g->again, F->kids.data[j]);
  }
  for (int i = n - 1; i >= 0; i--)
    for (int j = 0; j < revs[i]->kids.len; j++) put(R, revs[i]->kids.data[j]);
  free(revs);
}
