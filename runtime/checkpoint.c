/* checkpoint.c: checkpointed loops (GRADC_CHECKPOINT).
 *
 * A checkpointed loop runs without recording in the forward sweep; its
 * reverse sweep runs its iterations again from snapshots of the loop's state
 * and records one iteration at a time, just before reversing it. Which
 * iterations run again, and where snapshots are taken, is the binomial
 * schedule of Griewank and Walther ("Algorithm 799: revolve", ACM TOMS 26,
 * 2000): with c snapshots and r repetitions, at most beta(c, r) = C(c + r, c)
 * iterations can be reversed, and reversing n of them costs the fewest
 * forward iterations there are for c snapshots.
 *
 * The schedule is a stack of ranges [lo, hi) to reverse, each with the slot
 * that holds the state at lo and the number of free slots above it. The top
 * range is cut at lo + m: the iterations up to there run again, the state
 * there goes to the next slot, the right part [lo + m, hi) is reversed with
 * one slot fewer, then the left part [lo, lo + m) with the same slots. m is
 * the optimal cut: max(1, n - beta(c - 1, r), beta(c, r - 2)) for n
 * iterations, c slots (the range's own included) and the smallest r with
 * beta(c, r) >= n (checked against the exhaustive minimum in
 * tests/unit/test_checkpoint.c). Without a free slot, the range is reversed
 * from its own snapshot one iteration at a time.
 */
#include <gradc.h>

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ---- snapshots ------------------------------------------------------------- */

void gradc_ckpt_init(gradc_ckpt *c, const gradc_ckpt_item *items, int nitems, int nslots) {
  memset(c, 0, sizeof *c);
  c->items = items;
  c->nitems = nitems;
  c->nslots = nslots > 0 ? nslots : 1;
  c->slot = gradc_calloc((size_t)c->nslots, sizeof *c->slot);
  c->cap = gradc_calloc((size_t)c->nslots, sizeof *c->cap);
}

void gradc_ckpt_reserve(gradc_ckpt *c, int nslots) {
  if (nslots <= c->nslots || !c->slot || !c->cap) return;
  unsigned char **slot = gradc_calloc((size_t)nslots, sizeof *slot);
  size_t *cap = gradc_calloc((size_t)nslots, sizeof *cap);
  if (!slot || !cap) {
    gradc_free(slot, slot ? (size_t)nslots * sizeof *slot : 0);
    gradc_free(cap, cap ? (size_t)nslots * sizeof *cap : 0);
    return;
  }
  memcpy(slot, c->slot, (size_t)c->nslots * sizeof *slot);
  memcpy(cap, c->cap, (size_t)c->nslots * sizeof *cap);
  gradc_free(c->slot, (size_t)c->nslots * sizeof *c->slot);
  gradc_free(c->cap, (size_t)c->nslots * sizeof *c->cap);
  c->slot = slot;
  c->cap = cap;
  c->nslots = nslots;
}

static void *block_of(const gradc_ckpt_item *it) {
  void *p;
  memcpy(&p, it->addr, sizeof p);
  return p;
}

/* Whether the block p is an earlier item's too (pointers that swap buffers
 * meet on one): it is kept once. */
static bool dup_block(const gradc_ckpt *c, int i, void *p) {
  for (int j = 0; j < i; j++)
    if (!c->items[j].size && block_of(&c->items[j]) == p) return true;
  return false;
}

void gradc_ckpt_save(gradc_ckpt *c, int slot) {
  if (slot < 0 || slot >= c->nslots || !c->slot || !c->cap) {
    gradc_error("gradc_ckpt_save: no such snapshot slot");
    return;
  }
  size_t n = 0;
  for (int i = 0; i < c->nitems; i++) {
    const gradc_ckpt_item *it = &c->items[i];
    n += it->size ? it->size : sizeof(size_t) + (dup_block(c, i, block_of(it)) ? 0 : gradc_alloc_size(block_of(it)));
  }
  if (n > c->cap[slot]) {
    unsigned char *b = gradc_alloc(n);   /* reports a failure */
    if (!b) return;
    gradc_free(c->slot[slot], c->cap[slot]);
    c->slot[slot] = b;
    c->cap[slot] = n;
    size_t held = 0;
    for (int k = 0; k < c->nslots; k++) held += c->cap[k];
    if (held > c->peak) c->peak = held;
  }
  unsigned char *d = c->slot[slot];
  for (int i = 0; i < c->nitems; i++) {   /* variables first, then the blocks they point to */
    const gradc_ckpt_item *it = &c->items[i];
    if (it->size) memcpy(d, it->addr, it->size), d += it->size;
  }
  for (int i = 0; i < c->nitems; i++) {
    const gradc_ckpt_item *it = &c->items[i];
    if (it->size) continue;
    void *p = block_of(it);
    size_t len = dup_block(c, i, p) ? 0 : gradc_alloc_size(p);
    memcpy(d, &len, sizeof len), d += sizeof len;
    if (len) memcpy(d, p, len), d += len;
  }
}

void gradc_ckpt_load(gradc_ckpt *c, int slot) {
  if (slot < 0 || slot >= c->nslots || !c->slot || !c->slot[slot]) {
    gradc_error("gradc_ckpt_load: no snapshot in this slot");
    return;
  }
  const unsigned char *d = c->slot[slot];
  for (int i = 0; i < c->nitems; i++) {
    const gradc_ckpt_item *it = &c->items[i];
    if (it->size) memcpy(it->addr, d, it->size), d += it->size;
  }
  for (int i = 0; i < c->nitems; i++) {
    const gradc_ckpt_item *it = &c->items[i];
    if (it->size) continue;
    size_t len;
    memcpy(&len, d, sizeof len), d += sizeof len;
    if (len) memcpy(block_of(it), d, len), d += len;   /* the pointer is restored above */
  }
}

void gradc_ckpt_free(gradc_ckpt *c) {
  for (int k = 0; c->slot && c->cap && k < c->nslots; k++) gradc_free(c->slot[k], c->cap[k]);
  gradc_free(c->slot, (size_t)c->nslots * sizeof *c->slot);
  gradc_free(c->cap, (size_t)c->nslots * sizeof *c->cap);
  c->slot = NULL;
  c->cap = NULL;
}

/* ---- the schedule ---------------------------------------------------------- */

/* beta(c, r) = C(c + r, c), 0 for r < 0; in double, exact far past any
 * trip count. */
static double beta(int c, long r) {
  if (r < 0) return 0;
  double b = 1;
  for (long k = 1; k <= r; k++) b = b * (double)(c + k) / (double)k;
  return floor(b + 0.5);
}

/* The optimal cut of n >= 2 iterations with c >= 2 slots. */
static long cut(long n, int c) {
  long r = 0;
  while (beta(c, r) < (double)n) r++;
  double m = (double)n - beta(c - 1, r);
  double b = beta(c, r - 2);
  if (b > m) m = b;
  if (m < 1) m = 1;
  if (m > n - 1) m = n - 1;
  return (long)m;
}

static void push_range(gradc_revolve *r, long lo, long hi, int slot, int free_slots) {
  if (r->depth == r->cap) {
    int cap = r->cap ? 2 * r->cap : 16;
    gradc_revolve_range *s = gradc_alloc((size_t)cap * sizeof *s);
    if (!s) {   /* reported: the schedule ends here */
      r->depth = 0;
      r->phase = 0;
      return;
    }
    if (r->depth) memcpy(s, r->stack, (size_t)r->depth * sizeof *s);
    gradc_free(r->stack, (size_t)r->cap * sizeof *s);
    r->stack = s;
    r->cap = cap;
  }
  r->stack[r->depth++] = (gradc_revolve_range){lo, hi, slot, free_slots};
}

void gradc_revolve_init(gradc_revolve *r, long steps, int snaps) {
  memset(r, 0, sizeof *r);
  if (snaps <= 0) snaps = steps > 4 ? (int)ceil(sqrt((double)steps)) : 2;
  if (steps > 0 && snaps > steps) snaps = (int)steps;
  if (snaps < 1) snaps = 1;
  r->snaps = snaps;
  r->cur = -1;
  r->slot = -1;
  if (steps > 0) push_range(r, 0, steps, 0, snaps - 1);
}

int gradc_revolve_next(gradc_revolve *r) {
  if (r->phase == 1) {   /* the snapshot after an advance */
    r->phase = 0;
    r->from = r->cur;
    r->slot = r->stack[r->depth - 1].slot;
    return GRADC_REVOLVE_TAKESHOT;
  }
  if (r->depth == 0) return GRADC_REVOLVE_DONE;
  gradc_revolve_range t = r->stack[r->depth - 1];
  if (r->cur != t.lo) {
    if (t.slot < 0) {
      gradc_error("gradc_revolve_next: a range without its state");
      return GRADC_REVOLVE_DONE;
    }
    r->cur = r->from = t.lo;
    r->slot = t.slot;
    return GRADC_REVOLVE_RESTORE;
  }
  long n = t.hi - t.lo;
  if (n == 1) {
    r->depth--;
    r->from = t.lo;
    r->to = t.hi;
    r->cur = -1;
    return GRADC_REVOLVE_YOUTURN;
  }
  long m = t.free > 0 ? cut(n, t.free + 1) : n - 1;
  r->from = t.lo;
  r->to = t.lo + m;
  r->cur = t.lo + m;
  r->advances += m;
  r->stack[r->depth - 1].hi = t.lo + m;   /* the left part stays, for later */
  if (t.free > 0) {
    push_range(r, t.lo + m, t.hi, t.slot + 1, t.free - 1);
    r->phase = 1;
  } else {
    push_range(r, t.lo + m, t.hi, -1, 0);   /* one iteration, from the state the advance leaves */
  }
  return GRADC_REVOLVE_ADVANCE;
}

void gradc_revolve_free(gradc_revolve *r) {
  gradc_free(r->stack, (size_t)r->cap * sizeof *r->stack);
  r->stack = NULL;
  r->depth = r->cap = 0;
}
