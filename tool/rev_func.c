/* rev_func.c: reverse mode's functions. Which specialisations of which
 * functions are generated (a callee once per set of arguments that carry
 * adjoints), the annotated function in joint mode (f_grad), split pairs for
 * recursive functions and GRADC_GRAD(..., split), the companions that other
 * files call, and the declarations of other files' companions. rev.c
 * differentiates the statements of each. */
#include "tool.h"
#include "rev.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static Vec specs;        /* every specialisation, generated in order */

static Vec externs;      /* Spec *: another file's companions declared so far */

void rev_reset(void) {
  specs = (Vec){0};
  externs = (Vec){0};
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
  bool first = true;   /* the first set of fn's declared: a comment says where fn is */
  for (int i = 0; i + 1 < externs.len; i++)
    if (((Spec *)externs.data[i])->fn == fn) first = false;
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

Spec *rev_spec_for_call(Gen *g, Expr *call, Loc loc) {
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
      buf_printf(&b, ", %s", emit_decl(v->bar_param->ty, v->bar_param->name));
    }
  }
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

/* ---- what a generated function names --------------------------------------
 *
 * A generated function is printed from its parts: the declarations of fn's
 * locals (emit_locals), a block of the sweeps' declarations (adjoints,
 * records), and the blocks of its sweeps. Which parameters it leaves unused
 * (a (void) for -Wextra), which locals g_rev declares, which adjoint pointers
 * it only assigns: asked of those parts, by name (ir_count_names). */
typedef struct Parts { Func *fn; bool (*skip)(Var *v); Vec blocks; } Parts;

/* uses of name in the parts, and in *sets how many are assignments */
static int names(Parts *pt, const char *name, int *sets) {
  int uses = 0, s = 0;
  for (int i = 0; pt->fn && i < pt->fn->locals.len; i++) {   /* emit_locals' declarations */
    Var *v = pt->fn->locals.data[i];
    if (pt->skip && pt->skip(v)) continue;
    if (!strcmp(v->name, name)) uses++, s++;
    if (ir_type_names(v->ty, name)) uses++;
    if (v->is_static && v->static_init) uses += ir_expr_count_names(v->static_init, name);
  }
  for (int i = 0; i < pt->blocks.len; i++) {
    int k;
    uses += ir_count_names(pt->blocks.data[i], name, &k);
    s += k;
  }
  if (sets) *sets = s;
  return uses;
}

static bool named_in(Parts *pt, const char *name) { return names(pt, name, NULL) > 0; }

/* name is only ever assigned (a shadow pointer the reverse sweep never
 * needs): it gets a (void) */
static bool only_assigned(Parts *pt, const char *name) {
  int sets, uses = names(pt, name, &sets);
  return uses > 0 && uses == sets;
}

/* The declarations of the adjoints of g's locals, zeroed, and of its records */
static Stmt *declare_bars(Gen *g, Vec *bars) {
  Stmt *b = ir_block(g->fn->loc);
  for (int i = 0; i < bars->len; i++) {
    Var *a = ((Var *)bars->data[i])->bar;
    Type *t = a->ty;
    Loc loc = a->loc;
    Stmt *d = ir_new_stmt(ST_DECL, loc);
    d->var = a;
    vec_push(&b->kids, d);
    if (t->kind == TY_ARRAY || t->kind == TY_STRUCT) {
      Expr *p = ir_var(a, loc);
      if (!(t->kind == TY_ARRAY && t->vla_len)) p = rev_addr(p);
      vec_push(&b->kids, rev_call_stmt("memset", loc, 3, p, ir_num("0", ty_int(), loc), rev_size_of(ir_var(a, loc))));
    } else {
      d->e = ir_num("0", t, loc);
    }
  }
  for (int i = 0; i < g->recs.len; i++) vec_push(&b->kids, g->recs.data[i]);
  return b;
}

/* Marks params unused by the generated body, to keep -Wextra quiet. */
static void void_unused(Buf *b, Parts *pt, Spec *sp, bool bars) {
  for (int i = 0; i < sp->fn->params.len; i++) {
    Var *v = sp->fn->params.data[i];
    const char *names[2] = {v->name, bars && (v->is_wrt || v->is_out) ? v->bar_param->name : NULL};
    for (int k = 0; k < 2; k++) {
      const char *nm = names[k];
      if (!nm) continue;
      if (!named_in(pt, nm)) {
        emit_indent(b, 1);
        buf_printf(b, "(void)%s;\n", nm);
      }
    }
  }
}

/* Prepares fn for one specialisation: body, normal form, activity. */
static bool prepare(Program *p, Spec *sp, Vec *wrt, Vec *out) {
  Func *fn = sp->fn;
  if (!pipeline_front(p, fn)) return false;
  for (int i = 0; i < fn->params.len; i++) ((Var *)fn->params.data[i])->bar = ((Var *)fn->params.data[i])->bar_param = NULL;
  for (int i = 0; i < fn->locals.len; i++) ((Var *)fn->locals.data[i])->bar = NULL;
  return pipeline_reverse(p, fn, wrt, out, sp->top);
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

/* Generates the body of fn for sp: its forward sweep into *F, its reverse
 * into *R; returns false on error. */
static bool gen_body(Gen *g, Stmt **F, Stmt **R) {
  int before = diag_errors();
  Func *fn = g->fn;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (v->is_wrt || v->is_out) rev_bar_name(g, v);
  }
  if (fn->retvar && ty_is_float(fn->ret)) rev_bar_name(g, fn->retvar);
  *F = ir_block(fn->loc), *R = ir_block(fn->loc);
  rev_gen_block(g, fn->body, *F, *R);
  /* overwritten scalar parameters: their local adjoints go to the caller */
  for (int i = 0; i < g->param_adj.len; i++) {
    Var *v = g->param_adj.data[i];
    rev_accumulate_members(g, v->ty, ir_unary(EX_DEREF, ir_var(v->bar_param, v->loc), v->bar->ty),
                           ir_var(v->bar, v->loc), *R, v->loc);
  }
  return diag_errors() == before;
}

/* The annotated function, in joint mode:
 *   T f_grad(params with adjoints) { locals; forward sweep; reverse sweep } */
static bool gen_top(Program *p, Spec *sp, Buf *out) {
  Func *fn = sp->fn;
  Gen g = {.p = p, .sp = sp, .fn = fn, .joint = true, .tape = rev_tape_ref("_tape", true),
         .frees = rev_tape_ref("_frees", true)};
  Stmt *F, *R;
  bool ok = gen_body(&g, &F, &R);
  check_params(sp);
  if (!ok || diag_errors()) return false;
  Buf head = {0};
  buf_printf(&head, "%s%s(%s)", sp->req->internal ? "static " : "", emit_decl(fn->ret, sp->name), param_list(sp, true));
  if (!sp->req->internal) vec_push(&p->publics, (void *)format("%s;", head.data));
  buf_printf(out, "%s\n{\n", head.data);
  Stmt *decls = declare_bars(&g, &g.bars);
  Parts all = {fn, NULL, {0}};
  vec_push(&all.blocks, decls), vec_push(&all.blocks, F), vec_push(&all.blocks, R);
  void_unused(out, &all, sp, true);
  emit_locals(out, fn, NULL);
  rev_print(out, decls, 1);
  for (int i = 0; i < g.bars.len; i++) {
    Var *v = g.bars.data[i];
    if (ty_is_ptr(v->ty) && v->ty->kind == TY_PTR && only_assigned(&all, v->bar->name))
      buf_printf(out, "  (void)%s;\n", v->bar->name);
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
  rev_print(out, F, 1);
  bool ret = fn->retvar && fn->ret->kind != TY_VOID;
  if (ret) {
    buf_printf(out, "  %s = %s;\n", emit_decl(fn->ret, "_value"), fn->retvar->name);
    if (ty_is_float(fn->ret)) buf_printf(out, "  %s = 1;\n", fn->retvar->bar->name);
  }
  buf_puts(out, "\n  /* reverse sweep */\n");
  rev_print(out, R, 1);
  if (g.used_redo) buf_puts(out, "  gradc_redo_replay(_redo);\n  gradc_tape_release(_redo);\n");
  if (g.used_stash) buf_puts(out, "  gradc_stash_add(&_stash);\n  gradc_tape_release(&_stash);\n");
  if (g.used_frees)
    buf_puts(out, "  while (gradc_tape_size(&_frees)) free(gradc_pop_p(&_frees));\n"
                  "  gradc_tape_release(&_frees);\n");
  if (g.used_par) buf_puts(out, "  gradc_par_release(&_par);\n");
  if (g.used_tape) buf_puts(out, "  gradc_tape_release(&_tape);\n");
  if (ret) buf_puts(out, "  return _value;\n");
  buf_puts(out, "}\n\n");
  buf_free(&head);
  return true;
}

/* g_rev declares only the locals its reverse sweep uses. */
static Func *rev_skip_fn;
static Vec *rev_skip_saved;
static Stmt *rev_skip_body;

static bool skip_in_rev(Var *v) {
  for (int k = 0; k < rev_skip_saved->len; k++)
    if (rev_skip_saved->data[k] == v) return false;
  return v == rev_skip_fn->retvar || !ir_count_names(rev_skip_body, v->name, NULL);
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
    if (v->is_wrt || v->is_out) buf_printf(&bargs, "%s, ", v->bar_param->name);
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
  Gen g = {.p = p, .sp = sp, .fn = fn, .joint = false, .tape = rev_tape_ref("_tape", false),
         .frees = rev_tape_ref("_frees", true)};
  Stmt *F, *R;
  if (!gen_body(&g, &F, &R)) return false;
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
  const char *ret_bar = fn->retvar && ty_is_float(fn->ret) ? fn->retvar->bar->name : NULL;
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

  /* g_fwd: then the saved locals to the tape */
  Stmt *save = ir_block(fn->loc), *restore = ir_block(fn->loc), *derive = ir_block(fn->loc);
  for (int i = 0; i < saved.len; i++) {
    Var *v = saved.data[i];
    rev_put(save, rev_push_stmt(&g, ir_var(v, v->loc)));
  }
  buf_printf(out, "%s\n{\n", fsig);
  Stmt *fdecls = declare_bars(&g, &(Vec){0});   /* g_fwd declares the records, not the adjoints */
  Parts fall = {fn, NULL, {0}};
  vec_push(&fall.blocks, fdecls), vec_push(&fall.blocks, F);
  void_unused(out, &fall, sp, false);
  if (!named_in(&fall, "_tape") && !saved.len) buf_puts(out, "  (void)_tape;\n");
  emit_locals(out, fn, NULL);
  rev_print(out, fdecls, 1);
  rev_print(out, F, 1);
  rev_print(out, save, 1);
  if (fn->retvar) buf_printf(out, "  return %s;\n", fn->retvar->name);
  buf_puts(out, "}\n\n");

  /* g_rev: the saved locals back from the tape first */
  buf_printf(out, "%s\n{\n", rsig);
  for (int i = saved.len - 1; i >= 0; i--) {
    Var *v = saved.data[i];
    rev_put(restore, rev_pop_stmt(&g, ir_var(v, v->loc)));
  }
  for (int i = 0; i < saved.len; i++) {
    Var *v = saved.data[i];
    Expr *e = ir_var(v, v->loc);
    Var *from = v->active && v->bar ? rev_derived_base(&g, e) : NULL;
    if (from) rev_derive_shadow(&g, derive, e, from);
  }
  rev_skip_fn = fn, rev_skip_saved = &saved, rev_skip_body = R;
  Vec bars = {0};
  for (int i = 0; i < g.bars.len; i++)
    if (g.bars.data[i] != fn->retvar) vec_push(&bars, g.bars.data[i]);
  Stmt *rdecls = declare_bars(&g, &bars);
  Parts rall = {fn, skip_in_rev, {0}}, rev_only = {NULL, NULL, {0}};
  vec_push(&rall.blocks, rdecls), vec_push(&rall.blocks, restore), vec_push(&rall.blocks, R);
  vec_push(&rev_only.blocks, R);
  void_unused(out, &rall, sp, true);
  if (!named_in(&rall, "_redo")) buf_puts(out, "  (void)_redo;\n");
  if (!named_in(&rall, "_tape") && !saved.len) buf_puts(out, "  (void)_tape;\n");
  if (ret_bar && !named_in(&rall, ret_bar)) buf_printf(out, "  (void)%s;\n", ret_bar);
  emit_locals(out, fn, skip_in_rev);
  rev_print(out, rdecls, 1);
  for (int i = 0; i < saved.len; i++) {
    /* a pointer kept for its memory's sake, which this reverse sweep only restores */
    Var *v = saved.data[i];
    if (ty_is_ptr(v->ty) && !(v->active && v->bar) && (!named_in(&rev_only, v->name) || only_assigned(&rev_only, v->name)))
      buf_printf(out, "  (void)%s;\n", v->name);
  }
  rev_print(out, restore, 1);
  rev_print(out, derive, 1);
  rev_print(out, R, 1);
  buf_puts(out, "}\n\n");
  if (sp->split) gen_public_split(p, sp, out);
  return true;
}

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
               r->mode == MODE_JVP ? "GRADC_JVP" : r->mode == MODE_HESS ? "GRADC_HESSIAN" : "GRADC_GRAD", fn->name);
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
  for (int i = 0; i < wrt.len && !req->internal; i++) {
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
    sp->done = true;
    if (!prepare(p, sp, &wrt, &outv)) return false;
    if (!gen_split(p, sp, protos, out)) return false;
  }
  return true;
}
