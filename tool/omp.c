/* omp.c: what both modes need to know of a parallel loop ('#pragma omp
 * parallel for', read by parse.c into the loop's Omp): its canonical form,
 * which variables each thread keeps a copy of, and what would race.
 *
 * Lowering hoists the body's locals to the function, so a variable's place
 * in the source says whether it is private: those declared before the loop
 * (Omp.outer) are shared unless a clause names them; a variable the loop
 * assigns that is declared in it (or made by gradc for it) is private; a
 * shared one it assigns is a data race, refused. */

#include "tool.h"

#include <string.h>

/* ---- what the loop reads and writes ------------------------------------- */

static void scan_expr(OmpLoop *pr, Expr *e) {
  if (!e) return;
  if (e->kind == EX_INDEX && e->a->kind == EX_VAR && e->b->kind == EX_VAR && e->b->var == pr->iv) {
    vec_add_once(&pr->indexed, e->a->var);
    return;
  }
  if (e->kind == EX_VAR) {
    vec_add_once(&pr->other, e->var);
    return;
  }
  if (e->kind == EX_ASSIGN && e->a->kind == EX_VAR && ty_is_ptr(e->a->ty))
    vec_add_once(ir_alloc_call(e->b) ? &pr->fresh : &pr->reseated, e->a->var);
  if (e->kind == EX_ASSIGN) {
    /* v = ..., and v[k] = ... or v.f = ... in an array or struct variable
     * (a part: the loop shares it when it is declared before) */
    Var *b = ir_base_var(e->a);
    if (b && (e->a->kind == EX_VAR || b->ty->kind == TY_ARRAY || b->ty->kind == TY_STRUCT)) vec_add_once(&pr->assigned, b);
    if (e->a->kind == EX_VAR) vec_add_once(&pr->whole, b);
  }
  if (e->kind == EX_ADDR) {
    /* &v, &v[k], &v.f: v may change through the pointer; &a[i] lets the
     * element be reached otherwise */
    Var *b = ir_base_var(e->a);
    if (b && b->ty->kind != TY_PTR) vec_add_once(&pr->assigned, b);
    if (b && e->a->kind == EX_VAR && b->ty->kind != TY_ARRAY) vec_add_once(&pr->whole, b);
    if (b) vec_add_once(&pr->other, b);
  }
  scan_expr(pr, e->a), scan_expr(pr, e->b), scan_expr(pr, e->c);
  for (int i = 0; i < e->nargs; i++) scan_expr(pr, e->args[i]);
}

static void scan_stmt(OmpLoop *pr, Stmt *s) {
  if (!s) return;
  scan_expr(pr, s->e), scan_expr(pr, s->inc);
  scan_stmt(pr, s->init), scan_stmt(pr, s->body), scan_stmt(pr, s->els);
  for (int i = 0; i < s->kids.len; i++) scan_stmt(pr, s->kids.data[i]);
}

/* A reduction variable may appear only in r = r + e and r = r - e with e
 * free of r: then the loop's adjoint reads r's adjoint and nothing else. */
static bool reduction_ok(Stmt *s, Var *r) {
  if (!s) return true;
  if (s->kind == ST_EXPR && s->e && ir_expr_mentions(s->e, r)) {
    Expr *e = s->e;
    return e->kind == EX_ASSIGN && e->a->kind == EX_VAR && e->a->var == r &&
           (e->b->kind == EX_ADD || e->b->kind == EX_SUB) && e->b->a->kind == EX_VAR && e->b->a->var == r &&
           !ir_expr_mentions(e->b->b, r);
  }
  if (s->kind != ST_EXPR && (ir_expr_mentions(s->e, r) || ir_expr_mentions(s->inc, r))) return false;
  if (!reduction_ok(s->init, r) || !reduction_ok(s->body, r) || !reduction_ok(s->els, r)) return false;
  for (int i = 0; i < s->kids.len; i++)
    if (!reduction_ok(s->kids.data[i], r)) return false;
  return true;
}

/* Sorts the loop's variables into private and shared ones, and refuses
 * writes that would race. */
static bool classify(Stmt *s, OmpLoop *pr) {
  Omp *o = s->omp;
  scan_stmt(pr, s->body);
  vec_push(&pr->priv, pr->iv);
  for (int i = 0; i < o->priv.len; i++) vec_add_once(&pr->priv, o->priv.data[i]);
  for (int i = 0; i < o->first.len; i++) vec_add_once(&pr->priv, o->first.data[i]);
  bool ok = true;
  for (int i = 0; i < pr->assigned.len; i++) {
    Var *v = pr->assigned.data[i];
    if (v == pr->iv || vec_has(&o->red, v) || vec_has(&pr->priv, v)) continue;
    if (v->kind == VAR_GLOBAL || vec_has(&o->outer, v)) {
      if (!vec_has(&pr->whole, v)) continue;   /* elements of a shared array: shared memory */
      diag_error(o->loc, "'%s' is shared by the threads of this parallel loop and assigned in it (a data "
                 "race): declare it inside the loop, or name it in private(...) or reduction(+:...)", v->name);
      ok = false;
      continue;
    }
    vec_push(&pr->priv, v);   /* declared in the loop (or made by gradc for it) */
  }
  for (int i = 0; i < o->red.len; i++) {
    Var *r = o->red.data[i];
    if (!reduction_ok(s->body, r)) {
      diag_error(o->loc, "gradc differentiates reduction(+:%s) when the loop only adds to '%s' "
                 "(%s += e, with e free of %s)", r->name, r->name, r->name, r->name);
      ok = false;
    }
  }
  return ok;
}

/* The canonical form OpenMP asks of the loop: for (i = a; i < b; i += c),
 * an integer counter, a constant step, a bound free of side effects (b > i,
 * <=, >=, != and downward steps too). */
static bool canonical(Stmt *s, OmpLoop *l) {
  Var *iv = ir_counted_loop(s, &l->step, &l->up);
  Expr *c = s->e;
  ExprKind ck = c ? c->kind : EX_NUM;
  if (!iv || !(ck == EX_LT || ck == EX_LE || ck == EX_GT || ck == EX_GE || ck == EX_NE)) return false;
  if (c->a->kind == EX_VAR && c->a->var == iv && !ir_expr_mentions(c->b, iv)) {
    l->bound = c->b;
  } else if (c->b->kind == EX_VAR && c->b->var == iv && !ir_expr_mentions(c->a, iv)) {
    l->bound = c->a;   /* b > i is i < b */
    ck = ck == EX_LT ? EX_GT : ck == EX_LE ? EX_GE : ck == EX_GT ? EX_LT : ck == EX_GE ? EX_LE : ck;
  } else {
    return false;
  }
  l->iv = iv;
  l->cmp = ck;
  return !ir_has_side_effects(l->bound) && !ty_is_ptr(iv->ty) &&
         (l->up ? ck == EX_LT || ck == EX_LE || ck == EX_NE : ck == EX_GT || ck == EX_GE || ck == EX_NE);
}

bool omp_analyze(Stmt *s, OmpLoop *l) {
  *l = (OmpLoop){.o = s->omp};
  if (!canonical(s, l)) {
    diag_error(s->omp->loc, "gradc differentiates parallel loops of OpenMP's canonical form: for (i = a; "
               "i < b; i += c) with an integer counter, a constant step, and a bound the loop does not change");
    return false;
  }
  return classify(s, l);
}

/* "v, w" for vars, each followed by also(v) when that is not NULL */
static const char *list(Vec *vars, const char *(*also)(Var *v)) {
  Buf b = {0};
  for (int i = 0; i < vars->len; i++) {
    Var *v = vars->data[i];
    const char *x = also ? also(v) : NULL;
    buf_printf(&b, "%s%s", b.len ? ", " : "", v->name);
    if (x) buf_printf(&b, ", %s", x);
  }
  const char *t = b.data ? arena_strdup(b.data) : "";
  buf_free(&b);
  return t;
}

const char *omp_clause_text(OmpLoop *l, const char *(*also)(Var *v)) {
  Vec priv = {0}, first = {0};
  for (int i = 0; i < l->priv.len; i++) vec_push(vec_has(&l->o->first, l->priv.data[i]) ? &first : &priv, l->priv.data[i]);
  const char *t = format(" private(%s)", list(&priv, also));
  if (first.len) t = format("%s firstprivate(%s)", t, list(&first, also));
  if (l->o->red.len) t = format("%s reduction(+: %s)", t, list(&l->o->red, also));
  return t;
}

/* the shadow of a pointer, which the primal runs of a checkpointed loop set */
static const char *pointer_shadow(Var *v) { return v->bar && ty_is_ptr(v->ty) ? v->bar->name : NULL; }

const char *omp_primal_clauses(Stmt *s) {
  OmpLoop l;
  int errors = diag_errors();
  if (!omp_analyze(s, &l) || diag_errors() > errors) return NULL;
  return omp_clause_text(&l, pointer_shadow);
}
