/* parse_body.c: function bodies to IR. Expressions and statements from
 * libclang's cursors, the OpenMP directives before loops (read from the
 * tokens), and parse_body, which converts a function's body when a later
 * pass first needs it. parse.c reads the translation unit, its types and
 * its annotations. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/* ---- expressions ---------------------------------------------------------- */

static Expr *expr(CXCursor c);
static Stmt *stmt(CXCursor c);

static Expr *bad_expr(CXCursor c, const char *what) {
  diag_error(loc_of(c), "cannot differentiate through %s", what);
  return ir_num("0", ty_int(), loc_of(c));
}

static Var *var_of(CXCursor decl, Loc use) {
  Var *v = map_get(decl);
  if (v) return v;
  enum CXCursorKind k = clang_getCursorKind(decl);
  if (k == CXCursor_VarDecl && clang_getCursorSemanticParent(decl).kind == CXCursor_TranslationUnit) {
    const char *name = cx_string(clang_getCursorSpelling(decl));
    v = ir_new_var(NULL, name, conv_type(clang_getCursorType(decl)), VAR_GLOBAL, loc_of(decl));
    v->is_static = clang_Cursor_getStorageClass(decl) == CX_SC_Static;
    map_put(decl, v);
    if (in_main_file(decl)) {
      CXPrintingPolicy pol = clang_getCursorPrintingPolicy(decl);
      clang_PrintingPolicy_setProperty(pol, CXPrintingPolicy_PolishForDeclaration, 1);
      Type *et = v->ty;
      while (et->kind == TY_ARRAY) et = et->base;
      if (v->is_static && (v->ty->is_const || et->is_const)) {
        vec_push(&prog->decls, (void *)format("%s;", cx_string(clang_getCursorPrettyPrinted(decl, pol))));
      } else if (v->is_static) {
        diag_error(use, "static variable '%s' of this file is not visible from the generated file",
                   name);
        diag_note(loc_of(decl), "make it const, or give it external linkage");
      } else {
        clang_PrintingPolicy_setProperty(pol, CXPrintingPolicy_SuppressInitializers, 1);
        const char *d = cx_string(clang_getCursorPrettyPrinted(decl, pol));
        vec_push(&prog->decls, (void *)format("%s%s;", strncmp(d, "extern ", 7) ? "extern " : "", d));
      }
      clang_PrintingPolicy_dispose(pol);
    }
    return v;
  }
  return NULL;
}

static ExprKind binop_kind(enum CXBinaryOperatorKind k, ExprKind *assign_op) {
  *assign_op = 0;
  switch (k) {
  case CXBinaryOperator_Mul: return EX_MUL;
  case CXBinaryOperator_Div: return EX_DIV;
  case CXBinaryOperator_Rem: return EX_MOD;
  case CXBinaryOperator_Add: return EX_ADD;
  case CXBinaryOperator_Sub: return EX_SUB;
  case CXBinaryOperator_Shl: return EX_SHL;
  case CXBinaryOperator_Shr: return EX_SHR;
  case CXBinaryOperator_LT: return EX_LT;
  case CXBinaryOperator_GT: return EX_GT;
  case CXBinaryOperator_LE: return EX_LE;
  case CXBinaryOperator_GE: return EX_GE;
  case CXBinaryOperator_EQ: return EX_EQ;
  case CXBinaryOperator_NE: return EX_NE;
  case CXBinaryOperator_And: return EX_BITAND;
  case CXBinaryOperator_Xor: return EX_BITXOR;
  case CXBinaryOperator_Or: return EX_BITOR;
  case CXBinaryOperator_LAnd: return EX_LAND;
  case CXBinaryOperator_LOr: return EX_LOR;
  case CXBinaryOperator_Comma: return EX_COMMA;
  case CXBinaryOperator_Assign: return EX_ASSIGN;
  case CXBinaryOperator_MulAssign: *assign_op = EX_MUL; return EX_ASSIGN;
  case CXBinaryOperator_DivAssign: *assign_op = EX_DIV; return EX_ASSIGN;
  case CXBinaryOperator_RemAssign: *assign_op = EX_MOD; return EX_ASSIGN;
  case CXBinaryOperator_AddAssign: *assign_op = EX_ADD; return EX_ASSIGN;
  case CXBinaryOperator_SubAssign: *assign_op = EX_SUB; return EX_ASSIGN;
  case CXBinaryOperator_ShlAssign: *assign_op = EX_SHL; return EX_ASSIGN;
  case CXBinaryOperator_ShrAssign: *assign_op = EX_SHR; return EX_ASSIGN;
  case CXBinaryOperator_AndAssign: *assign_op = EX_BITAND; return EX_ASSIGN;
  case CXBinaryOperator_XorAssign: *assign_op = EX_BITXOR; return EX_ASSIGN;
  case CXBinaryOperator_OrAssign: *assign_op = EX_BITOR; return EX_ASSIGN;
  default: return 0;
  }
}

static Expr *call_expr(CXCursor c, Type *ty, Loc loc) {
  Expr *e = ir_new_expr(EX_CALL, ty, loc);
  CXCursor ref = clang_getCursorReferenced(c);
  int n = clang_Cursor_getNumArguments(c);
  if (n < 0) n = 0;
  e->nargs = n;
  e->args = arena_alloc(sizeof(Expr *) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) e->args[i] = expr(clang_Cursor_getArgument(c, (unsigned)i));
  if (clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl) {
    /* a call through a function pointer */
    Kids k = kids_of(c);
    e->a = k.n ? expr(k.c[0]) : NULL;
    e->text = e->a ? format("(%s)", emit_expr(e->a)) : "(?)";
    return e;
  }
  e->text = cx_string(clang_getCursorSpelling(ref));
  e->callee_known = true;
  const char *s = e->text;
  if (!strcmp(s, "setjmp") || !strcmp(s, "_setjmp") || !strcmp(s, "sigsetjmp") ||
      !strcmp(s, "longjmp") || !strcmp(s, "_longjmp") || !strcmp(s, "siglongjmp") ||
      !strcmp(s, "__sigsetjmp"))
    diag_error(loc, "cannot differentiate through '%s': non-local jumps break the reverse sweep", s);
  e->rule = rule_find(s);
  e->callee = ir_find_func(prog, s);
  if (e->callee && !e->callee->has_body && !e->callee->custom_rev && !e->callee->custom_jvp &&
      !e->callee->across)
    e->callee = NULL;
  if (!e->callee && !e->rule && in_main_file(ref) && !clang_isCursorDefinition(ref)) {
    /* a prototype of this file for a function defined elsewhere */
    CXPrintingPolicy pol = clang_getCursorPrintingPolicy(ref);
    clang_PrintingPolicy_setProperty(pol, CXPrintingPolicy_PolishForDeclaration, 1);
    clang_PrintingPolicy_setProperty(pol, CXPrintingPolicy_TerseOutput, 1);
    const char *d = format("%s;", cx_string(clang_getCursorPrettyPrinted(ref, pol)));
    clang_PrintingPolicy_dispose(pol);
    bool dup = false;
    for (int i = 0; i < prog->decls.len; i++) dup |= !strcmp(prog->decls.data[i], d);
    if (!dup) vec_push(&prog->decls, (void *)d);
  }
  return e;
}

static Expr *expr(CXCursor c) {
  enum CXCursorKind k = clang_getCursorKind(c);
  Loc loc = loc_of(c);
  Type *ty = conv_type(clang_getCursorType(c));
  Kids kids = kids_of(c);
  Expr *e;

  switch (k) {
  case CXCursor_UnexposedExpr:
    /* implicit conversions: one child with the same extent */
    if (kids.n == 1 && is_expr_kind(clang_getCursorKind(kids.c[0])) &&
        clang_equalRanges(clang_getCursorExtent(c), clang_getCursorExtent(kids.c[0])))
      return expr(kids.c[0]);
    return bad_expr(c, "this expression (unsupported form)");
  case CXCursor_ParenExpr:
    return expr(kids.c[0]);
  case CXCursor_IntegerLiteral: case CXCursor_FloatingLiteral: case CXCursor_CharacterLiteral: {
    const char *t = token_text(c);
    if (!t) return bad_expr(c, "a literal without a token");
    return ir_num(t, ty, loc);
  }
  case CXCursor_StringLiteral:
    e = ir_new_expr(EX_STR, ty, loc);
    e->text = plain_extent(c) ? tokens_text(c) : token_text(c);
    return e;
  case CXCursor_DeclRefExpr: {
    CXCursor ref = clang_getCursorReferenced(c);
    enum CXCursorKind rk = clang_getCursorKind(ref);
    if (rk == CXCursor_EnumConstantDecl) {
      e = ir_num(cx_string(clang_getCursorSpelling(ref)), ty, loc);
      return e;
    }
    if (rk == CXCursor_FunctionDecl) {
      e = ir_new_expr(EX_FUNCREF, ty, loc);
      e->text = cx_string(clang_getCursorSpelling(ref));
      return e;
    }
    Var *v = var_of(ref, loc);
    if (!v) return bad_expr(c, format("'%s' (unknown declaration)", cx_string(clang_getCursorSpelling(c))));
    return ir_var(v, loc);
  }
  case CXCursor_BinaryOperator: case CXCursor_CompoundAssignOperator: {
    ExprKind op;
    ExprKind kind = binop_kind(clang_getCursorBinaryOperatorKind(c), &op);
    if (!kind || kids.n != 2) return bad_expr(c, "this operator");
    e = ir_binary(kind, expr(kids.c[0]), expr(kids.c[1]), ty, loc);
    e->op = op;
    return e;
  }
  case CXCursor_UnaryOperator: {
    ExprKind kind;
    switch (clang_getCursorUnaryOperatorKind(c)) {
    case CXUnaryOperator_PostInc: kind = EX_POSTINC; break;
    case CXUnaryOperator_PostDec: kind = EX_POSTDEC; break;
    case CXUnaryOperator_PreInc: kind = EX_PREINC; break;
    case CXUnaryOperator_PreDec: kind = EX_PREDEC; break;
    case CXUnaryOperator_AddrOf: kind = EX_ADDR; break;
    case CXUnaryOperator_Deref: kind = EX_DEREF; break;
    case CXUnaryOperator_Plus: kind = EX_PLUS; break;
    case CXUnaryOperator_Minus: kind = EX_NEG; break;
    case CXUnaryOperator_Not: kind = EX_BITNOT; break;
    case CXUnaryOperator_LNot: kind = EX_NOT; break;
    default: return bad_expr(c, "this unary operator");
    }
    if (kids.n != 1) return bad_expr(c, "this unary operator");
    e = ir_new_expr(kind, ty, loc);
    e->a = expr(kids.c[0]);
    return e;
  }
  case CXCursor_ArraySubscriptExpr:
    e = ir_new_expr(EX_INDEX, ty, loc);
    e->a = expr(kids.c[0]);
    e->b = expr(kids.c[1]);
    return e;
  case CXCursor_MemberRefExpr: {
    if (kids.n != 1) return bad_expr(c, "this member access");
    e = ir_new_expr(EX_MEMBER, ty, loc);
    e->a = expr(kids.c[0]);
    e->text = cx_string(clang_getCursorSpelling(c));
    e->arrow = e->a->ty->kind == TY_PTR;
    Type *st = e->arrow ? e->a->ty->base : e->a->ty;
    if (st->kind == TY_UNION && ty_has_float(ty))
      diag_error(loc, "cannot differentiate through the union member '%s': "
                 "a union may reinterpret a floating value", e->text);
    return e;
  }
  case CXCursor_CallExpr:
    return call_expr(c, ty, loc);
  case CXCursor_CStyleCastExpr:
    e = ir_new_expr(EX_CAST, ty, loc);
    e->a = expr(kids.c[kids.n - 1]);
    return e;
  case CXCursor_ConditionalOperator:
    if (kids.n != 3) return bad_expr(c, "the GNU '?:' form");
    e = ir_new_expr(EX_COND, ty, loc);
    e->a = expr(kids.c[0]);
    e->b = expr(kids.c[1]);
    e->c = expr(kids.c[2]);
    return e;
  case CXCursor_UnaryExpr: {
    e = ir_new_expr(EX_SIZEOF, ty, loc);
    if (plain_extent(c)) {
      e->text = tokens_text(c);
      return e;
    }
    CXEvalResult r = clang_Cursor_Evaluate(c);
    if (!r) return bad_expr(c, "this 'sizeof' or '_Alignof'");
    e->text = format("%lluu", clang_EvalResult_getAsUnsigned(r));
    clang_EvalResult_dispose(r);
    return e;
  }
  case CXCursor_InitListExpr:
    e = ir_new_expr(EX_INITLIST, ty, loc);
    e->nargs = kids.n;
    e->args = arena_alloc(sizeof(Expr *) * (size_t)(kids.n + 1));
    for (int i = 0; i < kids.n; i++) e->args[i] = expr(kids.c[i]);
    return e;
  case CXCursor_CompoundLiteralExpr:
    return bad_expr(c, "a compound literal");
  case CXCursor_StmtExpr:
    return bad_expr(c, "a statement expression");
  default:
    return bad_expr(c, format("'%s' expressions", cx_string(clang_getCursorKindSpelling(k))));
  }
}

/* ---- statements ----------------------------------------------------------- */

static Stmt *nop(CXCursor c) { return ir_new_stmt(ST_NOP, loc_of(c)); }

/* ---- OpenMP directives ----------------------------------------------------- */

/* With -fopenmp, libclang keeps a directive's loop inside a captured
 * statement that its C API does not expose. gradc therefore parses without
 * -fopenmp (defining _OPENMP as the compiler does) and reads the directives
 * from the tokens of the function: each applies to the first statement that
 * starts after it. Names in clauses are looked up in the scopes open there. */

typedef struct Pragma { unsigned off; Loc loc; Vec words; } Pragma;

typedef struct Body {
  Vec pragmas;           /* Pragma *: of the body being converted, in order */
  int next;              /* the first one no statement has claimed */
  Vec names, vars;       /* the variables in scope: source name, Var * */
} Body;
static Body body_;

static void scope_add(const char *name, Var *v) {
  vec_push(&body_.names, (void *)name);
  vec_push(&body_.vars, v);
}

static Var *scope_find(const char *name) {
  for (int i = body_.names.len - 1; i >= 0; i--)
    if (!strcmp(body_.names.data[i], name)) return body_.vars.data[i];
  return NULL;
}

static bool in_skipped(CXSourceRangeList *sk, unsigned off) {
  for (unsigned i = 0; sk && i < sk->count; i++) {
    unsigned a = offset_of(clang_getRangeStart(sk->ranges[i])), b = offset_of(clang_getRangeEnd(sk->ranges[i]));
    if (off >= a && off <= b) return true;
  }
  return false;
}

/* Whether a line of text ends with a backslash (a directive continues). */
static bool continued(const char *text, size_t size, unsigned off) {
  while (off < size && text[off] != '\n') off++;
  while (off > 0 && (text[off - 1] == ' ' || text[off - 1] == '\t' || text[off - 1] == '\r')) off--;
  return off > 0 && text[off - 1] == '\\';
}

static void scan_pragmas(CXCursor body) {
  CXSourceRange ext = clang_getCursorExtent(body);
  CXFile file;
  clang_getExpansionLocation(clang_getRangeStart(ext), &file, NULL, NULL, NULL);
  if (!file) return;
  size_t size = 0;
  const char *text = clang_getFileContents(tu, file, &size);
  CXSourceRangeList *skipped = clang_getSkippedRanges(tu, file);
  CXToken *toks;
  unsigned n;
  clang_tokenize(tu, ext, &toks, &n);
  const char **sp = calloc(n + 1, sizeof *sp);
  unsigned *line = calloc(n + 1, sizeof *line), *off = calloc(n + 1, sizeof *off);
  CXToken *kept = calloc(n + 1, sizeof *kept);
  unsigned m = 0;
  for (unsigned i = 0; i < n; i++) {
    if (clang_getTokenKind(toks[i]) == CXToken_Comment) continue;
    kept[m] = toks[i];
    sp[m] = cx_string(clang_getTokenSpelling(tu, toks[i]));
    CXSourceLocation l = clang_getTokenLocation(tu, toks[i]);
    clang_getExpansionLocation(l, NULL, &line[m], NULL, &off[m]);
    m++;
  }
  for (unsigned i = 0; i + 2 < m; i++) {
    if (strcmp(sp[i], "#") || strcmp(sp[i + 1], "pragma") || strcmp(sp[i + 2], "omp") ||
        line[i + 2] != line[i] || in_skipped(skipped, off[i]))
      continue;
    Pragma *pr = arena_alloc(sizeof *pr);
    pr->off = off[i];
    CXFile f;
    unsigned ln, col;
    clang_getExpansionLocation(clang_getTokenLocation(tu, kept[i]), &f, &ln, &col, NULL);
    pr->loc = (Loc){main_path, (int)ln, (int)col};
    if (f && !clang_File_isEqual(f, main_file)) pr->loc.file = cx_string(clang_getFileName(f));
    unsigned cur = line[i], j = i + 3;
    for (; j < m; j++) {
      if (line[j] != cur) {
        if (!text || !continued(text, size, off[j - 1])) break;
        cur = line[j];
      }
      vec_push(&pr->words, (void *)sp[j]);
    }
    vec_push(&body_.pragmas, pr);
    i = j - 1;
  }
  free(sp), free(line), free(off), free(kept);
  clang_disposeTokens(tu, toks, n);
  clang_disposeSourceRangeList(skipped);
}

/* The directive standing before the statement c, if any; directives that no
 * statement follows directly are refused. */
static Pragma *claim_pragma(CXCursor c) {
  unsigned start = offset_of(clang_getRangeStart(clang_getCursorExtent(c)));
  Pragma *got = NULL;
  while (body_.next < body_.pragmas.len) {
    Pragma *pr = body_.pragmas.data[body_.next];
    if (pr->off >= start) break;
    body_.next++;
    if (got) diag_error(got->loc, "gradc cannot differentiate this OpenMP directive: it differentiates "
                        "'#pragma omp parallel for' before a for loop");
    got = pr;
  }
  return got;
}

static const char *pragma_text(Pragma *pr) {
  Buf b = {0};
  for (int i = 0; i < pr->words.len; i++) {
    const char *w = pr->words.data[i];
    if (!strcmp(w, "(")) break;
    buf_printf(&b, "%s%s", i ? " " : "", w);
  }
  const char *t = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return t;
}

/* Reads the clauses of '#pragma omp parallel for' from word k on. */
static Omp *omp_clauses(Pragma *pr, int k) {
  Omp *o = arena_alloc(sizeof *o);
  o->loc = pr->loc;
  Vec *w = &pr->words;
  while (k < w->len) {
    const char *name = w->data[k++];
    if (!strcmp(name, ",")) continue;
    int open = k, close = k;
    if (k < w->len && !strcmp(w->data[k], "(")) {
      int depth = 0;
      for (close = k; close < w->len; close++) {
        if (!strcmp(w->data[close], "(")) depth++;
        else if (!strcmp(w->data[close], ")") && --depth == 0) break;
      }
      k = close + 1;
      open++;
    }
    Vec *list = !strcmp(name, "private") ? &o->priv : !strcmp(name, "firstprivate") ? &o->first
              : !strcmp(name, "reduction") ? &o->red : NULL;
    if (!strcmp(name, "shared") || !strcmp(name, "schedule") || !strcmp(name, "default") ||
        !strcmp(name, "proc_bind") || !strcmp(name, "simd"))
      continue;   /* shared is the default; gradc chooses the schedule itself */
    if (!list) {
      diag_error(pr->loc, "gradc does not support the clause '%s' on a parallel loop yet (it supports "
                 "private, firstprivate, shared, reduction(+:...), schedule and default)", name);
      return NULL;
    }
    if (list == &o->red) {
      if (open + 1 >= close || strcmp(w->data[open + 1], ":") || strcmp(w->data[open], "+")) {
        diag_error(pr->loc, "gradc differentiates reduction(+:...) only; '%s' is not supported yet",
                   open < close ? (const char *)w->data[open] : "");
        return NULL;
      }
      open += 2;
    }
    for (int i = open; i < close; i++) {
      const char *id = w->data[i];
      if (!strcmp(id, ",")) continue;
      Var *v = scope_find(id);
      if (!v) {
        diag_error(pr->loc, "'%s' in %s(...) is not a parameter or local variable of '%s' (gradc "
                   "does not differentiate parallel loops over globals yet)", id, name, cur_fn->name);
        return NULL;
      }
      vec_push(list, v);
    }
  }
  return o;
}

/* Attaches the directive pr to s, the statement after it. */
static void apply_pragma(Pragma *pr, Stmt *s) {
  Vec *w = &pr->words;
  const char *w0 = w->len > 0 ? w->data[0] : "", *w1 = w->len > 1 ? w->data[1] : "";
  if (!strcmp(w0, "simd")) return;   /* a serial loop: differentiated as one */
  if (strcmp(w0, "parallel") || strcmp(w1, "for")) {
    diag_error(pr->loc, "gradc cannot differentiate '#pragma omp %s' yet: it differentiates "
               "'#pragma omp parallel for' loops", pragma_text(pr));
    return;
  }
  if (s->kind != ST_FOR) {
    diag_error(pr->loc, "'#pragma omp parallel for' must stand before a for loop");
    return;
  }
  s->omp = omp_clauses(pr, 2);
  if (s->omp)
    for (int i = 0; i < body_.vars.len; i++) vec_push(&s->omp->outer, body_.vars.data[i]);
}

static Stmt *bad_stmt(CXCursor c, const char *msg) {
  diag_error(loc_of(c), "%s", msg);
  return nop(c);
}

static Stmt *var_decl(CXCursor c) {
  Loc loc = loc_of(c);
  const char *name = cx_string(clang_getCursorSpelling(c));
  Type *ty = conv_type(clang_getCursorType(c));
  CXType ct = clang_getCanonicalType(clang_getCursorType(c));
  if (ct.kind == CXType_VariableArray) {
    /* the length expressions are the VarDecl's expression children, the
     * innermost dimension first */
    Kids k = kids_of(c);
    Vec lens = {0};
    for (int i = 0; i < k.n; i++)
      if (is_expr_kind(clang_getCursorKind(k.c[i]))) vec_push(&lens, expr(k.c[i]));
    int next = lens.len - 1;
    for (Type *t = ty; t && t->kind == TY_ARRAY; t = t->base)
      if (t->is_vla) {
        if (next < 0) return bad_stmt(c, "cannot find the lengths of this variable-length array");
        t->vla_len = lens.data[next--];
      }
  }
  Var *v = ir_new_var(cur_fn, ir_unique_name(cur_fn, name), ty, VAR_LOCAL, loc);
  v->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
  map_put(c, v);
  scope_add(name, v);
  Stmt *s = ir_new_stmt(ST_DECL, loc);
  s->var = v;
  CXCursor init = clang_Cursor_getVarDeclInitializer(c);
  if (!clang_Cursor_isNull(init)) s->e = expr(init);
  if (v->is_static) v->static_init = s->e;
  return s;
}

/* Appends the statements of c to out; a declaration statement with several
 * declarators gives several ST_DECLs. */
static void stmt_into(Vec *out, CXCursor c) {
  if (clang_getCursorKind(c) == CXCursor_DeclStmt) {
    Pragma *pr = openmp ? claim_pragma(c) : NULL;
    if (pr) apply_pragma(pr, nop(c));
    Kids k = kids_of(c);
    for (int i = 0; i < k.n; i++) {
      enum CXCursorKind kk = clang_getCursorKind(k.c[i]);
      if (kk == CXCursor_VarDecl) vec_push(out, var_decl(k.c[i]));
      else if (kk == CXCursor_StructDecl || kk == CXCursor_UnionDecl ||
               kk == CXCursor_EnumDecl || kk == CXCursor_TypedefDecl)
        vec_push(out, bad_stmt(k.c[i], "cannot differentiate a function that declares types "
                               "inside its body; move the declaration to file scope"));
    }
    return;
  }
  vec_push(out, stmt(c));
}

/* GRADC_CHECKPOINT(snaps); a call of gradc_checkpoint: it marks the loop
 * right after it, and is dropped. */
static void mark_checkpoints(Stmt *b) {
  for (int i = 0; i < b->kids.len; i++) {
    Stmt *k = b->kids.data[i];
    if (k->kind != ST_EXPR || k->e->kind != EX_CALL || !k->e->text || strcmp(k->e->text, "gradc_checkpoint"))
      continue;
    Stmt *next = i + 1 < b->kids.len ? b->kids.data[i + 1] : NULL;
    if (!next || (next->kind != ST_FOR && next->kind != ST_WHILE && next->kind != ST_DO)) {
      diag_error(k->loc, "GRADC_CHECKPOINT must stand immediately before a for, while or do loop");
      continue;
    }
    if (k->e->nargs != 1) {
      diag_error(k->loc, "GRADC_CHECKPOINT takes one argument: the number of snapshots");
      continue;
    }
    next->ckpt = k->e->args[0];
    k->kind = ST_NOP;
    k->e = NULL;
  }
}

static Stmt *as_block(CXCursor c) {
  Stmt *s = stmt(c);
  if (s->kind == ST_BLOCK) return s;
  Stmt *b = ir_block(s->loc);
  vec_push(&b->kids, s);
  return b;
}

/* for (init; cond; inc) body: libclang omits missing clauses, so children are
 * classified by their offsets against the two depth-1 ';' of the header. */
static bool from_macro(CXCursor c) {
  CXSourceLocation l = clang_getRangeStart(clang_getCursorExtent(c));
  CXFile ef, sf;
  unsigned eo, so;
  clang_getExpansionLocation(l, &ef, NULL, NULL, &eo);
  clang_getSpellingLocation(l, &sf, NULL, NULL, &so);
  return eo != so || !ef != !sf || (ef && !clang_File_isEqual(ef, sf));
}

static Stmt *for_stmt(CXCursor c) {
  Stmt *s = ir_new_stmt(ST_FOR, loc_of(c));
  Kids k = kids_of(c);
  if (k.n < 1) return bad_stmt(c, "cannot read this 'for' statement");
  if (from_macro(c)) {
    /* written by a macro: its tokens are the macro's, so the clauses are
     * told apart by count (all three, or none) */
    if (k.n == 4) {
      Vec v = {0};
      stmt_into(&v, k.c[0]);
      if (v.len != 1) return bad_stmt(c, "a 'for' that declares several variables is not supported");
      s->init = v.data[0];
      if (!is_expr_kind(clang_getCursorKind(k.c[1])) || !is_expr_kind(clang_getCursorKind(k.c[2])))
        return bad_stmt(c, "cannot read the header of this 'for', which a macro wrote");
      s->e = expr(k.c[1]);
      s->inc = expr(k.c[2]);
    } else if (k.n != 1) {
      return bad_stmt(c, "cannot tell the clauses of this 'for' apart: a macro wrote it with some "
                      "of them empty; write all three, or expand the macro");
    }
    s->body = as_block(k.c[k.n - 1]);
    return s;
  }
  CXToken *toks;
  unsigned n;
  clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
  unsigned semi[2] = {0, 0};
  int depth = 0, found = 0;
  for (unsigned i = 0; i < n && found < 2; i++) {
    CXString sp = clang_getTokenSpelling(tu, toks[i]);
    const char *t = clang_getCString(sp);
    if (!strcmp(t, "(")) depth++;
    else if (!strcmp(t, ")")) depth--;
    else if (!strcmp(t, ";") && depth == 1)
      semi[found++] = offset_of(clang_getTokenLocation(tu, toks[i]));
    clang_disposeString(sp);
  }
  clang_disposeTokens(tu, toks, n);
  if (found < 2 || k.n < 1) return bad_stmt(c, "cannot read this 'for' header (macro?)");
  for (int i = 0; i < k.n - 1; i++) {
    unsigned off = offset_of(clang_getRangeStart(clang_getCursorExtent(k.c[i])));
    if (off < semi[0]) {
      Vec v = {0};
      stmt_into(&v, k.c[i]);
      if (v.len != 1) return bad_stmt(c, "a 'for' that declares several variables is not supported");
      s->init = v.data[0];
    } else if (!is_expr_kind(clang_getCursorKind(k.c[i]))) {
      return bad_stmt(c, "cannot read the header of this 'for'");
    } else if (off < semi[1]) {
      s->e = expr(k.c[i]);
    } else {
      s->inc = expr(k.c[i]);
    }
  }
  s->body = as_block(k.c[k.n - 1]);
  return s;
}

static Stmt *stmt_(CXCursor c);

static Stmt *stmt(CXCursor c) {
  Pragma *pr = openmp ? claim_pragma(c) : NULL;
  int scope = body_.names.len;
  Stmt *s = stmt_(c);
  body_.names.len = body_.vars.len = scope;
  if (pr) apply_pragma(pr, s);
  return s;
}

static Stmt *stmt_(CXCursor c) {
  enum CXCursorKind k = clang_getCursorKind(c);
  Loc loc = loc_of(c);
  Kids kids = kids_of(c);
  Stmt *s;

  if (is_expr_kind(k)) {
    s = ir_new_stmt(ST_EXPR, loc);
    s->e = expr(c);
    return s;
  }
  switch (k) {
  case CXCursor_CompoundStmt:
    s = ir_block(loc);
    for (int i = 0; i < kids.n; i++) stmt_into(&s->kids, kids.c[i]);
    mark_checkpoints(s);
    return s;
  case CXCursor_DeclStmt:
    s = ir_block(loc);
    stmt_into(&s->kids, c);
    return s;
  case CXCursor_NullStmt:
    return nop(c);
  case CXCursor_IfStmt:
    s = ir_new_stmt(ST_IF, loc);
    if (kids.n < 2) return bad_stmt(c, "cannot read this 'if'");
    s->e = expr(kids.c[0]);
    s->body = as_block(kids.c[1]);
    if (kids.n > 2) s->els = as_block(kids.c[2]);
    return s;
  case CXCursor_WhileStmt:
    s = ir_new_stmt(ST_WHILE, loc);
    if (kids.n != 2) return bad_stmt(c, "cannot read this 'while'");
    s->e = expr(kids.c[0]);
    s->body = as_block(kids.c[1]);
    return s;
  case CXCursor_DoStmt:
    s = ir_new_stmt(ST_DO, loc);
    if (kids.n != 2) return bad_stmt(c, "cannot read this 'do'");
    s->body = as_block(kids.c[0]);
    s->e = expr(kids.c[1]);
    return s;
  case CXCursor_ForStmt:
    return for_stmt(c);
  case CXCursor_ReturnStmt:
    s = ir_new_stmt(ST_RETURN, loc);
    if (kids.n) s->e = expr(kids.c[0]);
    return s;
  case CXCursor_BreakStmt:
    return ir_new_stmt(ST_BREAK, loc);
  case CXCursor_ContinueStmt:
    return ir_new_stmt(ST_CONTINUE, loc);
  case CXCursor_SwitchStmt:
    s = ir_new_stmt(ST_SWITCH, loc);
    if (kids.n != 2) return bad_stmt(c, "cannot read this 'switch'");
    s->e = expr(kids.c[0]);
    s->body = as_block(kids.c[1]);
    return s;
  case CXCursor_CaseStmt:
    s = ir_new_stmt(ST_CASE, loc);
    if (kids.n != 2) return bad_stmt(c, "case ranges are not supported");
    s->e = expr(kids.c[0]);
    s->body = stmt(kids.c[1]);
    return s;
  case CXCursor_DefaultStmt:
    s = ir_new_stmt(ST_DEFAULT, loc);
    s->body = kids.n ? stmt(kids.c[0]) : NULL;
    return s;
  case CXCursor_GotoStmt:
    /* lowering turns forward gotos into flags and refuses the others */
    s = ir_new_stmt(ST_GOTO, loc);
    if (kids.n != 1) return bad_stmt(c, "cannot read this 'goto'");
    s->label = cx_string(clang_getCursorSpelling(clang_getCursorReferenced(kids.c[0])));
    return s;
  case CXCursor_IndirectGotoStmt:
    return bad_stmt(c, "cannot differentiate through a computed 'goto': the reverse sweep needs "
                       "structured control flow (use loops, 'break' and 'continue')");
  case CXCursor_LabelStmt:
    s = ir_new_stmt(ST_LABEL, loc);
    s->label = cx_string(clang_getCursorSpelling(c));
    s->body = kids.n ? stmt(kids.c[0]) : nop(c);
    return s;
  case CXCursor_UnexposedStmt: {
    /* #pragma GCC unroll, #pragma unroll, #pragma clang loop: a hint around
     * a loop (libclang shows no other child); the loop is what runs */
    enum CXCursorKind lk = kids.n == 1 ? clang_getCursorKind(kids.c[0]) : CXCursor_UnexposedStmt;
    if (lk == CXCursor_ForStmt || lk == CXCursor_WhileStmt || lk == CXCursor_DoStmt) return stmt(kids.c[0]);
    return bad_stmt(c, "cannot differentiate through this statement (UnexposedStmt)");
  }
  case CXCursor_GCCAsmStmt: case CXCursor_MSAsmStmt:
    return bad_stmt(c, "cannot differentiate through inline assembly");
  default:
    return bad_stmt(c, format("cannot differentiate through this statement (%s)",
                              cx_string(clang_getCursorKindSpelling(k))));
  }
}

/* ---- functions, annotations, top level ------------------------------------ */

/* Converts fn's body to IR; reports errors and returns false on failure. */
bool parse_body(Program *p, Func *fn) {
  (void)p;
  if (fn->parsed) return true;
  fn->parsed = true;
  int before = diag_errors();
  Func *saved = cur_fn;
  Body saved_body = body_;
  cur_fn = fn;
  body_ = (Body){0};
  CXCursor c = *(CXCursor *)fn->cursor;
  for (int i = 0; i < fn->params.len; i++) scope_add(((Var *)fn->params.data[i])->name, fn->params.data[i]);
  Kids k = kids_of(c);
  for (int i = 0; i < k.n; i++)
    if (clang_getCursorKind(k.c[i]) == CXCursor_CompoundStmt) {
      if (openmp) scan_pragmas(k.c[i]);
      fn->body = stmt(k.c[i]);
    }
  for (int i = body_.next; i < body_.pragmas.len; i++)
    diag_error(((Pragma *)body_.pragmas.data[i])->loc, "gradc cannot differentiate this OpenMP directive: "
               "it differentiates '#pragma omp parallel for' before a for loop");
  cur_fn = saved;
  body_ = saved_body;
  if (!fn->body) bug("function definition without a body");
  return diag_errors() == before;
}

