/* rev_par.c: parallel loops ('#pragma omp parallel for') in reverse mode.
 *
 * Both sweeps stay parallel. gradc chunks the iterations itself, statically,
 * so that the reverse of each chunk runs exactly the iterations its forward
 * ran, reading the chunk's own tape (in _par, one per thread of the forward):
 *
 *   forward:  _n = the trip count;
 *             #pragma omp parallel private(...) reduction(+: s)
 *             {  chunk _c of _nc: for (i = _lo; i < _hi; i++) body, taping to
 *                _par.chunk[_c].tape; then the chunk's last values of its private
 *                variables, taped }
 *   reverse:  #pragma omp parallel num_threads(_nt) private(...)
 *             {  for each chunk _c this thread owns: its private variables
 *                back from the tape; for (i = _hi; i-- > _lo;) the body's
 *                adjoint; its sums of shared scalar adjoints, added once }
 *
 * Adjoints: a private variable's adjoint is private. A shared scalar that the
 * loop reads (or a firstprivate one) gets a sum per chunk, added atomically
 * at the chunk's end. A shared array, by how every access in the loop reads
 * it: a[i] or a[i * N + j] (j inside [0, N)), owned by the iteration, plain
 * additions; a[i + c], a stencil, in place inside the chunk and through a
 * halo at its ends (halo_arrays); w[j] over an inner loop's fixed extent, a
 * buffer per thread (buffered_arrays); otherwise '#pragma omp atomic' on each
 * addition. The adjoint of a reduction(+:s) loop only reads s's adjoint.
 * What the reverse sweep logs to put back afterwards (the redo log) goes to
 * a log per chunk, moved to the function's log in chunk order. */

#include "rev.h"

#include <stdlib.h>
#include <string.h>

#define GRADC_HALO_MAX_ 8   /* gradc.h's GRADC_HALO_MAX: the widest stencil with a halo */

struct Par {
  OmpLoop l;             /* the loop's variables (omp.c) */
  Vec acc;               /* Var *: shared or firstprivate scalars with adjoints */
  Vec acc_sum;           /* Var *: the chunk's sum of each one's adjoint */
  Vec arr;               /* Var *: shared arrays read as a[j] over a fixed extent */
  Vec arr_buf;           /* Var *: the chunk's buffer of their adjoints */
  Vec arr_len;           /* Expr *: that extent (j < bound) */
  Vec halo;              /* Halo *: shared double arrays read as a[i + c] */
  Vec rows;              /* Var *: row-major arrays whose row i only iteration i reaches */
};

/* The scalars whose adjoints each chunk sums on its own: shared ones the
 * loop reads, and firstprivate ones. */
static bool sums(Par *par) {
  OmpLoop *pr = &par->l;
  Omp *o = pr->o;
  bool ok = true;
  for (int i = 0; i < pr->other.len + pr->indexed.len; i++) {
    Var *v = i < pr->other.len ? pr->other.data[i] : pr->indexed.data[i - pr->other.len];
    bool first = vec_has(&o->first, v);
    if (!v->active || vec_has(&o->red, v) || (vec_has(&pr->priv, v) && !first) || v->kind == VAR_GLOBAL) continue;
    if (ty_is_float(v->ty)) {
      if (!vec_has(&par->acc, v)) vec_push(&par->acc, v);
    } else if (first || v->ty->kind == TY_STRUCT) {
      diag_error(o->loc, "gradc cannot yet differentiate a parallel loop that reads the %s '%s' of type "
                 "'%s': its adjoint would need a sum per thread", first ? "firstprivate" : "shared struct",
                 v->name, ty_name(v->ty));
      ok = false;
    }
  }
  return ok;
}

/* Arrays the loop reaches only as a[j], j the counter of a loop inside it
 * that runs from 0 below a bound the parallel loop does not change (the
 * weights every sample of a model reads): each chunk sums their adjoints in a
 * buffer of its own and adds it once, instead of contending for atomic
 * additions element by element. */
typedef struct Extent { Var *v; Expr *bound; bool bad; } Extent;

static void note_extent(Vec *ext, Var *v, Expr *bound) {
  for (int i = 0; i < ext->len; i++) {
    Extent *x = ext->data[i];
    if (x->v != v) continue;
    if (!bound || !ir_same_expr(x->bound, bound)) x->bad = true;
    return;
  }
  Extent *x = arena_alloc(sizeof *x);
  *x = (Extent){v, bound, !bound};
  vec_push(ext, x);
}

static void extent_expr(Vec *ext, Vec *loops, Expr *e) {
  if (!e) return;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR) {
    Expr *bound = NULL;
    for (int i = loops->len - 1; i >= 0 && e->b->kind == EX_VAR; i--) {
      Stmt *l = loops->data[i];
      if (l->init->e->a->var == e->b->var) {
        bound = l->e->b;
        break;
      }
    }
    note_extent(ext, e->a->var, bound);
    extent_expr(ext, loops, e->b);
    return;
  }
  if (e->kind == EX_VAR) {
    note_extent(ext, e->var, NULL);
    return;
  }
  extent_expr(ext, loops, e->a), extent_expr(ext, loops, e->b), extent_expr(ext, loops, e->c);
  for (int i = 0; i < e->nargs; i++) extent_expr(ext, loops, e->args[i]);
}

static void extent_stmt(Vec *ext, Vec *loops, Stmt *s) {
  if (!s) return;
  const char *step;
  bool up, inner = false;
  Var *j = ir_counted_loop(s, &step, &up);
  if (j && up && !strcmp(step, "1") && s->init->e->b->kind == EX_NUM && !strcmp(s->init->e->b->text, "0") &&
      s->e && s->e->kind == EX_LT && s->e->a->kind == EX_VAR && s->e->a->var == j) {
    vec_push(loops, s);
    inner = true;
  }
  extent_expr(ext, loops, s->e), extent_expr(ext, loops, s->inc);
  extent_stmt(ext, loops, s->init), extent_stmt(ext, loops, s->body), extent_stmt(ext, loops, s->els);
  for (int i = 0; i < s->kids.len; i++) extent_stmt(ext, loops, s->kids.data[i]);
  if (inner) loops->len--;
}

static bool varies(Expr *e, void *ud) {
  OmpLoop *l = ud;
  return e->kind == EX_VAR && (e->var == l->iv || vec_has(&l->priv, e->var) || vec_has(&l->assigned, e->var));
}

static void buffered_arrays(Stmt *s, Par *par) {
  Vec ext = {0}, loops = {0};
  extent_stmt(&ext, &loops, s->body);
  OmpLoop *l = &par->l;
  for (int i = 0; i < ext.len; i++) {
    Extent *x = ext.data[i];
    Var *v = x->v;
    Type *et = ty_elem(v->ty);
    if (x->bad || !v->active || vec_has(&l->priv, v) || v->kind == VAR_GLOBAL || !et || !ty_is_float(et) ||
        ir_has_side_effects(x->bound) || ir_reads_memory(x->bound) || ir_expr_any(x->bound, varies, l))
      continue;
    vec_push(&par->arr, v);
    vec_push(&par->arr_len, x->bound);
  }
}

/* Row-major arrays the loop reaches only as a[i * N + j], j the counter of
 * an inner loop that stays in 0 <= j < N (for (j = a; j < N - k; j++), a and
 * k non-negative literals), N the same fixed expression everywhere: iteration
 * i owns row i, so its additions need no synchronisation. */
static bool nonneg_literal(Expr *e) {
  char *end;
  return e->kind == EX_NUM && strtol(e->text, &end, 10) >= 0 && !*end;
}

/* N when the loop l keeps its counter in 0 <= j < N, else NULL */
static Expr *row_width(Stmt *l) {
  const char *step;
  bool up;
  Var *j = ir_counted_loop(l, &step, &up);
  if (!j || !up || strcmp(step, "1") || !nonneg_literal(l->init->e->b) || !l->e || l->e->a->kind != EX_VAR ||
      l->e->a->var != j)
    return NULL;
  Expr *b = l->e->b;
  if (l->e->kind == EX_LT && b->kind == EX_SUB && nonneg_literal(b->b)) return b->a;
  if (l->e->kind == EX_LT) return b;
  if (l->e->kind == EX_LE && b->kind == EX_SUB && nonneg_literal(b->b) && strcmp(b->b->text, "0")) return b->a;
  return NULL;
}

static void row_expr(Vec *ext, Vec *loops, Var *iv, Expr *e) {
  if (!e) return;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR) {
    Expr *x = e->b, *width = NULL;
    if (x->kind == EX_ADD && x->a->kind == EX_MUL && x->a->a->kind == EX_VAR && x->a->a->var == iv &&
        x->b->kind == EX_VAR)
      for (int i = loops->len - 1; i >= 0; i--) {
        Stmt *l = loops->data[i];
        if (l->init->e->a->var != x->b->var) continue;
        Expr *w = row_width(l);
        if (w && ir_same_expr(w, x->a->b)) width = w;
        break;
      }
    note_extent(ext, e->a->var, width);
    row_expr(ext, loops, iv, e->b);
    return;
  }
  if (e->kind == EX_VAR) {
    note_extent(ext, e->var, NULL);
    return;
  }
  row_expr(ext, loops, iv, e->a), row_expr(ext, loops, iv, e->b), row_expr(ext, loops, iv, e->c);
  for (int i = 0; i < e->nargs; i++) row_expr(ext, loops, iv, e->args[i]);
}

static void row_stmt(Vec *ext, Vec *loops, Var *iv, Stmt *s) {
  if (!s) return;
  bool inner = s->kind == ST_FOR && ir_counted_loop(s, NULL, NULL);
  if (inner) vec_push(loops, s);
  row_expr(ext, loops, iv, s->e), row_expr(ext, loops, iv, s->inc);
  row_stmt(ext, loops, iv, s->init), row_stmt(ext, loops, iv, s->body), row_stmt(ext, loops, iv, s->els);
  for (int i = 0; i < s->kids.len; i++) row_stmt(ext, loops, iv, s->kids.data[i]);
  if (inner) loops->len--;
}

static void owned_rows(Stmt *s, Par *par) {
  Vec ext = {0}, loops = {0};
  OmpLoop *l = &par->l;
  row_stmt(&ext, &loops, l->iv, s->body);
  for (int i = 0; i < ext.len; i++) {
    Extent *x = ext.data[i];
    if (x->bad || vec_has(&l->priv, x->v) || x->v->kind == VAR_GLOBAL || ir_has_side_effects(x->bound) ||
        ir_reads_memory(x->bound) || ir_expr_any(x->bound, varies, l))
      continue;
    vec_push(&par->rows, x->v);
  }
}

/* Double arrays the loop reaches only as a[i + c], c a constant (a stencil
 * over its neighbours): each chunk adds into their adjoints in place where
 * no other chunk reaches, and into a small halo at its two ends
 * (gradc_halo), instead of an atomic addition per element. */
typedef struct Halo { Var *v; long cmin, cmax; bool bad; Var *side; } Halo;

/* c when idx is iv, iv + c or iv - c (c an integer literal) */
static bool offset(Expr *idx, Var *iv, long *c) {
  if (idx->kind == EX_VAR && idx->var == iv) {
    *c = 0;
    return true;
  }
  if ((idx->kind != EX_ADD && idx->kind != EX_SUB) || idx->a->kind != EX_VAR || idx->a->var != iv ||
      idx->b->kind != EX_NUM)
    return false;
  char *end;
  long k = strtol(idx->b->text, &end, 10);
  if (*end || k > GRADC_HALO_MAX_) return false;
  *c = idx->kind == EX_ADD ? k : -k;
  return true;
}

static void note_halo(Vec *hs, Var *v, bool ok, long c) {
  Halo *h = NULL;
  for (int i = 0; i < hs->len && !h; i++)
    if (((Halo *)hs->data[i])->v == v) h = hs->data[i];
  if (!h) {
    h = arena_alloc(sizeof *h);
    *h = (Halo){.v = v, .cmin = c, .cmax = c};
    vec_push(hs, h);
  }
  if (!ok) h->bad = true;
  if (c < h->cmin) h->cmin = c;
  if (c > h->cmax) h->cmax = c;
}

static void halo_expr(Vec *hs, Var *iv, Expr *e) {
  if (!e) return;
  long c = 0;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR) {
    bool ok = offset(e->b, iv, &c);
    note_halo(hs, e->a->var, ok, c);
    halo_expr(hs, iv, e->b);
    return;
  }
  if (e->kind == EX_VAR) {
    note_halo(hs, e->var, false, 0);
    return;
  }
  halo_expr(hs, iv, e->a), halo_expr(hs, iv, e->b), halo_expr(hs, iv, e->c);
  for (int i = 0; i < e->nargs; i++) halo_expr(hs, iv, e->args[i]);
}

static void halo_stmt(Vec *hs, Var *iv, Stmt *s) {
  if (!s) return;
  halo_expr(hs, iv, s->e), halo_expr(hs, iv, s->inc);
  halo_stmt(hs, iv, s->init), halo_stmt(hs, iv, s->body), halo_stmt(hs, iv, s->els);
  for (int i = 0; i < s->kids.len; i++) halo_stmt(hs, iv, s->kids.data[i]);
}

static void halo_arrays(Gen *g, Stmt *s, Par *par) {
  OmpLoop *l = &par->l;
  if (strcmp(l->step, "1")) return;
  Vec hs = {0};
  halo_stmt(&hs, l->iv, s->body);
  for (int i = 0; i < hs.len; i++) {
    Halo *h = hs.data[i];
    Var *v = h->v;
    Type *et = ty_elem(v->ty);
    if (h->bad || (h->cmin == 0 && h->cmax == 0) || h->cmax - h->cmin > GRADC_HALO_MAX_ || !v->active ||
        vec_has(&l->priv, v) || v->kind == VAR_GLOBAL || !et || et->kind != TY_DOUBLE || vec_has(&par->arr, v))
      continue;
    h->side = ir_new_var(NULL, ir_unique_name(g->fn, format("%s_halo", v->name)), ty_named("gradc_halo"),
                         VAR_TEMP, v->loc);
    vec_push(&par->halo, h);
  }
}

/* ---- the hooks rev.c calls ------------------------------------------------ */

static bool atomic(Gen *g, Expr *lv) {
  OmpLoop *pr = &g->par->l;
  if (lv->kind == EX_VAR) return !vec_has(&pr->priv, lv->var) && !vec_has(&g->par->acc, lv->var);
  Var *b = ir_base_var(lv);
  if (!b) return true;
  if (lv->kind == EX_INDEX && lv->a->kind == EX_VAR && vec_has(&g->par->arr, b)) return false;   /* the chunk's buffer */
  if (lv->kind == EX_INDEX && lv->a->kind == EX_VAR && vec_has(&g->par->rows, b)) return false;  /* the iteration's row */
  if (b->ty->kind == TY_ARRAY && vec_has(&pr->priv, b)) return false;   /* the thread's own array */
  if (vec_has(&pr->priv, b) && vec_has(&pr->fresh, b) && !vec_has(&pr->reseated, b)) return false;   /* the iteration's block */
  if (lv->kind == EX_INDEX && lv->a->kind == EX_VAR && lv->b->kind == EX_VAR && lv->b->var == pr->iv &&
      vec_has(&pr->indexed, b) && !vec_has(&pr->other, b))
    return false;   /* each iteration owns its element */
  return true;
}

bool rev_par_add(Gen *g, Stmt *out, Expr *lv, Expr *seed) {
  if (!g->par) return false;
  Var *base = lv->kind == EX_INDEX && lv->a->kind == EX_VAR ? lv->a->var : NULL;
  for (int i = 0; base && i < g->par->halo.len; i++) {
    Halo *h = g->par->halo.data[i];
    if (h->v != base) continue;
    /* gradc_halo_add(a_bar, &a_halo, i + c, seed) */
    Expr *args[4] = {rev_adj_ptr(g, lv->a), ir_unary(EX_ADDR, ir_var(h->side, lv->loc), ty_ptr_to(h->side->ty)),
                     lv->b, seed};
    vec_push(&out->kids, ir_expr_stmt(ir_call("gradc_halo_add", ty_new(TY_VOID, "void"), lv->loc, args, 4), lv->loc));
    return true;
  }
  if (!atomic(g, lv)) return false;
  Stmt *s = rev_add_to(rev_adj(g, lv), seed);
  s->atomic = true;
  vec_push(&out->kids, s);
  return true;
}

Var *rev_par_bar(Gen *g, Var *v) {
  Par *pr = g->par;
  if (!pr) return NULL;
  for (int i = 0; i < pr->acc.len; i++)
    if (pr->acc.data[i] == v) return pr->acc_sum.data[i];
  for (int i = 0; i < pr->arr.len; i++)
    if (pr->arr.data[i] == v) return pr->arr_buf.data[i];
  return NULL;
}

bool rev_par_refuses(Gen *g, Loc loc, const char *what) {
  if (!g->par) return false;
  diag_error(loc, "gradc cannot yet differentiate %s inside a parallel loop (its adjoint would add into "
             "shared memory without synchronisation); move it out of the loop", what);
  return true;
}

/* ---- the loop ---------------------------------------------------------------- */

static Expr *num(const char *text, Loc loc) { return ir_num(text, ty_int(), loc); }
static Expr *var(Var *v, Loc loc) { return ir_var(v, loc); }
static Expr *bin(ExprKind k, Expr *a, Expr *b, Type *t) { return ir_binary(k, a, b, t, a->loc); }
static bool is_zero(Expr *e) { return e->kind == EX_NUM && !strcmp(e->text, "0"); }


static Stmt *call_n(const char *name, Loc loc, Expr **args, int n) {
  return ir_expr_stmt(ir_call(name, ty_new(TY_VOID, "void"), loc, args, n), loc);
}

/* #pragma omp parallel num_threads(threads) ... { }: a block run by a team */
static Stmt *region(Expr *threads, Loc loc) {
  Stmt *b = ir_block(loc);
  b->omp = arena_alloc(sizeof *b->omp);
  b->omp->loc = loc;
  b->omp->threads = threads;
  return b;
}

/* &_par.chunk[_c].field */
static Expr *chunk_field(Var *par, Var *c, const char *field, Loc loc) {
  Type *tt = ty_named("gradc_tape");
  Expr *ch = ir_binary(EX_INDEX, ir_member(var(par, loc), "chunk", ty_ptr_to(ty_named("gradc_chunk"))), var(c, loc),
                       ty_named("gradc_chunk"), loc);
  return rev_addr(ir_member(ch, field, tt));
}

/* the bytes of a memset of v (an array, a struct) or NULL for a scalar */
static Stmt *zero_all(Var *v, Loc loc) {
  Type *t = ty_unconst(v->ty);
  if (t->kind != TY_ARRAY && t->kind != TY_STRUCT) return ir_assign(var(v, loc), num("0", loc), loc);
  Expr *p = t->kind == TY_ARRAY ? var(v, loc) : rev_addr(var(v, loc));
  return rev_call_stmt("memset", loc, 3, p, num("0", loc), rev_size_of(var(v, loc)));
}

/* The counter at the first iteration of chunk k of nc: a + (T)(n * k / nc) * step */
static Expr *chunk_start(Expr *a, Var *n, Expr *k, Expr *nc, bool up, Expr *step, Type *T) {
  Expr *x = ir_unary(EX_CAST, bin(EX_DIV, bin(EX_MUL, var(n, a->loc), k, ty_long()), nc, ty_long()), T);
  if (step) x = bin(EX_MUL, x, step, T);
  return up && is_zero(a) ? x : bin(up ? EX_ADD : EX_SUB, a, x, T);
}

void rev_par_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Loc loc = s->loc;
  Omp *o = s->omp;
  Par par = {0};
  OmpLoop *l = &par.l;
  if (!omp_analyze(s, l) || !sums(&par)) return;
  Var *iv = l->iv;
  bool up = l->up, one = !strcmp(l->step, "1");
  Expr *step = num(l->step, loc);
  ExprKind ck = l->cmp;
  Expr *bound = l->bound;
  Vec *priv = &l->priv, *assigned = &l->assigned;
  Type *T = ty_unconst(iv->ty);

  /* the body, with the thread's tape, frees list and sums */
  for (int i = 0; i < par.acc.len; i++) {
    Var *v = par.acc.data[i];
    rev_bar_name(g, v);   /* the shared adjoint exists before the thread's sum */
    vec_push(&par.acc_sum, ir_new_var(NULL, ir_unique_name(g->fn, format("%s_bar_t", v->name)), ty_unconst(v->ty),
                                      VAR_TEMP, v->loc));
  }
  buffered_arrays(s, &par);
  owned_rows(s, &par);
  halo_arrays(g, s, &par);
  Vec arr_len = {0};   /* Var *: the extents, recorded by the forward sweep */
  for (int i = 0; i < par.arr.len; i++) {
    Var *v = par.arr.data[i];
    rev_bar_name(g, v);
    vec_push(&par.arr_buf, ir_new_var(NULL, ir_unique_name(g->fn, format("%s_bar_t", v->name)),
                                      ty_ptr_to(ty_unconst(ty_elem(v->ty))), VAR_TEMP, v->loc));
    Var *m = rev_record(g, "ext", ty_long(), loc);
    rev_put(F, ir_assign(var(m, loc), par.arr_len.data[i], loc));
    vec_push(&arr_len, m);
  }
  Expr *tape = g->tape;
  Expr *frees = g->frees;
  bool used_tape = g->used_tape, used_frees = g->used_frees, used_redo = g->used_redo;
  g->used_tape = g->used_frees = g->used_redo = false;
  g->tape = rev_tape_ref("_pt", false), g->frees = rev_tape_ref("_pf", false), g->par = &par;
  int nrecs = g->recs.len;
  Stmt *bf = ir_block(loc), *br = ir_block(loc);
  g->loop_depth++;
  rev_gen_block(g, s->body, bf, br);
  g->loop_depth--;
  g->par = NULL, g->tape = tape, g->frees = frees;
  bool btape = g->used_tape, bfrees = g->used_frees, bredo = g->used_redo;
  g->used_tape |= used_tape, g->used_frees = used_frees, g->used_redo |= used_redo;
  g->used_par_frees |= bfrees;
  for (int i = nrecs; i < g->recs.len; i++)   /* records of the body's branches and loops: the thread's own */
    vec_push(priv, ((Stmt *)g->recs.data[i])->var);
  /* the last values of the chunk's private variables, for its reverse */
  Vec finals = {0};
  for (int i = 1; i < priv->len; i++) {
    Var *v = priv->data[i];
    if (v->ty && vec_has(assigned, v)) vec_push(&finals, v);
  }
  bool ptape = btape || finals.len > 0;
  g->used_par = true;

  /* the iteration space: _n iterations from _a by step */
  Var *n = rev_record(g, "n", ty_long(), loc), *nt = rev_record(g, "nt", ty_int(), loc);
  Expr *start = s->init->e->b, *a = start;
  Var *av = NULL;
  if (start->kind != EX_NUM) {
    av = rev_record(g, "a", T, loc);
    rev_put(F, ir_assign(var(av, loc), start, loc));
    a = var(av, loc);
  }   /* a literal start converts as it is */
  Expr *b = ty_same(bound->ty, T) ? bound : ir_unary(EX_CAST, bound, T);
  Expr *lo = up ? a : b, *hi = up ? b : a;   /* the span, hi - lo */
  Expr *span = is_zero(lo) ? hi : bin(EX_SUB, hi, lo, T);
  Expr *cnt, *lit0 = num("0", loc), *lit1 = num("1", loc);
  if (ck == EX_NE) cnt = one ? span : bin(EX_DIV, span, step, T);
  else if (ck == EX_LT || ck == EX_GT)
    cnt = ir_cond(bin(EX_LT, lo, hi, ty_int()), one ? span : bin(EX_DIV, bin(EX_SUB, bin(EX_ADD, span, step, T), lit1, T), step, T),
                  lit0, T);
  else
    cnt = ir_cond(bin(EX_LE, lo, hi, ty_int()), bin(EX_ADD, one ? span : bin(EX_DIV, span, step, T), lit1, T), lit0, T);
  rev_put(F, ir_assign(var(n, loc), cnt, loc));
  /* _lo and _hi: the counter at the chunk's first iteration and one past
   * its last, a + k * step (no "0 +") */
  Var *c = ir_new_var(NULL, "_c", ty_int(), VAR_TEMP, loc);
  Var *vlo = ir_new_var(NULL, "_lo", T, VAR_TEMP, loc), *vhi = ir_new_var(NULL, "_hi", T, VAR_TEMP, loc);
  Expr *next = bin(EX_ADD, var(c, loc), lit1, ty_int());

  /* a reduction variable the reverse sweep reads elsewhere: its value before
   * the loop, put back after the loop's reverse (inside it, each thread's
   * partial sums come back from the tapes into its own copy) */
  Vec kept = {0}, kept_as = {0};
  for (int i = 0; i < o->red.len; i++) {
    Var *r = o->red.data[i];
    if (!r->rev_read) continue;
    vec_push(&kept, r);
    if (g->loop_depth > 0) {
      rev_put(F, rev_push_stmt(g, var(r, loc)));
      vec_push(&kept_as, NULL);
    } else {
      Var *k = rev_record(g, "red", ty_unconst(r->ty), loc);
      rev_put(F, ir_assign(var(k, loc), var(r, loc), loc));
      vec_push(&kept_as, k);
    }
  }

  /* forward: the private variables start from the values outside (which
   * nothing reads; they keep the tape free of undefined values) */
  Var *pv = ir_new_var(NULL, "_par", ty_named("gradc_par"), VAR_TEMP, loc);
  Stmt *fr = region(ir_member(var(pv, loc), "n", ty_int()), loc);
  vec_push(&fr->omp->priv, iv);
  for (int i = 1; i < priv->len; i++) vec_push(&fr->omp->first, priv->data[i]);
  for (int i = 1; i < priv->len; i++) {
    Var *v = priv->data[i];
    if (v->bar && v->ty && ty_is_ptr(v->ty)) vec_push(&fr->omp->first, v->bar);   /* set by the forward sweep */
  }
  for (int i = 0; i < o->red.len; i++) vec_push(&fr->omp->red, o->red.data[i]);
  Var *nc = ir_new_var(NULL, "_nc", ty_int(), VAR_TEMP, loc);
  Type *tp = ty_ptr_to(ty_named("gradc_tape"));
  Var *pt = ir_new_var(NULL, "_pt", tp, VAR_TEMP, loc), *pf = ir_new_var(NULL, "_pf", tp, VAR_TEMP, loc);
  rev_put(fr, ir_decl(c, rev_call("omp_get_thread_num", ty_int(), loc, 0, NULL, NULL, NULL)));
  rev_put(fr, ir_decl(nc, rev_call("omp_get_num_threads", ty_int(), loc, 0, NULL, NULL, NULL)));
  if (ptape) rev_put(fr, ir_decl(pt, chunk_field(pv, c, "tape", loc)));
  if (bfrees) rev_put(fr, ir_decl(pf, chunk_field(pv, c, "frees", loc)));
  rev_put(fr, ir_decl(vlo, chunk_start(a, n, var(c, loc), var(nc, loc), up, one ? NULL : step, T)));
  rev_put(fr, ir_decl(vhi, chunk_start(a, n, next, var(nc, loc), up, one ? NULL : step, T)));
  rev_put(fr, ir_if(bin(EX_EQ, var(c, loc), lit0, ty_int()), ir_assign(var(nt, loc), var(nc, loc), loc), NULL));
  Expr *x = var(iv, loc);
  rev_put(fr, ir_loop(ST_FOR, ir_assign(x, var(vlo, loc), loc), bin(up ? EX_LT : EX_GT, x, var(vhi, loc), ty_int()),
               one ? ir_unary(up ? EX_POSTINC : EX_POSTDEC, x, T) : rev_update(up ? EX_ADD : EX_SUB, x, step)->e, bf, loc));
  Expr *saved_tape = g->tape;
  g->tape = rev_tape_ref("_pt", false);
  for (int i = 0; i < finals.len; i++) {
    Var *v = finals.data[i];
    rev_put(fr, rev_push_stmt(g, var(v, loc)));
    if (v->bar && ty_is_ptr(v->ty)) rev_put(fr, rev_push_stmt(g, ir_var(v->bar, loc)));
  }
  g->tape = saved_tape;
  rev_put(F, fr);
  if (g->loop_depth > 0) {
    /* the loop runs again: its iteration space goes to the tape */
    rev_put(F, rev_push_stmt(g, var(n, loc)));
    rev_put(F, rev_push_stmt(g, var(nt, loc)));
    if (av) rev_put(F, rev_push_stmt(g, var(av, loc)));
    for (int i = 0; i < arr_len.len; i++) rev_put(F, rev_push_stmt(g, var(arr_len.data[i], loc)));
  }

  /* reverse */
  if (g->loop_depth > 0) {
    for (int i = arr_len.len - 1; i >= 0; i--) rev_put(R, rev_pop_stmt(g, var(arr_len.data[i], loc)));
    if (av) rev_put(R, rev_pop_stmt(g, var(av, loc)));
    rev_put(R, rev_pop_stmt(g, var(nt, loc)));
    rev_put(R, rev_pop_stmt(g, var(n, loc)));
  }
  /* reverse: user's firstprivate variables that the loop only reads keep
   * their values; the others come back from the tape */
  Stmt *rr = region(var(nt, loc), loc);
  Vec rbars = {0};
  for (int i = 0; i < priv->len; i++) {
    Var *v = priv->data[i];
    vec_push(vec_has(&o->first, v) && !vec_has(assigned, v) ? &rr->omp->first : &rr->omp->priv, v);
    if (v->bar && !vec_has(&o->first, v)) vec_push(&rbars, v);
  }
  for (int i = 0; i < kept.len; i++) vec_push(&rr->omp->priv, kept.data[i]);
  for (int i = 0; i < rbars.len; i++) vec_push(&rr->omp->priv, ((Var *)rbars.data[i])->bar);
  for (int i = 0; i < par.acc.len; i++) rev_put(rr, ir_decl(par.acc_sum.data[i], NULL));
  for (int i = 0; i < par.arr.len; i++) {
    Var *bv = par.arr_buf.data[i];
    Expr *m = var(arr_len.data[i], loc), *bp = var(bv, loc);
    Expr *len = ir_cond(bin(EX_GT, m, lit0, ty_int()), ir_unary(EX_CAST, m, ty_size()), lit1, ty_size());
    Expr *each = rev_size_of(ir_unary(EX_DEREF, bp, ty_elem(bv->ty)));
    rev_put(rr, ir_decl(bv, rev_call("calloc", bv->ty, loc, 2, len, each, NULL)));
    rev_put(rr, ir_if(ir_unary(EX_NOT, bp, ty_int()), rev_fail("out of memory allocating an adjoint buffer", loc), NULL));
  }
  for (int i = 0; i < par.halo.len; i++) rev_put(rr, ir_decl(((Halo *)par.halo.data[i])->side, NULL));
  Var *rc = ir_new_var(NULL, "_c", ty_int(), VAR_TEMP, loc);
  Stmt *chunks = ir_loop(ST_FOR, ir_decl(rc, rev_call("omp_get_thread_num", ty_int(), loc, 0, NULL, NULL, NULL)),
                         bin(EX_LT, var(rc, loc), var(nt, loc), ty_int()),
                         rev_update(EX_ADD, var(rc, loc), rev_call("omp_get_num_threads", ty_int(), loc, 0, NULL, NULL, NULL))->e,
                         ir_block(loc), loc);
  Stmt *cb = chunks->body;
  if (ptape) rev_put(cb, ir_decl(pt, chunk_field(pv, rc, "tape", loc)));
  if (bredo) rev_put(cb, ir_decl(ir_new_var(NULL, "_redo", tp, VAR_TEMP, loc), chunk_field(pv, rc, "redo", loc)));
  c = rc;
  next = bin(EX_ADD, var(c, loc), lit1, ty_int());
  rev_put(cb, ir_decl(vlo, chunk_start(a, n, var(c, loc), var(nt, loc), up, one ? NULL : step, T)));
  rev_put(cb, ir_decl(vhi, chunk_start(a, n, next, var(nt, loc), up, one ? NULL : step, T)));
  g->tape = rev_tape_ref("_pt", false);
  for (int i = finals.len - 1; i >= 0; i--) {
    Var *v = finals.data[i];
    if (v->bar && ty_is_ptr(v->ty)) rev_put(cb, rev_pop_stmt(g, ir_var(v->bar, loc)));
    rev_put(cb, rev_pop_stmt(g, var(v, loc)));
  }
  g->tape = saved_tape;
  for (int i = 0; i < rbars.len; i++) {
    Var *v = rbars.data[i];
    Type *t = ty_unconst(v->ty);
    if (ty_is_ptr(t) && t->kind == TY_PTR) continue;   /* set by the forward values */
    rev_put(cb, zero_all(v->bar, loc));
  }
  for (int i = 0; i < par.acc.len; i++) rev_put(cb, ir_assign(var(par.acc_sum.data[i], loc), lit0, loc));
  for (int i = 0; i < par.halo.len; i++) {
    Halo *h = par.halo.data[i];
    Expr *args[5] = {rev_addr(var(h->side, loc)), up ? var(vlo, loc) : bin(EX_ADD, var(vhi, loc), lit1, T),
                     up ? bin(EX_SUB, var(vhi, loc), lit1, T) : var(vlo, loc), num(format("%ld", h->cmin), loc),
                     num(format("%ld", h->cmax), loc)};
    rev_put(cb, call_n("gradc_halo_start", loc, args, 5));
  }
  for (int i = 0; i < par.arr.len; i++) {
    Expr *m = var(arr_len.data[i], loc), *bp = var(par.arr_buf.data[i], loc);
    Expr *bytes = bin(EX_MUL, ir_unary(EX_CAST, m, ty_size()), rev_size_of(ir_unary(EX_DEREF, bp, ty_elem(bp->ty))), ty_size());
    rev_put(cb, ir_if(bin(EX_GT, m, lit0, ty_int()), rev_call_stmt("memset", loc, 3, bp, lit0, bytes), NULL));
  }
  Stmt *back = ir_loop(ST_FOR, ir_assign(x, var(vhi, loc), loc), NULL, NULL, ir_block(loc), loc);
  if (one) {
    back->e = bin(up ? EX_GT : EX_LT, ir_unary(up ? EX_POSTDEC : EX_POSTINC, x, T), var(vlo, loc), ty_int());
  } else {
    back->e = bin(EX_NE, x, var(vlo, loc), ty_int());
    rev_put(back->body, rev_update(up ? EX_SUB : EX_ADD, x, step));
  }
  rev_put_all(back->body, br);
  rev_put(cb, back);
  for (int i = 0; i < par.acc.len; i++) {
    Stmt *add = rev_add_to(rev_adj(g, ir_var(par.acc.data[i], loc)), var(par.acc_sum.data[i], loc));
    add->atomic = true;
    rev_put(cb, add);
  }
  for (int i = 0; i < par.halo.len; i++) {
    Halo *h = par.halo.data[i];
    Var *k;
    Stmt *each = rev_count_loop(g, ty_int(), bin(EX_MUL, num("2", loc), rev_named("GRADC_HALO_MAX", ty_int(), loc), ty_int()), &k, loc);
    Expr *side = ir_binary(EX_INDEX, ir_member(var(h->side, loc), "side", ty_ptr_to(ty_double())), var(k, loc), ty_double(), loc);
    Expr *at = rev_call("gradc_halo_at", ty_int(), loc, 2, rev_addr(var(h->side, loc)), var(k, loc), NULL);
    Expr *ap = rev_adj_ptr(g, var(h->v, loc));
    Stmt *add = rev_add_to(ir_binary(EX_INDEX, ap, at, ty_double(), loc), side);
    add->atomic = true;
    Stmt *then = ir_block(loc);
    rev_put(then, add);
    rev_put(each->body, ir_if(bin(EX_NE, side, lit0, ty_int()), then, NULL));
    rev_put(cb, each);
  }
  for (int i = 0; i < par.arr.len; i++) {
    Var *v = par.arr.data[i], *k;
    Stmt *each = rev_count_loop(g, ty_long(), var(arr_len.data[i], loc), &k, loc);
    Expr *ap = rev_adj_ptr(g, var(v, loc)), *bp = var(par.arr_buf.data[i], loc);
    Stmt *add = rev_add_to(ir_binary(EX_INDEX, ap, var(k, loc), ty_elem(bp->ty), loc),
                           ir_binary(EX_INDEX, bp, var(k, loc), ty_elem(bp->ty), loc));
    add->atomic = true;
    rev_put(each->body, add);
    rev_put(cb, each);
  }
  rev_put(rr, chunks);
  for (int i = 0; i < par.arr.len; i++) rev_put(rr, rev_call_stmt("free", loc, 1, var(par.arr_buf.data[i], loc), NULL, NULL));
  rev_put(R, rr);
  if (bredo) {
    g->used_redo = true;
    rev_put(R, rev_call_stmt("gradc_par_redo", loc, 2, rev_addr(var(pv, loc)), rev_redo(g, loc), NULL));
  }
  for (int i = kept.len - 1; i >= 0; i--) {
    Var *r = kept.data[i], *k = kept_as.data[i];
    rev_put(R, k ? ir_assign(var(r, loc), var(k, loc), loc) : rev_pop_stmt(g, var(r, loc)));
  }
}
