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

/* Instantiates a rule formula (see rules.h) for the given argument texts,
 * each parenthesised unless it is one operand already. */
const char *rule_text(const Rule *r, const char *f, const char *const *args) {
  Buf b = {0};
  for (const char *p = f; *p; p++) {
    if (*p == '$') {
      /* a whole argument of a call in the formula, @f($1), needs no parentheses */
      bool whole = p > f && (p[-1] == '(' || p[-1] == ' ') && (p[2] == ')' || p[2] == ',') &&
                   (p[-1] == '(' || (p - f >= 2 && p[-2] == ','));
      const char *a = args[p[1] - '1'];
      buf_printf(&b, "%s", whole ? a : emit_paren(a));
      p++;
    } else if (*p == '@') {
      const char *q = p + 1;
      while (isalnum((unsigned char)*q) || *q == '_') q++;
      buf_printf(&b, "%.*s%s", (int)(q - p - 1), p + 1, r->suffix);
      p = q - 1;
    } else if (*p == '#') {
      const char *q = p + 1;
      while (isdigit((unsigned char)*q) || *q == '.') q++;
      buf_printf(&b, "%.*s%s", (int)(q - p - 1), p + 1, *r->suffix == 'f' ? "f" : *r->suffix == 'l' ? "L" : "");
      p = q - 1;
    } else {
      buf_printf(&b, "%c", *p);
    }
  }
  const char *s = arena_strdup(b.data);
  buf_free(&b);
  return s;
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
