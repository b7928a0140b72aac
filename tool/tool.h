/* tool.h: the one internal header of the gradc tool, in sections per file.
 *
 * The pipeline, for each function to differentiate:
 *   parse (libclang cursors -> IR)  ->  lower (normal form)  ->  inline
 *   (calls of the file's functions become copies of their bodies)  ->  fuse
 *   (a sum over a buffer joins the loop that fills it)  ->  activity
 *   (which values carry derivatives, which the reverse sweep reads)  ->
 *   immediate (sum loops whose iterations are reversed as they run)  ->
 *   recompute (what a loop's reverse computes again instead of taping)  ->  rev
 *   (forward sweep with tape pushes, reverse sweep)  ->  emit (C text).
 * pipeline.c runs the passes up to the sweeps, in this order (forward mode
 * stops after activity: immediate and recompute serve the reverse sweep).
 * Forward mode (fwd.c) is IR in, IR out: it builds the tangent function as
 * IR, which emit.c prints (f_jvp) or reverse mode differentiates in memory
 * (a Hessian: reverse over forward). The reverse sweeps build each statement's
 * forward and reverse code as IR (adjoints as variables, the tape's operations
 * as calls) and print it statement by statement; their control flow (branches,
 * loops, checkpoints, parallel loops) and the functions around them are still
 * written as C text.
 * The IR is a small structured tree (statements and expressions), close to C,
 * so that the generated code keeps the user's names and shape. Only parse.c
 * sees libclang, and only the user's files: everything after it works on the
 * IR alone.
 */
#ifndef GRADC_TOOL_H
#define GRADC_TOOL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifndef GRADC_VERSION_STRING
#define GRADC_VERSION_STRING "0.1.0"
#endif

typedef struct Type Type;
typedef struct Field Field;
typedef struct Var Var;
typedef struct Expr Expr;
typedef struct Stmt Stmt;
typedef struct Func Func;
typedef struct Program Program;
typedef struct Buf Buf;
typedef struct Omp Omp;

/* Bit i of a parameter mask (masks cover the first 64 parameters). */
static inline bool bit(unsigned long mask, int i) { return i >= 0 && i < 64 && (mask >> i & 1); }

/* ---- arena.c: memory, strings, growable buffers -------------------------- */

void *arena_alloc(size_t n);                 /* zeroed; lives until arena_free_all */
void arena_free_all(void);
char *arena_strdup(const char *s);
char *arena_strndup(const char *s, size_t n);
char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vformat(const char *fmt, va_list ap);

/* A growable array of pointers. */
typedef struct Vec { void **data; int len, cap; } Vec;
void vec_push(Vec *v, void *p);
bool vec_has(const Vec *v, const void *p);
int vec_index(const Vec *v, const void *p);   /* p's first place in v, or -1 */
void vec_add_once(Vec *v, void *p);       /* vec_push unless p is in v */

/* A growable text buffer (heap memory, owned by the caller). */
struct Buf { char *data; size_t len, cap; };
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(Buf *b);

/* ---- diag.c: compiler-style diagnostics ---------------------------------- */

typedef struct Loc { const char *file; int line, col; } Loc;

void diag_error(Loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_warning(Loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(Loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int diag_errors(void);
int diag_soft(bool on);                   /* errors as warnings while on; returns how many so far */
void diag_reset(void);                    /* forget the error count (the fuzzer, between runs) */
_Noreturn void diag_bug(const char *file, int line, const char *msg);
#define unreachable() diag_bug(__FILE__, __LINE__, "unreachable")
#define bug(msg) diag_bug(__FILE__, __LINE__, msg)

/* ---- ir.c: types, variables, expressions, statements, functions ----------- */

typedef enum {
  TY_VOID, TY_INT,      /* every integer type, enums and _Bool included */
  TY_FLOAT, TY_DOUBLE, TY_LDOUBLE,
  TY_PTR, TY_ARRAY, TY_STRUCT, TY_UNION, TY_FUNC, TY_OTHER,
} TypeKind;

struct Field { const char *name; Type *ty; };

struct Type {
  TypeKind kind;
  const char *spell;     /* leaf types: "double", "size_t", "vec2", "struct P" */
  bool is_const;         /* qualified const (for leaves and pointers) */
  Type *base;            /* pointee or element */
  long len;              /* array length; -1 when variable or unknown */
  Expr *vla_len;         /* the length expression of a VLA */
  bool is_vla;           /* a variable-length array level */
  Field *fields;         /* struct and union members */
  int nfields;
};

bool ty_is_float(const Type *t);       /* float, double, long double */
bool ty_is_int(const Type *t);
bool ty_is_ptr(const Type *t);         /* pointer or array */
bool ty_has_float(const Type *t);      /* can hold a floating value somewhere */
bool ty_same(const Type *a, const Type *b);   /* the same type, const aside */
Type *ty_long(void);
Type *ty_size(void);                   /* size_t */
Type *ty_named(const char *name);      /* a type known by its name (the runtime's) */
Type *ty_elem(const Type *t);          /* pointee or element; NULL otherwise */
Type *ty_new(TypeKind kind, const char *spell);
Type *ty_ptr_to(Type *base);
Type *ty_unconst(Type *t);             /* t without const, through array levels */
Type *ty_double(void);
Type *ty_int(void);
Field *ty_field(const Type *t, const char *name);
const char *ty_name(const Type *t);    /* for messages: "double *" */

typedef enum { VAR_LOCAL, VAR_PARAM, VAR_GLOBAL, VAR_TEMP } VarKind;

struct Var {
  const char *name;      /* as emitted; unique within its function */
  Type *ty;
  VarKind kind;
  Loc loc;
  int index;             /* parameter position */
  bool is_static;        /* static storage (local or global) */
  Expr *static_init;     /* the initializer of a static local */
  bool is_wrt;           /* named in wrt(...) */
  bool is_out;           /* named in out(...) */
  /* filled by activity.c */
  bool varied;           /* depends on a wrt input */
  bool useful;           /* influences an output */
  bool active;           /* varied and useful: has an adjoint */
  bool written;          /* assigned somewhere after its declaration */
  bool addr_taken;       /* &v (or &v[i], &v.f) appears in the function */
  bool rev_read;         /* read by the reverse sweep */
  Vec reads;             /* Stmt *: where the reverse sweep reads it */
  Vec mem_reads;         /* Stmt *: those of reads that may read the memory it
                            addresses (the others read only the pointer) */
  Vec own_reads;         /* Stmt *: reads of its own value, not through aliases */
  Stmt *recomp;          /* the loop whose reverse sweep computes it again */
  bool rev_alive;        /* its memory is written or read again in the reverse sweep
                            (computed again, or back from a snapshot): a free
                            waits for the reverse sweep's end */
  bool local_mem;        /* an array declared in the function */
  bool is_flag;          /* a control flag made by lowering (break, return) */
  bool input_mem;        /* may address a wrt array that is not an output */
  bool foreign;          /* may address memory the caller sees (not the function's own) */
  int indexed_gen;       /* activity.c's cache: analysis number of only_indexed */
  bool only_indexed;     /* its memory is reached only as v[i] */
  bool fresh;            /* a local buffer that no other name reaches
                            (ir_fresh_buffer; set by act_analyze) */
  Var *bar;              /* rev.c: its adjoint, when active (a local of the
                            generated function, or bar_param) */
  Var *bar_param;        /* rev.c: its adjoint parameter (x_bar), if it has one */
  Var *dot;              /* fwd.c: its tangent, a variable of the tangent function */
  Var *copy;             /* fwd.c: itself in the tangent function being built */
};

typedef enum {
  EX_NUM, EX_STR, EX_VAR, EX_FUNCREF,
  /* binary */
  EX_ADD, EX_SUB, EX_MUL, EX_DIV, EX_MOD, EX_SHL, EX_SHR,
  EX_BITAND, EX_BITOR, EX_BITXOR, EX_LT, EX_LE, EX_GT, EX_GE, EX_EQ, EX_NE,
  EX_LAND, EX_LOR, EX_COMMA,
  /* unary */
  EX_NEG, EX_PLUS, EX_NOT, EX_BITNOT, EX_ADDR, EX_DEREF,
  EX_PREINC, EX_PREDEC, EX_POSTINC, EX_POSTDEC,
  /* others */
  EX_INDEX, EX_MEMBER, EX_CALL, EX_CAST, EX_COND, EX_ASSIGN, EX_SIZEOF,
  EX_INITLIST,
} ExprKind;

typedef struct Rule Rule;

struct Expr {
  ExprKind kind;
  Type *ty;
  Loc loc;
  Expr *a, *b, *c;       /* operands: lhs/rhs, base/index, cond/then/else */
  Expr **args;           /* call arguments, init-list items */
  int nargs;
  Var *var;              /* EX_VAR */
  const char *text;      /* literal text, member name, callee name, sizeof text (or
                            NULL for gradc's own sizeof a: a) */
  bool arrow;            /* EX_MEMBER through a pointer */
  ExprKind op;           /* EX_ASSIGN: EX_ADD for +=, ...; 0 for = */
  Func *callee;          /* a function of this file with a body */
  const Rule *rule;      /* a libm function with a derivative rule */
  bool callee_known;     /* callee declared (has a prototype) */
  int act_gen;           /* activity.c's cache: analysis number of act_val */
  bool act_val;
};

typedef enum {
  ST_EXPR, ST_DECL, ST_BLOCK, ST_IF, ST_WHILE, ST_DO, ST_FOR, ST_RETURN,
  ST_BREAK, ST_CONTINUE, ST_SWITCH, ST_CASE, ST_DEFAULT, ST_NOP,
  ST_GOTO, ST_LABEL,     /* removed by lowering: later passes never see them */
} StmtKind;

struct Stmt {
  StmtKind kind;
  Loc loc;
  Expr *e;               /* expression, condition, return value, case value */
  Stmt *init;            /* ST_FOR */
  Expr *inc;             /* ST_FOR */
  Expr *ckpt;            /* loops: GRADC_CHECKPOINT(snaps) before it, its snaps */
  Omp *omp;              /* for: #pragma omp parallel for before it (with -fopenmp) */
  Stmt *body;            /* loops, if-then, switch, case */
  Stmt *els;             /* if-else */
  Vec kids;              /* ST_BLOCK */
  Var *var;              /* ST_DECL */
  const char *label;     /* ST_GOTO: its target; ST_LABEL (body: the labelled statement) */
  /* filled by later passes */
  bool active;           /* has work in the reverse sweep */
  bool init_of_decl;     /* first value of a variable, run once: nothing to save */
  bool atomic;           /* ST_EXPR of a reverse sweep: under #pragma omp atomic */
  const char *comment;   /* derivative code: ST_NOP, a line of its own; ST_EXPR, after it */
  Stmt *unroll;          /* derivative code, a loop: the primal loop whose unroll hint it takes */
  bool parallel;         /* derivative code: a copy of a parallel loop that keeps its pragma */
  int pos;               /* preorder position in the function (activity.c) */
  Stmt *loop;            /* innermost enclosing loop, or NULL */
  Stmt *parent;          /* the statement around it, or NULL (activity.c) */
  Vec recomp;            /* loops: Stmt *, the first statements of the body that
                            the reverse sweep runs again (recompute.c) */
  Vec snap, snap_n;      /* loops: Var *, what the body's first loops leave,
                            taped at the end of the body instead of computed
                            again (buffers over [0, snap_n[i]), scalars: NULL) */
  Vec expand;            /* loops: Var *, the buffers of snap whose values in
                            each iteration lie side by side on the tape, where
                            the iteration writes and its reverse reads them */
  int slot;              /* its index in parent->kids, or -1 */
  double immediate;      /* loops: the constant adjoint with which each
                            iteration is reversed right after it runs
                            (immediate.c), or 0 */
  Var *imm_acc;          /* that loop's accumulator */
  Vec imm_defer;         /* Var *: scalars it reads that are written after it */
};

/* #pragma omp parallel for on a loop: its data-sharing clauses (omp.c) */
struct Omp {
  Loc loc;
  Vec priv, first, red;  /* Var *: private(...), firstprivate(...), reduction(+:...) */
  Vec outer;             /* Var *: declared before the loop (shared unless listed) */
  Expr *threads;         /* derivative code: a block under #pragma omp parallel num_threads(threads) */
};

typedef enum { MODE_GRAD, MODE_JVP, MODE_HESS } Mode;

/* What an annotation asked for. */
typedef struct Request {
  Func *fn;
  Mode mode;
  Loc loc;
  Vec wrt, out;          /* of const char * */
  bool split;
  const char *name;      /* generated function name (f_grad) */
  bool exported;         /* also annotated on a header's prototype: companions for other files */
  bool internal;         /* made by gradc for its own use (a Hessian's gradient): static */
  Loc decl_loc;          /* where that prototype's annotation stands */
  const char *spec;      /* the annotation's text, "wrt(w), out(y)" */
} Request;

struct Func {
  const char *name;
  Type *ret;
  Vec params;            /* of Var * */
  Vec locals;            /* every local and temporary, Var * */
  Stmt *body;
  Loc loc;
  bool is_static;
  bool is_variadic;
  bool has_body;
  bool in_header;        /* defined in a header the input includes */
  bool parsed;
  void *cursor;          /* parse.c's handle on the definition */
  /* filled by later passes */
  Var *retvar;           /* the value of the single return, after lowering */
  bool lowered, analysed;
  bool inlined;          /* inline.c has run on its body */
  bool fused;            /* fuse.c has run on its body */
  bool need_grad;        /* needs _fwd/_rev companions */
  bool need_primal;      /* called inactively and static: needs a copy */
  bool grad_done, primal_done;
  bool need_proto, proto_done; /* called by name from generated code */
  Vec wrt;               /* Var *: parameters with adjoints */
  int ntemps;
  Vec writes;            /* Write *: GRADC_WRITES(param, count) */
  bool in_place_ok;      /* GRADC_IN_PLACE: an output may be an input */
  bool reads_output;     /* GRADC_READS_OUTPUT: its adjoint reads its outputs */
  bool reads_input;      /* GRADC_READS_INPUT: its adjoint reads what its writes overwrote */
  unsigned long inactive; /* GRADC_INACTIVE: bit i, parameter i has no derivative */
  const char *custom_rev;  /* GRADC_CUSTOM_GRAD(name) */
  const char *custom_jvp;  /* GRADC_CUSTOM_JVP(name) */
  Request *across;       /* defined in another file, annotated on the prototype seen here */
};

/* GRADC_WRITES(param, count): a function without a body writes count
 * elements through its parameter param. */
typedef struct Write { int param; Expr *count; } Write;   /* count over fn's parameters */

struct Program {
  const char *path;      /* input file as given */
  Vec funcs;             /* Func * of every function defined in the file */
  Vec requests;          /* Request * */
  Vec features;          /* const char *: its feature-test macros (#define _GNU_SOURCE) */
  Vec includes;          /* const char *: #include lines of the main file */
  Vec typedecls;         /* const char *: type declarations of the main file */
  Vec decls;             /* const char *: other declarations the output needs */
  Vec publics;           /* const char *: prototypes of the generated public functions */
  Vec declared;          /* const char *: every function declared, in any file */
  bool openmp;           /* parsed with -fopenmp: its parallel loops stay parallel */
  bool omp_used;         /* the generated code has parallel regions: it includes <omp.h> */
};

Var *ir_new_var(Func *fn, const char *name, Type *ty, VarKind kind, Loc loc);
Var *ir_new_temp(Func *fn, const char *base, Type *ty);
Expr *ir_new_expr(ExprKind kind, Type *ty, Loc loc);
Expr *ir_var(Var *v, Loc loc);
Expr *ir_num(const char *text, Type *ty, Loc loc);
Expr *ir_binary(ExprKind kind, Expr *a, Expr *b, Type *ty, Loc loc);
Expr *ir_call(const char *name, Type *ty, Loc loc, Expr **args, int n);   /* a declared function's call */
Expr *ir_unary(ExprKind kind, Expr *a, Type *ty);
Expr *ir_cond(Expr *c, Expr *a, Expr *b, Type *ty);
Expr *ir_mul(Expr *a, Expr *b, Type *ty);    /* a * b, without a factor 1 */
Stmt *ir_expr_stmt(Expr *e, Loc loc);
Stmt *ir_new_stmt(StmtKind kind, Loc loc);
Stmt *ir_assign(Expr *lhs, Expr *rhs, Loc loc);
Stmt *ir_block(Loc loc);
Stmt *ir_comment(Loc loc, const char *text);           /* a comment line of derivative code */
Stmt *ir_if(Expr *c, Stmt *then, Stmt *els);          /* if (c) then [else els] */
Stmt *ir_loop(StmtKind kind, Stmt *init, Expr *cond, Expr *inc, Stmt *body, Loc loc);
Stmt *ir_decl(Var *v, Expr *init);                     /* T v [= init]; */
Expr *ir_member(Expr *base, const char *name, Type *ty);   /* base.name */
Func *ir_find_func(Program *p, const char *name);
bool ir_is_binary(ExprKind k);
bool ir_is_unary(ExprKind k);
bool ir_is_lvalue(const Expr *e);
Var *ir_base_var(const Expr *e);        /* x in x, x[i], x.f, *x, x->f[j] */
bool ir_reads_memory(const Expr *e);    /* any deref or index */
void ir_ptr_bases(const Expr *e, Vec *out);  /* variables a pointer may address */
bool ir_has_side_effects(const Expr *e);
bool ir_is_stop(const Expr *e);         /* gradc_stop_gradient(e) */
bool ir_same_expr(const Expr *a, const Expr *b);
/* Whether pred holds for e or an expression inside it; for an expression of
 * s or of any statement inside s (conditions and increments included). */
bool ir_expr_any(Expr *e, bool (*pred)(Expr *e, void *ud), void *ud);
bool ir_stmt_any(Stmt *s, bool (*pred)(Expr *e, void *ud), void *ud);
bool ir_mentions(Stmt *s, Var *v);       /* v appears in s */
/* s's statements in the order they run, the blocks inside it opened
 * (inlined bodies leave blocks); s itself when it is no block */
void ir_open_blocks(Stmt *s, Vec *out);
bool ir_expr_mentions(Expr *e, Var *v);
bool ir_assigns(Stmt *s, Var *v);        /* s assigns v itself (v = ..., &v taken) */
bool ir_only_assigned(Stmt *s, Var *v);  /* every mention of v in s is v = ... */
bool ir_takes_address(Stmt *s, Var *v);  /* &v or &v.f appears in s */
/* v's own storage has a second name (after activity.c): Var.addr_taken,
 * except that for a pointer p, &p[i] is an address computed from p's value */
bool ir_storage_named(Func *fn, Var *v);
int ir_count_mentions(Stmt *s, Var *v);  /* how many times v appears in s */
/* How many times derivative code s names `name` (in expressions, declarations
 * and their array lengths, a parallel region's clauses), and in *sets how many
 * of those are the target of a plain assignment or an initialised
 * declaration. By name: derivative code has variables of its own. */
int ir_count_names(Stmt *s, const char *name, int *sets);
int ir_expr_count_names(Expr *e, const char *name);
bool ir_type_names(Type *t, const char *name);   /* an array length of t names it */
int ir_expr_count_mentions(Expr *e, Var *v);
void ir_drop_local(Func *fn, Var *v);    /* v is no longer one of fn's locals */
Expr *ir_written(const Expr *e);           /* what an assignment, ++ or -- writes, or NULL */
Expr *ir_uncast(const Expr *e);            /* e without the casts around it */
bool ir_is_one(const Expr *e);             /* a literal 1, casts aside */
Var *ir_counted_loop(Stmt *s, const char **step, bool *up);  /* its counter, or NULL */
Var *ir_up_loop(Stmt *l, Expr **first, Expr **bound);  /* for (c = first; c < bound; c++): c */
long ir_lit_int(const Expr *e);            /* k for a literal k >= 0 (casts aside), else -1 */
bool ir_nonneg(Expr *e, Stmt *st);         /* e >= 0 where st runs (literals, counters from one) */
Expr *ir_fill_bound(Stmt *k, Var *v);     /* for (c = 0; c < n; c++) { v[c] = ...; }: n */
bool ir_free_call(const Expr *e);          /* free(p) */
bool ir_is_var(const Expr *e, const Var *v);  /* e is v (casts aside) */
/* b is a local array, or a local pointer set once to an allocation, and
 * every mention of it is b[...], that allocation or free(b): no other name
 * reaches its memory */
bool ir_fresh_buffer(Func *fn, Var *b);
Type *ir_mem_elem(const Expr *a);          /* element type behind a void * argument */
const char *ir_alloc_call(const Expr *e);  /* "malloc", "calloc", "realloc" or NULL */
Var *ir_memalign_target(const Expr *e);    /* p of posix_memalign(&p, ...) when p is active */
const char *ir_mem_call(const Expr *e);   /* "memcpy", "memmove", "memset" or NULL */
void ir_dump(FILE *out, Func *fn);
void ir_verify(Func *fn);                  /* its variables are its own; else a bug */
const char *ir_unique_name(Func *fn, const char *base);

/* ---- omp.c: the variables of a parallel loop ------------------------------ */

typedef struct OmpLoop {
  Omp *o;
  Var *iv;               /* counter: for (iv = a; iv cmp bound; iv += step) */
  const char *step;
  bool up;
  ExprKind cmp;          /* EX_LT, EX_LE, EX_GT, EX_GE or EX_NE, iv on the left */
  Expr *bound;
  Vec priv;              /* Var *: a copy per thread (the counter first) */
  Vec assigned;          /* Var *: assigned in the loop (arrays and structs: any part) */
  Vec whole;             /* Var *: assigned as a whole (v = ..., &v) */
  Vec indexed;           /* Var *: arrays seen as a[iv] */
  Vec other;             /* Var *: variables seen otherwise */
  Vec fresh, reseated;   /* Var *: pointers assigned from malloc/calloc/realloc, and otherwise */
} OmpLoop;
/* Checks the loop s (with s->omp) and sorts its variables; false after errors */
bool omp_analyze(Stmt *s, OmpLoop *l);
/* " private(...) [firstprivate(...)] [reduction(+: ...)]" for the loop l,
 * each variable followed by also(v) when that is not NULL (its tangent) */
const char *omp_clause_text(OmpLoop *l, const char *(*also)(Var *v));
/* the same for the loop as the user wrote it, with the shadows of its
 * private pointers; NULL when it is not parallel */
const char *omp_primal_clauses(Stmt *s);

/* ---- rules.c (rules.h): derivative rules of libm ----------------------------------- */

enum { RULE_MAX_ARGS = 3 };
struct Rule {
  const char *name;      /* "sin", "sinf", "sinl" */
  int nargs;             /* 1 to RULE_MAX_ARGS */
  /* partial derivatives as format strings over the argument texts
   * (see rules.h); NULL for an argument without one (an int) */
  const char *d[RULE_MAX_ARGS];
  const char *suffix;    /* of the libm names in the formulas: "", "f", "l" */
  bool linear_ok;        /* derivative needs no argument values */
};
const Rule *rule_find(const char *name);   /* also __builtin_ spellings */
/* formula instantiated on the argument texts args[0 .. nargs-1] */
const char *rule_by_value(const Rule *r);   /* f' in terms of f's value ($1), or NULL */
/* formula as IR over copy(args[0 .. nargs-1]), of the floating type ty */
Expr *rule_expr(const Rule *r, const char *formula, Expr **args, Expr *(*copy)(Expr *e), Type *ty, Loc loc);
/* The C expression text of a GRADC_WRITES count as IR (name gives what each
 * name stands for), or NULL when it is not one gradc reads */
Expr *rule_count(const char *text, Expr *(*name)(const char *name, void *ud, Loc loc), void *ud, Loc loc);
void rule_out_args(Expr *e, Vec *out);     /* frexp(x, &e): &e, written by the call */

/* ---- parse.c: libclang -> IR ----------------------------------------------- */

typedef struct Options {
  const char *input;
  const char *output;    /* NULL or "-": stdout */
  Vec clang_args;        /* const char * */
  const char *fn_name, *fn_wrt, *fn_out;
  const char *dump;      /* "ir", "activity" */
  const char *compdb;    /* -p DIR: directory of compile_commands.json */
  const char *depfile;   /* -MF FILE */
  bool md;               /* -MD: write a depfile */
  const char *header;    /* --header FILE */
  bool check;            /* --check: compare with the existing output */
  bool jvp;              /* --jvp: forward mode for --fn */
} Options;

Program *parse_file(Options *opt);       /* NULL after reporting errors */
void parse_dependencies(Vec *files);     /* every file the input includes */
bool parse_body(Program *p, Func *fn);   /* IR of fn's body, on demand */
void parse_dispose(void);
const char *parse_include_dir(void);     /* gradc's include folder, or NULL */

/* ---- lower.c: normal form for differentiation ----------------------------- */

bool lower_func(Program *p, Func *fn);

/* ---- inline.c: calls of the file's functions replaced by their bodies ---- */

bool inline_func(Program *p, Func *fn);   /* after lower_func; callees first */

/* ---- offsets.c: a pointer walking one array becomes an offset into it --- */

void walk_offsets(Func *fn);              /* after inline_func */

/* ---- fuse.c: sums over a buffer fused into the loop that fills it; loops
 * over one range joined ------------------------------------------------------ */

void fuse_loops(Func *fn);                /* after walk_offsets */

/* ---- activity.c: activity and to-be-recorded analysis ------------------- */

bool act_analyze(Program *p, Func *fn, Vec *wrt, Vec *out, bool top);  /* of Var * */
void act_share_aliases(Func *fn);          /* reads added since reach aliases too */
bool act_expr_active(const Expr *e);
bool act_needs_save(Var *v, Stmt *write);   /* the old value is read by the reverse sweep */
bool act_needs_save_lv(Expr *lhs, Stmt *write);  /* the same for what lhs names (v or v's memory) */
/* y = f(u) whose derivative the reverse sweep takes from y's value: u, the
 * formula in y ($1), and the rule whose constants it uses */
bool act_by_value(Stmt *s, Expr **u, const char **formula, const Rule **rule);
/* c = cos(u); s = sin(u) (either order, next to each other): the second's
 * reverse adds both derivatives from the two values; returns the first */
Stmt *act_sincos_first(Stmt *second);
bool act_sincos_second(Stmt *first);          /* first's derivative is added by the next statement */
/* for recompute.c */
void act_add_read(Var *v, Stmt *r);           /* the reverse sweep reads v at r */
bool act_read_at_entry(Stmt *r);              /* r: a read before the function's first statement */
bool act_inside(Stmt *s, Stmt *loop);         /* s is in loop's body */
bool act_same_cell(Expr *lhs, Stmt *l, Stmt *r);   /* r reads in each iteration of l only the cell lhs wrote */
bool act_only_indexed(Func *fn, Var *v);      /* v's memory is reached only as v[i] */

/* ---- immediate.c: loops reversed as they run ------------------------------ */

void immediate_loops(Func *fn, bool top);    /* Stmt.immediate for fn's top-level loops */

/* ---- recompute.c: values the reverse sweep computes again ---------------- */

void recompute_loops(Func *fn);               /* Stmt.recomp, Var.recomp for fn's loops */
bool recompute_save(Expr *lhs, Stmt *write);  /* such a write must still be taken back */
bool act_fixed_at(Expr *e, Stmt *loop);     /* e's value is the same when the reverse reaches loop */
bool act_reads_only_fixed(Expr *e);         /* e reads only variables never assigned */
bool act_fresh_fill(Func *fn, Stmt *write);  /* the first fill of a buffer malloc'd just before */
bool act_loop_reset(Stmt *write);             /* an accumulator reset before its loop */
void act_dump(FILE *out, Func *fn);

/* ---- pipeline.c: the passes before differentiation, in order --------------- */

bool pipeline_front(Program *p, Func *fn);   /* parse, lower, inline, fuse */
bool pipeline_reverse(Program *p, Func *fn, Vec *wrt, Vec *out, bool top);  /* activity, immediate, recompute */
bool pipeline_forward(Program *p, Func *fn, Vec *wrt, Vec *out, bool top);  /* activity */

/* ---- emit.c: C text from IR ----------------------------------------------- */

const char *emit_decl(Type *t, const char *name);   /* declarator text */
const char *emit_type(Type *t);                     /* abstract declarator */
const char *emit_expr(Expr *e);
void emit_stmt(Buf *b, Stmt *s, int indent);
/* emit_stmt, calling after(b, s, indent, ud) after each expression statement;
 * parallel loops keep their pragma (the primal runs of a checkpointed loop) */
void emit_indent(Buf *b, int indent);
void emit_unroll_hint(Buf *b, Stmt *s, int indent);   /* #pragma GCC unroll N before a small fixed loop */
void emit_locals(Buf *b, Func *fn, bool (*skip)(Var *v));
bool emit_primals(Program *p, Buf *protos, Buf *out);
void emit_reset(void);                  /* forget the copies written (between runs) */
const char *emit_signature(Func *fn);   /* "double f(double x, int n)" */
void emit_function(Buf *out, Func *fn, const char *sig);   /* sig, then fn's locals and body */

/* ---- rev.c: reverse mode --------------------------------------------------- */

bool rev_generate(Program *p, Request *req, Buf *protos, Buf *out);
bool rev_companions(Program *p, Buf *protos, Buf *out);
bool rev_resolve(Program *p, Request *r, Vec *wrt, Vec *out, unsigned long *mask);
void rev_reset(void);                   /* forget specialisations */
const char *rev_use_custom(Program *p, Func *of, const char *name, Loc loc);

/* ---- fwd.c: forward (tangent) mode ----------------------------------------- */

Func *fwd_generate(Program *p, Request *req, Buf *protos, Buf *out);   /* f_jvp's IR, or NULL */
bool fwd_companions(Program *p, Buf *protos, Buf *out);
/* The tangent function whose gradient is a GRADC_HESSIAN request's f_hvp
 * (reverse over forward): f's parameters, a direction x_v after each wrt
 * parameter x, T *value last; returns the directional derivative. */
Func *fwd_hessian_tangent(Program *p, Request *req);
void fwd_reset(void);

/* ---- verify.c: gradc verify, numerical checks of generated gradients ------ */

int verify_main(int argc, char **argv);  /* argv[0] is "verify" */

#endif
