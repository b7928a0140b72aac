/* parse.h: what the two halves of the parser share (parse.c: the translation
 * unit, types, annotations; parse_body.c: function bodies). Only they see
 * libclang. */
#ifndef GRADC_PARSE_H
#define GRADC_PARSE_H

#include "tool.h"

#include <clang-c/Index.h>

extern CXTranslationUnit tu;
extern CXFile main_file;
extern const char *main_path;   /* the input as named in diagnostics */
extern Program *prog;
extern Func *cur_fn;            /* function whose body is being converted */
extern bool openmp;             /* -fopenmp: read #pragma omp (parse_body.c) */

/* the IR object made for a declaration cursor */
void *map_get(CXCursor key);
void map_put(CXCursor key, void *val);

const char *cx_string(CXString s);          /* an arena copy, disposing s */
Loc loc_of(CXCursor c);
unsigned offset_of(CXSourceLocation sl);    /* file offset of the expansion */
bool in_main_file(CXCursor c);

typedef struct Kids { CXCursor *c; int n, cap; } Kids;
Kids kids_of(CXCursor c);                   /* a cursor's children */
bool is_expr_kind(enum CXCursorKind k);
const char *token_text(CXCursor c);         /* a literal's spelling */
const char *tokens_text(CXCursor c);        /* an expression's tokens, when plain */
bool plain_extent(CXCursor c);              /* its extent is source text (no macro) */
Type *conv_type(CXType t);

#endif
