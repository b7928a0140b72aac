/* gradc.h: annotations for user code, and the runtime that generated code uses.
 *
 * Two audiences share this header. Users include it in the code they annotate:
 * the GRADC_* macros expand to clang `annotate` attributes, which the gradc tool
 * reads, and to nothing under other compilers, so annotated code compiles
 * unchanged everywhere. Generated code includes it for the tape: a LIFO stack of
 * typed entries (double, float, int, long, pointer) stored in chunks that never
 * move. Push and pop are inline: in the steady state a push is a bounds check, a
 * store and a pointer bump; a new chunk is taken only when the current one is full.
 *
 * Errors: when memory runs out the runtime calls the error handler (by default it
 * prints the message and aborts). If a user handler returns, the tape is marked
 * failed: further pushes are dropped, pops return NaN (or 0 for integers), so a
 * gradient computed on a failed tape is never silently plausible.
 */
#ifndef GRADC_H
#define GRADC_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRADC_VERSION "0.1.0"

/* ---- annotations --------------------------------------------------------- */

#if defined(__clang__)
#define GRADC_ANNOTATE_(s) __attribute__((annotate(s)))
#else
#define GRADC_ANNOTATE_(s)
#endif

/* GRADC_GRAD(wrt(x, w), out(y)): generate f_grad (reverse mode). */
#define GRADC_GRAD(...) GRADC_ANNOTATE_("gradc_grad:" #__VA_ARGS__)
/* GRADC_JVP(wrt(x), out(y)): generate f_jvp (forward mode). */
#define GRADC_JVP(...) GRADC_ANNOTATE_("gradc_jvp:" #__VA_ARGS__)
/* GRADC_HESSIAN(wrt(x, w)): generate f_hvp (Hessian-vector products, forward
 * over reverse), and f_hessian when every wrt parameter is a scalar. */
#define GRADC_HESSIAN(...) GRADC_ANNOTATE_("gradc_hessian:" #__VA_ARGS__)

/* GRADC_CUSTOM_GRAD(g_rev) on T g(P...): gradc calls the user's
 *   T g_rev(P1 p1, T1 *p1_bar, ..., T ret_bar)
 * (an adjoint after every floating parameter) instead of differentiating g:
 * it returns g's value and adds ret_bar * dg/dp into each *p_bar (a pointer
 * argument's adjoint is NULL when that argument carries no derivative). */
#define GRADC_CUSTOM_GRAD(fn) GRADC_ANNOTATE_("gradc_custom_grad:" #fn)
/* GRADC_CUSTOM_JVP(g_jvp): the same for forward mode, with g_jvp shaped like
 * f_jvp: a tangent after every floating parameter, then T *ret_dot. */
#define GRADC_CUSTOM_JVP(fn) GRADC_ANNOTATE_("gradc_custom_jvp:" #fn)

/* gradc_stop_gradient(e): the value of e, through which no derivative flows
 * (tf.stop_gradient, torch's detach). */
static inline double gradc_stop_gradient(double x) { return x; }
static inline float gradc_stop_gradientf(float x) { return x; }

/* GRADC_CHECKPOINT(snaps); immediately before a for, while or do loop: the
 * gradient does not record the loop's steps; its reverse sweep runs them again
 * from snapshots of the loop's state, on a binomial (revolve) schedule. snaps
 * is how many snapshots to keep (the loop's entry state is one); 0 lets gradc
 * choose about the square root of the trip count. Outside gradc it does
 * nothing. */
static inline void gradc_checkpoint(int snaps) { (void)snaps; }
#define GRADC_CHECKPOINT(snaps) gradc_checkpoint(snaps)

/* ---- runtime: memory and errors ------------------------------------------- */

/* The allocator hook, with Lua's lua_Alloc contract: (ud, ptr, osize, nsize).
 * nsize == 0 frees ptr and returns NULL; otherwise it returns a block of nsize
 * bytes holding the first min(osize, nsize) bytes of ptr (ptr may be NULL), or
 * NULL on failure, in which case ptr is left untouched. */
typedef void *(*gradc_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);
void gradc_set_allocator(gradc_alloc_fn fn, void *ud); /* NULL restores malloc */
void *gradc_alloc(size_t n);          /* NULL (after reporting) on failure */
void *gradc_calloc(size_t n, size_t size);
void gradc_free(void *p, size_t n);

typedef void (*gradc_error_fn)(void *ud, const char *msg);
void gradc_set_error_handler(gradc_error_fn fn, void *ud); /* NULL: print and abort */
void gradc_error(const char *msg);
/* The bytes of the allocated block p that realloc would keep (0 for NULL). */
size_t gradc_alloc_size(void *p);

/* ---- runtime: the tape ---------------------------------------------------- */

typedef struct gradc_chunk gradc_chunk;
struct gradc_chunk {
  gradc_chunk *prev;      /* the chunk below this one, or NULL */
  size_t cap;             /* bytes of data[] */
  size_t used;            /* bytes in use, valid while this is not the top chunk */
  unsigned char data[];
};

typedef struct gradc_tape {
  unsigned char *top;     /* next free byte of the top chunk */
  unsigned char *base;    /* data[] of the top chunk */
  unsigned char *end;     /* one past the top chunk's data[] */
  gradc_chunk *chunk;     /* top chunk, or NULL before the first push */
  gradc_chunk *spare;     /* one emptied chunk kept for reuse, or NULL */
  size_t below;           /* bytes held in chunks under the top one */
  int failed;             /* set once an allocation failed */
  int replaying;          /* inside a reusable reverse sweep: keep every chunk */
} gradc_tape;

/* A position on a tape. A split-mode reverse sweep (f_rev) reads the tape
 * from where it is told to and seeks back there when it is done, so one
 * recording serves any number of reverse sweeps. */
typedef struct gradc_tape_pos {
  gradc_chunk *chunk;
  unsigned char *top;
  size_t below;
} gradc_tape_pos;
gradc_tape_pos gradc_tape_tell(const gradc_tape *t);
void gradc_tape_seek(gradc_tape *t, gradc_tape_pos pos);

void gradc_tape_init(gradc_tape *t);      /* a tape in caller storage (stack) */
void gradc_tape_release(gradc_tape *t);   /* free the chunks of an init'ed tape */
gradc_tape *gradc_tape_new(void);         /* a heap tape, NULL on failure */
void gradc_tape_trim(void);               /* free the chunks this thread keeps for reuse */
void gradc_tape_free(gradc_tape *t);
size_t gradc_tape_size(const gradc_tape *t);   /* bytes pushed and not popped */
void gradc_tape_drop(gradc_tape *t, size_t size); /* pop and discard down to size bytes */
int gradc_tape_failed(const gradc_tape *t);

/* Slow paths: make room for n bytes / step down to the chunk below. */
void gradc_tape_grow_(gradc_tape *t, size_t n);
void gradc_tape_shrink_(gradc_tape *t);

#define GRADC_TAPE_OPS_(suffix, T, FAILVAL)                                     \
  static inline void gradc_push_##suffix(gradc_tape *t, T v) {                 \
    if ((size_t)(t->end - t->top) < sizeof(T)) {                                \
      gradc_tape_grow_(t, sizeof(T));                                           \
      if (t->failed) return;                                                    \
    }                                                                           \
    memcpy(t->top, &v, sizeof(T));                                              \
    t->top += sizeof(T);                                                        \
  }                                                                             \
  static inline T gradc_pop_##suffix(gradc_tape *t) {                          \
    T v;                                                                        \
    if (t->top == t->base) {                                                    \
      gradc_tape_shrink_(t);                                                    \
      if (t->failed || t->top == t->base) return FAILVAL;                       \
    }                                                                           \
    t->top -= sizeof(T);                                                        \
    memcpy(&v, t->top, sizeof(T));                                              \
    return v;                                                                   \
  }

GRADC_TAPE_OPS_(d, double, (double)__builtin_nan(""))
GRADC_TAPE_OPS_(f, float, __builtin_nanf(""))
GRADC_TAPE_OPS_(i, int, 0)
GRADC_TAPE_OPS_(l, long, 0)
GRADC_TAPE_OPS_(p, void *, NULL)

/* Blocks of n bytes: arrays and structs. A failed pop fills with 0xff bytes
 * (NaN for floating members). */
static inline void gradc_push_n(gradc_tape *t, const void *p, size_t n) {
  if ((size_t)(t->end - t->top) < n) {
    gradc_tape_grow_(t, n);
    if (t->failed) return;
  }
  memcpy(t->top, p, n);
  t->top += n;
}

static inline void gradc_pop_n(gradc_tape *t, void *p, size_t n) {
  if (t->top == t->base) gradc_tape_shrink_(t);
  if (t->failed || (size_t)(t->top - t->base) < n) {
    memset(p, 0xff, n);
    return;
  }
  t->top -= n;
  memcpy(p, t->top, n);
}

/* A block of n bytes of doubles or floats that the reverse sweep reads in
 * place on the tape (gradc_pop_view) rather than copied back: it starts on
 * an 8-byte boundary (pad bytes below it, their count in one byte above). */
static inline void gradc_push_block(gradc_tape *t, const void *p, size_t n) {
  if ((size_t)(t->end - t->top) < n + 8) {
    gradc_tape_grow_(t, n + 8);
    if (t->failed) return;
  }
  unsigned char pad = (unsigned char)(-(uintptr_t)t->top & 7);
  t->top += pad;
  memcpy(t->top, p, n);
  t->top += n;
  *t->top++ = pad;
}

/* Takes the block of n bytes that gradc_push_block pushed from p off the tape
 * without copying it and returns where it lies on the tape. A reverse loop
 * reads there, element by element, the old values its forward loop pushed as
 * one block. The block stays in place until the next push; pops leave it
 * unless they step down two chunks below it (the emptied chunk is kept as
 * the spare, the spare before it freed). A failed pop fills p with 0xff
 * bytes (NaN) and returns p. */
static inline const void *gradc_pop_view(gradc_tape *t, void *p, size_t n) {
  if (t->top == t->base) gradc_tape_shrink_(t);
  size_t have = (size_t)(t->top - t->base);
  if (t->failed || have < n + 1 || t->top[-1] > 7 || have < n + 1 + t->top[-1]) {
    memset(p, 0xff, n);
    return p;
  }
  unsigned char pad = *--t->top;
  t->top -= n;
  const void *v = t->top;
  t->top -= pad;
  return v;
}

/* Room for n bytes on the tape, 8-byte aligned, that generated code writes
 * and reads in place: a buffer's values in each iteration of a loop, side by
 * side, instead of copied to the tape and back. Below the room, 1 to 8 pad
 * bytes, the last holding their count. NULL when n is 0 or the tape failed
 * (the code then keeps to the buffer itself). gradc_pop_space takes the room
 * at p, and everything pushed above it, off the tape. */
static inline void *gradc_push_space(gradc_tape *t, size_t n) {
  if (n == 0 || n > SIZE_MAX - 16) return NULL;
  if ((size_t)(t->end - t->top) < n + 8) {
    gradc_tape_grow_(t, n + 8);
    if (t->failed) return NULL;
  }
  unsigned char pad = (unsigned char)(1 + (-(uintptr_t)(t->top + 1) & 7));
  t->top += pad;
  t->top[-1] = pad;
  void *p = t->top;
  t->top += n;
  return p;
}

static inline void gradc_pop_space(gradc_tape *t, const void *p) {
  if (!p) return;
  if (t->top == t->base) gradc_tape_shrink_(t);
  uintptr_t a = (uintptr_t)p;
  if (t->failed || a < (uintptr_t)t->base || a > (uintptr_t)t->top) return;
  unsigned char pad = ((const unsigned char *)p)[-1];
  if (pad < 1 || pad > 8 || a - pad < (uintptr_t)t->base) return;
  t->top = (unsigned char *)p - pad;
}

/* ---- runtime: the redo log ------------------------------------------------ */

/* The reverse sweep restores overwritten values in place. Where that memory
 * belongs to the caller (an out array), generated code first logs the value it
 * replaces; gradc_redo_replay puts the logged values back, newest first, so
 * that each location ends as the forward sweep left it. */
#define GRADC_REDO_OPS_(suffix, T, TAG)                                         \
  static inline void gradc_redo_##suffix(gradc_tape *log, void *addr) {        \
    T v;                                                                        \
    memcpy(&v, addr, sizeof v);                                                 \
    gradc_push_p(log, addr);                                                    \
    gradc_push_##suffix(log, v);                                                \
    gradc_push_i(log, TAG);                                                     \
  }
GRADC_REDO_OPS_(d, double, 1)
GRADC_REDO_OPS_(f, float, 2)
GRADC_REDO_OPS_(i, int, 3)
GRADC_REDO_OPS_(l, long, 4)
GRADC_REDO_OPS_(p, void *, 5)
/* a block of n bytes (the output of a kernel) */
static inline void gradc_redo_block(gradc_tape *log, void *addr, size_t n) {
  gradc_push_p(log, addr);
  gradc_push_n(log, addr, n);
  gradc_push_l(log, (long)n);
  gradc_push_i(log, 6);
}
void gradc_redo_replay(gradc_tape *log);

/* ---- runtime: parallel loops --------------------------------------------- */

/* What the threads of a parallel loop keep on their own: a tape, a redo log
 * and a list of blocks to free, one of each per chunk of iterations (generated
 * code chunks a loop's iterations by thread, in both sweeps). The padding
 * keeps two threads' tapes off one cache line. */
typedef struct gradc_par_chunk {
  char pad_[64];
  gradc_tape tape, redo, frees;
} gradc_par_chunk;
typedef struct gradc_par {
  int n;                  /* chunks: omp_get_max_threads() */
  gradc_par_chunk *chunk;
} gradc_par;
void gradc_par_init(gradc_par *p, int n);
/* Moves the chunks' redo entries to log, each chunk's in its order. */
void gradc_par_redo(gradc_par *p, gradc_tape *log);
/* Frees the blocks listed, and the tapes. */
void gradc_par_release(gradc_par *p);
/* A chunk's additions into the adjoint of a shared array that the loop
 * reads as a[i + c] with constant offsets cmin <= c <= cmax (a stencil):
 * elements that only this chunk's iterations reach are added in place, those
 * near its ends, which the neighbouring chunks reach too, into side[] (left
 * end, then right end), added to the array once the chunk is done. No atomic
 * operation per element, and no race. */
#define GRADC_HALO_MAX 8
typedef struct gradc_halo {
  long first, last;       /* the chunk's smallest and largest counter values */
  long cmin, cmax;
  double side[2 * GRADC_HALO_MAX];
} gradc_halo;
static inline void gradc_halo_start(gradc_halo *h, long first, long last, long cmin, long cmax) {
  h->first = first, h->last = last, h->cmin = cmin, h->cmax = cmax;
  memset(h->side, 0, sizeof h->side);
}
/* bar[x] += v, where x = i + c for an i of the chunk */
static inline void gradc_halo_add(double *bar, gradc_halo *h, long x, double v) {
  if (x < h->first + h->cmax) h->side[x - h->first - h->cmin] += v;
  else if (x > h->last + h->cmin) h->side[h->cmax - h->cmin + x - h->last - h->cmin - 1] += v;
  else bar[x] += v;
}
/* The element of bar that side[k] belongs to (generated code adds side[k]
 * there atomically, when it is not zero: slots no iteration reached may lie
 * outside the array) */
static inline long gradc_halo_at(const gradc_halo *h, int k) {
  long w = h->cmax - h->cmin;
  return k < w ? h->first + h->cmin + k : h->last + h->cmin + 1 + (k - w);
}

/* The sizes of the chunks' lists of blocks to free (gradc_par_free_since frees
 * what was listed after them, and the marks): a checkpointed step's scratch
 * memory is freed when the step is reversed. */
size_t *gradc_par_mark(gradc_par *p);
void gradc_par_free_since(gradc_par *p, size_t *marks);

/* The stash: adjoints accumulate into the caller's buffers, but an element of
 * a wrt array that the function overwrites must start its reverse sweep at
 * zero. Before the overwrite, generated code stashes the caller's value and
 * zeroes it; gradc_stash_add adds the stashed values back at the end. */
#define GRADC_STASH_OPS_(suffix, T, TAG)                                        \
  static inline void gradc_stash_##suffix(gradc_tape *log, void *addr) {       \
    T v;                                                                        \
    memcpy(&v, addr, sizeof v);                                                 \
    gradc_push_p(log, addr);                                                    \
    gradc_push_##suffix(log, v);                                                \
    gradc_push_i(log, TAG);                                                     \
    memset(addr, 0, sizeof v);                                                  \
  }
GRADC_STASH_OPS_(d, double, 1)
GRADC_STASH_OPS_(f, float, 2)
void gradc_stash_add(gradc_tape *log);

/* The adjoint of memcpy or memmove of n elements from src to dst:
 * src_bar += dst_bar, then dst_bar = 0, element by element in the order that
 * stays right when the two blocks overlap (memmove). */
#define GRADC_MOVE_ADJ_(suffix, T)                                                   \
  static inline void gradc_move_adj_##suffix(T *dst_bar, T *src_bar, size_t n) {   \
    if (dst_bar == src_bar) return;                                                 \
    if ((uintptr_t)src_bar < (uintptr_t)dst_bar) {                                  \
      for (size_t i = 0; i < n; i++) { T t = dst_bar[i]; dst_bar[i] = 0; src_bar[i] += t; } \
    } else {                                                                        \
      for (size_t i = n; i-- > 0;) { T t = dst_bar[i]; dst_bar[i] = 0; src_bar[i] += t; } \
    }                                                                               \
  }
GRADC_MOVE_ADJ_(d, double)
GRADC_MOVE_ADJ_(f, float)

/* ---- runtime: functions of derivative rules (special.c) ----------------- */

/* The digamma function psi = Gamma' / Gamma, the derivative of lgamma (libm
 * has none): accurate to a few ulps away from its zeros; NaN at the poles
 * 0, -1, -2, ... and at -inf. */
double gradc_digamma(double x);
float gradc_digammaf(float x);
long double gradc_digammal(long double x);
/* The trigamma function psi', the derivative of digamma. */
double gradc_trigamma(double x);
float gradc_trigammaf(float x);
long double gradc_trigammal(long double x);
/* 2^-e for frexp(x, &e): the derivative of frexp's value, recomputed from x
 * (1 at x = 0 and at infinities, NaN at NaN). */
double gradc_frexp_scale(double x);
float gradc_frexp_scalef(float x);
long double gradc_frexp_scalel(long double x);

/* ---- runtime: adjoint buffers --------------------------------------------- */

/* Adjoints accumulate; call these to start a fresh gradient. */
static inline void gradc_zero(double *p, size_t n) { memset(p, 0, n * sizeof *p); }
static inline void gradc_zerof(float *p, size_t n) { memset(p, 0, n * sizeof *p); }

/* ---- runtime: checkpointed loops (GRADC_CHECKPOINT) ------------------------ */

/* One part of a loop's state: size bytes at addr; or, with size 0, the heap
 * block whose address the pointer variable at addr holds (its size from
 * gradc_alloc_size). */
typedef struct gradc_ckpt_item { void *addr; size_t size; } gradc_ckpt_item;

/* Snapshots of a loop's state: slot 0 holds the state where the loop starts. */
typedef struct gradc_ckpt {
  const gradc_ckpt_item *items;
  int nitems, nslots;
  unsigned char **slot;   /* nslots buffers, allocated as they are first used */
  size_t *cap;
  size_t peak;            /* bytes of snapshots held at most (for measurements) */
} gradc_ckpt;

void gradc_ckpt_init(gradc_ckpt *c, const gradc_ckpt_item *items, int nitems, int nslots);
void gradc_ckpt_reserve(gradc_ckpt *c, int nslots);   /* at least nslots slots, 0 kept */
void gradc_ckpt_save(gradc_ckpt *c, int slot);
void gradc_ckpt_load(gradc_ckpt *c, int slot);
void gradc_ckpt_free(gradc_ckpt *c);

/* The binomial schedule of Griewank and Walther (revolve) for reversing
 * steps loop iterations with snaps snapshots, the entry state being in
 * slot 0: gradc_revolve_next says what to do next, until GRADC_REVOLVE_DONE:
 *   ADVANCE   run the iterations from .from to .to (the state is at .from)
 *   TAKESHOT  save the state (at .from) in slot .slot
 *   RESTORE   load slot .slot (the state at .from)
 *   YOUTURN   run iteration .from recording it, and reverse it
 * It keeps at most snaps snapshots and runs the fewest iterations again for
 * them. snaps 0: about the square root of steps. */
enum { GRADC_REVOLVE_DONE, GRADC_REVOLVE_ADVANCE, GRADC_REVOLVE_TAKESHOT, GRADC_REVOLVE_RESTORE,
       GRADC_REVOLVE_YOUTURN };
typedef struct gradc_revolve_range { long lo, hi; int slot, free; } gradc_revolve_range;
typedef struct gradc_revolve {
  long from, to;          /* the action's iterations */
  int slot;               /* the action's snapshot */
  int snaps;              /* snapshots in use at most, the entry state's included */
  long cur;               /* the iteration whose start state is loaded, or -1 */
  long advances;          /* iterations run again so far (for measurements) */
  gradc_revolve_range *stack;
  int depth, cap;
  int phase;              /* progress on the top range */
} gradc_revolve;

void gradc_revolve_init(gradc_revolve *r, long steps, int snaps);
int gradc_revolve_next(gradc_revolve *r);
void gradc_revolve_free(gradc_revolve *r);

#ifdef __cplusplus
}
#endif
#endif /* GRADC_H */
