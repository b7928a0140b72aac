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

/* i = i + 1 prints as i++ in loop headers. */
static const char *inc_text(Expr *inc) {
  if (inc->kind == EX_ASSIGN && (inc->b->kind == EX_ADD || inc->b->kind == EX_SUB) &&
      ir_same_expr(inc->a, inc->b->a) && inc->b->b->kind == EX_NUM && !strcmp(inc->b->b->text, "1"))
    return format("%s%s", emit_expr(inc->a), inc->b->kind == EX_ADD ? "++" : "--");
  return emit_expr(inc);
}


/* The final index of a counted loop with step 1 and fixed bounds, from the
 * bounds (so nothing is taped): for (i = a; i < b; i++) ends at
 * a < b ? b : a, compared in i's type as the loop compares. */
static const char *end_from_bounds(Stmt *s, Var *iv, const char *start, Type *start_ty, bool up,
                                   const char *step) {
  Expr *c = s->e;
  if (strcmp(step, "1") || !c || c->a == NULL || c->a->kind != EX_VAR || c->a->var != iv) return NULL;
  if (!act_fixed_at(c->b, s)) return NULL;
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

static void snapshot_code(Gen *g, Stmt *L, Buf *b, int ind, bool forward);
static const char *operand(Expr *e);

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
static void promoted(Gen *g, int n, Buf *before, Buf *after, int ind) {
  Vec used = {0};
  for (int k = 0; k < n; k++) {
    Promo *pr = g->promo.data[--g->promo.len];
    if (pr->used) vec_push(&used, pr);
  }
  for (int k = used.len - 1; k >= 0; k--) {
    Promo *pr = used.data[k];
    emit_indent(before, ind);
    buf_printf(before, "%s = 0;\n", emit_decl(pr->sum->ty, pr->sum->name));
    emit_indent(after, ind);   /* a loop that ran: idx is an element it read */
    buf_printf(after, "if (%s != 0) %s += %s;\n", pr->sum->name, rev_shadow(g, pr->ix), pr->sum->name);
  }
}

/* The values a loop's body leaves in L->snap (recompute.c), to the tape in
 * the forward sweep, back from it at the start of the iteration's reverse. */
static void snapshot_code(Gen *g, Stmt *L, Buf *b, int ind, bool forward) {
  g->used_tape = true;
  if (forward) g->records++;
  if (L->expand.len == L->snap.len) return;
  if (!forward) {
    emit_indent(b, ind);
    buf_puts(b, "/* this iteration's values, back from the tape */\n");
  }
  for (int k = 0; k < L->snap.len; k++) {
    int i = forward ? k : L->snap.len - 1 - k;
    Var *v = L->snap.data[i];
    Expr *n = L->snap_n.data[i];
    if (vec_has(&L->expand, v)) continue;
    const char *name = emit_expr(ir_var(v, L->loc));
    if (!n) {
      /* a pointer into memory with adjoints moves with its shadow */
      const char *sh = v->ty->kind == TY_PTR && v->active ? rev_shadow_ptr(g, ir_var(v, L->loc)) : NULL;
      if (forward) {
        rev_push_text(g, b, ind, name, v->ty, L->loc);
        if (sh) rev_push_text(g, b, ind, sh, v->ty, L->loc);
      } else {
        if (sh) rev_pop_into(g, b, ind, sh, v->ty, L->loc);
        rev_pop_into(g, b, ind, name, v->ty, L->loc);
      }
      continue;
    }
    const char *count = emit_paren(emit_expr(n));
    emit_indent(b, ind);
    if (ir_uncast(n)->kind == EX_NUM)
      buf_printf(b, "gradc_%s_n(%s, %s, %s * sizeof *%s);\n", forward ? "push" : "pop", rev_tape(g), name, count, name);
    else   /* a fill over [0, n) with n <= 0 filled nothing */
      buf_printf(b, "gradc_%s_n(%s, %s, %s > 0 ? %s * sizeof *%s : 0);\n", forward ? "push" : "pop", rev_tape(g), name,
                 count, count, name);
  }
}

/* ---- a snapshot's buffers, in place on the tape (Stmt.expand) ------------- */

typedef struct Expand { Var *v; Expr *n; Var *all, *own; } Expand;

/* The room for L's expanded buffers: before the loop, each buffer's own
 * memory is kept aside and room for all iterations taken on the tape:
 * all = gradc_push_space(tape, (size_t)trip * n * sizeof *v). */
static void expand_before(Gen *g, Buf *b, int ind, Stmt *L, Expr *lo, Expr *hi, Vec *out) {
  Loc loc = L->loc;
  Type *size = ty_new(TY_INT, "size_t"), *it = ty_int();
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
    rev_declare(g, x->all->name, format("%s = 0;", emit_decl(t, x->all->name)));
    rev_declare(g, x->own->name, format("%s = 0;", emit_decl(t, x->own->name)));
    vec_push(out, x);
    Expr *test = runs;
    if (ir_lit_int(x->n) < 0) {
      Expr *some = ir_binary(EX_GT, x->n, ir_num("0", it, loc), it, loc);
      test = test ? ir_binary(EX_LAND, test, some, it, loc) : some;
    }
    Expr *room = ir_binary(EX_MUL, ir_binary(EX_MUL, ir_unary(EX_CAST, trip, size), x->n, size, loc),
                           rev_size_of(ir_unary(EX_DEREF, ir_var(v, loc), ty_elem(t))), size, loc);
    if (test) room = ir_cond(test, room, ir_num("0", size, loc), size);
    emit_indent(b, ind);
    buf_printf(b, "/* %s's values in each iteration, side by side on the tape */\n", v->name);
    emit_stmt(b, ir_assign(ir_var(x->own, loc), ir_var(v, loc), loc), ind);
    emit_stmt(b, ir_assign(ir_var(x->all, loc), rev_call("gradc_push_space", t, loc, 2, g->tape, room, NULL), loc), ind);
  }
  g->used_tape = true;
}

/* At the start of an iteration, forward and reverse: the buffer is the
 * iteration's room (its own memory if there was none to take):
 * v = all ? all + (size_t)(c - lo) * n : own. */
static void expand_at(Buf *b, int ind, Var *c, Expr *lo, Vec *xs) {
  Loc loc = c->loc;
  Expr *k = ir_lit_int(lo) == 0 ? ir_var(c, loc) : ir_binary(EX_SUB, ir_var(c, loc), lo, c->ty, loc);
  Type *size = ty_new(TY_INT, "size_t");
  for (int i = 0; i < xs->len; i++) {
    Expand *x = xs->data[i];
    Expr *all = ir_var(x->all, loc);
    Expr *at = ir_binary(EX_ADD, all, ir_binary(EX_MUL, ir_unary(EX_CAST, k, size), x->n, size, loc), all->ty, loc);
    emit_stmt(b, ir_assign(ir_var(x->v, loc), ir_cond(all, at, ir_var(x->own, loc), all->ty), loc), ind);
  }
}

/* After the loop: the buffer is its own memory again; after the reverse
 * loop, the room comes off the tape too. */
static void expand_after(Gen *g, Buf *b, int ind, Vec *xs, bool reverse) {
  for (int i = xs->len - 1; i >= 0; i--) {
    Expand *x = xs->data[i];
    emit_stmt(b, ir_assign(ir_var(x->v, x->v->loc), ir_var(x->own, x->v->loc), x->v->loc), ind);
    if (reverse) emit_stmt(b, rev_call_stmt("gradc_pop_space", x->v->loc, 2, g->tape, ir_var(x->all, x->v->loc), NULL), ind);
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
 * another, last first. Returns that write, or NULL. */
static Stmt *block_write(Gen *g, Stmt *L, Expr **lo, Expr **hi) {
  Var *c;
  if (L->kind != ST_FOR || L->omp || L->ckpt || L->immediate || L->recomp.len || L->snap.len || g->par) return NULL;
  if (!(c = ir_up_loop(L, lo, hi))) return NULL;
  Expr *ends[2] = {*lo, *hi};
  for (int k = 0; k < 2; k++) {
    if (ir_has_side_effects(ends[k]) || ir_reads_memory(ends[k]) || ir_expr_any(ends[k], call_or_pointer_arg, NULL))
      return NULL;
  }
  Vec list = {0};
  ir_open_blocks(L->body, &list);
  Stmt *w = NULL;
  for (int i = 0; i < list.len; i++) {
    Stmt *st = list.data[i];
    if (st->kind == ST_NOP) continue;
    if (st->kind != ST_EXPR || st->e->kind != EX_ASSIGN || st->e->op || ir_expr_any(st->e, call_or_pointer_arg, NULL))
      return NULL;
    Expr *lhs = st->e->a;
    if (lhs->kind == EX_VAR) {
      Var *v = lhs->var;
      if (v->kind == VAR_GLOBAL || v->is_static || v == c || (!ty_is_float(v->ty) && !ty_is_int(v->ty)) ||
          ir_expr_mentions(*hi, v) || rev_needs_save(g, st, lhs))
        return NULL;
      continue;
    }
    if (w || lhs->kind != EX_INDEX || lhs->a->kind != EX_VAR || ir_uncast(lhs->b)->kind != EX_VAR ||
        ir_uncast(lhs->b)->var != c || (lhs->ty->kind != TY_DOUBLE && lhs->ty->kind != TY_FLOAT) ||
        lhs->a->var->input_mem || !rev_needs_save(g, st, lhs))
      return NULL;
    w = st;
  }
  return w;
}

/* e binds tighter than a comparison: written bare next to > and - */
static const char *operand(Expr *e) {
  Expr *u = ir_uncast(e);
  bool bare = u->kind == EX_NUM || u->kind == EX_VAR || u->kind == EX_ADD || u->kind == EX_SUB ||
              u->kind == EX_MUL || u->kind == EX_DIV || u->kind == EX_MOD;
  return bare && u == e ? emit_expr(e) : emit_paren(emit_expr(e));
}

/* The extent of the block of v[lo..hi): "&v[lo], n * sizeof v[0]", with the
 * test that the loop runs at all (NULL when the bounds are literal). */
static const char *block_extent(Stmt *w, Expr *lo, Expr *hi, const char **test) {
  const char *v = emit_expr(w->e->a->a), *l = operand(lo), *h = operand(hi);
  long nl = ir_lit_int(lo), nh = ir_lit_int(hi);
  if (nl >= 0 && nh >= 0) {
    *test = nh > nl ? NULL : "0";
    return format("&%s[%ld], %ld * sizeof %s[0]", v, nl, nh - nl, v);
  }
  const char *ir = ir_uncast(lo)->kind == EX_NUM || ir_uncast(lo)->kind == EX_VAR ? l : emit_paren(l);
  const char *n = nl == 0 ? h : format("%s - %s", h, ir);
  *test = format("%s > %s", h, l);
  return format("&%s[%s], (size_t)(%s) * sizeof %s[0]", v, emit_expr(lo), n, v);
}

static void block_push(Gen *g, Buf *b, int ind, Stmt *w, Expr *lo, Expr *hi) {
  const char *test, *ext = block_extent(w, lo, hi, &test);
  if (test && !strcmp(test, "0")) return;
  emit_indent(b, ind);
  buf_printf(b, "/* the values the loop overwrites, for the reverse sweep */\n");
  emit_indent(b, ind);
  if (test) buf_printf(b, "if (%s) ", test);
  buf_printf(b, "gradc_push_block(%s, %s);\n", rev_tape(g), ext);
  g->used_tape = true;
  g->records++;
}

/* In the reverse sweep, before the loop: view points at the block on the
 * tape (taken off it, not copied), and each iteration's restore reads its
 * element there (rev.c restore_stmt). Nothing else in the loop uses the
 * tape, so the block stays where it is until the loop is done. */
static void block_pop(Gen *g, Buf *b, int ind, Stmt *w, Expr *lo, Expr *hi, Var *v) {
  const char *test, *ext = block_extent(w, lo, hi, &test), *view = v->name;
  const char *decl = emit_decl(v->ty, view);
  emit_indent(b, ind);
  if (!test) {
    buf_printf(b, "%s = gradc_pop_view(%s, %s);\n", decl, rev_tape(g), ext);
    return;
  }
  buf_printf(b, "%s = 0;\n", decl);
  if (!strcmp(test, "0")) return;
  emit_indent(b, ind);
  buf_printf(b, "if (%s) %s = gradc_pop_view(%s, %s);\n", test, view, rev_tape(g), ext);
}

/* A sum loop whose iterations are reversed as they run (immediate.c): the
 * body's reverse follows its forward in each iteration, seeded with the
 * accumulator's adjoint, a constant; the reverse sweep has nothing left of
 * it but the reverse of its first statement. */
static void gen_immediate_loop(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Buf bf = {0}, br = {0};
  /* the scalars whose adjoints wait in locals (immediate.c) */
  for (int i = 0; i < s->imm_defer.len; i++) {
    Var *v = s->imm_defer.data[i];
    Promo *pr = arena_alloc(sizeof *pr);
    Type *t = ty_unconst(v->ty);
    *pr = (Promo){v, NULL, ir_new_var(NULL, rev_record_var(g, "d", emit_type(t)), t, VAR_TEMP, v->loc), true, NULL};
    vec_push(&g->promo, pr);
  }
  Stmt *outer = g->again_loop;
  Buf outer_again = g->again;
  g->again_loop = NULL, g->again = (Buf){0};
  g->loop_depth++;
  rev_gen_block(g, s->body, &bf, fi + 1, &br, fi + 1);
  g->loop_depth--;
  g->again_loop = outer, g->again = outer_again;
  Buf initf = {0}, initr = {0};
  int records = g->records;
  if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, &initf, fi, &initr, ri);
  const char *acc = rev_shadow(g, ir_var(s->imm_acc, s->loc));
  emit_indent(fwd, fi);
  buf_printf(fwd, "/* each iteration reversed as it runs: %s's adjoint is %.17g after the loop */\n",
             s->imm_acc->name, s->immediate);
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s = %.17g;\n", acc, s->immediate);
  const char *header_init = "";
  if (initf.data && g->records == records) {   /* a single assignment: kept in the header */
    const char *p = initf.data;
    while (*p == ' ') p++;
    header_init = arena_strndup(p, strlen(p) - 2);
  } else if (initf.data) {
    buf_puts(fwd, initf.data);
  }
  emit_indent(fwd, fi);
  if (s->kind == ST_DO) buf_puts(fwd, "do {\n");
  else if (s->kind == ST_FOR)
    buf_printf(fwd, "for (%s; %s; %s) {\n", header_init, s->e ? emit_expr(s->e) : "", s->inc ? inc_text(s->inc) : "");
  else buf_printf(fwd, "while (%s) {\n", emit_expr(s->e));
  if (bf.data) buf_puts(fwd, bf.data);
  if (br.data) {
    emit_indent(fwd, fi + 1);
    buf_puts(fwd, "/* this iteration's reverse */\n");
    buf_puts(fwd, br.data);
  }
  emit_indent(fwd, fi);
  if (s->kind == ST_DO) buf_printf(fwd, "} while (%s);\n", emit_expr(s->e));
  else buf_puts(fwd, "}\n");
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s = 0;\n", acc);
  g->promo.len -= s->imm_defer.len;
  for (int i = s->imm_defer.len - 1; i >= 0; i--) {
    Promo *pr = g->promo.data[g->promo.len + i];
    emit_indent(rev, ri);
    buf_printf(rev, "%s += %s;   /* what the loop added while it ran */\n", rev_shadow(g, ir_var(pr->v, s->loc)), pr->sum->name);
  }
  if (initr.data) buf_puts(rev, initr.data);
  buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
}

void rev_gen_loop(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  /* a parallel loop stays parallel in f_grad; nested in another one or in a
   * separate sweep it runs serially */
  if (s->omp && g->joint && g->sp->top && !g->par) {
    rev_par_loop(g, s, fwd, fi, rev, ri);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth == 0) {
    /* the body's code for one recorded iteration, inside the schedule's
     * branch (three levels in) */
    Buf bf = {0}, br = {0};
    bool frees = g->used_frees, redo = g->used_redo, pfrees = g->used_par_frees;
    g->used_frees = g->used_redo = g->used_par_frees = false;
    g->loop_depth++;
    rev_gen_block(g, s->body, &bf, ri + 3, &br, ri + 3);
    g->loop_depth--;
    Uses u = {g->used_frees, g->used_par_frees, g->used_redo};
    g->used_frees |= frees, g->used_redo |= redo, g->used_par_frees |= pfrees;
    Buf initf = {0}, initr = {0};
    if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, &initf, fi, &initr, ri);
    if (initf.data) buf_puts(fwd, initf.data);
    rev_ckpt_loop(g, s, &bf, &br, u, fwd, fi, rev, ri);
    if (initr.data) buf_puts(rev, initr.data);
    buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
    return;
  }
  if (s->ckpt && g->joint && g->sp->top && g->loop_depth > 0)
    diag_error(s->loc, "gradc cannot yet checkpoint a loop inside another loop: put GRADC_CHECKPOINT "
               "before the outer one");
  if (s->immediate && g->joint && g->sp->top && g->loop_depth == 0 && !g->par) {
    gen_immediate_loop(g, s, fwd, fi, rev, ri);
    return;
  }
  Buf bf = {0}, br = {0};
  int body_records = g->records;
  Stmt *outer = g->again_loop;
  Buf outer_again = g->again;
  int outer_fi = g->again_fi, outer_ri = g->again_ri;
  g->again_loop = g->joint && (s->recomp.len || s->snap.len) ? s : NULL;
  g->again = (Buf){0}, g->again_fi = fi + 1, g->again_ri = ri + 1;
  int npromo = ir_counted_loop(s, NULL, NULL) && g->joint ? promote(g, s) : 0;
  Expr *blo = NULL, *bhi = NULL;
  Stmt *outer_bw = g->block_save;
  Expr *outer_blo = g->block_lo;
  Var *outer_bv = g->block_view;
  g->block_save = block_write(g, s, &blo, &bhi), g->block_lo = blo, g->block_view = NULL;
  g->loop_depth++;
  rev_gen_block(g, s->body, &bf, fi + 1, &br, ri + 1);
  g->loop_depth--;
  Stmt *bw = g->block_view ? g->block_save : NULL;
  Var *bview = g->block_view;
  g->block_save = outer_bw, g->block_lo = outer_blo, g->block_view = outer_bv;
  Buf pbefore = {0}, pafter = {0};
  promoted(g, npromo, &pbefore, &pafter, ri);
  Vec xs = {0};          /* Expand *: the snapshot's buffers in place on the tape */
  Buf xbefore = {0};     /* their room, before the loop */
  Expr *xlo = NULL, *xhi = NULL;
  Var *xc = s->expand.len && g->again_loop ? ir_up_loop(s, &xlo, &xhi) : NULL;
  if (xc) {
    expand_before(g, &xbefore, fi, s, xlo, xhi, &xs);
    Buf at = {0};
    expand_at(&at, fi + 1, xc, xlo, &xs);
    buf_puts(&at, bf.data ? bf.data : "");
    buf_free(&bf);
    bf = at;
  } else {
    s->expand = (Vec){0};
  }
  if (g->again_loop && s->snap.len) {
    /* the snapshot, last in the body (nothing after its loops changes what
     * it holds) and so first off the tape in the body's reverse */
    snapshot_code(g, s, &bf, fi + 1, true);
    Buf first = {0};
    if (xc) expand_at(&first, ri + 1, xc, xlo, &xs);
    snapshot_code(g, s, &first, ri + 1, false);
    buf_puts(&first, g->again.data ? g->again.data : "");
    buf_free(&g->again);
    g->again = first;
  }
  if (g->again.len) {   /* first in the body's reverse code */
    buf_puts(&g->again, br.data ? br.data : "");
    buf_free(&br);
    br = g->again;
  }
  g->again_loop = outer, g->again = outer_again, g->again_fi = outer_fi, g->again_ri = outer_ri;
  body_records = g->records - body_records;   /* what the body taped */
  bool need = br.len > 0;
  Buf initf = {0}, initr = {0};
  int records = g->records;
  if (s->kind == ST_FOR && s->init) rev_gen_stmt(g, s->init, &initf, fi, &initr, ri);
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
    const char *header_init = "";
    if (initf.data && init_alone) {
      const char *p = initf.data;       /* a single assignment: keep it in the header */
      while (*p == ' ') p++;
      header_init = arena_strndup(p, strlen(p) - 2);
    } else if (initf.data) {
      buf_puts(fwd, initf.data);
    }
    Expr *start = s->init->e->b;
    const char *start_text = emit_expr(start);
    const char *start_var = NULL;
    if (!act_fixed_at(start, s)) {
      if (*header_init) {
        emit_indent(fwd, fi);
        buf_printf(fwd, "%s;\n", header_init);
        header_init = "";
      }
      start_var = rev_record_var(g, "s", emit_type(iv->ty));
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", start_var, iv->name);
      start_text = start_var;
    }
    if (bw) block_push(g, fwd, fi, bw, blo, bhi);
    if (xbefore.data) buf_puts(fwd, xbefore.data);
    emit_unroll_hint(fwd, s, fi);
    emit_indent(fwd, fi);
    buf_printf(fwd, "for (%s; %s; %s) {\n", header_init, s->e ? emit_expr(s->e) : "", inc_text(s->inc));
    buf_puts(fwd, bf.data);
    emit_indent(fwd, fi);
    buf_puts(fwd, "}\n");
    expand_after(g, fwd, fi, &xs, false);
    const char *endv = NULL;
    const char *computed = start_var ? NULL : end_from_bounds(s, iv, start_text, start->ty, up, step);
    if (local) {
      endv = rev_record_var(g, "e", emit_type(iv->ty));
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", endv, iv->name);
    } else if (computed) {
      endv = computed;
    } else {
      if (start_var) rev_push(g, fwd, fi, ir_var(&(Var){.name = start_var, .ty = iv->ty}, s->loc));
      rev_push(g, fwd, fi, ir_var(iv, s->loc));
    }
    /* reverse: from the last index back to the first */
    const char *n = iv->name;
    Var *acc = endv && !body_records && g->loop_depth > 0 ? accumulation(s) : NULL;   /* a seed that changes */
    Buf whole = {0};
    Buf *outer_rev = rev;
    if (acc) rev = &whole;   /* wrapped below */
    if (!endv) {
      rev_pop_into(g, rev, ri, n, iv->ty, s->loc);
      endv = n;
      if (start_var) rev_pop_into(g, rev, ri, start_var, iv->ty, s->loc);
    }
    /* the final index is the first one plus a whole number of steps: the
     * reverse loop steps back until it meets the first, with no comparison
     * that an unsigned counter would pass (i >= 0) */
    if (pbefore.data) buf_puts(rev, pbefore.data);
    if (bw) block_pop(g, rev, ri, bw, blo, bhi, bview);
    emit_unroll_hint(rev, s, ri);
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
    if (pafter.data) buf_puts(rev, pafter.data);
    if (acc) {
      /* s = s + e for every i: each addition is s_bar times a partial,
       * nothing when s_bar is 0 (a ReLU that was off) */
      rev = outer_rev;
      emit_indent(rev, ri);
      buf_printf(rev, "if (%s != 0) {\n", rev_shadow(g, ir_var(acc, s->loc)));
      rev_reindent(rev, whole.data, ri, ri + 1);
      emit_indent(rev, ri);
      buf_puts(rev, "}\n");
      buf_free(&whole);
    }
    expand_after(g, rev, ri, &xs, true);
    if (initr.data) buf_puts(rev, initr.data);
    buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
    buf_free(&pbefore), buf_free(&pafter), buf_free(&xbefore);
    return;
  }
  if (initf.data) buf_puts(fwd, initf.data);
  const char *cnt = NULL;
  if (need) {
    g->records++;
    cnt = rev_record_var(g, "n", "long");
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s = 0;\n", cnt);
  }
  if (bw) block_push(g, fwd, fi, bw, blo, bhi);
  emit_unroll_hint(fwd, s, fi);
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
      buf_printf(fwd, "gradc_push_l(%s, %s);\n", rev_tape(g), cnt);
      emit_indent(rev, ri);
      buf_printf(rev, "%s = gradc_pop_l(%s);\n", cnt, rev_tape(g));
    }
    if (inc && s->inc->kind == EX_ASSIGN) {
      /* the increment of a for loop runs after each iteration: undo it first */
      Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
      is->e = s->inc;
      is->pos = s->pos;     /* runs at the end of each iteration */
      is->loop = s;
      Buf xf = {0}, xr = {0};
      int before = g->records;
      rev_gen_stmt(g, is, &xf, 0, &xr, ri + 1);
      if (g->records != before) {
        /* the increment saves a value: put it in the body instead */
        diag_error(s->loc, "unsupported loop increment (it overwrites a value the reverse sweep "
                   "reads); write it at the end of the body");
      }
      buf_free(&xf), buf_free(&xr);
    }
    if (bw) block_pop(g, rev, ri, bw, blo, bhi, bview);
    emit_indent(rev, ri);
    buf_printf(rev, "while (%s-- > 0) {\n", cnt);
    buf_puts(rev, br.data);
    emit_indent(rev, ri);
    buf_puts(rev, "}\n");
  }
  if (initr.data) buf_puts(rev, initr.data);
  buf_free(&bf), buf_free(&br), buf_free(&initf), buf_free(&initr);
  buf_free(&pbefore), buf_free(&pafter), buf_free(&xbefore);
}

