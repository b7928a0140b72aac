/* fwd.c: forward (tangent) mode.
 *
 * Each active variable v gets a tangent v_dot, and each assignment of an
 * active value is preceded by the assignment of its tangent, computed from
 * the values before the statement:
 *
 *     y_dot = y_dot * x + y * x_dot;   (tangent first: it reads the old y)
 *     y = y * x;
 *
 * Control flow is the primal's, unchanged: forward mode needs no tape. The
 * annotated function becomes f_jvp; functions it calls get g_jvp companions,
 * specialised on which arguments carry tangents, as in reverse mode.
 */
#include "tool.h"

#include <ctype.h>
#include <string.h>

typedef struct FSpec {
  Func *fn;
  unsigned long mask;    /* bit i: parameter i carries a tangent */
  unsigned long discard; /* bit i: parameter i is an adjoint whose value is never
                            read back (forward over reverse): only its tangent is
                            kept, and it may be NULL */
  bool top;
  bool hvp;              /* the public f_hvp of a GRADC_HESSIAN request */
  const char *name;      /* f_jvp, or g_jvp for a companion */
  Vec wrt, out;          /* Var * */
} FSpec;

typedef struct FGen {
  Program *p;
  FSpec *sp;
  Func *fn;
  Vec dots;              /* Var * whose tangents are locals */
  int ntmp;
  bool in_par;           /* inside a parallel loop (one inside it runs serially) */
} FGen;

static Vec fspecs;
static const char *fwd_suffix = "jvp";   /* companion names: g_jvp */

void fwd_reset(void) {
  fspecs = (Vec){0};
  fwd_suffix = "jvp";
}

static bool is_tangent_param(Var *v) { return v->kind == VAR_PARAM && (v->is_wrt || v->is_out); }

static bool is_discarded(FGen *g, Var *v) {
  return v && v->kind == VAR_PARAM && bit(g->sp->discard, v->index);
}

static const char *dot_name(FGen *g, Var *v) {
  if (v->dot) return v->dot;
  const char *want = format("%s_dot", v->name);
  if (g->sp->hvp && v->kind == VAR_PARAM && v->is_wrt) want = format("%s_v", v->name);
  if (g->sp->hvp && is_discarded(g, v)) {
    size_t n = strlen(v->name);
    want = n > 4 && !strcmp(v->name + n - 4, "_bar") ? format("%.*s_hv", (int)(n - 4), v->name)
                                                      : format("%s_hv", v->name);
  }
  const char *name = ir_unique_name(g->fn, want);
  for (int i = 0; i < g->dots.len; i++)
    if (!strcmp(((Var *)g->dots.data[i])->dot, name)) name = format("%s_", name);
  v->dot = name;
  if (!is_tangent_param(v)) vec_push(&g->dots, v);
  return name;
}

static const char *tangent_lv(FGen *g, Expr *e);

/* The tangent of a pointer expression: w -> w_dot, p + k -> p_dot + k. */
static const char *tangent_ptr(FGen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: return dot_name(g, e->var);
  case EX_NUM:   /* a null pointer (NULL, 0) has a null tangent */
    if (!strcmp(e->text, "0")) return "NULL";
    break;
  case EX_ADD: case EX_SUB:
    if (ty_is_ptr(e->a->ty))
      return format("%s %s %s", tangent_ptr(g, e->a), e->kind == EX_ADD ? "+" : "-", emit_expr(e->b));
    return format("%s + %s", emit_expr(e->a), tangent_ptr(g, e->b));
  case EX_ADDR: return format("&%s", tangent_lv(g, e->a));
  case EX_CAST: return tangent_ptr(g, e->a);
  case EX_MEMBER: case EX_INDEX: return tangent_lv(g, e);
  case EX_COND:
    if (act_expr_active(e->b) && act_expr_active(e->c))
      return format("%s ? %s : %s", emit_expr(e->a), tangent_ptr(g, e->b), tangent_ptr(g, e->c));
    break;
  default:
    break;
  }
  diag_error(e->loc, "cannot find the tangent of this pointer expression (gradc follows "
             "pointers made from variables, &v, p + k and ?: between such pointers)");
  return "0";
}


/* The tangent of an active lvalue, as an lvalue. */
static const char *tangent_lv(FGen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: return dot_name(g, e->var);
  case EX_INDEX: return format("%s[%s]", emit_postfix(tangent_ptr(g, e->a)), emit_expr(e->b));
  case EX_MEMBER:
    return format("%s%s%s", e->arrow ? emit_postfix(tangent_ptr(g, e->a)) : tangent_lv(g, e->a), e->arrow ? "->" : ".", e->text);
  case EX_DEREF: {
    const char *p = tangent_ptr(g, e->a);
    return format("*%s", strchr(p, ' ') ? format("(%s)", p) : p);
  }
  default:
    diag_error(e->loc, "cannot find the tangent of this expression");
    return "0";
  }
}


static const char *times(const char *a, const char *b) { return format("%s * %s", emit_paren(a), emit_paren(b)); }

static const char *rule_tangent(FGen *g, Expr *e);

/* The tangent of e, or NULL when it is zero. Reads only values from before
 * the statement, so it is emitted before the primal assignment. */
static const char *tangent(FGen *g, Expr *e) {
  if (!act_expr_active(e)) return NULL;
  switch (e->kind) {
  case EX_VAR: case EX_INDEX: case EX_MEMBER: case EX_DEREF:
    return tangent_lv(g, e);
  case EX_ADD: case EX_SUB: {
    const char *a = tangent(g, e->a), *b = tangent(g, e->b);
    const char *op = e->kind == EX_ADD ? "+" : "-";
    if (!b) return a;
    if (!a) return e->kind == EX_ADD ? b : format("-%s", emit_paren(b));
    return format("%s %s %s", a, op, emit_paren(b));
  }
  case EX_NEG: {
    const char *a = tangent(g, e->a);
    return a ? format("-%s", emit_paren(a)) : NULL;
  }
  case EX_PLUS: return tangent(g, e->a);
  case EX_CAST: {
    const char *a = tangent(g, e->a);
    return a && ty_is_float(e->ty) ? format("(%s)%s", emit_type(e->ty), emit_paren(a)) : NULL;
  }
  case EX_MUL: {
    const char *a = tangent(g, e->a), *b = tangent(g, e->b);
    if (ir_same_expr(e->a, e->b)) return format("2 * %s * %s", emit_paren(emit_expr(e->a)), emit_paren(a));
    const char *l = a ? times(a, emit_expr(e->b)) : NULL;
    const char *r = b ? times(emit_expr(e->a), b) : NULL;
    if (l && r) return format("%s + %s", l, r);
    return l ? l : r;
  }
  case EX_DIV: {
    const char *a = tangent(g, e->a), *b = tangent(g, e->b);
    const char *den = emit_paren(emit_expr(e->b));
    if (!b) return format("%s / %s", emit_paren(a), den);
    const char *r = format("%s * %s / (%s * %s)", emit_paren(emit_expr(e->a)), emit_paren(b), den, den);
    return a ? format("%s / %s - %s", emit_paren(a), den, r) : format("-%s", r);
  }
  case EX_COND: {
    /* parenthesised whole: it may end up an operand of + */
    const char *b = tangent(g, e->b), *c = tangent(g, e->c);
    return format("(%s ? %s : %s)", emit_paren(emit_expr(e->a)), b ? emit_paren(b) : "0", c ? emit_paren(c) : "0");
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

/* ---- rules (rules.h, instantiated by rules.c's rule_text) ----------------- */

static const char *rule_tangent(FGen *g, Expr *e) {
  const Rule *r = e->rule;
  if (e->nargs != r->nargs) {
    diag_error(e->loc, "'%s' called with %d arguments", e->text, e->nargs);
    return NULL;
  }
  const char *args[RULE_MAX_ARGS];
  for (int i = 0; i < r->nargs; i++) args[i] = emit_expr(e->args[i]);
  const char *sum = NULL;
  for (int i = 0; i < r->nargs; i++) {
    const char *t = tangent(g, e->args[i]);
    if (!t) continue;
    if (!r->d[i]) {
      diag_error(e->args[i]->loc, "argument %d of '%s' carries no derivative", i + 1, e->text);
      continue;
    }
    const char *term = times(rule_text(r, r->d[i], args), t);
    sum = sum ? format("%s + %s", sum, term) : term;
  }
  return sum;
}

/* ---- statements ----------------------------------------------------------- */

static void gen_block(FGen *g, Stmt *s, Buf *b, int ind);

static FSpec *spec_for(FGen *g, Expr *call);

/* v = g(args) or g(args) for a function of this file with active arguments:
 * v = g_jvp(args with tangents, &v_dot). */
static void gen_call(FGen *g, Expr *lhs, Expr *call, Buf *b, int ind) {
  bool act = lhs && act_expr_active(lhs);
  for (int i = 0; i < call->nargs; i++) act |= act_expr_active(call->args[i]);
  if (!act) {
    emit_indent(b, ind);
    buf_printf(b, "%s;\n", lhs ? format("%s = %s", emit_expr(lhs), emit_expr(call)) : emit_expr(call));
    return;
  }
  if (ty_has_float(call->callee->ret) && !ty_is_float(call->callee->ret)) {
    diag_error(call->loc, "cannot differentiate a call of '%s': it returns a struct or pointer "
               "that carries derivatives", call->text);
    return;
  }
  FSpec *sp;
  FSpec custom = {0};
  if (call->callee->custom_jvp) {
    /* the user's g_jvp: a tangent after every floating parameter */
    custom.fn = call->callee;
    custom.name = rev_use_custom(g->p, call->callee, call->callee->custom_jvp, call->loc);
    for (int i = 0; i < call->nargs && i < call->callee->params.len; i++)
      if (i < 64 && ty_has_float(((Var *)call->callee->params.data[i])->ty)) custom.mask |= 1ul << i;
    sp = &custom;
  } else if (!call->callee->has_body && call->callee->across) {
    diag_error(call->loc, "cannot differentiate '%s' in forward mode: '%s' is defined in another "
               "file, and gradc calls across files in reverse mode (GRADC_GRAD) only; define it in "
               "this file or in a header it includes", call->text, call->callee->name);
    return;
  } else if (!call->callee->has_body) {
    diag_error(call->loc, "cannot differentiate '%s' in forward mode: it has a custom reverse "
               "derivative only; add GRADC_CUSTOM_JVP", call->text);
    return;
  } else {
    sp = spec_for(g, call);
  }
  if (!sp) return;
  Buf a = {0};
  for (int i = 0; i < call->nargs; i++) {
    Expr *x = call->args[i];
    buf_printf(&a, "%s%s", i ? ", " : "", bit(sp->discard, i) ? "NULL" : emit_expr(x));
    if (bit(sp->mask, i)) {
      const char *t = !act_expr_active(x) ? NULL : ty_is_ptr(x->ty) ? tangent_ptr(g, x) : tangent(g, x);
      buf_printf(&a, ", %s", t ? t : ty_is_ptr(x->ty) ? "NULL" : "0");
    }
  }
  if (ty_is_float(call->callee->ret)) {
    const char *rd;
    if (lhs && act_expr_active(lhs)) rd = format("&%s", tangent_lv(g, lhs));
    else {
      rd = format("_z%d", g->ntmp++);
      emit_indent(b, ind);
      buf_printf(b, "%s = 0;\n", emit_decl(call->callee->ret, rd));
      rd = format("&%s", rd);
    }
    buf_printf(&a, "%s%s", call->nargs ? ", " : "", rd);
  }
  emit_indent(b, ind);
  if (lhs) buf_printf(b, "%s = %s(%s);\n", emit_expr(lhs), sp->name, a.data ? a.data : "");
  else buf_printf(b, "%s(%s);\n", sp->name, a.data ? a.data : "");
  buf_free(&a);
}

/* The runtime's tape operations, met when differentiating generated reverse
 * code (forward over reverse): a value and its tangent travel together. */
static bool is_tape_op(Expr *e, const char *prefix) {
  return e->kind == EX_CALL && e->callee_known && !strncmp(e->text, prefix, strlen(prefix));
}

/* The tangent of the memory that a block operation's pointer argument p
 * addresses (&s, &v[k], a buffer), or NULL where it carries no derivative. */
static const char *tangent_block(FGen *g, Expr *p) {
  Expr *u = ir_uncast(p);
  if (u->kind == EX_ADDR) return act_expr_active(u->a) ? format("&%s", tangent_lv(g, u->a)) : NULL;
  return ty_is_ptr(u->ty) && act_expr_active(u) ? tangent_ptr(g, u) : NULL;
}

static bool is_block_op(Expr *e) {
  return e->nargs == 3 && (!strcmp(e->text, "gradc_push_n") || !strcmp(e->text, "gradc_push_block") ||
                           !strcmp(e->text, "gradc_pop_n") || !strcmp(e->text, "gradc_pop_view"));
}

/* gradc_push_d(t, v) -> also gradc_push_d(t, v_dot), after it;
 * gradc_push_n(t, p, n), gradc_push_block(t, p, n) -> also the same of the
 * tangent memory, after it. */
static bool gen_tape_push(FGen *g, Expr *e, Buf *b, int ind) {
  if (!is_tape_op(e, "gradc_push_") || e->nargs < 2) return false;
  emit_indent(b, ind);
  buf_printf(b, "%s;\n", emit_expr(e));
  Expr *v = e->args[1];
  if (is_block_op(e)) {
    const char *t = tangent_block(g, v);
    if (t) {
      emit_indent(b, ind);
      buf_printf(b, "%s(%s, %s, %s);\n", e->text, emit_expr(e->args[0]), t, emit_expr(e->args[2]));
    }
  } else if (act_expr_active(v)) {
    const char *t = ty_is_ptr(v->ty) ? tangent_ptr(g, v) : tangent(g, v);
    emit_indent(b, ind);
    buf_printf(b, "%s(%s, %s);\n", e->text, emit_expr(e->args[0]), t ? t : "0");
  }
  return true;
}

/* v = gradc_pop_d(t) -> v_dot = gradc_pop_d(t) first (pushed last);
 * w = gradc_pop_view(t, p, n) -> w_dot = gradc_pop_view(t, p's tangent, n) first. */
static bool gen_tape_pop(FGen *g, Expr *lhs, Expr *rhs, Buf *b, int ind) {
  Expr *c = rhs->kind == EX_CAST ? rhs->a : rhs;
  if (!is_tape_op(c, "gradc_pop_") || !lhs) return false;
  if (act_expr_active(lhs)) {
    const char *t = ty_is_ptr(lhs->ty) ? tangent_ptr(g, lhs) : tangent_lv(g, lhs);
    const char *from = emit_expr(rhs);
    if (is_block_op(c)) {
      const char *tp = tangent_block(g, c->args[1]);
      from = tp ? format("%s(%s, %s, %s)", c->text, emit_expr(c->args[0]), tp, emit_expr(c->args[2])) : "NULL";
    }
    emit_indent(b, ind);
    buf_printf(b, "%s = %s;\n", t, from);
  }
  emit_indent(b, ind);
  buf_printf(b, "%s = %s;\n", emit_expr(lhs), emit_expr(rhs));
  return true;
}

/* gradc_pop_n(t, p, n) -> the same of the tangent memory first. */
static bool gen_tape_pop_n(FGen *g, Expr *e, Buf *b, int ind) {
  if (!is_tape_op(e, "gradc_pop_n") || e->nargs != 3) return false;
  const char *t = tangent_block(g, e->args[1]);
  if (t) {
    emit_indent(b, ind);
    buf_printf(b, "gradc_pop_n(%s, %s, %s);\n", emit_expr(e->args[0]), t, emit_expr(e->args[2]));
  }
  emit_indent(b, ind);
  buf_printf(b, "%s;\n", emit_expr(e));
  return true;
}

static void gen_assign(FGen *g, Stmt *s, Buf *b, int ind) {
  Expr *lhs = s->e->a, *rhs = s->e->b;
  if (gen_tape_pop(g, lhs, rhs, b, ind)) return;
  if (ir_memalign_target(rhs)) {   /* r = posix_memalign(&p, ...) */
    emit_indent(b, ind);
    buf_printf(b, "%s;\n", emit_expr(s->e));
    emit_indent(b, ind);
    buf_printf(b, "%s = calloc(1, %s);\n", dot_name(g, ir_memalign_target(rhs)), emit_expr(rhs->args[2]));
    return;
  }
  if (rhs->kind == EX_CALL && rhs->callee) {
    gen_call(g, lhs, rhs, b, ind);
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
    emit_indent(b, ind);
    buf_printf(b, "%s;\n", emit_expr(s->e));
    emit_indent(b, ind);
    if (ir_alloc_call(rhs)) {
      Expr *c = rhs->kind == EX_CAST ? rhs->a : rhs;
      const char *t = tangent_ptr(g, lhs);
      if (!strcmp(c->text, "malloc")) buf_printf(b, "%s = calloc(1, %s);\n", t, emit_expr(c->args[0]));
      else if (!strcmp(c->text, "calloc")) buf_printf(b, "%s = calloc(%s, %s);\n", t, emit_expr(c->args[0]), emit_expr(c->args[1]));
      else if (act_expr_active(c->args[0]))   /* realloc keeps the tangents of the kept elements */
        buf_printf(b, "%s = realloc(%s, %s);\n", t, tangent_ptr(g, c->args[0]), emit_expr(c->args[1]));
      else
        buf_printf(b, "%s = calloc(1, %s);\n", t, emit_expr(c->args[1]));
    } else {
      buf_printf(b, "%s = %s;\n", tangent_ptr(g, lhs), tangent_ptr(g, rhs));
    }
    return;
  }
  if (act && (lhs->ty->kind == TY_STRUCT || lhs->ty->kind == TY_ARRAY)) {
    const char *t = tangent_lv(g, lhs);
    emit_indent(b, ind);
    if (act_expr_active(rhs) && ir_is_lvalue(rhs)) buf_printf(b, "%s = %s;\n", t, tangent_lv(g, rhs));
    else if (act_expr_active(rhs)) diag_error(rhs->loc, "cannot differentiate this struct value");
    else buf_printf(b, "memset(&%s, 0, sizeof %s);\n", t, t);
  } else if (act) {
    const char *t = tangent(g, rhs);
    const char *lt = tangent_lv(g, lhs);
    if (!t || strcmp(t, lt)) {   /* s_dot = s_dot is no statement */
      emit_indent(b, ind);
      buf_printf(b, "%s = %s;\n", lt, t ? t : "0");
    }
  }
  if (is_discarded(g, base) && lhs->kind != EX_VAR) return;   /* only its tangent is kept */
  emit_indent(b, ind);
  buf_printf(b, "%s;\n", emit_expr(s->e));
}

static const char *tangent_of(Var *v) { return v->dot; }

/* A parallel loop stays one: the tangents of its private variables are
 * private, those of its reduction variables are reduced with them. */
static void gen_par_for(FGen *g, Stmt *s, Buf *b, int ind) {
  OmpLoop l;
  if (!omp_analyze(s, &l)) return;
  Buf body = {0};
  g->in_par = true;
  gen_block(g, s->body, &body, ind + 1);
  g->in_par = false;
  emit_indent(b, ind);
  buf_printf(b, "#pragma omp parallel for%s\n", omp_clause_text(&l, tangent_of));
  emit_indent(b, ind);
  buf_printf(b, "for (%s = %s; %s; %s) {\n", l.iv->name, emit_expr(s->init->e->b), emit_expr(s->e), emit_expr(s->inc));
  if (body.data) buf_puts(b, body.data);
  emit_indent(b, ind);
  buf_puts(b, "}\n");
  buf_free(&body);
}

static void gen_stmt(FGen *g, Stmt *s, Buf *b, int ind) {
  switch (s->kind) {
  case ST_NOP: return;
  case ST_BLOCK: gen_block(g, s, b, ind); return;
  case ST_EXPR: {
    Expr *e = s->e;
    if (e->kind == EX_ASSIGN) { gen_assign(g, s, b, ind); return; }
    if (gen_tape_push(g, e, b, ind) || gen_tape_pop_n(g, e, b, ind)) return;
    if (e->kind == EX_CALL && e->callee) { gen_call(g, NULL, e, b, ind); return; }
    if (ir_memalign_target(e)) {
      emit_indent(b, ind);
      buf_printf(b, "%s;\n", emit_expr(e));
      emit_indent(b, ind);
      buf_printf(b, "%s = calloc(1, %s);\n", dot_name(g, ir_memalign_target(e)), emit_expr(e->args[2]));
      return;
    }
    if (ir_mem_call(e) && act_expr_active(e->args[0])) {
      /* memcpy/memmove move the tangents with the values; memset clears them */
      bool set = !strcmp(ir_mem_call(e), "memset");
      Expr *d = e->args[0];
      emit_indent(b, ind);
      if (!set && act_expr_active(e->args[1]))
        buf_printf(b, "%s(%s, %s, %s);\n", e->text, tangent_ptr(g, d), tangent_ptr(g, e->args[1]),
                   emit_expr(e->args[2]));
      else
        buf_printf(b, "memset(%s, 0, %s);\n", tangent_ptr(g, d), emit_expr(e->args[2]));
    } else if (ir_free_call(e) && act_expr_active(e->args[0])) {
      emit_indent(b, ind);
      buf_printf(b, "free(%s);\n", tangent_ptr(g, e->args[0]));
    } else if (e->kind == EX_CALL) {
      for (int i = 0; i < e->nargs; i++)
        if (act_expr_active(e->args[i]) && ty_is_ptr(e->args[i]->ty) && !e->args[i]->ty->base->is_const)
          diag_error(e->loc, "cannot differentiate '%s': it may write to memory that carries "
                     "derivatives, and gradc has no definition or rule for it", e->text);
    }
    emit_indent(b, ind);
    buf_printf(b, "%s;\n", emit_expr(e));
    return;
  }
  case ST_IF:
    emit_indent(b, ind);
    buf_printf(b, "if (%s) {\n", emit_expr(s->e));
    gen_block(g, s->body, b, ind + 1);
    if (s->els) {
      emit_indent(b, ind);
      buf_puts(b, "} else {\n");
      gen_block(g, s->els, b, ind + 1);
    }
    emit_indent(b, ind);
    buf_puts(b, "}\n");
    return;
  case ST_WHILE:
    emit_indent(b, ind);
    buf_printf(b, "while (%s) {\n", emit_expr(s->e));
    gen_block(g, s->body, b, ind + 1);
    emit_indent(b, ind);
    buf_puts(b, "}\n");
    return;
  case ST_DO:
    emit_indent(b, ind);
    buf_puts(b, "do {\n");
    gen_block(g, s->body, b, ind + 1);
    emit_indent(b, ind);
    buf_printf(b, "} while (%s);\n", emit_expr(s->e));
    return;
  case ST_FOR: {
    if (s->omp && g->sp->top && !g->sp->hvp && !g->in_par) {
      gen_par_for(g, s, b, ind);
      return;
    }
    if (s->init) gen_stmt(g, s->init, b, ind);
    emit_unroll_hint(b, s, ind);
    emit_indent(b, ind);
    buf_printf(b, "for (; %s; %s) {\n", s->e ? emit_expr(s->e) : "", s->inc ? emit_expr(s->inc) : "");
    gen_block(g, s->body, b, ind + 1);
    emit_indent(b, ind);
    buf_puts(b, "}\n");
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

static void gen_block(FGen *g, Stmt *s, Buf *b, int ind) {
  if (s->kind != ST_BLOCK) { gen_stmt(g, s, b, ind); return; }
  for (int i = 0; i < s->kids.len; i++) gen_stmt(g, s->kids.data[i], b, ind);
}

/* ---- functions ------------------------------------------------------------ */

static FSpec *new_fspec(Func *fn, unsigned long mask, bool top, const char *name) {
  FSpec *s = arena_alloc(sizeof *s);
  s->fn = fn, s->mask = mask, s->top = top, s->name = name;
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
  unsigned long mask = 0, discard = 0;
  for (int i = 0; i < call->nargs; i++) {
    if (act_expr_active(call->args[i]) && ty_has_float(((Var *)fn->params.data[i])->ty)) mask |= 1ul << i;
    if (ty_is_ptr(call->args[i]->ty) && is_discarded(g, ir_base_var(call->args[i]))) discard |= 1ul << i;
  }
  int k = 0;
  for (int i = 0; i < fspecs.len; i++) {
    FSpec *s = fspecs.data[i];
    if (s->fn == fn && !s->top) {
      if (s->mask == mask && s->discard == discard) return s;
      k++;
    }
  }
  const char *base = format("%s_%s", fn->name, fwd_suffix);
  /* the plain name belongs to a public f_jvp of the same function, if any */
  for (int i = 0; i < g->p->requests.len; i++)
    if (!strcmp(((Request *)g->p->requests.data[i])->name, base)) base = format("%s_inner", base);
  FSpec *s = new_fspec(fn, mask, false, k ? format("%s_%d", base, k + 1) : base);
  s->discard = discard;
  return s;
}

/* Tangent parameters keep the constness of their primal: `const double *w`
 * gets `const double *w_dot`, an in-place `double *x` gets `double *x_dot`. */
static const char *fparams(FSpec *sp) {
  Func *fn = sp->fn;
  Buf b = {0};
  bool first = true;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    bool drop = sp->hvp && bit(sp->discard, i);
    if (!drop) buf_printf(&b, "%s%s", first ? "" : ", ", emit_decl(v->ty, v->name)), first = false;
    if (is_tangent_param(v)) buf_printf(&b, "%s%s", first ? "" : ", ", emit_decl(v->ty, v->dot)), first = false;
  }
  if (ty_is_float(fn->ret) && !sp->hvp)
    buf_printf(&b, "%s%s", first ? "" : ", ", emit_decl(ty_ptr_to(fn->ret), ir_unique_name(fn, "ret_dot")));
  const char *r = arena_strdup(b.data ? b.data : "void");
  buf_free(&b);
  return r;
}

static bool gen_function(Program *p, FSpec *sp, Buf *protos, Buf *out) {
  Func *fn = sp->fn;
  if (!pipeline_front(p, fn)) return false;
  for (int i = 0; i < fn->params.len; i++) ((Var *)fn->params.data[i])->dot = NULL;
  for (int i = 0; i < fn->locals.len; i++) ((Var *)fn->locals.data[i])->dot = NULL;
  Vec wrt = sp->wrt, outv = sp->out;
  if (!pipeline_forward(p, fn, &wrt, &outv, sp->top)) return false;
  FGen g = {.p = p, .sp = sp, .fn = fn};
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (is_tangent_param(v)) dot_name(&g, v);
    else if (v->active && ty_is_ptr(v->ty) && !sp->hvp)
      /* its tangent would be a buffer the caller did not pass: as in reverse mode, refused */
      diag_error(v->loc, "parameter '%s' holds values that depend on the differentiated "
                 "inputs and influence the result, but has no tangent: name it in wrt(...) "
                 "or out(...)", v->name);
  }
  if (diag_errors()) return false;
  int before = diag_errors();
  Buf body = {0};
  gen_block(&g, fn->body, &body, 1);
  if (diag_errors() != before) { buf_free(&body); return false; }
  const char *sig = format("%s%s(%s)", sp->top ? "" : "static ", emit_decl(fn->ret, sp->name), fparams(sp));
  if (sp->top) vec_push(&p->publics, (void *)format("%s;", sig));
  else buf_printf(protos, "%s;\n", sig);
  Buf decl = {0};
  emit_locals(&decl, fn, NULL);
  for (int i = 0; i < g.dots.len; i++) {
    Var *v = g.dots.data[i];
    Type *t = ty_unconst(v->ty);
    emit_indent(&decl, 1);
    if (t->vla_len) buf_printf(&decl, "%s;\n  memset(%s, 0, sizeof %s);\n", emit_decl(t, v->dot), v->dot, v->dot);
    else if (t->kind == TY_ARRAY || t->kind == TY_STRUCT) buf_printf(&decl, "%s = {0};\n", emit_decl(t, v->dot));
    else buf_printf(&decl, "%s = 0;\n", emit_decl(t, v->dot));   /* a tangent pointer keeps the primal's const */
  }
  buf_printf(out, "%s\n{\n", sig);
  Buf all = {0};
  buf_printf(&all, "%s%s", decl.data ? decl.data : "", body.data ? body.data : "");
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (!rev_mentions(all.data ? all.data : "", v->name) && !(sp->hvp && bit(sp->discard, i)))
      buf_printf(out, "  (void)%s;\n", v->name);
    if (is_tangent_param(v) && !rev_mentions(all.data ? all.data : "", v->dot)) buf_printf(out, "  (void)%s;\n", v->dot);
  }
  if (sp->hvp) {
    /* the gradient itself is not returned: its adjoint parameters are NULL */
    for (int i = 0; i < fn->params.len; i++) {
      Var *v = fn->params.data[i];
      if (bit(sp->discard, i) && rev_mentions(body.data ? body.data : "", v->name))
        buf_printf(out, "  %s = NULL;\n", emit_decl(v->ty, v->name));
    }
  }
  if (decl.data) buf_puts(out, decl.data);
  for (int i = 0; i < g.dots.len; i++) {
    Var *v = g.dots.data[i];
    if (v->ty->kind == TY_PTR && rev_only_assigned(all.data ? all.data : "", v->dot))
      buf_printf(out, "  (void)%s;\n", v->dot);
  }
  if (body.data) buf_puts(out, body.data);
  if (fn->retvar) {
    if (ty_is_float(fn->ret) && !sp->hvp)
      buf_printf(out, "  *%s = %s;\n", ir_unique_name(fn, "ret_dot"), fn->retvar->dot ? fn->retvar->dot : "0");
    buf_printf(out, "  return %s;\n", fn->retvar->name);
  } else if (ty_is_float(fn->ret) && !sp->hvp) {
    buf_printf(out, "  *%s = 0;\n", ir_unique_name(fn, "ret_dot"));
  }
  buf_puts(out, "}\n\n");
  buf_free(&body), buf_free(&decl), buf_free(&all);
  return true;
}

/* f_jvp for a GRADC_JVP request: a tangent after each wrt parameter
 * (double x_dot, const double *w_dot), y_dot after each out array, and
 * T *ret_dot last for a floating return. Returns f's value. */
bool fwd_generate(Program *p, Request *req, Buf *protos, Buf *out) {
  Vec wrt = {0}, outv = {0};
  unsigned long mask = 0;
  if (!rev_resolve(p, req, &wrt, &outv, &mask)) return false;
  FSpec *sp = new_fspec(req->fn, mask, true, req->name);
  sp->wrt = wrt, sp->out = outv;
  return gen_function(p, sp, protos, out);
}

bool fwd_companions(Program *p, Buf *protos, Buf *out) {
  for (int i = 0; i < fspecs.len; i++) {
    FSpec *sp = fspecs.data[i];
    if (!sp->top && !gen_function(p, sp, protos, out)) return false;
  }
  return true;
}

/* Forward over reverse: f_hvp from the generated f_grad of a GRADC_HESSIAN
 * request (parsed again as `grad`). The tangents of the wrt parameters are
 * the directions p_v; the tangents of their adjoints, p_hv, receive H v.
 * The adjoints themselves are write-only in generated reverse code, so their
 * primal updates are dropped and they are NULL. */
bool fwd_generate_hvp(Program *p, Func *grad, Vec *wrt, Vec *bars, const char *name, Buf *protos, Buf *out) {
  unsigned long mask = 0, discard = 0;
  for (int i = 0; i < wrt->len; i++) {
    int k = ((Var *)wrt->data[i])->index, b = ((Var *)bars->data[i])->index;
    if (k >= 64 || b >= 64) {
      diag_error(grad->loc, "gradc computes Hessians with respect to the first 30 parameters only");
      return false;
    }
    mask |= 1ul << k;
    discard |= 1ul << b;
  }
  FSpec *sp = new_fspec(grad, mask, true, name);
  sp->hvp = true;
  sp->discard = discard;
  for (int i = 0; i < bars->len; i++) vec_push(&sp->out, bars->data[i]);
  fwd_suffix = "hvp";
  grad->value_unused = true;   /* f_hvp returns f's value, not its tangent */
  return gen_function(p, sp, protos, out);
}
