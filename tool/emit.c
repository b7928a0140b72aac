/* emit.c: C text from the IR.
 *
 * Expressions print with the fewest parentheses that keep C's precedence, so
 * that generated code reads like the user's. Declarators are built inside-out
 * from the IR type (pointers wrap the name, arrays follow it), never from
 * libclang's type spellings, which are not declarators.
 */
#include "tool.h"

#include <ctype.h>
#include <string.h>

/* Declarator text for `name` of type t: "const double *w", "double a[4]". */
const char *emit_decl(Type *t, const char *name) {
  const char *d = name ? name : "";
  while (t->kind == TY_PTR || t->kind == TY_ARRAY) {
    if (t->kind == TY_PTR) {
      d = format("*%s%s", t->is_const ? "const " : "", d);
    } else {
      if (d[0] == '*') d = format("(%s)", d);
      if (t->vla_len) d = format("%s[%s]", d, emit_expr(t->vla_len));
      else if (t->len >= 0) d = format("%s[%ld]", d, t->len);
      else d = format("%s[]", d);
    }
    t = t->base;
    if (t->kind == TY_FUNC) return format("%s", t->spell);  /* function pointers: spelled */
  }
  const char *leaf = format("%s%s", t->is_const ? "const " : "", t->spell ? t->spell : "int");
  return *d ? format("%s %s", leaf, d) : leaf;
}

const char *emit_type(Type *t) {
  const char *s = emit_decl(t, NULL);
  size_t n = strlen(s);
  return n && s[n - 1] == ' ' ? arena_strndup(s, n - 1) : s;
}

/* C precedence, higher binds tighter. */
static int prec(const Expr *e) {
  switch (e->kind) {
  case EX_COMMA: return 1;
  case EX_ASSIGN: return 2;
  case EX_COND: return 3;
  case EX_LOR: return 4;
  case EX_LAND: return 5;
  case EX_BITOR: return 6;
  case EX_BITXOR: return 7;
  case EX_BITAND: return 8;
  case EX_EQ: case EX_NE: return 9;
  case EX_LT: case EX_LE: case EX_GT: case EX_GE: return 10;
  case EX_SHL: case EX_SHR: return 11;
  case EX_ADD: case EX_SUB: return 12;
  case EX_MUL: case EX_DIV: case EX_MOD: return 13;
  case EX_NEG: case EX_PLUS: case EX_NOT: case EX_BITNOT: case EX_ADDR: case EX_DEREF:
  case EX_PREINC: case EX_PREDEC: case EX_CAST: case EX_SIZEOF: return 14;
  case EX_NUM:
    return e->text[0] == '-' ? 14 : 16;
  default: return 15;  /* postfix and primary */
  }
}

static const char *binop_text(ExprKind k) {
  switch (k) {
  case EX_ADD: return "+"; case EX_SUB: return "-"; case EX_MUL: return "*";
  case EX_DIV: return "/"; case EX_MOD: return "%"; case EX_SHL: return "<<";
  case EX_SHR: return ">>"; case EX_BITAND: return "&"; case EX_BITOR: return "|";
  case EX_BITXOR: return "^"; case EX_LT: return "<"; case EX_LE: return "<=";
  case EX_GT: return ">"; case EX_GE: return ">="; case EX_EQ: return "==";
  case EX_NE: return "!="; case EX_LAND: return "&&"; case EX_LOR: return "||";
  case EX_COMMA: return ",";
  default: return "?";
  }
}

static void emit_into(Buf *b, Expr *e);

static bool is_comparison(ExprKind k) {
  return k == EX_EQ || k == EX_NE || k == EX_LT || k == EX_LE || k == EX_GT || k == EX_GE;
}

/* Whether an operand of op needs parentheses that precedence does not ask
 * for, but that gcc's -Wparentheses does (a == b != c, a && b || c,
 * a + b << c, a & b == c): generated code compiles without warnings. */
static bool clarify(ExprKind op, ExprKind k) {
  bool bit = op == EX_BITAND || op == EX_BITOR || op == EX_BITXOR;
  bool arith = k == EX_ADD || k == EX_SUB || k == EX_MUL || k == EX_DIV || k == EX_MOD;
  if (is_comparison(op)) return is_comparison(k);
  if (op == EX_LOR) return k == EX_LAND;
  if (op == EX_SHL || op == EX_SHR) return k == EX_ADD || k == EX_SUB;
  if (bit) return arith || is_comparison(k) || k == EX_SHL || k == EX_SHR ||
                  ((k == EX_BITAND || k == EX_BITOR || k == EX_BITXOR) && k != op);
  return false;
}

/* An operand, parenthesised when it binds looser than `p` (or equally, on
 * the side where C associativity would regroup it). */
static void operand(Buf *b, Expr *e, int p, bool right) {
  int q = prec(e);
  bool wrap = q < p || (q == p && right);
  if (wrap) buf_puts(b, "(");
  emit_into(b, e);
  if (wrap) buf_puts(b, ")");
}

static void unary(Buf *b, const char *op, Expr *a) {
  Buf t = {0};
  operand(&t, a, 14, false);
  /* -(-x), not --x: an operand that starts with the operator's sign */
  char last = op[strlen(op) - 1];
  bool glue = t.data && (last == '-' || last == '+' || last == '&') && t.data[0] == last;
  buf_printf(b, glue ? "%s(%s)" : "%s%s", op, t.data ? t.data : "");
  buf_free(&t);
}

/* Appends the C text of e to b: one pass over the tree, so that long
 * expressions print in linear time. */
static void emit_into(Buf *b, Expr *e) {
  switch (e->kind) {
  case EX_SIZEOF:
    if (e->a) {   /* built by gradc: sizeof lv */
      buf_puts(b, "sizeof ");
      operand(b, e->a, 14, false);
      return;
    }
    buf_puts(b, e->text);
    return;
  case EX_NUM: case EX_STR: case EX_FUNCREF:
    buf_puts(b, e->text);
    return;
  case EX_VAR: buf_puts(b, e->var->name); return;
  case EX_NEG: unary(b, "-", e->a); return;
  case EX_PLUS: unary(b, "+", e->a); return;
  case EX_NOT: unary(b, "!", e->a); return;
  case EX_BITNOT: unary(b, "~", e->a); return;
  case EX_ADDR: unary(b, "&", e->a); return;
  case EX_DEREF: unary(b, "*", e->a); return;
  case EX_PREINC: unary(b, "++", e->a); return;
  case EX_PREDEC: unary(b, "--", e->a); return;
  case EX_POSTINC: operand(b, e->a, 15, false); buf_puts(b, "++"); return;
  case EX_POSTDEC: operand(b, e->a, 15, false); buf_puts(b, "--"); return;
  case EX_INDEX:
    operand(b, e->a, 15, false);
    buf_puts(b, "[");
    emit_into(b, e->b);
    buf_puts(b, "]");
    return;
  case EX_MEMBER:
    operand(b, e->a, 15, false);
    buf_printf(b, "%s%s", e->arrow ? "->" : ".", e->text);
    return;
  case EX_CAST:
    buf_printf(b, "(%s)", emit_type(e->ty));
    operand(b, e->a, 14, false);
    return;
  case EX_COND:
    operand(b, e->a, 4, false);
    buf_puts(b, " ? ");
    operand(b, e->b, 3, false);
    buf_puts(b, " : ");
    operand(b, e->c, 3, false);
    return;
  case EX_ASSIGN:
    operand(b, e->a, 14, false);
    buf_printf(b, " %s%s ", e->op ? binop_text(e->op) : "", "=");
    operand(b, e->b, 2, false);
    return;
  case EX_CALL:
    /* a static function of the user's file is invisible to the generated
     * file: it gets a static copy there (emit_primals) */
    if (e->callee && e->callee->in_header) ;   /* the generated file includes the header too */
    else if (e->callee && e->callee->is_static) e->callee->need_primal = true;
    else if (e->callee) e->callee->need_proto = true;
    buf_printf(b, "%s(", e->text);
    for (int i = 0; i < e->nargs; i++) {
      if (i) buf_puts(b, ", ");
      operand(b, e->args[i], 2, false);
    }
    buf_puts(b, ")");
    return;
  case EX_INITLIST:
    buf_puts(b, "{");
    for (int i = 0; i < e->nargs; i++) {
      if (i) buf_puts(b, ", ");
      operand(b, e->args[i], 2, false);
    }
    buf_puts(b, "}");
    return;
  default:
    if (ir_is_binary(e->kind)) {
      int p = prec(e);
      /* 17: binds tighter than anything, so the operand is parenthesised */
      operand(b, e->a, clarify(e->kind, e->a->kind) ? 17 : p, false);
      buf_printf(b, " %s ", binop_text(e->kind));
      /* a negated right operand of arithmetic reads as one: s * (-sin(u)) */
      bool neg = e->b->kind == EX_NEG && p >= 12;
      operand(b, e->b, clarify(e->kind, e->b->kind) || neg ? 17 : p, true);
      return;
    }
    unreachable();
  }
}

const char *emit_expr(Expr *e) {
  Buf b = {0};
  emit_into(&b, e);
  const char *s = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return s;
}

void emit_indent(Buf *b, int indent) {
  for (int i = 0; i < indent; i++) buf_puts(b, "  ");
}

static void emit_body(Buf *b, Stmt *s, int indent) {
  if (s->kind == ST_BLOCK) {
    buf_puts(b, " {");
    if (s->comment) buf_printf(b, "   /* %s */", s->comment);
    buf_puts(b, "\n");
    for (int i = 0; i < s->kids.len; i++) emit_stmt(b, s->kids.data[i], indent + 1);
    emit_indent(b, indent);
    buf_puts(b, "}");
  } else {
    buf_puts(b, " {\n");
    emit_stmt(b, s, indent + 1);
    emit_indent(b, indent);
    buf_puts(b, "}");
  }
}

static bool parallel;    /* parallel loops keep their pragma (emit_function; Stmt.parallel) */
static bool hints;       /* short loops get emit_unroll_hint (emit_function) */

/* " name(a, b)" for a clause of a pragma over the variables vs, if any */
static void clause(Buf *b, const char *name, Vec *vs) {
  for (int i = 0; i < vs->len; i++) buf_printf(b, "%s%s", i ? ", " : format(" %s", name), ((Var *)vs->data[i])->name);
  if (vs->len) buf_puts(b, ")");
}

/* Prints a statement of the (lowered or not) IR as C. */
void emit_stmt(Buf *b, Stmt *s, int indent) {
  switch (s->kind) {
  case ST_NOP:
    if (s->comment) {
      emit_indent(b, indent);
      buf_printf(b, "/* %s */\n", s->comment);
    }
    return;
  case ST_BLOCK:
    if (s->omp) {   /* a parallel region of derivative code */
      emit_indent(b, indent);
      buf_printf(b, "#pragma omp parallel num_threads(%s)", emit_expr(s->omp->threads));
      clause(b, "private(", &s->omp->priv);
      clause(b, "firstprivate(", &s->omp->first);
      clause(b, "reduction(+: ", &s->omp->red);
      buf_puts(b, "\n");
    }
    emit_indent(b, indent);
    buf_puts(b, "{\n");
    for (int i = 0; i < s->kids.len; i++) emit_stmt(b, s->kids.data[i], indent + 1);
    emit_indent(b, indent);
    buf_puts(b, "}\n");
    return;
  case ST_EXPR:
    if (s->atomic) {
      emit_indent(b, indent);
      buf_puts(b, "#pragma omp atomic\n");
    }
    emit_indent(b, indent);
    buf_printf(b, "%s;", emit_expr(s->e));
    buf_printf(b, s->comment ? "   /* %s */\n" : "\n", s->comment);
    return;
  case ST_DECL:
    emit_indent(b, indent);
    buf_printf(b, "%s%s", s->var->is_static ? "static " : "", emit_decl(s->var->ty, s->var->name));
    if (s->e) buf_printf(b, " = %s", emit_expr(s->e));
    buf_puts(b, ";\n");
    return;
  case ST_IF:
    emit_indent(b, indent);
    if (!s->els && s->body->kind == ST_EXPR && !s->body->atomic) {   /* if (c) s; on one line */
      buf_printf(b, "if (%s) %s;\n", emit_expr(s->e), emit_expr(s->body->e));
      return;
    }
    buf_printf(b, "if (%s)", emit_expr(s->e));
    emit_body(b, s->body, indent);
    while (s->els && s->els->kind == ST_IF) {   /* else if (c) { ... } */
      s = s->els;
      buf_printf(b, " else if (%s)", emit_expr(s->e));
      emit_body(b, s->body, indent);
    }
    if (s->els) {
      buf_puts(b, " else");
      emit_body(b, s->els, indent);
    }
    buf_puts(b, "\n");
    return;
  case ST_WHILE:
    if (s->unroll) emit_unroll_hint(b, s->unroll, indent);
    emit_indent(b, indent);
    buf_printf(b, "while (%s)", emit_expr(s->e));
    emit_body(b, s->body, indent);
    buf_puts(b, "\n");
    return;
  case ST_DO:
    if (s->unroll) emit_unroll_hint(b, s->unroll, indent);
    emit_indent(b, indent);
    buf_puts(b, "do");
    emit_body(b, s->body, indent);
    buf_printf(b, " while (%s);\n", emit_expr(s->e));
    return;
  case ST_FOR: {
    const char *clauses = s->omp && (parallel || s->parallel) ? omp_primal_clauses(s) : NULL;
    if (clauses) {
      emit_indent(b, indent);
      buf_printf(b, "#pragma omp parallel for%s\n", clauses);
    }
    bool saved_par = parallel;
    parallel = parallel && !clauses;   /* one inside it runs serially */
    if (hints) emit_unroll_hint(b, s, indent);
    if (s->unroll) emit_unroll_hint(b, s->unroll, indent);
    emit_indent(b, indent);
    const char *init = "";
    if (s->init && s->init->kind == ST_EXPR) init = emit_expr(s->init->e);
    else if (s->init && s->init->kind == ST_DECL)
      init = s->init->e ? format("%s = %s", emit_decl(s->init->var->ty, s->init->var->name), emit_expr(s->init->e))
                        : emit_decl(s->init->var->ty, s->init->var->name);
    /* for (init; cond; inc), for (init; cond;), for (;;) */
    buf_printf(b, "for (%s;%s%s;%s%s)", init, s->e ? " " : "", s->e ? emit_expr(s->e) : "", s->inc ? " " : "",
               s->inc ? emit_expr(s->inc) : "");
    emit_body(b, s->body, indent);
    buf_puts(b, "\n");
    parallel = saved_par;
    return;
  }
  case ST_RETURN:
    emit_indent(b, indent);
    if (s->e) buf_printf(b, "return %s;\n", emit_expr(s->e));
    else buf_puts(b, "return;\n");
    return;
  case ST_BREAK:
    emit_indent(b, indent);
    buf_puts(b, "break;\n");
    return;
  case ST_CONTINUE:
    emit_indent(b, indent);
    buf_puts(b, "continue;\n");
    return;
  case ST_SWITCH:
    emit_indent(b, indent);
    buf_printf(b, "switch (%s)", emit_expr(s->e));
    emit_body(b, s->body, indent);
    buf_puts(b, "\n");
    return;
  case ST_CASE:
    emit_indent(b, indent - 1);
    buf_printf(b, "case %s:\n", emit_expr(s->e));
    if (s->body) emit_stmt(b, s->body, indent);
    return;
  case ST_DEFAULT:
    emit_indent(b, indent - 1);
    buf_puts(b, "default:\n");
    if (s->body) emit_stmt(b, s->body, indent);
    return;
  case ST_GOTO:
    emit_indent(b, indent);
    buf_printf(b, "goto %s;\n", s->label);
    return;
  case ST_LABEL:
    emit_indent(b, indent - 1);
    buf_printf(b, "%s:\n", s->label);
    if (s->body) emit_stmt(b, s->body, indent);
    return;
  }
}

/* for (c = a; c < b; c++) with literals a and b, 2 to 4 iterations: the C
 * compiler is asked to unroll it, in each sweep. gcc -O2 keeps such
 * loops, and with them small arrays (BA's 3-vectors) in memory; unrolled,
 * they live in registers as in a hand-written adjoint. */
void emit_unroll_hint(Buf *b, Stmt *s, int indent) {
  Expr *first, *bound;
  if (s->kind != ST_FOR || !ir_up_loop(s, &first, &bound)) return;
  long a = ir_lit_int(first), n = ir_lit_int(bound);
  if (a < 0 || n < 0 || n - a < 2 || n - a > 4) return;
  emit_indent(b, indent);
  buf_printf(b, "#pragma GCC unroll %ld\n", n - a);
}

/* Declarations of fn's locals at the top of a generated function. Scalars
 * start at 0, arrays and structs zeroed, so that saving a variable before
 * its first assignment never reads an indeterminate value; static locals
 * keep their initializer. */
void emit_locals(Buf *b, Func *fn, bool (*skip)(Var *v)) {
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    if (skip && skip(v)) continue;
    emit_indent(b, 1);
    /* hoisted declarations are assigned later: no const (but statics keep theirs) */
    buf_printf(b, "%s%s", v->is_static ? "static " : "", emit_decl(v->is_static ? v->ty : ty_unconst(v->ty), v->name));
    if (v->is_static)
      buf_printf(b, "%s%s;\n", v->static_init ? " = " : "", v->static_init ? emit_expr(v->static_init) : "");
    else if (v->ty->vla_len)
      buf_printf(b, ";\n  memset(%s, 0, sizeof %s);\n", v->name, v->name);
    else if (v->ty->kind == TY_ARRAY || v->ty->kind == TY_STRUCT || v->ty->kind == TY_UNION)
      buf_puts(b, " = {0};\n");
    else
      buf_puts(b, " = 0;\n");
  }
}

/* Static copies of the user's static functions that generated code calls
 * with no derivative to take: the generated file cannot see the originals.
 * Copies are printed from the lowered IR and may need further copies. */
const char *emit_signature(Func *fn) {
  Buf params = {0};
  for (int k = 0; k < fn->params.len; k++) {
    Var *v = fn->params.data[k];
    buf_printf(&params, "%s%s", k ? ", " : "", emit_decl(v->ty, v->name));
  }
  const char *sig = format("%s(%s%s)", emit_decl(fn->ret, fn->name), params.data ? params.data : "void",
                           fn->is_variadic ? ", ..." : "");
  buf_free(&params);
  return sig;
}

static Vec emitted;      /* names of the static copies and prototypes written */

static bool seen(const char *name) {
  for (int i = 0; i < emitted.len; i++)
    if (!strcmp(emitted.data[i], name)) return true;
  vec_push(&emitted, (void *)name);
  return false;
}

void emit_reset(void) { emitted = (Vec){0}; }

bool emit_primals(Program *p, Buf *protos, Buf *out) {
  for (bool more = true; more;) {
    more = false;
    for (int i = 0; i < p->funcs.len; i++) {
      Func *fn = p->funcs.data[i];
      if (fn->need_proto && !fn->proto_done && !fn->is_static) {
        fn->proto_done = true;
        if (!seen(fn->name)) buf_printf(protos, "%s;\n", emit_signature(fn));
      }
      if (!fn->need_primal || fn->primal_done || !fn->has_body) continue;
      fn->primal_done = more = true;
      if (seen(fn->name)) continue;
      if (!parse_body(p, fn) || !lower_func(p, fn)) return false;
      const char *sig = format("static %s", emit_signature(fn));
      buf_printf(protos, "%s;\n", sig);
      const char *base = strrchr(p->path, '/') ? strrchr(p->path, '/') + 1 : p->path;
      buf_printf(out, "/* a copy of the static function '%s' of %s */\n%s\n{\n", fn->name, base, sig);
      emit_locals(out, fn, NULL);
      for (int k = 0; k < fn->body->kids.len; k++) {
        Stmt *s = fn->body->kids.data[k];
        if (s->kind != ST_DECL) emit_stmt(out, s, 1);
      }
      if (fn->retvar) buf_printf(out, "  return %s;\n", fn->retvar->name);
      buf_puts(out, "}\n\n");
    }
  }
  return true;
}

/* A generated function of the IR (forward mode's): sig, then the body with
 * fn's locals declared at the top. A parameter that neither the body nor a
 * local's length reads, and a local the body only assigns, get a (void).
 * (Every local is declared: `sizeof v` keeps v's name as text.) */

/* v is read by the length of one of fn's variable-length arrays */
static bool in_vla_length(Func *fn, Var *v) {
  for (int i = 0; i < fn->locals.len; i++)
    for (Type *t = ((Var *)fn->locals.data[i])->ty; t; t = t->kind == TY_ARRAY ? t->base : NULL)
      if (t->vla_len && ir_expr_mentions(t->vla_len, v)) return true;
  return false;
}

void emit_function(Buf *out, Func *fn, const char *sig) {
  buf_printf(out, "%s\n{\n", sig);
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (!ir_mentions(fn->body, v) && !in_vla_length(fn, v)) buf_printf(out, "  (void)%s;\n", v->name);
  }
  emit_locals(out, fn, NULL);
  for (int i = 0; i < fn->locals.len; i++) {
    Var *v = fn->locals.data[i];
    if (v != fn->retvar && !v->is_static && ir_only_assigned(fn->body, v)) buf_printf(out, "  (void)%s;\n", v->name);
  }
  bool saved_par = parallel, saved_hints = hints;
  parallel = hints = true;
  for (int i = 0; i < fn->body->kids.len; i++) emit_stmt(out, fn->body->kids.data[i], 1);
  parallel = saved_par, hints = saved_hints;
  if (fn->retvar) buf_printf(out, "  return %s;\n", fn->retvar->name);
  buf_puts(out, "}\n\n");
}
