/* rev_loop.c: the reverse of loops (joint mode and split pairs).
 *
 * A counted loop's reverse runs its counter back from the final index,
 * computed from the bounds or kept in a local or on the tape; other loops
 * count their iterations. Around that: the statements the reverse sweep
 * computes again or takes back from the tape first in each iteration's
 * reverse (recompute.c), adjoints of elements a loop only reads added up in
 * locals (Promo), the zero-seed guard of accumulation loops, and sum loops
 * whose iterations are reversed as they run (immediate.c). Parallel and
 * checkpointed loops are rev_par.c's and rev_ckpt.c's.
 */
#include "tool.h"
#include "rev.h"

#include <stdlib.h>
#include <string.h>

/* ---- building the loops' statements ------------------------------------- */




static Expr *zero(Type *t, Loc loc) { return ir_num("0", t, loc); }

/* i = i + 1 is i++ in loop headers. */
static Expr *inc_expr(Expr *inc) {
  if (inc->kind == EX_ASSIGN && !inc->op && (inc->b->kind == EX_ADD || inc->b->kind == EX_SUB) &&
      ir_same_expr(inc->a, inc->b->a) && inc->b->b->kind == EX_NUM && !strcmp(inc->b->b->text, "1"))
    return ir_unary(inc->b->kind == EX_ADD ? EX_POSTINC : EX_POSTDEC, inc->a, inc->a->ty);
  return inc;
}

/* The final index of a counted loop with step 1 and fixed bounds, from the
 * bounds (so nothing is taped): for (i = a; i < b; i++) ends at
 * a < b ? b : a, compared in i's type as the loop compares. */
static Expr *end_from_bounds(Stmt *s, Var *iv, Expr *start, bool up, const char *step) {
  Expr *c = s->e;
  if (strcmp(step, "1") || !c || c->a == NULL || c->a->kind != EX_VAR || c->a->var != iv) return NULL;
  if (!act_fixed_at(c->b, s)) return NULL;
  Type *t = ty_unconst(iv->ty), *it = ty_int();
  Loc loc = s->loc;
  /* casts only where the bound's type differs from the counter's */
  bool same = ty_same(t, c->b->ty) && ((start->kind == EX_NUM && !strcmp(start->text, "0")) || ty_same(t, start->ty));
  Expr *a = same ? start : ir_unary(EX_CAST, start, t), *b = c->b, *cb = same ? b : ir_unary(EX_CAST, b, t);
  Expr *one = ir_num("1", it, loc);
  if (up && c->kind == EX_LT) return ir_cond(ir_binary(EX_LT, a, b, it, loc), cb, a, t);
  if (up && c->kind == EX_LE) return ir_cond(ir_binary(EX_LE, a, b, it, loc), ir_binary(EX_ADD, cb, one, t, loc), a, t);
  if (up && c->kind == EX_NE) return cb;
  if (!up && c->kind == EX_GT) return ir_cond(ir_binary(EX_GT, a, b, it, loc), cb, a, t);
  if (!up && c->kind == EX_GE) return ir_cond(ir_binary(EX_GE, a, b, it, loc), ir_binary(EX_SUB, cb, one, t, loc), a, t);
  return NULL;
}


/* A loop whose body only accumulates into one scalar, a = a + e (or - e),
 * e not reading a: a, whose adjoint scales every addition of the reverse */
static Var *accumulation(Stmt *loop) {
  Vec body = {0};
  ir_open_blocks(loop->body, &body);
  Var *a = NULL;
  for (int i = 0; i < body.len; i++) {
    Stmt *k = body.data[i];
    if (k->kind == ST_NOP || k->kind == ST_DECL) continue;
    if (k->kind != ST_EXPR || k->e->kind != EX_ASSIGN || k->e->op) return NULL;
    Expr *l = k->e->a, *r = k->e->b;
    if (l->kind != EX_VAR || !ty_is_float(l->ty) || !act_expr_active(l) || (a && l->var != a)) return NULL;
    if ((r->kind != EX_ADD && r->kind != EX_SUB) || !ir_same_expr(r->a, l) || ir_expr_mentions(r->b, l->var))
      return NULL;
    a = l->var;
  }
  return a && !a->addr_taken && a->kind != VAR_GLOBAL ? a : NULL;
}

/* ---- adjoints accumulated in locals over a loop (Promo) ------------------- */

typedef struct PScan { Vec written; Vec cand; bool call; } PScan;

static bool note_loop_write(Expr *e, void *ud) {
  PScan *ps = ud;
  if (e->kind == EX_CALL && !e->rule) ps->call = true;
  Expr *lv = ir_written(e);
  Var *v = lv ? ir_base_var(lv) : NULL;
  if (lv && !v) ps->call = true;   /* a write through an expression: give up */
  if (v) vec_push(&ps->written, v);
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR) vec_push(&ps->cand, e);
  return false;
}

typedef struct PUse { Var *v; Expr *idx; bool other; } PUse;

static bool other_use(Expr *e, void *ud) {
  PUse *u = ud;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR && e->a->var == u->v && !ir_same_expr(e->b, u->idx)) u->other = true;
  if (e->kind == EX_VAR && e->var == u->v) {}   /* v[idx] itself; bare uses are refused by only_indexed */
  return false;
}

static bool idx_var_written(Expr *e, void *ud) { return e->kind == EX_VAR && vec_has(ud, e->var); }
static bool is_call_or_mem(Expr *e, void *ud) {
  (void)ud;
  return e->kind == EX_CALL || e->kind == EX_INDEX || e->kind == EX_DEREF || e->kind == EX_MEMBER;
}

/* The v[idx] of loop s whose adjoints add up in locals (Promo), pushed on g->promo */
static int promote(Gen *g, Stmt *s) {
  PScan ps = {0};
  ir_stmt_any(s->body, note_loop_write, &ps);
  if (s->e) ir_expr_any(s->e, note_loop_write, &ps);
  if (s->inc) ir_expr_any(s->inc, note_loop_write, &ps);
  if (ps.call) return 0;
  int n = 0;
  for (int i = 0; i < ps.cand.len; i++) {
    Expr *e = ps.cand.data[i];
    Var *v = e->a->var;
    if ((v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->is_static || v->addr_taken || !v->active ||
        !ty_is_float(e->ty) || vec_has(&ps.written, v) || !act_only_indexed(g->fn, v))
      continue;
    if (ir_has_side_effects(e->b) || ir_expr_any(e->b, is_call_or_mem, NULL) ||
        ir_expr_any(e->b, idx_var_written, &ps.written))
      continue;
    PUse u = {v, e->b, false};
    ir_stmt_any(s->body, other_use, &u);
    if (s->e) ir_expr_any(s->e, other_use, &u);
    bool dup = false;
    for (int j = g->promo.len - n; j < g->promo.len; j++) dup |= ((Promo *)g->promo.data[j])->v == v;
    if (u.other || dup) continue;
    Promo *pr = arena_alloc(sizeof *pr);
    *pr = (Promo){v, e->b, ir_new_var(NULL, format("_u%d", ++g->nrev), ty_unconst(e->ty), VAR_TEMP, e->loc), false, e};
    vec_push(&g->promo, pr);
    n++;
  }
  return n;
}

/* Declarations before the reverse loop, and the adds after it, of the n
 * promotions last pushed (popped here) */
static void promoted(Gen *g, int n, Stmt *before, Stmt *after) {
  Vec used = {0};
  for (int k = 0; k < n; k++) {
    Promo *pr = g->promo.data[--g->promo.len];
    if (pr->used) vec_push(&used, pr);
  }
  for (int k = used.len - 1; k >= 0; k--) {
    Promo *pr = used.data[k];
    Loc loc = pr->ix->loc;
    rev_put(before, ir_decl(pr->sum, zero(pr->sum->ty, loc)));
    Expr *sum = ir_var(pr->sum, loc);   /* a loop that ran: idx is an element it read */
    Expr *nonzero = ir_binary(EX_NE, sum, zero(sum->ty, loc), ty_int(), loc);
    rev_put(after, ir_if(nonzero, rev_add_to(rev_adj(g, pr->ix), sum), NULL));
  }
}

/* The values a loop's body leaves in L->snap (recompute.c), to the tape in
 * the forward sweep, back from it at the start of the iteration's reverse. */
static void snapshot_code(Gen *g, Stmt *L, Stmt *out, bool forward) {
  Loc loc = L->loc;
  g->used_tape = true;
  if (forward) g->records++;
  if (L->expand.len == L->snap.len) return;
  if (!forward) rev_put(out, ir_comment(loc, "this iteration's values, back from the tape"));
  for (int k = 0; k < L->snap.len; k++) {
    int i = forward ? k : L->snap.len - 1 - k;
    Var *v = L->snap.data[i];
    Expr *n = L->snap_n.data[i];
    if (vec_has(&L->expand, v)) continue;
    Expr *x = ir_var(v, loc);
    if (!n) {
      /* a pointer into memory with adjoints moves with its shadow */
      Expr *sh = v->ty->kind == TY_PTR && v->active ? rev_adj_ptr(g, x) : NULL;
      if (forward) {
        rev_put(out, rev_push_stmt(g, x));
        if (sh) rev_put(out, rev_push_stmt(g, sh));
      } else {
        if (sh) rev_put(out, rev_pop_stmt(g, sh));
        rev_put(out, rev_pop_stmt(g, x));
      }
      continue;
    }
    Expr *bytes = ir_binary(EX_MUL, n, rev_size_of(ir_unary(EX_DEREF, x, ty_elem(v->ty))), ty_size(), loc);
    if (ir_uncast(n)->kind != EX_NUM)   /* a fill over [0, n) with n <= 0 filled nothing */
      bytes = ir_cond(ir_binary(EX_GT, n, zero(ty_int(), loc), ty_int(), loc), bytes, zero(ty_size(), loc), ty_size());
    rev_put(out, rev_call_stmt(forward ? "gradc_push_n" : "gradc_pop_n", loc, 3, g->tape, x, bytes));
  }
}

/* ---- a snapshot's buffers, in place on the tape (Stmt.expand) ------------- */

typedef struct Expand { Var *v; Expr *n; Var *all, *own; } Expand;

/* The room for L's expanded buffers: before the loop, each buffer's own
 * memory is kept aside and room for all iterations taken on the tape:
 * all = gradc_push_space(tape, (size_t)trip * n * sizeof *v). */
static void expand_before(Gen *g, Stmt *out, Stmt *L, Expr *lo, Expr *hi, Vec *xs) {
  Loc loc = L->loc;
  Type *size = ty_size(), *it = ty_int();
  Expr *trip = ir_lit_int(lo) == 0 ? hi : ir_binary(EX_SUB, hi, lo, hi->ty, loc);
  Expr *runs = ir_lit_int(lo) >= 0 && ir_lit_int(hi) >= 0 ? NULL : ir_binary(EX_GT, hi, lo, it, loc);
  for (int i = 0; i < L->snap.len; i++) {
    Var *v = L->snap.data[i];
    if (!vec_has(&L->expand, v)) continue;
    Expand *x = arena_alloc(sizeof *x);
    Type *t = ty_unconst(v->ty);
    x->v = v, x->n = L->snap_n.data[i];
    x->all = ir_new_var(NULL, format("_%s_all%d", v->name, g->fn->ntemps++), t, VAR_TEMP, loc);
    x->own = ir_new_var(NULL, format("_%s_own%d", v->name, g->fn->ntemps++), t, VAR_TEMP, loc);
    rev_declare(g, x->all, zero(t, loc));
    rev_declare(g, x->own, zero(t, loc));
    vec_push(xs, x);
    Expr *test = runs;
    if (ir_lit_int(x->n) < 0) {
      Expr *some = ir_binary(EX_GT, x->n, zero(it, loc), it, loc);
      test = test ? ir_binary(EX_LAND, test, some, it, loc) : some;
    }
    Expr *room = ir_binary(EX_MUL, ir_binary(EX_MUL, ir_unary(EX_CAST, trip, size), x->n, size, loc),
                           rev_size_of(ir_unary(EX_DEREF, ir_var(v, loc), ty_elem(t))), size, loc);
    if (test) room = ir_cond(test, room, zero(size, loc), size);
    rev_put(out, ir_comment(loc, format("%s's values in each iteration, side by side on the tape", v->name)));
    rev_put(out, ir_assign(ir_var(x->own, loc), ir_var(v, loc), loc));
    rev_put(out, ir_assign(ir_var(x->all, loc), rev_call("gradc_push_space", t, loc, 2, g->tape, room, NULL), loc));
  }
  g->used_tape = true;
}

/* At the start of an iteration, forward and reverse: the buffer is the
 * iteration's room (its own memory if there was none to take):
 * v = all ? all + (size_t)(c - lo) * n : own. */
static void expand_at(Stmt *out, Var *c, Expr *lo, Vec *xs) {
  Loc loc = c->loc;
  Expr *k = ir_lit_int(lo) == 0 ? ir_var(c, loc) : ir_binary(EX_SUB, ir_var(c, loc), lo, c->ty, loc);
  for (int i = 0; i < xs->len; i++) {
    Expand *x = xs->data[i];
    Expr *all = ir_var(x->all, loc);
    Expr *at = ir_binary(EX_ADD, all, ir_binary(EX_MUL, ir_unary(EX_CAST, k, ty_size()), x->n, ty_size(), loc), all->ty, loc);
    rev_put(out, ir_assign(ir_var(x->v, loc), ir_cond(all, at, ir_var(x->own, loc), all->ty), loc));
  }
}

/* After the loop: the buffer is its own memory again; after the reverse
 * loop, the room comes off the tape too. */
static void expand_after(Gen *g, Stmt *out, Vec *xs, bool reverse) {
  for (int i = xs->len - 1; i >= 0; i--) {
    Expand *x = xs->data[i];
    Loc loc = x->v->loc;
    rev_put(out, ir_assign(ir_var(x->v, loc), ir_var(x->own, loc), loc));
    if (reverse) rev_put(out, rev_call_stmt("gradc_pop_space", loc, 2, g->tape, ir_var(x->all, loc), NULL));
  }
}

/* ---- the old values of a fill, taped as one block ------------------------ */

static bool call_or_pointer_arg(Expr *e, void *ud) {
  (void)ud;
  if (e->kind != EX_CALL) return false;
  if (!e->rule) return true;
  for (int i = 0; i < e->nargs; i++)
    if (ty_is_ptr(e->args[i]->ty)) return true;
  return false;
}

/* L is for (c = lo; c < hi; c++) { ... v[c] = e; ... } whose other statements
 * set local scalars that need no save, and v[c] = e's old value must be
 * saved (heat's stencil): v[c] just before iteration c still holds its value
 * from before the loop (nothing else in L writes memory), so the values go
 * to the tape as one block before the loop instead of one push per
 * iteration. The reverse sweep still takes them back one at a time: a block
 * of doubles pushed at once pops as the same doubles pushed one after
 * another, last first. Where L writes several buffers (loops joined by
 * fuse.c), each at c once, each is memory no other name reaches. Puts the
 * writes whose old values must be saved in ws. */
static void block_writes(Gen *g, Stmt *L, Expr **lo, Expr **hi, Vec *ws) {
  Var *c;
  if (L->kind != ST_FOR || L->omp || L->ckpt || L->immediate || L->recomp.len || L->snap.len || g->par) return;
  if (!(c = ir_up_loop(L, lo, hi))) return;
  Expr *ends[2] = {*lo, *hi};
  for (int k = 0; k < 2; k++) {
    if (ir_has_side_effects(ends[k]) || ir_reads_memory(ends[k]) || ir_expr_any(ends[k], call_or_pointer_arg, NULL))
      return;
  }
  Vec list = {0}, w = {0}, bases = {0};   /* the writes to save; every buffer written */
  ir_open_blocks(L->body, &list);
  for (int i = 0; i < list.len; i++) {
    Stmt *st = list.data[i];
    if (st->kind == ST_NOP) continue;
    if (st->kind != ST_EXPR || st->e->kind != EX_ASSIGN || st->e->op || ir_expr_any(st->e, call_or_pointer_arg, NULL))
      return;
    Expr *lhs = st->e->a;
    if (lhs->kind == EX_VAR) {
      Var *v = lhs->var;
      if (v->kind == VAR_GLOBAL || v->is_static || v == c || (!ty_is_float(v->ty) && !ty_is_int(v->ty)) ||
          ir_expr_mentions(*hi, v) || rev_needs_save(g, st, lhs))
        return;
      continue;
    }
    if (lhs->kind != EX_INDEX || lhs->a->kind != EX_VAR || ir_uncast(lhs->b)->kind != EX_VAR ||
        ir_uncast(lhs->b)->var != c || (lhs->ty->kind != TY_DOUBLE && lhs->ty->kind != TY_FLOAT) ||
        lhs->a->var->input_mem || vec_has(&bases, lhs->a->var))
      return;
    vec_push(&bases, lhs->a->var);
    if (rev_needs_save(g, st, lhs)) vec_push(&w, st);
  }
  for (int k = 0; k < bases.len && bases.len > 1; k++)   /* each its own memory */
    if (!ir_fresh_buffer(g->fn, bases.data[k])) return;
  *ws = w;
}

/* The block of v[lo..hi) that the loop w is in overwrites: its first
 * element, its size in bytes, and the test that the loop runs at all (NULL
 * when it does; none when it never does, the bounds being literals). */
typedef struct Extent { Expr *at, *bytes, *test; bool none; } Extent;

static Extent block_extent(Stmt *w, Expr *lo, Expr *hi) {
  Expr *v = w->e->a->a;
  Loc loc = w->loc;
  Type *et = w->e->a->ty;
  Expr *elem = rev_size_of(ir_binary(EX_INDEX, v, zero(ty_int(), loc), et, loc));
  long nl = ir_lit_int(lo), nh = ir_lit_int(hi);
  Extent x = {0};
  if (nl >= 0 && nh >= 0) {
    x.none = nh <= nl;
    x.at = rev_addr(ir_binary(EX_INDEX, v, ir_num(format("%ld", nl), ty_int(), loc), et, loc));
    x.bytes = ir_binary(EX_MUL, ir_num(format("%ld", nh - nl), ty_int(), loc), elem, ty_size(), loc);
    return x;
  }
  Expr *n = nl == 0 ? hi : ir_binary(EX_SUB, hi, lo, hi->ty, loc);
  x.test = ir_binary(EX_GT, hi, lo, ty_int(), loc);
  x.at = rev_addr(ir_binary(EX_INDEX, v, lo, et, loc));
  x.bytes = ir_binary(EX_MUL, ir_unary(EX_CAST, n, ty_size()), elem, ty_size(), loc);
  return x;
}

/* The blocks of the writes ws whose pushes were left out (a view each) */
static void block_push(Gen *g, Stmt *out, Vec *ws, Vec *views, Expr *lo, Expr *hi) {
  for (int i = 0; i < ws->len; i++) {
    Stmt *w = ws->data[i];
    Extent x = block_extent(w, lo, hi);
    if (!views->data[i] || x.none) continue;
    rev_put(out, ir_comment(w->loc, "the values the loop overwrites, for the reverse sweep"));
    Stmt *push = rev_call_stmt("gradc_push_block", w->loc, 3, g->tape, x.at, x.bytes);
    rev_put(out, x.test ? ir_if(x.test, push, NULL) : push);
    g->used_tape = true;
    g->records++;
  }
}

/* In the reverse sweep, before the loop: view points at the block on the
 * tape (taken off it, not copied), and each iteration's restore reads its
 * element there (rev.c restore_stmt). Nothing else in the loop uses the
 * tape, so the block stays where it is until the loop is done. */
static void block_pop(Gen *g, Stmt *out, Vec *ws, Vec *views, Expr *lo, Expr *hi) {
  for (int i = ws->len - 1; i >= 0; i--) {
    Stmt *w = ws->data[i];
    Var *view = views->data[i];
    if (!view) continue;
    Extent x = block_extent(w, lo, hi);
    Loc loc = w->loc;
    Expr *pop = rev_call("gradc_pop_view", view->ty, loc, 3, g->tape, x.at, x.bytes);
    rev_put(out, ir_decl(view, x.test || x.none ? zero(ty_int(), loc) : pop));
    if (x.test && !x.none) rev_put(out, ir_if(x.test, ir_assign(ir_var(view, loc), pop, loc), NULL));
  }
}

/* The initialisation in a loop's header: the loop's first
 * statement, when it is a single assignment that tapes nothing (else NULL,
 * and its code goes before the loop) */
static Stmt *header_init(Stmt *initf, bool alone, Stmt *F) {
  if (alone && initf->kids.len == 1 && ((Stmt *)initf->kids.data[0])->kind == ST_EXPR) return initf->kids.data[0];
  rev_put_all(F, initf);
  return NULL;
}

/* A sum loop whose iterations are reversed as they run (immediate.c): the
 * body's reverse follows its forward in each iteration, seeded with the
 * accumulator's adjoint, a constant; the reverse sweep has nothing left of
 * it but the reverse of its first statement. */
static void gen_immediate_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Loc loc = s->loc;
  /* the scalars whose adjoints wait in locals (immediate.c) */
  for (int i = 0; i < s->imm_defer.len; i++) {
    Var *v = s->imm_defer.data[i];
    Promo *pr = arena_alloc(sizeof *pr);
    *pr = (Promo){v, NULL, rev_record(g, "d", ty_unconst(v->ty), v->loc), true, NULL};
    vec_push(&g->promo, pr);
  }
  Stmt *bf = ir_block(loc), *br = ir_block(loc);
  Stmt *outer = g->again_loop, *outer_again = g->again;
  g->again_loop = NULL, g->again = ir_block(loc);
  g->loop_depth++;
  rev_gen_block(g, s->body, bf, br);
  g->loop_depth--;
  g->again_loop = outer, g->again = outer_again;
  Stmt *initf = ir_block(loc), *initr = ir_block(loc);
  int records = g->records;
  if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, initf, initr);
  Expr *acc = rev_adj(g, ir_var(s->imm_acc, loc));
  rev_put(F, ir_comment(loc, format("each iteration reversed as it runs: %s's adjoint is %.17g after the loop",
                             s->imm_acc->name, s->immediate)));
  rev_put(F, ir_assign(acc, ir_num(format("%.17g", s->immediate), acc->ty, loc), loc));
  Stmt *head = header_init(initf, g->records == records, F);
  if (br->kids.len) {
    rev_put(bf, ir_comment(loc, "this iteration's reverse"));
    rev_put_all(bf, br);
  }
  rev_put(F, ir_loop(s->kind, head, s->e, s->kind == ST_FOR && s->inc ? inc_expr(s->inc) : NULL, bf, loc));
  rev_put(F, ir_assign(acc, zero(acc->ty, loc), loc));
  g->promo.len -= s->imm_defer.len;
  for (int i = s->imm_defer.len - 1; i >= 0; i--) {
    Promo *pr = g->promo.data[g->promo.len + i];
    Stmt *add = rev_add_to(rev_adj(g, ir_var(pr->v, loc)), ir_var(pr->sum, loc));
    add->comment = "what the loop added while it ran";
    rev_put(R, add);
  }
  rev_put_all(R, initr);
}

void rev_gen_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Loc loc = s->loc;
  /* a parallel loop stays parallel in f_grad; nested in another one or in a
   * separate sweep it runs serially */
  if (s->omp && g->joint && g->sp->top && !g->par) {
    rev_par_loop(g, s, F, R);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth == 0) {
    /* the body's code for one recorded iteration */
    Stmt *bf = ir_block(loc), *br = ir_block(loc);
    bool frees = g->used_frees, redo = g->used_redo, pfrees = g->used_par_frees;
    g->used_frees = g->used_redo = g->used_par_frees = false;
    g->loop_depth++;
    rev_gen_block(g, s->body, bf, br);
    g->loop_depth--;
    Uses u = {g->used_frees, g->used_par_frees, g->used_redo};
    g->used_frees |= frees, g->used_redo |= redo, g->used_par_frees |= pfrees;
    Stmt *initf = ir_block(loc), *initr = ir_block(loc);
    if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, initf, initr);
    rev_put_all(F, initf);
    rev_ckpt_loop(g, s, bf, br, u, F, R);
    rev_put_all(R, initr);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth > 0)
    diag_error(s->loc, "gradc cannot yet checkpoint a loop inside another loop: put GRADC_CHECKPOINT "
               "before the outer one");
  if (s->immediate && g->joint && g->sp->top && g->loop_depth == 0 && !g->par) {
    gen_immediate_loop(g, s, F, R);
    return;
  }
  Stmt *bf = ir_block(loc), *br = ir_block(loc);
  int body_records = g->records;
  Stmt *outer = g->again_loop, *outer_again = g->again;
  g->again_loop = g->joint && (s->recomp.len || s->snap.len) ? s : NULL;
  g->again = ir_block(loc);
  int npromo = ir_counted_loop(s, NULL, NULL) && g->joint ? promote(g, s) : 0;
  Expr *blo = NULL, *bhi = NULL;
  Vec outer_bw = g->block_saves, outer_bv = g->block_views;
  Expr *outer_blo = g->block_lo;
  g->block_saves = g->block_views = (Vec){0};
  block_writes(g, s, &blo, &bhi, &g->block_saves);
  for (int i = 0; i < g->block_saves.len; i++) vec_push(&g->block_views, NULL);
  g->block_lo = blo;
  g->loop_depth++;
  rev_gen_block(g, s->body, bf, br);
  g->loop_depth--;
  Vec bws = g->block_saves, bviews = g->block_views;   /* the writes taped as blocks */
  g->block_saves = outer_bw, g->block_lo = outer_blo, g->block_views = outer_bv;
  Stmt *pbefore = ir_block(loc), *pafter = ir_block(loc);
  promoted(g, npromo, pbefore, pafter);
  Vec xs = {0};                          /* Expand *: the snapshot's buffers in place on the tape */
  Stmt *xbefore = ir_block(loc);         /* their room, before the loop */
  Expr *xlo = NULL, *xhi = NULL;
  Var *xc = s->expand.len && g->again_loop ? ir_up_loop(s, &xlo, &xhi) : NULL;
  if (xc) {
    expand_before(g, xbefore, s, xlo, xhi, &xs);
    Stmt *at = ir_block(loc);
    expand_at(at, xc, xlo, &xs);
    rev_put_all(at, bf);
    bf = at;
  } else {
    s->expand = (Vec){0};
  }
  if (g->again_loop && s->snap.len) {
    /* the snapshot, last in the body (nothing after its loops changes what
     * it holds) and so first off the tape in the body's reverse */
    snapshot_code(g, s, bf, true);
    Stmt *first = ir_block(loc);
    if (xc) expand_at(first, xc, xlo, &xs);
    snapshot_code(g, s, first, false);
    rev_put_all(first, g->again);
    g->again = first;
  }
  if (g->again->kids.len) {   /* first in the body's reverse code */
    rev_put_all(g->again, br);
    br = g->again;
  }
  g->again_loop = outer, g->again = outer_again;
  body_records = g->records - body_records;   /* what the body taped */
  bool need = br->kids.len > 0;
  Stmt *initf = ir_block(loc), *initr = ir_block(loc);
  int records = g->records;
  if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, initf, initr);
  bool init_alone = g->records == records;   /* the assignment alone, nothing taped */
  bool local = g->joint && g->loop_depth == 0;
  Var *iv;
  const char *step;
  bool up;
  if (need && (iv = ir_counted_loop(s, &step, &up))) {
    /* a counted loop, whose reverse runs i backwards from its final value */
    /* forward: the loop, then the final index (and the first, unless it
     * can be computed again) go to the tape, or to locals in joint mode
     * outside loops */
    Stmt *head = header_init(initf, init_alone, F);
    Expr *start = s->init->e->b, *first = start;
    Var *start_var = NULL;
    Expr *n = ir_var(iv, loc);
    if (!act_fixed_at(start, s)) {
      if (head) rev_put(F, head), head = NULL;
      start_var = rev_record(g, "s", iv->ty, loc);
      rev_put(F, ir_assign(ir_var(start_var, loc), n, loc));
      first = ir_var(start_var, loc);
    }
    block_push(g, F, &bws, &bviews, blo, bhi);
    rev_put_all(F, xbefore);
    Stmt *fl = ir_loop(ST_FOR, head, s->e, inc_expr(s->inc), bf, loc);
    fl->unroll = s;
    rev_put(F, fl);
    expand_after(g, F, &xs, false);
    Expr *endv = NULL;
    Expr *computed = start_var ? NULL : end_from_bounds(s, iv, start, up, step);
    if (local) {
      Var *e = rev_record(g, "e", iv->ty, loc);
      rev_put(F, ir_assign(ir_var(e, loc), n, loc));
      endv = ir_var(e, loc);
    } else if (computed) {
      endv = computed;
    } else {
      if (start_var) rev_push(g, F, first);
      rev_push(g, F, n);
    }
    /* reverse: from the last index back to the first */
    Var *acc = endv && !body_records && g->loop_depth > 0 ? accumulation(s) : NULL;   /* a seed that changes */
    Stmt *whole = acc ? ir_block(loc) : R;   /* wrapped below */
    if (!endv) {
      rev_put(whole, rev_pop_stmt(g, n));
      if (start_var) rev_put(whole, rev_pop_stmt(g, first));
    }
    /* the final index is the first one plus a whole number of steps: the
     * reverse loop steps back until it meets the first, with no comparison
     * that an unsigned counter would pass (i >= 0) */
    rev_put_all(whole, pbefore);
    block_pop(g, whole, &bws, &bviews, blo, bhi);
    Stmt *rl = ir_loop(ST_FOR, endv ? ir_assign(n, endv, loc) : NULL, NULL, NULL, ir_block(loc), loc);
    rl->unroll = s;
    if (!strcmp(step, "1")) {
      rl->e = ir_binary(up ? EX_GT : EX_LT, ir_unary(up ? EX_POSTDEC : EX_POSTINC, n, n->ty), first, ty_int(), loc);
    } else {
      rl->e = ir_binary(EX_NE, n, first, ty_int(), loc);
      rev_put(rl->body, rev_update(up ? EX_SUB : EX_ADD, n, s->inc->b->b));
    }
    rev_put_all(rl->body, br);
    rev_put(whole, rl);
    rev_put_all(whole, pafter);
    if (acc) {
      /* s = s + e for every i: each addition is s_bar times a partial,
       * nothing when s_bar is 0 (a ReLU that was off) */
      Expr *ab = rev_adj(g, ir_var(acc, loc));
      rev_put(R, ir_if(ir_binary(EX_NE, ab, zero(ab->ty, loc), ty_int(), loc), whole, NULL));
    }
    expand_after(g, R, &xs, true);
    rev_put_all(R, initr);
    return;
  }
  rev_put_all(F, initf);
  Var *cnt = NULL;
  if (need) {
    g->records++;
    cnt = rev_record(g, "n", ty_long(), loc);
    rev_put(F, ir_assign(ir_var(cnt, loc), zero(cnt->ty, loc), loc));
  }
  block_push(g, F, &bws, &bviews, blo, bhi);
  if (need) rev_put(bf, ir_expr_stmt(ir_unary(EX_POSTINC, ir_var(cnt, loc), cnt->ty), loc));
  Stmt *fl = ir_loop(s->kind, NULL, s->e, s->kind == ST_FOR ? s->inc : NULL, bf, loc);
  fl->unroll = s;
  rev_put(F, fl);
  if (need) {
    if (!local) {
      g->used_tape = true;
      rev_put(F, rev_call_stmt("gradc_push_l", loc, 2, g->tape, ir_var(cnt, loc), NULL));
      rev_put(R, ir_assign(ir_var(cnt, loc), rev_call("gradc_pop_l", cnt->ty, loc, 1, g->tape, NULL, NULL), loc));
    }
    if (s->kind == ST_FOR && s->inc && s->inc->kind == EX_ASSIGN) {
      /* the increment of a for loop runs after each iteration: undo it first */
      Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
      is->e = s->inc;
      is->pos = s->pos;     /* runs at the end of each iteration */
      is->loop = s;
      int before = g->records;
      rev_gen_stmt(g, is, ir_block(loc), ir_block(loc));
      if (g->records != before) {
        /* the increment saves a value: put it in the body instead */
        diag_error(s->loc, "unsupported loop increment (it overwrites a value the reverse sweep "
                   "reads); write it at the end of the body");
      }
    }
    block_pop(g, R, &bws, &bviews, blo, bhi);
    Expr *c = ir_var(cnt, loc);
    rev_put(R, ir_loop(ST_WHILE, NULL, ir_binary(EX_GT, ir_unary(EX_POSTDEC, c, c->ty), zero(c->ty, loc), ty_int(), loc), NULL, br, loc));
  }
  rev_put_all(R, initr);
}
