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
 */
#include "tool.h"
#include "rev.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* One specialisation of a function: which parameters carry adjoints. */
typedef struct Spec {
  Func *fn;
  Vec wrt;               /* Var *: parameters with adjoints, in order */
  Vec out;               /* Var *: out arrays */
  unsigned long mask;    /* bit i: parameter i in wrt */
  bool top;              /* the annotated function: joint, public */
  const char *name;      /* f_grad, or the base of g_fwd/g_rev */
  const char *fwd, *rev; /* names of the split pair */
  Request *req;
  Request *split;        /* GRADC_GRAD(..., split): public f_fwd/f_rev wrap this pair */
  Request *exported;     /* a companion for callers in other files (public, named by its set) */
  bool done;             /* generated */
} Spec;


static Vec specs;        /* every specialisation, generated in order */
static const char *name_tag = "";   /* "h": companions g_h_fwd/g_h_rev */

static Vec externs;      /* Spec *: another file's companions declared so far */

void rev_reset(const char *tag) {
  specs = (Vec){0};
  externs = (Vec){0};
  name_tag = tag;
}

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
    if (!strcmp(((Var *)g->bars.data[i])->bar, name)) name = format("%s_", name);
  return name;
}

/* The name of v's adjoint: a parameter (x_bar) or a local of the generated
 * function. A scalar parameter that f overwrites has a local adjoint x_adj,
 * added to *x_bar at the end: the caller's *x_bar must not take part in
 * the reverse sweep (adjoints accumulate). */
static const char *bar_name(Gen *g, Var *v) {
  if (v->bar) return v->bar;
  if (has_bar_param(g, v)) {
    v->bar_param = fresh_bar(g, format("%s_bar", v->name));
    if (is_scalar_param(v) && v->written) {
      v->bar = fresh_bar(g, format("%s_adj", v->name));
      vec_push(&g->bars, v);
      vec_push(&g->param_adj, v);
    } else {
      v->bar = v->bar_param;
    }
    return v->bar;
  }
  v->bar = fresh_bar(g, format("%s_bar", v->name));
  vec_push(&g->bars, v);
  return v->bar;
}

static bool bar_is_param(Gen *g, Var *v) {
  return has_bar_param(g, v) && !(is_scalar_param(v) && v->written);
}


/* The adjoint of an active lvalue, as an lvalue text. */
static const char *shadow(Gen *g, Expr *e);

/* The adjoint of a pointer-valued expression: p -> p_bar, p + k -> p_bar + k,
 * &v -> &v_bar, an array -> its adjoint array. */
static const char *shadow_ptr(Gen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: {
    const char *pb = rev_par_bar(g, e->var);
    return pb ? pb : bar_name(g, e->var);
  }
  case EX_NUM:   /* a null pointer (NULL, 0) has a null adjoint */
    if (!strcmp(e->text, "0")) return "NULL";
    break;
  case EX_ADD: case EX_SUB:
    if (ty_is_ptr(e->a->ty))
      return format("%s %s %s", shadow_ptr(g, e->a), e->kind == EX_ADD ? "+" : "-", emit_expr(e->b));
    return format("%s + %s", emit_expr(e->a), shadow_ptr(g, e->b));
  case EX_ADDR:
    return format("&%s", shadow(g, e->a));
  case EX_CAST:
    return shadow_ptr(g, e->a);
  case EX_MEMBER: case EX_INDEX:   /* an array member or row decays */
    return shadow(g, e);
  case EX_COND:
    if (!act_expr_active(e->b) || !act_expr_active(e->c)) break;
    return format("%s ? %s : %s", emit_expr(e->a), shadow_ptr(g, e->b), shadow_ptr(g, e->c));
  default:
    break;
  }
  diag_error(e->loc, "cannot find the adjoint of this pointer expression (gradc follows "
             "pointers made from variables, &v, p + k and ?: between such pointers)");
  return "0";
}

static const char *shadow(Gen *g, Expr *e) {
  switch (e->kind) {
  case EX_VAR: {
    const char *pb = rev_par_bar(g, e->var);
    if (pb) return pb;
    const char *b = bar_name(g, e->var);
    if (bar_is_param(g, e->var) && is_scalar_param(e->var)) return format("(*%s)", b);
    return b;
  }
  case EX_INDEX:
    return format("%s[%s]", emit_postfix(shadow_ptr(g, e->a)), emit_expr(e->b));
  case EX_MEMBER:
    if (e->arrow) return format("%s->%s", emit_postfix(shadow_ptr(g, e->a)), e->text);
    if (e->a->kind == EX_VAR && bar_is_param(g, e->a->var) && is_scalar_param(e->a->var))
      return format("%s->%s", bar_name(g, e->a->var), e->text);
    return format("%s.%s", shadow(g, e->a), e->text);
  case EX_DEREF: {
    const char *p = shadow_ptr(g, e->a);
    return format("*%s", strchr(p, ' ') ? format("(%s)", p) : p);
  }
  default:
    diag_error(e->loc, "cannot find the adjoint of this expression");
    return "0";
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

static void push_text(Gen *g, Buf *b, int ind, const char *lv, Type *t, Loc loc) {
  if (!g->joint && !g->sp->split && !g->sp->exported && t->kind == TY_PTR) {
    /* a recursive callee's pointer may address its caller's frame, which
     * has returned when the reverse sweep runs */
    diag_error(loc, "gradc cannot yet record the pointer '%s' in the recursive function '%s': "
               "its reverse sweep would read a frame that has returned; pass indices instead",
               lv, g->fn->name);
    return;
  }
  g->used_tape = true;
  emit_indent(b, ind);
  const char *suf = tape_suffix(t, loc);
  if (*suf == 'n')
    buf_printf(b, "gradc_push_n(%s, &%s, sizeof %s);\n", g->tape, lv, lv);
  else if (*suf == 'p')
    buf_printf(b, "gradc_push_p(%s, (void *)%s);\n", g->tape, lv);   /* const pointers too */
  else
    buf_printf(b, "gradc_push_%s(%s, %s);\n", suf, g->tape, lv);
}

static void push(Gen *g, Buf *b, int ind, Expr *lv) {
  push_text(g, b, ind, emit_expr(lv), lv->ty, lv->loc);
}

static void pop_into(Gen *g, Buf *b, int ind, const char *lv, Type *t, Loc loc) {
  emit_indent(b, ind);
  const char *suf = tape_suffix(t, loc);
  if (*suf == 'n')
    buf_printf(b, "gradc_pop_n(%s, &%s, sizeof %s);\n", g->tape, lv, lv);
  else if (*suf == 'p' || *suf == 'd' || *suf == 'f')
    buf_printf(b, "%s = gradc_pop_%s(%s);\n", lv, suf, g->tape);
  else
    buf_printf(b, "%s = (%s)gradc_pop_%s(%s);\n", lv, emit_type(t), suf, g->tape);
}

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

static void restore(Gen *g, Buf *b, int ind, Expr *lv) {
  const char *t = emit_expr(lv);
  if (caller_memory(lv)) {
    g->used_redo = true;
    const char *suf = tape_suffix(lv->ty, lv->loc);
    if (*suf == 'n') {
      diag_error(lv->loc, "gradc cannot yet restore a whole struct or array in memory the "
                 "caller sees; assign its members");
      return;
    }
    emit_indent(b, ind);
    buf_printf(b, "gradc_redo_%s(_redo, &%s);\n", suf, t);
  }
  pop_into(g, b, ind, t, lv->ty, lv->loc);
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

static const char *mul(const char *seed, const char *factor) {
  return format("%s * %s", seed, emit_paren(factor));
}

/* A seed used more than once is computed once, into a temporary. */
static const char *share(Gen *g, Buf *b, int ind, const char *seed, Type *ty) {
  if (emit_is_simple(seed)) return seed;
  const char *t = format("_r%d", g->nrev++);
  emit_indent(b, ind);
  buf_printf(b, "%s = %s;\n", emit_decl(ty_is_float(ty) ? ty : ty_double(), t), seed);
  return t;
}

static int active_kids(Expr *e) {
  int n = 0;
  if (e->kind == EX_CALL) {
    for (int i = 0; i < e->nargs; i++) n += act_expr_active(e->args[i]);
    return n;
  }
  return act_expr_active(e->a) + act_expr_active(e->b);
}

static const char *operand_text(Expr *e) {
  const char *s = emit_expr(e);
  return emit_paren(s);
}

/* Adds seed * d(e)/d(leaves) into the adjoints of e's active leaves.
 *   a + b:  a_bar += s;      b_bar += s
 *   a - b:  a_bar += s;      b_bar -= s
 *   a * b:  a_bar += s * b;  b_bar += s * a
 *   a / b:  a_bar += s / b;  b_bar -= s * a / (b * b)
 *   f(u):   u_bar += s * f'(u)   (rules.h) */
static void propagate(Gen *g, Expr *e, const char *seed, Buf *b, int ind) {
  if (!act_expr_active(e)) return;
  bool square = e->kind == EX_MUL && ir_same_expr(e->a, e->b);
  if (active_kids(e) > 1 && !square) seed = share(g, b, ind, seed, e->ty);
  switch (e->kind) {
  case EX_VAR: case EX_INDEX: case EX_MEMBER: case EX_DEREF:
    if (ty_is_ptr(e->ty) || e->ty->kind == TY_STRUCT) {
      diag_error(e->loc, "cannot differentiate a copy of a whole %s; assign its elements",
                 e->ty->kind == TY_STRUCT ? "struct" : "array");
      return;
    }
    if (rev_par_add(g, b, ind, e, seed)) return;
    emit_indent(b, ind);
    buf_printf(b, "%s += %s;\n", shadow(g, e), seed);
    return;
  case EX_ADD:
    propagate(g, e->a, seed, b, ind);
    propagate(g, e->b, seed, b, ind);
    return;
  case EX_SUB:
    propagate(g, e->a, seed, b, ind);
    propagate(g, e->b, format("-%s", emit_paren(seed)), b, ind);
    return;
  case EX_NEG:
    propagate(g, e->a, format("-%s", emit_paren(seed)), b, ind);
    return;
  case EX_PLUS: case EX_CAST:
    propagate(g, e->a, seed, b, ind);
    return;
  case EX_MUL:
    if (ir_same_expr(e->a, e->b) && !ir_has_side_effects(e->a)) {
      /* u * u: d/du = 2u */
      propagate(g, e->a, format("%s * (2 * %s)", seed, operand_text(e->a)), b, ind);
      return;
    }
    propagate(g, e->a, mul(seed, emit_expr(e->b)), b, ind);
    propagate(g, e->b, mul(seed, emit_expr(e->a)), b, ind);
    return;
  case EX_DIV:
    propagate(g, e->a, format("%s / %s", seed, operand_text(e->b)), b, ind);
    propagate(g, e->b, format("-%s * %s / (%s * %s)", emit_paren(seed), operand_text(e->a),
                              operand_text(e->b), operand_text(e->b)), b, ind);
    return;
  case EX_COND: {
    emit_indent(b, ind);
    buf_printf(b, "if (%s) {\n", emit_expr(e->a));
    propagate(g, e->b, seed, b, ind + 1);
    emit_indent(b, ind);
    buf_puts(b, "} else {\n");
    propagate(g, e->c, seed, b, ind + 1);
    emit_indent(b, ind);
    buf_puts(b, "}\n");
    return;
  }
  case EX_CALL:
    if (e->rule) {
      const Rule *r = e->rule;
      if (e->nargs != r->nargs) {
        diag_error(e->loc, "'%s' called with %d arguments", e->text, e->nargs);
        return;
      }
      const char *args[RULE_MAX_ARGS];
      for (int i = 0; i < r->nargs; i++) args[i] = emit_expr(e->args[i]);
      for (int i = 0; i < r->nargs; i++) {
        if (!r->d[i]) {
          if (act_expr_active(e->args[i]))
            diag_error(e->args[i]->loc, "argument %d of '%s' carries no derivative", i + 1, e->text);
          continue;
        }
        propagate(g, e->args[i], mul(seed, rule_text(r, r->d[i], args)), b, ind);
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

static void gen_block(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri);
static void gen_stmt(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri);

static bool mentions(const char *text, const char *name);

static bool touched(Gen *g, Var *v) {
  for (int i = 0; i < g->touched.len; i++)
    if (g->touched.data[i] == v) return true;
  return false;
}

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
  if (!act_needs_save(v, s)) return false;
  if (g->joint && (act_fresh_fill(g->fn, s) || act_loop_reset(s))) return false;
  if (g->nest == 0 && g->joint && !touched(g, v) && v->kind != VAR_GLOBAL &&
      (v->kind != VAR_PARAM || (v->is_out && !v->is_wrt && ty_is_ptr(v->ty)))) {
    Expr *rhs = s->e->kind == EX_ASSIGN ? s->e->b : s->e;
    if (!mentions(emit_expr(rhs), v->name)) return false;
  }
  return true;
}

static Spec *spec_for_call(Gen *g, Expr *call, Loc loc);
static bool own_frame(Expr *a);

/* The arguments of a split-mode call: each argument, then the adjoint of
 * each active one. */
/* The adjoint argument for the active argument a of a parameter of type pt:
 * its shadow's address; for a float parameter given a double (or back), the
 * address of a temporary of the parameter's type, declared in pre and added
 * to the shadow in post. */
static const char *adjoint_arg(Gen *g, Type *pt, Expr *a, Buf *pre, Buf *post, int ind) {
  if (ty_is_float(pt) && ty_is_float(a->ty) && pt->kind != a->ty->kind) {
    const char *c = format("_c%d", g->nrev++);
    emit_indent(pre, ind);
    buf_printf(pre, "%s = 0;\n", emit_decl(ty_unconst(pt), c));
    emit_indent(post, ind);
    buf_printf(post, "%s += %s;\n", shadow(g, a), c);
    return format("&%s", c);
  }
  const char *s = ty_is_ptr(a->ty) ? shadow_ptr(g, a) : format("&%s", shadow(g, a));
  if (!strncmp(s, "&(*", 3)) s = arena_strndup(s + 3, strlen(s) - 4);
  return s;
}

static const char *call_args(Gen *g, Spec *sp, Expr *call, bool with_bars, Buf *pre, Buf *post, int ind) {
  Buf b = {0};
  for (int i = 0; i < call->nargs; i++) {
    buf_printf(&b, "%s%s", i ? ", " : "", emit_expr(call->args[i]));
    if (with_bars && bit(sp->mask, i)) {
      Expr *a = call->args[i];
      if (!act_expr_active(a)) {
        /* a companion's scalar adjoint that this call does not need */
        buf_printf(&b, ", &(%s){0}", emit_type(ty_unconst(((Var *)sp->fn->params.data[i])->ty)));
        continue;
      }
      buf_printf(&b, ", %s", adjoint_arg(g, ((Var *)sp->fn->params.data[i])->ty, a, pre, post, ind));
    }
  }
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

/* Makes the user's custom derivative `name` callable from the generated
 * file: a prototype, or a static copy when it is static in the user's file. */
const char *rev_use_custom(Program *p, Func *of, const char *name, Loc loc) {
  Func *c = ir_find_func(p, name);
  if (!c) {
    bool declared = false;
    for (int i = 0; i < p->declared.len && !declared; i++) declared = !strcmp(p->declared.data[i], name);
    if (!declared) diag_error(loc, "the custom derivative '%s' of '%s' is not declared", name, of->name);
    return name;   /* declared in a header the generated file includes */
  }
  if (c->is_static) {
    c->need_primal = true;
    return name;
  }
  Buf b = {0};
  for (int i = 0; i < c->params.len; i++) {
    Var *v = c->params.data[i];
    buf_printf(&b, "%s%s", i ? ", " : "", emit_decl(v->ty, v->name));
  }
  const char *proto = format("%s(%s);", emit_decl(c->ret, c->name), b.data ? b.data : "void");
  buf_free(&b);
  for (int i = 0; i < p->decls.len; i++)
    if (!strcmp(p->decls.data[i], proto)) return name;
  vec_push(&p->decls, (void *)proto);
  return name;
}

/* v = g(args) where g has GRADC_CUSTOM_GRAD(g_rev): the forward sweep calls
 * g, the reverse sweep g_rev(arg, adjoint, ..., seed), with an adjoint
 * after every floating parameter (a dummy or NULL for inactive ones). */
/* count (a GRADC_WRITES expression over fn's parameter names) with the
 * call's arguments put in for the names. */
static const char *writes_count(Func *fn, Expr *call, const char *count) {
  Buf b = {0};
  for (const char *p = count; *p;) {
    if (isalpha((unsigned char)*p) || *p == '_') {
      const char *q = p;
      while (isalnum((unsigned char)*q) || *q == '_') q++;
      const char *word = arena_strndup(p, (size_t)(q - p));
      const char *sub = NULL;
      for (int i = 0; i < fn->params.len && i < call->nargs; i++)
        if (!strcmp(((Var *)fn->params.data[i])->name, word)) sub = format("(%s)", emit_expr(call->args[i]));
      buf_puts(&b, sub ? sub : word);
      p = q;
    } else {
      buf_printf(&b, "%c", *p++);
    }
  }
  const char *r = arena_strdup(b.data ? b.data : "0");
  buf_free(&b);
  return r;
}

/* Whether the call writes through one argument what it reads through
 * another (relu(n, h, h)). */
static bool in_place(Expr *call) {
  Func *fn = call->callee;
  for (int i = 0; i < call->nargs && i < fn->params.len; i++) {
    Type *pi = ((Var *)fn->params.data[i])->ty;
    if (!ty_is_ptr(pi) || pi->base->is_const) continue;
    for (int k = 0; k < call->nargs; k++) {
      if (k == i || !ty_is_ptr(call->args[k]->ty)) continue;
      Var *a = ir_base_var(call->args[i]), *b = ir_base_var(call->args[k]);
      if (a && a == b) return true;
    }
  }
  return false;
}

static void gen_custom_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Buf *fwd, int fi, Buf *rev, int ri) {
  Func *fn = call->callee;
  if (rev_par_refuses(g, call->loc, format("the call of '%s'", call->text))) return;
  const char *name = rev_use_custom(g->p, fn, fn->custom_rev, call->loc);
  for (int i = 0; i < call->nargs && i < 60; i++)
    if (bit(fn->inactive, i) && act_expr_active(call->args[i])) {
      diag_error(call->args[i]->loc, "'%s' has no derivative with respect to its parameter '%s': "
                 "it must not depend on the differentiated inputs", call->text,
                 ((Var *)fn->params.data[i])->name);
      return;
    }
  if (!fn->has_body && in_place(call) && !fn->in_place_ok) {
    diag_error(call->loc, "'%s' would overwrite one of its inputs (in place), which its "
               "derivative needs: give the output its own buffer", call->text);
    return;
  }
  /* blocks the call overwrites (GRADC_WRITES) that the reverse sweep reads
   * are saved before it and restored after its adjoint; before it when the
   * adjoint reads their old values (GRADC_READS_INPUT: always saved). The
   * pops undo the pushes in reverse order: the return value's, then the
   * blocks' from the last. */
  Vec pops = {0};
  for (int i = 0; i < fn->writes.len; i++) {
    Write *w = fn->writes.data[i];
    Expr *a = call->args[w->param];
    Var *b = ir_base_var(a);
    if (!b && fn->reads_input) {
      diag_error(a->loc, "cannot save what '%s' overwrites through '%s', which its derivative "
                 "reads: pass an array or a pointer variable", call->text, emit_expr(a));
      return;
    }
    if (!b || (!fn->reads_input && (!b->rev_read || !act_needs_save(b, s)))) continue;
    const char *at = emit_expr(a);
    const char *n = format("sizeof *(%s) * (size_t)(%s)", at, writes_count(fn, call, w->count));
    g->used_tape = true;
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_n(%s, %s, %s);\n", g->tape, at, n);
    Buf r = {0};
    if (caller_block(a)) {
      g->used_redo = true;
      emit_indent(&r, ri);
      buf_printf(&r, "gradc_redo_block(_redo, %s, %s);\n", at, n);
    }
    emit_indent(&r, ri);
    buf_printf(&r, "gradc_pop_n(%s, %s, %s);\n", g->tape, at, n);
    vec_push(&pops, (void *)arena_strdup(r.data));
    buf_free(&r);
  }
  Buf restores = {0};
  for (int i = pops.len - 1; i >= 0; i--) buf_puts(&restores, pops.data[i]);
  bool save = lhs && needs_save(g, s, lhs);
  if (save) push(g, fwd, fi, lhs);
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(s->e));
  if (save) restore(g, rev, ri, lhs);
  if (fn->reads_input && restores.data) {
    buf_puts(rev, restores.data);
    buf_free(&restores);
  }
  Buf args = {0}, pre = {0}, post = {0};
  for (int i = 0; i < call->nargs; i++) {
    Expr *a = call->args[i];
    Type *pt = i < fn->params.len ? ((Var *)fn->params.data[i])->ty : a->ty;
    buf_printf(&args, "%s%s", i ? ", " : "", emit_expr(a));
    if (!ty_has_float(pt)) continue;
    if (act_expr_active(a)) {
      buf_printf(&args, ", %s", adjoint_arg(g, pt, a, &pre, &post, ri + 1));
    } else if (ty_is_ptr(pt)) {
      buf_puts(&args, ", NULL");
    } else {
      const char *z = format("_z%d", g->nrev++);
      emit_indent(&pre, ri + 1);
      buf_printf(&pre, "%s = 0;\n", emit_decl(ty_unconst(pt), z));   /* written through */
      buf_printf(&args, ", &%s", z);
    }
  }
  const char *seed = ty_is_float(fn->ret) ? "0" : NULL;   /* void kernels take no seed */
  emit_indent(rev, ri);
  buf_puts(rev, "{\n");
  if (pre.data) buf_puts(rev, pre.data);
  if (lhs && act_expr_active(lhs)) {
    seed = format("_r%d", g->nrev++);
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = %s;\n", emit_decl(fn->ret, seed), shadow(g, lhs));
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = 0;\n", shadow(g, lhs));
  }
  emit_indent(rev, ri + 1);
  if (seed)
    buf_printf(rev, "(void)%s(%s%s%s);\n", name, args.data ? args.data : "", call->nargs ? ", " : "", seed);
  else
    buf_printf(rev, "%s(%s);\n", name, args.data ? args.data : "");
  if (post.data) buf_puts(rev, post.data);
  emit_indent(rev, ri);
  buf_puts(rev, "}\n");
  if (restores.data) buf_puts(rev, restores.data);
  buf_free(&args), buf_free(&pre), buf_free(&post), buf_free(&restores);
}

/* A call of a function of this file: v = g(args) or g(args). */
static void gen_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Buf *fwd, int fi, Buf *rev, int ri) {
  bool act = lhs && act_expr_active(lhs);
  for (int i = 0; i < call->nargs; i++) act |= act_expr_active(call->args[i]);
  if (act && call->callee->custom_rev) {
    gen_custom_call(g, s, lhs, call, fwd, fi, rev, ri);
    return;
  }
  if (act && !call->callee->has_body && !call->callee->across) {
    diag_error(call->loc, "cannot differentiate '%s' in reverse mode: it has a custom forward "
               "derivative only; add GRADC_CUSTOM_GRAD", call->text);
    return;
  }
  bool save = lhs && needs_save(g, s, lhs);
  if (act && rev_par_refuses(g, call->loc, format("the call of '%s' (which gradc does not inline)", call->text))) return;
  if (!act) {
    if (save) push(g, fwd, fi, lhs);
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s;\n", emit_expr(s->e));
    if (save) {
      Buf r = {0};
      restore(g, &r, ri, lhs);
      buf_puts(rev, r.data);
      buf_free(&r);
    }
    return;
  }
  if (ty_has_float(call->callee->ret) && !ty_is_float(call->callee->ret)) {
    diag_error(s->loc, "cannot differentiate a call of '%s': it returns a struct or pointer "
               "that carries derivatives (return floating values, or write through a pointer "
               "parameter)", call->text);
    return;
  }
  Spec *sp = spec_for_call(g, call, s->loc);
  if (!sp) return;
  if (call->callee->across && !call->callee->has_body && !g->joint)
    for (int i = 0; i < call->nargs; i++)
      if (own_frame(call->args[i])) {
        /* the other file's companions may record addresses in it, which a
         * split forward sweep's return leaves dangling */
        diag_error(call->args[i]->loc, "gradc cannot yet pass '%s', memory of the frame of '%s', to "
                   "'%s', which is defined in another file: '%s' has a separate forward and reverse "
                   "sweep because %s", emit_expr(call->args[i]), g->fn->name, call->callee->name,
                   g->fn->name, split_why(g));
        return;
      }
  for (int i = 0; i < call->nargs; i++) {
    /* a callee that may write a wrt array would restart its adjoints at 0
     * in its reverse sweep, losing what the caller accumulated there */
    Var *b = ir_base_var(call->args[i]);
    Type *pt = ((Var *)call->callee->params.data[i])->ty;
    if (b && b->input_mem && ty_is_ptr(pt) && !pt->base->is_const) {
      diag_error(call->args[i]->loc, "'%s' may write the wrt array '%s' (its parameter is not "
                 "const): gradc cannot keep the gradient accumulated in '%s_bar'; declare the "
                 "parameter const, or pass a copy", call->text, b->name, b->name);
      return;
    }
  }
  g->used_tape = true;
  const char *args = call_args(g, sp, call, false, NULL, NULL, 0);
  const char *invoke = format("%s(%s%s%s)", sp->fwd, args, *args ? ", " : "", g->tape);
  if (save) {
    /* the callee records on the tape first; the old value of lhs is saved
     * after it, so that the reverse sweep restores lhs before replaying the
     * callee, in LIFO order */
    const char *r = format("_r%d", g->nrev++);
    emit_indent(fwd, fi);
    buf_printf(fwd, "{\n");
    emit_indent(fwd, fi + 1);
    buf_printf(fwd, "%s = %s;\n", emit_decl(lhs->ty, r), invoke);
    push(g, fwd, fi + 1, lhs);
    emit_indent(fwd, fi + 1);
    buf_printf(fwd, "%s = %s;\n", emit_expr(lhs), r);
    emit_indent(fwd, fi);
    buf_printf(fwd, "}\n");
  } else {
    emit_indent(fwd, fi);
    if (lhs) buf_printf(fwd, "%s = %s;\n", emit_expr(lhs), invoke);
    else buf_printf(fwd, "%s;\n", invoke);
  }

  if (save) restore(g, rev, ri, lhs);
  emit_indent(rev, ri);
  buf_puts(rev, "{\n");
  const char *seed = NULL;
  bool fret = ty_is_float(call->callee->ret);
  if (fret) {
    if (lhs && act_expr_active(lhs)) {
      seed = format("_r%d", g->nrev++);
      emit_indent(rev, ri + 1);
      buf_printf(rev, "%s = %s;\n", emit_decl(call->callee->ret, seed), shadow(g, lhs));
      emit_indent(rev, ri + 1);
      buf_printf(rev, "%s = 0;\n", shadow(g, lhs));
    } else {
      seed = "0";
    }
  }
  Buf pre = {0}, post = {0};
  const char *bargs = call_args(g, sp, call, true, &pre, &post, ri + 1);
  if (pre.data) buf_puts(rev, pre.data);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "%s(%s%s%s%s%s, _redo);\n", sp->rev, bargs, *bargs ? ", " : "", seed ? seed : "",
             seed ? ", " : "", g->tape);
  if (post.data) buf_puts(rev, post.data);
  buf_free(&pre), buf_free(&post);
  g->used_redo = true;
  emit_indent(rev, ri);
  buf_puts(rev, "}\n");
}

/* Whether a call's argument addresses the calling function's own frame. */
static bool own_frame(Expr *a) {
  Var *b = ir_base_var(a);
  if (!b || b->kind == VAR_PARAM || b->kind == VAR_GLOBAL || b->is_static) return false;
  if (b->ty->kind == TY_ARRAY || ir_uncast(a)->kind == EX_ADDR) return true;
  return b->ty->kind == TY_PTR && !b->foreign;
}

/* p = realloc(q, n): the old block stays allocated until the reverse sweep
 * is over (its values may be read there, and its adjoint is where the
 * copied elements' adjoints go): the new block is allocated and the kept
 * part copied by hand, the old one freed at the end. */
static void gen_realloc(Gen *g, Expr *lhs, Expr *call, const char *sb, Buf *fwd, int fi, Buf *rev, int ri) {
  Expr *q = ir_uncast(call->args[0]);
  const char *n = emit_expr(call->args[1]);
  const char *qb = act_expr_active(q) ? shadow_ptr(g, q) : "NULL";
  const char *k = format("_m%d", g->nrev++), *ob = format("_ob%d", g->nrev++);
  emit_indent(fwd, fi);
  buf_printf(fwd, "{\n");
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "void *_o = %s, *%s = %s;\n", emit_expr(q), ob, qb);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "size_t %s = gradc_alloc_size(_o);\n", k);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (%s && gradc_alloc_size(%s) < %s) %s = gradc_alloc_size(%s);\n", ob, ob, k, k, ob);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (%s > (size_t)(%s)) %s = %s;\n", k, n, k, n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "%s = malloc(%s);\n", emit_expr(lhs), n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (!%s && (%s) != 0) gradc_error(\"out of memory in realloc\");\n", emit_expr(lhs), n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (%s) memcpy(%s, _o, %s);\n", k, emit_expr(lhs), k);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_p(%s, _o);\n", g->frees);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "%s = calloc(1, %s);\n", sb, n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (!%s && (%s) != 0) gradc_error(\"out of memory allocating an adjoint buffer\");\n", sb, n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->frees, sb);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->tape, ob);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_l(%s, (long)%s);\n", g->tape, k);
  emit_indent(fwd, fi);
  buf_printf(fwd, "}\n");
  g->used_tape = g->used_frees = true;
  /* reverse: the kept elements' adjoints go back to the old block's */
  Type *el = ty_elem(lhs->ty);
  emit_indent(rev, ri);
  buf_printf(rev, "{\n");
  emit_indent(rev, ri + 1);
  buf_printf(rev, "size_t %s = (size_t)gradc_pop_l(%s);\n", k, g->tape);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "%s = gradc_pop_p(%s);\n", emit_decl(ty_ptr_to(ty_unconst(el)), ob), g->tape);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "if (%s) gradc_move_adj_%s(%s, %s, %s / sizeof *%s);\n", ob, el->kind == TY_FLOAT ? "f" : "d",
             sb, ob, k, sb);
  emit_indent(rev, ri);
  buf_printf(rev, "}\n");
}

/* lhs = malloc(n), calloc(k, n), realloc(q, n), or posix_memalign(&lhs,
 * a, n) as `call`, for a buffer that carries derivatives: its adjoint buffer
 * is allocated beside it, zeroed, and both are freed after the reverse
 * sweep. */
static void gen_alloc(Gen *g, Stmt *s, Expr *lhs, Expr *call, Buf *fwd, int fi, Buf *rev, int ri) {
  call = ir_uncast(call);
  if (!g->joint) {
    diag_error(s->loc, "gradc cannot yet differentiate an allocated buffer in '%s', which keeps a "
               "separate forward and reverse sweep (%s); allocate the buffer in the caller",
               g->fn->name, split_why(g));
    return;
  }
  bool save = needs_save(g, s, lhs);
  const char *sb = shadow_ptr(g, lhs);
  if (save) {
    /* an earlier buffer and its adjoint come back together */
    push(g, fwd, fi, lhs);
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_p(%s, (void *)%s);\n", g->tape, sb);
  }
  if (!strcmp(call->text, "realloc")) {
    if (!ty_is_float(ty_elem(lhs->ty))) {
      diag_error(s->loc, "gradc follows realloc of float and double arrays only");
      return;
    }
    gen_realloc(g, lhs, call, sb, fwd, fi, rev, ri);
  } else {
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s;\n", emit_expr(s->e));
    emit_indent(fwd, fi);
    if (!strcmp(call->text, "calloc"))
      buf_printf(fwd, "%s = calloc(%s, %s);\n", sb, emit_expr(call->args[0]), emit_expr(call->args[1]));
    else   /* malloc(n), posix_memalign(&p, a, n) */
      buf_printf(fwd, "%s = calloc(1, %s);\n", sb, emit_expr(call->args[call->nargs - 1]));
    emit_indent(fwd, fi);
    buf_printf(fwd, "if (!%s) gradc_error(\"out of memory allocating an adjoint buffer\");\n", sb);
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->frees, sb);
  }
  g->used_frees = true;
  if (save) {
    emit_indent(rev, ri);
    buf_printf(rev, "%s = gradc_pop_p(%s);\n", sb, g->tape);
    restore(g, rev, ri, lhs);
  }
}



/* memcpy(d, s, n) and memmove(d, s, n) of float or double arrays: the
 * adjoint moves d's adjoint onto s's (gradc_move_adj); memset(d, c, n)
 * leaves d without a derivative. The bytes of d that the reverse sweep reads
 * are saved before and restored after. Copies between different types
 * (type punning) and of structs are refused by activity.c. */
static void gen_mem_call(Gen *g, Stmt *s, Expr *e, Buf *fwd, int fi, Buf *rev, int ri) {
  const char *name = ir_mem_call(e);
  bool set = !strcmp(name, "memset");
  Expr *d = ir_uncast(e->args[0]), *src = set ? NULL : ir_uncast(e->args[1]);
  Type *dt = ir_mem_elem(d);   /* copies between types are refused by activity.c */
  bool dact = act_expr_active(d), sact = src && act_expr_active(src);
  if (!dact && !sact) {
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s;\n", emit_expr(e));
    return;
  }
  if (rev_par_refuses(g, e->loc, format("'%s'", name))) return;
  if (!ty_is_float(dt)) {
    diag_error(e->loc, "cannot differentiate '%s' of '%s': gradc follows %s of float and double "
               "arrays only", name, dt ? ty_name(dt) : "void", name);
    return;
  }
  const char *dtext = emit_expr(d), *n = emit_expr(e->args[2]);
  const char *count = format("(%s) / sizeof *(%s)", n, dtext);
  Var *b = ir_base_var(d);
  Buf restores = {0};
  if (b && b->rev_read && act_needs_save(b, s)) {
    g->used_tape = true;
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_n(%s, %s, %s);\n", g->tape, dtext, n);
    if (caller_block(d)) {
      g->used_redo = true;
      emit_indent(&restores, ri);
      buf_printf(&restores, "gradc_redo_block(_redo, %s, %s);\n", dtext, n);
    }
    emit_indent(&restores, ri);
    buf_printf(&restores, "gradc_pop_n(%s, %s, %s);\n", g->tape, dtext, n);
  }
  if (dact && b && b->input_mem) {
    /* the elements of a wrt array restart their adjoints at 0 (see gen_assign) */
    if (!g->joint || !g->sp->top) {
      diag_error(e->loc, "gradc cannot yet overwrite the wrt array '%s' with '%s' here (in '%s', "
                 "which keeps a separate forward and reverse sweep: %s)", b->name, name, g->fn->name,
                 split_why(g));
      return;
    }
    const char *k = format("_k%d", g->nrev++);
    emit_indent(fwd, fi);
    buf_printf(fwd, "for (size_t %s = 0; %s < %s; %s++) gradc_stash_%s(&_stash, &%s[%s]);\n", k, k, count, k,
               dt->kind == TY_FLOAT ? "f" : "d", shadow_ptr(g, d), k);
    g->used_stash = true;
  }
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(e));
  if (dact) {
    emit_indent(rev, ri);
    if (sact)
      buf_printf(rev, "gradc_move_adj_%s(%s, %s, %s);\n", dt->kind == TY_FLOAT ? "f" : "d", shadow_ptr(g, d),
                 shadow_ptr(g, src), count);
    else
      buf_printf(rev, "memset(%s, 0, %s);\n", shadow_ptr(g, d), n);
  }
  if (restores.data) buf_puts(rev, restores.data);
  buf_free(&restores);
}


/* dst_bar.path += src_bar.path for each floating member of t, recursively
 * through nested structs and fixed-size arrays. */
/* base.field, written base->field when base is (*p). */
static const char *member_of(const char *base, const char *field) {
  size_t n = strlen(base);
  if (n > 3 && !strncmp(base, "(*", 2) && base[n - 1] == ')' && emit_is_name(arena_strndup(base + 2, n - 3)))
    return format("%.*s->%s", (int)(n - 3), base + 2, field);
  return format("%s.%s", base, field);
}

static void accumulate_members(Gen *g, Type *t, const char *dst, const char *src, Buf *b, int ind, Loc loc) {
  if (ty_is_float(t)) {
    emit_indent(b, ind);
    buf_printf(b, "%s += %s;\n", dst, src);
  } else if (t->kind == TY_STRUCT) {
    for (int i = 0; i < t->nfields; i++)
      if (ty_has_float(t->fields[i].ty))
        accumulate_members(g, t->fields[i].ty, member_of(dst, t->fields[i].name),
                           member_of(src, t->fields[i].name), b, ind, loc);
  } else if (t->kind == TY_ARRAY && t->len >= 0) {
    const char *k = format("_k%d", g->nrev++);
    emit_indent(b, ind);
    buf_printf(b, "for (int %s = 0; %s < %ld; %s++) {\n", k, k, t->len, k);
    accumulate_members(g, t->base, format("%s[%s]", dst, k), format("%s[%s]", src, k), b, ind + 1, loc);
    emit_indent(b, ind);
    buf_puts(b, "}\n");
  } else {
    diag_error(loc, "cannot differentiate a copy of this aggregate (a union or an array of "
               "unknown length); assign its elements");
  }
}

/* lhs = rhs for structs (and arrays inside structs): the adjoint moves
 * member by member. */
static void gen_aggregate_copy(Gen *g, Stmt *s, Expr *lhs, Expr *rhs, Buf *rev, int ri) {
  if (rev_par_refuses(g, s->loc, "a copy of a whole struct")) return;
  const char *sh = shadow(g, lhs);
  if (act_expr_active(rhs)) {
    if (!ir_is_lvalue(rhs)) {
      diag_error(rhs->loc, "cannot differentiate this struct value; assign its members");
      return;
    }
    if (ir_base_var(rhs) == ir_base_var(lhs)) {
      diag_error(s->loc, "cannot differentiate a struct copy within one variable; copy through a temporary");
      return;
    }
    accumulate_members(g, lhs->ty, shadow(g, rhs), sh, rev, ri, s->loc);
  }
  if (!s->init_of_decl || g->loop_depth) {
    emit_indent(rev, ri);
    buf_printf(rev, "memset(&%s, 0, sizeof %s);\n", sh, sh);
  }
}

/* Whether text mentions the identifier name. */
static bool mentions(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(text, name); p; p = strstr(p + 1, name))
    if ((p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
        !(isalnum((unsigned char)p[n]) || p[n] == '_'))
      return true;
  return false;
}

static bool reads_only_fixed(Expr *e);

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

static void derive_shadow(Gen *g, Buf *rev, int ri, Expr *lhs, Var *base) {
  const char *p = emit_expr(lhs);
  emit_indent(rev, ri);
  buf_printf(rev, "%s = %s ? %s + (%s - %s) : NULL;\n", shadow_ptr(g, lhs), p, bar_name(g, base), p, base->name);
}


static void gen_assign(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Expr *lhs = s->e->a, *rhs = s->e->b;
  Var *base = ir_base_var(lhs);
  if (rhs->kind == EX_CALL && rhs->callee) {
    gen_call(g, s, lhs, rhs, fwd, fi, rev, ri);
    return;
  }
  bool act = act_expr_active(lhs);
  if (act && ir_alloc_call(rhs)) {
    gen_alloc(g, s, lhs, rhs, fwd, fi, rev, ri);
    return;
  }
  if (ir_memalign_target(rhs)) {   /* r = posix_memalign(&p, ...): r is an int */
    gen_alloc(g, s, ir_var(ir_memalign_target(rhs), s->loc), rhs, fwd, fi, rev, ri);
    return;
  }
  if (act && base && base->kind == VAR_GLOBAL && act_expr_active(rhs)) {
    diag_error(s->loc, "cannot differentiate a write of an active value to the global '%s': "
               "global state stops gradients (pass it as a parameter)", base->name);
    return;
  }
  bool save = needs_save(g, s, lhs);
  bool ptr = ty_is_ptr(lhs->ty) && act;
  if (act && !ptr && lhs->kind != EX_VAR && base && base->input_mem && ty_is_float(lhs->ty)) {
    /* an element of a wrt array is overwritten: its adjoint restarts at 0,
     * and the caller's accumulated value comes back at the end */
    if (!g->joint || !g->sp->top) {
      diag_error(s->loc, "gradc cannot yet overwrite an element of the wrt array '%s' here "
                 "(in '%s', which keeps a separate forward and reverse sweep: %s): copy it to a "
                 "local array first", base->name, g->fn->name, split_why(g));
      return;
    }
    if (rev_par_refuses(g, s->loc, "an overwrite of an element of a wrt array")) return;
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_stash_%s(&_stash, &%s);\n", lhs->ty->kind == TY_FLOAT ? "f" : "d", shadow(g, lhs));
    g->used_stash = true;
  }
  /* p = p + k, i = i - k (k fixed): the reverse sweep takes the step back
   * instead of taping the old value; exact for integers and pointers */
  bool inv = save && lhs->kind == EX_VAR && lhs->var->kind != VAR_GLOBAL &&
             (lhs->ty->kind == TY_PTR || (ty_is_int(lhs->ty) && !strstr(lhs->ty->spell ? lhs->ty->spell : "", "ool"))) &&
             (rhs->kind == EX_ADD || rhs->kind == EX_SUB) && ir_same_expr(rhs->a, lhs) && ty_is_int(rhs->b->ty) &&
             !ir_has_side_effects(rhs->b) && reads_only_fixed(rhs->b);
  const char *back = inv ? format("%s %s", rhs->kind == EX_ADD ? "-" : "+", emit_paren(emit_expr(rhs->b))) : NULL;
  if (save && !inv) push(g, fwd, fi, lhs);
  Var *from = ptr && !g->joint ? derived_base(g, lhs) : NULL;
  if (save && ptr && !inv && !from) {
    if (!g->joint) {
      diag_error(s->loc, "gradc does not yet follow pointer variables that carry derivatives "
                 "and change in '%s', which keeps a separate forward and reverse sweep (%s), "
                 "unless every value they take is made from one pointer parameter",
                 g->fn->name, split_why(g));
      return;
    }
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_p(%s, (void *)%s);\n", g->tape, shadow_ptr(g, lhs));
  }
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(s->e));
  if (ptr && from) {
    /* split mode: the reverse sweep derives the shadow from the value */
    if (save && inv) {
      emit_indent(rev, ri);
      buf_printf(rev, "%s = %s %s;\n", emit_expr(lhs), emit_expr(lhs), back);
    } else if (save) {
      restore(g, rev, ri, lhs);
    }
    if (save) derive_shadow(g, rev, ri, lhs, from);
    return;
  }
  if (ptr) {
    if (!g->joint) {
      if (lhs->kind == EX_VAR && lhs->var->kind != VAR_PARAM) {
        diag_error(s->loc, "gradc does not yet follow pointer variables that carry derivatives "
                   "in '%s', which keeps a separate forward and reverse sweep (%s); pass the "
                   "buffer as a parameter", g->fn->name, split_why(g));
      }
      return;
    }
    if (!ir_alloc_call(rhs)) {
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", shadow_ptr(g, lhs), shadow_ptr(g, rhs));
    }
    if (save && inv) {
      emit_indent(rev, ri);
      buf_printf(rev, "%s = %s %s;\n", shadow_ptr(g, lhs), shadow_ptr(g, lhs), back);
      emit_indent(rev, ri);
      buf_printf(rev, "%s = %s %s;\n", emit_expr(lhs), emit_expr(lhs), back);
    } else if (save) {
      emit_indent(rev, ri);
      buf_printf(rev, "%s = gradc_pop_p(%s);\n", shadow_ptr(g, lhs), g->tape);
      restore(g, rev, ri, lhs);
    }
    return;
  }
  if (save && inv) {
    emit_indent(rev, ri);
    buf_printf(rev, "%s = %s %s;\n", emit_expr(lhs), emit_expr(lhs), back);
  } else if (save) {
    restore(g, rev, ri, lhs);
  }
  if (!act) return;
  if (lhs->ty->kind == TY_STRUCT || lhs->ty->kind == TY_ARRAY) {
    gen_aggregate_copy(g, s, lhs, rhs, rev, ri);
    return;
  }
  Var *lb = base;
  /* does rhs read lhs's variable? then the seed needs a copy */
  bool self = lb && mentions(emit_expr(rhs), lb->name);
  /* out[i] = a[i] - m with out and a the same array (a helper's input and
   * output, inlined): memory read by rhs may be lhs under another name, so
   * lhs's adjoint is taken and cleared before it flows to rhs */
  if (!self && ir_reads_memory(rhs) && (lhs->kind != EX_VAR || lhs->var->addr_taken || lhs->var->kind == VAR_GLOBAL)) self = true;
  const char *sh = shadow(g, lhs);
  if (!act_expr_active(rhs)) {
    if (!s->init_of_decl || g->loop_depth) {
      emit_indent(rev, ri);
      buf_printf(rev, "%s = 0;\n", sh);
    }
    return;
  }
  if (self && (rhs->kind == EX_ADD || rhs->kind == EX_SUB) && ir_same_expr(rhs->a, lhs) &&
      !mentions(emit_expr(rhs->b), lb->name)) {
    /* lhs = lhs + e: lhs's adjoint passes through unchanged; e gets it */
    propagate(g, rhs->b, rhs->kind == EX_ADD ? sh : format("-%s", sh), rev, ri);
    return;
  }
  if (self) {
    const char *d = format("_r%d", g->nrev++);
    emit_indent(rev, ri);
    buf_puts(rev, "{\n");
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = %s;\n", emit_decl(lhs->ty, d), sh);
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = 0;\n", sh);
    propagate(g, rhs, d, rev, ri + 1);
    emit_indent(rev, ri);
    buf_puts(rev, "}\n");
    return;
  }
  propagate(g, rhs, sh, rev, ri);
  if (!s->init_of_decl || g->loop_depth) {
    emit_indent(rev, ri);
    buf_printf(rev, "%s = 0;\n", sh);
  }
}

/* What a libm call with an out-parameter writes, frexp(x, &e): e (or *p for
 * frexp(x, p)). Saved, like an assigned variable, when the reverse sweep reads
 * it; restored after the statement's adjoint code, which may evaluate the
 * call again (its partials read only x). Returns the values to restore. */
static Vec save_rule_outs(Gen *g, Stmt *s, Buf *fwd, int fi) {
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
    push(g, fwd, fi, lv);
    vec_push(&saved, lv);
  }
  return saved;
}

static void restore_rule_outs(Gen *g, Vec *saved, Buf *rev, int ri) {
  for (int i = saved->len - 1; i >= 0; i--) restore(g, rev, ri, saved->data[i]);
}

static void gen_expr_stmt_(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri);

/* An expression statement; the values its libm out-parameters overwrote are
 * restored after its reverse code (rev holds this statement's alone). */
static void gen_expr_stmt(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Vec outs = save_rule_outs(g, s, fwd, fi);
  gen_expr_stmt_(g, s, fwd, fi, rev, ri);
  restore_rule_outs(g, &outs, rev, ri);
}

static void gen_expr_stmt_(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Expr *e = s->e;
  if (e->kind == EX_ASSIGN) {
    gen_assign(g, s, fwd, fi, rev, ri);
    return;
  }
  if (e->kind == EX_CALL && e->callee) {
    gen_call(g, s, NULL, e, fwd, fi, rev, ri);
    return;
  }
  if (ir_mem_call(e)) {
    gen_mem_call(g, s, e, fwd, fi, rev, ri);
    return;
  }
  if (ir_memalign_target(e)) {
    gen_alloc(g, s, ir_var(ir_memalign_target(e), s->loc), e, fwd, fi, rev, ri);
    return;
  }
  if (ir_free_call(e)) {
    Var *v = ir_base_var(e->args[0]);
    if (v && (v->active || v->rev_read) && g->joint) {
      /* the reverse sweep still reads the buffer: free it at the end */
      emit_indent(fwd, fi);
      buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->frees, emit_expr(e->args[0]));
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
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(e));
}

/* Where a branch or a loop count is recorded: a local when the statement
 * runs at most once (joint mode, outside loops), else the tape. */
static const char *record_var(Gen *g, const char *base, const char *type) {
  const char *name = format("_%s%d", base, g->fn->ntemps++);
  vec_push(&g->flags, (void *)format("%s %s = 0;", type, name));
  return name;
}

static void gen_if(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Buf tf = {0}, tr = {0}, ef = {0}, er = {0};
  gen_block(g, s->body, &tf, fi + 1, &tr, ri + 1);
  if (s->els) gen_block(g, s->els, &ef, fi + 1, &er, ri + 1);
  bool need = tr.len || er.len;
  bool local = g->joint && g->loop_depth == 0;
  const char *rec = need && local ? record_var(g, "b", "int") : NULL;
  emit_indent(fwd, fi);
  buf_printf(fwd, "if (%s) {\n", emit_expr(s->e));
  if (tf.data) buf_puts(fwd, tf.data);
  if (need) {
    emit_indent(fwd, fi + 1);
    if (rec) buf_printf(fwd, "%s = 1;\n", rec);
    else buf_printf(fwd, "gradc_push_i(%s, 1);\n", g->tape), g->used_tape = true;
  }
  if (s->els || need) {
    emit_indent(fwd, fi);
    buf_puts(fwd, "} else {\n");
    if (ef.data) buf_puts(fwd, ef.data);
    if (need && !rec) {
      emit_indent(fwd, fi + 1);
      buf_printf(fwd, "gradc_push_i(%s, 0);\n", g->tape);
    }
  }
  emit_indent(fwd, fi);
  buf_puts(fwd, "}\n");
  if (need) {
    emit_indent(rev, ri);
    buf_printf(rev, "if (%s) {\n", rec ? rec : format("gradc_pop_i(%s)", g->tape));
    if (tr.data) buf_puts(rev, tr.data);
    if (er.len) {
      emit_indent(rev, ri);
      buf_puts(rev, "} else {\n");
      buf_puts(rev, er.data);
    }
    emit_indent(rev, ri);
    buf_puts(rev, "}\n");
  }
  buf_free(&tf), buf_free(&tr), buf_free(&ef), buf_free(&er);
}

/* i = i + 1 prints as i++ in loop headers. */
static const char *inc_text(Expr *inc) {
  if (inc->kind == EX_ASSIGN && (inc->b->kind == EX_ADD || inc->b->kind == EX_SUB) &&
      ir_same_expr(inc->a, inc->b->a) && inc->b->b->kind == EX_NUM && !strcmp(inc->b->b->text, "1"))
    return format("%s%s", emit_expr(inc->a), inc->b->kind == EX_ADD ? "++" : "--");
  return emit_expr(inc);
}

static bool reads_only_fixed(Expr *e) {
  if (!e) return true;
  if (e->kind == EX_VAR) return !e->var->written && e->var->kind != VAR_GLOBAL;
  if (e->kind == EX_CALL || ir_reads_memory(e)) return false;
  return reads_only_fixed(e->a) && reads_only_fixed(e->b) && reads_only_fixed(e->c);
}


/* Whether e has, when the reverse sweep reaches loop s, the value it had
 * when s started: it reads variables that are never assigned, or the
 * counters of counted loops around s (their reverse loops rebuild them) that
 * s does not assign. */
static bool fixed_at(Expr *e, Stmt *s) {
  if (!e) return true;
  if (e->kind == EX_VAR) {
    Var *v = e->var;
    if (!v->written && v->kind != VAR_GLOBAL) return true;
    for (Stmt *l = s->loop; l; l = l->loop)
      if (ir_counted_loop(l, NULL, NULL) == v) return !ir_assigns(s, v);
    return false;
  }
  if (e->kind == EX_CALL || ir_reads_memory(e) || ir_has_side_effects(e)) return false;
  return fixed_at(e->a, s) && fixed_at(e->b, s) && fixed_at(e->c, s);
}

/* The final index of a counted loop with step 1 and fixed bounds, from the
 * bounds (so nothing is taped): for (i = a; i < b; i++) ends at
 * a < b ? b : a, compared in i's type as the loop compares. */
static const char *end_from_bounds(Stmt *s, Var *iv, const char *start, Type *start_ty, bool up,
                                   const char *step) {
  Expr *c = s->e;
  if (strcmp(step, "1") || !c || c->a == NULL || c->a->kind != EX_VAR || c->a->var != iv) return NULL;
  if (!fixed_at(c->b, s)) return NULL;
  const char *t = emit_type(ty_unconst(iv->ty)), *b = emit_paren(emit_expr(c->b));
  /* casts only where the bound's type differs from the counter's */
  bool same = !strcmp(t, emit_type(ty_unconst(c->b->ty))) &&
              (!strcmp(start, "0") || !strcmp(t, emit_type(ty_unconst(start_ty))));
  const char *a = same ? emit_paren(start) : format("(%s)%s", t, emit_paren(start));
  const char *cb = same ? b : format("(%s)%s", t, b);
  if (up && c->kind == EX_LT) return format("%s < %s ? %s : %s", a, b, cb, a);
  if (up && c->kind == EX_LE) return format("%s <= %s ? %s + 1 : %s", a, b, cb, a);
  if (up && c->kind == EX_NE) return cb;
  if (!up && c->kind == EX_GT) return format("%s > %s ? %s : %s", a, b, cb, a);
  if (!up && c->kind == EX_GE) return format("%s >= %s ? %s - 1 : %s", a, b, cb, a);
  return NULL;
}

/* ---- for the other parts of reverse mode (rev.h) -------------------------- */

const char *rev_bar_name(Gen *g, Var *v) { return bar_name(g, v); }
const char *rev_shadow(Gen *g, Expr *e) { return shadow(g, e); }
const char *rev_record_var(Gen *g, const char *base, const char *type) { return record_var(g, base, type); }
void rev_push_text(Gen *g, Buf *b, int ind, const char *lv, Type *t, Loc loc) { push_text(g, b, ind, lv, t, loc); }
void rev_pop_into(Gen *g, Buf *b, int ind, const char *lv, Type *t, Loc loc) { pop_into(g, b, ind, lv, t, loc); }
const char *rev_shadow_ptr(Gen *g, Expr *e) { return shadow_ptr(g, e); }
void rev_gen_stmt(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) { gen_stmt(g, s, fwd, fi, rev, ri); }
void rev_gen_block(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) { gen_block(g, s, fwd, fi, rev, ri); }

static void gen_loop(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  /* a parallel loop stays parallel in f_grad; nested in another one or in a
   * separate sweep it runs serially */
  if (s->omp && g->joint && g->sp->top && !*name_tag && !g->par) {
    rev_par_loop(g, s, fwd, fi, rev, ri);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth == 0 && !*name_tag) {
    /* the body's code for one recorded iteration, inside the schedule's
     * branch (three levels in) */
    Buf bf = {0}, br = {0};
    g->loop_depth++;
    gen_block(g, s->body, &bf, ri + 3, &br, ri + 3);
    g->loop_depth--;
    Buf initf = {0}, initr = {0};
    if (s->kind == ST_FOR && s->init) gen_stmt(g, s->init, &initf, fi, &initr, ri);
    if (initf.data) buf_puts(fwd, initf.data);
    rev_ckpt_loop(g, s, &bf, &br, fwd, fi, rev, ri);
    if (initr.data) buf_puts(rev, initr.data);
    buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth > 0 && !*name_tag)
    diag_error(s->loc, "gradc cannot yet checkpoint a loop inside another loop: put GRADC_CHECKPOINT "
               "before the outer one");
  Buf bf = {0}, br = {0};
  g->loop_depth++;
  gen_block(g, s->body, &bf, fi + 1, &br, ri + 1);
  g->loop_depth--;
  bool need = br.len > 0;
  Buf initf = {0}, initr = {0};
  if (s->kind == ST_FOR && s->init) gen_stmt(g, s->init, &initf, fi, &initr, ri);
  bool local = g->joint && g->loop_depth == 0;
  Var *iv;
  const char *step;
  bool up;
  if (need && (iv = ir_counted_loop(s, &step, &up))) {
    /* a counted loop, whose reverse runs i backwards from its final value */
    /* forward: the loop, then the final index (and the first, unless it
     * can be computed again) go to the tape, or to locals in joint mode
     * outside loops */
    const char *header_init = "";
    if (initf.data && !strstr(initf.data, "gradc_") && strchr(initf.data, ';') == strrchr(initf.data, ';')) {
      const char *p = initf.data;       /* a single assignment: keep it in the header */
      while (*p == ' ') p++;
      header_init = arena_strndup(p, strlen(p) - 2);
    } else if (initf.data) {
      buf_puts(fwd, initf.data);
    }
    Expr *start = s->init->e->b;
    const char *start_text = emit_expr(start);
    const char *start_var = NULL;
    if (!fixed_at(start, s)) {
      if (*header_init) {
        emit_indent(fwd, fi);
        buf_printf(fwd, "%s;\n", header_init);
        header_init = "";
      }
      start_var = record_var(g, "s", emit_type(iv->ty));
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", start_var, iv->name);
      start_text = start_var;
    }
    emit_indent(fwd, fi);
    buf_printf(fwd, "for (%s; %s; %s) {\n", header_init, s->e ? emit_expr(s->e) : "", inc_text(s->inc));
    buf_puts(fwd, bf.data);
    emit_indent(fwd, fi);
    buf_puts(fwd, "}\n");
    const char *endv = NULL;
    const char *computed = start_var ? NULL : end_from_bounds(s, iv, start_text, start->ty, up, step);
    if (local) {
      endv = record_var(g, "e", emit_type(iv->ty));
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", endv, iv->name);
    } else if (computed) {
      endv = computed;
    } else {
      if (start_var) push(g, fwd, fi, ir_var(&(Var){.name = start_var, .ty = iv->ty}, s->loc));
      push(g, fwd, fi, ir_var(iv, s->loc));
    }
    /* reverse: from the last index back to the first */
    const char *n = iv->name;
    if (!endv) {
      pop_into(g, rev, ri, n, iv->ty, s->loc);
      endv = n;
      if (start_var) pop_into(g, rev, ri, start_var, iv->ty, s->loc);
    }
    /* the final index is the first one plus a whole number of steps: the
     * reverse loop steps back until it meets the first, with no comparison
     * that an unsigned counter would pass (i >= 0) */
    emit_indent(rev, ri);
    if (!strcmp(step, "1")) {
      buf_printf(rev, "for (%s; %s%s %s %s;) {\n", endv == n ? "" : format("%s = %s", n, endv), n,
                 up ? "--" : "++", up ? ">" : "<", emit_paren(start_text));
    } else {
      buf_printf(rev, "for (%s; %s != %s;) {\n", endv == n ? "" : format("%s = %s", n, endv), n,
                 emit_paren(start_text));
      emit_indent(rev, ri + 1);
      buf_printf(rev, "%s %s= %s;\n", n, up ? "-" : "+", step);
    }
    buf_puts(rev, br.data);
    emit_indent(rev, ri);
    buf_puts(rev, "}\n");
    if (initr.data) buf_puts(rev, initr.data);
    buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
    return;
  }
  if (initf.data) buf_puts(fwd, initf.data);
  const char *cnt = NULL;
  if (need) {
    cnt = record_var(g, "n", "long");
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s = 0;\n", cnt);
  }
  emit_indent(fwd, fi);
  const char *inc = s->kind == ST_FOR && s->inc ? emit_expr(s->inc) : NULL;
  if (s->kind == ST_DO) buf_puts(fwd, "do {\n");
  else if (s->kind == ST_FOR) buf_printf(fwd, "for (; %s; %s) {\n", s->e ? emit_expr(s->e) : "", inc ? inc : "");
  else buf_printf(fwd, "while (%s) {\n", emit_expr(s->e));
  if (bf.data) buf_puts(fwd, bf.data);
  if (need) {
    emit_indent(fwd, fi + 1);
    buf_printf(fwd, "%s++;\n", cnt);
  }
  emit_indent(fwd, fi);
  if (s->kind == ST_DO) buf_printf(fwd, "} while (%s);\n", emit_expr(s->e));
  else buf_puts(fwd, "}\n");
  if (need) {
    if (!local) {
      g->used_tape = true;
      emit_indent(fwd, fi);
      buf_printf(fwd, "gradc_push_l(%s, %s);\n", g->tape, cnt);
      emit_indent(rev, ri);
      buf_printf(rev, "%s = gradc_pop_l(%s);\n", cnt, g->tape);
    }
    if (inc && s->inc->kind == EX_ASSIGN) {
      /* the increment of a for loop runs after each iteration: undo it first */
      Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
      is->e = s->inc;
      is->pos = s->pos;     /* runs at the end of each iteration */
      is->loop = s;
      Buf xf = {0}, xr = {0};
      gen_stmt(g, is, &xf, 0, &xr, ri + 1);
      if (xf.len && strstr(xf.data, "gradc_push")) {
        /* the increment saves a value: put it in the body instead */
        diag_error(s->loc, "unsupported loop increment (it overwrites a value the reverse sweep "
                   "reads); write it at the end of the body");
      }
      buf_free(&xf), buf_free(&xr);
    }
    emit_indent(rev, ri);
    buf_printf(rev, "while (%s-- > 0) {\n", cnt);
    buf_puts(rev, br.data);
    emit_indent(rev, ri);
    buf_puts(rev, "}\n");
  }
  if (initr.data) buf_puts(rev, initr.data);
  buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
}

static void touch_stmt(Gen *g, Stmt *s) {
  if (!s) return;
  touch_expr(g, s->e), touch_expr(g, s->inc);
  for (int i = 0; i < s->kids.len; i++) touch_stmt(g, s->kids.data[i]);
  touch_stmt(g, s->init), touch_stmt(g, s->body), touch_stmt(g, s->els);
}

static void gen_stmt(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  switch (s->kind) {
  case ST_NOP: return;
  case ST_BLOCK: gen_block(g, s, fwd, fi, rev, ri); return;
  case ST_EXPR:
    gen_expr_stmt(g, s, fwd, fi, rev, ri);
    if (g->nest == 0) touch_stmt(g, s);
    return;
  case ST_IF:
    g->nest++;
    gen_if(g, s, fwd, fi, rev, ri);
    g->nest--;
    if (g->nest == 0) touch_stmt(g, s);
    return;
  case ST_WHILE: case ST_DO: case ST_FOR:
    g->nest++;
    gen_loop(g, s, fwd, fi, rev, ri);
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

/* Forward code in order, reverse code in reverse order. */
static void gen_block(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  if (s->kind != ST_BLOCK) {
    gen_stmt(g, s, fwd, fi, rev, ri);
    return;
  }
  int n = s->kids.len;
  Buf *revs = calloc((size_t)n + 1, sizeof(Buf));
  for (int i = 0; i < n; i++) gen_stmt(g, s->kids.data[i], fwd, fi, &revs[i], ri);
  for (int i = n - 1; i >= 0; i--) {
    if (revs[i].data) buf_puts(rev, revs[i].data);
    buf_free(&revs[i]);
  }
  free(revs);
}

/* ---- specialisations and functions ------------------------------------- */

static Spec *find_spec(Func *fn, unsigned long mask, bool top) {
  for (int i = 0; i < specs.len; i++) {
    Spec *s = specs.data[i];
    if (s->fn == fn && s->mask == mask && s->top == top) return s;
  }
  return NULL;
}

static Spec *new_spec(Program *p, Func *fn, unsigned long mask, bool top) {
  Spec *s = arena_alloc(sizeof *s);
  s->fn = fn;
  s->mask = mask;
  s->top = top;
  int k = 0;
  for (int i = 0; i < specs.len; i++) {
    Spec *o = specs.data[i];
    if (o->fn == fn && !o->top) k++;
  }
  const char *base = k ? format("%s_%d", fn->name, k + 1) : fn->name;
  if (*name_tag) base = format("%s_%s", base, name_tag);
  /* the public split pair takes the plain names */
  for (int i = 0; i < p->requests.len; i++) {
    Request *r = p->requests.data[i];
    if (r->fn == fn && r->split && r->mode == MODE_GRAD) base = format("%s_impl", base);
  }
  s->fwd = format("%s_fwd", base);
  s->rev = format("%s_rev", base);
  s->name = format("%s_grad", fn->name);
  for (int i = 0; i < fn->params.len && i < 64; i++)
    if (bit(mask, i)) vec_push(&s->wrt, fn->params.data[i]);
  /* a callee's active pointer parameters are both inputs and outputs */
  if (!top)
    for (int i = 0; i < fn->params.len && i < 64; i++) {
      Var *v = fn->params.data[i];
      if (bit(mask, i) && ty_is_ptr(v->ty)) vec_push(&s->out, v);
    }
  vec_push(&specs, s);
  return s;
}

/* ---- across files -------------------------------------------------------
 *
 * A function that other files call carries GRADC_GRAD on the prototype they
 * see (a header). gradc run on its defining file generates, besides f_grad,
 * one public split pair per set of parameters that carry adjoints at a
 * call: every scalar in wrt(...) (a caller without one passes a dummy),
 * every array of out(...), and the input arrays of wrt(...) whose arguments
 * are active there (a data input passed where a hidden layer's is):
 *
 *   T layer_fwd_W_x_h(params..., gradc_tape *_tape);
 *   void layer_rev_W_x_h(params with adjoints..., [T ret_bar,] gradc_tape *_tape, gradc_tape *_redo);
 *
 * The caller's generated code calls the pair its call needs, as it calls the
 * pair of a recursive function of its own file. */

enum { MAX_ACROSS_ARRAYS = 4 };

/* The parameters an annotation names, as masks: scalars of wrt(...), and
 * the arrays of wrt(...) (inputs) and of out(...). False (after an error at
 * the annotation) when it names something that is no parameter. */
static bool across_masks(Func *fn, Request *r, unsigned long *scalars, unsigned long *ins, unsigned long *outs) {
  *scalars = *ins = *outs = 0;
  for (int k = 0; k < r->wrt.len + r->out.len; k++) {
    bool is_out = k >= r->wrt.len;
    const char *name = is_out ? r->out.data[k - r->wrt.len] : r->wrt.data[k];
    int idx = -1;
    for (int i = 0; i < fn->params.len && i < 60; i++)
      if (!strcmp(((Var *)fn->params.data[i])->name, name)) idx = i;
    if (idx < 0) {
      diag_error(r->decl_loc, "'%s' in %s(...) is not a parameter of '%s' (among its first 60)", name,
                 is_out ? "out" : "wrt", fn->name);
      return false;
    }
    Type *t = ((Var *)fn->params.data[idx])->ty;
    if (is_out) *outs |= 1ul << idx;
    else if (ty_is_ptr(t)) *ins |= 1ul << idx;
    else *scalars |= 1ul << idx;
  }
  *ins &= ~*outs;   /* in wrt(...) and out(...): updated in place, an output */
  return true;
}

static const char *companion_name(Func *fn, unsigned long mask, const char *sweep) {
  Buf b = {0};
  buf_printf(&b, "%s_%s", fn->name, sweep);
  for (int i = 0; i < fn->params.len && i < 60; i++)
    if (bit(mask, i)) buf_printf(&b, "_%s", ((Var *)fn->params.data[i])->name);
  const char *r = arena_strdup(b.data);
  buf_free(&b);
  return r;
}

/* The defining file: a split pair for every set a caller may need. Made
 * before f_grad, so that a recursive call inside it uses them too. */
static bool export_companions(Program *p, Request *req) {
  Func *fn = req->fn;
  unsigned long scalars, ins, outs;
  if (!across_masks(fn, req, &scalars, &ins, &outs)) return false;
  int arrays[64], k = 0;
  for (int i = 0; i < fn->params.len && i < 60; i++)
    if (bit(ins, i)) arrays[k++] = i;
  if (k > MAX_ACROSS_ARRAYS) {
    diag_error(req->decl_loc, "gradc generates a companion of '%s' for each set of its input arrays "
               "that carry derivatives at a call from another file, for at most %d input arrays in "
               "wrt(...); this annotation names %d", fn->name, MAX_ACROSS_ARRAYS, k);
    return false;
  }
  for (unsigned sub = 0; sub < (1u << k); sub++) {
    unsigned long mask = scalars | outs;
    for (int j = 0; j < k; j++)
      if (sub & (1u << j)) mask |= 1ul << arrays[j];
    if (!mask) continue;
    Spec *sp = find_spec(fn, mask, false);
    if (!sp) sp = new_spec(p, fn, mask, false);
    sp->exported = req;
    sp->fwd = companion_name(fn, mask, "fwd");
    sp->rev = companion_name(fn, mask, "rev");
  }
  return true;
}

/* The caller's file: the pair of another file's function that this call
 * needs, declared in the generated file. */
static Spec *across_spec(Gen *g, Expr *call, Loc loc) {
  Func *fn = call->callee;
  Request *r = fn->across;
  unsigned long scalars, ins, outs;
  if (!across_masks(fn, r, &scalars, &ins, &outs)) return NULL;
  unsigned long mask = scalars;
  for (int i = 0; i < call->nargs; i++) {
    Var *v = fn->params.data[i];
    if (!act_expr_active(call->args[i]) || !ty_has_float(v->ty)) continue;
    if (!bit(scalars | ins | outs, i)) {
      diag_error(call->args[i]->loc, "'%s' is defined in another file, and the annotation of its "
                 "declaration gives no derivative with respect to its parameter '%s', whose argument "
                 "here carries one: add '%s' to %s(...) there", fn->name, v->name, v->name,
                 ty_is_ptr(v->ty) && !v->ty->base->is_const ? "wrt(...) or out" : "wrt");
      diag_note(r->decl_loc, "the annotation of '%s' is here", fn->name);
      return NULL;
    }
    mask |= 1ul << i;
  }
  for (int i = 0; i < call->nargs; i++)
    if (bit(outs, i) && !bit(mask, i)) {
      diag_error(call->args[i]->loc, "'%s' is defined in another file, and its output '%s' carries no "
                 "derivative here (nothing this function returns depends on it): gradc calls another "
                 "file's function with an adjoint for each of its out(...) arrays", fn->name,
                 ((Var *)fn->params.data[i])->name);
      return NULL;
    }
  (void)loc;
  for (int i = 0; i < externs.len; i++) {
    Spec *s = externs.data[i];
    if (s->fn == fn && s->mask == mask) return s;
  }
  Spec *s = arena_alloc(sizeof *s);
  s->fn = fn, s->mask = mask, s->exported = r;
  s->fwd = companion_name(fn, mask, "fwd");
  s->rev = companion_name(fn, mask, "rev");
  vec_push(&externs, s);
  Buf fp = {0}, rp = {0};
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    buf_printf(&fp, "%s, ", emit_decl(v->ty, v->name));
    buf_printf(&rp, "%s, ", emit_decl(v->ty, v->name));
    if (bit(mask, i)) {
      Type *bt = ty_is_ptr(v->ty) ? v->ty->base : v->ty;
      buf_printf(&rp, "%s, ", emit_decl(ty_ptr_to(ty_unconst(bt)), ir_unique_name(fn, format("%s_bar", v->name))));
    }
  }
  if (ty_is_float(fn->ret)) buf_printf(&rp, "%s, ", emit_decl(fn->ret, ir_unique_name(fn, "ret_bar")));
  bool first = true;
  for (int i = 0; i < g->p->decls.len; i++)
    if (strstr(g->p->decls.data[i], format("'%s' is defined in another file", fn->name))) first = false;
  const char *path = r->decl_loc.file;
  const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  /* the header's .c beside it, the likely definition */
  const char *guess = "";
  size_t n = strlen(path);
  if (n > 2 && !strcmp(path + n - 2, ".h")) {
    const char *c = format("%.*s.c", (int)(n - 2), path);
    FILE *f = fopen(c, "r");
    if (f) {
      fclose(f);
      guess = format(", likely in %.*s.c", (int)(strlen(file) - 2), file);
    }
  }
  if (first)
    vec_push(&g->p->decls, (void *)format("/* '%s' is defined in another file (declared at %s:%d%s): gradc run on that "
                                          "file generates %s_fwd_* and %s_rev_* */", fn->name, file,
                                          r->decl_loc.line, guess, fn->name, fn->name));
  vec_push(&g->p->decls, (void *)format("%s;", emit_decl(fn->ret, format("%s(%sgradc_tape *_tape)", s->fwd, fp.data ? fp.data : ""))));
  vec_push(&g->p->decls, (void *)format("void %s(%sgradc_tape *_tape, gradc_tape *_redo);", s->rev, rp.data ? rp.data : ""));
  buf_free(&fp), buf_free(&rp);
  return s;
}

static Spec *spec_for_call(Gen *g, Expr *call, Loc loc) {
  Func *fn = call->callee;
  if (fn->across && !fn->has_body && fn->params.len == call->nargs && call->nargs <= 60)
    return across_spec(g, call, loc);
  if (fn->is_variadic) {
    diag_error(loc, "cannot differentiate the variadic function '%s'", fn->name);
    return NULL;
  }
  if (fn->params.len != call->nargs) {
    diag_error(loc, "cannot differentiate this call of '%s': %d arguments for %d parameters",
               fn->name, call->nargs, fn->params.len);
    return NULL;
  }
  if (call->nargs > 60) {
    diag_error(loc, "cannot differentiate this call of '%s': gradc handles at most 60 parameters "
               "in a function it differentiates", fn->name);
    return NULL;
  }
  unsigned long mask = 0;
  for (int i = 0; i < call->nargs; i++)
    if (act_expr_active(call->args[i]) && ty_has_float(((Var *)fn->params.data[i])->ty))
      mask |= 1ul << i;
  Spec *s = find_spec(fn, mask, false);
  if (!s) s = new_spec(g->p, fn, mask, false);
  return s;
}

/* The parameter list of a generated function: each parameter, followed by
 * its adjoint when it has one. */
static const char *param_list(Spec *sp, bool bars) {
  Func *fn = sp->fn;
  Buf b = {0};
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    buf_printf(&b, "%s%s", i ? ", " : "", emit_decl(v->ty, v->name));
    if (bars && (v->is_wrt || v->is_out)) {
      Type *bt = ty_is_ptr(v->ty) ? v->ty->base : v->ty;
      buf_printf(&b, ", %s", emit_decl(ty_ptr_to(ty_unconst(bt)), v->bar_param));
    }
  }
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

static void declare_locals(Gen *g, Buf *b) { emit_locals(b, g->fn, NULL); }

/* Whether text uses name only as the target of assignments (a shadow
 * pointer that the reverse sweep never needs): then it gets a (void). */
static bool only_assigned(const char *text, const char *name) {
  size_t n = strlen(name);
  int uses = 0, sets = 0;
  for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
    if ((p != text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
        isalnum((unsigned char)p[n]) || p[n] == '_')
      continue;
    uses++;
    if (!strncmp(p + n, " = ", 3)) sets++;
  }
  return uses > 0 && uses == sets;
}

static void declare_bars(Gen *g, Buf *b) {
  for (int i = 0; i < g->bars.len; i++) {
    Var *v = g->bars.data[i];
    Type *t = ty_unconst(v->ty);
    if (t->kind == TY_ARRAY && t->vla_len) {
      emit_indent(b, 1);
      buf_printf(b, "%s;\n", emit_decl(t, v->bar));
      emit_indent(b, 1);
      buf_printf(b, "memset(%s, 0, sizeof %s);\n", v->bar, v->bar);
    } else if (t->kind == TY_ARRAY || t->kind == TY_STRUCT) {
      emit_indent(b, 1);
      buf_printf(b, "%s;\n", emit_decl(t, v->bar));
      emit_indent(b, 1);
      buf_printf(b, "memset(&%s, 0, sizeof %s);\n", v->bar, v->bar);
    } else {
      Type *bt = t;
      if (t->kind == TY_PTR) {
        Type *nc = arena_alloc(sizeof *nc);
        *nc = *t->base;
        nc->is_const = false;
        bt = ty_ptr_to(nc);
      }
      emit_indent(b, 1);
      buf_printf(b, "%s = 0;\n", emit_decl(bt, v->bar));
    }
  }
  for (int i = 0; i < g->flags.len; i++) {
    emit_indent(b, 1);
    buf_printf(b, "%s\n", (char *)g->flags.data[i]);
  }
}

/* Marks params unused by the generated body, to keep -Wextra quiet. */
static void void_unused(Buf *b, const char *body, Spec *sp, bool bars) {
  for (int i = 0; i < sp->fn->params.len; i++) {
    Var *v = sp->fn->params.data[i];
    const char *names[2] = {v->name, bars && (v->is_wrt || v->is_out) ? v->bar_param : NULL};
    for (int k = 0; k < 2; k++) {
      const char *nm = names[k];
      if (!nm) continue;
      if (!mentions(body, nm)) {
        emit_indent(b, 1);
        buf_printf(b, "(void)%s;\n", nm);
      }
    }
  }
}

/* Prepares fn for one specialisation: body, normal form, activity. */
static bool prepare(Program *p, Spec *sp, Vec *wrt, Vec *out) {
  Func *fn = sp->fn;
  if (!parse_body(p, fn) || !lower_func(p, fn) || !inline_func(p, fn)) return false;
  if (fn->is_variadic) {
    diag_error(fn->loc, "cannot differentiate the variadic function '%s'", fn->name);
    return false;
  }
  for (int i = 0; i < fn->params.len; i++) ((Var *)fn->params.data[i])->bar = ((Var *)fn->params.data[i])->bar_param = NULL;
  for (int i = 0; i < fn->locals.len; i++) ((Var *)fn->locals.data[i])->bar = NULL;
  if (!act_analyze(p, fn, wrt, out, sp->top)) return false;
  return true;
}

static void check_params(Spec *sp) {
  Func *fn = sp->fn;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (v->active && ty_is_ptr(v->ty) && !v->is_wrt && !v->is_out)
      diag_error(v->loc, "parameter '%s' holds values that depend on the differentiated "
                 "inputs and influence the result, but has no adjoint: name it in wrt(...) "
                 "or out(...)", v->name);
  }
}

/* Generates the body of fn for sp into fwd and rev; returns false on error. */
static bool gen_body(Gen *g, Buf *fwd, Buf *rev) {
  int before = diag_errors();
  Func *fn = g->fn;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (v->is_wrt || v->is_out) bar_name(g, v);
  }
  if (fn->retvar && ty_is_float(fn->ret)) bar_name(g, fn->retvar);
  gen_block(g, fn->body, fwd, 1, rev, 1);
  /* overwritten scalar parameters: their local adjoints go to the caller */
  for (int i = 0; i < g->param_adj.len; i++) {
    Var *v = g->param_adj.data[i];
    accumulate_members(g, v->ty, format("(*%s)", v->bar_param), v->bar, rev, 1, v->loc);
  }
  return diag_errors() == before;
}

/* The annotated function, in joint mode:
 *   T f_grad(params with adjoints) { locals; forward sweep; reverse sweep } */
static bool gen_top(Program *p, Spec *sp, Buf *out) {
  Func *fn = sp->fn;
  Gen g = {.p = p, .sp = sp, .fn = fn, .joint = true, .tape = "&_tape", .frees = "&_frees"};
  Buf fwd = {0}, rev = {0};
  bool ok = gen_body(&g, &fwd, &rev);
  check_params(sp);
  if (!ok || diag_errors()) { buf_free(&fwd), buf_free(&rev); return false; }
  Buf head = {0};
  buf_printf(&head, "%s(%s)", emit_decl(fn->ret, sp->name), param_list(sp, true));
  vec_push(&p->publics, (void *)format("%s;", head.data));
  buf_printf(out, "%s\n{\n", head.data);
  Buf decl = {0};
  declare_locals(&g, &decl);
  declare_bars(&g, &decl);
  Buf all = {0};
  buf_printf(&all, "%s%s%s", decl.data ? decl.data : "", fwd.data ? fwd.data : "", rev.data ? rev.data : "");
  void_unused(out, all.data, sp, true);
  if (decl.data) buf_puts(out, decl.data);
  for (int i = 0; i < g.bars.len; i++) {
    Var *v = g.bars.data[i];
    if (ty_is_ptr(v->ty) && v->ty->kind == TY_PTR && only_assigned(all.data, v->bar))
      buf_printf(out, "  (void)%s;\n", v->bar);
  }
  if (g.used_tape) buf_puts(out, "  gradc_tape _tape;\n  gradc_tape_init(&_tape);\n");
  if (g.used_redo) buf_puts(out, "  gradc_tape _redo_log;\n  gradc_tape *_redo = &_redo_log;\n  gradc_tape_init(_redo);\n");
  if (g.used_frees) buf_puts(out, "  gradc_tape _frees;\n  gradc_tape_init(&_frees);\n");
  if (g.used_stash) buf_puts(out, "  gradc_tape _stash;\n  gradc_tape_init(&_stash);\n");
  if (g.used_par) {
    buf_puts(out, "  gradc_par _par;\n  gradc_par_init(&_par, omp_get_max_threads());\n");
    p->omp_used = true;
  }
  buf_puts(out, "\n  /* forward sweep */\n");
  if (fwd.data) buf_puts(out, fwd.data);
  bool ret = fn->retvar && fn->ret->kind != TY_VOID;
  if (ret) {
    buf_printf(out, "  %s = %s;\n", emit_decl(fn->ret, "_value"), fn->retvar->name);
    if (ty_is_float(fn->ret)) buf_printf(out, "  %s = 1;\n", fn->retvar->bar);
  }
  buf_puts(out, "\n  /* reverse sweep */\n");
  if (rev.data) buf_puts(out, rev.data);
  if (g.used_redo) buf_puts(out, "  gradc_redo_replay(_redo);\n  gradc_tape_release(_redo);\n");
  if (g.used_stash) buf_puts(out, "  gradc_stash_add(&_stash);\n  gradc_tape_release(&_stash);\n");
  if (g.used_frees)
    buf_puts(out, "  while (gradc_tape_size(&_frees)) free(gradc_pop_p(&_frees));\n"
                  "  gradc_tape_release(&_frees);\n");
  if (g.used_par) buf_puts(out, "  gradc_par_release(&_par);\n");
  if (g.used_tape) buf_puts(out, "  gradc_tape_release(&_tape);\n");
  if (ret) buf_puts(out, "  return _value;\n");
  buf_puts(out, "}\n\n");
  buf_free(&fwd), buf_free(&rev), buf_free(&head), buf_free(&decl), buf_free(&all);
  return true;
}

/* g_rev declares only the locals its reverse sweep uses. */
static Func *rev_skip_fn;
static Vec *rev_skip_saved;
static const char *rev_skip_text;

static bool skip_in_rev(Var *v) {
  for (int k = 0; k < rev_skip_saved->len; k++)
    if (rev_skip_saved->data[k] == v) return false;
  return v == rev_skip_fn->retvar || !mentions(rev_skip_text, v->name);
}

/* GRADC_GRAD(wrt(...), split): the public pair
 *   T f_fwd(P..., gradc_tape *tape)    runs f and records on tape;
 *   void f_rev(P..., adjoints..., T ret_bar, gradc_tape *tape)
 * f_rev replays the recording without consuming it (it seeks back to where
 * it started), so it can run any number of times with different seeds. */
static void gen_public_split(Program *p, Spec *sp, Buf *out) {
  Func *fn = sp->fn;
  const char *name = fn->name;
  bool fret = ty_is_float(fn->ret);
  const char *ret_bar = fret ? ir_unique_name(fn, "ret_bar") : NULL;
  Buf args = {0}, bargs = {0};
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    buf_printf(&args, "%s, ", v->name);
    buf_printf(&bargs, "%s, ", v->name);
    if (v->is_wrt || v->is_out) buf_printf(&bargs, "%s, ", v->bar_param);
  }
  const char *fp = param_list(sp, false), *rp = param_list(sp, true);
  /* names that no parameter of f takes */
  const char *T = ir_unique_name(fn, "tape"), *S = ir_unique_name(fn, "start"), *R = ir_unique_name(fn, "redo");
  const char *fsig = format("%s(%s%sgradc_tape *%s)", emit_decl(fn->ret, format("%s_fwd", name)), fp, *fp ? ", " : "", T);
  const char *rsig = format("void %s_rev(%s%s%sgradc_tape *%s)", name, rp, *rp ? ", " : "",
                            fret ? format("%s, ", emit_decl(fn->ret, ret_bar)) : "", T);
  vec_push(&p->publics, (void *)format("%s;", fsig));
  vec_push(&p->publics, (void *)format("%s;", rsig));
  buf_printf(out, "%s\n{\n  %s%s(%s%s);\n}\n\n", fsig, fn->ret->kind == TY_VOID ? "" : "return ", sp->fwd,
             args.data ? args.data : "", T);
  buf_printf(out, "%s\n{\n", rsig);
  buf_printf(out, "  gradc_tape_pos %s = gradc_tape_tell(%s);\n"
                  "  gradc_tape %s;\n"
                  "  gradc_tape_init(&%s);\n"
                  "  %s->replaying++;\n", S, T, R, R, T);
  buf_printf(out, "  %s(%s%s%s, &%s);\n", sp->rev, bargs.data ? bargs.data : "", fret ? format("%s, ", ret_bar) : "", T, R);
  buf_printf(out, "  %s->replaying--;\n"
                  "  gradc_redo_replay(&%s);\n"
                  "  gradc_tape_release(&%s);\n"
                  "  gradc_tape_seek(%s, %s);\n"
                  "}\n\n", T, R, R, T, S);
  buf_free(&args), buf_free(&bargs);
}

/* A called function, in split mode:
 *   static T g_fwd(params, gradc_tape *_tape): runs g, records on the tape,
 *     and saves at its end the locals that g_rev reads;
 *   static void g_rev(params with adjoints, T _ret_bar, gradc_tape *_tape,
 *     gradc_tape *_redo): restores them and runs the reverse sweep. */
static bool gen_split(Program *p, Spec *sp, Buf *protos, Buf *out) {
  Func *fn = sp->fn;
  Gen g = {.p = p, .sp = sp, .fn = fn, .joint = false, .tape = "_tape", .frees = "&_frees"};
  Buf fwd = {0}, rev = {0};
  if (!gen_body(&g, &fwd, &rev)) { buf_free(&fwd), buf_free(&rev); return false; }
  check_params(sp);
  /* the locals the reverse sweep reads, saved at the end of g_fwd */
  Vec saved = {0};
  for (int i = 0; i < fn->params.len + fn->locals.len; i++) {
    Var *v = i < fn->params.len ? fn->params.data[i] : fn->locals.data[i - fn->params.len];
    if (!v->rev_read || v->is_static) continue;
    if (v->kind == VAR_PARAM && !v->written) continue;
    /* a pointer parameter that only writes memory keeps its value: g_rev's
     * caller passes the memory g_rev works on (in a split caller, its own
     * frame's copy) */
    if (v->kind == VAR_PARAM && ty_is_ptr(v->ty) && !ir_assigns(fn->body, v)) continue;
    if (v->kind != VAR_PARAM && v->ty->kind == TY_PTR && !v->foreign)
      diag_error(v->loc, "gradc cannot yet keep the pointer '%s' of '%s' for its reverse sweep: "
                 "it addresses the function's own frame, which has returned by then", v->name, fn->name);
    vec_push(&saved, v);
  }
  if (diag_errors()) return false;
  const char *ret_bar = fn->retvar && ty_is_float(fn->ret) ? fn->retvar->bar : NULL;
  const char *fp = param_list(sp, false), *rp = param_list(sp, true);
  const char *st = sp->exported ? "" : "static ";
  const char *fsig = format("%s%s(%s%sgradc_tape *_tape)", st, emit_decl(fn->ret, sp->fwd), fp, *fp ? ", " : "");
  const char *rsig = ret_bar
      ? format("%svoid %s(%s%s%s, gradc_tape *_tape, gradc_tape *_redo)", st, sp->rev, rp, *rp ? ", " : "",
               emit_decl(fn->ret, ret_bar))
      : format("%svoid %s(%s%sgradc_tape *_tape, gradc_tape *_redo)", st, sp->rev, rp, *rp ? ", " : "");
  buf_printf(protos, "%s;\n%s;\n", fsig, rsig);
  if (sp->exported) {
    vec_push(&p->publics, (void *)format("%s;", fsig));
    vec_push(&p->publics, (void *)format("%s;", rsig));
  }

  /* g_fwd */
  buf_printf(out, "%s\n{\n", fsig);
  Buf decl = {0};
  declare_locals(&g, &decl);
  for (int i = 0; i < g.flags.len; i++) { emit_indent(&decl, 1); buf_printf(&decl, "%s\n", (char *)g.flags.data[i]); }
  Buf all = {0};
  buf_printf(&all, "%s%s", decl.data ? decl.data : "", fwd.data ? fwd.data : "");
  void_unused(out, all.data, sp, false);
  if (!mentions(all.data ? all.data : "", "_tape") && !saved.len) buf_puts(out, "  (void)_tape;\n");
  if (decl.data) buf_puts(out, decl.data);
  if (fwd.data) buf_puts(out, fwd.data);
  for (int i = 0; i < saved.len; i++) {
    Var *v = saved.data[i];
    push_text(&g, out, 1, v->name, v->ty, v->loc);
  }
  if (fn->retvar) buf_printf(out, "  return %s;\n", fn->retvar->name);
  buf_puts(out, "}\n\n");

  /* g_rev */
  buf_printf(out, "%s\n{\n", rsig);
  Buf rdecl = {0};
  rev_skip_fn = fn, rev_skip_saved = &saved, rev_skip_text = rev.data ? rev.data : "";
  emit_locals(&rdecl, fn, skip_in_rev);
  Gen gb = g;
  Vec bars = g.bars;
  gb.bars = (Vec){0};
  for (int i = 0; i < bars.len; i++)
    if (bars.data[i] != fn->retvar) vec_push(&gb.bars, bars.data[i]);
  declare_bars(&gb, &rdecl);
  Buf rall = {0};
  buf_printf(&rall, "%s%s", rdecl.data ? rdecl.data : "", rev.data ? rev.data : "");
  for (int i = saved.len - 1; i >= 0; i--) {
    Var *v = saved.data[i];
    buf_printf(&rall, "%s", v->name);
  }
  void_unused(out, rall.data, sp, true);
  if (!strstr(rall.data ? rall.data : "", "_redo")) buf_puts(out, "  (void)_redo;\n");
  if (!strstr(rall.data ? rall.data : "", "_tape") && !saved.len) buf_puts(out, "  (void)_tape;\n");
  if (ret_bar && !strstr(rall.data ? rall.data : "", ret_bar)) buf_printf(out, "  (void)%s;\n", ret_bar);
  if (rdecl.data) buf_puts(out, rdecl.data);
  for (int i = 0; i < saved.len; i++) {
    /* a pointer kept for its memory's sake, which this reverse sweep only restores */
    Var *v = saved.data[i];
    const char *rt = rev.data ? rev.data : "";
    if (ty_is_ptr(v->ty) && !(v->active && v->bar) && (!mentions(rt, v->name) || only_assigned(rt, v->name)))
      buf_printf(out, "  (void)%s;\n", v->name);
  }
  for (int i = saved.len - 1; i >= 0; i--) {
    Var *v = saved.data[i];
    pop_into(&g, out, 1, v->name, v->ty, v->loc);
  }
  for (int i = 0; i < saved.len; i++) {
    Var *v = saved.data[i];
    Expr *e = ir_var(v, v->loc);
    Var *from = v->active && v->bar ? derived_base(&g, e) : NULL;
    if (from) derive_shadow(&g, out, 1, e, from);
  }
  if (rev.data) buf_puts(out, rev.data);
  buf_puts(out, "}\n\n");
  buf_free(&fwd), buf_free(&rev), buf_free(&decl), buf_free(&all), buf_free(&rdecl), buf_free(&rall);
  if (sp->split) gen_public_split(p, sp, out);
  return true;
}

bool rev_mentions(const char *text, const char *name) { return mentions(text, name); }
bool rev_only_assigned(const char *text, const char *name) { return only_assigned(text, name); }

/* Checks an annotation's wrt(...) and out(...) against fn's parameters and
 * returns them as variables (and wrt as a bit mask over the parameters). */
bool rev_resolve(Program *p, Request *r, Vec *wrt, Vec *out, unsigned long *mask) {
  Func *fn = r->fn;
  int before = diag_errors();
  if (!fn->has_body) {
    diag_error(r->loc, "'%s' is annotated but has no definition in this file", fn->name);
    return false;
  }
  if (!r->wrt.len)
    diag_error(r->loc, "%s on '%s' needs wrt(...): the parameters to differentiate with respect to",
               r->mode == MODE_JVP ? "GRADC_JVP" : "GRADC_GRAD", fn->name);
  for (int k = 0; k < r->wrt.len + r->out.len; k++) {
    bool is_out = k >= r->wrt.len;
    const char *name = is_out ? r->out.data[k - r->wrt.len] : r->wrt.data[k];
    Var *v = NULL;
    int idx = -1;
    for (int i = 0; i < fn->params.len; i++)
      if (!strcmp(((Var *)fn->params.data[i])->name, name)) v = fn->params.data[i], idx = i;
    if (!v) {
      diag_error(r->loc, "'%s' in %s(...) is not a parameter of '%s'", name, is_out ? "out" : "wrt", fn->name);
      continue;
    }
    if (!ty_has_float(v->ty)) {
      diag_error(v->loc, "'%s' in %s(...) has type '%s', which holds no floating value to differentiate",
                 name, is_out ? "out" : "wrt", ty_name(v->ty));
      continue;
    }
    if (is_out && !ty_is_ptr(v->ty)) {
      diag_error(v->loc, "out(%s): an output must be a pointer or array parameter", name);
      continue;
    }
    if (idx >= 60) {
      diag_error(v->loc, "'%s' is parameter %d: gradc differentiates with respect to the first 60 "
                 "parameters only", name, idx + 1);
      return false;
    }
    vec_push(is_out ? out : wrt, v);
    if (!is_out) *mask |= 1ul << idx;
  }
  if (fn->ret->kind != TY_VOID && !ty_is_float(fn->ret) && !r->out.len)
    diag_error(r->loc, "'%s' returns '%s' and has no out(...) array: there is nothing to differentiate",
               fn->name, ty_name(fn->ret));
  if (fn->ret->kind == TY_VOID && !r->out.len)
    diag_error(r->loc, "'%s' returns nothing: name its output arrays in out(...)", fn->name);
  (void)p;
  return diag_errors() == before;
}

/* Generates f_grad for an annotated function, and records the specialisations
 * of the functions it calls (generated by rev_companions). */
bool rev_generate(Program *p, Request *req, Buf *protos, Buf *out) {
  Vec wrt = {0}, outv = {0};
  unsigned long mask = 0;
  if (!rev_resolve(p, req, &wrt, &outv, &mask)) return false;
  if (req->split) {
    /* split mode: the pair is generated with the called functions */
    Spec *sp = find_spec(req->fn, mask, false);
    if (!sp) sp = new_spec(p, req->fn, mask, false);
    for (int i = 0; i < outv.len; i++) {
      bool have = false;
      for (int k = 0; k < sp->out.len; k++) have |= sp->out.data[k] == outv.data[i];
      if (!have) vec_push(&sp->out, outv.data[i]);
    }
    sp->split = req;
    return true;
  }
  if (req->exported && !export_companions(p, req)) return false;
  Spec *sp = new_spec(p, req->fn, mask, true);
  sp->req = req;
  sp->name = req->name;
  sp->wrt = wrt, sp->out = outv;
  if (!prepare(p, sp, &wrt, &outv)) return false;
  for (int i = 0; i < wrt.len; i++) {
    Var *v = wrt.data[i];
    if (!v->useful)
      diag_warning(v->loc, "the result of '%s' does not depend on '%s': its gradient is zero",
                   req->fn->name, v->name);
  }
  (void)protos;
  return gen_top(p, sp, out);
}

/* The companions of req, for callers in other files: all or none. A
 * function that cannot have them (split mode refuses what it does) still
 * gets f_grad; the reasons are warnings, and a caller's link names what is
 * missing. */
static bool gen_exported(Program *p, Request *req, Buf *protos, Buf *out) {
  Buf tp = {0}, to = {0};
  int npub = p->publics.len, before = diag_soft(true);
  bool ok = true;
  for (int i = 0; i < specs.len; i++) {
    Spec *sp = specs.data[i];
    if (sp->exported != req || sp->top || sp->done || !ok) continue;
    Vec wrt = {0}, outv = {0};
    for (int k = 0; k < sp->wrt.len; k++) vec_push(&wrt, sp->wrt.data[k]);
    for (int k = 0; k < sp->out.len; k++) vec_push(&outv, sp->out.data[k]);
    ok = prepare(p, sp, &wrt, &outv) && gen_split(p, sp, &tp, &to) && diag_soft(true) == before;
  }
  for (int i = 0; i < specs.len; i++)
    if (((Spec *)specs.data[i])->exported == req) ((Spec *)specs.data[i])->done = true;
  ok = ok && diag_soft(false) == before;
  diag_soft(false);
  if (ok) {
    if (tp.data) buf_puts(protos, tp.data);
    if (to.data) buf_puts(out, to.data);
  } else {
    p->publics.len = npub;
    diag_note(req->decl_loc, "so '%s' gets no companions for callers in other files (%s_fwd_*, %s_rev_*): "
              "their gradients cannot call it", req->fn->name, req->fn->name, req->fn->name);
  }
  buf_free(&tp), buf_free(&to);
  return !diag_errors();
}

/* Generates the split pairs that the annotated functions need, until no new
 * specialisation appears (callees may call further functions). */
bool rev_companions(Program *p, Buf *protos, Buf *out) {
  for (int i = 0; i < specs.len; i++) {
    Spec *sp = specs.data[i];
    if (sp->top || sp->done) continue;
    if (sp->exported) {
      if (!sp->exported->fn->has_body) continue;   /* another file's, declared only */
      if (!gen_exported(p, sp->exported, protos, out)) return false;
      continue;
    }
    Vec wrt = {0}, outv = {0};
    for (int k = 0; k < sp->wrt.len; k++) vec_push(&wrt, sp->wrt.data[k]);
    for (int k = 0; k < sp->out.len; k++) vec_push(&outv, sp->out.data[k]);
    if (!prepare(p, sp, &wrt, &outv)) return false;
    if (!gen_split(p, sp, protos, out)) return false;
  }
  return true;
}
