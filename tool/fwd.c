/* fwd.c: forward (tangent) mode, IR in, IR out.
 *
 * Each active variable v gets a tangent v_dot, and each assignment of an
 * active value is preceded by the assignment of its tangent, computed from
 * the values before the statement:
 *
 *     y_dot = y_dot * x + y * x_dot;   (tangent first: it reads the old y)
 *     y = y * x;
 *
 * Control flow is the primal's, unchanged: forward mode needs no tape. The
 * result is a function of the IR (the tangent function), built from copies
 * of the primal's variables and statements; emit.c prints it. The
 * annotated function becomes f_jvp; functions it calls get g_jvp
 * companions, specialised on which arguments carry tangents, as in reverse
 * mode. A Hessian is the gradient of a tangent function (reverse over
 * forward, main.c): reverse mode differentiates this IR in memory.
 */
#include "tool.h"

#include <string.h>

typedef struct FSpec {
  Func *fn;
  unsigned long mask;    /* bit i: parameter i carries a tangent */
  bool top;
  bool hess;             /* the tangent function whose reverse sweep is a Hessian's
                            f_hvp: directions x_v, returns the tangent of the value
                            and stores the value through its last parameter */
  const char *name;      /* f_jvp, or g_jvp for a companion */
  Vec wrt, out;          /* Var * */
  Func *tf;              /* the tangent function (IR), once built */
  bool emitted;
} FSpec;

typedef struct FGen {
  Program *p;
  FSpec *sp;
  Func *fn;              /* the primal, lowered */
  Func *tf;              /* the tangent function being built: copies of fn's
                            variables (Var.copy), tangents (Var.dot) */
  int ntmp;
  bool in_par;           /* inside a parallel loop (one inside it runs serially) */
} FGen;

static Vec fspecs;

void fwd_reset(void) { fspecs = (Vec){0}; }

static bool is_tangent_param(Var *v) { return v->kind == VAR_PARAM && (v->is_wrt || v->is_out); }

/* ---- expressions ---------------------------------------------------------- */

static Loc nowhere;

static Expr *num(const char *text, Type *ty) { return ir_num(text, ty, nowhere); }
static Expr *bin(ExprKind k, Expr *a, Expr *b, Type *ty) { return ir_binary(k, a, b, ty, a->loc); }

static Type *void_ptr(void) { return ty_ptr_to(ty_new(TY_VOID, "void")); }

/* The copy of a variable of fn in the tangent function (globals are themselves). */
static Var *copy_of(Var *v) {
  if (v->kind == VAR_GLOBAL) return v;
  if (!v->copy) bug("a variable without its copy in the tangent function");
  return v->copy;
}

/* a copy of e, over the copies of its variables when map is set */
static Expr *dup(Expr *e, bool map) {
  if (!e) return NULL;
  Expr *c = arena_alloc(sizeof *c);
  *c = *e;
  c->act_gen = 0, c->act_val = false;
  if (e->kind == EX_VAR && map) c->var = copy_of(e->var);
  c->a = dup(e->a, map), c->b = dup(e->b, map), c->c = dup(e->c, map);
  if (e->nargs) {
    c->args = arena_alloc(sizeof(Expr *) * (size_t)(e->nargs + 1));
    for (int i = 0; i < e->nargs; i++) c->args[i] = dup(e->args[i], map);
  }
  return c;
}

/* e in the tangent function: the same expression over the copies */
static Expr *cp(Expr *e) { return dup(e, true); }

/* an argument of a rule's formula, already a copy: copied again per use */
static Expr *again(Expr *e) { return dup(e, false); }

/* a variable-length array's type over the copies: its lengths are expressions */
static Type *copy_type(Type *t) {
  if (!t || !(t->vla_len || (t->base && (t->kind == TY_ARRAY || t->kind == TY_PTR)))) return t;
  Type *base = copy_type(t->base);
  if (base == t->base && !t->vla_len) return t;
  Type *c = arena_alloc(sizeof *c);
  *c = *t;
  c->base = base;
  c->vla_len = cp(t->vla_len);
  return c;
}

static Var *new_copy(Var *v) {
  Var *c = arena_alloc(sizeof *c);
  *c = *v;
  /* what the analyses found of the primal is not known of the copy */
  c->varied = c->useful = c->active = c->written = c->addr_taken = c->rev_read = false;
  c->reads = c->mem_reads = c->own_reads = (Vec){0};
  c->recomp = NULL;
  c->rev_alive = c->input_mem = c->foreign = c->only_indexed = false;
  c->indexed_gen = 0;
  c->bar = c->bar_param = NULL;
  c->copy = c->dot = NULL;
  return c;
}

/* a name neither fn nor the tangent function uses */
static const char *fresh(FGen *g, const char *want) {
  const char *name = ir_unique_name(g->fn, want);
  while (strcmp(ir_unique_name(g->tf, name), name)) name = format("%s_", name);
  return name;
}

/* v's tangent, a variable of the tangent function */
static Var *dot_var(FGen *g, Var *v) {
  if (v->dot) return v->dot;
  const char *want = format("%s_dot", v->name);
  if (g->sp->hess && v->kind == VAR_PARAM && v->is_wrt) want = format("%s_v", v->name);
  const char *name = fresh(g, want);
  if (is_tangent_param(v)) {
    v->dot = ir_new_var(g->tf, name, v->ty, VAR_PARAM, v->loc);
  } else {
    v->dot = ir_new_var(g->tf, name, ty_unconst(copy_of(v)->ty), VAR_LOCAL, v->loc);
  }
  return v->dot;
}

static Expr *dot_expr(FGen *g, Var *v, Loc loc) { return ir_var(dot_var(g, v), loc); }

static Expr *tangent_lv(FGen *g, Expr *e);

/* The tangent of a pointer expression: w -> w_dot, p + k -> p_dot + k. */
static Expr *tangent_ptr(FGen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: return dot_expr(g, e->var, e->loc);
  case EX_NUM:   /* a null pointer (NULL, 0) has a null tangent */
    if (!strcmp(e->text, "0")) return num("NULL", e->ty);
    break;
  case EX_ADD: case EX_SUB:
    if (ty_is_ptr(e->a->ty)) return bin(e->kind, tangent_ptr(g, e->a), cp(e->b), e->ty);
    return bin(EX_ADD, cp(e->a), tangent_ptr(g, e->b), e->ty);
  case EX_ADDR: return ir_unary(EX_ADDR, tangent_lv(g, e->a), e->ty);
  case EX_CAST: return tangent_ptr(g, e->a);
  case EX_MEMBER: case EX_INDEX: return tangent_lv(g, e);
  case EX_COND:
    if (act_expr_active(e->b) && act_expr_active(e->c))
      return ir_cond(cp(e->a), tangent_ptr(g, e->b), tangent_ptr(g, e->c), e->ty);
    break;
  default:
    break;
  }
  diag_error(e->loc, "cannot find the tangent of this pointer expression (gradc follows "
             "pointers made from variables, &v, p + k and ?: between such pointers)");
  return num("0", e->ty);
}

/* The tangent of an active lvalue, as an lvalue. */
static Expr *tangent_lv(FGen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: return dot_expr(g, e->var, e->loc);
  case EX_INDEX: return bin(EX_INDEX, tangent_ptr(g, e->a), cp(e->b), e->ty);
  case EX_MEMBER: {
    Expr *m = ir_unary(EX_MEMBER, e->arrow ? tangent_ptr(g, e->a) : tangent_lv(g, e->a), e->ty);
    m->arrow = e->arrow, m->text = e->text;
    return m;
  }
  case EX_DEREF: return ir_unary(EX_DEREF, tangent_ptr(g, e->a), e->ty);
  default:
    diag_error(e->loc, "cannot find the tangent of this expression");
    return num("0", e->ty);
  }
}

static Expr *rule_tangent(FGen *g, Expr *e);

/* The tangent of e, or NULL when it is zero. Reads only values from before
 * the statement, so it is assigned before the primal assignment. */
static Expr *tangent(FGen *g, Expr *e) {
  if (!act_expr_active(e)) return NULL;
  switch (e->kind) {
  case EX_VAR: case EX_INDEX: case EX_MEMBER: case EX_DEREF:
    return tangent_lv(g, e);
  case EX_ADD: case EX_SUB: {
    Expr *a = tangent(g, e->a), *b = tangent(g, e->b);
    if (!b) return a;
    if (!a) return e->kind == EX_ADD ? b : ir_unary(EX_NEG, b, e->ty);
    return bin(e->kind, a, b, e->ty);
  }
  case EX_NEG: {
    Expr *a = tangent(g, e->a);
    return a ? ir_unary(EX_NEG, a, e->ty) : NULL;
  }
  case EX_PLUS: return tangent(g, e->a);
  case EX_CAST: {
    Expr *a = tangent(g, e->a);
    return a && ty_is_float(e->ty) ? ir_unary(EX_CAST, a, e->ty) : NULL;
  }
  case EX_MUL: {
    Expr *a = tangent(g, e->a), *b = tangent(g, e->b);
    if (ir_same_expr(e->a, e->b)) return bin(EX_MUL, bin(EX_MUL, num("2", e->ty), cp(e->a), e->ty), a, e->ty);
    Expr *l = a ? ir_mul(a, cp(e->b), e->ty) : NULL;
    Expr *r = b ? ir_mul(cp(e->a), b, e->ty) : NULL;
    if (l && r) return bin(EX_ADD, l, r, e->ty);
    return l ? l : r;
  }
  case EX_DIV: {
    Expr *a = tangent(g, e->a), *b = tangent(g, e->b);
    if (!b) return bin(EX_DIV, a, cp(e->b), e->ty);
    /* a' / b - a b' / (b b) */
    Expr *r = bin(EX_DIV, ir_mul(cp(e->a), b, e->ty), bin(EX_MUL, cp(e->b), cp(e->b), e->ty), e->ty);
    return a ? bin(EX_SUB, bin(EX_DIV, a, cp(e->b), e->ty), r, e->ty) : ir_unary(EX_NEG, r, e->ty);
  }
  case EX_COND: {
    Expr *b = tangent(g, e->b), *c = tangent(g, e->c);
    return ir_cond(cp(e->a), b ? b : num("0", e->ty), c ? c : num("0", e->ty), e->ty);
  }
  case EX_CALL:
    if (e->rule) return rule_tangent(g, e);
    if (!e->callee_known)
      diag_error(e->loc, "cannot differentiate a call through a function pointer with "
                 "active arguments: gradc must see the callee");
    else
      diag_error(e->loc, "cannot differentiate '%s': no definition in this file and no "
                 "derivative rule", e->text);
    return NULL;
  default:
    diag_error(e->loc, "cannot differentiate this operator on floating values");
    return NULL;
  }
}

/* ---- rules (rules.h, made IR by rules.c's rule_expr) ----------------------- */

static Expr *rule_tangent(FGen *g, Expr *e) {
  const Rule *r = e->rule;
  if (e->nargs != r->nargs) {
    diag_error(e->loc, "'%s' called with %d arguments", e->text, e->nargs);
    return NULL;
  }
  Expr *args[RULE_MAX_ARGS];
  for (int i = 0; i < r->nargs; i++) args[i] = cp(e->args[i]);
  Expr *sum = NULL;
  for (int i = 0; i < r->nargs; i++) {
    Expr *t = tangent(g, e->args[i]);
    if (!t) continue;
    if (!r->d[i]) {
      diag_error(e->args[i]->loc, "argument %d of '%s' carries no derivative", i + 1, e->text);
      continue;
    }
    Expr *term = ir_mul(rule_expr(r, r->d[i], args, again, e->ty, e->loc), t, e->ty);
    sum = sum ? bin(EX_ADD, sum, term, e->ty) : term;
  }
  return sum;
}

/* ---- statements ----------------------------------------------------------- */

static void gen_block(FGen *g, Stmt *s, Stmt *out);
static FSpec *spec_for(FGen *g, Expr *call);

static void put(Stmt *out, Stmt *s) { vec_push(&out->kids, s); }


/* the primal statement s itself, in the tangent function */
static void put_primal(Stmt *out, Stmt *s) {
  Stmt *c = ir_expr_stmt(cp(s->e), s->loc);
  c->init_of_decl = s->init_of_decl;
  put(out, c);
}

static Expr *zero(Type *t) { return num("0", t); }

/* v = g(args) or g(args) for a function of this file with active arguments:
 * v = g_jvp(args with tangents, &v_dot). */
static void gen_call(FGen *g, Stmt *s, Expr *lhs, Expr *c, Stmt *out) {
  bool act = lhs && act_expr_active(lhs);
  for (int i = 0; i < c->nargs; i++) act |= act_expr_active(c->args[i]);
  if (!act) {
    put_primal(out, s);
    return;
  }
  if (ty_has_float(c->callee->ret) && !ty_is_float(c->callee->ret)) {
    diag_error(c->loc, "cannot differentiate a call of '%s': it returns a struct or pointer "
               "that carries derivatives", c->text);
    return;
  }
  const char *name;
  Func *callee;
  unsigned long mask = 0;
  if (c->callee->custom_jvp) {
    /* the user's g_jvp: a tangent after every floating parameter */
    name = c->callee->custom_jvp;
    callee = ir_find_func(g->p, name);
    /* a static one gets its copy where a call of it is printed (emit.c); a
     * Hessian's reverse sweep may inline it instead */
    if (!callee || !callee->is_static) rev_use_custom(g->p, c->callee, name, c->loc);
    for (int i = 0; i < c->nargs && i < c->callee->params.len; i++)
      if (i < 64 && ty_has_float(((Var *)c->callee->params.data[i])->ty)) mask |= 1ul << i;
  } else if (!c->callee->has_body && c->callee->across) {
    diag_error(c->loc, "cannot differentiate '%s' in forward mode: '%s' is defined in another "
               "file, and gradc calls across files in reverse mode (GRADC_GRAD) only; define it in "
               "this file or in a header it includes", c->text, c->callee->name);
    return;
  } else if (!c->callee->has_body) {
    diag_error(c->loc, "cannot differentiate '%s' in forward mode: it has a custom reverse "
               "derivative only; add GRADC_CUSTOM_JVP", c->text);
    return;
  } else {
    FSpec *sp = spec_for(g, c);
    if (!sp) return;
    name = sp->name, callee = sp->tf, mask = sp->mask;
  }
  Expr **args = arena_alloc(sizeof(Expr *) * (size_t)(2 * c->nargs + 1));   /* each, its tangent, &ret_dot */
  int n = 0;
  for (int i = 0; i < c->nargs; i++) {
    Expr *x = c->args[i];
    args[n++] = cp(x);
    if (bit(mask, i)) {
      Expr *t = !act_expr_active(x) ? NULL : ty_is_ptr(x->ty) ? tangent_ptr(g, x) : tangent(g, x);
      args[n++] = t ? t : ty_is_ptr(x->ty) ? num("NULL", x->ty) : zero(x->ty);
    }
  }
  if (ty_is_float(c->callee->ret)) {
    Expr *rd;
    if (lhs && act_expr_active(lhs)) rd = tangent_lv(g, lhs);
    else rd = ir_var(ir_new_var(g->tf, fresh(g, format("_z%d", g->ntmp++)), c->callee->ret,
                                VAR_LOCAL, c->loc), c->loc);
    args[n++] = ir_unary(EX_ADDR, rd, ty_ptr_to(c->callee->ret));
  }
  Expr *k = ir_call(name, c->ty, c->loc, args, n);
  k->callee = callee;
  put(out, lhs ? ir_assign(cp(lhs), k, s->loc) : ir_expr_stmt(k, s->loc));
}

static Expr *calloc_of(Expr *count, Expr *size) {
  Expr *a[2] = {count, size};
  return ir_call("calloc", void_ptr(), size->loc, a, 2);
}

/* ---- calls computed once ------------------------------------------------- */

/* The slots of the libm calls that e evaluates whenever it runs (not those
 * in an arm of ?:, or right of && and ||), outermost first. */
static void call_slots(Expr **slot, Vec *out) {
  Expr *e = *slot;
  if (!e) return;
  if (e->kind == EX_CALL && e->rule) vec_push(out, slot);
  if (e->kind == EX_COND || e->kind == EX_LAND || e->kind == EX_LOR) {
    call_slots(&e->a, out);
    return;
  }
  call_slots(&e->a, out), call_slots(&e->b, out), call_slots(&e->c, out);
  for (int i = 0; i < e->nargs; i++) call_slots(&e->args[i], out);
}

/* A tangent and its primal's right-hand side call the same libm function on
 * the same arguments (y = 1 / (1 + exp(-u)): exp(-u) three times; gcc keeps
 * each call, since it may set errno): each such call is computed once into
 * a temporary before both. Both read only the values from before the
 * statement, and the tangent's assignment changes none of them. */
static void share_calls(FGen *g, Stmt *out, Expr **tan, Expr **primal) {
  for (;;) {
    Vec slots = {0};
    call_slots(tan, &slots);
    call_slots(primal, &slots);
    int k = -1;
    for (int i = 0; i < slots.len && k < 0; i++)
      for (int j = i + 1; j < slots.len && k < 0; j++)
        if (ir_same_expr(*(Expr **)slots.data[i], *(Expr **)slots.data[j])) k = i;
    if (k < 0) return;
    Expr *c = *(Expr **)slots.data[k];
    Var *t = ir_new_var(g->tf, fresh(g, format("_c%d", g->ntmp++)), c->ty, VAR_LOCAL, c->loc);
    put(out, ir_assign(ir_var(t, c->loc), c, c->loc));
    for (int i = k; i < slots.len; i++) {
      Expr **s = slots.data[i];
      if (i == k || ir_same_expr(*s, c)) *s = ir_var(t, c->loc);
    }
  }
}

static bool addr_taken_var(Expr *e, void *ud) { (void)ud; return e->kind == EX_VAR && e->var->addr_taken; }

/* e reads only variables that no pointer reaches: a write to memory leaves
 * its value as it was */
static bool only_named(Expr *e) { return !ir_reads_memory(e) && !ir_expr_any(e, addr_taken_var, NULL); }

/* y = f(u) for f whose derivative its value gives (exp, tanh, sqrt...), y of
 * f's type: f' is read from y after the assignment, so writing y must leave
 * u's tangent, and y's place, as they were. y a variable that no pointer
 * reaches and u does not read; or y = v[i] with u and i reading only such
 * variables (v[i] = tanh(a), an activation stored) */
static bool by_value(Expr *lhs, Expr *rhs) {
  if (rhs->kind != EX_CALL || !rhs->rule || rhs->nargs != 1 || !rule_by_value(rhs->rule) ||
      lhs->ty->kind != rhs->ty->kind || !ty_is_float(lhs->ty))
    return false;
  if (lhs->kind == EX_VAR) return !lhs->var->addr_taken && !ir_expr_mentions(rhs, lhs->var);
  return lhs->kind == EX_INDEX && lhs->a->kind == EX_VAR && !lhs->a->var->addr_taken && only_named(lhs->b) &&
         !ir_has_side_effects(lhs->b) && only_named(rhs->args[0]) && !ir_expr_mentions(rhs, lhs->a->var);
}

static void gen_assign(FGen *g, Stmt *s, Stmt *out) {
  Expr *lhs = s->e->a, *rhs = s->e->b;
  if (ir_memalign_target(rhs)) {   /* r = posix_memalign(&p, ...) */
    put_primal(out, s);
    Var *v = ir_memalign_target(rhs);
    put(out, ir_assign(dot_expr(g, v, s->loc), calloc_of(num("1", ty_int()), cp(rhs->args[2])), s->loc));
    return;
  }
  if (rhs->kind == EX_CALL && rhs->callee) {
    gen_call(g, s, lhs, rhs, out);
    return;
  }
  Var *base = ir_base_var(lhs);
  bool act = act_expr_active(lhs);
  if (act && base && base->kind == VAR_GLOBAL && act_expr_active(rhs)) {
    diag_error(s->loc, "cannot differentiate a write of an active value to the global '%s': "
               "global state stops gradients (pass it as a parameter)", base->name);
    return;
  }
  if (act && ty_is_ptr(lhs->ty)) {
    put_primal(out, s);
    Expr *t = tangent_ptr(g, lhs), *r;
    if (ir_alloc_call(rhs)) {
      Expr *c = rhs->kind == EX_CAST ? rhs->a : rhs;
      if (!strcmp(c->text, "malloc")) r = calloc_of(num("1", ty_int()), cp(c->args[0]));
      else if (!strcmp(c->text, "calloc")) r = calloc_of(cp(c->args[0]), cp(c->args[1]));
      else if (act_expr_active(c->args[0])) {   /* realloc keeps the tangents of the kept elements */
        Expr *a[2] = {tangent_ptr(g, c->args[0]), cp(c->args[1])};
        r = ir_call("realloc", void_ptr(), c->loc, a, 2);
      } else {
        r = calloc_of(num("1", ty_int()), cp(c->args[1]));
      }
    } else {
      r = tangent_ptr(g, rhs);
    }
    put(out, ir_assign(t, r, s->loc));
    return;
  }
  if (act && (lhs->ty->kind == TY_STRUCT || lhs->ty->kind == TY_ARRAY)) {
    Expr *t = tangent_lv(g, lhs);
    if (act_expr_active(rhs) && ir_is_lvalue(rhs)) {
      put(out, ir_assign(t, tangent_lv(g, rhs), s->loc));
    } else if (act_expr_active(rhs)) {
      diag_error(rhs->loc, "cannot differentiate this struct value");
    } else {
      Expr *size = ir_new_expr(EX_SIZEOF, ty_int(), s->loc);
      size->a = t;
      Expr *a[3] = {ir_unary(EX_ADDR, t, ty_ptr_to(t->ty)), zero(ty_int()), size};
      put(out, ir_expr_stmt(ir_call("memset", void_ptr(), s->loc, a, 3), s->loc));
    }
  } else if (act && by_value(lhs, rhs)) {
    /* y = exp(u), tanh, sqrt...: y first, then y' = f'(y) u' from y's value
     * (rules.c's rule_by_value): one call of f instead of two */
    Expr *t = tangent(g, rhs->args[0]);
    put_primal(out, s);
    Expr *y[1] = {cp(lhs)};
    Expr *d = t ? ir_mul(rule_expr(rhs->rule, rule_by_value(rhs->rule), y, again, rhs->ty, rhs->loc), t, lhs->ty) : NULL;
    put(out, ir_assign(tangent_lv(g, lhs), d ? d : zero(lhs->ty), s->loc));
    return;
  } else if (act) {
    Expr *t = tangent(g, rhs), *lt = tangent_lv(g, lhs);
    if (t && ir_same_expr(t, lt)) t = NULL, lt = NULL;   /* s_dot = s_dot is no statement */
    else if (!t) t = zero(lhs->ty);
    Stmt *ps = ir_expr_stmt(cp(s->e), s->loc);
    ps->init_of_decl = s->init_of_decl;
    if (t) {
      Stmt *ts = ir_assign(lt, t, s->loc);
      share_calls(g, out, &ts->e->b, &ps->e->b);
      put(out, ts);
    }
    put(out, ps);
    return;
  }
  put_primal(out, s);
}

/* A parallel loop stays one: the tangents of its private variables are
 * private, those of its reduction variables are reduced with them. */
static Omp *tangent_omp(Omp *o) {
  Omp *c = arena_alloc(sizeof *c);
  c->loc = o->loc;
  Vec *from[4] = {&o->priv, &o->first, &o->red, &o->outer};
  Vec *to[4] = {&c->priv, &c->first, &c->red, &c->outer};
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < from[k]->len; i++) {
      Var *v = from[k]->data[i];
      vec_push(to[k], copy_of(v));
      if (v->dot) vec_push(to[k], v->dot);
    }
  return c;
}

static void gen_stmt(FGen *g, Stmt *s, Stmt *out) {
  switch (s->kind) {
  case ST_NOP: return;
  case ST_BLOCK: gen_block(g, s, out); return;
  case ST_EXPR: {
    Expr *e = s->e;
    if (e->kind == EX_ASSIGN) { gen_assign(g, s, out); return; }
    if (e->kind == EX_CALL && e->callee) { gen_call(g, s, NULL, e, out); return; }
    if (ir_memalign_target(e)) {
      put_primal(out, s);
      put(out, ir_assign(dot_expr(g, ir_memalign_target(e), s->loc),
                         calloc_of(num("1", ty_int()), cp(e->args[2])), s->loc));
      return;
    }
    if (ir_mem_call(e) && act_expr_active(e->args[0])) {
      /* memcpy/memmove move the tangents with the values; memset clears them */
      bool set = !strcmp(ir_mem_call(e), "memset");
      Expr *d = tangent_ptr(g, e->args[0]);
      if (!set && act_expr_active(e->args[1])) {
        Expr *a[3] = {d, tangent_ptr(g, e->args[1]), cp(e->args[2])};
        put(out, ir_expr_stmt(ir_call(e->text, e->ty, e->loc, a, 3), s->loc));
      } else {
        Expr *a[3] = {d, zero(ty_int()), cp(e->args[2])};
        put(out, ir_expr_stmt(ir_call("memset", void_ptr(), e->loc, a, 3), s->loc));
      }
    } else if (ir_free_call(e) && act_expr_active(e->args[0])) {
      Expr *a[1] = {tangent_ptr(g, e->args[0])};
      put(out, ir_expr_stmt(ir_call("free", e->ty, e->loc, a, 1), s->loc));
    } else if (e->kind == EX_CALL) {
      for (int i = 0; i < e->nargs; i++)
        if (act_expr_active(e->args[i]) && ty_is_ptr(e->args[i]->ty) && !e->args[i]->ty->base->is_const)
          diag_error(e->loc, "cannot differentiate '%s': it may write to memory that carries "
                     "derivatives, and gradc has no definition or rule for it", e->text);
    }
    put_primal(out, s);
    return;
  }
  case ST_IF: case ST_WHILE: case ST_DO: {
    Stmt *c = ir_new_stmt(s->kind, s->loc);
    c->e = cp(s->e);
    c->body = ir_block(s->loc);
    gen_block(g, s->body, c->body);
    if (s->els) {
      c->els = ir_block(s->loc);
      gen_block(g, s->els, c->els);
    }
    put(out, c);
    return;
  }
  case ST_FOR: {
    /* a parallel loop of f_jvp stays parallel; one inside it, or in a
     * Hessian's tangent function, runs serially */
    bool par = s->omp && g->sp->top && !g->sp->hess && !g->in_par;
    OmpLoop l;
    if (par && !omp_analyze(s, &l)) return;
    Stmt *c = ir_new_stmt(ST_FOR, s->loc), *pre = ir_block(s->loc);
    if (s->init) gen_stmt(g, s->init, pre);
    if (pre->kids.len == 1) c->init = pre->kids.data[0];   /* for (i = 0; ...) as written */
    else for (int i = 0; i < pre->kids.len; i++) put(out, pre->kids.data[i]);
    c->e = cp(s->e), c->inc = cp(s->inc);
    c->body = ir_block(s->loc);
    g->in_par |= par;
    gen_block(g, s->body, c->body);
    if (par) g->in_par = false, c->omp = tangent_omp(s->omp);
    put(out, c);
    return;
  }
  case ST_DECL:
    if (s->var->is_static && s->var->active)
      diag_error(s->loc, "cannot differentiate through the static variable '%s': "
                 "state kept between calls stops gradients", s->var->name);
    return;
  default:
    bug("statement kind left by lowering");
  }
}

static void gen_block(FGen *g, Stmt *s, Stmt *out) {
  if (s->kind != ST_BLOCK) { gen_stmt(g, s, out); return; }
  for (int i = 0; i < s->kids.len; i++) gen_stmt(g, s->kids.data[i], out);
}

/* ---- functions ------------------------------------------------------------ */

static FSpec *new_fspec(Func *fn, unsigned long mask, bool top, const char *name) {
  FSpec *s = arena_alloc(sizeof *s);
  s->fn = fn, s->mask = mask, s->top = top, s->name = name;
  s->tf = arena_alloc(sizeof *s->tf);
  s->tf->name = name;
  s->tf->ret = fn->ret;
  s->tf->loc = fn->loc;
  for (int i = 0; i < fn->params.len && i < 64; i++) {
    Var *v = fn->params.data[i];
    if (bit(mask, i)) {
      vec_push(&s->wrt, v);
      if (!top && ty_is_ptr(v->ty)) vec_push(&s->out, v);
    }
  }
  vec_push(&fspecs, s);
  return s;
}

static FSpec *spec_for(FGen *g, Expr *call) {
  Func *fn = call->callee;
  if (fn->is_variadic || fn->params.len != call->nargs || call->nargs > 60) {
    diag_error(call->loc, "cannot differentiate this call of '%s'", fn->name);
    return NULL;
  }
  unsigned long mask = 0;
  for (int i = 0; i < call->nargs; i++)
    if (act_expr_active(call->args[i]) && ty_has_float(((Var *)fn->params.data[i])->ty)) mask |= 1ul << i;
  int k = 0;
  for (int i = 0; i < fspecs.len; i++) {
    FSpec *s = fspecs.data[i];
    if (s->fn == fn && !s->top) {
      if (s->mask == mask) return s;
      k++;
    }
  }
  const char *base = format("%s_jvp", fn->name);
  /* the plain name belongs to a public f_jvp of the same function, if any */
  for (int i = 0; i < g->p->requests.len; i++)
    if (!strcmp(((Request *)g->p->requests.data[i])->name, base)) base = format("%s_inner", base);
  return new_fspec(fn, mask, false, k ? format("%s_%d", base, k + 1) : base);
}

/* Builds sp's tangent function: fn's parameters, each with a tangent after
 * it (const double *w, const double *w_dot), then T *ret_dot for a floating
 * return; fn's locals and their tangents; the body, each active assignment
 * preceded by its tangent's. */
static bool build(Program *p, FSpec *sp) {
  Func *fn = sp->fn, *tf = sp->tf;
  if (!pipeline_front(p, fn)) return false;
  for (int i = 0; i < fn->params.len; i++) ((Var *)fn->params.data[i])->dot = NULL;
  for (int i = 0; i < fn->locals.len; i++) ((Var *)fn->locals.data[i])->dot = NULL;
  Vec wrt = sp->wrt, outv = sp->out;
  if (!pipeline_forward(p, fn, &wrt, &outv, sp->top)) return false;
  tf->is_static = !sp->top || sp->hess;
  tf->has_body = tf->parsed = tf->lowered = true;
  FGen g = {.p = p, .sp = sp, .fn = fn, .tf = tf};
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    vec_push(&tf->params, v->copy = new_copy(v));
    if (is_tangent_param(v)) vec_push(&tf->params, dot_var(&g, v));
    else if (v->active && ty_is_ptr(v->ty))
      /* its tangent would be a buffer the caller did not pass: as in reverse mode, refused */
      diag_error(v->loc, "parameter '%s' holds values that depend on the differentiated "
                 "inputs and influence the result, but has no %s: name it in wrt(...)%s", v->name,
                 sp->hess ? "adjoint" : "tangent", sp->hess ? "" : " or out(...)");
  }
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    vec_push(&tf->locals, v->copy = new_copy(v));
  }
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    v->copy->ty = copy_type(v->ty);
  }
  Var *ret_dot = NULL, *value = NULL;
  if (sp->hess && (!fn->retvar || !ty_is_float(fn->ret))) {
    diag_error(fn->loc, "GRADC_HESSIAN needs a function that returns a floating value");
    return false;
  }
  if (sp->hess) value = ir_new_var(tf, fresh(&g, "value"), ty_ptr_to(fn->ret), VAR_PARAM, fn->loc);
  else if (ty_is_float(fn->ret)) ret_dot = ir_new_var(tf, fresh(&g, "ret_dot"), ty_ptr_to(fn->ret), VAR_PARAM, fn->loc);
  if (ret_dot || value) vec_push(&tf->params, ret_dot ? ret_dot : value);
  for (int i = 0; i < tf->params.len; i++) ((Var *)tf->params.data[i])->index = i;
  if (diag_errors()) return false;
  int before = diag_errors();
  tf->body = ir_block(fn->loc);
  gen_block(&g, fn->body, tf->body);
  if (diag_errors() != before) return false;
  Loc at = fn->loc;
  Var *rv = fn->retvar;
  if (value) {
    /* the value goes to *value; the tangent of the value is the result */
    put(tf->body, ir_assign(ir_unary(EX_DEREF, ir_var(value, at), fn->ret), ir_var(copy_of(rv), at), at));
    tf->retvar = rv->dot ? rv->dot : ir_new_var(tf, fresh(&g, "ret_dot"), fn->ret, VAR_LOCAL, at);
  } else {
    tf->retvar = rv ? copy_of(rv) : NULL;
    if (ret_dot)
      put(tf->body, ir_assign(ir_unary(EX_DEREF, ir_var(ret_dot, at), fn->ret),
                              rv && rv->dot ? ir_var(rv->dot, at) : zero(fn->ret), at));
  }
  ir_verify(tf);
  return true;
}

static bool emit_tangent(Program *p, FSpec *sp, Buf *protos, Buf *out) {
  sp->emitted = true;
  const char *sig = format("%s%s", sp->top ? "" : "static ", emit_signature(sp->tf));
  if (sp->top) vec_push(&p->publics, (void *)format("%s;", sig));
  else buf_printf(protos, "%s;\n", sig);
  emit_function(out, sp->tf, sig);
  return true;
}

/* f_jvp for a GRADC_JVP request: a tangent after each wrt parameter
 * (double x_dot, const double *w_dot), y_dot after each out array, and
 * T *ret_dot last for a floating return. Returns f's value. */
Func *fwd_generate(Program *p, Request *req, Buf *protos, Buf *out) {
  Vec wrt = {0}, outv = {0};
  unsigned long mask = 0;
  if (!rev_resolve(p, req, &wrt, &outv, &mask)) return NULL;
  FSpec *sp = new_fspec(req->fn, mask, true, req->name);
  sp->wrt = wrt, sp->out = outv;
  return build(p, sp) && emit_tangent(p, sp, protos, out) ? sp->tf : NULL;
}

bool fwd_companions(Program *p, Buf *protos, Buf *out) {
  for (int i = 0; i < fspecs.len; i++) {
    FSpec *sp = fspecs.data[i];
    if (!sp->top && !sp->emitted && !(build(p, sp) && emit_tangent(p, sp, protos, out))) return false;
  }
  return true;
}

/* Reverse over forward: the tangent function of a GRADC_HESSIAN request,
 * whose gradient with respect to the wrt parameters, the directions held
 * fixed, is H v. Its companions are built too (IR only: the reverse sweep
 * differentiates them in turn). */
Func *fwd_hessian_tangent(Program *p, Request *req) {
  Vec wrt = {0}, outv = {0};
  unsigned long mask = 0;
  if (!rev_resolve(p, req, &wrt, &outv, &mask)) return NULL;
  FSpec *sp = new_fspec(req->fn, mask, true, format("%s_tangent", req->fn->name));
  sp->hess = true;
  sp->wrt = wrt;
  if (!build(p, sp)) return NULL;
  for (int i = 0; i < fspecs.len; i++) {
    FSpec *c = fspecs.data[i];
    if (!c->top && !c->emitted && !c->tf->body && !build(p, c)) return NULL;
  }
  return sp->tf;
}
