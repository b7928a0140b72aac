/* tape.c: memory hooks, error reporting and the slow paths of the tape.
 *
 * The tape is a LIFO stack of bytes kept in a linked list of chunks. The idea
 * behind it: bytes once pushed never move. A push that does not fit the top
 * chunk starts a new chunk on top of it instead of reallocating, so pointers
 * into a chunk stay valid and a push costs O(1) even when the tape grows. The
 * order is LIFO across chunk boundaries: when a chunk is left for a new one,
 * its fill level is recorded in chunk->used, and when a pop empties the top
 * chunk, the tape steps back down to exactly that level. The few bytes at the
 * end of a chunk that were too small for the next entry are never read.
 *
 * Invariants, between calls:
 *   - chunk == NULL: nothing was ever pushed (or the tape was released), and
 *     top == base == end == NULL;
 *   - otherwise base == chunk->data <= top <= end == base + chunk->cap, except
 *     on a failed tape (below);
 *   - every chunk under the top one holds chunk->used bytes, and `below` is
 *     their sum, so gradc_tape_size() is O(1);
 *   - at most one emptied chunk is kept as `spare`, so a loop that pushes and
 *     pops across a chunk boundary does not call the allocator each time.
 *
 * A failed tape collapses its window: base = end = top. Then every inline
 * push sees no room and calls gradc_tape_grow_(), which drops it, and every
 * inline pop sees an empty chunk and calls gradc_tape_shrink_(), which leaves
 * the tape alone, so the pop returns its fail value (NaN, 0 or NULL). The chunk
 * list stays intact, so release still frees everything.
 *
 * All memory goes through the allocator hook, which has the contract of Lua's
 * lua_Alloc (see gradc.h). The hook and the error handler are process-wide:
 * set them before any thread uses the runtime, and do not change the
 * allocator while blocks it returned are still live (they are freed through
 * whichever hook is current).
 */
#include "gradc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#define GRADC_USABLE_SIZE(p) malloc_usable_size(p)
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#define GRADC_USABLE_SIZE(p) malloc_size(p)
#endif

enum {
  CHUNK_MIN = 4096,        /* bytes of data in the first chunk */
  CHUNK_MAX = 1 << 20,     /* chunks double in size up to this */
};

/* ---- allocator hook and error handler -------------------------------------- */

/* The default hook: realloc and free, as Lua's l_alloc in lauxlib.c. */
static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static void default_error(void *ud, const char *msg) {
  (void)ud;
  fprintf(stderr, "gradc: %s\n", msg);
  fflush(stderr);
  abort();
}

static gradc_alloc_fn alloc_fn = default_alloc;
static void *alloc_ud;
static gradc_error_fn error_fn = default_error;
static void *error_ud;

void gradc_set_allocator(gradc_alloc_fn fn, void *ud) {
  gradc_tape_trim();   /* cached chunks go back through the allocator that made them */
  alloc_fn = fn ? fn : default_alloc;
  alloc_ud = fn ? ud : NULL;
}

static int caching(void) { return alloc_fn == default_alloc; }

void gradc_set_error_handler(gradc_error_fn fn, void *ud) {
  error_fn = fn ? fn : default_error;
  error_ud = fn ? ud : NULL;
}

/* The bytes realloc would keep of the block p (0 for NULL): at least what
 * was asked for when it was allocated. */
size_t gradc_alloc_size(void *p) {
  if (!p) return 0;
#ifdef GRADC_USABLE_SIZE
  return GRADC_USABLE_SIZE(p);
#else
  gradc_error("realloc of memory that carries derivatives needs malloc_usable_size on this system");
  return 0;
#endif
}

void gradc_error(const char *msg) {
  error_fn(error_ud, msg);
}

/* Returns a block of n bytes, or reports "out of memory" and returns NULL if
 * the handler returns. A request for 0 bytes is served as 1 byte (the hook
 * reads nsize 0 as "free"); gradc_free(p, 0) frees it with the same size. */
void *gradc_alloc(size_t n) {
  void *p = alloc_fn(alloc_ud, NULL, 0, n ? n : 1);
  if (!p)
    gradc_error("out of memory");
  return p;
}

/* Like calloc: n elements of size bytes, zeroed. An n * size that does not fit
 * in size_t is reported, not wrapped around. */
void *gradc_calloc(size_t n, size_t size) {
  void *p;
  if (size && n > SIZE_MAX / size) {
    gradc_error("allocation size overflows size_t");
    return NULL;
  }
  p = gradc_alloc(n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

/* Frees a block from gradc_alloc or gradc_calloc; n must be the size that was
 * asked for (n * size for gradc_calloc). NULL is ignored. */
void gradc_free(void *p, size_t n) {
  if (p)
    alloc_fn(alloc_ud, p, n ? n : 1, 0);
}

/* ---- the tape --------------------------------------------------------------- */

/* A per-thread cache of released chunks, so that a gradient computed again
 * and again (training) does not map and fault in its tape each time. Used
 * only with the default allocator: a user's hook sees every block come back
 * when a tape is released. Bounded; gradc_tape_trim() empties it. */
enum { CACHE_MAX = 64 << 20 };
static _Thread_local gradc_chunk *cache;
static _Thread_local size_t cache_bytes;

static int caching(void);

static void free_chunk(gradc_chunk *c) {
  if (caching() && cache_bytes + c->cap <= CACHE_MAX) {
    c->prev = cache;
    cache = c;
    cache_bytes += c->cap;
    return;
  }
  alloc_fn(alloc_ud, c, sizeof(gradc_chunk) + c->cap, 0);
}

/* A cached chunk of at least n bytes, or NULL. */
static gradc_chunk *cached_chunk(size_t n) {
  for (gradc_chunk **p = &cache; *p; p = &(*p)->prev)
    if ((*p)->cap >= n) {
      gradc_chunk *c = *p;
      *p = c->prev;
      cache_bytes -= c->cap;
      return c;
    }
  return NULL;
}

void gradc_tape_trim(void) {
  while (cache) {
    gradc_chunk *c = cache;
    cache = c->prev;
    alloc_fn(alloc_ud, c, sizeof(gradc_chunk) + c->cap, 0);
  }
  cache_bytes = 0;
}

void gradc_tape_init(gradc_tape *t) {
  t->top = t->base = t->end = NULL;
  t->chunk = t->spare = NULL;
  t->below = 0;
  t->failed = 0;
  t->replaying = 0;
}

/* Frees every chunk and leaves t as gradc_tape_init() does, so it can be used
 * again. Releasing a tape that never pushed is fine. */
void gradc_tape_release(gradc_tape *t) {
  gradc_chunk *c = t->chunk;
  while (c) {
    gradc_chunk *prev = c->prev;
    free_chunk(c);
    c = prev;
  }
  if (t->spare)
    free_chunk(t->spare);
  gradc_tape_init(t);
}

/* A tape on the heap. On failure the allocation error has been reported (the
 * handler returned) and the result is NULL. */
gradc_tape *gradc_tape_new(void) {
  gradc_tape *t = gradc_alloc(sizeof *t);
  if (t)
    gradc_tape_init(t);
  return t;
}

void gradc_tape_free(gradc_tape *t) {
  if (!t)
    return;
  gradc_tape_release(t);
  gradc_free(t, sizeof *t);
}

/* Bytes pushed and not yet popped; bytes wasted at chunk ends do not count.
 * Counted from chunk->data rather than base, which a failed tape moved. */
size_t gradc_tape_size(const gradc_tape *t) {
  if (!t->chunk)
    return 0;
  return t->below + (size_t)(t->top - t->chunk->data);
}

int gradc_tape_failed(const gradc_tape *t) {
  return t->failed;
}

/* Marks t failed after the error was reported and the handler returned. */
static void fail(gradc_tape *t) {
  t->failed = 1;
  t->base = t->end = t->top;
}

/* The data size of the next chunk for an entry of n bytes: twice the current
 * chunk, from CHUNK_MIN up to CHUNK_MAX, and never less than n. */
static size_t next_cap(const gradc_tape *t, size_t n) {
  size_t cap = CHUNK_MIN;
  if (t->chunk)
    cap = t->chunk->cap < CHUNK_MAX / 2 ? t->chunk->cap * 2 : CHUNK_MAX;
  return cap < n ? n : cap;
}

/* Returns an empty chunk for at least n bytes: the spare if it is big enough,
 * else a new one; NULL if the allocator fails or the size overflows. */
static gradc_chunk *take_chunk(gradc_tape *t, size_t n) {
  gradc_chunk *c;
  size_t cap;
  if (t->spare && t->spare->cap >= n) {
    c = t->spare;
    t->spare = NULL;
    return c;
  }
  cap = next_cap(t, n);
  if ((c = cached_chunk(cap)) != NULL)
    return c;
  if (cap > SIZE_MAX - sizeof(gradc_chunk))
    return NULL;
  c = alloc_fn(alloc_ud, NULL, 0, sizeof(gradc_chunk) + cap);
  if (c)
    c->cap = cap;
  return c;
}

/* The push slow path: make room for n contiguous bytes at t->top. The fill
 * level of the current chunk is recorded and a chunk is put on top of it. On
 * allocation failure the error is reported; if the handler returns, the tape
 * is failed and the push is dropped. A failed tape ignores further calls. */
void gradc_tape_grow_(gradc_tape *t, size_t n) {
  gradc_chunk *c;
  if (t->failed || (size_t)(t->end - t->top) >= n)
    return;
  c = take_chunk(t, n);
  if (!c) {
    gradc_error("out of memory growing the tape");
    fail(t);
    return;
  }
  if (t->chunk) {
    t->chunk->used = (size_t)(t->top - t->base);
    t->below += t->chunk->used;
  }
  c->prev = t->chunk;
  c->used = 0;
  t->chunk = c;
  t->top = t->base = c->data;
  t->end = c->data + c->cap;
}

/* The pop slow path, called when the top chunk is empty: step down to the
 * chunk below and restore its fill level. The emptied chunk becomes the spare
 * (an older spare is freed). Only a grow_ with an oversized n can leave an
 * empty chunk under another, hence the loop. With no chunk below, the tape is
 * empty and is left as it is: the inline pop then returns its fail value. */
void gradc_tape_shrink_(gradc_tape *t) {
  if (t->failed)
    return;
  while (t->top == t->base && t->chunk && t->chunk->prev) {
    gradc_chunk *c = t->chunk;
    gradc_chunk *p = c->prev;
    if (!t->replaying) {
      if (t->spare)
        free_chunk(t->spare);
      c->prev = NULL;
      t->spare = c;
    }
    /* while replaying, the emptied chunk stays linked above p, untouched,
     * for gradc_tape_seek to return to */
    t->chunk = p;
    t->below -= p->used;
    t->base = p->data;
    t->end = p->data + p->cap;
    t->top = p->data + p->used;
  }
}

/* Pops and discards entries until size bytes are left: a recorded step's
 * redo entries, when the memory they address is freed with the step. */
void gradc_tape_drop(gradc_tape *t, size_t size) {
  while (!t->failed && gradc_tape_size(t) > size) {
    if (t->top == t->base) {
      gradc_tape_shrink_(t);
      continue;
    }
    size_t avail = (size_t)(t->top - t->base), n = gradc_tape_size(t) - size;
    t->top -= n < avail ? n : avail;
  }
}

gradc_tape_pos gradc_tape_tell(const gradc_tape *t) {
  gradc_tape_pos pos = {t->chunk, t->top, t->below};
  return pos;
}

/* Returns to a position told before, on a tape that was only read (popped
 * while replaying) since: the chunks between are still in place. */
void gradc_tape_seek(gradc_tape *t, gradc_tape_pos pos) {
  if (t->failed)
    return;
  t->chunk = pos.chunk;
  t->top = pos.top;
  t->below = pos.below;
  t->base = pos.chunk ? pos.chunk->data : NULL;
  t->end = pos.chunk ? pos.chunk->data + pos.chunk->cap : NULL;
}

/* Replays a redo log (see gradc.h): entries are (address, value, tag), pushed
 * in that order; popping them newest first and storing each value leaves
 * every address with its oldest logged value. */
void gradc_redo_replay(gradc_tape *log) {
  while (gradc_tape_size(log) && !log->failed) {
    int tag = gradc_pop_i(log);
    switch (tag) {
    case 1: { double v = gradc_pop_d(log); memcpy(gradc_pop_p(log), &v, sizeof v); break; }
    case 2: { float v = gradc_pop_f(log); memcpy(gradc_pop_p(log), &v, sizeof v); break; }
    case 3: { int v = gradc_pop_i(log); memcpy(gradc_pop_p(log), &v, sizeof v); break; }
    case 4: { long v = gradc_pop_l(log); memcpy(gradc_pop_p(log), &v, sizeof v); break; }
    case 5: { void *v = gradc_pop_p(log); memcpy(gradc_pop_p(log), &v, sizeof v); break; }
    case 6: {
      size_t n = (size_t)gradc_pop_l(log);
      /* the block sits right under its size: copy it out before popping */
      unsigned char buf[256];
      void *tmp = n <= sizeof buf ? buf : gradc_alloc(n);
      if (!tmp) return;
      gradc_pop_n(log, tmp, n);
      memcpy(gradc_pop_p(log), tmp, n);
      if (tmp != buf) gradc_free(tmp, n);
      break;
    }
    default: gradc_error("corrupt redo log"); return;
    }
  }
}

/* Adds back what gradc_stash_d/f put aside (see gradc.h), and empties the
 * log. */
void gradc_stash_add(gradc_tape *log) {
  while (gradc_tape_size(log) && !log->failed) {
    int tag = gradc_pop_i(log);
    if (tag == 1) {
      double v = gradc_pop_d(log);
      double *a = gradc_pop_p(log);
      *a += v;
    } else if (tag == 2) {
      float v = gradc_pop_f(log);
      float *a = gradc_pop_p(log);
      *a += v;
    } else {
      gradc_error("corrupt stash");
      return;
    }
  }
}

/* ---- parallel loops --------------------------------------------------------- */

void gradc_par_init(gradc_par *p, int n) {
  p->n = n > 0 ? n : 1;
  p->chunk = gradc_alloc((size_t)p->n * sizeof *p->chunk);
  if (!p->chunk) {
    p->n = 0;
    return;   /* reported; generated code then has no chunks to run */
  }
  for (int i = 0; i < p->n; i++) {
    gradc_par_chunk *c = &p->chunk[i];
    gradc_tape_init(&c->tape), gradc_tape_init(&c->redo), gradc_tape_init(&c->frees);
  }
}

/* Moves the newest entry of a redo log (see gradc.h) to another one. */
static void move_entry(gradc_tape *to, gradc_tape *from) {
  int tag = gradc_pop_i(from);
  switch (tag) {
  case 1: { double v = gradc_pop_d(from); gradc_push_p(to, gradc_pop_p(from)); gradc_push_d(to, v); break; }
  case 2: { float v = gradc_pop_f(from); gradc_push_p(to, gradc_pop_p(from)); gradc_push_f(to, v); break; }
  case 3: { int v = gradc_pop_i(from); gradc_push_p(to, gradc_pop_p(from)); gradc_push_i(to, v); break; }
  case 4: { long v = gradc_pop_l(from); gradc_push_p(to, gradc_pop_p(from)); gradc_push_l(to, v); break; }
  case 5: { void *v = gradc_pop_p(from); gradc_push_p(to, gradc_pop_p(from)); gradc_push_p(to, v); break; }
  case 6: {
    size_t n = (size_t)gradc_pop_l(from);
    void *tmp = gradc_alloc(n ? n : 1);
    if (!tmp) { to->failed = 1; return; }
    gradc_pop_n(from, tmp, n);
    gradc_push_p(to, gradc_pop_p(from));
    gradc_push_n(to, tmp, n);
    gradc_push_l(to, (long)n);
    gradc_free(tmp, n ? n : 1);
    break;
  }
  default: gradc_error("corrupt redo log"); to->failed = 1; return;
  }
  gradc_push_i(to, tag);
}

void gradc_par_redo(gradc_par *p, gradc_tape *log) {
  /* through a second tape, so that the entries keep their order */
  gradc_tape tmp;
  gradc_tape_init(&tmp);
  for (int c = 0; c < p->n; c++) {
    gradc_tape *redo = &p->chunk[c].redo;
    if (redo->failed) log->failed = 1;
    while (gradc_tape_size(redo) && !tmp.failed) move_entry(&tmp, redo);
    while (gradc_tape_size(&tmp) && !log->failed) move_entry(log, &tmp);
    if (tmp.failed) log->failed = 1;
  }
  gradc_tape_release(&tmp);
}

size_t *gradc_par_mark(gradc_par *p) {
  size_t *m = gradc_alloc((size_t)(p->n > 0 ? p->n : 1) * sizeof *m);
  for (int i = 0; m && i < p->n; i++) m[i] = gradc_tape_size(&p->chunk[i].frees);
  return m;
}

void gradc_par_free_since(gradc_par *p, size_t *marks) {
  if (!marks) return;
  for (int i = 0; i < p->n; i++)
    while (gradc_tape_size(&p->chunk[i].frees) > marks[i]) free(gradc_pop_p(&p->chunk[i].frees));
  gradc_free(marks, (size_t)(p->n > 0 ? p->n : 1) * sizeof *marks);
}

void gradc_par_release(gradc_par *p) {
  for (int i = 0; i < p->n; i++) {
    gradc_par_chunk *c = &p->chunk[i];
    while (gradc_tape_size(&c->frees)) free(gradc_pop_p(&c->frees));
    gradc_tape_release(&c->tape), gradc_tape_release(&c->redo), gradc_tape_release(&c->frees);
  }
  gradc_free(p->chunk, (size_t)p->n * sizeof *p->chunk);
  p->n = 0;
}
