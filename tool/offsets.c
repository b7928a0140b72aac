/* offsets.c: a pointer that walks one fixed array becomes an offset into it
 * (after inline.c, before fuse.c).
 *
 * ADBench's Qtimesx walks the strictly lower triangle with a pointer:
 *
 *   L = &icf[ik * icf_sz + d]; ... out[j] = out[j] + *L * x[i]; L = L + 1;
 *
 * Differentiated as it is, the forward sweep steps a shadow pointer L_bar
 * beside L in the innermost loop, and both go to the tape. As an offset
 * into icf,
 *
 *   L = ik * icf_sz + d; ... out[j] = out[j] + icf[L] * x[i]; L = L + 1;
 *
 * the reverse adds into icf_bar[L] and steps an integer back, as a
 * hand-written adjoint indexes (8% of ADBench GMM's gradient). The same
 * memory is read and written: the values are the same to the last bit.
 * For a local pointer L and an array P, when
 *   - every assignment of L is a statement (or a loop's increment) of the
 *     form L = P + e, L = e + P, L = &P[e], L = P, or a step L = L + k or
 *     L = L - k (e, k integers that do not name L), with the same P;
 *   - everywhere else L is read as *L or L[e];
 *   - L's address is never taken and no declaration initialises it;
 *   - P is a parameter the function never assigns nor takes the address
 *     of, or a local array; of L's element type (const aside);
 * L becomes a long, *L becomes P[L] and L[e] becomes P[L + e]. */
#include "tool.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct Walk {
  Var *l, *p;
  Type *elem;            /* L's element type */
  int covered;           /* mentions of L in the forms above */
  bool ok;
} Walk;

/* e is P (through casts to pointers to the same element type) */
static Var *base_of(Expr *e, Type *elem) {
  while (e->kind == EX_CAST && ty_is_ptr(e->ty) && ty_same(ty_elem(e->ty), elem)) e = e->a;
  return e->kind == EX_VAR && ty_is_ptr(e->ty) ? e->var : NULL;
}

/* the offset of P + e, e + P, &P[e] or P: e (or NULL, P alone); sets *p */
static bool offset_form(Expr *r, Type *elem, Var **p, Expr **off) {
  *off = NULL;
  if (r->kind == EX_ADDR && r->a->kind == EX_INDEX && ty_is_int(r->a->b->ty)) {
    *off = r->a->b;
    return (*p = base_of(r->a->a, elem)) != NULL;
  }
  if (r->kind == EX_ADD && ty_is_ptr(r->ty)) {
    if (ty_is_int(r->b->ty) && (*p = base_of(r->a, elem))) return *off = r->b, true;
    if (ty_is_int(r->a->ty) && (*p = base_of(r->b, elem))) return *off = r->a, true;
    return false;
  }
  return (*p = base_of(r, elem)) != NULL;
}

/* L = L + k or L - k */
static bool step_form(Expr *r, Var *l) {
  return (r->kind == EX_ADD || r->kind == EX_SUB) && ir_is_var(r->a, l) && r->a->kind == EX_VAR &&
         ty_is_int(r->b->ty) && !ir_expr_mentions(r->b, l);
}

/* an assignment of L in a statement's own place */
static void check_assign(Walk *w, Expr *e) {
  if (!e || e->kind != EX_ASSIGN || e->op || e->a->kind != EX_VAR || e->a->var != w->l) return;
  Expr *r = e->b, *off;
  Var *p;
  if (step_form(r, w->l)) {
    w->covered += 2;
    return;
  }
  if (!offset_form(r, w->elem, &p, &off) || p == w->l || (off && ir_expr_mentions(off, w->l)) ||
      (w->p && w->p != p)) {
    w->ok = false;
    return;
  }
  w->p = p;
  w->covered++;
}

static void check_stmt(Walk *w, Stmt *s) {
  if (!s || !w->ok) return;
  if (s->kind == ST_DECL && s->var == w->l && s->e) w->ok = false;
  if (s->kind == ST_EXPR) check_assign(w, s->e);
  if (s->kind == ST_FOR) check_assign(w, s->inc);
  for (int i = 0; i < s->kids.len; i++) check_stmt(w, s->kids.data[i]);
  check_stmt(w, s->init), check_stmt(w, s->body), check_stmt(w, s->els);
}

/* *L and L[e] */
static bool count_reads(Expr *e, void *ud) {
  Walk *w = ud;
  if ((e->kind == EX_DEREF || e->kind == EX_INDEX) && e->a->kind == EX_VAR && e->a->var == w->l) w->covered++;
  return false;
}

/* sizeof keeps its source text (inline.c): one naming L stays a pointer */
static bool sizeof_names(Expr *e, void *ud) {
  Var *l = ud;
  if (e->kind != EX_SIZEOF || !e->text) return false;
  size_t n = strlen(l->name);
  for (const char *p = strstr(e->text, l->name); p; p = strstr(p + 1, l->name))
    if ((p == e->text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) && !(isalnum((unsigned char)p[n]) || p[n] == '_'))
      return true;
  return false;
}

static bool sets_var(Expr *e, void *ud) {
  Expr *l = ir_written(e);
  return l && l->kind == EX_VAR && l->var == ud;
}

static bool fixed_array(Func *fn, Var *p) {
  if (p->is_static) return false;
  if (p->kind == VAR_LOCAL && p->ty->kind == TY_ARRAY) return true;
  return p->kind == VAR_PARAM && !ir_stmt_any(fn->body, sets_var, p) && !ir_takes_address(fn->body, p);
}

/* ---- the rewrite ---------------------------------------------------------- */

static void rewrite_expr(Walk *w, Expr *e) {
  if (!e) return;
  rewrite_expr(w, e->a), rewrite_expr(w, e->b), rewrite_expr(w, e->c);
  for (int i = 0; i < e->nargs; i++) rewrite_expr(w, e->args[i]);
  if (e->kind == EX_VAR && e->var == w->l) {
    e->ty = w->l->ty;
  } else if (e->kind == EX_DEREF && e->a->kind == EX_VAR && e->a->var == w->l) {   /* *L: P[L] */
    e->kind = EX_INDEX;
    e->b = e->a;
    e->a = ir_var(w->p, e->loc);
  } else if (e->kind == EX_INDEX && e->a->kind == EX_VAR && e->a->var == w->l) {   /* L[i]: P[L + i] */
    e->b = ir_binary(EX_ADD, e->a, e->b, w->l->ty, e->loc);
    e->a = ir_var(w->p, e->loc);
  } else if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR && e->a->var == w->l) {
    Expr *r = e->b, *off;
    Var *p;
    e->ty = w->l->ty;
    if (step_form(r, w->l)) r->ty = w->l->ty;
    else if (offset_form(r, w->elem, &p, &off)) e->b = off ? off : ir_num("0", w->l->ty, e->loc);
  }
}

static void rewrite_stmt(Walk *w, Stmt *s) {
  if (!s) return;
  rewrite_expr(w, s->e), rewrite_expr(w, s->inc);
  for (int i = 0; i < s->kids.len; i++) rewrite_stmt(w, s->kids.data[i]);
  rewrite_stmt(w, s->init), rewrite_stmt(w, s->body), rewrite_stmt(w, s->els);
}

static void walk_var(Func *fn, Var *l) {
  if ((l->kind != VAR_LOCAL && l->kind != VAR_TEMP) || l->is_static || l->ty->kind != TY_PTR) return;
  Type *elem = ty_elem(l->ty);
  if (!elem || elem->kind == TY_VOID || elem->kind == TY_FUNC || ir_takes_address(fn->body, l) || ir_stmt_any(fn->body, sizeof_names, l)) return;
  Walk w = {.l = l, .elem = elem, .ok = true};
  check_stmt(&w, fn->body);
  if (!w.ok || !w.p || !fixed_array(fn, w.p) || !ty_same(ty_elem(w.p->ty), elem)) return;
  ir_stmt_any(fn->body, count_reads, &w);
  if (w.covered != ir_count_mentions(fn->body, l)) return;   /* L read another way */
  l->ty = ty_long();
  rewrite_stmt(&w, fn->body);
}

void walk_offsets(Func *fn) {
  if (getenv("GRADC_NO_OFFSETS")) return;
  for (int i = 0; i < fn->locals.len; i++) walk_var(fn, fn->locals.data[i]);
}
