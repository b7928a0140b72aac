/* ir.c: constructors and queries of the IR, and its dump (--dump=ir).
 *
 * The IR mirrors C closely (see tool.h): expressions keep their C operators and
 * types, statements keep their structure. Passes rewrite it in place; the
 * arena owns every node.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

/* ---- types ---------------------------------------------------------------- */

bool ty_is_float(const Type *t) {
  return t && (t->kind == TY_FLOAT || t->kind == TY_DOUBLE || t->kind == TY_LDOUBLE);
}

bool ty_is_int(const Type *t) { return t && t->kind == TY_INT; }

bool ty_is_ptr(const Type *t) { return t && (t->kind == TY_PTR || t->kind == TY_ARRAY); }

Type *ty_elem(const Type *t) { return ty_is_ptr(t) ? t->base : NULL; }

/* Whether a value of type t can hold a floating value that may carry a
 * derivative: a floating scalar, or memory or members reaching one. */
bool ty_has_float(const Type *t) {
  if (!t) return false;
  switch (t->kind) {
  case TY_FLOAT: case TY_DOUBLE: case TY_LDOUBLE: return true;
  case TY_PTR: case TY_ARRAY: return ty_has_float(t->base);
  case TY_STRUCT: case TY_UNION:
    for (int i = 0; i < t->nfields; i++)
      if (ty_has_float(t->fields[i].ty)) return true;
    return false;
  default: return false;
  }
}

Type *ty_new(TypeKind kind, const char *spell) {
  Type *t = arena_alloc(sizeof *t);
  t->kind = kind;
  t->spell = spell;
  t->len = -1;
  return t;
}

bool ty_same(const Type *a, const Type *b) {
  for (; a && b; a = a->base, b = b->base) {
    if (a->kind != b->kind || a->len != b->len || (a->spell == NULL) != (b->spell == NULL) ||
        (a->spell && strcmp(a->spell, b->spell)))
      return false;
    if (a->kind == TY_FUNC) return a == b;
  }
  return a == b;
}

Type *ty_long(void) { return ty_new(TY_INT, "long"); }
Type *ty_size(void) { return ty_new(TY_INT, "size_t"); }
Type *ty_named(const char *name) { return ty_new(TY_OTHER, name); }

Type *ty_ptr_to(Type *base) {
  Type *t = ty_new(TY_PTR, NULL);
  t->base = base;
  return t;
}

/* A copy of t for a variable the generated code assigns: const dropped at
 * the top and through array levels (the elements of a const array are
 * const too); what pointers point to keeps its const. */
Type *ty_unconst(Type *t) {
  if (!t) return t;
  if (!t->is_const && t->kind != TY_ARRAY) return t;
  Type *c = arena_alloc(sizeof *c);
  *c = *t;
  c->is_const = false;
  if (c->kind == TY_ARRAY) c->base = ty_unconst(c->base);
  return c;
}

Type *ty_double(void) { return ty_new(TY_DOUBLE, "double"); }
Type *ty_int(void) { return ty_new(TY_INT, "int"); }

Field *ty_field(const Type *t, const char *name) {
  for (int i = 0; t && i < t->nfields; i++)
    if (!strcmp(t->fields[i].name, name)) return &t->fields[i];
  return NULL;
}

const char *ty_name(const Type *t) { return emit_type((Type *)t); }

/* ---- variables, expressions, statements ---------------------------------- */

Var *ir_new_var(Func *fn, const char *name, Type *ty, VarKind kind, Loc loc) {
  Var *v = arena_alloc(sizeof *v);
  v->name = name;
  v->ty = ty;
  v->kind = kind;
  v->loc = loc;
  if (fn && kind != VAR_PARAM && kind != VAR_GLOBAL) vec_push(&fn->locals, v);
  return v;
}

static bool name_taken(Func *fn, const char *name) {
  for (int i = 0; i < fn->params.len; i++)
    if (!strcmp(((Var *)fn->params.data[i])->name, name)) return true;
  for (int i = 0; i < fn->locals.len; i++)
    if (!strcmp(((Var *)fn->locals.data[i])->name, name)) return true;
  return false;
}

/* A name based on `base` that no variable of fn uses yet. */
const char *ir_unique_name(Func *fn, const char *base) {
  if (!name_taken(fn, base)) return base;
  for (int i = 1;; i++) {
    const char *s = format("%s%d", base, i);
    if (!name_taken(fn, s)) return s;
  }
}

/* Temporaries are numbered per function (_t0, _t1, ...) so that output is
 * byte-identical from run to run. */
Var *ir_new_temp(Func *fn, const char *base, Type *ty) {
  const char *name = ir_unique_name(fn, format("_%s%d", base, fn->ntemps++));
  return ir_new_var(fn, name, ty, VAR_TEMP, fn->loc);
}

Expr *ir_new_expr(ExprKind kind, Type *ty, Loc loc) {
  Expr *e = arena_alloc(sizeof *e);
  e->kind = kind;
  e->ty = ty;
  e->loc = loc;
  return e;
}

Expr *ir_var(Var *v, Loc loc) {
  Expr *e = ir_new_expr(EX_VAR, v->ty, loc);
  e->var = v;
  return e;
}

Expr *ir_num(const char *text, Type *ty, Loc loc) {
  Expr *e = ir_new_expr(EX_NUM, ty, loc);
  e->text = text;
  return e;
}

Expr *ir_binary(ExprKind kind, Expr *a, Expr *b, Type *ty, Loc loc) {
  Expr *e = ir_new_expr(kind, ty, loc);
  e->a = a, e->b = b;
  return e;
}

Expr *ir_call(const char *name, Type *ty, Loc loc, Expr **args, int n) {
  Expr *c = ir_new_expr(EX_CALL, ty, loc);
  c->text = name;
  c->callee_known = true;
  c->nargs = n;
  c->args = arena_alloc(sizeof(Expr *) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) c->args[i] = args[i];
  return c;
}

Expr *ir_unary(ExprKind kind, Expr *a, Type *ty) {
  Expr *e = ir_new_expr(kind, ty, a->loc);
  e->a = a;
  return e;
}

Expr *ir_cond(Expr *c, Expr *a, Expr *b, Type *ty) {
  Expr *e = ir_new_expr(EX_COND, ty, c->loc);
  e->a = c, e->b = a, e->c = b;
  return e;
}

/* a * b, without a factor 1 */
Expr *ir_mul(Expr *a, Expr *b, Type *ty) {
  return ir_is_one(a) ? b : ir_is_one(b) ? a : ir_binary(EX_MUL, a, b, ty, a->loc);
}

Stmt *ir_expr_stmt(Expr *e, Loc loc) {
  Stmt *s = ir_new_stmt(ST_EXPR, loc);
  s->e = e;
  return s;
}

Stmt *ir_new_stmt(StmtKind kind, Loc loc) {
  Stmt *s = arena_alloc(sizeof *s);
  s->kind = kind;
  s->loc = loc;
  return s;
}

Stmt *ir_assign(Expr *lhs, Expr *rhs, Loc loc) {
  Expr *e = ir_new_expr(EX_ASSIGN, lhs->ty, loc);
  e->a = lhs, e->b = rhs;
  Stmt *s = ir_new_stmt(ST_EXPR, loc);
  s->e = e;
  return s;
}

Stmt *ir_block(Loc loc) { return ir_new_stmt(ST_BLOCK, loc); }

Stmt *ir_comment(Loc loc, const char *text) {
  Stmt *c = ir_new_stmt(ST_NOP, loc);
  c->comment = text;
  return c;
}

Stmt *ir_if(Expr *c, Stmt *then, Stmt *els) {
  Stmt *s = ir_new_stmt(ST_IF, then->loc);
  s->e = c, s->body = then, s->els = els;
  return s;
}

Stmt *ir_loop(StmtKind kind, Stmt *init, Expr *cond, Expr *inc, Stmt *body, Loc loc) {
  Stmt *l = ir_new_stmt(kind, loc);
  l->init = init, l->e = cond, l->inc = inc, l->body = body;
  return l;
}

Stmt *ir_decl(Var *v, Expr *init) {
  Stmt *d = ir_new_stmt(ST_DECL, v->loc);
  d->var = v, d->e = init;
  return d;
}

Expr *ir_member(Expr *base, const char *name, Type *ty) {
  Expr *m = ir_new_expr(EX_MEMBER, ty, base->loc);
  m->a = base, m->text = name;
  return m;
}

Func *ir_find_func(Program *p, const char *name) {
  for (int i = 0; i < p->funcs.len; i++) {
    Func *f = p->funcs.data[i];
    if (!strcmp(f->name, name)) return f;
  }
  return NULL;
}

bool ir_is_binary(ExprKind k) { return k >= EX_ADD && k <= EX_COMMA; }
bool ir_is_unary(ExprKind k) { return k >= EX_NEG && k <= EX_POSTDEC; }

bool ir_is_lvalue(const Expr *e) {
  switch (e->kind) {
  case EX_VAR: case EX_INDEX: case EX_DEREF: return true;
  case EX_MEMBER: return e->arrow || ir_is_lvalue(e->a);
  default: return false;
  }
}

Var *ir_base_var(const Expr *e) {
  switch (e->kind) {
  case EX_VAR: return e->var;
  case EX_INDEX: case EX_DEREF: case EX_MEMBER: case EX_ADDR: return ir_base_var(e->a);
  case EX_ADD: case EX_SUB:     /* p + k */
    if (ty_is_ptr(e->ty)) return ty_is_ptr(e->a->ty) ? ir_base_var(e->a) : ir_base_var(e->b);
    return NULL;
  case EX_CAST: return ty_is_ptr(e->ty) ? ir_base_var(e->a) : NULL;
  default: return NULL;
  }
}

/* Every variable whose memory the pointer expression e may address:
 * through ?:, casts, p + k and &v. */
void ir_ptr_bases(const Expr *e, Vec *out) {
  if (!e) return;
  if (e->kind == EX_COND) {
    ir_ptr_bases(e->b, out);
    ir_ptr_bases(e->c, out);
    return;
  }
  if (e->kind == EX_CAST) { ir_ptr_bases(e->a, out); return; }
  if ((e->kind == EX_ADD || e->kind == EX_SUB) && ty_is_ptr(e->ty)) {
    ir_ptr_bases(ty_is_ptr(e->a->ty) ? e->a : e->b, out);
    return;
  }
  Var *v = ir_base_var(e);
  if (v) vec_push(out, v);
}

bool ir_reads_memory(const Expr *e) {
  if (!e) return false;
  if (e->kind == EX_INDEX || e->kind == EX_DEREF || (e->kind == EX_MEMBER && e->arrow))
    return true;
  if (e->kind == EX_CALL) return true;
  for (int i = 0; i < e->nargs; i++)
    if (ir_reads_memory(e->args[i])) return true;
  return ir_reads_memory(e->a) || ir_reads_memory(e->b) || ir_reads_memory(e->c);
}

bool ir_is_stop(const Expr *e) {
  return e->kind == EX_CALL && e->callee_known && e->text &&
         (!strcmp(e->text, "gradc_stop_gradient") || !strcmp(e->text, "gradc_stop_gradientf"));
}

bool ir_has_side_effects(const Expr *e) {
  if (!e) return false;
  if (ir_is_stop(e)) return ir_has_side_effects(e->args[0]);
  switch (e->kind) {
  case EX_ASSIGN: case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC:
    return true;
  case EX_CALL:
    if (!e->rule) return true;
    break;
  default: break;
  }
  for (int i = 0; i < e->nargs; i++)
    if (ir_has_side_effects(e->args[i])) return true;
  return ir_has_side_effects(e->a) || ir_has_side_effects(e->b) || ir_has_side_effects(e->c);
}

Expr *ir_written(const Expr *e) {
  switch (e->kind) {
  case EX_ASSIGN: case EX_PREINC: case EX_PREDEC: case EX_POSTINC: case EX_POSTDEC: return e->a;
  default: return NULL;
  }
}

/* a literal 1 (1, 1.0, 1.0f, (double)1): a factor that changes nothing,
 * not even a NaN, an infinity or the sign of a zero */
bool ir_is_one(const Expr *e) {
  e = ir_uncast(e);
  return e->kind == EX_NUM && strtod(e->text, NULL) == 1.0;
}

Expr *ir_uncast(const Expr *e) {
  while (e->kind == EX_CAST) e = e->a;
  return (Expr *)e;
}

/* for (i = a; cond; i = i + c) or i - c, with c a nonzero number and a body
 * that leaves i alone: returns i (and the step), else NULL. */
Var *ir_counted_loop(Stmt *s, const char **step, bool *up) {
  if (s->kind != ST_FOR || !s->init || !s->inc || s->init->kind != ST_EXPR) return NULL;
  Expr *init = s->init->e, *inc = s->inc;
  if (init->kind != EX_ASSIGN || init->a->kind != EX_VAR || !ty_is_int(init->a->ty)) return NULL;
  Var *v = init->a->var;
  if (inc->kind != EX_ASSIGN || inc->a->kind != EX_VAR || inc->a->var != v) return NULL;
  Expr *r = inc->b;
  if ((r->kind != EX_ADD && r->kind != EX_SUB) || r->a->kind != EX_VAR || r->a->var != v ||
      r->b->kind != EX_NUM || !strcmp(r->b->text, "0") || ir_assigns(s->body, v))
    return NULL;
  if (step) *step = r->b->text;
  if (up) *up = r->kind == EX_ADD;
  return v;
}

/* for (c = first; c < bound; c++): c, else NULL */
Var *ir_up_loop(Stmt *l, Expr **first, Expr **bound) {
  const char *step;
  bool up;
  Var *c = ir_counted_loop(l, &step, &up);
  if (!c || !up || strcmp(step, "1") || !l->e || l->e->kind != EX_LT) return NULL;
  Expr *a = ir_uncast(l->e->a);
  if (a->kind != EX_VAR || a->var != c) return NULL;
  if (first) *first = l->init->e->b;
  if (bound) *bound = l->e->b;
  return c;
}

/* k when e is an integer literal k >= 0 (casts aside) that fits a pointer
 * difference, else -1 */
long ir_lit_int(const Expr *e) {
  e = ir_uncast(e);
  if (e->kind != EX_NUM || e->text[0] < '0' || e->text[0] > '9' || strpbrk(e->text, ".eExXpP")) return -1;
  char *end;
  long k = strtol(e->text, &end, e->text[0] == '0' && e->text[1] ? 8 : 10);
  while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L') end++;
  return !*end && k >= 0 && k < 1L << 30 ? k : -1;
}

/* e >= 0 where st runs: literals, and counters of loops around st that
 * first at such a value and count up */
bool ir_nonneg(Expr *e, Stmt *st) {
  e = ir_uncast(e);
  switch (e->kind) {
  case EX_NUM: return e->text[0] >= '0' && e->text[0] <= '9' && !strpbrk(e->text, ".eExXpP");
  case EX_ADD: case EX_MUL: return ir_nonneg(e->a, st) && ir_nonneg(e->b, st);
  case EX_VAR:
    for (Stmt *l = st->loop; l; l = l->loop) {
      Expr *first = NULL;
      if (ir_up_loop(l, &first, NULL) == e->var) return ir_nonneg(first, l);
    }
    return false;
  default: return false;
  }
}

/* k is for (c = 0; c < n; c++) { ... v[c] = e; ... }, the fill a statement
 * of the body itself: n, else NULL */
Expr *ir_fill_bound(Stmt *k, Var *v) {
  Expr *first = NULL, *bound = NULL;
  Var *c = k->kind == ST_FOR ? ir_up_loop(k, &first, &bound) : NULL;
  if (!c || ir_uncast(first)->kind != EX_NUM || strcmp(ir_uncast(first)->text, "0")) return NULL;
  Stmt *b = k->body;
  int n = b->kind == ST_BLOCK ? b->kids.len : 1;
  for (int i = 0; i < n; i++) {
    Stmt *s = b->kind == ST_BLOCK ? b->kids.data[i] : b;
    if (s->kind != ST_EXPR || s->e->kind != EX_ASSIGN || s->e->op) continue;
    Expr *l = s->e->a;
    if (l->kind == EX_INDEX && l->a->kind == EX_VAR && l->a->var == v && ir_uncast(l->b)->kind == EX_VAR &&
        ir_uncast(l->b)->var == c)
      return bound;
  }
  return NULL;
}

bool ir_is_var(const Expr *e, const Var *v) {
  e = ir_uncast(e);
  return e->kind == EX_VAR && e->var == v;
}

/* ---- a buffer no other name reaches (ir_fresh_buffer) -------------------- */

typedef struct Fresh { Var *b; int sets; bool ok; } Fresh;

/* every mention of f->b in e is f->b[...], f->b = alloc(...) or free(f->b) */
static void fresh_uses(Expr *e, Fresh *f) {
  if (!e || !f->ok) return;
  if (e->kind == EX_INDEX && ir_is_var(e->a, f->b)) {
    fresh_uses(e->b, f);
    return;
  }
  if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR && e->a->var == f->b) {
    if (!ir_alloc_call(ir_uncast(e->b))) { f->ok = false; return; }
    f->sets++;
    fresh_uses(e->b, f);
    return;
  }
  if (ir_free_call(e) && ir_is_var(e->args[0], f->b)) return;
  if (e->kind == EX_VAR && e->var == f->b) { f->ok = false; return; }
  fresh_uses(e->a, f), fresh_uses(e->b, f), fresh_uses(e->c, f);
  for (int i = 0; i < e->nargs; i++) fresh_uses(e->args[i], f);
}

static void fresh_stmt(Stmt *s, Fresh *f) {
  if (!s || !f->ok) return;
  if (s->kind == ST_DECL && s->var == f->b && s->e) f->ok = false;
  fresh_uses(s->e, f), fresh_uses(s->inc, f);
  for (int i = 0; i < s->kids.len; i++) fresh_stmt(s->kids.data[i], f);
  fresh_stmt(s->init, f), fresh_stmt(s->body, f), fresh_stmt(s->els, f);
}

bool ir_fresh_buffer(Func *fn, Var *b) {
  if ((b->kind != VAR_LOCAL && b->kind != VAR_TEMP) || b->is_static) return false;
  bool array = b->ty->kind == TY_ARRAY;
  if (!array && b->ty->kind != TY_PTR) return false;
  Fresh f = {.b = b, .ok = true};
  fresh_stmt(fn->body, &f);
  return f.ok && (array ? f.sets == 0 : f.sets == 1);
}

bool ir_free_call(const Expr *e) {
  return e->kind == EX_CALL && e->callee_known && !e->callee && e->text && !strcmp(e->text, "free") &&
         e->nargs == 1;
}

/* The element type behind a pointer argument of memcpy and the like
 * (through casts to void *), or NULL for void. */
Type *ir_mem_elem(const Expr *a) {
  Type *t = ty_elem(ir_uncast(a)->ty);
  return t && t->kind != TY_VOID ? t : NULL;
}

/* "malloc", "calloc" or "realloc" when e calls one of them (through a
 * cast too), else NULL. */
const char *ir_alloc_call(const Expr *e) {
  e = ir_uncast(e);
  if (e->kind != EX_CALL || !e->callee_known || e->callee || !e->text) return NULL;
  return !strcmp(e->text, "malloc") || !strcmp(e->text, "calloc") || !strcmp(e->text, "realloc") ? e->text : NULL;
}

/* The active pointer p of posix_memalign((void **)&p, align, n), else NULL. */
Var *ir_memalign_target(const Expr *e) {
  if (e->kind != EX_CALL || e->callee || !e->callee_known || e->nargs != 3 || !e->text ||
      strcmp(e->text, "posix_memalign"))
    return NULL;
  const Expr *a = ir_uncast(e->args[0]);
  return a->kind == EX_ADDR && a->a->kind == EX_VAR && a->a->var->active ? a->a->var : NULL;
}

/* "memcpy", "memmove" or "memset" (also spelt __builtin_memcpy...) when e
 * calls one of them, else NULL. */
const char *ir_mem_call(const Expr *e) {
  if (e->kind != EX_CALL || e->callee || !e->callee_known || e->nargs != 3 || !e->text) return NULL;
  const char *n = e->text;
  if (!strncmp(n, "__builtin_", 10)) n += 10;
  return !strcmp(n, "memcpy") || !strcmp(n, "memmove") || !strcmp(n, "memset") ? n : NULL;
}

bool ir_expr_any(Expr *e, bool (*pred)(Expr *e, void *ud), void *ud) {
  if (!e) return false;
  if (pred(e, ud)) return true;
  for (int i = 0; i < e->nargs; i++)
    if (ir_expr_any(e->args[i], pred, ud)) return true;
  return ir_expr_any(e->a, pred, ud) || ir_expr_any(e->b, pred, ud) || ir_expr_any(e->c, pred, ud);
}

bool ir_stmt_any(Stmt *s, bool (*pred)(Expr *e, void *ud), void *ud) {
  if (!s) return false;
  if (ir_expr_any(s->e, pred, ud) || ir_expr_any(s->inc, pred, ud)) return true;
  for (int i = 0; i < s->kids.len; i++)
    if (ir_stmt_any(s->kids.data[i], pred, ud)) return true;
  return ir_stmt_any(s->init, pred, ud) || ir_stmt_any(s->body, pred, ud) || ir_stmt_any(s->els, pred, ud);
}

static bool is_var(Expr *e, void *v) { return e->kind == EX_VAR && e->var == v; }

static bool assigns_var(Expr *e, void *v) {
  return (e->kind == EX_ASSIGN && e->a->kind == EX_VAR && e->a->var == v) ||
         (e->kind == EX_ADDR && ir_base_var(e->a) == v);
}

static bool addr_of_var(Expr *e, void *v) {
  if (e->kind != EX_ADDR) return false;
  Expr *a = e->a;
  while (a->kind == EX_MEMBER && !a->arrow) a = a->a;
  return a->kind == EX_VAR && a->var == v;
}

bool ir_takes_address(Stmt *s, Var *v) { return ir_stmt_any(s, addr_of_var, v); }

bool ir_storage_named(Func *fn, Var *v) {
  return v->ty->kind == TY_PTR ? ir_takes_address(fn->body, v) : v->addr_taken;
}

void ir_open_blocks(Stmt *s, Vec *out) {
  if (s->kind != ST_BLOCK) { vec_push(out, s); return; }
  for (int i = 0; i < s->kids.len; i++) ir_open_blocks(s->kids.data[i], out);
}

bool ir_mentions(Stmt *s, Var *v) { return ir_stmt_any(s, is_var, v); }
bool ir_expr_mentions(Expr *e, Var *v) { return ir_expr_any(e, is_var, v); }
bool ir_assigns(Stmt *s, Var *v) { return ir_stmt_any(s, assigns_var, v); }

/* ---- names in derivative code ---------------------------------------------- */

typedef struct Names { const char *name; int uses, sets; } Names;

static bool is_name(Var *v, const char *name) { return v && v->name && !strcmp(v->name, name); }
static void names_expr(Expr *e, Names *n);

static void names_type(Type *t, Names *n) {
  for (; t && t->kind != TY_FUNC; t = t->base)
    if (t->vla_len) names_expr(t->vla_len, n);
}

static void names_expr(Expr *e, Names *n) {
  if (!e) return;
  if ((e->kind == EX_VAR && is_name(e->var, n->name)) ||
      ((e->kind == EX_CALL || e->kind == EX_FUNCREF) && e->text && !strcmp(e->text, n->name)))
    n->uses++;
  if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR && is_name(e->a->var, n->name)) n->sets++;
  for (int i = 0; i < e->nargs; i++) names_expr(e->args[i], n);
  names_expr(e->a, n), names_expr(e->b, n), names_expr(e->c, n);
}

static void names_vars(Vec *vs, Names *n) {
  for (int i = 0; i < vs->len; i++) {
    Var *v = vs->data[i];
    n->uses += is_name(v, n->name) + is_name(v->bar, n->name);
  }
}

static void names_stmt(Stmt *s, Names *n) {
  if (!s) return;
  if (s->kind == ST_DECL) {
    if (is_name(s->var, n->name)) n->uses++, n->sets += s->e != NULL;
    names_type(s->var->ty, n);
  }
  if (s->omp && (s->kind == ST_BLOCK || s->parallel)) {   /* the clauses of its pragma */
    names_vars(&s->omp->priv, n), names_vars(&s->omp->first, n), names_vars(&s->omp->red, n);
    names_expr(s->omp->threads, n);
  }
  names_expr(s->e, n), names_expr(s->inc, n);
  for (int i = 0; i < s->kids.len; i++) names_stmt(s->kids.data[i], n);
  names_stmt(s->init, n), names_stmt(s->body, n), names_stmt(s->els, n);
}

int ir_count_names(Stmt *s, const char *name, int *sets) {
  Names n = {name, 0, 0};
  names_stmt(s, &n);
  if (sets) *sets = n.sets;
  return n.uses;
}

int ir_expr_count_names(Expr *e, const char *name) {
  Names n = {name, 0, 0};
  names_expr(e, &n);
  return n.uses;
}

bool ir_type_names(Type *t, const char *name) {
  Names n = {name, 0, 0};
  names_type(t, &n);
  return n.uses > 0;
}

typedef struct Count { Var *v; int n; } Count;

static bool count_var(Expr *e, void *ud) {
  Count *c = ud;
  if (e->kind == EX_VAR && e->var == c->v) c->n++;
  return false;
}

int ir_count_mentions(Stmt *s, Var *v) {
  Count c = {v, 0};
  ir_stmt_any(s, count_var, &c);
  return c.n;
}

static bool count_set(Expr *e, void *ud) {
  Count *c = ud;
  if (e->kind == EX_ASSIGN && !e->op && e->a->kind == EX_VAR && e->a->var == c->v) c->n++;
  return false;
}

bool ir_only_assigned(Stmt *s, Var *v) {
  Count c = {v, 0};
  ir_stmt_any(s, count_set, &c);
  return c.n == ir_count_mentions(s, v);
}

int ir_expr_count_mentions(Expr *e, Var *v) {
  Count c = {v, 0};
  ir_expr_any(e, count_var, &c);
  return c.n;
}

void ir_drop_local(Func *fn, Var *v) {
  for (int k = 0; k < fn->locals.len; k++)
    if (fn->locals.data[k] == v) {
      for (int j = k; j + 1 < fn->locals.len; j++) fn->locals.data[j] = fn->locals.data[j + 1];
      fn->locals.len--;
      return;
    }
}

bool ir_same_expr(const Expr *a, const Expr *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->nargs != b->nargs || a->var != b->var) return false;
  if ((a->text || b->text) && (!a->text || !b->text || strcmp(a->text, b->text)))
    return false;
  if (a->kind == EX_MEMBER && a->arrow != b->arrow) return false;
  for (int i = 0; i < a->nargs; i++)
    if (!ir_same_expr(a->args[i], b->args[i])) return false;
  return ir_same_expr(a->a, b->a) && ir_same_expr(a->b, b->b) && ir_same_expr(a->c, b->c);
}

/* ---- dump ----------------------------------------------------------------- */

static const char *var_flags(Var *v) {
  return format("%s%s%s%s%s", v->active ? " active" : "", v->varied ? " varied" : "",
                v->useful ? " useful" : "", v->written ? " written" : "",
                v->rev_read ? " rev-read" : "");
}

/* ---- a verifier for IR that gradc builds ------------------------------------ */

static bool other_fn_var(Expr *e, void *ud) {
  Func *fn = ud;
  return e->kind == EX_VAR && e->var->kind != VAR_GLOBAL && !vec_has(&fn->params, e->var) &&
         !vec_has(&fn->locals, e->var);
}

static bool other_fn_type(Func *fn, Type *t) {
  for (; t; t = t->kind == TY_ARRAY || t->kind == TY_PTR ? t->base : NULL)
    if (t->vla_len && ir_expr_any(t->vla_len, other_fn_var, fn)) return true;
  return false;
}

/* Every variable that fn's body and its variables' types name is fn's own
 * (a parameter or local) or a global: IR built from another function's
 * (forward mode's tangent function, from the primal) must not keep a
 * variable of the function it came from, which later passes would take for
 * another one. A failure is a bug in gradc. */
void ir_verify(Func *fn) {
  if (fn->body && ir_stmt_any(fn->body, other_fn_var, fn)) bug("IR names a variable of another function");
  for (int i = 0; i < fn->params.len + fn->locals.len; i++) {
    Var *v = i < fn->params.len ? fn->params.data[i] : fn->locals.data[i - fn->params.len];
    if (other_fn_type(fn, v->ty)) bug("IR names a variable of another function in a type");
  }
  if (fn->retvar && !vec_has(&fn->locals, fn->retvar)) bug("IR's return variable is not a local");
}

/* The IR is printed as the C it stands for, with variables and their flags
 * listed first: a reader compares it with the source line by line. */
void ir_dump(FILE *out, Func *fn) {
  fprintf(out, "func %s -> %s\n", fn->name, emit_type(fn->ret));
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    fprintf(out, "  param %s%s\n", emit_decl(v->ty, v->name), var_flags(v));
  }
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    fprintf(out, "  %s %s%s\n", v->kind == VAR_TEMP ? "temp" : "local",
            emit_decl(v->ty, v->name), var_flags(v));
  }
  Buf b = {0};
  if (fn->body) emit_stmt(&b, fn->body, 1);
  fputs(b.data ? b.data : "", out);
  buf_free(&b);
}
