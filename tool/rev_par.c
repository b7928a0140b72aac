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
    h->side = ir_new_var(NULL, ir_unique_name(g->fn, format("%s_halo", v->name)), ty_new(TY_OTHER, "gradc_halo"),
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
  Stmt *s = ir_assign(rev_adj(g, lv), seed, lv->loc);
  s->e->op = EX_ADD;
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

static const char *names(Vec *vars, bool bars) {
  Buf b = {0};
  for (int i = 0; i < vars->len; i++) {
    Var *v = vars->data[i];
    const char *n = bars ? (v->bar ? v->bar->name : NULL) : v->name;
    if (n) buf_printf(&b, "%s%s", b.len ? ", " : "", n);
  }
  const char *t = b.data ? arena_strdup(b.data) : "";
  buf_free(&b);
  return t;
}

static const char *in_type(const char *text, Type *from, const char *t) {
  if (!strcmp(emit_type(ty_unconst(from)), t)) return emit_paren(text);
  return format("(%s)%s", t, emit_paren(text));
}

static void par_loop(Gen *g, Stmt *s, Buf *fwd, int fi, Buf *rev, int ri) {
  Omp *o = s->omp;
  Par par = {0};
  OmpLoop *l = &par.l;
  if (!omp_analyze(s, l) || !sums(&par)) return;
  Var *iv = l->iv;
  const char *step = l->step;
  bool up = l->up;
  ExprKind ck = l->cmp;
  Expr *bound = l->bound;
  Vec *priv = &l->priv, *assigned = &l->assigned;

  /* the body, with the thread's tape, frees list and sums */
  const char *T = emit_type(ty_unconst(iv->ty));
  for (int i = 0; i < par.acc.len; i++) {
    Var *v = par.acc.data[i];
    rev_bar_name(g, v);   /* the shared adjoint exists before the thread's sum */
    vec_push(&par.acc_sum, ir_new_var(NULL, ir_unique_name(g->fn, format("%s_bar_t", v->name)), ty_unconst(v->ty),
                                      VAR_TEMP, v->loc));
  }
  buffered_arrays(s, &par);
  owned_rows(s, &par);
  halo_arrays(g, s, &par);
  Vec arr_len = {0};   /* const char *: the extents, recorded by the forward sweep */
  for (int i = 0; i < par.arr.len; i++) {
    Var *v = par.arr.data[i];
    rev_bar_name(g, v);
    vec_push(&par.arr_buf, ir_new_var(NULL, ir_unique_name(g->fn, format("%s_bar_t", v->name)),
                                      ty_ptr_to(ty_unconst(ty_elem(v->ty))), VAR_TEMP, v->loc));
    const char *m = rev_record_var(g, "ext", "long");
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s = %s;\n", m, emit_expr(par.arr_len.data[i]));
    vec_push(&arr_len, (void *)m);
  }
  Expr *tape = g->tape;
  Expr *frees = g->frees;
  bool used_tape = g->used_tape, used_frees = g->used_frees, used_redo = g->used_redo;
  g->used_tape = g->used_frees = g->used_redo = false;
  g->tape = rev_tape_ref("_pt", false), g->frees = rev_tape_ref("_pf", false), g->par = &par;
  int nflags = g->flags.len;
  Buf bf = {0}, br = {0};
  Stmt *bfs = ir_block(s->loc), *brs = ir_block(s->loc);
  g->loop_depth++;
  rev_gen_block(g, s->body, bfs, brs);
  g->loop_depth--;
  rev_print(&bf, bfs, fi + 2);
  rev_print(&br, brs, ri + 3);
  g->par = NULL, g->tape = tape, g->frees = frees;
  bool btape = g->used_tape, bfrees = g->used_frees, bredo = g->used_redo;
  g->used_tape |= used_tape, g->used_frees = used_frees, g->used_redo |= used_redo;
  g->used_par_frees |= bfrees;
  for (int i = nflags; i < g->flags.len; i++) {
    /* records of the body's branches and loops: the thread's own */
    Var *v = arena_alloc(sizeof *v);
    v->name = ((Record *)g->flags.data[i])->name;
    vec_push(priv, v);
  }
  /* the last values of the chunk's private variables, for its reverse */
  Vec finals = {0};
  for (int i = 1; i < priv->len; i++) {
    Var *v = priv->data[i];
    if (v->ty && vec_has(assigned, v)) vec_push(&finals, v);
  }
  bool ptape = btape || finals.len > 0;
  g->used_par = true;

  /* the iteration space: _n iterations from _a by step */
  const char *n = rev_record_var(g, "n", "long");
  const char *nt = rev_record_var(g, "nt", "int");
  Expr *start = s->init->e->b;
  const char *a = emit_expr(start);
  if (start->kind != EX_NUM) {
    const char *av = rev_record_var(g, "a", T);
    emit_indent(fwd, fi);
    buf_printf(fwd, "%s = %s;\n", av, a);
    a = av;
  }   /* a literal start converts as it is */
  const char *b = in_type(emit_expr(bound), bound->ty, T);
  bool one = !strcmp(step, "1");
  const char *lo = up ? a : b, *hi = up ? b : a;   /* the span, hi - lo */
  const char *span = !strcmp(lo, "0") ? hi : format("%s - %s", hi, emit_paren(lo));
  const char *cnt;
  if (ck == EX_NE) cnt = one ? span : format("(%s) / %s", span, step);
  else if (ck == EX_LT || ck == EX_GT)
    cnt = format("%s %s %s ? %s : 0", lo, "<", hi, one ? span : format("(%s + %s - 1) / %s", span, step, step));
  else
    cnt = format("%s <= %s ? %s + 1 : 0", lo, hi, one ? span : format("(%s) / %s", span, step));
  emit_indent(fwd, fi);
  buf_printf(fwd, "%s = %s;\n", n, cnt);
  const char *dir = up ? "+" : "-";
  /* _lo and _hi: the counter at the chunk's first iteration and one past
   * its last, a + k * step (no "0 +") */
  const char *from = up && !strcmp(a, "0") ? "" : format("%s %s ", a, dir);
  const char *by = one ? "" : format(" * %s", step);
  const char *bounds_of = format("%s _lo = %s(%s)(%s * _c / %%s)%s, _hi = %s(%s)(%s * (_c + 1) / %%s)%s;\n",
                                 T, from, T, n, by, from, T, n, by);

  /* a reduction variable the reverse sweep reads elsewhere: its value before
   * the loop, put back after the loop's reverse (inside it, each thread's
   * partial sums come back from the tapes into its own copy) */
  Vec kept = {0}, kept_name = {0};
  for (int i = 0; i < o->red.len; i++) {
    Var *r = o->red.data[i];
    if (!r->rev_read) continue;
    vec_push(&kept, r);
    if (g->loop_depth > 0) {
      rev_push_text(g, fwd, fi, r->name, r->ty, s->loc);
      vec_push(&kept_name, NULL);
    } else {
      const char *k = rev_record_var(g, "red", emit_type(ty_unconst(r->ty)));
      emit_indent(fwd, fi);
      buf_printf(fwd, "%s = %s;\n", k, r->name);
      vec_push(&kept_name, (void *)k);
    }
  }

  /* forward: the private variables start from the values outside (which
   * nothing reads; they keep the tape free of undefined values) */
  Vec fpriv = {0}, first = {0};
  for (int i = 1; i < priv->len; i++) vec_push(&first, priv->data[i]);
  for (int i = 1; i < priv->len; i++) {
    Var *v = priv->data[i];
    if (v->bar && v->ty && ty_is_ptr(v->ty)) vec_push(&fpriv, v);   /* set by the forward sweep */
  }
  emit_indent(fwd, fi);
  buf_printf(fwd, "#pragma omp parallel num_threads(_par.n) private(%s)", iv->name);
  if (first.len) buf_printf(fwd, " firstprivate(%s", names(&first, false));
  if (fpriv.len) buf_printf(fwd, ", %s", names(&fpriv, true));
  if (first.len) buf_puts(fwd, ")");
  if (o->red.len) buf_printf(fwd, " reduction(+: %s)", names(&o->red, false));
  buf_puts(fwd, "\n");
  emit_indent(fwd, fi);
  buf_puts(fwd, "{\n");
  emit_indent(fwd, fi + 1);
  buf_puts(fwd, "int _c = omp_get_thread_num(), _nc = omp_get_num_threads();\n");
  if (ptape) {
    emit_indent(fwd, fi + 1);
    buf_puts(fwd, "gradc_tape *_pt = &_par.chunk[_c].tape;\n");
  }
  if (bfrees) {
    emit_indent(fwd, fi + 1);
    buf_puts(fwd, "gradc_tape *_pf = &_par.chunk[_c].frees;\n");
  }
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, bounds_of, "_nc", "_nc");
  emit_indent(fwd, fi + 1);
  buf_printf(fwd, "if (_c == 0) %s = _nc;\n", nt);
  emit_indent(fwd, fi + 1);
  if (one) buf_printf(fwd, "for (%s = _lo; %s %s _hi; %s%s) {\n", iv->name, iv->name, up ? "<" : ">", iv->name, up ? "++" : "--");
  else buf_printf(fwd, "for (%s = _lo; %s %s _hi; %s %s= %s) {\n", iv->name, iv->name, up ? "<" : ">", iv->name, dir, step);
  if (bf.data) buf_puts(fwd, bf.data);
  emit_indent(fwd, fi + 1);
  buf_puts(fwd, "}\n");
  Expr *saved_tape = g->tape;
  g->tape = rev_tape_ref("_pt", false);
  for (int i = 0; i < finals.len; i++) {
    Var *v = finals.data[i];
    rev_push_text(g, fwd, fi + 1, v->name, v->ty, s->loc);
    if (v->bar && ty_is_ptr(v->ty)) rev_push_text(g, fwd, fi + 1, v->bar->name, v->ty, s->loc);
  }
  emit_indent(fwd, fi);
  buf_puts(fwd, "}\n");
  g->tape = saved_tape;
  if (g->loop_depth > 0) {
    /* the loop runs again: its iteration space goes to the tape */
    rev_push_text(g, fwd, fi, n, ty_new(TY_INT, "long"), s->loc);
    rev_push_text(g, fwd, fi, nt, ty_int(), s->loc);
    if (start->kind != EX_NUM) rev_push_text(g, fwd, fi, a, iv->ty, s->loc);
    for (int i = 0; i < arr_len.len; i++) rev_push_text(g, fwd, fi, arr_len.data[i], ty_new(TY_INT, "long"), s->loc);
  }

  /* reverse */
  if (g->loop_depth > 0) {
    for (int i = arr_len.len - 1; i >= 0; i--) rev_pop_into(g, rev, ri, arr_len.data[i], ty_new(TY_INT, "long"), s->loc);
    if (start->kind != EX_NUM) rev_pop_into(g, rev, ri, a, iv->ty, s->loc);
    rev_pop_into(g, rev, ri, nt, ty_int(), s->loc);
    rev_pop_into(g, rev, ri, n, ty_new(TY_INT, "long"), s->loc);
  }
  /* reverse: user's firstprivate variables that the loop only reads keep
   * their values; the others come back from the tape */
  Vec rpriv = {0}, rfirst = {0}, rbars = {0};
  for (int i = 0; i < priv->len; i++) {
    Var *v = priv->data[i];
    vec_push(vec_has(&o->first, v) && !vec_has(assigned, v) ? &rfirst : &rpriv, v);
    if (v->bar && !vec_has(&o->first, v)) vec_push(&rbars, v);
  }
  for (int i = 0; i < kept.len; i++) vec_push(&rpriv, kept.data[i]);
  emit_indent(rev, ri);
  buf_printf(rev, "#pragma omp parallel num_threads(%s) private(%s", nt, names(&rpriv, false));
  if (rbars.len) buf_printf(rev, ", %s", names(&rbars, true));
  buf_puts(rev, ")");
  if (rfirst.len) buf_printf(rev, " firstprivate(%s)", names(&rfirst, false));
  buf_puts(rev, "\n");
  emit_indent(rev, ri);
  buf_puts(rev, "{\n");
  for (int i = 0; i < par.acc.len; i++) {
    emit_indent(rev, ri + 1);
    Var *t = par.acc_sum.data[i];
    buf_printf(rev, "%s;\n", emit_decl(t->ty, t->name));
  }
  for (int i = 0; i < par.arr.len; i++) {
    Var *bv = par.arr_buf.data[i];
    const char *buf = bv->name, *m = arr_len.data[i];
    emit_indent(rev, ri + 1);
    buf_printf(rev, "%s = calloc(%s > 0 ? (size_t)%s : 1, sizeof *%s);\n", emit_decl(bv->ty, buf), m, m, buf);
    emit_indent(rev, ri + 1);
    buf_printf(rev, "if (!%s) gradc_error(\"out of memory allocating an adjoint buffer\");\n", buf);
  }
  for (int i = 0; i < par.halo.len; i++) {
    emit_indent(rev, ri + 1);
    buf_printf(rev, "gradc_halo %s;\n", ((Halo *)par.halo.data[i])->side->name);
  }
  emit_indent(rev, ri + 1);
  buf_printf(rev, "for (int _c = omp_get_thread_num(); _c < %s; _c += omp_get_num_threads()) {\n", nt);
  if (ptape) {
    emit_indent(rev, ri + 2);
    buf_puts(rev, "gradc_tape *_pt = &_par.chunk[_c].tape;\n");
  }
  if (bredo) {
    emit_indent(rev, ri + 2);
    buf_puts(rev, "gradc_tape *_redo = &_par.chunk[_c].redo;\n");
  }
  emit_indent(rev, ri + 2);
  buf_printf(rev, bounds_of, nt, nt);
  g->tape = rev_tape_ref("_pt", false);
  for (int i = finals.len - 1; i >= 0; i--) {
    Var *v = finals.data[i];
    if (v->bar && ty_is_ptr(v->ty)) rev_pop_into(g, rev, ri + 2, v->bar->name, v->ty, s->loc);
    rev_pop_into(g, rev, ri + 2, v->name, v->ty, s->loc);
  }
  g->tape = saved_tape;
  for (int i = 0; i < rbars.len; i++) {
    Var *v = rbars.data[i];
    Type *t = ty_unconst(v->ty);
    if (ty_is_ptr(t) && t->kind == TY_PTR) continue;   /* set by the forward values */
    emit_indent(rev, ri + 2);
    const char *vb = v->bar->name;
    if (t->kind == TY_ARRAY) buf_printf(rev, "memset(%s, 0, sizeof %s);\n", vb, vb);
    else if (t->kind == TY_STRUCT) buf_printf(rev, "memset(&%s, 0, sizeof %s);\n", vb, vb);
    else buf_printf(rev, "%s = 0;\n", vb);
  }
  for (int i = 0; i < par.acc.len; i++) {
    emit_indent(rev, ri + 2);
    buf_printf(rev, "%s = 0;\n", ((Var *)par.acc_sum.data[i])->name);
  }
  for (int i = 0; i < par.halo.len; i++) {
    Halo *h = par.halo.data[i];
    emit_indent(rev, ri + 2);
    buf_printf(rev, "gradc_halo_start(&%s, %s, %s, %ld, %ld);\n", h->side->name, up ? "_lo" : "_hi + 1", up ? "_hi - 1" : "_lo",
               h->cmin, h->cmax);
  }
  for (int i = 0; i < par.arr.len; i++) {
    emit_indent(rev, ri + 2);
    buf_printf(rev, "if (%s > 0) memset(%s, 0, (size_t)%s * sizeof *%s);\n", (char *)arr_len.data[i],
               ((Var *)par.arr_buf.data[i])->name, (char *)arr_len.data[i], ((Var *)par.arr_buf.data[i])->name);
  }
  emit_indent(rev, ri + 2);
  if (one)
    buf_printf(rev, "for (%s = _hi; %s%s %s _lo;) {\n", iv->name, iv->name, up ? "--" : "++", up ? ">" : "<");
  else
    buf_printf(rev, "for (%s = _hi; %s != _lo;) {\n", iv->name, iv->name);
  if (!one) {
    emit_indent(rev, ri + 3);
    buf_printf(rev, "%s %s= %s;\n", iv->name, up ? "-" : "+", step);
  }
  if (br.data) buf_puts(rev, br.data);
  emit_indent(rev, ri + 2);
  buf_puts(rev, "}\n");
  for (int i = 0; i < par.acc.len; i++) {
    Var *v = par.acc.data[i];
    emit_indent(rev, ri + 2);
    buf_puts(rev, "#pragma omp atomic\n");
    emit_indent(rev, ri + 2);
    buf_printf(rev, "%s += %s;\n", rev_shadow(g, ir_var(v, s->loc)), ((Var *)par.acc_sum.data[i])->name);
  }
  for (int i = 0; i < par.halo.len; i++) {
    Halo *h = par.halo.data[i];
    emit_indent(rev, ri + 2);
    buf_printf(rev, "for (int _k = 0; _k < 2 * GRADC_HALO_MAX; _k++)\n");
    emit_indent(rev, ri + 3);
    buf_printf(rev, "if (%s.side[_k] != 0) {\n", h->side->name);
    emit_indent(rev, ri + 4);
    buf_puts(rev, "#pragma omp atomic\n");
    emit_indent(rev, ri + 4);
    buf_printf(rev, "%s[gradc_halo_at(&%s, _k)] += %s.side[_k];\n", emit_postfix(rev_shadow_ptr(g, ir_var(h->v, s->loc))),
               h->side->name, h->side->name);
    emit_indent(rev, ri + 3);
    buf_puts(rev, "}\n");
  }
  for (int i = 0; i < par.arr.len; i++) {
    Var *v = par.arr.data[i];
    emit_indent(rev, ri + 2);
    buf_printf(rev, "for (long _k = 0; _k < %s; _k++) {\n", (char *)arr_len.data[i]);
    emit_indent(rev, ri + 3);
    buf_puts(rev, "#pragma omp atomic\n");
    emit_indent(rev, ri + 3);
    buf_printf(rev, "%s[_k] += %s[_k];\n", emit_postfix(rev_shadow_ptr(g, ir_var(v, s->loc))), ((Var *)par.arr_buf.data[i])->name);
    emit_indent(rev, ri + 2);
    buf_puts(rev, "}\n");
  }
  emit_indent(rev, ri + 1);
  buf_puts(rev, "}\n");
  for (int i = 0; i < par.arr.len; i++) {
    emit_indent(rev, ri + 1);
    buf_printf(rev, "free(%s);\n", ((Var *)par.arr_buf.data[i])->name);
  }
  emit_indent(rev, ri);
  buf_puts(rev, "}\n");
  if (bredo) {
    g->used_redo = true;
    emit_indent(rev, ri);
    buf_puts(rev, "gradc_par_redo(&_par, _redo);\n");
  }
  for (int i = kept.len - 1; i >= 0; i--) {
    Var *r = kept.data[i];
    if (kept_name.data[i]) {
      emit_indent(rev, ri);
      buf_printf(rev, "%s = %s;\n", r->name, (char *)kept_name.data[i]);
    } else {
      rev_pop_into(g, rev, ri, r->name, r->ty, s->loc);
    }
  }
  buf_free(&bf), buf_free(&br);
}

void rev_par_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R) {
  Buf fwd = {0}, rev = {0};
  par_loop(g, s, &fwd, 0, &rev, 0);
  rev_text_stmt(F, &fwd, s->loc);
  rev_text_stmt(R, &rev, s->loc);
}
