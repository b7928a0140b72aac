/* lower.c: the normal form that differentiation works on.
 *
 * After lowering, a function body satisfies these invariants, which rev.c
 * relies on:
 *   - no break, continue, return, goto or label: each jump becomes an
 *     assignment to a flag (or to the return variable and a flag), and the
 *     statements that a jump would skip are guarded by `if (!flag)`; loops
 *     test their flags. A forward goto's flag is cleared where its label
 *     stands. The function has one exit, at the end of its body, and returns
 *     fn->retvar.
 *   - loop conditions and the operands of &&, || and ?: that have side
 *     effects or calls become statements: `if (!(C)) break;` in the loop's
 *     body, ifs that run an operand only when C evaluates it.
 *   - every expression statement is an assignment `lvalue = rhs` (compound
 *     assignments and ++/-- are expanded), or a call whose value is unused;
 *   - a call to a function of this file stands alone, as `v = g(args)` or
 *     `g(args)`, and its floating arguments are variables or constants;
 *   - right-hand sides and conditions have no side effects.
 *   - `switch` is an if-chain that keeps fall-through.
 * The transformations keep C semantics exactly; they only make the order of
 * evaluation explicit.
 */
#include "tool.h"

#include <string.h>

typedef struct Ctx {
  Func *fn;
  Var *brk, *cnt;        /* flags of the innermost loop or switch */
  Var *done;             /* the function returned */
  bool in_loop;
  bool in_cond;          /* lowering a condition */
  Expr *root;            /* the right-hand side of the assignment being lowered */
  bool brk_used, cnt_used;
  Expr *whole;           /* the expression statement being lowered, when x++ in it may wait */
  Vec later;             /* Stmt *: those increments, emitted after it */
} Ctx;

static Vec *out_;        /* statements being produced, for hoisting */

/* The labels that forward gotos target, Site *: label i has a flag that
 * `goto` sets and the label clears; bit i of Jumps.gotos. */
typedef struct Site {
  const char *name;
  Stmt *s;
  Stmt *block;           /* labels: the block the label stands in, directly */
  int pos;               /* preorder position */
  Vec blocks;            /* gotos: the blocks around it, outermost first */
  bool targeted;         /* labels: a valid goto jumps to it */
  Var *flag;
} Site;
static Vec labels_;

static Expr *lower_expr(Ctx *cx, Expr *e, bool value_used);
static void lower_stmt(Ctx *cx, Stmt *s);

static void emit_stmt_(Stmt *s) { vec_push(out_, s); }

static Expr *flag_test(Var *v, Loc loc) {
  Expr *e = ir_new_expr(EX_NOT, ty_int(), loc);
  e->a = ir_var(v, loc);
  return e;
}

static Var *new_flag(Func *fn, const char *base) {
  Var *v = ir_new_temp(fn, base, ty_int());
  v->is_flag = true;
  return v;
}

static Stmt *set_flag(Var *v, const char *val, Loc loc) {
  return ir_assign(ir_var(v, loc), ir_num(val, ty_int(), loc), loc);
}

/* Whether a call argument may stay as it is: a variable, a constant, or an
 * inactive expression without memory reads. */
static bool simple_arg(Expr *e) {
  if (e->kind == EX_VAR || e->kind == EX_NUM || e->kind == EX_STR || e->kind == EX_SIZEOF ||
      e->kind == EX_FUNCREF)
    return true;
  if (!ty_has_float(e->ty) && !ir_reads_memory(e) && !ir_has_side_effects(e)) return true;
  if (ty_is_ptr(e->ty) && !ir_has_side_effects(e)) return true;  /* x + k, &v, a[i] decays */
  return false;
}

/* A fresh temporary that can hold a value of type ty. */
static Var *value_temp(Ctx *cx, Type *ty) {
  if (ty->kind == TY_ARRAY) ty = ty_ptr_to(ty->base);
  if (ty->is_const) {
    Type *c = arena_alloc(sizeof *c);
    *c = *ty;
    c->is_const = false;
    ty = c;
  }
  return ir_new_temp(cx->fn, "t", ty);
}

/* Hoists e into a fresh temporary assigned before the current statement. */
static Expr *hoist(Ctx *cx, Expr *e) {
  Var *t = value_temp(cx, e->ty);
  Stmt *a = ir_assign(ir_var(t, e->loc), e, e->loc);
  a->init_of_decl = !cx->in_loop;   /* a temporary is assigned once per use */
  emit_stmt_(a);
  return ir_var(t, e->loc);
}

/* A call without a body that may write through an argument
 * (posix_memalign(&p, ...)): in a condition it becomes a statement of its
 * own, which the differentiation passes see and check. */
static bool writes_through_args(Expr *e) {
  if (e->rule || ir_is_stop(e)) return false;
  for (int i = 0; i < e->nargs; i++) {
    Expr *a = ir_uncast(e->args[i]);
    if (a->kind == EX_ADDR) return true;
    if (ty_is_ptr(a->ty) && a->ty->base && !a->ty->base->is_const) return true;
  }
  return false;
}

/* e lowered where its value is not used (a statement, either side of a
 * comma, a for loop's increment): what it still does beyond the statements
 * lowering wrote (a call: free(a), step(&s)) becomes a statement of its own,
 * and so does (void)x, which keeps the user's code free of unused-variable
 * warnings */
static void lower_discard(Ctx *cx, Expr *e, Loc loc) {
  Expr *v = lower_expr(cx, e, false);
  if (!v || !((v->kind == EX_CAST && v->ty->kind == TY_VOID) || ir_has_side_effects(v))) return;
  Stmt *n = ir_new_stmt(ST_EXPR, loc);
  n->e = v;
  emit_stmt_(n);
}

static Expr *lower_call(Ctx *cx, Expr *e, bool value_used) {
  for (int i = 0; i < e->nargs; i++) {
    e->args[i] = lower_expr(cx, e->args[i], true);
    if (e->callee && !simple_arg(e->args[i])) e->args[i] = hoist(cx, e->args[i]);
  }
  if (e->callee && value_used) return hoist(cx, e);
  if (cx->in_cond && value_used && writes_through_args(e)) return hoist(cx, e);
  /* exp(u) inside a larger expression in a loop (s += exp(v[i] - m)): its
   * value in a temporary, which the reverse sweep reads instead of calling
   * exp again (activity.c's act_by_value) */
  if (e->rule && value_used && cx->in_loop && !cx->in_cond && e != cx->root && e->nargs == 1 &&
      rule_by_value(e->rule))
    return hoist(cx, e);
  return e;
}

static bool branchy(Expr *e, void *ud) {
  (void)ud;
  return e->kind == EX_LAND || e->kind == EX_LOR || e->kind == EX_COND;
}

/* ++x, x++, --x, x-- in a value context: the update becomes a statement and
 * the expression its value (the old one for the postfix forms). */
static Expr *lower_incdec(Ctx *cx, Expr *e, bool value_used) {
  Expr *lv = lower_expr(cx, e->a, true);
  bool post = e->kind == EX_POSTINC || e->kind == EX_POSTDEC;
  ExprKind op = (e->kind == EX_PREINC || e->kind == EX_POSTINC) ? EX_ADD : EX_SUB;
  if (post && value_used && cx->whole && lv->kind == EX_VAR && !lv->var->addr_taken &&
      lv->var->kind != VAR_GLOBAL && !lv->var->is_static) {
    /* *p++ or a[i++] in a statement that names p once: the statement
     * reads p, then p = p + 1 (no copy of the old p to keep) */
    if (ir_expr_count_mentions(cx->whole, lv->var) == 1) {
      vec_push(&cx->later, ir_assign(lv, ir_binary(op, lv, ir_num("1", ty_int(), e->loc), lv->ty, e->loc), e->loc));
      return lv;
    }
  }
  Expr *old = NULL;
  if (post && value_used) old = hoist(cx, lv);
  Expr *one = ir_num("1", ty_int(), e->loc);
  emit_stmt_(ir_assign(lv, ir_binary(op, lv, one, lv->ty, e->loc), e->loc));
  return post && value_used ? old : lv;
}

/* Whether e is 0 or 1 already: a comparison or a logical operator. */
static bool is_truth(const Expr *e) {
  switch (e->kind) {
  case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ: case EX_NE:
  case EX_LAND: case EX_LOR: case EX_NOT:
    return true;
  default:
    return false;
  }
}

/* One arm of a lowered &&, || or ?:: the statements of x, in their own
 * block, then t = x (t = x != 0 for a truth value) when the value is used. */
static Stmt *lower_arm(Ctx *cx, Expr *x, Var *t, bool truth) {
  Stmt *b = ir_block(x->loc);
  Vec *saved = out_;
  out_ = &b->kids;
  if (!t) {
    Stmt *es = ir_new_stmt(ST_EXPR, x->loc);   /* the value is unused: a statement */
    es->e = x;
    lower_stmt(cx, es);
  } else {
    Expr *v;
    if (!truth && x->kind == EX_CALL && x->callee) v = lower_call(cx, x, false);  /* t = g(args) */
    else v = lower_expr(cx, x, true);
    if (truth && !is_truth(v)) v = ir_binary(EX_NE, v, ir_num("0", ty_int(), x->loc), ty_int(), x->loc);
    Stmt *a = ir_assign(ir_var(t, x->loc), v, x->loc);
    a->init_of_decl = !truth && !cx->in_loop;   /* the value of ?: is assigned once */
    emit_stmt_(a);
  }
  out_ = saved;
  return b;
}

/* a && b, a || b and c ? x : y whose later operands have side effects or
 * call functions: those operands run only when C says so, in an if.
 *   a && b   ->  t = 0; if (a) { <b>; t = b != 0; }
 *   a || b   ->  t = 1; if (!a) { <b>; t = b != 0; }
 *   c ? x : y  ->  if (c) { <x>; t = x; } else { <y>; t = y; }
 * and the expression is t. */
static Expr *lower_branching(Ctx *cx, Expr *e, bool value_used) {
  Loc loc = e->loc;
  Expr *a = lower_expr(cx, e->a, true);
  bool want = value_used && e->ty->kind != TY_VOID;
  Var *t = NULL;
  Stmt *iff = ir_new_stmt(ST_IF, loc);
  if (e->kind == EX_COND) {
    if (want) t = value_temp(cx, e->ty);
    iff->e = a;
    iff->body = lower_arm(cx, e->b, t, false);
    iff->els = lower_arm(cx, e->c, t, false);
  } else {
    bool land = e->kind == EX_LAND;
    if (want) {
      t = ir_new_temp(cx->fn, "t", ty_int());
      Stmt *init = ir_assign(ir_var(t, loc), ir_num(land ? "0" : "1", ty_int(), loc), loc);
      init->init_of_decl = !cx->in_loop;
      emit_stmt_(init);
    }
    if (land) iff->e = a;
    else {
      iff->e = ir_new_expr(EX_NOT, ty_int(), loc);
      iff->e->a = a;
    }
    iff->body = lower_arm(cx, e->b, t, true);
  }
  emit_stmt_(iff);
  return t ? ir_var(t, loc) : ir_num("0", ty_int(), loc);
}

/* Lowers an expression; side effects inside it are emitted as statements
 * before the statement being built, in C's order of evaluation where C
 * defines one. */
static Expr *lower_expr(Ctx *cx, Expr *e, bool value_used) {
  if (!e) return NULL;
  switch (e->kind) {
  case EX_CALL:
    return lower_call(cx, e, value_used);
  case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC:
    return lower_incdec(cx, e, value_used);
  case EX_ASSIGN: {
    Expr *lhs = lower_expr(cx, e->a, true);
    Expr *root = cx->root;
    cx->root = e->op ? NULL : e->b;
    Expr *rhs = lower_expr(cx, e->b, true);
    cx->root = root;
    if (e->op) rhs = ir_binary(e->op, lhs, rhs, lhs->ty, e->loc);
    emit_stmt_(ir_assign(lhs, rhs, e->loc));
    return lhs;
  }
  case EX_LAND: case EX_LOR: case EX_COND:
    /* pure operands stay: the reverse sweep handles a pure ?: */
    if (ir_has_side_effects(e->b) || ir_has_side_effects(e->c)) return lower_branching(cx, e, value_used);
    e->a = lower_expr(cx, e->a, true);
    return e;
  case EX_COMMA:
    lower_discard(cx, e->a, e->loc);
    return lower_expr(cx, e->b, value_used);
  default:
    e->a = lower_expr(cx, e->a, true);
    e->b = lower_expr(cx, e->b, true);
    e->c = lower_expr(cx, e->c, true);
    for (int i = 0; i < e->nargs; i++) e->args[i] = lower_expr(cx, e->args[i], true);
    return e;
  }
}

/* ---- statements ----------------------------------------------------------- */

static Stmt *lower_block(Ctx *cx, Stmt *b);

static int label_index(const char *name) {
  for (int i = 0; i < labels_.len; i++)
    if (!strcmp(((Site *)labels_.data[i])->name, name)) return i;
  return -1;
}

/* The bits of the targeted labels that s stands under (L1: L2: s). */
static unsigned long label_bits(Stmt *s) {
  unsigned long m = 0;
  for (; s && s->kind == ST_LABEL; s = s->body) {
    int k = label_index(s->label);
    if (k >= 0) m |= 1UL << k;
  }
  return m;
}

/* The flags that a statement may set, which the rest of its list must test.
 * gotos: the labels that gotos inside it target; labels: the labels inside
 * it. A goto whose label is inside too lands there (see settled). */
typedef struct Jumps { bool brk, cnt, ret; unsigned long gotos, labels; } Jumps;

/* The flags still set after the statement: gotos to labels outside it. */
static Jumps settled(Jumps j) {
  j.gotos &= ~j.labels;
  j.labels = 0;
  return j;
}

static bool any_jump(Jumps j) { return j.brk || j.cnt || j.ret || (j.gotos & ~j.labels); }

static void jumps_of(Stmt *s, Jumps *j, bool nested_loop) {
  if (!s) return;
  switch (s->kind) {
  case ST_BREAK: if (!nested_loop) j->brk = true; return;
  case ST_CONTINUE: if (!nested_loop) j->cnt = true; return;
  case ST_RETURN: j->ret = true; return;
  case ST_GOTO: {
    int k = label_index(s->label);
    if (k >= 0) j->gotos |= 1UL << k;
    return;
  }
  case ST_LABEL:
    j->labels |= label_bits(s);
    jumps_of(s->body, j, nested_loop);
    return;
  case ST_BLOCK:
    for (int i = 0; i < s->kids.len; i++) jumps_of(s->kids.data[i], j, nested_loop);
    return;
  case ST_IF: jumps_of(s->body, j, nested_loop); jumps_of(s->els, j, nested_loop); return;
  case ST_WHILE: case ST_DO: case ST_FOR: jumps_of(s->body, j, true); return;
  case ST_SWITCH: {
    Jumps inner = {0};
    jumps_of(s->body, &inner, true);   /* break belongs to the switch */
    j->ret |= inner.ret;
    j->gotos |= inner.gotos, j->labels |= inner.labels;
    if (!nested_loop) {
      /* continue inside a switch targets the enclosing loop */
      Jumps c = {0};
      jumps_of(s->body, &c, false);
      j->cnt |= c.cnt;
    }
    return;
  }
  case ST_CASE: case ST_DEFAULT: jumps_of(s->body, j, nested_loop); return;
  default: return;
  }
}

static Expr *guard_of(Ctx *cx, Jumps j, bool with_cnt, Loc loc) {
  Expr *g = NULL;
  unsigned long gotos = j.gotos & ~j.labels;
  for (int i = 0; i < 3 + labels_.len; i++) {
    Var *f = i == 0 ? (j.brk ? cx->brk : NULL)
           : i == 1 ? (with_cnt && j.cnt ? cx->cnt : NULL)
           : i == 2 ? (j.ret ? cx->done : NULL)
           : (gotos >> (i - 3) & 1) ? ((Site *)labels_.data[i - 3])->flag : NULL;
    if (!f) continue;
    Expr *t = flag_test(f, loc);
    g = g ? ir_binary(EX_LAND, g, t, ty_int(), loc) : t;
  }
  return g;
}

/* Lowers the statements of list[from..to) into out, guarding what follows a
 * statement that may jump: the statements after it run under
 * `if (!flag ...)`, up to the label of a goto, which clears its flag and
 * ends the guard (the other flags guard on after it). */
static void lower_list(Ctx *cx, Vec *list, int from, int to, Vec *out) {
  Jumps pend = {0};      /* flags that the statements so far may have set */
  int i = from;
  while (i < to) {
    Stmt *s = list->data[i];
    unsigned long land = label_bits(s) & pend.gotos;
    for (int k = 0; k < labels_.len; k++)
      if (land >> k & 1) vec_push(out, set_flag(((Site *)labels_.data[k])->flag, "0", s->loc));
    pend.gotos &= ~land;
    if (!any_jump(pend)) {
      Jumps j = {0};
      jumps_of(s, &j, false);
      Vec *saved = out_;
      out_ = out;
      lower_stmt(cx, s);
      out_ = saved;
      pend = settled(j);
      i++;
      continue;
    }
    /* guard list[i..k), up to the next label that a pending goto targets */
    int k = i + 1;
    while (k < to && !(label_bits(list->data[k]) & pend.gotos)) k++;
    Loc loc = ((Stmt *)list->data[i > from ? i - 1 : i])->loc;
    Stmt *rest = ir_block(loc);
    lower_list(cx, list, i, k, &rest->kids);
    if (rest->kids.len) {
      Stmt *g = ir_new_stmt(ST_IF, loc);
      g->e = guard_of(cx, pend, true, loc);
      g->body = rest;
      vec_push(out, g);
    }
    Jumps seg = {0};
    for (int m = i; m < k; m++) jumps_of(list->data[m], &seg, false);
    seg = settled(seg);
    pend.brk |= seg.brk, pend.cnt |= seg.cnt, pend.ret |= seg.ret, pend.gotos |= seg.gotos;
    i = k;
  }
}

static Stmt *lower_block(Ctx *cx, Stmt *b) {
  Stmt *nb = ir_block(b->loc);
  if (b->kind == ST_BLOCK) lower_list(cx, &b->kids, 0, b->kids.len, &nb->kids);
  else {
    Vec one = {0};
    vec_push(&one, b);
    lower_list(cx, &one, 0, 1, &nb->kids);
  }
  return nb;
}

/* Lowers a condition. A loop condition is evaluated more than once, so
 * nothing can be hoisted out of it: lower_loop has made one with side
 * effects or calls a statement of the body. */
static Expr *lower_cond(Ctx *cx, Expr *e, bool hoistable) {
  if (!hoistable && ir_has_side_effects(e)) bug("loop condition with side effects");
  Ctx c = *cx;
  c.in_cond = true;
  return lower_expr(&c, e, true);
}

/* Element-wise assignments for `T v[n] = {...}` and `S v = {...}`. */
static void lower_init_list(Ctx *cx, Expr *lv, Expr *list) {
  Type *t = lv->ty;
  if (t->kind == TY_ARRAY) {
    long n = t->len >= 0 ? t->len : list->nargs;
    for (long i = 0; i < n; i++) {
      Expr *el = ir_new_expr(EX_INDEX, t->base, list->loc);
      el->a = lv;
      el->b = ir_num(format("%ld", i), ty_int(), list->loc);
      Expr *v = i < list->nargs ? list->args[i] : ir_num("0", ty_int(), list->loc);
      if (v->kind == EX_INITLIST) lower_init_list(cx, el, v);
      else if (t->base->kind == TY_STRUCT || t->base->kind == TY_ARRAY) {
        Expr *z = ir_new_expr(EX_INITLIST, t->base, list->loc);
        lower_init_list(cx, el, z);
      } else emit_stmt_(ir_assign(el, lower_expr(cx, v, true), list->loc));
    }
  } else if (t->kind == TY_STRUCT) {
    for (int i = 0; i < t->nfields; i++) {
      Expr *el = ir_new_expr(EX_MEMBER, t->fields[i].ty, list->loc);
      el->a = lv;
      el->text = t->fields[i].name;
      Expr *v = i < list->nargs ? list->args[i] : NULL;
      if ((v && v->kind == EX_INITLIST) || (!v && (el->ty->kind == TY_STRUCT || el->ty->kind == TY_ARRAY)))
        lower_init_list(cx, el, v ? v : ir_new_expr(EX_INITLIST, el->ty, list->loc));
      else emit_stmt_(ir_assign(el, v ? lower_expr(cx, v, true) : ir_num("0", ty_int(), list->loc), list->loc));
    }
  } else if (list->nargs == 1) {
    emit_stmt_(ir_assign(lv, lower_expr(cx, list->args[0], true), list->loc));
  } else {
    diag_error(list->loc, "unsupported initializer list");
  }
}

/* Whether a for increment steps an integer counter (i++, i -= 2): such a
 * loop stays a for loop, which rev.c can reverse by counting. */
static bool int_step(Expr *inc) {
  if (!inc) return false;
  Expr *target = inc->kind == EX_ASSIGN ? inc->a : inc->a;
  if (!target || target->kind != EX_VAR || !ty_is_int(target->ty)) return false;
  switch (inc->kind) {
  case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC: return true;
  case EX_ASSIGN:
    if (inc->op == EX_ADD || inc->op == EX_SUB) return inc->b->kind == EX_NUM;
    return !inc->op && (inc->b->kind == EX_ADD || inc->b->kind == EX_SUB) && inc->b->a->kind == EX_VAR &&
           inc->b->a->var == target->var && inc->b->b->kind == EX_NUM;
  default: return false;
  }
}

/* A loop: its flags live per loop; the condition tests them. */
static void lower_loop(Ctx *cx, Stmt *s) {
  /* a condition with side effects or calls becomes `if (!(C)) break;`: at
   * the top of the body for while and for (continue still reaches it, after
   * the increment), after the body for do, where continue goes too */
  Stmt *tail = NULL;
  bool moved = s->e && ir_has_side_effects(s->e);
  if (moved) {
    Loc cl = s->e->loc;
    Stmt *test = ir_new_stmt(ST_IF, cl);
    test->e = ir_new_expr(EX_NOT, ty_int(), cl);
    test->e->a = s->e;
    test->body = ir_block(cl);
    vec_push(&test->body->kids, ir_new_stmt(ST_BREAK, cl));
    if (s->kind == ST_DO) tail = test;
    else {
      Stmt *b = ir_block(s->body->loc);
      vec_push(&b->kids, test);
      vec_push(&b->kids, s->body);
      s->body = b;
    }
    s->e = NULL;
  }
  Ctx inner = *cx;
  inner.in_loop = true;
  Jumps j = {0};
  jumps_of(s->body, &j, false);
  j = settled(j);
  Jumps jbody = j;
  if (tail) j.brk = true;
  inner.brk = j.brk ? new_flag(cx->fn, "brk") : NULL;
  inner.cnt = j.cnt ? new_flag(cx->fn, "cnt") : NULL;
  /* a for loop stays one when nothing jumps and it counts with an integer;
   * any other becomes a while loop with the increment at the end of the body */
  bool plain = !any_jump(j) && (s->kind != ST_FOR || !s->inc || int_step(s->inc));
  /* a parallel loop with continue stays one too: the increment runs after
   * the body either way, and the flag is reset at the top of each iteration */
  if (s->omp && j.cnt && !j.brk && !j.ret && !(j.gotos & ~j.labels) && s->inc && int_step(s->inc)) plain = true;

  Stmt *kept_init = NULL;
  if (s->kind == ST_FOR && s->init) {
    Vec inits = {0};
    Vec *saved = out_;
    out_ = &inits;
    lower_stmt(cx, s->init);
    out_ = saved;
    bool from_decl = s->init->kind == ST_DECL;
    s->init = NULL;
    if (plain && inits.len == 1 && ((Stmt *)inits.data[0])->kind == ST_EXPR) {
      kept_init = inits.data[0];
      /* a counter declared in the header lives only in the loop, whose
       * reverse rebuilds it: its previous value is never needed */
      if (from_decl) kept_init->init_of_decl = true;
    }
    else for (int i = 0; i < inits.len; i++) emit_stmt_(inits.data[i]);
  }
  if (inner.brk) emit_stmt_(set_flag(inner.brk, "0", s->loc));

  Stmt *body = ir_block(s->loc);
  if (inner.cnt) vec_push(&body->kids, set_flag(inner.cnt, "0", s->loc));
  Stmt *lb = lower_block(&inner, s->body);
  for (int i = 0; i < lb->kids.len; i++) vec_push(&body->kids, lb->kids.data[i]);
  if (tail) {
    /* do's condition: after the body unless it broke, returned or jumped out */
    Vec tv = {0};
    Vec *saved = out_;
    out_ = &tv;
    lower_stmt(&inner, tail);
    out_ = saved;
    jbody.cnt = false;
    Expr *g = guard_of(&inner, jbody, false, s->loc);
    Stmt *gi = body;
    if (g) {
      gi = ir_new_stmt(ST_IF, s->loc);
      gi->e = g;
      gi->body = ir_block(s->loc);
      vec_push(&body->kids, gi);
      gi = gi->body;
    }
    for (int i = 0; i < tv.len; i++) vec_push(&gi->kids, tv.data[i]);
  }

  Expr *cond = s->e ? lower_cond(cx, s->e, false) : NULL;
  if (s->kind == ST_FOR && plain) {
    /* canonical loops stay for loops; rev.c may reverse them by counting */
    Stmt *f = ir_new_stmt(ST_FOR, s->loc);
    f->init = kept_init;
    f->e = cond;
    f->inc = s->inc;
    if (f->inc) {
      Vec incs = {0};
      Vec *saved = out_;
      out_ = &incs;
      lower_discard(&inner, f->inc, s->loc);   /* runs once per iteration */
      out_ = saved;
      /* a single assignment: keep it as the increment */
      if (incs.len == 1 && ((Stmt *)incs.data[0])->kind == ST_EXPR) f->inc = ((Stmt *)incs.data[0])->e;
      else {
        for (int i = 0; i < incs.len; i++) vec_push(&body->kids, incs.data[i]);
        f->inc = NULL;
      }
    }
    f->body = body;
    f->ckpt = s->ckpt;
    f->omp = s->omp;
    emit_stmt_(f);
    return;
  }
  if (s->kind == ST_FOR && s->inc) {
    Vec incs = {0};
    Vec *saved = out_;
    out_ = &incs;
    lower_discard(&inner, s->inc, s->loc);
    out_ = saved;
    Jumps jb = j;
    jb.cnt = false;
    Expr *g = guard_of(&inner, jb, false, s->loc);
    if (g) {
      Stmt *gi = ir_new_stmt(ST_IF, s->loc);
      gi->e = g;
      gi->body = ir_block(s->loc);
      for (int i = 0; i < incs.len; i++) vec_push(&gi->body->kids, incs.data[i]);
      vec_push(&body->kids, gi);
    } else {
      for (int i = 0; i < incs.len; i++) vec_push(&body->kids, incs.data[i]);
    }
  }
  Jumps jc = j;
  jc.cnt = false;
  Expr *g = guard_of(&inner, jc, false, s->loc);
  if (!cond) cond = g && moved ? NULL : ir_num("1", ty_int(), s->loc);
  cond = g && cond ? ir_binary(EX_LAND, g, cond, ty_int(), s->loc) : cond ? cond : g;
  Stmt *w = ir_new_stmt(s->kind == ST_DO ? ST_DO : ST_WHILE, s->loc);
  w->e = cond;
  w->body = body;
  w->ckpt = s->ckpt;
  if (s->omp) diag_error(s->omp->loc, "gradc differentiates parallel loops of OpenMP's canonical form: "
                         "for (i = a; i < b; i += c), with no 'break', 'return' or 'goto' out of it");
  emit_stmt_(w);
}

/* switch (v) { case 1: A; case 2: B; break; default: C; } becomes
 *   _sw = v; _m = 0;
 *   if (_m || _sw == 1) { _m = 1; A }   (and so on, in source order)
 *   if (_m || !(_sw == 1 || _sw == 2)) { _m = 1; C }
 * with break setting the switch's flag, as in loops. */
static void lower_switch(Ctx *cx, Stmt *s) {
  Var *sw = ir_new_temp(cx->fn, "sw", s->e->ty);
  emit_stmt_(ir_assign(ir_var(sw, s->loc), lower_expr(cx, s->e, true), s->loc));
  Var *m = new_flag(cx->fn, "m");
  emit_stmt_(set_flag(m, "0", s->loc));
  /* flatten the body into segments that start at case labels */
  Vec segs = {0}, labels = {0};  /* labels: Vec of Expr* (NULL for default) */
  Stmt *cur = NULL;
  Vec *body = &s->body->kids;
  Expr *all = NULL;
  for (int i = 0; i < body->len; i++) {
    Stmt *k = body->data[i];
    while (k && (k->kind == ST_CASE || k->kind == ST_DEFAULT)) {
      cur = ir_block(k->loc);
      vec_push(&segs, cur);
      Expr *lab = NULL;
      if (k->kind == ST_CASE) {
        lab = ir_binary(EX_EQ, ir_var(sw, k->loc), k->e, ty_int(), k->loc);
        all = all ? ir_binary(EX_LOR, all, lab, ty_int(), k->loc) : lab;
      }
      vec_push(&labels, lab ? lab : (void *)s);   /* s marks default */
      k = k->body;
    }
    if (!cur) { if (k && k->kind != ST_NOP) diag_warning(k->loc, "statement before the first case is never run"); continue; }
    if (k) vec_push(&cur->kids, k);
  }
  Ctx inner = *cx;
  Jumps jj = {0};
  for (int i = 0; i < segs.len; i++) jumps_of(segs.data[i], &jj, false);
  inner.brk = jj.brk ? new_flag(cx->fn, "brk") : NULL;
  if (inner.brk) emit_stmt_(set_flag(inner.brk, "0", s->loc));
  Vec chain = {0};
  for (int i = 0; i < segs.len; i++) {
    Stmt *seg = segs.data[i];
    Expr *lab = labels.data[i];
    Expr *match;
    if (lab == (void *)s) {
      match = all ? ir_new_expr(EX_NOT, ty_int(), seg->loc) : ir_num("1", ty_int(), seg->loc);
      if (all) match->a = all;
    } else match = lab;
    Stmt *iff = ir_new_stmt(ST_IF, seg->loc);
    iff->e = ir_binary(EX_LOR, ir_var(m, seg->loc), match, ty_int(), seg->loc);
    iff->body = ir_block(seg->loc);
    vec_push(&iff->body->kids, set_flag(m, "1", seg->loc));
    for (int k = 0; k < seg->kids.len; k++) vec_push(&iff->body->kids, seg->kids.data[k]);
    vec_push(&chain, iff);
  }
  Vec out = {0};
  lower_list(&inner, &chain, 0, chain.len, &out);
  for (int i = 0; i < out.len; i++) emit_stmt_(out.data[i]);
}

static void lower_stmt(Ctx *cx, Stmt *s) {
  switch (s->kind) {
  case ST_NOP:
    return;
  case ST_BLOCK: {
    Stmt *b = lower_block(cx, s);
    for (int i = 0; i < b->kids.len; i++) emit_stmt_(b->kids.data[i]);
    return;
  }
  case ST_DECL:
    if (s->var->is_static) {
      emit_stmt_(s);
      return;
    }
    if (s->e && s->e->kind == EX_INITLIST) {
      lower_init_list(cx, ir_var(s->var, s->loc), s->e);
      return;
    }
    if (s->e) {
      Expr *root = cx->root;
      cx->root = s->e;   /* double c = tanh(u): the call is the whole value */
      Stmt *a = ir_assign(ir_var(s->var, s->loc), lower_expr(cx, s->e, true), s->loc);
      cx->root = root;
      a->init_of_decl = !cx->in_loop;
      emit_stmt_(a);
    }
    return;
  case ST_EXPR: {
    Expr *e = s->e;
    if (e->kind == EX_CALL) {
      Expr *c = lower_call(cx, e, false);
      Stmt *n = ir_new_stmt(ST_EXPR, s->loc);
      n->e = c;
      emit_stmt_(n);
      return;
    }
    if (e->kind == EX_ASSIGN && e->b->kind == EX_CALL && e->b->callee && !e->op) {
      Expr *lhs = lower_expr(cx, e->a, true);
      Expr *c = lower_call(cx, e->b, false);
      emit_stmt_(ir_assign(lhs, c, s->loc));
      return;
    }
    /* x++ may wait for the end of the statement unless a branch inside it
     * (&&, ||, ?:) decides whether it runs */
    cx->whole = ir_expr_any(e, branchy, NULL) ? NULL : e;
    cx->later = (Vec){0};
    lower_discard(cx, e, s->loc);
    cx->whole = NULL;
    for (int i = 0; i < cx->later.len; i++) emit_stmt_(cx->later.data[i]);
    cx->later = (Vec){0};
    return;
  }
  case ST_IF: {
    Expr *c = lower_cond(cx, s->e, true);
    Stmt *n = ir_new_stmt(ST_IF, s->loc);
    n->e = c;
    n->body = lower_block(cx, s->body);
    n->els = s->els ? lower_block(cx, s->els) : NULL;
    emit_stmt_(n);
    return;
  }
  case ST_WHILE: case ST_DO: case ST_FOR:
    lower_loop(cx, s);
    return;
  case ST_SWITCH:
    lower_switch(cx, s);
    return;
  case ST_CASE: case ST_DEFAULT:
    diag_error(s->loc, "'case' outside the body of its 'switch' is not supported");
    return;
  case ST_RETURN:
    if (s->e) {
      Expr *v = lower_expr(cx, s->e, true);
      Stmt *a = ir_assign(ir_var(cx->fn->retvar, s->loc), v, s->loc);
      a->init_of_decl = !cx->done && !cx->in_loop;   /* the single return */
      emit_stmt_(a);
    }
    if (cx->done) emit_stmt_(set_flag(cx->done, "1", s->loc));
    return;
  case ST_BREAK:
    if (!cx->brk) bug("break without a flag");
    emit_stmt_(set_flag(cx->brk, "1", s->loc));
    return;
  case ST_CONTINUE:
    if (!cx->cnt) bug("continue without a flag");
    emit_stmt_(set_flag(cx->cnt, "1", s->loc));
    return;
  case ST_GOTO: {
    int k = label_index(s->label);   /* -1: refused by check_gotos */
    if (k >= 0) emit_stmt_(set_flag(((Site *)labels_.data[k])->flag, "1", s->loc));
    return;
  }
  case ST_LABEL:
    /* lower_list clears the flag where the label stands */
    if (s->body) lower_stmt(cx, s->body);
    return;
  }
}

/* ---- goto ------------------------------------------------------------------ */

/* Collects the labels and gotos under s, in preorder. direct: the block
 * that s stands in directly, if any, or the switch whose body it stands in
 * (whose case labels cut it into pieces: a goto cannot land there). */
static void find_jumps(Stmt *s, Stmt *direct, Vec *stack, int *pos, Vec *labels, Vec *gotos) {
  if (!s) return;
  ++*pos;
  switch (s->kind) {
  case ST_LABEL: {
    Site *l = arena_alloc(sizeof *l);
    l->name = s->label, l->s = s, l->block = direct, l->pos = *pos;
    vec_push(labels, l);
    find_jumps(s->body, s->body && s->body->kind == ST_LABEL ? direct : NULL, stack, pos, labels, gotos);
    return;
  }
  case ST_GOTO: {
    Site *g = arena_alloc(sizeof *g);
    g->name = s->label, g->s = s, g->pos = *pos;
    for (int i = 0; i < stack->len; i++) vec_push(&g->blocks, stack->data[i]);
    vec_push(gotos, g);
    return;
  }
  case ST_BLOCK:
    vec_push(stack, s);
    for (int i = 0; i < s->kids.len; i++) find_jumps(s->kids.data[i], s, stack, pos, labels, gotos);
    stack->len--;
    return;
  case ST_SWITCH:
    if (s->body && s->body->kind == ST_BLOCK) {
      ++*pos;
      vec_push(stack, s->body);
      for (int i = 0; i < s->body->kids.len; i++)
        find_jumps(s->body->kids.data[i], s, stack, pos, labels, gotos);
      stack->len--;
    } else find_jumps(s->body, s, stack, pos, labels, gotos);
    return;
  default:
    find_jumps(s->init, NULL, stack, pos, labels, gotos);
    find_jumps(s->body, s->kind == ST_CASE || s->kind == ST_DEFAULT ? direct : NULL, stack, pos, labels,
               gotos);
    find_jumps(s->els, NULL, stack, pos, labels, gotos);
    return;
  }
}

/* Checks the gotos of fn: a goto may jump forward to a label that stands
 * in its own block or in an enclosing one; it then sets the label's flag,
 * which guards the statements up to the label as break's and return's do.
 * Fills labels_ with the labels that gotos target. */
static void check_gotos(Func *fn) {
  Vec labels = {0}, gotos = {0}, stack = {0};
  int pos = 0;
  find_jumps(fn->body, NULL, &stack, &pos, &labels, &gotos);
  for (int i = 0; i < gotos.len; i++) {
    Site *g = gotos.data[i], *l = NULL;
    for (int k = 0; k < labels.len && !l; k++)
      if (!strcmp(((Site *)labels.data[k])->name, g->name)) l = labels.data[k];
    if (!l) {
      diag_error(g->s->loc, "cannot differentiate through this 'goto': gradc does not see its label '%s'",
                 g->name);
      continue;
    }
    bool around = false;
    for (int k = 0; k < g->blocks.len; k++) around |= g->blocks.data[k] == l->block;
    if (l->pos < g->pos)
      diag_error(g->s->loc, "cannot differentiate through a backward 'goto' (to '%s' on line %d): "
                 "the reverse sweep needs structured control flow; write the repetition as a loop",
                 g->name, l->s->loc.line);
    else if (l->block && l->block->kind == ST_SWITCH)
      diag_error(g->s->loc, "cannot differentiate through a 'goto' to a label among the cases of a "
                 "'switch' ('%s' on line %d): the switch becomes an if-chain that it cannot enter",
                 g->name, l->s->loc.line);
    else if (!l->block || !around)
      diag_error(g->s->loc, "cannot differentiate through a 'goto' into a block (to '%s' on line %d): "
                 "only forward jumps to a label in the same block or an enclosing one are supported",
                 g->name, l->s->loc.line);
    else l->targeted = true;   /* its flag is made below, in label order */
  }
  for (int k = 0; k < labels.len; k++) {
    Site *l = labels.data[k];
    if (!l->targeted) continue;
    if (labels_.len == 64) {
      diag_error(l->s->loc, "cannot differentiate a function with more than 64 labels that 'goto' jumps to");
      return;
    }
    l->flag = new_flag(fn, format("goto_%s", l->name));
    vec_push(&labels_, l);
  }
}

/* Whether the only return is the last statement of the body. */
static bool single_exit(Stmt *body) {
  int n = body->kids.len;
  for (int i = 0; i < n; i++) {
    Stmt *s = body->kids.data[i];
    Jumps j = {0};
    jumps_of(s, &j, false);
    if (j.ret && !(i == n - 1 && s->kind == ST_RETURN)) return false;
  }
  return true;
}

static bool reads_var(Expr *e, Var *v) {
  if (!e) return false;
  if (e->kind == EX_VAR) return e->var == v;
  if (e->kind == EX_ASSIGN && e->a->kind == EX_VAR && e->a->var == v) return reads_var(e->b, v);
  for (int i = 0; i < e->nargs; i++) if (reads_var(e->args[i], v)) return true;
  return reads_var(e->a, v) || reads_var(e->b, v) || reads_var(e->c, v);
}

static bool stmt_reads(Stmt *s, Var *v) {
  if (!s) return false;
  if (reads_var(s->e, v) || reads_var(s->inc, v)) return true;
  for (int i = 0; i < s->kids.len; i++) if (stmt_reads(s->kids.data[i], v)) return true;
  return stmt_reads(s->init, v) || stmt_reads(s->body, v) || stmt_reads(s->els, v);
}

/* Drops the assignments of a flag that nothing tests (a return with
 * nothing after it to skip). */
static void drop_assignments(Stmt *s, Var *v) {
  if (!s) return;
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && s->e->a->kind == EX_VAR && s->e->a->var == v) {
    s->kind = ST_NOP;
    s->e = NULL;   /* nothing of it is left for a pass that walks expressions */
    return;
  }
  for (int i = 0; i < s->kids.len; i++) drop_assignments(s->kids.data[i], v);
  drop_assignments(s->init, v), drop_assignments(s->body, v), drop_assignments(s->els, v);
}

static void drop_unread_flags(Func *fn) {
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    if (!v->is_flag || stmt_reads(fn->body, v)) continue;
    drop_assignments(fn->body, v);
    for (int k = i; k + 1 < fn->locals.len; k++) fn->locals.data[k] = fn->locals.data[k + 1];
    fn->locals.len--, i--;
  }
}

bool lower_func(Program *p, Func *fn) {
  (void)p;
  if (fn->lowered) return true;
  fn->lowered = true;
  int before = diag_errors();
  if (fn->ret->kind != TY_VOID)
    fn->retvar = ir_new_var(fn, ir_unique_name(fn, "_ret"), fn->ret, VAR_TEMP, fn->loc);
  Vec saved_labels = labels_;
  labels_ = (Vec){0};
  check_gotos(fn);
  Ctx cx = {.fn = fn};
  if (!single_exit(fn->body)) cx.done = new_flag(fn, "done");
  Stmt *body = ir_block(fn->body->loc);
  if (cx.done) vec_push(&body->kids, set_flag(cx.done, "0", fn->loc));
  for (int i = 0; i < labels_.len; i++)
    vec_push(&body->kids, set_flag(((Site *)labels_.data[i])->flag, "0", fn->loc));
  lower_list(&cx, &fn->body->kids, 0, fn->body->kids.len, &body->kids);
  fn->body = body;
  drop_unread_flags(fn);
  labels_ = saved_labels;
  return diag_errors() == before;
}
