/* parse.c: libclang cursors -> gradc IR. With parse_body.c (function
 * bodies), the only files that see libclang (parse.h).
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
#include "parse.h"

#include <clang-c/CXCompilationDatabase.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GRADC_CLANG_RESOURCE_DIR
#define GRADC_CLANG_RESOURCE_DIR "/usr/lib/llvm-19/lib/clang/19"
#endif

static CXIndex index_;
CXTranslationUnit tu;
CXFile main_file;
const char *main_path;
static const char *parse_path;   /* the input as given to libclang */
Program *prog;
Func *cur_fn;           /* function whose body is being converted */
bool openmp;            /* -fopenmp: read #pragma omp (see "OpenMP directives") */

/* ---- a map from declaration cursors to IR objects ------------------------- */

typedef struct Entry { CXCursor key; void *val; bool used; } Entry;
static Entry *map;
static size_t map_cap, map_len;

void map_put(CXCursor key, void *val);

void *map_get(CXCursor key) {
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

void map_put(CXCursor key, void *val) {
  if ((map_len + 1) * 2 > map_cap) map_grow();
  size_t i = clang_hashCursor(key) & (map_cap - 1);
  for (; map[i].used; i = (i + 1) & (map_cap - 1))
    if (clang_equalCursors(map[i].key, key)) { map[i].val = val; return; }
  map[i] = (Entry){key, val, true};
  map_len++;
}

/* ---- small helpers -------------------------------------------------------- */

const char *cx_string(CXString s) {
  const char *c = clang_getCString(s);
  const char *r = arena_strdup(c ? c : "");
  clang_disposeString(s);
  return r;
}

Loc loc_of(CXCursor c) {
  CXFile file;
  unsigned line, col;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &col, NULL);
  Loc l = {main_path, (int)line, (int)col};
  if (file && !clang_File_isEqual(file, main_file)) l.file = cx_string(clang_getFileName(file));
  if (!strncmp(l.file, "./", 2) && l.file[2]) l.file += 2;   /* a quote include beside the input */
  return l;
}

unsigned offset_of(CXSourceLocation sl) {
  unsigned off;
  clang_getExpansionLocation(sl, NULL, NULL, NULL, &off);
  return off;
}

bool in_main_file(CXCursor c) {
  CXFile file;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL, NULL);
  return file && clang_File_isEqual(file, main_file);
}


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

Kids kids_of(CXCursor c) {
  Kids k = {0};
  clang_visitChildren(c, collect, &k);
  return k;
}

bool is_expr_kind(enum CXCursorKind k) {
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
const char *token_text(CXCursor c) {
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
bool plain_extent(CXCursor c) {
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
const char *tokens_text(CXCursor c) {
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
    if ((word && pword) || ((!strcmp(prev, "sizeof") || !strcmp(prev, "_Alignof")) && strcmp(s, "(")))
      buf_puts(&b, " ");   /* sizeof *p */
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
Type *conv_type(CXType t);

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
Type *conv_type(CXType t) {
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

/* A name in a GRADC_WRITES count: one of fn's parameters, or a name the
 * generated file sees as well (a macro, a global) */
static Expr *count_name(const char *name, void *ud, Loc loc) {
  Func *fn = ud;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    if (!strcmp(v->name, name)) return ir_var(v, loc);
  }
  return ir_var(ir_new_var(NULL, name, ty_int(), VAR_GLOBAL, loc), loc);
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
      w->count = rule_count(colon + 1, count_name, fn, loc);
      if (!w->count)
        diag_error(loc, "gradc cannot read the count '%s' of GRADC_WRITES: write it with names, integer "
                   "literals, calls and the operators of C arithmetic and comparisons", colon + 1);
      else vec_push(&fn->writes, w);
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

void parse_dispose(void) {
  if (tu) clang_disposeTranslationUnit(tu);
  if (index_) clang_disposeIndex(index_);
  tu = NULL, index_ = NULL;
  free(map);
  map = NULL, map_cap = map_len = 0;
}
