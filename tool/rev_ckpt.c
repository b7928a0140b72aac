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

/* ---- building the schedule's statements ---------------------------------- */

static Expr *num(const char *text, Loc loc) { return ir_num(text, ty_int(), loc); }
static Expr *var(Var *v) { return ir_var(v, v->loc); }
static Expr *ref(Var *v) { return rev_addr(var(v)); }
static Expr *call(const char *name, Type *t, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2) {
  return rev_call(name, t, loc, n, a0, a1, a2);
}
static Stmt *call_stmt(const char *name, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2) {
  return rev_call_stmt(name, loc, n, a0, a1, a2);
}


/* {a, b} */
static Expr *item(Expr *a, Expr *b) {
  Expr *e = ir_new_expr(EX_INITLIST, ty_named("gradc_ckpt_item"), a->loc);
  e->args = arena_alloc(2 * sizeof *e->args);
  e->args[0] = a, e->args[1] = b, e->nargs = 2;
  return e;
}


/* A plain statement of a checkpointed loop, as written, into out: a pointer
 * variable that carries derivatives takes its shadow along after it
 * (p = q: p_bar = q_bar), so that the recorded iterations find each pointer
 * with its own shadow. Blocks and the bodies of branches and loops are
 * copied (the statements inside them shared); a parallel loop keeps its
 * pragma. */
static Stmt *plain_body(Gen *g, Stmt *s, bool in_par);

static void plain(Gen *g, Stmt *s, Stmt *out, bool in_par) {
  Stmt *c;
  switch (s->kind) {
  case ST_EXPR: {
    rev_put(out, s);
    Expr *e = s->e;
    if (e->kind == EX_ASSIGN && ty_is_ptr(e->a->ty) && act_expr_active(e->a) && !ir_alloc_call(ir_uncast(e->b)))
      rev_put(out, ir_assign(rev_adj_ptr(g, e->a), rev_adj_ptr(g, e->b), s->loc));
    return;
  }
  case ST_BLOCK:
    rev_put(out, plain_body(g, s, in_par));
    return;
  case ST_IF: case ST_WHILE: case ST_DO: case ST_FOR: case ST_SWITCH: case ST_CASE: case ST_DEFAULT:
    c = arena_alloc(sizeof *c);
    *c = *s;
    c->parallel = s->kind == ST_FOR && s->omp && !in_par;
    if (s->body) c->body = plain_body(g, s->body, in_par || c->parallel);
    if (s->els) c->els = plain_body(g, s->els, in_par);
    rev_put(out, c);
    return;
  default:
    rev_put(out, s);
  }
}

/* s's statements, as plain statements, in a block of their own */
static Stmt *plain_body(Gen *g, Stmt *s, bool in_par) {
  Stmt *b = ir_block(s->loc);
  if (s->kind == ST_BLOCK)
    for (int i = 0; i < s->kids.len; i++) plain(g, s->kids.data[i], b, in_par);
  else
    plain(g, s, b, in_par);
  return b;
}

void rev_ckpt_loop(Gen *g, Stmt *s, Stmt *bf, Stmt *br, Uses u, Stmt *F, Stmt *R) {
  Loc loc = s->loc;
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
  Var *ck = ir_new_var(NULL, format("_ck%d", k), ty_named("gradc_ckpt"), VAR_TEMP, loc);
  Type *at = ty_new(TY_ARRAY, NULL);
  at->base = ty_named("gradc_ckpt_item");
  Var *items = ir_new_var(NULL, format("_cki%d", k), at, VAR_TEMP, loc);
  Var *cnt = ir_new_var(NULL, format("_ckn%d", k), ty_long(), VAR_TEMP, loc);
  Var *snaps = ir_new_var(NULL, format("_cks%d", k), ty_int(), VAR_TEMP, loc);
  /* the items: {&v, sizeof v} (an array: {v, sizeof v}), a block {&p, 0} */
  Vec it = {0};
  for (int i = 0; i < st.items.len; i++) {
    Var *v = st.items.data[i];
    vec_push(&it, item(v->ty->kind == TY_ARRAY ? var(v) : ref(v), rev_size_of(var(v))));
    if (v->ty->kind == TY_PTR && v->active) {
      /* its shadow pointer follows it (plain above) */
      rev_bar_name(g, v);
      vec_push(&it, item(ref(v->bar), rev_size_of(var(v->bar))));
    }
  }
  for (int i = 0; i < st.blocks.len; i++) vec_push(&it, item(ref(st.blocks.data[i]), num("0", loc)));
  int n = it.len;
  if (!it.len) vec_push(&it, item(num("0", loc), num("0", loc)));
  Expr *list = ir_new_expr(EX_INITLIST, at, loc);
  list->args = (Expr **)it.data, list->nargs = it.len;
  rev_declare(g, items, list);
  rev_declare(g, ck, NULL);
  rev_declare(g, cnt, num("0", loc));
  rev_declare(g, snaps, num("0", loc));
  g->used_tape = true;

  /* the increment of a for loop, as a statement of its own: recorded and
   * reversed with the iteration */
  Stmt *xf = ir_block(loc), *xr = ir_block(loc);
  if (s->kind == ST_FOR && s->inc) {
    Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
    is->e = s->inc;
    is->pos = s->pos;
    is->loop = s;
    g->loop_depth++, g->nest++;
    rev_gen_stmt(g, is, xf, xr);
    g->loop_depth--, g->nest--;
  }

  /* forward: the loop as written, counting its iterations */
  rev_put(F, ir_comment(loc, format("GRADC_CHECKPOINT(%s): the loop runs unrecorded; its state where it starts is "
                                   "snapshot 0", emit_expr(s->ckpt))));
  rev_put(F, ir_assign(var(snaps), s->ckpt, loc));
  Expr *init[4] = {ref(ck), var(items), num(format("%d", n), loc), num("1", loc)};
  rev_put(F, ir_expr_stmt(ir_call("gradc_ckpt_init", ty_new(TY_VOID, "void"), loc, init, 4), loc));
  rev_put(F, call_stmt("gradc_ckpt_save", loc, 2, ref(ck), num("0", loc), NULL));
  rev_put(F, ir_assign(var(cnt), num("0", loc), loc));
  Stmt *body = ir_block(loc);
  rev_put(body, ir_expr_stmt(ir_unary(EX_POSTINC, var(cnt), cnt->ty), loc));
  rev_put_all(body, plain_body(g, s->body, false));
  Stmt *fl = ir_new_stmt(s->kind, loc);
  fl->e = s->e, fl->inc = s->kind == ST_FOR ? s->inc : NULL, fl->body = body;
  rev_put(F, fl);

  /* reverse: the schedule */
  Var *rv = ir_new_var(NULL, format("_rv%d", k), ty_named("gradc_revolve"), VAR_TEMP, loc);
  Var *act = ir_new_var(NULL, format("_a%d", k), ty_int(), VAR_TEMP, loc);
  Stmt *all = ir_block(loc);
  rev_put(all, ir_decl(rv, NULL));
  rev_put(all, call_stmt("gradc_revolve_init", loc, 3, ref(rv), var(cnt), var(snaps)));
  rev_put(all, call_stmt("gradc_ckpt_reserve", loc, 2, ref(ck), ir_member(var(rv), "snaps", ty_int()), NULL));
  Stmt *sched = ir_new_stmt(ST_FOR, loc);
  sched->init = ir_decl(act, NULL);
  sched->e = ir_binary(EX_NE, ir_binary(EX_ASSIGN, var(act), call("gradc_revolve_next", ty_int(), loc, 1, ref(rv), NULL, NULL),
                                        ty_int(), loc),
                       rev_named("GRADC_REVOLVE_DONE", ty_int(), loc), ty_int(), loc);
  sched->body = ir_block(loc);
  rev_put(all, sched);
  #define ACTION(name) ir_binary(EX_EQ, var(act), rev_named(name, ty_int(), loc), ty_int(), loc)
  /* advance: iterations run again, unrecorded */
  Var *kk = ir_new_var(NULL, ir_unique_name(g->fn, "_k"), ty_long(), VAR_TEMP, loc);
  Stmt *adv = ir_new_stmt(ST_FOR, loc);
  adv->init = ir_decl(kk, ir_member(var(rv), "from", ty_long()));
  adv->e = ir_binary(EX_LT, var(kk), ir_member(var(rv), "to", ty_long()), ty_int(), loc);
  adv->inc = ir_unary(EX_POSTINC, var(kk), ty_long());
  adv->body = plain_body(g, s->body, false);
  if (s->kind == ST_FOR && s->inc) rev_put(adv->body, ir_expr_stmt(s->inc, loc));
  Stmt *advance = ir_block(loc);
  rev_put(advance, adv);
  Stmt *take = ir_block(loc), *load = ir_block(loc), *turn = ir_block(loc);
  rev_put(take, call_stmt("gradc_ckpt_save", loc, 2, ref(ck), ir_member(var(rv), "slot", ty_int()), NULL));
  rev_put(load, call_stmt("gradc_ckpt_load", loc, 2, ref(ck), ir_member(var(rv), "slot", ty_int()), NULL));
  turn->comment = "GRADC_REVOLVE_YOUTURN: iteration .from, recorded, then reversed";
  /* what the iteration allocates is freed when it is reversed, not at the
   * end of the whole reverse sweep */
  Expr *frees = rev_tape_ref("_frees", true), *par = rev_addr(rev_named("_par", ty_named("gradc_par"), loc));
  Var *fm = ir_new_var(NULL, format("_ckf%d", k), ty_size(), VAR_TEMP, loc);
  if (u.frees) rev_put(turn, ir_decl(fm, call("gradc_tape_size", ty_size(), loc, 1, frees, NULL, NULL)));
  /* the same for its parallel loops' scratch memory, chunk by chunk */
  Var *pm = ir_new_var(NULL, format("_ckp%d", k), ty_ptr_to(ty_size()), VAR_TEMP, loc);
  if (u.pfrees) rev_put(turn, ir_decl(pm, call("gradc_par_mark", pm->ty, loc, 1, par, NULL, NULL)));
  /* what the step's reverse logged for the end of the sweep (a companion's
   * conservative redo entries) is dropped with the step: nothing a
   * checkpointed loop writes is the caller's (or its state would be
   * unknown), and the log would grow with the steps, or point into memory
   * freed with them */
  Var *rm = ir_new_var(NULL, format("_ckr%d", k), ty_size(), VAR_TEMP, loc);
  if (u.redo) rev_put(turn, ir_decl(rm, call("gradc_tape_size", ty_size(), loc, 1, rev_redo(g, loc), NULL, NULL)));
  rev_put_all(turn, bf);
  rev_put_all(turn, xf);
  rev_put_all(turn, xr);
  rev_put_all(turn, br);
  if (u.redo) rev_put(turn, call_stmt("gradc_tape_drop", loc, 2, rev_redo(g, loc), var(rm), NULL));
  if (u.frees) {
    Stmt *w = ir_new_stmt(ST_WHILE, loc);
    w->e = ir_binary(EX_GT, call("gradc_tape_size", ty_size(), loc, 1, frees, NULL, NULL), var(fm), ty_int(), loc);
    w->body = call_stmt("free", loc, 1, call("gradc_pop_p", rev_void_ptr(), loc, 1, frees, NULL, NULL), NULL, NULL);
    rev_put(turn, w);
  }
  if (u.pfrees) rev_put(turn, call_stmt("gradc_par_free_since", loc, 2, par, var(pm), NULL));
  rev_put(sched->body, ir_if(ACTION("GRADC_REVOLVE_ADVANCE"), advance,
                           ir_if(ACTION("GRADC_REVOLVE_TAKESHOT"), take,
                                   ir_if(ACTION("GRADC_REVOLVE_RESTORE"), load, turn))));
  #undef ACTION
  rev_put(all, call_stmt("gradc_revolve_free", loc, 1, ref(rv), NULL, NULL));
  Stmt *back = call_stmt("gradc_ckpt_load", loc, 2, ref(ck), num("0", loc), NULL);
  back->comment = "the state where the loop started";
  rev_put(all, back);
  rev_put(all, call_stmt("gradc_ckpt_free", loc, 1, ref(ck), NULL, NULL));
  rev_put(R, all);
}
