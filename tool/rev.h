/* rev.h: what the parts of reverse mode share (rev.c, rev_call.c,
 * rev_loop.c, rev_func.c, rev_ckpt.c, rev_par.c).
 *
 * Gen is the state of generating one function's forward and reverse code;
 * rev.c owns it and the statement-by-statement differentiation, the other
 * parts build on its helpers. Both sweeps are IR: each generator appends a
 * statement's forward code to a block F and its reverse code to a block R,
 * and rev_func.c prints the blocks (emit.c). */
#ifndef GRADC_REV_H
#define GRADC_REV_H

#include "tool.h"

typedef struct Spec Spec;
typedef struct Par Par;

/* One specialisation of a function: which parameters carry adjoints. */
struct Spec {
  Func *fn;
  Vec wrt;               /* Var *: parameters with adjoints, in order */
  Vec out;               /* Var *: out arrays */
  unsigned long mask;    /* bit i: parameter i in wrt */
  bool top;              /* the annotated function: joint, public */
  const char *name;      /* f_grad, or the base of g_fwd/g_rev */
  const char *fwd, *rev; /* names of the split pair */
  Request *req;
  Request *split;        /* GRADC_GRAD(..., split): public f_fwd/f_rev wrap this pair */
  Request *exported;     /* a companion for callers in other files (public, named by its set) */
  bool done;             /* generated */
};

typedef struct Gen {
  Program *p;
  Spec *sp;
  Func *fn;
  bool joint;
  Expr *tape;            /* how code refers to the tape: &_tape, _tape or a thread's _pt */
  Var *redo;             /* _redo, once used */
  Expr *frees;           /* the list of blocks freed at the end: &_frees, a thread's _pf */
  Par *par;              /* the parallel loop being generated (rev_par.c), or NULL */
  bool used_par;         /* parallel loops: per-thread tapes in _par */
  bool used_tape, used_redo, used_frees, used_stash;
  bool used_par_frees;   /* a parallel loop's chunks free memory (_pf) */
  int records;           /* tape, stash and list operations written so far */
  Stmt *again_loop;      /* the loop whose body is being generated, if its reverse
                            computes values again (Stmt.recomp) */
  Stmt *again;           /* their forward code, for the body's reverse (a block) */
  int loop_depth;
  Vec promo;             /* Promo *: adjoints accumulated in locals over a reverse loop */
  Vec block_saves;       /* Stmt *: the writes v[c] = e of the loop being generated
                            whose old values go to the tape as blocks before the loop */
  Expr *block_lo;        /* that loop's first index */
  Vec block_views;       /* Var *, one per write: once its per-iteration push is left
                            out, the local that points at its block in the reverse
                            sweep (else NULL) */
  int nest;              /* loops and branches around the current statement */
  Vec touched;           /* Var *: read or written so far, at the top level */
  int nrev;              /* numbering of reverse temporaries */
  Vec bars;              /* Var * with local adjoints to declare */
  Vec param_adj;         /* Var *: overwritten scalar parameters, adjoint x_adj */
  Vec recs;              /* Stmt *: the declarations of the sweeps' own locals (a branch
                            taken, a loop count, a checkpoint's state) */
  Buf *protos;
} Gen;

/* Declares v, a local of the sweeps' own, at the top of the function */
void rev_declare(Gen *g, Var *v, Expr *init);

/* rev.c */
Expr *rev_tape_ref(const char *name, bool local);   /* &name (a local gradc_tape) or name */
const char *rev_bar_name(Gen *g, Var *v);        /* v's adjoint, declared as needed */
/* s's forward code appended to the block F, its reverse code to R */
void rev_gen_stmt(Gen *g, Stmt *s, Stmt *F, Stmt *R);
void rev_gen_block(Gen *g, Stmt *s, Stmt *F, Stmt *R);

Expr *rev_adj(Gen *g, Expr *e);                  /* the adjoint of an lvalue, as IR */
/* building the sweeps' IR: statements into blocks, printed by rev_print */
void rev_put(Stmt *out, Stmt *s);              /* s at the end of block out (not if NULL) */
void rev_put_all(Stmt *out, Stmt *blk);          /* blk's statements at the end of out */
Stmt *rev_add_to(Expr *lv, Expr *v);             /* lv += v */
Stmt *rev_update(ExprKind op, Expr *lv, Expr *v);   /* lv op= v (a floating minus of v folded) */
Stmt *rev_count_loop(Gen *g, Type *t, Expr *n, Var **k, Loc loc);   /* for (T _kN = 0; _kN < n; _kN++) {} */
void rev_print(Buf *b, Stmt *blk, int ind);      /* blk's statements at indentation ind */
Expr *rev_call(const char *name, Type *ty, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2);  /* name(a0, ...) */
Stmt *rev_call_stmt(const char *name, Loc loc, int n, Expr *a0, Expr *a1, Expr *a2);
Expr *rev_addr(Expr *lv);                        /* &lv (p for *p) */
Expr *rev_size_of(Expr *e);                      /* sizeof e */
Expr *rev_named(const char *name, Type *t, Loc loc);   /* a local the sweeps name */
Var *rev_local(Gen *g, Stmt *out, const char *base, Type *t, Expr *init);  /* T _baseN = init; */
Stmt *rev_push_stmt(Gen *g, Expr *lv);           /* lv to the tape (NULL after an error) */
Stmt *rev_pop_stmt(Gen *g, Expr *lv);            /* lv back from it */
void rev_restore_into(Gen *g, Stmt *out, Expr *lv);   /* back from it, logged if the caller's */
Expr *rev_redo(Gen *g, Loc loc);                 /* _redo */
Type *rev_void_ptr(void);
Expr *rev_adj_ptr(Gen *g, Expr *e);              /* the adjoint of a pointer expression */
/* dst += src for each floating member of t (a scalar: dst += src) */
void rev_accumulate_members(Gen *g, Type *t, Expr *dst, Expr *src, Stmt *out, Loc loc);
/* split pairs: the pointer parameter a pointer variable is made from, and
 * its shadow derived from its value */
Var *rev_derived_base(Gen *g, Expr *lhs);
void rev_derive_shadow(Gen *g, Stmt *R, Expr *lhs, Var *base);

bool rev_caller_block(Expr *p);                  /* a block the caller sees (out arrays) */
bool rev_needs_save(Gen *g, Stmt *s, Expr *lhs);  /* s's overwrite of lhs must be taped */
void rev_push(Gen *g, Stmt *out, Expr *lv);      /* tape lv's value */
const char *rev_split_why(Gen *g);               /* why g's function keeps a split pair */

/* rev_call.c: lhs = call (lhs may be NULL), and the library's memory functions */
Stmt *rev_fail(const char *message, Loc loc);   /* gradc_error("message") */
void rev_gen_call(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R);
void rev_gen_alloc(Gen *g, Stmt *s, Expr *lhs, Expr *call, Stmt *F, Stmt *R);
void rev_gen_mem_call(Gen *g, Stmt *s, Expr *e, Stmt *F, Stmt *R);

/* rev_func.c: the specialisation a call needs (a callee's split pair, or
 * another file's companions) */
Spec *rev_spec_for_call(Gen *g, Expr *call, Loc loc);
Var *rev_record(Gen *g, const char *base, Type *t, Loc loc);   /* a record _baseN of type t */

/* rev_loop.c: a loop's forward and reverse code */
void rev_gen_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R);
/* v[idx] (or v, idx NULL), read in a loop that changes neither v nor idx: its adjoint adds up
 * in the local name over the loop's reverse, and goes to v_bar[idx] once
 * after it (a store per element instead of one per iteration, which the
 * C compiler cannot do itself while other adjoint stores may alias it). */
typedef struct Promo { Var *v; Expr *idx; Var *sum; bool used; Expr *ix; } Promo;

/* rev_par.c: '#pragma omp parallel for' in f_grad (the loop's Omp) */
void rev_par_loop(Gen *g, Stmt *s, Stmt *F, Stmt *R);
/* In a parallel loop, emits the addition of seed into the adjoint of lv
 * when it needs more than `+=` (an atomic, a stencil's halo); false when
 * `+=` is right */
bool rev_par_add(Gen *g, Stmt *out, Expr *lv, Expr *seed);
Var *rev_par_bar(Gen *g, Var *v);                /* the thread's sum of v's adjoint, or NULL */
/* Refuses what a parallel loop cannot contain yet; true when refused */
bool rev_par_refuses(Gen *g, Loc loc, const char *what);

/* rev_ckpt.c: a loop marked GRADC_CHECKPOINT; bf and br are its body's
 * forward and reverse code for one recorded iteration, which frees memory
 * at the end (frees), in its parallel loops' chunks (pfrees), or logs
 * restores of the caller's memory (redo) */
typedef struct Uses { bool frees, pfrees, redo; } Uses;
void rev_ckpt_loop(Gen *g, Stmt *s, Stmt *bf, Stmt *br, Uses u, Stmt *F, Stmt *R);

#endif
