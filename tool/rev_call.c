/* rev_call.c: reverse mode of calls and of the library functions gradc
 * knows. A call of a function of the file that is not inlined (recursive,
 * custom-differentiated, another file's) runs its split pair or custom
 * adjoint; malloc, calloc, realloc and posix_memalign get adjoint buffers;
 * memcpy, memmove and memset move adjoints. rev.c calls these from its
 * statements. */
#include "tool.h"
#include "rev.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool own_frame(Expr *a);

static Type *void_ty(void) { return ty_new(TY_VOID, "void"); }
static Expr *num(const char *text, Type *t, Loc loc) { return ir_num(text, t, loc); }
static Stmt *block(Loc loc) { return ir_block(loc); }

/* The adjoint argument for the active argument a of a parameter of type pt:
 * its shadow's address; for a float parameter given a double (or back), the
 * address of a temporary of the parameter's type, declared in pre and added
 * to the shadow in post. */
static Expr *adjoint_arg(Gen *g, Type *pt, Expr *a, Stmt *pre, Stmt *post) {
  if (ty_is_float(pt) && ty_is_float(a->ty) && pt->kind != a->ty->kind) {
    Var *c = rev_local(g, pre, "c", ty_unconst(pt), num("0", pt, a->loc));
    rev_put(post, rev_add_to(rev_adj(g, a), ir_var(c, a->loc)));
    return rev_addr(ir_var(c, a->loc));
  }
  return ty_is_ptr(a->ty) ? rev_adj_ptr(g, a) : rev_addr(rev_adj(g, a));
}

/* The arguments of a split-mode call: each argument, then the adjoint of
 * each active one (with_bars); n arguments into args */
static Expr **call_args(Gen *g, Spec *sp, Expr *call, bool with_bars, Stmt *pre, Stmt *post, int *n) {
  Expr **args = arena_alloc(sizeof(Expr *) * (size_t)(2 * call->nargs + 3));
  int k = 0;
  for (int i = 0; i < call->nargs; i++) {
    args[k++] = call->args[i];
    if (with_bars && bit(sp->mask, i)) {
      Expr *a = call->args[i];
      Type *pt = ((Var *)sp->fn->params.data[i])->ty;
      if (!act_expr_active(a)) {
        /* a companion's scalar adjoint that this call does not need: &(T){0} */
        Type *t = ty_unconst(pt);
        Expr *zero = ir_new_expr(EX_INITLIST, t, a->loc);
        zero->nargs = 1;
        zero->args = arena_alloc(sizeof(Expr *));
        zero->args[0] = num("0", t, a->loc);
        args[k++] = ir_unary(EX_ADDR, ir_unary(EX_CAST, zero, t), ty_ptr_to(t));
        continue;
      }
      args[k++] = adjoint_arg(g, pt, a, pre, post);
    }
  }
  *n = k;
  return args;
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
/* e (a GRADC_WRITES count over fn's parameters) with the call's arguments
 * for the parameters */
static Expr *with_args(Expr *e, Func *fn, Expr *call) {
  if (!e) return NULL;
  if (e->kind == EX_VAR)
    for (int i = 0; i < fn->params.len && i < call->nargs; i++)
      if (e->var == fn->params.data[i]) return call->args[i];
  Expr *c = ir_new_expr(e->kind, e->ty, e->loc);
  *c = *e;
  c->a = with_args(e->a, fn, call), c->b = with_args(e->b, fn, call), c->c = with_args(e->c, fn, call);
  if (e->nargs) {
    c->args = arena_alloc(sizeof *c->args * (size_t)e->nargs);
    for (int i = 0; i < e->nargs; i++) c->args[i] = with_args(e->args[i], fn, call);
  }
  return c;
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

static void put_all(Stmt *out, Stmt *blk) {
  for (int i = 0; i < blk->kids.len; i++) rev_put(out, blk->kids.data[i]);
}

static void gen_custom_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R) {
  Func *fn = call->callee;
  Loc loc = call->loc;
  if (rev_par_refuses(g, loc, format("the call of '%s'", call->text))) return;
  const char *name = rev_use_custom(g->p, fn, fn->custom_rev, loc);
  for (int i = 0; i < call->nargs && i < 60; i++)
    if (bit(fn->inactive, i) && act_expr_active(call->args[i])) {
      diag_error(call->args[i]->loc, "'%s' has no derivative with respect to its parameter '%s': "
                 "it must not depend on the differentiated inputs", call->text,
                 ((Var *)fn->params.data[i])->name);
      return;
    }
  if (!fn->has_body && in_place(call) && !fn->in_place_ok) {
    diag_error(loc, "'%s' would overwrite one of its inputs (in place), which its "
               "derivative needs: give the output its own buffer", call->text);
    return;
  }
  /* blocks the call overwrites (GRADC_WRITES) that the reverse sweep reads
   * are saved before it and restored after its adjoint; before it when the
   * adjoint reads their old values (GRADC_READS_INPUT: always saved). The
   * pops undo the pushes in reverse order: the return value's, then the
   * blocks' from the last. */
  Vec pops = {0};
  Type *size_t_ty = ty_size();
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
    /* sizeof *a * (size_t)(count): the annotation's count over the call's arguments */
    Expr *count = with_args(w->count, fn, call);
    Expr *n = ir_binary(EX_MUL, rev_size_of(ir_unary(EX_DEREF, a, ty_elem(a->ty))), ir_unary(EX_CAST, count, size_t_ty),
                        size_t_ty, loc);
    g->used_tape = true;
    rev_put(F, rev_call_stmt("gradc_push_n", loc, 3, g->tape, a, n));
    g->records++;
    Stmt *r = block(loc);
    if (rev_caller_block(a)) {
      g->used_redo = true;
      rev_put(r, rev_call_stmt("gradc_redo_block", loc, 3, rev_redo(g, loc), a, n));
    }
    rev_put(r, rev_call_stmt("gradc_pop_n", loc, 3, g->tape, a, n));
    vec_push(&pops, r);
  }
  Stmt *restores = block(loc);
  for (int i = pops.len - 1; i >= 0; i--) put_all(restores, pops.data[i]);
  bool save = lhs && rev_needs_save(g, s, lhs);
  Stmt *push = save ? rev_push_stmt(g, lhs) : NULL;
  if (push) rev_put(F, push);
  rev_put(F, ir_expr_stmt(s->e, s->loc));
  if (save) rev_restore_into(g, R, lhs);
  if (fn->reads_input) {
    put_all(R, restores);
    restores = block(loc);
  }
  Expr **args = arena_alloc(sizeof(Expr *) * (size_t)(2 * call->nargs + 2));
  int na = 0;
  Stmt *pre = block(loc), *post = block(loc);
  for (int i = 0; i < call->nargs; i++) {
    Expr *a = call->args[i];
    Type *pt = i < fn->params.len ? ((Var *)fn->params.data[i])->ty : a->ty;
    args[na++] = a;
    if (!ty_has_float(pt)) continue;
    if (act_expr_active(a))
      args[na++] = adjoint_arg(g, pt, a, pre, post);
    else if (ty_is_ptr(pt))
      args[na++] = num("NULL", pt, a->loc);
    else   /* written through */
      args[na++] = rev_addr(ir_var(rev_local(g, pre, "z", ty_unconst(pt), num("0", pt, a->loc)), a->loc));
  }
  Expr *seed = ty_is_float(fn->ret) ? num("0", fn->ret, loc) : NULL;   /* void kernels take no seed */
  Stmt *b = block(loc);
  put_all(b, pre);
  if (lhs && act_expr_active(lhs)) {
    seed = ir_var(rev_local(g, b, "r", fn->ret, rev_adj(g, lhs)), loc);
    rev_put(b, ir_assign(rev_adj(g, lhs), num("0", lhs->ty, loc), loc));
  }
  if (seed) args[na++] = seed;
  Expr *c = ir_call(name, seed ? fn->ret : void_ty(), loc, args, na);
  rev_put(b, ir_expr_stmt(seed ? ir_unary(EX_CAST, c, void_ty()) : c, loc));
  put_all(b, post);
  rev_put(R, b);
  put_all(R, restores);
}

/* A call of a function of this file: v = g(args) or g(args). */
static void call_ir(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R) {
  Loc loc = call->loc;
  bool act = lhs && act_expr_active(lhs);
  for (int i = 0; i < call->nargs; i++) act |= act_expr_active(call->args[i]);
  if (act && call->callee->custom_rev) {
    gen_custom_call(g, s, lhs, call, F, R);
    return;
  }
  if (act && !call->callee->has_body && !call->callee->across) {
    diag_error(loc, "cannot differentiate '%s' in reverse mode: it has a custom forward "
               "derivative only; add GRADC_CUSTOM_GRAD", call->text);
    return;
  }
  bool save = lhs && rev_needs_save(g, s, lhs);
  if (act && rev_par_refuses(g, loc, format("the call of '%s' (which gradc does not inline)", call->text))) return;
  if (!act) {
    Stmt *push = save ? rev_push_stmt(g, lhs) : NULL;
    if (push) rev_put(F, push);
    rev_put(F, ir_expr_stmt(s->e, s->loc));
    if (save) rev_restore_into(g, R, lhs);
    return;
  }
  if (ty_has_float(call->callee->ret) && !ty_is_float(call->callee->ret)) {
    diag_error(s->loc, "cannot differentiate a call of '%s': it returns a struct or pointer "
               "that carries derivatives (return floating values, or write through a pointer "
               "parameter)", call->text);
    return;
  }
  Spec *sp = rev_spec_for_call(g, call, s->loc);
  if (!sp) return;
  if (call->callee->across && !call->callee->has_body && !g->joint)
    for (int i = 0; i < call->nargs; i++)
      if (own_frame(call->args[i])) {
        /* the other file's companions may record addresses in it, which a
         * split forward sweep's return leaves dangling */
        diag_error(call->args[i]->loc, "gradc cannot yet pass '%s', memory of the frame of '%s', to "
                   "'%s', which is defined in another file: '%s' has a separate forward and reverse "
                   "sweep because %s", emit_expr(call->args[i]), g->fn->name, call->callee->name,
                   g->fn->name, rev_split_why(g));
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
  int n;
  Expr **args = call_args(g, sp, call, false, NULL, NULL, &n);
  args[n++] = g->tape;
  Expr *invoke = ir_call(sp->fwd, call->callee->ret, loc, args, n);
  if (save) {
    /* the callee records on the tape first; the old value of lhs is saved
     * after it, so that the reverse sweep restores lhs before replaying the
     * callee, in LIFO order */
    Stmt *b = block(loc);
    Var *r = rev_local(g, b, "r", lhs->ty, invoke);
    Stmt *push = rev_push_stmt(g, lhs);
    if (push) rev_put(b, push);
    rev_put(b, ir_assign(lhs, ir_var(r, loc), loc));
    rev_put(F, b);
  } else {
    rev_put(F, lhs ? ir_assign(lhs, invoke, loc) : ir_expr_stmt(invoke, loc));
  }

  if (save) rev_restore_into(g, R, lhs);
  Stmt *b = block(loc);
  Expr *seed = NULL;
  if (ty_is_float(call->callee->ret)) {
    if (lhs && act_expr_active(lhs)) {
      seed = ir_var(rev_local(g, b, "r", call->callee->ret, rev_adj(g, lhs)), loc);
      rev_put(b, ir_assign(rev_adj(g, lhs), num("0", lhs->ty, loc), loc));
    } else {
      seed = num("0", call->callee->ret, loc);
    }
  }
  Stmt *pre = block(loc), *post = block(loc);
  Expr **bargs = call_args(g, sp, call, true, pre, post, &n);
  put_all(b, pre);
  if (seed) bargs[n++] = seed;
  bargs[n++] = g->tape;
  bargs[n++] = rev_redo(g, loc);
  rev_put(b, ir_expr_stmt(ir_call(sp->rev, void_ty(), loc, bargs, n), loc));
  put_all(b, post);
  g->used_redo = true;
  rev_put(R, b);
}

void rev_gen_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R) {
  call_ir(g, s, lhs, call, F, R);
}

/* Whether a call's argument addresses the calling function's own frame. */
static bool own_frame(Expr *a) {
  Var *b = ir_base_var(a);
  if (!b || b->kind == VAR_PARAM || b->kind == VAR_GLOBAL || b->is_static) return false;
  if (b->ty->kind == TY_ARRAY || ir_uncast(a)->kind == EX_ADDR) return true;
  return b->ty->kind == TY_PTR && !b->foreign;
}


static Var *temp(Gen *g, const char *base, Type *t, Loc loc) {
  return ir_new_var(NULL, format("_%s%d", base, g->nrev++), t, VAR_TEMP, loc);
}


static Expr *bin(ExprKind k, Expr *a, Expr *b, Type *t) { return ir_binary(k, a, b, t, a->loc); }

Stmt *rev_fail(const char *message, Loc loc) {
  Expr *m = ir_new_expr(EX_STR, ty_ptr_to(ty_new(TY_INT, "char")), loc);
  m->text = format("\"%s\"", message);
  return rev_call_stmt("gradc_error", loc, 1, m, NULL, NULL);
}

/* p = realloc(q, n): the old block stays allocated until the reverse sweep
 * is over (its values may be read there, and its adjoint is where the
 * copied elements' adjoints go): the new block is allocated and the kept
 * part copied by hand, the old one freed at the end. */
static void gen_realloc(Gen *g, Expr *lhs, Expr *call, Expr *sb, Stmt *F, Stmt *R) {
  Loc loc = call->loc;
  Expr *q = ir_uncast(call->args[0]), *n = call->args[1];
  Type *vp = rev_void_ptr(), *size = ty_size(), *i = ty_int();
  Expr *qb = act_expr_active(q) ? rev_adj_ptr(g, q) : num("NULL", vp, loc);
  Var *k = temp(g, "m", size, loc), *ob = temp(g, "ob", vp, loc);
  Var *o = ir_new_var(NULL, "_o", vp, VAR_TEMP, loc);
  Expr *K = ir_var(k, loc), *O = ir_var(o, loc), *OB = ir_var(ob, loc), *zero = num("0", i, loc);
  Stmt *b = block(loc);
  rev_put(b, ir_decl(o, q));
  rev_put(b, ir_decl(ob, qb));
  rev_put(b, ir_decl(k, rev_call("gradc_alloc_size", size, loc, 1, O, NULL, NULL)));
  Expr *obsize = rev_call("gradc_alloc_size", size, loc, 1, OB, NULL, NULL);
  rev_put(b, ir_if(bin(EX_LAND, OB, bin(EX_LT, obsize, K, i), i), ir_assign(K, obsize, loc), NULL));
  rev_put(b, ir_if(bin(EX_GT, K, ir_unary(EX_CAST, n, size), i), ir_assign(K, n, loc), NULL));
  rev_put(b, ir_assign(lhs, rev_call("malloc", vp, loc, 1, n, NULL, NULL), loc));
  rev_put(b, ir_if(bin(EX_LAND, ir_unary(EX_NOT, lhs, i), bin(EX_NE, n, zero, i), i), rev_fail("out of memory in realloc", loc), NULL));
  rev_put(b, ir_if(K, rev_call_stmt("memcpy", loc, 3, lhs, O, K), NULL));
  rev_put(b, rev_call_stmt("gradc_push_p", loc, 2, g->frees, O, NULL));
  g->records++;
  rev_put(b, ir_assign(sb, rev_call("calloc", vp, loc, 2, num("1", i, loc), n, NULL), loc));
  rev_put(b, ir_if(bin(EX_LAND, ir_unary(EX_NOT, sb, i), bin(EX_NE, n, zero, i), i),
                  rev_fail("out of memory allocating an adjoint buffer", loc), NULL));
  rev_put(b, rev_call_stmt("gradc_push_p", loc, 2, g->frees, sb, NULL));
  g->records++;
  rev_put(b, rev_call_stmt("gradc_push_p", loc, 2, g->tape, OB, NULL));
  g->records++;
  rev_put(b, rev_call_stmt("gradc_push_l", loc, 2, g->tape, ir_unary(EX_CAST, K, ty_long()), NULL));
  g->records++;
  rev_put(F, b);
  g->used_tape = g->used_frees = true;
  /* reverse: the kept elements' adjoints go back to the old block's */
  Type *el = ty_elem(lhs->ty);
  Var *rk = ir_new_var(NULL, k->name, size, VAR_TEMP, loc), *rob = ir_new_var(NULL, ob->name, ty_ptr_to(ty_unconst(el)), VAR_TEMP, loc);
  Stmt *r = block(loc);
  rev_put(r, ir_decl(rk, ir_unary(EX_CAST, rev_call("gradc_pop_l", ty_long(), loc, 1, g->tape, NULL, NULL), size)));
  rev_put(r, ir_decl(rob, rev_call("gradc_pop_p", vp, loc, 1, g->tape, NULL, NULL)));
  Expr *per = bin(EX_DIV, ir_var(rk, loc), rev_size_of(ir_unary(EX_DEREF, sb, el)), size);
  rev_put(r, ir_if(ir_var(rob, loc), rev_call_stmt(el->kind == TY_FLOAT ? "gradc_move_adj_f" : "gradc_move_adj_d", loc, 3,
                                                    sb, ir_var(rob, loc), per), NULL));
  rev_put(R, r);
}

/* lhs = malloc(n), calloc(k, n), realloc(q, n), or posix_memalign(&lhs,
 * a, n) as `call`, for a buffer that carries derivatives: its adjoint buffer
 * is allocated beside it, zeroed, and both are freed after the reverse
 * sweep. */
void rev_gen_alloc(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R) {
  call = ir_uncast(call);
  if (!g->joint) {
    diag_error(s->loc, "gradc cannot yet differentiate an allocated buffer in '%s', which keeps a "
               "separate forward and reverse sweep (%s); allocate the buffer in the caller",
               g->fn->name, rev_split_why(g));
    return;
  }
  Loc loc = s->loc;
  bool save = rev_needs_save(g, s, lhs);
  Expr *sb = rev_adj_ptr(g, lhs);
  if (save) {
    /* an earlier buffer and its adjoint come back together */
    rev_put(F, rev_push_stmt(g, lhs));
    rev_put(F, rev_push_stmt(g, sb));
  }
  if (!strcmp(call->text, "realloc")) {
    if (!ty_is_float(ty_elem(lhs->ty))) {
      diag_error(s->loc, "gradc follows realloc of float and double arrays only");
      return;
    }
    gen_realloc(g, lhs, call, sb, F, R);
  } else {
    Type *vp = rev_void_ptr();
    rev_put(F, ir_expr_stmt(s->e, loc));
    if (!strcmp(call->text, "calloc"))
      rev_put(F, ir_assign(sb, rev_call("calloc", vp, loc, 2, call->args[0], call->args[1], NULL), loc));
    else   /* malloc(n), posix_memalign(&p, a, n) */
      rev_put(F, ir_assign(sb, rev_call("calloc", vp, loc, 2, num("1", ty_int(), loc), call->args[call->nargs - 1], NULL),
                           loc));
    rev_put(F, ir_if(ir_unary(EX_NOT, sb, ty_int()), rev_fail("out of memory allocating an adjoint buffer", loc), NULL));
    rev_put(F, rev_call_stmt("gradc_push_p", loc, 2, g->frees, sb, NULL));
    g->records++;
  }
  g->used_frees = true;
  if (save) {
    rev_put(R, rev_pop_stmt(g, sb));
    rev_restore_into(g, R, lhs);
  }
}

/* memcpy(d, s, n) and memmove(d, s, n) of float or double arrays: the
 * adjoint moves d's adjoint onto s's (gradc_move_adj); memset(d, c, n)
 * leaves d without a derivative. The bytes of d that the reverse sweep reads
 * are saved before and restored after. Copies between different types
 * (type punning) and of structs are refused by activity.c. */
static void mem_call_ir(Gen *g, Stmt *s, Expr *e, Stmt *F, Stmt *R) {
  const char *name = ir_mem_call(e);
  bool set = !strcmp(name, "memset");
  Loc loc = e->loc;
  Expr *d = ir_uncast(e->args[0]), *src = set ? NULL : ir_uncast(e->args[1]);
  Type *dt = ir_mem_elem(d);   /* copies between types are refused by activity.c */
  bool dact = act_expr_active(d), sact = src && act_expr_active(src);
  if (!dact && !sact) {
    rev_put(F, ir_expr_stmt(e, loc));
    return;
  }
  if (rev_par_refuses(g, loc, format("'%s'", name))) return;
  if (!ty_is_float(dt)) {
    diag_error(loc, "cannot differentiate '%s' of '%s': gradc follows %s of float and double "
               "arrays only", name, dt ? ty_name(dt) : "void", name);
    return;
  }
  Type *size = ty_size();
  Expr *n = e->args[2];
  Expr *count = bin(EX_DIV, n, rev_size_of(ir_unary(EX_DEREF, d, dt)), size);
  Var *b = ir_base_var(d);
  Stmt *restores = block(loc);
  if (b && b->rev_read && act_needs_save(b, s)) {
    g->used_tape = true;
    rev_put(F, rev_call_stmt("gradc_push_n", loc, 3, g->tape, d, n));
    g->records++;
    if (rev_caller_block(d)) {
      g->used_redo = true;
      rev_put(restores, rev_call_stmt("gradc_redo_block", loc, 3, rev_redo(g, loc), d, n));
    }
    rev_put(restores, rev_call_stmt("gradc_pop_n", loc, 3, g->tape, d, n));
  }
  if (dact && b && b->input_mem) {
    /* the elements of a wrt array restart their adjoints at 0 (see gen_assign):
     * for (size_t _k = 0; _k < count; _k++) gradc_stash_d(&_stash, &d_bar[_k]); */
    if (!g->joint || !g->sp->top) {
      diag_error(loc, "gradc cannot yet overwrite the wrt array '%s' with '%s' here (in '%s', "
                 "which keeps a separate forward and reverse sweep: %s)", b->name, name, g->fn->name,
                 rev_split_why(g));
      return;
    }
    Var *k;
    Stmt *l = rev_count_loop(g, size, count, &k, loc);
    Expr *stash = rev_addr(rev_named("_stash", ty_named("gradc_tape"), loc));
    Expr *el = ir_binary(EX_INDEX, rev_adj_ptr(g, d), ir_var(k, loc), dt, loc);
    rev_put(l->body, rev_call_stmt(dt->kind == TY_FLOAT ? "gradc_stash_f" : "gradc_stash_d", loc, 2, stash, rev_addr(el), NULL));
    rev_put(F, l);
    g->used_stash = true;
  }
  rev_put(F, ir_expr_stmt(e, loc));
  if (dact) {
    if (sact)
      rev_put(R, rev_call_stmt(dt->kind == TY_FLOAT ? "gradc_move_adj_f" : "gradc_move_adj_d", loc, 3, rev_adj_ptr(g, d),
                               rev_adj_ptr(g, src), count));
    else
      rev_put(R, rev_call_stmt("memset", loc, 3, rev_adj_ptr(g, d), num("0", ty_int(), loc), n));
  }
  put_all(R, restores);
}

void rev_gen_mem_call(Gen *g, Stmt *s, Expr *e, Stmt *F, Stmt *R) {
  mem_call_ir(g, s, e, F, R);
}
