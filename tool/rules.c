/* rules.c: the derivative rules of libm (rules.h, one row per function),
 * shared by parse (which call has a rule), activity, reverse and forward
 * mode: finding a rule, its out-parameters, and a formula instantiated on
 * argument texts.
 */
#include "tool.h"

#include <ctype.h>
#include <string.h>

static Rule rules[] = {
#define RULE(name, n, ...)                                                    \
  {#name, n, {__VA_ARGS__}, "", false}, {#name "f", n, {__VA_ARGS__}, "f", false}, \
  {#name "l", n, {__VA_ARGS__}, "l", false},
#include "rules.h"
#undef RULE
};

/* The rule of a libm function (sin, sinf, sinl), also spelt __builtin_sin. */
const Rule *rule_find(const char *name) {
  if (!strncmp(name, "__builtin_", 10)) name += 10;
  for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
    if (!strcmp(rules[i].name, name)) return &rules[i];
  return NULL;
}

/* Collects the out-parameters of the libm calls in e (frexp(x, &e): &e):
 * pointer arguments that carry no derivative, which the call writes through. */
void rule_out_args(Expr *e, Vec *out) {
  if (!e) return;
  if (e->kind == EX_CALL && e->rule)
    for (int i = 0; i < e->nargs && i < e->rule->nargs; i++)
      if (!e->rule->d[i] && ty_is_ptr(e->args[i]->ty)) vec_push(out, e->args[i]);
  rule_out_args(e->a, out), rule_out_args(e->b, out), rule_out_args(e->c, out);
  for (int i = 0; i < e->nargs; i++) rule_out_args(e->args[i], out);
}

/* The derivative of y = f(u) written with y itself ($1), for the functions
 * whose value gives it more cheaply than u does: the reverse sweep then
 * reads y, which the forward sweep computed, instead of calling f or its
 * derivative again. NULL for the others. */
const char *rule_by_value(const Rule *r) {
  static const struct { const char *name, *d; } by_value[] = {
    {"exp", "$1"},
    {"expm1", "$1 + #1.0"},
    {"exp2", "$1 * #0.693147180559945309417"},
    {"tanh", "(#1.0 - $1) * (#1.0 + $1)"},
    {"sqrt", "#0.5 / $1"},
  };
  size_t n = strlen(r->name) - strlen(r->suffix);
  for (size_t i = 0; i < sizeof by_value / sizeof *by_value; i++)
    if (strlen(by_value[i].name) == n && !strncmp(r->name, by_value[i].name, n)) return by_value[i].d;
  return NULL;
}

/* ---- a formula as IR ------------------------------------------------------ */

/* rule_expr parses a formula of rules.h (by recursive descent, C's
 * precedence) into an expression over copies of the arguments, so that
 * forward mode builds tangents as IR, which a Hessian differentiates again.
 * The same parser reads the C expressions of GRADC_WRITES counts (rule_count):
 * names, calls and integer literals, and no error is gradc's own there. */
typedef struct RP {
  const Rule *r;
  const char *s;
  Expr **args;
  Expr *(*copy)(Expr *e);
  Type *ty;              /* the formula's floating type: the call's */
  Loc loc;
  Expr *(*name)(const char *name, void *ud, Loc loc);   /* a count: what a name stands for */
  void *ud;
  bool bad;              /* a count that is not an expression gradc reads */
} RP;

static Expr *rp_fail(RP *p) {
  if (!p->name) bug("malformed derivative rule");
  p->bad = true;
  p->s += strlen(p->s);
  return ir_num("0", p->ty, p->loc);
}

static Expr *rp_cond(RP *p);

static void rp_space(RP *p) { while (*p->s == ' ') p->s++; }

static bool rp_eat(RP *p, const char *tok) {
  rp_space(p);
  size_t n = strlen(tok);
  if (strncmp(p->s, tok, n)) return false;
  /* "<" is not "<=", "|" never stands alone */
  if (n == 1 && (*tok == '<' || *tok == '>' || *tok == '=' || *tok == '!') && p->s[1] == '=') return false;
  p->s += n;
  return true;
}

static void rp_expect(RP *p, const char *tok) {
  if (!rp_eat(p, tok)) rp_fail(p);
}

static Expr *rp_primary(RP *p) {
  rp_space(p);
  const char *s = p->s;
  if (rp_eat(p, "(")) {
    Expr *e = rp_cond(p);
    rp_expect(p, ")");
    return e;
  }
  if (p->name && (isalnum((unsigned char)*s) || *s == '_')) {   /* a count's name, call or literal */
    const char *q = s;
    while (isalnum((unsigned char)*q) || *q == '_' || (isdigit((unsigned char)*s) && *q == '.')) q++;
    const char *word = arena_strndup(s, (size_t)(q - s));
    p->s = q;
    if (isdigit((unsigned char)*s)) return ir_num(word, p->ty, p->loc);
    if (!rp_eat(p, "(")) return p->name(word, p->ud, p->loc);
    Vec a = {0};
    if (!rp_eat(p, ")")) {
      do vec_push(&a, rp_cond(p));
      while (rp_eat(p, ","));
      rp_expect(p, ")");
    }
    return ir_call(word, p->ty, p->loc, (Expr **)a.data, a.len);
  }
  if (*s == '$') {
    p->s += 2;
    return p->copy(p->args[s[1] - '1']);
  }
  if (*s == '#') {
    const char *q = s + 1;
    while (isdigit((unsigned char)*q) || *q == '.') q++;
    p->s = q;
    const char *suf = *p->r->suffix == 'f' ? "f" : *p->r->suffix == 'l' ? "L" : "";
    return ir_num(format("%.*s%s", (int)(q - s - 1), s + 1, suf), p->ty, p->loc);
  }
  if (*s == '@') {
    const char *q = s + 1;
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    p->s = q;
    Expr *c = ir_new_expr(EX_CALL, p->ty, p->loc);
    c->text = format("%.*s%s", (int)(q - s - 1), s + 1, p->r->suffix);
    c->rule = rule_find(c->text);
    c->callee_known = true;
    Expr *a[RULE_MAX_ARGS];
    rp_expect(p, "(");
    do {
      if (c->nargs == RULE_MAX_ARGS) bug("malformed derivative rule");
      a[c->nargs++] = rp_cond(p);
    } while (rp_eat(p, ","));
    rp_expect(p, ")");
    c->args = arena_alloc(sizeof(Expr *) * (size_t)c->nargs);
    for (int i = 0; i < c->nargs; i++) c->args[i] = a[i];
    return c;
  }
  return rp_fail(p);
}

static Expr *rp_unary(RP *p) {
  if (rp_eat(p, "-")) {
    Expr *e = ir_new_expr(EX_NEG, p->ty, p->loc);
    e->a = rp_unary(p);
    return e;
  }
  if (rp_eat(p, "!")) return ir_unary(EX_NOT, rp_unary(p), ty_int());
  return rp_primary(p);
}

/* binary levels, tightest first */
static const struct { const char *tok; ExprKind kind; int level; } rp_ops[] = {
  {"*", EX_MUL, 0}, {"/", EX_DIV, 0}, {"%", EX_MOD, 0}, {"+", EX_ADD, 1}, {"-", EX_SUB, 1},
  {"<=", EX_LE, 2}, {">=", EX_GE, 2}, {"<", EX_LT, 2}, {">", EX_GT, 2},
  {"==", EX_EQ, 3}, {"!=", EX_NE, 3}, {"&&", EX_LAND, 4}, {"||", EX_LOR, 5},
};

static Expr *rp_binary(RP *p, int level) {
  Expr *e = level < 0 ? rp_unary(p) : rp_binary(p, level - 1);
  for (bool more = level >= 0; more;) {
    more = false;
    for (size_t i = 0; i < sizeof rp_ops / sizeof *rp_ops && !more; i++) {
      if (rp_ops[i].level != level || !rp_eat(p, rp_ops[i].tok)) continue;
      Expr *b = rp_binary(p, level - 1);
      e = ir_binary(rp_ops[i].kind, e, b, level >= 2 ? ty_int() : p->ty, p->loc);
      more = true;
    }
  }
  return e;
}

static Expr *rp_cond(RP *p) {
  Expr *c = rp_binary(p, 5);
  if (!rp_eat(p, "?")) return c;
  Expr *e = ir_new_expr(EX_COND, p->ty, p->loc);
  e->a = c;
  e->b = rp_cond(p);
  rp_expect(p, ":");
  e->c = rp_cond(p);
  return e;
}

Expr *rule_expr(const Rule *r, const char *formula, Expr **args, Expr *(*copy)(Expr *e), Type *ty, Loc loc) {
  RP p = {r, formula, args, copy, ty, loc, NULL, NULL, false};
  Expr *e = rp_cond(&p);
  rp_space(&p);
  if (*p.s) bug("malformed derivative rule");
  return e;
}

Expr *rule_count(const char *text, Expr *(*name)(const char *name, void *ud, Loc loc), void *ud, Loc loc) {
  RP p = {NULL, text, NULL, NULL, ty_int(), loc, name, ud, false};
  Expr *e = rp_cond(&p);
  rp_space(&p);
  return p.bad || *p.s ? NULL : e;
}
