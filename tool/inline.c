/* inline.c: calls of the file's own functions are replaced by their bodies.
 *
 * After lowering, a call of a function of this file stands alone, as
 * `v = g(args)` or `g(args)`. This pass puts a copy of g's lowered body in
 * its place:
 *
 *     { p1 = a1; ... pn = an;  <g's body, its variables renamed>;  v = g's result; }
 *
 * with g's parameters and locals as new locals of the caller. Every function
 * that the annotated one reaches is then differentiated by one engine, in
 * one frame: its locals, moving pointers, allocations, writes to the
 * caller's arrays and argument conversions get the annotated function's full
 * treatment, and nothing the reverse sweep reads can live in a frame that
 * has returned. A variable-length array of g becomes a calloc'd buffer,
 * freed where g returns, since the caller declares its locals up front.
 *
 * Not inlined, and left to rev.c's and fwd.c's companions: recursive calls
 * (g already being inlined on this path), functions with a custom
 * derivative, variadic functions and functions without a body.
 */
#include "tool.h"

#include <ctype.h>
#include <string.h>

typedef struct Map {
  Vec from, to;          /* Var *: g's variables and their copies in fn */
  Vec sub_from, sub_to;  /* Var *, Expr *: parameters replaced by their argument */
  Func *fn, *callee;
  bool in_loop;          /* the call site runs more than once */
} Map;

static Vec stack;        /* Func *: functions being inlined, for recursion */

static bool on_stack(Func *g) {
  for (int i = 0; i < stack.len; i++)
    if (stack.data[i] == g) return true;
  return false;
}

static Var *mapped(Map *m, Var *v) {
  for (int i = 0; i < m->from.len; i++)
    if (m->from.data[i] == v) return m->to.data[i];
  return v;   /* globals, and the caller's own variables */
}

/* ---- names ---------------------------------------------------------------- */

static Program *prog;
static Vec globals;      /* const char *: names of globals the functions use */

static void note_globals(Expr *e) {
  if (!e) return;
  if (e->kind == EX_VAR && e->var->kind == VAR_GLOBAL) vec_push(&globals, (void *)e->var->name);
  if (e->kind == EX_CALL && e->text) vec_push(&globals, (void *)e->text);
  note_globals(e->a), note_globals(e->b), note_globals(e->c);
  for (int i = 0; i < e->nargs; i++) note_globals(e->args[i]);
}

static void note_globals_stmt(Stmt *s) {
  if (!s) return;
  note_globals(s->e), note_globals(s->inc);
  for (int i = 0; i < s->kids.len; i++) note_globals_stmt(s->kids.data[i]);
  note_globals_stmt(s->init), note_globals_stmt(s->body), note_globals_stmt(s->els);
}

/* A name for a copy of g's variable in fn: g's own name when fn has no
 * variable of that name and nothing else (a function, a global) uses it. */
static const char *copy_name(Func *fn, const char *base) {
  for (int n = 0;; n++) {
    const char *s = n ? format("%s%d", base, n) : base;
    bool taken = strcmp(ir_unique_name(fn, s), s) != 0;
    for (int i = 0; i < globals.len && !taken; i++) taken = !strcmp(globals.data[i], s);
    for (int i = 0; i < prog->funcs.len && !taken; i++) taken = !strcmp(((Func *)prog->funcs.data[i])->name, s);
    for (int i = 0; i < prog->declared.len && !taken; i++) taken = !strcmp(prog->declared.data[i], s);
    if (!taken) return s;
  }
}

/* ---- copies ---------------------------------------------------------------- */

static Expr *copy_expr(Map *m, Expr *e);

/* The type of a copy: a VLA's length expression refers to the copies. */
static Type *copy_type(Map *m, Type *t) {
  if (!t || (!t->vla_len && !(t->base && (t->kind == TY_ARRAY || t->kind == TY_PTR))))
    return t;
  Type *base = copy_type(m, t->base);
  if (base == t->base && !t->vla_len) return t;
  Type *c = arena_alloc(sizeof *c);
  *c = *t;
  c->base = base;
  if (t->vla_len) c->vla_len = copy_expr(m, t->vla_len);
  return c;
}

/* `sizeof x` keeps its text: identifiers of g's variables are renamed. */
static const char *copy_sizeof(Map *m, Expr *e) {
  Buf b = {0};
  for (const char *p = e->text; *p;) {
    if (isalpha((unsigned char)*p) || *p == '_') {
      const char *q = p;
      while (isalnum((unsigned char)*q) || *q == '_') q++;
      const char *word = arena_strndup(p, (size_t)(q - p));
      for (int i = 0; i < m->sub_from.len; i++)
        if (!strcmp(((Var *)m->sub_from.data[i])->name, word)) word = format("(%s)", emit_expr(m->sub_to.data[i]));
      for (int i = 0; i < m->from.len; i++) {
        Var *v = m->from.data[i];
        if (strcmp(v->name, word)) continue;
        Var *to = m->to.data[i];
        if (v->ty->kind == TY_ARRAY && to->ty->kind != TY_ARRAY)
          diag_error(e->loc, "cannot take the size of the variable-length array '%s' in a function "
                     "gradc inlines; compute it from its length", v->name);
        word = to->name;
        break;
      }
      buf_puts(&b, word);
      p = q;
    } else {
      buf_printf(&b, "%c", *p++);
    }
  }
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

static Expr *copy_expr(Map *m, Expr *e) {
  if (!e) return NULL;
  Expr *c = arena_alloc(sizeof *c);
  *c = *e;
  c->act_gen = 0, c->act_val = false;
  if (e->kind == EX_VAR) {
    for (int i = 0; i < m->sub_from.len; i++)
      if (m->sub_from.data[i] == e->var) {
        Map none = {0};
        Expr *a = copy_expr(&none, m->sub_to.data[i]);
        a->loc = e->loc;
        return a;
      }
    c->var = mapped(m, e->var);
    if (c->var != e->var && e->ty == e->var->ty) c->ty = c->var->ty;
    return c;
  }
  if (e->kind == EX_SIZEOF && e->text) c->text = copy_sizeof(m, e);
  c->ty = copy_type(m, e->ty);
  c->a = copy_expr(m, e->a), c->b = copy_expr(m, e->b), c->c = copy_expr(m, e->c);
  /* an argument put in for a parameter reads as written: (&a[i])[j] is
   * a[i + j], *&v is v */
  if (e->kind == EX_INDEX && c->a->kind == EX_ADDR && c->a->a->kind == EX_INDEX) {
    Expr *in = c->a->a;
    c->a = in->a;
    if (!(in->b->kind == EX_NUM && !strcmp(in->b->text, "0")))   /* (&a[0])[j] is a[j] */
      c->b = ir_binary(EX_ADD, in->b, c->b, in->b->ty, c->loc);
  } else if (e->kind == EX_DEREF && c->a->kind == EX_ADDR) {
    return c->a->a;
  }
  if (e->nargs) {
    c->args = arena_alloc(sizeof(Expr *) * (size_t)(e->nargs + 1));
    for (int i = 0; i < e->nargs; i++) c->args[i] = copy_expr(m, e->args[i]);
  }
  return c;
}

static bool note_var(Expr *e, void *ud) {
  if (e->kind == EX_VAR) vec_push(ud, e->var);
  return false;
}

static Stmt *copy_stmt(Map *m, Stmt *s) {
  if (!s) return NULL;
  Stmt *c = arena_alloc(sizeof *c);
  *c = *s;
  c->active = false, c->pos = 0, c->loop = NULL;
  c->init_of_decl = s->init_of_decl && !m->in_loop;
  c->e = copy_expr(m, s->e);
  c->inc = copy_expr(m, s->inc);
  c->ckpt = copy_expr(m, s->ckpt);
  if (s->omp) {
    Omp *o = arena_alloc(sizeof *o);
    o->loc = s->omp->loc;
    Vec *from[4] = {&s->omp->priv, &s->omp->first, &s->omp->red, &s->omp->outer};
    Vec *to[4] = {&o->priv, &o->first, &o->red, &o->outer};
    for (int k = 0; k < 4; k++)
      for (int i = 0; i < from[k]->len; i++) {
        Var *v = from[k]->data[i], *w = mapped(m, v);
        if (w != v || v->kind != VAR_PARAM) {
          vec_push(to[k], w);
          continue;
        }
        /* a parameter substituted by its argument is never assigned: shared;
         * the variables the argument names were declared before the loop */
        for (int j = 0; j < m->sub_from.len && k == 3; j++)
          if (m->sub_from.data[j] == v) ir_expr_any(m->sub_to.data[j], note_var, to[k]);
      }
    c->omp = o;
  }
  c->init = copy_stmt(m, s->init), c->body = copy_stmt(m, s->body), c->els = copy_stmt(m, s->els);
  /* a counter declared in a for header lives only in its loop, whose reverse
   * rebuilds it, wherever the copy runs (see lower_loop) */
  if (s->kind == ST_FOR && s->init && s->init->init_of_decl) c->init->init_of_decl = true;
  c->kids = (Vec){0};
  for (int i = 0; i < s->kids.len; i++) vec_push(&c->kids, copy_stmt(m, s->kids.data[i]));
  if (s->var) c->var = mapped(m, s->var);
  return c;
}

/* ---- one call ---------------------------------------------------------------- */

static Expr *call_of(Stmt *s, Expr **lhs) {
  *lhs = NULL;
  if (s->kind != ST_EXPR) return NULL;
  Expr *e = s->e;
  if (e->kind == EX_ASSIGN && !e->op && e->b->kind == EX_CALL) *lhs = e->a, e = e->b;
  return e->kind == EX_CALL && e->callee ? e : NULL;
}

static bool has_mutable_static(Func *g) {
  for (int i = 0; i < g->locals.len; i++) {
    Var *v = g->locals.data[i];
    if (v->is_static && !v->ty->is_const && !(v->ty->kind == TY_ARRAY && v->ty->base->is_const))
      return true;
  }
  return false;
}

bool inline_func(Program *p, Func *fn);

static bool inlinable(Program *p, Expr *call) {
  Func *g = call->callee;
  if (!g->has_body || g->custom_rev || g->custom_jvp || g->is_variadic || on_stack(g)) return false;
  if (g->params.len != call->nargs) return false;
  if (!parse_body(p, g) || !lower_func(p, g) || !inline_func(p, g)) return false;
  /* state kept between calls must stay one variable */
  return !has_mutable_static(g);
}

static Stmt *assign(Expr *lhs, Expr *rhs, Loc loc, bool once) {
  Stmt *s = ir_assign(lhs, rhs, loc);
  s->init_of_decl = once;
  return s;
}

static Vec addr_taken;   /* Var *: fn's variables whose address is taken */

static void note_addr(Expr *e) {
  if (!e) return;
  if (e->kind == EX_ADDR) {
    /* &v, &s.f: the variable's own storage (not &p[i], inside what p addresses) */
    Expr *a = e->a;
    while (a->kind == EX_MEMBER && !a->arrow) a = a->a;
    if (a->kind == EX_VAR && a->var->ty->kind != TY_ARRAY) vec_push(&addr_taken, a->var);
  }
  note_addr(e->a), note_addr(e->b), note_addr(e->c);
  for (int i = 0; i < e->nargs; i++) note_addr(e->args[i]);
}

static void note_addr_stmt(Stmt *s) {
  if (!s) return;
  note_addr(s->e), note_addr(s->inc);
  for (int i = 0; i < s->kids.len; i++) note_addr_stmt(s->kids.data[i]);
  note_addr_stmt(s->init), note_addr_stmt(s->body), note_addr_stmt(s->els);
}

/* An argument whose value cannot change while g runs: g sees the caller's
 * variables only through pointers, so an expression over constants and the
 * caller's locals whose address is never taken, reading no memory, stays
 * what it was at the call. */
static bool stable(Expr *e) {
  switch (e->kind) {
  case EX_NUM: case EX_SIZEOF: return true;
  case EX_VAR:
    if (e->var->kind == VAR_GLOBAL) return false;
    for (int i = 0; i < addr_taken.len; i++) if (addr_taken.data[i] == e->var) return false;
    return true;
  case EX_ADDR:   /* &v, &a[i], &s.f: an address, not a read */
    for (Expr *a = e->a;; a = a->a) {
      if (a->kind == EX_VAR) return true;
      if (a->kind == EX_INDEX) { if (!stable(a->b)) return false; if (a->a->ty->kind == TY_PTR) return stable(a->a); continue; }
      if (a->kind == EX_MEMBER && !a->arrow) continue;
      return false;
    }
  case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_MOD: case EX_NEG: case EX_PLUS: case EX_CAST:
    return stable(e->a) && (!e->b || stable(e->b));
  default:
    return false;
  }
}

/* Whether the argument can stand for the parameter without a conversion. */
static bool same_type(Type *param, Type *arg) {
  if (param->kind == TY_ARRAY) param = ty_ptr_to(param->base);
  if (arg->kind == TY_ARRAY) arg = ty_ptr_to(arg->base);
  if (param->kind != arg->kind) return false;
  if (param->kind == TY_PTR) return param->base->kind == arg->base->kind && param->base->kind != TY_STRUCT
                                    && param->base->kind != TY_PTR && param->base->kind != TY_VOID;
  if (param->kind == TY_INT) return param->spell && arg->spell && !strcmp(param->spell, arg->spell);
  return ty_is_float(param);
}

/* The block that replaces `lhs = g(args)`. */
static Stmt *expand(Func *fn, Stmt *site, Expr *lhs, Expr *call, bool in_loop) {
  Func *g = call->callee;
  Map m = {.fn = fn, .callee = g, .in_loop = in_loop};
  Loc loc = site->loc;
  Stmt *blk = ir_block(loc);
  Vec allocs = {0}, frees = {0};
  note_globals_stmt(g->body);
  /* a parameter that g never assigns becomes its argument, when that cannot
   * change while g runs: no copy, nothing to save */
  bool subst[64] = {0};
  for (int i = 0; i < g->params.len && i < 64; i++) {
    Var *v = g->params.data[i];
    if (ir_assigns(g->body, v) || !stable(call->args[i])) continue;
    Expr *arg = call->args[i];
    if (!same_type(v->ty, arg->ty)) {
      /* an integer literal given to an integer parameter of another type
       * (subtract(3, ...) for a size_t d): the literal converted, as the
       * call converts it */
      if (!ty_is_int(v->ty) || ir_uncast(arg)->kind != EX_NUM || !ty_is_int(arg->ty)) continue;
      Expr *c = ir_new_expr(EX_CAST, v->ty, arg->loc);
      c->a = ir_uncast(arg);
      arg = c;
    }
    subst[i] = true;
    vec_push(&m.sub_from, v);
    vec_push(&m.sub_to, arg);
  }
  /* the temporary that lowering made for the call's value (_t0 = g(...)),
   * or a scalar local that the call gives its value (double y = g(...) in
   * a loop or where y is declared), takes g's result directly: no copy to
   * save for the reverse sweep */
  Var *into = NULL;
  if (lhs && lhs->kind == EX_VAR && g->retvar && !strcmp(ty_name(lhs->var->ty), ty_name(g->retvar->ty))) {
    Var *l = lhs->var;
    if (l->kind == VAR_TEMP) into = l;
    else if (l->kind == VAR_LOCAL && !l->addr_taken && !l->is_static && (ty_is_float(l->ty) || ty_is_int(l->ty)) &&
             (in_loop || site->init_of_decl) && !ir_expr_mentions(call, l))
      into = l;
  }
  /* copies of g's other parameters and its locals, declared in fn */
  for (int i = 0; i < g->params.len + g->locals.len; i++) {
    if (i < 64 && i < g->params.len && subst[i]) continue;
    Var *v = i < g->params.len ? g->params.data[i] : g->locals.data[i - g->params.len];
    if (into && v == g->retvar) continue;
    Type *t = v->ty;
    if (t->kind == TY_ARRAY && v->kind == VAR_PARAM) t = ty_ptr_to(t->base);
    Var *c = ir_new_var(fn, copy_name(fn, v->name), t, v->kind == VAR_TEMP ? VAR_TEMP : VAR_LOCAL, v->loc);
    c->is_static = v->is_static;
    c->is_flag = v->is_flag;
    vec_push(&m.from, v);
    vec_push(&m.to, c);
  }
  if (into) {
    vec_push(&m.from, g->retvar);
    vec_push(&m.to, into);
  }
  for (int i = 0; i < m.from.len; i++) {
    Var *v = m.from.data[i], *c = m.to.data[i];
    if (c == into) continue;
    if (v->is_static) {
      c->static_init = copy_expr(&m, v->static_init);
    } else if (v->ty->kind == TY_ARRAY && v->ty->vla_len) {
      /* a VLA: the caller declares its locals up front, where the length
       * is not known yet; the copy is a buffer allocated where g starts */
      if (ty_elem(v->ty)->vla_len) {
        diag_error(v->loc, "gradc cannot yet inline '%s', which declares the multi-dimensional "
                   "variable-length array '%s'", g->name, v->name);
        continue;
      }
      c->ty = ty_ptr_to(ty_unconst(v->ty->base));
      Expr *len = copy_expr(&m, v->ty->vla_len);
      if (!ir_has_side_effects(len) && !(len->ty && len->ty->spell && strstr(len->ty->spell, "unsigned")) &&
          !(len->ty && len->ty->spell && strstr(len->ty->spell, "size_t"))) {
        /* len > 0 ? len : 0, so that gcc's -Walloc-size-larger-than sees
         * no negative (huge) count; a VLA's length is positive anyway */
        Expr *pos = ir_new_expr(EX_COND, len->ty, v->loc);
        pos->a = ir_binary(EX_GT, len, ir_num("0", ty_int(), v->loc), ty_int(), v->loc);
        pos->b = copy_expr(&m, v->ty->vla_len);
        pos->c = ir_num("0", ty_int(), v->loc);
        len = pos;
      }
      Expr *args[2] = {len, ir_new_expr(EX_SIZEOF, ty_int(), v->loc)};
      args[1]->text = format("sizeof(%s)", emit_type(ty_unconst(v->ty->base)));
      Expr *alloc = ir_new_expr(EX_CAST, c->ty, v->loc);
      alloc->a = ir_call("calloc", ty_ptr_to(ty_new(TY_VOID, "void")), v->loc, args, 2);
      vec_push(&allocs, assign(ir_var(c, v->loc), alloc, v->loc, false));
      vec_push(&frees, c);
    } else {
      c->ty = ty_unconst(copy_type(&m, c->ty));
    }
  }
  /* parameters take the arguments (converted as by the call), then g runs */
  for (int i = 0; i < g->params.len; i++)
    if (!(i < 64 && subst[i]))
      vec_push(&blk->kids, assign(ir_var(mapped(&m, g->params.data[i]), loc), call->args[i], call->args[i]->loc, !in_loop));
  for (int i = 0; i < allocs.len; i++) vec_push(&blk->kids, allocs.data[i]);
  vec_push(&blk->kids, copy_stmt(&m, g->body));
  for (int i = 0; i < frees.len; i++) {
    Expr *a = ir_var(frees.data[i], loc);
    Stmt *f = ir_new_stmt(ST_EXPR, loc);
    f->e = ir_call("free", ty_new(TY_VOID, "void"), loc, &a, 1);
    vec_push(&blk->kids, f);
  }
  if (lhs && g->retvar && !into)
    vec_push(&blk->kids, assign(lhs, ir_var(mapped(&m, g->retvar), loc), loc, site->init_of_decl && !in_loop));
  return blk;
}

/* ---- the walk ------------------------------------------------------------------ */

static void walk(Program *p, Func *fn, Stmt *s, bool in_loop);

/* Replaces each call statement of list that can be inlined. */
static void walk_list(Program *p, Func *fn, Vec *list, bool in_loop) {
  for (int i = 0; i < list->len; i++) {
    Stmt *s = list->data[i];
    Expr *lhs, *call = call_of(s, &lhs);
    if (call && inlinable(p, call)) {
      list->data[i] = expand(fn, s, lhs, call, in_loop);
      continue;
    }
    walk(p, fn, s, in_loop);
  }
}

/* A for loop whose init or increment calls a function to inline: the init
 * moves before the loop, the increment to the end of the body (lowering
 * has removed continue, so the body's end is where the increment runs). */
static void open_for(Program *p, Stmt *s, Vec *before) {
  Expr *lhs;
  if (s->init && call_of(s->init, &lhs) && inlinable(p, call_of(s->init, &lhs))) {
    vec_push(before, s->init);
    s->init = NULL;
  }
  if (s->inc) {
    Stmt *is = ir_new_stmt(ST_EXPR, s->loc);
    is->e = s->inc;
    if (call_of(is, &lhs) && inlinable(p, call_of(is, &lhs))) {
      Stmt *b = s->body->kind == ST_BLOCK ? s->body : NULL;
      if (!b) {
        b = ir_block(s->loc);
        vec_push(&b->kids, s->body);
        s->body = b;
      }
      vec_push(&b->kids, is);
      s->inc = NULL;
      s->kind = ST_WHILE;
      if (!s->e) s->e = ir_num("1", ty_int(), s->loc);
    }
  }
}

static void walk(Program *p, Func *fn, Stmt *s, bool in_loop) {
  if (!s) return;
  switch (s->kind) {
  case ST_BLOCK: {
    Vec out = {0};
    for (int i = 0; i < s->kids.len; i++) {
      Stmt *k = s->kids.data[i];
      if (k->kind == ST_FOR) open_for(p, k, &out);
      vec_push(&out, k);
    }
    s->kids = out;
    walk_list(p, fn, &s->kids, in_loop);
    return;
  }
  case ST_IF:
    walk(p, fn, s->body, in_loop);
    walk(p, fn, s->els, in_loop);
    return;
  case ST_WHILE: case ST_DO: case ST_FOR:
    walk(p, fn, s->body, true);
    return;
  default:
    return;
  }
}

/* ---- copies of a call's value ------------------------------------------- */

/* The assignment of t in s, through blocks and branches only */
static Stmt *def_of(Stmt *s, Var *t) {
  if (!s) return NULL;
  if (s->kind == ST_EXPR && s->e->kind == EX_ASSIGN && !s->e->op && s->e->a->kind == EX_VAR && s->e->a->var == t)
    return s;
  if (s->kind == ST_BLOCK)
    for (int i = 0; i < s->kids.len; i++) {
      Stmt *d = def_of(s->kids.data[i], t);
      if (d) return d;
    }
  if (s->kind == ST_IF) {
    Stmt *d = def_of(s->body, t);
    return d ? d : def_of(s->els, t);
  }
  return NULL;
}

/* The statement that runs last in s, through blocks; NULL if s ends in
 * anything else (a branch, a loop) */
static Stmt *last_run(Stmt *s) {
  while (s && s->kind == ST_BLOCK) {
    int n = s->kids.len;
    while (n > 0 && ((Stmt *)s->kids.data[n - 1])->kind == ST_NOP) n--;
    s = n ? s->kids.data[n - 1] : NULL;
  }
  return s && s->kind == ST_EXPR ? s : NULL;
}

static bool has_effect(Expr *e, void *ud) {
  (void)ud;
  return e->kind == EX_CALL || ir_written(e);
}

/* `{ ... _t1 = e; } p[i] = _t1;`: the same for an element of memory, when
 * the assignment of _t1 is the last thing the block runs (nothing runs
 * between it and the copy): ADBench's forget[i] = sigmoid(...) */
static void drop_copy_to_memory(Func *fn, Stmt *prev, Stmt *c) {
  Expr *lhs = c->e->a;
  Var *t = c->e->b->var;
  Stmt *d = last_run(prev);
  if (!d || d->e->kind != EX_ASSIGN || d->e->op || d->e->a->kind != EX_VAR || d->e->a->var != t) return;
  if (t->kind != VAR_TEMP || t == fn->retvar || t->addr_taken || t->is_static || !ty_is_float(t->ty) ||
      strcmp(ty_name(lhs->ty), ty_name(t->ty)) || ir_count_mentions(fn->body, t) != 2 || ir_expr_mentions(lhs, t) ||
      ir_expr_any(lhs, has_effect, NULL))
    return;
  d->e->a = lhs;
  d->init_of_decl = false;
  c->kind = ST_NOP;
  c->e = NULL;
  ir_drop_local(fn, t);
}

/* `{ ... _t1 = e; ... } v = _t1;`, what inlining leaves of `v = g(x)` when
 * lowering gave the call a temporary: _t1, assigned and read once, becomes
 * v (one value fewer for the reverse sweep to keep). */
static void drop_copies(Func *fn, Stmt *s) {
  if (!s) return;
  for (int i = 0; i < s->kids.len; i++) drop_copies(fn, s->kids.data[i]);
  drop_copies(fn, s->init), drop_copies(fn, s->body), drop_copies(fn, s->els);
  for (int i = 1; i < s->kids.len; i++) {
    Stmt *c = s->kids.data[i];
    if (c->kind == ST_EXPR && c->e->kind == EX_ASSIGN && !c->e->op && c->e->b->kind == EX_VAR &&
        (c->e->a->kind == EX_INDEX || c->e->a->kind == EX_DEREF)) {
      drop_copy_to_memory(fn, s->kids.data[i - 1], c);
      continue;
    }
    if (c->kind != ST_EXPR || c->e->kind != EX_ASSIGN || c->e->op || c->e->a->kind != EX_VAR || c->e->b->kind != EX_VAR)
      continue;
    Var *v = c->e->a->var, *t = c->e->b->var;
    if (t->kind != VAR_TEMP || t == fn->retvar || (v->kind != VAR_LOCAL && v->kind != VAR_TEMP) || v->addr_taken || t->addr_taken ||
        v->is_static || t->is_static || v == t || (!ty_is_float(v->ty) && !ty_is_int(v->ty)) ||
        strcmp(ty_name(v->ty), ty_name(t->ty)))
      continue;
    Stmt *prev = s->kids.data[i - 1], *d = def_of(prev, t);
    if (!d || ir_count_mentions(fn->body, t) != 2 || ir_mentions(prev, v)) continue;
    d->e->a = ir_var(v, d->e->a->loc);
    d->init_of_decl = d->init_of_decl && c->init_of_decl;
    c->kind = ST_NOP;
    c->e = NULL;
    ir_drop_local(fn, t);
  }
}

/* ---- temporaries nothing reads ------------------------------------------ */

static bool sets_var(Stmt *s, Var *t) {
  return s->kind == ST_EXPR && s->e && s->e->kind == EX_ASSIGN && !s->e->op && s->e->a->kind == EX_VAR &&
         s->e->a->var == t;
}

static int count_sets(Stmt *s, Var *t) {
  if (!s) return 0;
  int n = sets_var(s, t);
  for (int i = 0; i < s->kids.len; i++) n += count_sets(s->kids.data[i], t);
  return n + count_sets(s->init, t) + count_sets(s->body, t) + count_sets(s->els, t);
}

static void drop_sets(Stmt *s, Var *t) {
  if (!s) return;
  if (sets_var(s, t)) {
    Expr *r = s->e->b;
    if (ir_has_side_effects(r)) s->e = r;   /* what the value came from still runs */
    else s->kind = ST_NOP, s->e = NULL;
    s->init_of_decl = false;
  }
  for (int i = 0; i < s->kids.len; i++) drop_sets(s->kids.data[i], t);
  drop_sets(s->init, t), drop_sets(s->body, t), drop_sets(s->els, t);
}

/* A temporary that is only ever assigned: a helper's value where the call
 * is a statement (`bump(&t, w);` leaves `_ret1 = t;`), a call's value that
 * an expression statement drops. Its assignments go (C compilers warn of a
 * variable set but not used). */
static void drop_unread_temps(Func *fn) {
  for (int i = fn->locals.len - 1; i >= 0; i--) {
    Var *t = fn->locals.data[i];
    if (t->kind != VAR_TEMP || t == fn->retvar || t->addr_taken || t->is_static || t->is_flag) continue;
    int sets = count_sets(fn->body, t);
    if (!sets || ir_count_mentions(fn->body, t) != sets) continue;
    drop_sets(fn->body, t);
    ir_drop_local(fn, t);
  }
}

/* Inlines, into fn's lowered body, every call that can be inlined, callees
 * first (each is inlined into once, then copied). */
bool inline_func(Program *p, Func *fn) {
  if (fn->inlined) return true;
  int before = diag_errors();
  if (!stack.len) {
    /* the outermost call: the arena may have been reset since the last run */
    stack = globals = addr_taken = (Vec){0};
  }
  prog = p;
  vec_push(&stack, fn);
  note_globals_stmt(fn->body);
  for (int i = 0; i < fn->locals.len; i++) note_globals(((Var *)fn->locals.data[i])->static_init);
  Vec saved_addr = addr_taken;
  addr_taken = (Vec){0};
  note_addr_stmt(fn->body);
  if (fn->body->kind != ST_BLOCK) {
    Stmt *b = ir_block(fn->body->loc);
    vec_push(&b->kids, fn->body);
    fn->body = b;
  }
  walk(p, fn, fn->body, false);
  drop_copies(fn, fn->body);
  drop_unread_temps(fn);
  addr_taken = saved_addr;
  stack.len--;
  fn->inlined = true;
  return diag_errors() == before;
}
