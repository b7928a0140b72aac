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
    buf_printf(post, "%s += %s;\n", rev_shadow(g, a), c);
    return format("&%s", c);
  }
  const char *s = ty_is_ptr(a->ty) ? rev_shadow_ptr(g, a) : format("&%s", rev_shadow(g, a));
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
    g->records++;
    Buf r = {0};
    if (rev_caller_block(a)) {
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
  bool save = lhs && rev_needs_save(g, s, lhs);
  if (save) rev_push(g, fwd, fi, lhs);
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(s->e));
  if (save) rev_restore(g, rev, ri, lhs);
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
    buf_printf(rev, "%s = %s;\n", emit_decl(fn->ret, seed), rev_shadow(g, lhs));
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = 0;\n", rev_shadow(g, lhs));
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
void rev_gen_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Buf *fwd, int fi, Buf *rev, int ri) {
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
  bool save = lhs && rev_needs_save(g, s, lhs);
  if (act && rev_par_refuses(g, call->loc, format("the call of '%s' (which gradc does not inline)", call->text))) return;
  if (!act) {
    if (save) rev_push(g, fwd, fi, lhs);
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s;\n", emit_expr(s->e));
    if (save) {
      Buf r = {0};
      rev_restore(g, &r, ri, lhs);
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
    rev_push(g, fwd, fi + 1, lhs);
    emit_indent(fwd, fi + 1);
    buf_printf(fwd, "%s = %s;\n", emit_expr(lhs), r);
    emit_indent(fwd, fi);
    buf_printf(fwd, "}\n");
  } else {
    emit_indent(fwd, fi);
    if (lhs) buf_printf(fwd, "%s = %s;\n", emit_expr(lhs), invoke);
    else buf_printf(fwd, "%s;\n", invoke);
  }

  if (save) rev_restore(g, rev, ri, lhs);
  emit_indent(rev, ri);
  buf_puts(rev, "{\n");
  const char *seed = NULL;
  bool fret = ty_is_float(call->callee->ret);
  if (fret) {
    if (lhs && act_expr_active(lhs)) {
      seed = format("_r%d", g->nrev++);
      emit_indent(rev, ri + 1);
      buf_printf(rev, "%s = %s;\n", emit_decl(call->callee->ret, seed), rev_shadow(g, lhs));
      emit_indent(rev, ri + 1);
      buf_printf(rev, "%s = 0;\n", rev_shadow(g, lhs));
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
  const char *qb = act_expr_active(q) ? rev_shadow_ptr(g, q) : "NULL";
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
  g->records++;
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "%s = calloc(1, %s);\n", sb, n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (!%s && (%s) != 0) gradc_error(\"out of memory allocating an adjoint buffer\");\n", sb, n);
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->frees, sb);
  g->records++;
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_p(%s, %s);\n", g->tape, ob);
  g->records++;
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "gradc_push_l(%s, (long)%s);\n", g->tape, k);
  g->records++;
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
void rev_gen_alloc(Gen *g, Stmt *s, Expr *lhs, Expr *call, Buf *fwd, int fi, Buf *rev, int ri) {
  call = ir_uncast(call);
  if (!g->joint) {
    diag_error(s->loc, "gradc cannot yet differentiate an allocated buffer in '%s', which keeps a "
               "separate forward and reverse sweep (%s); allocate the buffer in the caller",
               g->fn->name, rev_split_why(g));
    return;
  }
  bool save = rev_needs_save(g, s, lhs);
  const char *sb = rev_shadow_ptr(g, lhs);
  if (save) {
    /* an earlier buffer and its adjoint come back together */
    rev_push(g, fwd, fi, lhs);
    emit_indent(fwd, fi);
    buf_printf(fwd, "gradc_push_p(%s, (void *)%s);\n", g->tape, sb);
    g->records++;
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
    g->records++;
  }
  g->used_frees = true;
  if (save) {
    emit_indent(rev, ri);
    buf_printf(rev, "%s = gradc_pop_p(%s);\n", sb, g->tape);
    rev_restore(g, rev, ri, lhs);
  }
}



/* memcpy(d, s, n) and memmove(d, s, n) of float or double arrays: the
 * adjoint moves d's adjoint onto s's (gradc_move_adj); memset(d, c, n)
 * leaves d without a derivative. The bytes of d that the reverse sweep reads
 * are saved before and restored after. Copies between different types
 * (type punning) and of structs are refused by activity.c. */
void rev_gen_mem_call(Gen *g, Stmt *s, Expr *e, Buf *fwd, int fi, Buf *rev, int ri) {
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
    g->records++;
    if (rev_caller_block(d)) {
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
                 rev_split_why(g));
      return;
    }
    const char *k = format("_k%d", g->nrev++);
    emit_indent(fwd, fi);
    buf_printf(fwd, "for (size_t %s = 0; %s < %s; %s++) gradc_stash_%s(&_stash, &%s[%s]);\n", k, k, count, k,
               dt->kind == TY_FLOAT ? "f" : "d", rev_shadow_ptr(g, d), k);
    g->used_stash = true;
  }
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s;\n", emit_expr(e));
  if (dact) {
    emit_indent(rev, ri);
    if (sact)
      buf_printf(rev, "gradc_move_adj_%s(%s, %s, %s);\n", dt->kind == TY_FLOAT ? "f" : "d", rev_shadow_ptr(g, d),
                 rev_shadow_ptr(g, src), count);
    else
      buf_printf(rev, "memset(%s, 0, %s);\n", rev_shadow_ptr(g, d), n);
  }
  if (restores.data) buf_puts(rev, restores.data);
  buf_free(&restores);
}


