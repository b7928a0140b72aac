/* parse.c: libclang cursors -> gradc IR. The only file that sees libclang.
 *
 * The translation unit is parsed once. Top-level declarations of the main file
 * are recorded (functions, annotations, includes, type declarations); function
 * bodies are converted to IR on demand, only for the functions that are
 * differentiated or that they call. Code is rebuilt from the AST, never pasted
 * from source text: macro-expanded extents are not reliable text (see
 * libclang-notes.md, pitfall 6). Literals take their spelling from their token.
 *
 * Anything libclang shows that gradc does not model becomes a located error,
 * so that later passes can assume the IR is complete.
 */
#define _XOPEN_SOURCE 700   /* realpath */
#include "tool.h"

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GRADC_CLANG_RESOURCE_DIR
#define GRADC_CLANG_RESOURCE_DIR "/usr/lib/llvm-19/lib/clang/19"
#endif

static CXIndex index_;
static CXTranslationUnit tu;
static CXFile main_file;
static const char *main_path;
static const char *parse_path;   /* the input as given to libclang */
static Program *prog;
static Func *cur_fn;           /* function whose body is being converted */
static bool openmp;            /* -fopenmp: read #pragma omp (see "OpenMP directives") */

/* ---- a map from declaration cursors to IR objects ------------------------- */

typedef struct Entry { CXCursor key; void *val; bool used; } Entry;
static Entry *map;
static size_t map_cap, map_len;

static void map_put(CXCursor key, void *val);

static void *map_get(CXCursor key) {
  if (!map_cap) return NULL;
  size_t i = clang_hashCursor(key) & (map_cap - 1);
  for (; map[i].used; i = (i + 1) & (map_cap - 1))
    if (clang_equalCursors(map[i].key, key)) return map[i].val;
  return NULL;
}

static void map_grow(void) {
  Entry *old = map;
  size_t old_cap = map_cap;
  map_cap = map_cap ? map_cap * 2 : 1024;
  map = calloc(map_cap, sizeof *map);
  if (!map) { fprintf(stderr, "gradc: out of memory\n"); exit(2); }
  map_len = 0;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].used) map_put(old[i].key, old[i].val);
  free(old);
}

static void map_put(CXCursor key, void *val) {
  if ((map_len + 1) * 2 > map_cap) map_grow();
  size_t i = clang_hashCursor(key) & (map_cap - 1);
  for (; map[i].used; i = (i + 1) & (map_cap - 1))
    if (clang_equalCursors(map[i].key, key)) { map[i].val = val; return; }
  map[i] = (Entry){key, val, true};
  map_len++;
}

/* ---- small helpers -------------------------------------------------------- */

static const char *cx_string(CXString s) {
  const char *c = clang_getCString(s);
  const char *r = arena_strdup(c ? c : "");
  clang_disposeString(s);
  return r;
}

static Loc loc_of(CXCursor c) {
  CXFile file;
  unsigned line, col;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &col, NULL);
  Loc l = {main_path, (int)line, (int)col};
  if (file && !clang_File_isEqual(file, main_file)) l.file = cx_string(clang_getFileName(file));
  if (!strncmp(l.file, "./", 2) && l.file[2]) l.file += 2;   /* a quote include beside the input */
  return l;
}

static unsigned offset_of(CXSourceLocation sl) {
  unsigned off;
  clang_getExpansionLocation(sl, NULL, NULL, NULL, &off);
  return off;
}

static bool in_main_file(CXCursor c) {
  CXFile file;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL, NULL);
  return file && clang_File_isEqual(file, main_file);
}

typedef struct Kids { CXCursor *c; int n, cap; } Kids;

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  Kids *k = d;
  if (k->n == k->cap) {
    int cap = k->cap ? k->cap * 2 : 8;
    CXCursor *n = arena_alloc(sizeof(CXCursor) * (size_t)cap);
    if (k->n) memcpy(n, k->c, sizeof(CXCursor) * (size_t)k->n);
    k->c = n, k->cap = cap;
  }
  k->c[k->n++] = c;
  return CXChildVisit_Continue;
}

static Kids kids_of(CXCursor c) {
  Kids k = {0};
  clang_visitChildren(c, collect, &k);
  return k;
}

static bool is_expr_kind(enum CXCursorKind k) {
  return clang_isExpression(k);
}

static const char *token_at(CXSourceLocation loc) {
  CXToken *t = clang_getToken(tu, loc);
  if (!t) return NULL;
  const char *s = cx_string(clang_getTokenSpelling(tu, *t));
  clang_disposeTokens(tu, t, 1);
  return s;
}

static bool literal_like(const char *s) {
  return s && (isdigit((unsigned char)s[0]) || s[0] == '.' || s[0] == '\'' || s[0] == '"' ||
               ((s[0] == 'L' || s[0] == 'u' || s[0] == 'U') && (s[1] == '\'' || s[1] == '"')));
}

/* A literal's exact spelling: its token where it is written, or where a
 * macro spelled it; else its value. */
static const char *token_text(CXCursor c) {
  const char *s = token_at(clang_getCursorLocation(c));
  if (literal_like(s)) return s;
  CXFile file;
  unsigned line, col;
  clang_getSpellingLocation(clang_getCursorLocation(c), &file, &line, &col, NULL);
  if (file) {
    s = token_at(clang_getLocation(tu, file, line, col));
    if (literal_like(s)) return s;
  }
  CXEvalResult r = clang_Cursor_Evaluate(c);
  if (!r) return NULL;
  const char *v = NULL;
  if (clang_EvalResult_getKind(r) == CXEval_Int) {
    if (clang_EvalResult_isUnsignedInt(r)) v = format("%lluu", clang_EvalResult_getAsUnsigned(r));
    else v = format("%lld", clang_EvalResult_getAsLongLong(r));
  } else if (clang_EvalResult_getKind(r) == CXEval_Float) {
    v = format("%.17g", clang_EvalResult_getAsDouble(r));
    if (!strpbrk(v, ".eEni")) v = format("%s.0", v);
    if (clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Float) v = format("%sf", v);
  }
  clang_EvalResult_dispose(r);
  return v;
}

/* Whether c's extent was written in the main file without macros, so that its
 * tokens are its text. */
static bool plain_extent(CXCursor c) {
  CXSourceRange r = clang_getCursorExtent(c);
  CXFile f1, f2;
  unsigned o1, o2, s1, s2;
  clang_getExpansionLocation(clang_getRangeStart(r), &f1, NULL, NULL, &o1);
  clang_getSpellingLocation(clang_getRangeStart(r), NULL, NULL, NULL, &s1);
  clang_getExpansionLocation(clang_getRangeEnd(r), &f2, NULL, NULL, &o2);
  clang_getSpellingLocation(clang_getRangeEnd(r), NULL, NULL, NULL, &s2);
  return f1 && f2 && clang_File_isEqual(f1, f2) && o1 == s1 && o2 == s2;
}

/* Joins the tokens of c's extent with single spaces where C needs them. */
static const char *tokens_text(CXCursor c) {
  CXToken *toks;
  unsigned n;
  clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
  Buf b = {0};
  const char *prev = "";
  for (unsigned i = 0; i < n; i++) {
    const char *s = cx_string(clang_getTokenSpelling(tu, toks[i]));
    bool word = (s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                 (s[0] >= '0' && s[0] <= '9'));
    size_t pl = strlen(prev);
    bool pword = pl && (prev[pl - 1] == '_' || (prev[pl - 1] >= 'a' && prev[pl - 1] <= 'z') ||
                        (prev[pl - 1] >= 'A' && prev[pl - 1] <= 'Z') ||
                        (prev[pl - 1] >= '0' && prev[pl - 1] <= '9'));
    if (word && pword) buf_puts(&b, " ");
    buf_puts(&b, s);
    prev = s;
  }
  clang_disposeTokens(tu, toks, n);
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

/* ---- types ---------------------------------------------------------------- */

typedef struct FieldAcc { Vec names, types; } FieldAcc;
static Type *conv_type(CXType t);

static enum CXVisitorResult field_visit(CXCursor c, CXClientData d) {
  FieldAcc *a = d;
  vec_push(&a->names, (void *)cx_string(clang_getCursorSpelling(c)));
  vec_push(&a->types, conv_type(clang_getCursorType(c)));
  return CXVisit_Continue;
}

/* The spelling of t without qualifiers: "size_t", "vec2", "struct P". */
static const char *unqual_spelling(CXType t) {
  return cx_string(clang_getTypeSpelling(clang_getUnqualifiedType(t)));
}

/* Converts a clang type. Leaf types keep the user's spelling (typedef names
 * included), so generated declarations read as the user's. */
static Type *conv_type(CXType t) {
  CXType ct = clang_getCanonicalType(t);
  Type *ty;
  switch (ct.kind) {
  case CXType_Void:
    ty = ty_new(TY_VOID, "void");
    break;
  case CXType_Bool: case CXType_Char_U: case CXType_UChar: case CXType_Char16:
  case CXType_Char32: case CXType_UShort: case CXType_UInt: case CXType_ULong:
  case CXType_ULongLong: case CXType_UInt128: case CXType_Char_S: case CXType_SChar:
  case CXType_WChar: case CXType_Short: case CXType_Int: case CXType_Long:
  case CXType_LongLong: case CXType_Int128: case CXType_Enum:
    ty = ty_new(TY_INT, unqual_spelling(t));
    break;
  case CXType_Float:
    ty = ty_new(TY_FLOAT, unqual_spelling(t));
    break;
  case CXType_Double:
    ty = ty_new(TY_DOUBLE, unqual_spelling(t));
    break;
  case CXType_LongDouble:
    ty = ty_new(TY_LDOUBLE, unqual_spelling(t));
    break;
  case CXType_Pointer: {
    CXType pt = clang_getPointeeType(ct);
    if (clang_getCanonicalType(pt).kind == CXType_FunctionProto ||
        clang_getCanonicalType(pt).kind == CXType_FunctionNoProto) {
      ty = ty_new(TY_OTHER, unqual_spelling(t));
      break;
    }
    /* keep typedef spellings of the pointee: take it from the written type
     * when it is itself a pointer */
    CXType wt = t;
    while (wt.kind == CXType_Elaborated || wt.kind == CXType_Typedef) {
      CXType n = wt.kind == CXType_Typedef ? clang_getTypedefDeclUnderlyingType(
                                                 clang_getTypeDeclaration(wt))
                                           : clang_Type_getNamedType(wt);
      if (n.kind == CXType_Invalid) break;
      wt = n;
    }
    ty = ty_ptr_to(conv_type(wt.kind == CXType_Pointer ? clang_getPointeeType(wt) : pt));
    break;
  }
  case CXType_ConstantArray: case CXType_IncompleteArray: case CXType_VariableArray:
  case CXType_DependentSizedArray: {
    ty = ty_new(TY_ARRAY, NULL);
    ty->base = conv_type(clang_getArrayElementType(t.kind == CXType_Elaborated ||
                                                   t.kind == CXType_Typedef ? ct : t));
    ty->len = ct.kind == CXType_ConstantArray ? (long)clang_getArraySize(ct) : -1;
    ty->is_vla = ct.kind == CXType_VariableArray;
    break;
  }
  case CXType_Record: {
    CXCursor decl = clang_getTypeDeclaration(ct);
    Type *known = map_get(decl);
    if (known) {
      ty = arena_alloc(sizeof *ty);
      *ty = *known;
      ty->spell = unqual_spelling(t);
      break;
    }
    ty = ty_new(clang_getCursorKind(decl) == CXCursor_UnionDecl ? TY_UNION : TY_STRUCT,
                unqual_spelling(t));
    map_put(decl, ty);
    FieldAcc acc = {0};
    clang_Type_visitFields(ct, field_visit, &acc);
    ty->nfields = acc.names.len;
    ty->fields = arena_alloc(sizeof(Field) * (size_t)(acc.names.len + 1));
    for (int i = 0; i < acc.names.len; i++)
      ty->fields[i] = (Field){acc.names.data[i], acc.types.data[i]};
    Type *copy = arena_alloc(sizeof *copy);
    *copy = *ty;
    ty = copy;
    break;
  }
  case CXType_FunctionProto: case CXType_FunctionNoProto:
    ty = ty_new(TY_FUNC, unqual_spelling(t));
    break;
  default:
    ty = ty_new(TY_OTHER, unqual_spelling(t));
    break;
  }
  if (clang_isConstQualifiedType(t)) ty->is_const = true;
  return ty;
}

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

static Func *declare_func(CXCursor c) {
  const char *name = cx_string(clang_getCursorSpelling(c));
  Func *fn = ir_find_func(prog, name);
  bool def = clang_isCursorDefinition(c);
  if (fn && (!def || fn->has_body)) return fn;
  const char *crev = NULL, *cjvp = NULL;
  if (!fn) {
    fn = arena_alloc(sizeof *fn);
    vec_push(&prog->funcs, fn);
  } else {
    crev = fn->custom_rev, cjvp = fn->custom_jvp;   /* from a prototype */
  }
  Vec writes = fn->writes;
  bool in_place_ok = fn->in_place_ok, reads_output = fn->reads_output;
  bool reads_input = fn->reads_input;
  unsigned long inactive = fn->inactive;
  Request *across = fn->across;
  *fn = (Func){0};
  fn->across = across;
  fn->custom_rev = crev, fn->custom_jvp = cjvp;
  fn->writes = writes;
  fn->in_place_ok = in_place_ok, fn->reads_output = reads_output, fn->inactive = inactive;
  fn->reads_input = reads_input;
  fn->name = name;
  fn->loc = loc_of(c);
  fn->ret = conv_type(clang_getCursorResultType(c));
  fn->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
  fn->is_variadic = clang_Cursor_isVariadic(c);
  fn->has_body = def;
  fn->cursor = arena_alloc(sizeof(CXCursor));
  *(CXCursor *)fn->cursor = c;
  int n = clang_Cursor_getNumArguments(c);
  for (int i = 0; i < n; i++) {
    CXCursor pc = clang_Cursor_getArgument(c, (unsigned)i);
    const char *pname = cx_string(clang_getCursorSpelling(pc));
    if (!*pname) pname = format("_unnamed%d", i);
    Var *v = ir_new_var(fn, pname, conv_type(clang_getCursorType(pc)), VAR_PARAM, loc_of(pc));
    v->index = i;
    if (v->ty->kind == TY_ARRAY) v->ty = ty_ptr_to(v->ty->base);   /* decays */
    vec_push(&fn->params, v);
    map_put(pc, v);
  }
  return fn;
}

/* Splits "wrt(x, w), out(y), split" into the request's fields. */
static void parse_request(Request *r, const char *s) {
  const char *p = s;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    const char *w = p;
    while (*p && *p != '(' && *p != ',' && *p != ' ') p++;
    const char *word = arena_strndup(w, (size_t)(p - w));
    while (*p == ' ') p++;
    Vec *list = NULL;
    if (!strcmp(word, "wrt")) list = &r->wrt;
    else if (!strcmp(word, "out")) list = &r->out;
    else if (!strcmp(word, "split") && *p != '(') { r->split = true; continue; }
    else {
      diag_error(r->loc, "unknown option '%s' in the annotation of '%s' (expected wrt(...), out(...))",
                 word, r->fn->name);
      return;
    }
    if (*p != '(') { diag_error(r->loc, "'%s' needs a list in parentheses", word); return; }
    p++;
    while (*p && *p != ')') {
      while (*p == ' ' || *p == ',') p++;
      const char *a = p;
      while (*p && *p != ',' && *p != ')' && *p != ' ') p++;
      if (p > a) vec_push(list, arena_strndup(a, (size_t)(p - a)));
      while (*p == ' ') p++;
    }
    if (*p == ')') p++;
  }
}

static bool same_names(Vec *a, Vec *b) {
  if (a->len != b->len) return false;
  for (int i = 0; i < a->len; i++)
    if (strcmp(a->data[i], b->data[i])) return false;
  return true;
}

/* Whether two annotations' texts ask for the same thing. */
static bool same_spec(Func *fn, const char *a, Request *rb) {
  Request ra = {.fn = fn};
  parse_request(&ra, a);
  return ra.split == rb->split && same_names(&ra.wrt, &rb->wrt) && same_names(&ra.out, &rb->out);
}

static Request *add_request(Func *fn, Mode mode, const char *spec, Loc loc) {
  Request *r = arena_alloc(sizeof *r);
  r->fn = fn;
  r->mode = mode;
  r->loc = loc;
  parse_request(r, spec);
  for (int i = 0; i < prog->requests.len; i++) {
    Request *o = prog->requests.data[i];
    if (o->fn != fn || o->mode != mode || o->split != r->split) continue;
    if (same_names(&o->wrt, &r->wrt) && same_names(&o->out, &r->out)) return o;   /* declaration and definition */
    diag_error(loc, "conflicting requests for '%s': a second %s with different wrt(...) or out(...)",
               fn->name, mode == MODE_JVP ? "GRADC_JVP" : mode == MODE_HESS ? "GRADC_HESSIAN" : "GRADC_GRAD");
    diag_note(o->loc, "the first request is here");
    return NULL;
  }
  r->name = format("%s_%s", fn->name, mode == MODE_JVP ? "jvp" : mode == MODE_HESS ? "hvp" : "grad");
  vec_push(&prog->requests, r);
  return r;
}

typedef struct Pending { CXCursor c; const char *spec; } Pending;

static enum CXChildVisitResult find_annotations(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  Vec *out = d;
  if (clang_getCursorKind(c) == CXCursor_AnnotateAttr) {
    const char *s = cx_string(clang_getCursorSpelling(c));
    if (!strncmp(s, "gradc_", 6)) vec_push(out, (void *)s);
  }
  return CXChildVisit_Continue;
}

/* The annotations of a function's declaration c, with where each was
 * written: on c itself, or (inherited) on an earlier declaration. */
typedef struct Ann { const char *spec; Loc loc; bool elsewhere; } Ann;

static Vec annotations_of(CXCursor c) {
  Vec out = {0};
  Kids k = kids_of(c);
  for (int i = 0; i < k.n; i++) {
    if (clang_getCursorKind(k.c[i]) != CXCursor_AnnotateAttr) continue;
    const char *s = cx_string(clang_getCursorSpelling(k.c[i]));
    if (strncmp(s, "gradc_", 6)) continue;
    Ann *a = arena_alloc(sizeof *a);
    a->spec = s;
    a->loc = loc_of(k.c[i]);
    CXFile file;
    clang_getExpansionLocation(clang_getCursorLocation(k.c[i]), &file, NULL, NULL, NULL);
    a->elsewhere = !file || !clang_File_isEqual(file, main_file);
    vec_push(&out, a);
  }
  return out;
}

/* Pretty-prints a type declaration of the main file. An anonymous struct
 * followed by its typedef is printed as one declaration (libclang prints the
 * typedef alone as "typedef struct vec2 vec2"). */
static const char *pretty(CXCursor c) {
  CXPrintingPolicy pol = clang_getCursorPrintingPolicy(c);
  clang_PrintingPolicy_setProperty(pol, CXPrintingPolicy_PolishForDeclaration, 1);
  const char *s = cx_string(clang_getCursorPrettyPrinted(c, pol));
  clang_PrintingPolicy_dispose(pol);
  return s;
}

/* GRADC_WRITES("param:count") of fn. */
static void add_write(Func *fn, const char *spec, Loc loc) {
  const char *colon = strchr(spec, ':');
  if (!colon) { diag_error(loc, "malformed GRADC_WRITES"); return; }
  const char *name = arena_strndup(spec, (size_t)(colon - spec));
  for (int i = 0; i < fn->params.len; i++)
    if (!strcmp(((Var *)fn->params.data[i])->name, name)) {
      Write *w = arena_alloc(sizeof *w);
      w->param = i;
      w->count = colon + 1;
      vec_push(&fn->writes, w);
      return;
    }
  diag_error(loc, "GRADC_WRITES names '%s', which is not a parameter of '%s'", name, fn->name);
}

static void header_function(CXCursor c, Vec *specs) {
  Func *fn = declare_func(c);
  for (int i = 0; i < specs->len; i++) {
    const char *sp = specs->data[i];
    if (!strncmp(sp, "gradc_grad:", 11) && !clang_isCursorDefinition(c)) {
      /* defined in another file, which gradc turns into companions */
      Request *r = arena_alloc(sizeof *r);
      r->fn = fn;
      r->mode = MODE_GRAD;
      r->loc = loc_of(c);
      Vec anns = annotations_of(c);
      for (int k = 0; k < anns.len; k++)
        if (!strcmp(((Ann *)anns.data[k])->spec, sp)) r->loc = ((Ann *)anns.data[k])->loc;
      r->decl_loc = r->loc;
      r->spec = sp + 11;
      parse_request(r, sp + 11);
      fn->across = r;
      continue;
    }
    if (!strncmp(sp, "gradc_custom_grad:", 18)) fn->custom_rev = sp + 18;
    else if (!strncmp(sp, "gradc_custom_jvp:", 17)) fn->custom_jvp = sp + 17;
    else if (!strncmp(sp, "gradc_writes:", 13)) add_write(fn, sp + 13, loc_of(c));
    else if (!strcmp(sp, "gradc_in_place")) fn->in_place_ok = true;
    else if (!strcmp(sp, "gradc_reads_output")) fn->reads_output = true;
    else if (!strcmp(sp, "gradc_reads_input")) fn->reads_input = true;
    else if (!strncmp(sp, "gradc_inactive:", 15)) {
      for (int k = 0; k < fn->params.len && k < 60; k++)
        if (!strcmp(((Var *)fn->params.data[k])->name, sp + 15)) fn->inactive |= 1ul << k;
    }
  }
}

/* An untagged definition that no typedef named: an anonymous enum's
 * constants (enum { N = 5 };) are declarations the generated code needs. */
static void flush_anon(CXCursor *pending_anon) {
  if (clang_Cursor_isNull(*pending_anon)) return;
  if (clang_getCursorKind(*pending_anon) == CXCursor_EnumDecl)
    vec_push(&prog->typedecls, (void *)format("%s;", pretty(*pending_anon)));
  *pending_anon = clang_getNullCursor();
}

static void top_level(CXCursor c, CXCursor *pending_anon) {
  enum CXCursorKind k = clang_getCursorKind(c);
  if (!clang_Cursor_isNull(*pending_anon) && k != CXCursor_TypedefDecl) flush_anon(pending_anon);
  if (k == CXCursor_InclusionDirective && in_main_file(c)) {
    /* the directive's line as written */
    CXToken *toks;
    unsigned n;
    clang_tokenize(tu, clang_getCursorExtent(c), &toks, &n);
    Buf b = {0};
    for (unsigned i = 0; i < n; i++) {
      const char *t = cx_string(clang_getTokenSpelling(tu, toks[i]));
      buf_puts(&b, t);
      if (i == 1) buf_puts(&b, " ");
    }
    clang_disposeTokens(tu, toks, n);
    if (b.data) vec_push(&prog->includes, arena_strdup(b.data));
    buf_free(&b);
    return;
  }
  if (k == CXCursor_FunctionDecl) vec_push(&prog->declared, (void *)cx_string(clang_getCursorSpelling(c)));
  /* gradc's own headers define the tape's inline functions: runtime, not user code */
  bool user_header_def = k == CXCursor_FunctionDecl && !in_main_file(c) && clang_isCursorDefinition(c) &&
                         !clang_Location_isInSystemHeader(clang_getCursorLocation(c)) &&
                         strncmp(cx_string(clang_getCursorSpelling(c)), "gradc_", 6) != 0;
  if (!in_main_file(c) && !user_header_def) {
    /* a header's function with a custom derivative (the runtime's kernels) */
    if (k == CXCursor_FunctionDecl && clang_Cursor_hasAttrs(c)) {
      Vec specs = {0};
      clang_visitChildren(c, find_annotations, &specs);
      if (specs.len) header_function(c, &specs);
    }
    return;
  }
  switch (k) {
  case CXCursor_StructDecl: case CXCursor_UnionDecl: case CXCursor_EnumDecl:
  {
    /* an untagged definition ("struct {") is named by the typedef after it */
    const char *text = pretty(c);
    if (clang_isCursorDefinition(c) && (!strncmp(text, "struct {", 8) ||
                                        !strncmp(text, "union {", 7) || !strncmp(text, "enum {", 6)))
      *pending_anon = c;
    else
      vec_push(&prog->typedecls, (void *)format("%s;", text));
    return;
  }
  case CXCursor_TypedefDecl: {
    CXType under = clang_getTypedefDeclUnderlyingType(c);
    CXCursor decl = clang_getTypeDeclaration(clang_Type_getNamedType(under));
    if (!clang_Cursor_isNull(*pending_anon) && clang_equalCursors(decl, *pending_anon)) {
      vec_push(&prog->typedecls, (void *)format("typedef %s %s;", pretty(decl),
                                               cx_string(clang_getCursorSpelling(c))));
      *pending_anon = clang_getNullCursor();
    } else {
      flush_anon(pending_anon);
      vec_push(&prog->typedecls, (void *)format("%s;", pretty(c)));
    }
    return;
  }
  case CXCursor_FunctionDecl: {
    /* the file's functions, and those defined in the user's headers
     * (static inline helpers), which the generated file sees through the
     * same #include */
    Func *fn = declare_func(c);
    if (user_header_def) fn->in_header = true;
    Vec anns = annotations_of(c);
    /* GRADC_GRAD on a header's prototype (header_function has read it):
     * callers in other files use it, so the definition must agree, and its
     * gradient comes with companions for them */
    Request *hdr = fn->across;
    for (int i = 0; i < anns.len; i++) {
      Ann *a = anns.data[i];
      const char *sp = a->spec;
      if (!strncmp(sp, "gradc_custom_grad:", 18)) { fn->custom_rev = sp + 18; continue; }
      if (!strncmp(sp, "gradc_custom_jvp:", 17)) { fn->custom_jvp = sp + 17; continue; }
      if (!strncmp(sp, "gradc_writes:", 13)) { add_write(fn, sp + 13, loc_of(c)); continue; }
      Mode mode = !strncmp(sp, "gradc_grad:", 11) ? MODE_GRAD : !strncmp(sp, "gradc_jvp:", 10) ? MODE_JVP
                : !strncmp(sp, "gradc_hessian:", 14) ? MODE_HESS : (Mode)-1;
      if (mode == (Mode)-1) {
        diag_error(loc_of(c), "unknown gradc annotation '%s'", sp);
        continue;
      }
      if (mode == MODE_GRAD && hdr && a->elsewhere) continue;   /* the header's, inherited */
      if (mode == MODE_GRAD && hdr && !same_spec(fn, sp + 11, hdr)) {
        diag_error(a->loc, "this annotation of '%s' differs from the one on its declaration, which "
                   "callers in other files see", fn->name);
        diag_note(hdr->decl_loc, "the declaration's annotation is here");
        continue;
      }
      add_request(fn, mode, strchr(sp, ':') + 1, loc_of(c));
    }
    if (hdr && clang_isCursorDefinition(c) && !fn->is_static) {
      Request *r = add_request(fn, MODE_GRAD, hdr->spec, loc_of(c));
      if (r) r->exported = true, r->decl_loc = hdr->decl_loc;
    }
    return;
  }
  default:
    return;
  }
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData d) {
  (void)parent;
  top_level(c, d);
  return CXChildVisit_Continue;
}

static bool report_clang_diagnostics(void) {
  bool ok = true;
  unsigned n = clang_getNumDiagnostics(tu);
  for (unsigned i = 0; i < n; i++) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
    if (sev >= CXDiagnostic_Error) {
      CXFile file;
      unsigned line, col;
      clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file, &line, &col, NULL);
      Loc loc = {main_path, (int)line, (int)col};
      if (file && !clang_File_isEqual(file, main_file)) loc.file = cx_string(clang_getFileName(file));
      if (!file) loc.file = main_path, loc.line = 0;
      diag_error(loc, "%s", cx_string(clang_getDiagnosticSpelling(d)));
      ok = false;
    }
    clang_disposeDiagnostic(d);
  }
  return ok;
}

/* Takes the input's compile command from DIR/compile_commands.json, as
 * clang-tidy's -p does: the compiler's arguments, run in the command's
 * directory. Returns false (after reporting) when there is none. */
static bool compdb_args(const char *dir, const char *input, Vec *args) {
  CXCompilationDatabase_Error err;
  CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dir, &err);
  if (err != CXCompilationDatabase_NoError) {
    diag_plain("cannot read a compilation database in '%s'", dir);
    return false;
  }
  char *abs = realpath(input, NULL);
  CXCompileCommands cmds = clang_CompilationDatabase_getCompileCommands(db, abs ? abs : input);
  free(abs);
  bool ok = cmds && clang_CompileCommands_getSize(cmds) > 0;
  if (ok) {
    CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, 0);
    unsigned n = clang_CompileCommand_getNumArgs(cmd);
    vec_push(args, (void *)cx_string(clang_CompileCommand_getArg(cmd, 0)));
    vec_push(args, "-working-directory");
    vec_push(args, (void *)cx_string(clang_CompileCommand_getDirectory(cmd)));
    for (unsigned i = 1; i < n; i++) {
      const char *a = cx_string(clang_CompileCommand_getArg(cmd, i));
      /* drop the output and the source itself; keep the flags */
      if (!strcmp(a, "-o") || !strcmp(a, "-MF") || !strcmp(a, "-MT") || !strcmp(a, "-MQ")) { i++; continue; }
      if (!strcmp(a, "-c") || !strcmp(a, "-MD") || !strcmp(a, "-MMD") || !strcmp(a, "--")) continue;
      const char *b = strrchr(a, '/');
      const char *c = strrchr(input, '/');
      if (!strcmp(b ? b + 1 : a, c ? c + 1 : input) && strlen(a) > 2 && !strcmp(a + strlen(a) - 2, ".c")) continue;
      vec_push(args, (void *)a);
    }
  } else {
    diag_plain("'%s' has no entry in %s/compile_commands.json", input, dir);
  }
  if (cmds) clang_CompileCommands_dispose(cmds);
  clang_CompilationDatabase_dispose(db);
  return ok;
}

/* gradc's own include folder, found from where the executable is, as
 * clang finds its resource folder: the source tree's include/ when this is
 * the binary of the build tree (GRADC_BUILD_DIR), else P/include beside
 * P/bin/gradc. NULL when there is no gradc.h there. */
const char *parse_include_dir(void) {
  static const char *found;
  if (found) return found;
  char *exe = realpath("/proc/self/exe", NULL);
  if (!exe) return NULL;
  *strrchr(exe, '/') = '\0';
#if defined(GRADC_BUILD_DIR) && defined(GRADC_SOURCE_DIR)
  char *build = realpath(GRADC_BUILD_DIR, NULL);
  bool in_build = build && !strcmp(build, exe);
  free(build);
  if (in_build) {
    free(exe);
    return found = GRADC_SOURCE_DIR "/include";
  }
#endif
  char *inc = realpath(format("%s/../include", exe), NULL);
  free(exe);
  if (inc && access(format("%s/gradc.h", inc), R_OK) == 0) found = arena_strdup(inc);
  free(inc);
  return found;
}

static enum CXErrorCode parse_tu(Options *opt, struct CXUnsavedFile *unsaved) {
  Vec args = {0};
  openmp = false;
  Vec db = {0};
  if (opt->compdb) {
    if (!compdb_args(opt->compdb, opt->input, &db)) return CXError_Failure;
    vec_push(&args, db.data[0]);
  } else {
    vec_push(&args, "cc");
  }
  vec_push(&args, "-resource-dir");
  vec_push(&args, GRADC_CLANG_RESOURCE_DIR);
  vec_push(&args, "-xc");
  for (int i = 1; i < db.len; i++) vec_push(&args, db.data[i]);
  for (int i = 0; i < opt->clang_args.len; i++) vec_push(&args, opt->clang_args.data[i]);
  /* -fopenmp: parse without it, as the compiler sees the code (see "OpenMP
   * directives") */
  int kept = 0;
  for (int i = 0; i < args.len; i++) {
    const char *a = args.data[i];
    if (!strcmp(a, "-fopenmp") || !strncmp(a, "-fopenmp=", 9)) openmp = true;
    else if (!strcmp(a, "-fno-openmp")) openmp = false;
    else args.data[kept++] = args.data[i];
  }
  args.len = kept;
  if (openmp) vec_push(&args, "-D_OPENMP=202011");
  /* <gradc.h> without -I, after the user's own -I flags */
  const char *inc = parse_include_dir();
  if (inc) {
    vec_push(&args, "-I");
    vec_push(&args, (void *)inc);
  }
  /* with a database's working directory, name the input absolutely */
  if (!unsaved) {
    char *abs = opt->compdb ? realpath(opt->input, NULL) : NULL;
    parse_path = abs ? arena_strdup(abs) : opt->input;
    free(abs);
  }
  vec_push(&args, (void *)parse_path);
  index_ = clang_createIndex(0, 0);
  return clang_parseTranslationUnit2FullArgv(index_, NULL, (const char *const *)args.data, args.len,
                                             unsaved, unsaved ? 1 : 0,
                                             CXTranslationUnit_DetailedPreprocessingRecord, &tu);
}

static void add_inclusion(CXFile f, CXSourceLocation *stack, unsigned n, CXClientData d) {
  (void)stack;
  if (n == 0) return;   /* the main file itself */
  vec_push(d, (void *)cx_string(clang_getFileName(f)));
}

/* Every file the input includes, directly or not, in inclusion order. */
void parse_dependencies(Vec *files) {
  Vec all = {0};
  clang_getInclusions(tu, add_inclusion, &all);
  for (int i = 0; i < all.len; i++) {
    bool dup = false;
    for (int k = 0; k < files->len && !dup; k++) dup = !strcmp(files->data[k], all.data[i]);
    if (!dup) vec_push(files, all.data[i]);
  }
}

/* Feature-test macros of the main file (#define _POSIX_C_SOURCE 200809L)
 * configure the headers it includes: the generated file repeats them. */
static void feature_macros(void) {
  size_t n = 0;
  const char *text = clang_getFileContents(tu, main_file, &n);
  for (size_t i = 0; text && i < n;) {
    size_t end = i;
    while (end < n && text[end] != '\n') end++;
    const char *p = text + i, *e = text + end;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    if (p < e && *p == '#') {
      const char *q = p + 1;
      while (q < e && (*q == ' ' || *q == '\t')) q++;
      if (e - q > 7 && !strncmp(q, "define", 6) && (q[6] == ' ' || q[6] == '\t')) {
        q += 6;
        while (q < e && (*q == ' ' || *q == '\t')) q++;
        const char *w = q;
        while (q < e && (isalnum((unsigned char)*q) || *q == '_')) q++;
        if (*w == '_' && q - w > 8 && !strncmp(q - 7, "_SOURCE", 7)) {
          const char *t = e;
          while (t > p && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r')) t--;
          vec_push(&prog->features, arena_strndup(p, (size_t)(t - p)));
        }
      }
    }
    i = end + 1;
  }
}

/* Whether the file declares a CBLAS routine that gradc differentiates
 * without its annotations (it included OpenBLAS's <cblas.h>, not
 * <gradc/blas.h>). Recognised by name, whichever header declared it. */
static bool needs_blas_annotations(Options *opt) {
  static const char *const routines[] = {"gemm", "gemv", "dot",  "axpy", "scal", "nrm2",
                                          "asum", "copy", "ger",  "symv", "trmv"};
  if (!parse_include_dir()) return false;
  for (int i = 0; i < opt->clang_args.len; i++)
    if (!strcmp(opt->clang_args.data[i], "-include") && i + 1 < opt->clang_args.len &&
        strstr(opt->clang_args.data[i + 1], "gradc/blas.h"))
      return false;   /* parsed with them already */
  for (size_t r = 0; r < sizeof routines / sizeof *routines; r++)
    for (const char *t = "ds"; *t; t++) {
      const char *name = format("cblas_%c%s", *t, routines[r]);
      Func *fn = ir_find_func(prog, name);
      if (fn && (fn->has_body || fn->custom_rev)) continue;
      for (int i = 0; i < prog->declared.len; i++)
        if (!strcmp(prog->declared.data[i], name)) return true;
    }
  return false;
}

Program *parse_file(Options *opt) {
  prog = arena_alloc(sizeof *prog);
  prog->path = opt->input;
  main_path = opt->input;
  enum CXErrorCode err = parse_tu(opt, NULL);
  if (err != CXError_Success && opt->compdb && !tu) return NULL;
  if (err != CXError_Success || !tu) {
    diag_plain("cannot parse '%s'", opt->input);
    return NULL;
  }
  main_file = clang_getFile(tu, parse_path);
  prog->openmp = openmp;
  if (!report_clang_diagnostics()) return NULL;
  feature_macros();
  CXCursor anon = clang_getNullCursor();
  clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &anon);
  flush_anon(&anon);
  if (needs_blas_annotations(opt)) {
    /* the file calls CBLAS through <cblas.h>: parse again with the
     * annotated redeclarations of <gradc/blas.h>, which the generated file
     * includes too */
    parse_dispose();
    vec_push(&opt->clang_args, "-include");
    vec_push(&opt->clang_args, (void *)format("%s/gradc/blas.h", parse_include_dir()));
    Program *p = parse_file(opt);
    if (p) vec_push(&p->includes, "#include <gradc/blas.h>");
    return p;
  }
  /* an annotated prototype of a function this file does not define: callers
   * here use the companions gradc generates from the defining file */
  int kept = 0;
  for (int i = 0; i < prog->requests.len; i++) {
    Request *r = prog->requests.data[i];
    if (!r->fn->has_body && r->mode == MODE_GRAD && !r->fn->is_static) {
      r->decl_loc = r->loc;
      r->fn->across = r;
    } else {
      prog->requests.data[kept++] = r;
    }
  }
  prog->requests.len = kept;
  if (opt->fn_name) {
    Func *fn = ir_find_func(prog, opt->fn_name);
    if (!fn || !fn->has_body) {
      diag_error((Loc){main_path, 0, 0}, "no definition of a function '%s' in this file", opt->fn_name);
      return NULL;
    }
    Buf b = {0};
    buf_printf(&b, "wrt(%s)", opt->fn_wrt ? opt->fn_wrt : "");
    if (opt->fn_out) buf_printf(&b, ", out(%s)", opt->fn_out);
    add_request(fn, opt->jvp ? MODE_JVP : MODE_GRAD, arena_strdup(b.data), fn->loc);
    buf_free(&b);
  }
  return diag_errors() ? NULL : prog;
}

/* Parses C text held in memory as if it were the file `path` (next to the
 * input, so that its #include lines resolve as the input's do). Used to
 * differentiate gradc's own output again (forward over reverse). The
 * previous translation unit is disposed; its IR stays valid. */
Program *parse_source(Options *opt, const char *path, const char *text) {
  parse_dispose();
  prog = arena_alloc(sizeof *prog);
  prog->path = path;
  main_path = path;
  char *abs = opt->compdb ? realpath(opt->input, NULL) : NULL;
  if (abs) {
    char *slash = strrchr(abs, '/');
    const char *b = strrchr(path, '/');
    parse_path = format("%.*s/%s", (int)(slash - abs), abs, b ? b + 1 : path);
    free(abs);
  } else {
    parse_path = path;
  }
  struct CXUnsavedFile file = {parse_path, text, (unsigned long)strlen(text)};
  enum CXErrorCode err = parse_tu(opt, &file);
  openmp = false;   /* gradc's own output: its parallel regions are not the user's loops */
  if (err != CXError_Success || !tu) {
    diag_plain("cannot parse the generated gradient again");
    return NULL;
  }
  main_file = clang_getFile(tu, parse_path);
  if (!report_clang_diagnostics()) return NULL;
  CXCursor anon = clang_getNullCursor();
  clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &anon);
  flush_anon(&anon);
  return diag_errors() ? NULL : prog;
}

void parse_dispose(void) {
  if (tu) clang_disposeTranslationUnit(tu);
  if (index_) clang_disposeIndex(index_);
  tu = NULL, index_ = NULL;
  free(map);
  map = NULL, map_cap = map_len = 0;
}
