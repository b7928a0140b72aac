/* rev_ckpt.c: reverse mode of a loop marked GRADC_CHECKPOINT.
 *
 * The forward sweep runs the loop as the user wrote it, recording nothing,
 * and counts its iterations; the loop's state where it starts goes to
 * snapshot 0. The reverse sweep follows runtime/checkpoint.c's binomial
 * schedule: it runs iterations again from snapshots (the plain body), takes
 * and loads snapshots, and records one iteration just before reversing it
 * (the body's forward and reverse code). At the end, snapshot 0 puts back
 * the state the loop started from, which the reverse code before it reads.
 *
 * The state is every variable the loop writes: scalars, structs, local
 * arrays, pointer variables, and the heap blocks that local pointers made by
 * malloc, calloc or realloc point to (their size from gradc_alloc_size).
 * Memory reached any other way (a parameter's, a global) cannot be bounded:
 * a located error. */
#include "rev.h"

#include <string.h>

/* The local pointers whose every value is a heap block gradc can size:
 * malloc's, calloc's or realloc's result, a null pointer, or another such
 * pointer (buffers swapped). The greatest such set: candidates are dropped
 * until every assignment to the rest qualifies. */
typedef struct BlockWalk { Vec *set; bool changed; } BlockWalk;
static Func *ckpt_fn;
static Vec ckpt_blocks;

static bool block_step(Expr *e, void *ud) {
  BlockWalk *w = ud;
  if (e->kind != EX_ASSIGN || e->a->kind != EX_VAR || !vec_has(w->set, e->a->var)) return false;
  Expr *r = ir_uncast(e->b);
  if (ir_alloc_call(r) || (r->kind == EX_NUM && !strcmp(r->text, "0"))) return false;
  if (r->kind == EX_VAR && vec_has(w->set, r->var)) return false;
  for (int i = 0; i < w->set->len; i++)
    if (w->set->data[i] == e->a->var) w->set->data[i] = w->set->data[--w->set->len];
  w->changed = true;
  return false;
}

static void find_block_ptrs(Func *fn) {
  ckpt_blocks = (Vec){0};
  for (int i = 0; i < fn->locals.len; i++) {
    Var *p = fn->locals.data[i];
    if (!p->is_static && p->ty->kind == TY_PTR && !ir_takes_address(fn->body, p)) vec_push(&ckpt_blocks, p);
  }
  BlockWalk w = {&ckpt_blocks, true};
  while (w.changed) {
    w.changed = false;
    ir_stmt_any(fn->body, block_step, &w);
  }
}

typedef struct CkState { Vec items; Vec blocks; Vec fresh; Stmt *loop; bool bad; } CkState;
static bool ck_targets(Var *p, Vec *vars, Vec *blocks, Vec *seen);

static void ck_add(Vec *v, Var *x) {
  if (!vec_has(v, x)) vec_push(v, x);
}

/* The loop writes the memory that e (an lvalue, or a pointer a call writes
 * through) designates: a part of the state. */
static void ck_write(CkState *st, Expr *e, bool through) {
  Var *v = ir_base_var(e);
  if (st->bad || (v && vec_has(&st->fresh, v))) return;   /* memory the iteration allocates itself */
  if (!v || v->kind == VAR_GLOBAL || v->is_static) {
    diag_error(e->loc, "the state of this checkpointed loop is unknown: it writes %s, which gradc "
               "cannot snapshot (a global or static variable)", emit_expr(e));
    st->bad = true;
    return;
  }
  bool direct = !through && (e->kind == EX_VAR || ((e->kind == EX_MEMBER && !e->arrow) && v->ty->kind == TY_STRUCT));
  if (direct || v->ty->kind == TY_ARRAY || v->ty->kind == TY_STRUCT) {
    if (v->ty->kind == TY_ARRAY && v->kind == VAR_PARAM) goto unknown;
    ck_add(&st->items, v);
    return;
  }
  if (ty_is_ptr(v->ty) && vec_has(&ckpt_blocks, v)) {
    ck_add(&st->blocks, v);
    return;
  }
  Vec targets = {0}, seen = {0};
  if (v->kind != VAR_PARAM && ty_is_ptr(v->ty) && ck_targets(v, &targets, &st->blocks, &seen)) {
    /* a pointer into the function's own variables (double *p = &a; row of a
     * local matrix): those variables are the state */
    for (int i = 0; i < targets.len; i++) ck_add(&st->items, targets.data[i]);
    return;
  }
unknown:
  diag_error(e->loc, "the state of this checkpointed loop is unknown: it writes through '%s', and "
             "gradc cannot tell how much memory that reaches (%s); copy it into a local array or a "
             "buffer from malloc before the loop", v->name,
             v->kind == VAR_PARAM ? "a parameter" : "a pointer not made by malloc, calloc or realloc");
  st->bad = true;
}

/* Pointers that the body allocates itself are fresh in every iteration
 * (a helper's scratch buffer): not state. */
static bool ck_alloc_step(Expr *e, void *ud) {
  Vec *fresh = ud;
  if (e->kind == EX_ASSIGN && e->a->kind == EX_VAR && ir_alloc_call(ir_uncast(e->b))) ck_add(fresh, e->a->var);
  return false;
}

/* Pointers the body sets, and only the body, to a fresh pointer or an
 * offset from one (the slices of a block the iteration allocates:
 * forget = gates, ingate = gates + b): fresh too. */
typedef struct CkDerived { Var *p; Vec *fresh; int sets; bool ok; } CkDerived;
static bool ck_derived_step(Expr *e, void *ud) {
  CkDerived *d = ud;
  if (e->kind != EX_ASSIGN || e->a->kind != EX_VAR || e->a->var != d->p) return false;
  d->sets++;
  Expr *r = ir_uncast(e->b);
  if (e->op) r = e->a;   /* p += k: from p itself */
  else if ((r->kind == EX_ADD || r->kind == EX_SUB) && ty_is_ptr(r->a->ty)) r = ir_uncast(r->a);
  if (r->kind != EX_VAR || !vec_has(d->fresh, r->var)) d->ok = false;
  return false;
}

static void ck_derived(Func *fn, Stmt *body, Vec *fresh) {
  for (bool grew = true; grew;) {
    grew = false;
    for (int i = 0; i < fn->locals.len; i++) {
      Var *v = fn->locals.data[i];
      if (v->ty->kind != TY_PTR || v->addr_taken || v->is_static || vec_has(fresh, v)) continue;
      CkDerived in = {v, fresh, 0, true}, all = {v, fresh, 0, true};
      ir_stmt_any(body, ck_derived_step, &in);
      ir_stmt_any(fn->body, ck_derived_step, &all);
      if (in.sets && in.ok && in.sets == all.sets) {
        vec_push(fresh, v);
        grew = true;
      }
    }
  }
}

/* What the local pointer p may point into, from every value it takes: the
 * function's own variables (&a, a local array) go to vars, heap blocks gradc
 * can size to blocks. False when one value comes from anywhere else. */
typedef struct CkTargets { Var *p; Vec *vars, *blocks, *seen; bool ok; } CkTargets;
static bool ck_target_step(Expr *e, void *ud) {
  CkTargets *t = ud;
  if (!t->ok || e->kind != EX_ASSIGN || e->a->kind != EX_VAR || e->a->var != t->p) return false;
  Expr *r = ir_uncast(e->b);
  if (r->kind == EX_NUM && !strcmp(r->text, "0")) return false;
  Vec bases = {0};
  ir_ptr_bases(r, &bases);
  if (!bases.len) t->ok = false;
  for (int i = 0; i < bases.len && t->ok; i++) {
    Var *b = bases.data[i];
    if (b == t->p) continue;   /* p = p + 1 */
    if (b->kind == VAR_PARAM || b->kind == VAR_GLOBAL || b->is_static) t->ok = false;
    else if (b->ty->kind == TY_PTR && vec_has(&ckpt_blocks, b)) ck_add(t->blocks, b);
    else if (b->ty->kind == TY_PTR) t->ok = ck_targets(b, t->vars, t->blocks, t->seen);
    else ck_add(t->vars, b);   /* &a, a local array, a struct's member */
  }
  return false;
}

static bool ck_targets(Var *p, Vec *vars, Vec *blocks, Vec *seen) {
  if (vec_has(seen, p)) return true;
  vec_push(seen, p);
  /* &p: p may change where gradc does not see it */
  if (p->kind == VAR_PARAM || p->kind == VAR_GLOBAL || p->is_static || ir_takes_address(ckpt_fn->body, p)) return false;
  CkTargets t = {p, vars, blocks, seen, true};
  ir_stmt_any(ckpt_fn->body, ck_target_step, &t);
  return t.ok;
}

static bool ck_step(Expr *e, void *ud) {
  CkState *st = ud;
  if (e->kind == EX_ASSIGN) ck_write(st, e->a, false);
  if (e->kind == EX_CALL) {
    for (int i = 0; i < e->nargs; i++) {
      Expr *a = ir_uncast(e->args[i]);
      if (a->kind == EX_ADDR) ck_write(st, a->a, false);   /* frexp(x, &e), posix_memalign */
    }
    const char *mc = ir_mem_call(e);
    if (mc) ck_write(st, e->args[0], true);   /* memcpy's, memmove's, memset's destination */
    else if (e->callee && !e->callee->has_body)
      for (int i = 0; i < e->nargs && i < e->callee->params.len; i++) {
        Type *pt = ((Var *)e->callee->params.data[i])->ty;
        if (ty_is_ptr(pt) && !pt->base->is_const && ir_uncast(e->args[i])->kind != EX_ADDR)
          ck_write(st, e->args[i], true);   /* a kernel's output */
      }
  }
  return false;   /* visit every expression */
}

/* After a plain statement of a checkpointed loop: a pointer variable that
 * carries derivatives takes its shadow along (p = q: p_bar = q_bar), so
 * that the recorded iterations find each pointer with its own shadow. */
static void plain_step(Buf *b, Stmt *s, int indent, void *ud) {
  Gen *g = ud;
  Expr *e = s->e;
  if (e->kind != EX_ASSIGN || !ty_is_ptr(e->a->ty) || !act_expr_active(e->a) || ir_alloc_call(ir_uncast(e->b)))
    return;
  emit_indent(b, indent);
  buf_printf(b, "%s = %s;\n", rev_shadow_ptr(g, e->a), rev_shadow_ptr(g, e->b));
}

static void ckpt_loop(Gen *g, Stmt *s, Buf *bf, Buf *br, Uses u, Buf *fwd, int fi, Buf *rev, int ri) {
  CkState st = {.loop = s};
  ckpt_fn = g->fn;
  find_block_ptrs(g->fn);
  Vec fresh = {0};
  ir_stmt_any(s->body, ck_alloc_step, &fresh);
  ck_derived(g->fn, s->body, &fresh);
  st.fresh = fresh;
  for (int i = 0; i < fresh.len; i++)   /* not blocks of the state, nor pointers */
    for (int k = 0; k < ckpt_blocks.len; k++)
      if (ckpt_blocks.data[k] == fresh.data[i]) ckpt_blocks.data[k--] = ckpt_blocks.data[--ckpt_blocks.len];
  ir_stmt_any(s->body, ck_step, &st);
  if (s->inc) ir_expr_any(s->inc, ck_step, &st);
  if (st.bad) return;
  for (int i = 0; i < fresh.len; i++)
    for (int k = 0; k < st.items.len; k++)
      if (st.items.data[k] == fresh.data[i]) st.items.data[k--] = st.items.data[--st.items.len];
  /* a pointer of the state that holds a heap block: the block too (buffers
   * that swap are each written in turn) */
  for (int i = 0; i < st.items.len; i++)
    if (vec_has(&ckpt_blocks, st.items.data[i])) ck_add(&st.blocks, st.items.data[i]);
  int k = g->fn->ntemps++;
  const char *ck = format("_ck%d", k), *items = format("_cki%d", k), *cnt = format("_ckn%d", k),
             *snaps = format("_cks%d", k);
  Buf it = {0};
  int n = 0;
  for (int i = 0; i < st.items.len; i++, n++) {
    Var *v = st.items.data[i];
    buf_printf(&it, "%s{%s%s, sizeof %s}", n ? ", " : "", v->ty->kind == TY_ARRAY ? "" : "&", v->name, v->name);
    if (v->ty->kind == TY_PTR && v->active) {
      /* its shadow pointer follows it (plain_step below) */
      const char *b = rev_bar_name(g, v);
      buf_printf(&it, ", {&%s, sizeof %s}", b, b);
      n++;
    }
  }
  for (int i = 0; i < st.blocks.len; i++, n++) {
    Var *v = st.blocks.data[i];
    buf_printf(&it, "%s{&%s, 0}", n ? ", " : "", v->name);
  }
  rev_declare(g, items, format("gradc_ckpt_item %s[] = {%s};", items, it.data ? it.data : "{0, 0}"));
  rev_declare(g, ck, format("gradc_ckpt %s;", ck));
  rev_declare(g, cnt, format("long %s = 0;", cnt));
  rev_declare(g, snaps, format("int %s = 0;", snaps));
  buf_free(&it);
  g->used_tape = true;

  /* the increment of a for loop, as a statement of its own: recorded and
   * reversed with the iteration */
  Buf xf = {0}, xr = {0};
  if (s->kind == ST_FOR && s->inc) {
    Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
    is->e = s->inc;
    is->pos = s->pos;
    is->loop = s;
    Stmt *F = ir_block(s->loc), *R = ir_block(s->loc);
    g->loop_depth++, g->nest++;
    rev_gen_stmt(g, is, F, R);
    g->loop_depth--, g->nest--;
    rev_print(&xf, F, ri + 3);
    rev_print(&xr, R, ri + 3);
  }
  const char *inc = s->kind == ST_FOR && s->inc ? emit_expr(s->inc) : NULL;

  /* forward: the loop as written, counting its iterations */
  emit_indent(fwd, fi);
  buf_printf(fwd, "/* GRADC_CHECKPOINT(%s): the loop runs unrecorded; its state where it starts is snapshot 0 */\n",
             emit_expr(s->ckpt));
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s = %s;\n", snaps, emit_expr(s->ckpt));
  emit_indent(fwd, fi);
  buf_printf(fwd, "gradc_ckpt_init(&%s, %s, %d, 1);\n", ck, items, n);
  emit_indent(fwd, fi);
  buf_printf(fwd, "gradc_ckpt_save(&%s, 0);\n", ck);
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s = 0;\n", cnt);
  emit_indent(fwd, fi);
  if (s->kind == ST_DO) buf_puts(fwd, "do {\n");
  else if (s->kind == ST_FOR) buf_printf(fwd, "for (; %s; %s) {\n", s->e ? emit_expr(s->e) : "", inc ? inc : "");
  else buf_printf(fwd, "while (%s) {\n", emit_expr(s->e));
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "%s++;\n", cnt);
  Buf pf = {0};
  for (int i = 0; i < s->body->kids.len; i++) emit_stmt_with(&pf, s->body->kids.data[i], fi + 1, plain_step, g);
  if (pf.data) buf_puts(fwd, pf.data);
  emit_indent(fwd, fi);
  if (s->kind == ST_DO) buf_printf(fwd, "} while (%s);\n", emit_expr(s->e));
  else buf_puts(fwd, "}\n");

  /* reverse: the schedule */
  const char *rv = format("_rv%d", k), *act = format("_a%d", k);
  emit_indent(rev, ri);
  buf_puts(rev, "{\n");
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_revolve %s;\n", rv);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_revolve_init(&%s, %s, %s);\n", rv, cnt, snaps);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_ckpt_reserve(&%s, %s.snaps);\n", ck, rv);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "for (int %s; (%s = gradc_revolve_next(&%s)) != GRADC_REVOLVE_DONE;) {\n", act, act, rv);
  emit_indent(rev, ri + 2);
  buf_printf(rev, "if (%s == GRADC_REVOLVE_ADVANCE) {\n", act);
  emit_indent(rev, ri + 3);
  const char *kk = ir_unique_name(g->fn, "_k");
  buf_printf(rev, "for (long %s = %s.from; %s < %s.to; %s++) {\n", kk, rv, kk, rv, kk);
  Buf pa = {0};
  for (int i = 0; i < s->body->kids.len; i++) emit_stmt_with(&pa, s->body->kids.data[i], ri + 4, plain_step, g);
  if (pa.data) buf_puts(rev, pa.data);
  if (inc) {
    emit_indent(rev, ri + 4);
    buf_printf(rev, "%s;\n", inc);
  }
  emit_indent(rev, ri + 3);
  buf_puts(rev, "}\n");
  emit_indent(rev, ri + 2);
  buf_printf(rev, "} else if (%s == GRADC_REVOLVE_TAKESHOT) {\n", act);
  emit_indent(rev, ri + 3);
  buf_printf(rev, "gradc_ckpt_save(&%s, %s.slot);\n", ck, rv);
  emit_indent(rev, ri + 2);
  buf_printf(rev, "} else if (%s == GRADC_REVOLVE_RESTORE) {\n", act);
  emit_indent(rev, ri + 3);
  buf_printf(rev, "gradc_ckpt_load(&%s, %s.slot);\n", ck, rv);
  emit_indent(rev, ri + 2);
  buf_puts(rev, "} else {   /* GRADC_REVOLVE_YOUTURN: iteration .from, recorded, then reversed */\n");
  /* what the iteration allocates is freed when it is reversed, not at the
   * end of the whole reverse sweep */
  bool frees = u.frees;
  const char *fm = format("_ckf%d", k);
  /* what the step's reverse logged for the end of the sweep (a companion's
   * conservative redo entries) is dropped with the step: nothing a
   * checkpointed loop writes is the caller's (or its state would be
   * unknown), and the log would grow with the steps, or point into memory
   * freed with them */
  bool redo = u.redo;
  const char *rm = format("_ckr%d", k);
  if (frees) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "size_t %s = gradc_tape_size(&_frees);\n", fm);
  }
  /* the same for its parallel loops' scratch memory, chunk by chunk */
  bool pfrees = u.pfrees;
  const char *pm = format("_ckp%d", k);
  if (pfrees) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "size_t *%s = gradc_par_mark(&_par);\n", pm);
  }
  if (redo) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "size_t %s = gradc_tape_size(_redo);\n", rm);
  }
  if (bf->data) buf_puts(rev, bf->data);
  if (xf.data) buf_puts(rev, xf.data);
  if (xr.data) buf_puts(rev, xr.data);
  if (br->data) buf_puts(rev, br->data);
  if (redo) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "gradc_tape_drop(_redo, %s);\n", rm);
  }
  if (frees) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "while (gradc_tape_size(&_frees) > %s) free(gradc_pop_p(&_frees));\n", fm);
  }
  if (pfrees) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "gradc_par_free_since(&_par, %s);\n", pm);
  }
  emit_indent(rev, ri + 2);
  buf_puts(rev, "}\n");
  emit_indent(rev, ri + 1);
  buf_puts(rev, "}\n");
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_revolve_free(&%s);\n", rv);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_ckpt_load(&%s, 0);   /* the state where the loop started */\n", ck);
  emit_indent(rev, ri + 1);
  buf_printf(rev, "gradc_ckpt_free(&%s);\n", ck);
  emit_indent(rev, ri);
  buf_puts(rev, "}\n");
  buf_free(&xf), buf_free(&xr), buf_free(&pf), buf_free(&pa);
}


void rev_ckpt_loop(Gen *g, Stmt *s, Stmt *bf, Stmt *br, Uses u, Stmt *F, Stmt *R) {
  Buf fwd = {0}, rev = {0}, bft = {0}, brt = {0};
  rev_print(&bft, bf, 3);   /* inside the schedule's branch, three levels in */
  rev_print(&brt, br, 3);
  ckpt_loop(g, s, &bft, &brt, u, &fwd, 0, &rev, 0);
  rev_text_stmt(F, &fwd, s->loc);
  rev_text_stmt(R, &rev, s->loc);
  buf_free(&bft), buf_free(&brt);
}
