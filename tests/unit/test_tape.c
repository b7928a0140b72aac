/* test_tape.c: unit tests of runtime/tape.c, the allocator hook and the tape.
 *
 * Every test runs with a counting allocator hook installed (see setup()), so
 * each one can check that memory is returned: live bytes drop to 0 and every
 * successful allocation has its free. The hook can also fail the n-th
 * allocation, as Lua's ltests.c does, and the error handler then records the
 * message instead of aborting, so failure paths run to the end.
 *
 * The hooks are process-wide, so setup() and teardown() install and restore
 * them around each test; the tests also pass when Criterion does not fork
 * (under a debugger, say).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradc.h"

typedef struct Counter {
  size_t live;   /* bytes allocated and not freed */
  size_t peak;   /* largest value of live */
  long calls;    /* allocations attempted, failed ones included */
  long allocs;   /* allocations that succeeded */
  long frees;    /* blocks freed */
  long fail_at;  /* fail the fail_at-th attempt (1-based); 0: never */
} Counter;

static Counter ctr;
static int nerrors;          /* calls of the error handler */
static char last_error[128]; /* its last message */

/* A lua_Alloc-style hook over realloc/free that counts, and can fail. */
static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Counter *c = ud;
  void *p;
  if (nsize == 0) {
    if (ptr) {
      c->live -= osize;
      c->frees++;
    }
    free(ptr);
    return NULL;
  }
  if (++c->calls == c->fail_at)
    return NULL;
  p = realloc(ptr, nsize);
  if (!p)
    return NULL;
  if (ptr)
    c->live -= osize;
  else
    c->allocs++;
  c->live += nsize;
  if (c->live > c->peak)
    c->peak = c->live;
  return p;
}

static void record_error(void *ud, const char *msg) {
  (void)ud;
  nerrors++;
  snprintf(last_error, sizeof last_error, "%s", msg);
}

static void setup(void) {
  memset(&ctr, 0, sizeof ctr);
  nerrors = 0;
  last_error[0] = '\0';
  gradc_set_allocator(count_alloc, &ctr);
  gradc_set_error_handler(record_error, NULL);
}

static void teardown(void) {
  gradc_set_allocator(NULL, NULL);
  gradc_set_error_handler(NULL, NULL);
}

TestSuite(tape, .init = setup, .fini = teardown);
TestSuite(memory, .init = setup, .fini = teardown);

/* Everything freed, nothing reported. */
static void assert_clean(void) {
  cr_assert_eq(ctr.live, 0, "%zu bytes still live", ctr.live);
  cr_assert_eq(ctr.allocs, ctr.frees, "%ld allocations, %ld frees", ctr.allocs,
               ctr.frees);
}

/* ---- mixed entries: the type and value of entry i -------------------------- */

enum { E_D, E_F, E_I, E_L, E_P, E_NKINDS };

static char pointees[64];

/* A hash of i, so that the kinds come in an irregular order and chunk ends
 * fall in the middle of entries of every size. */
static unsigned kind_of(size_t i) {
  uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15u;
  return (unsigned)((h >> 33) % E_NKINDS);
}

static size_t size_of_kind(unsigned k) {
  switch (k) {
  case E_D: return sizeof(double);
  case E_F: return sizeof(float);
  case E_I: return sizeof(int);
  case E_L: return sizeof(long);
  default: return sizeof(void *);
  }
}

static void push_entry(gradc_tape *t, size_t i) {
  switch (kind_of(i)) {
  case E_D: gradc_push_d(t, (double)i + 0.5); break;
  case E_F: gradc_push_f(t, (float)(i % 1000000) + 0.25f); break;
  case E_I: gradc_push_i(t, (int)(i ^ 0x5a5a)); break;
  case E_L: gradc_push_l(t, (long)i * 1000003L); break;
  default: gradc_push_p(t, &pointees[i % sizeof pointees]); break;
  }
}

/* Pops entry i and says whether it came back as pushed. */
static int pop_entry_ok(gradc_tape *t, size_t i) {
  switch (kind_of(i)) {
  case E_D: return gradc_pop_d(t) == (double)i + 0.5;
  case E_F: return gradc_pop_f(t) == (float)(i % 1000000) + 0.25f;
  case E_I: return gradc_pop_i(t) == (int)(i ^ 0x5a5a);
  case E_L: return gradc_pop_l(t) == (long)i * 1000003L;
  default: return gradc_pop_p(t) == &pointees[i % sizeof pointees];
  }
}

/* Pops of every type on an empty or failed tape give the fail values. */
static void assert_pops_fail(gradc_tape *t) {
  for (int k = 0; k < 3; k++) {
    cr_assert(isnan(gradc_pop_d(t)));
    cr_assert(isnan(gradc_pop_f(t)));
    cr_assert_eq(gradc_pop_i(t), 0);
    cr_assert_eq(gradc_pop_l(t), 0);
    cr_assert_null(gradc_pop_p(t));
  }
}

/* ---- the tape --------------------------------------------------------------- */

Test(tape, pop_is_lifo_across_chunks) {
  enum { N = 3000000 };
  gradc_tape t;
  size_t bytes = 0, bad_size = 0, bad = 0, first_bad = 0;
  gradc_tape_init(&t);
  for (size_t i = 0; i < N; i++) {
    push_entry(&t, i);
    bytes += size_of_kind(kind_of(i));
    bad_size += gradc_tape_size(&t) != bytes;
  }
  cr_assert_eq(bad_size, 0, "size wrong after %zu pushes", bad_size);
  cr_assert_gt(ctr.allocs, 10, "only %ld chunks for %zu bytes", ctr.allocs,
               bytes);
  for (size_t i = N; i-- > 0;) {
    if (!pop_entry_ok(&t, i) && bad++ == 0)
      first_bad = i;
    bytes -= size_of_kind(kind_of(i));
    bad_size += gradc_tape_size(&t) != bytes;
  }
  cr_assert_eq(bad, 0, "%zu entries popped wrong, the first at %zu", bad,
               first_bad);
  cr_assert_eq(bad_size, 0, "size wrong after %zu pops", bad_size);
  cr_assert_eq(gradc_tape_size(&t), 0);
  assert_pops_fail(&t);
  cr_assert_eq(gradc_tape_size(&t), 0);
  cr_assert_eq(gradc_tape_failed(&t), 0);
  cr_assert_eq(nerrors, 0);
  gradc_tape_release(&t);
  assert_clean();
}

/* gradc_pop_view takes off a block gradc_push_block pushed, without
 * copying: the view holds the values pushed, element i where it was, on an
 * 8-byte boundary (ints of 4 bytes around the blocks), until the next tape
 * operation, across chunk ends and between scalars. */
Test(tape, pop_view_sees_the_block_in_place) {
  enum { ROUNDS = 300 };
  gradc_tape t;
  gradc_tape_init(&t);
  double src[700], dst[700];
  for (int r = 0; r < ROUNDS; r++) {
    int n = 1 + r * 7 % 700;
    for (int i = 0; i < n; i++) src[i] = r * 1000.0 + i;
    gradc_push_i(&t, r);
    gradc_push_block(&t, src, (size_t)n * sizeof src[0]);
    gradc_push_d(&t, -r);
  }
  cr_assert_gt(ctr.allocs, 3, "the blocks fit one chunk");
  for (int r = ROUNDS; r-- > 0;) {
    int n = 1 + r * 7 % 700;
    cr_assert_eq(gradc_pop_d(&t), -r);
    const double *v = gradc_pop_view(&t, dst, (size_t)n * sizeof dst[0]);
    cr_assert_neq(v, dst, "round %d: the view is not on the tape", r);
    cr_assert_eq((uintptr_t)v % 8, 0, "round %d: the view is not aligned", r);
    for (int i = 0; i < n; i++) cr_assert_eq(v[i], r * 1000.0 + i, "round %d, element %d", r, i);
    cr_assert_eq(gradc_pop_i(&t), r);
  }
  cr_assert_eq(gradc_tape_size(&t), 0);
  cr_assert_eq(nerrors, 0);
  gradc_tape_release(&t);
  assert_clean();
}

/* A failed tape, or a block that is not there: the view is the caller's
 * memory, filled with NaN, as gradc_pop_n fills it. */
Test(tape, pop_view_of_a_failed_tape_is_nan) {
  gradc_tape t;
  gradc_tape_init(&t);
  double dst[4] = {1, 2, 3, 4};
  gradc_push_d(&t, 5.0);
  const double *v = gradc_pop_view(&t, dst, sizeof dst);
  cr_assert_eq(v, dst, "a block larger than the tape");
  for (int i = 0; i < 4; i++) cr_assert(isnan(v[i]));
  cr_assert_eq(gradc_pop_d(&t), 5.0);
  ctr.fail_at = ctr.calls + 1;
  for (int i = 0; i < 100000 && !gradc_tape_failed(&t); i++) gradc_push_d(&t, (double)i);
  cr_assert_eq(gradc_tape_failed(&t), 1);
  for (int i = 0; i < 4; i++) dst[i] = i;
  v = gradc_pop_view(&t, dst, 2 * sizeof dst[0]);
  cr_assert_eq(v, dst);
  cr_assert(isnan(dst[0]) && isnan(dst[1]) && dst[2] == 2 && dst[3] == 3);
  gradc_tape_release(&t);
  assert_clean();
}

/* gradc_push_space: aligned room written in place between other entries,
 * across chunk ends; gradc_pop_space takes it off with what lies above it,
 * and what lies below pops as it was pushed. */
Test(tape, push_space_is_room_in_place) {
  enum { ROUNDS = 200 };
  gradc_tape t;
  gradc_tape_init(&t);
  double *room[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    int n = 1 + r * 13 % 500;
    gradc_push_i(&t, r);
    room[r] = gradc_push_space(&t, (size_t)n * sizeof(double));
    cr_assert_not_null(room[r]);
    cr_assert_eq((uintptr_t)room[r] % 8, 0, "round %d: not aligned", r);
    for (int i = 0; i < n; i++) room[r][i] = r + i / 1000.0;
    gradc_push_d(&t, -r);   /* above the room */
  }
  cr_assert_gt(ctr.allocs, 3, "the rooms fit one chunk");
  for (int r = ROUNDS; r-- > 0;) {
    int n = 1 + r * 13 % 500;
    for (int i = 0; i < n; i++) cr_assert_eq(room[r][i], r + i / 1000.0, "round %d, element %d", r, i);
    if (r % 2) cr_assert_eq(gradc_pop_d(&t), -r);   /* or dropped with the room */
    gradc_pop_space(&t, room[r]);
    cr_assert_eq(gradc_pop_i(&t), r);
  }
  cr_assert_eq(gradc_tape_size(&t), 0);
  cr_assert_null(gradc_push_space(&t, 0));
  gradc_pop_space(&t, NULL);
  cr_assert_eq(gradc_tape_size(&t), 0);
  ctr.fail_at = ctr.calls + 1;
  cr_assert_null(gradc_push_space(&t, 1 << 22), "a failed tape has no room");
  cr_assert_eq(gradc_tape_failed(&t), 1);
  gradc_tape_release(&t);
  assert_clean();
}

/* gradc_tape_drop discards entries down to a size, across chunks, and
 * what was below stays poppable in order. */
Test(tape, drop_returns_to_a_size_across_chunks) {
  enum { BELOW = 1000, N = 400000 };
  gradc_tape t;
  gradc_tape_init(&t);
  for (size_t i = 0; i < BELOW; i++) push_entry(&t, i);
  size_t mark = gradc_tape_size(&t);
  for (size_t i = BELOW; i < N; i++) push_entry(&t, i);
  cr_assert_gt(ctr.allocs, 3, "the entries above the mark span chunks");
  gradc_tape_drop(&t, mark);
  cr_assert_eq(gradc_tape_size(&t), mark);
  gradc_tape_drop(&t, mark);   /* nothing above: no change */
  cr_assert_eq(gradc_tape_size(&t), mark);
  size_t bad = 0;
  for (size_t i = BELOW; i-- > 0;) bad += !pop_entry_ok(&t, i);
  cr_assert_eq(bad, 0, "%zu entries below the mark popped wrong", bad);
  cr_assert_eq(gradc_tape_size(&t), 0);
  cr_assert_eq(nerrors, 0);
  gradc_tape_release(&t);
  assert_clean();
}

/* Chunk sizes: 4096 bytes first, doubling, never above 1 MiB. */
Test(tape, chunks_double_up_to_a_mebibyte) {
  gradc_tape t;
  size_t caps[256];
  int n = 0;
  gradc_tape_init(&t);
  for (long i = 0; i < (40L << 20) / 8; i++)
    gradc_push_d(&t, (double)i);
  for (gradc_chunk *c = t.chunk; c && n < 256; c = c->prev)
    caps[n++] = c->cap;
  cr_assert_gt(n, 40);
  for (int k = 0; k < n; k++) { /* caps[n - 1] is the bottom chunk */
    size_t expect = k < 8 ? (size_t)4096 << k : (size_t)1 << 20;
    cr_assert_eq(caps[n - 1 - k], expect, "chunk %d holds %zu bytes", k,
                 caps[n - 1 - k]);
  }
  gradc_tape_release(&t);
  assert_clean();
}

Test(tape, size_counts_pushed_bytes) {
  gradc_tape t;
  gradc_tape_init(&t);
  cr_assert_eq(gradc_tape_size(&t), 0);
  assert_pops_fail(&t); /* popping an empty tape is not a failure */
  cr_assert_eq(gradc_tape_failed(&t), 0);
  gradc_push_d(&t, 1.0);
  gradc_push_i(&t, 2);
  gradc_push_f(&t, 3.0f);
  gradc_push_p(&t, &t);
  gradc_push_l(&t, 5L);
  cr_assert_eq(gradc_tape_size(&t), 8 + 4 + 4 + sizeof(void *) + sizeof(long));
  cr_assert_eq(gradc_pop_l(&t), 5L);
  cr_assert_eq(gradc_pop_p(&t), &t);
  cr_assert_eq(gradc_pop_f(&t), 3.0f);
  cr_assert_eq(gradc_tape_size(&t), 12);
  cr_assert_eq(gradc_pop_i(&t), 2);
  cr_assert_eq(gradc_pop_d(&t), 1.0);
  cr_assert_eq(gradc_tape_size(&t), 0);
  assert_pops_fail(&t);
  cr_assert_eq(gradc_tape_failed(&t), 0);
  cr_assert_eq(nerrors, 0);
  gradc_tape_release(&t);
  assert_clean();
}

/* A million push/pop cycles across a chunk boundary: the spare chunk is
 * reused, so after the first cycle nothing is allocated. */
Test(tape, cycles_at_a_chunk_boundary_do_not_allocate) {
  gradc_tape t;
  gradc_tape_init(&t);
  for (int i = 0; i < 4096 / 8; i++) /* fill the first chunk exactly */
    gradc_push_d(&t, (double)i);
  long allocs = -1;
  size_t live = 0, peak = 0;
  for (long k = 0; k < 1000000; k++) {
    gradc_push_d(&t, (double)k);
    gradc_push_i(&t, (int)k);
    cr_assert_eq(gradc_pop_i(&t), (int)k);
    cr_assert_eq(gradc_pop_d(&t), (double)k);
    cr_assert_eq(gradc_pop_d(&t), 511.0); /* steps down into the first chunk */
    gradc_push_d(&t, 511.0);
    if (k == 0) {
      allocs = ctr.allocs;
      live = ctr.live;
      peak = ctr.peak;
    }
  }
  cr_assert_eq(ctr.allocs, allocs, "%ld allocations after the first cycle",
               ctr.allocs - allocs);
  cr_assert_eq(ctr.live, live);
  cr_assert_eq(ctr.peak, peak);
  cr_assert_eq(gradc_tape_size(&t), 4096);
  gradc_tape_release(&t);
  assert_clean();
}

/* Deep cycles (8 MiB, many chunks) and shallow ones, a million in all: the
 * peak of live memory is set by the first deep cycle and never grows. */
Test(tape, repeated_cycles_do_not_grow_memory) {
  gradc_tape t;
  size_t peak = 0;
  gradc_tape_init(&t);
  for (long k = 0; k < 1000000; k++) {
    size_t depth = k % 50000 == 0 ? (8u << 20) / 8 : (size_t)(k % 7) + 1;
    for (size_t i = 0; i < depth; i++)
      gradc_push_d(&t, (double)i);
    for (size_t i = depth; i-- > 0;)
      if (gradc_pop_d(&t) != (double)i)
        cr_assert_fail("cycle %ld: entry %zu popped wrong", k, i);
    cr_assert_eq(gradc_tape_size(&t), 0);
    if (k == 0)
      peak = ctr.peak;
  }
  cr_assert_eq(ctr.peak, peak, "peak grew from %zu to %zu bytes", peak,
               ctr.peak);
  cr_assert_leq(ctr.live, 4096 + 8192 + 2 * sizeof(gradc_chunk),
                "%zu bytes live on an empty tape", ctr.live);
  gradc_tape_release(&t);
  assert_clean();
}

/* Fail the n-th allocation for several n: the tape is failed, the error is
 * reported once, pushes are dropped, pops give NaN/0/NULL, nothing leaks. */
Test(tape, failed_allocation_fails_the_tape) {
  for (long n = 1; n <= 8; n++) {
    gradc_tape t;
    setup();
    ctr.fail_at = n;
    gradc_tape_init(&t);
    size_t i = 0;
    while (!gradc_tape_failed(&t) && i < (16u << 20))
      push_entry(&t, i++);
    cr_assert_eq(gradc_tape_failed(&t), 1, "n=%ld: not failed", n);
    cr_assert_eq(nerrors, 1, "n=%ld: %d errors", n, nerrors);
    cr_assert_str_eq(last_error, "out of memory growing the tape");
    size_t size = gradc_tape_size(&t);
    for (size_t j = 0; j < 100000; j++)
      push_entry(&t, j);
    cr_assert_eq(gradc_tape_size(&t), size, "n=%ld: pushes not dropped", n);
    assert_pops_fail(&t);
    cr_assert_eq(gradc_tape_size(&t), size, "n=%ld: pops changed size", n);
    cr_assert_eq(gradc_tape_failed(&t), 1);
    cr_assert_eq(nerrors, 1, "n=%ld: reported again", n);
    gradc_tape_release(&t);
    assert_clean();
    cr_assert_eq(gradc_tape_failed(&t), 0, "release resets the tape");
  }
}

/* A failure while growing back into chunks that were popped and freed. */
Test(tape, failure_after_shrinking) {
  gradc_tape t;
  gradc_tape_init(&t);
  for (int i = 0; i < 100000; i++)
    gradc_push_d(&t, (double)i);
  for (int i = 100000; i-- > 0;)
    cr_assert_eq(gradc_pop_d(&t), (double)i);
  ctr.fail_at = ctr.calls + 1;
  for (int i = 0; i < 100000 && !gradc_tape_failed(&t); i++)
    gradc_push_d(&t, (double)i);
  cr_assert_eq(gradc_tape_failed(&t), 1);
  cr_assert_eq(nerrors, 1);
  assert_pops_fail(&t);
  gradc_tape_release(&t);
  assert_clean();
}

/* grow_ asked for more than a chunk holds can leave an empty chunk under the
 * top one; pops must step over it to the entries below. */
Test(tape, oversized_grow_keeps_lifo) {
  gradc_tape t;
  gradc_tape_init(&t);
  gradc_push_d(&t, 1.0);
  gradc_tape_grow_(&t, 8000);
  cr_assert_eq(gradc_tape_size(&t), 8);
  cr_assert_geq((size_t)(t.end - t.top), 8000);
  gradc_push_d(&t, 2.0);
  gradc_tape_grow_(&t, 100000);
  cr_assert_geq((size_t)(t.end - t.top), 100000);
  cr_assert_eq(gradc_pop_d(&t), 2.0);
  gradc_tape_grow_(&t, (size_t)1 << 21); /* on top of an emptied chunk */
  cr_assert_geq((size_t)(t.end - t.top), (size_t)1 << 21);
  gradc_push_d(&t, 3.0);
  cr_assert_eq(gradc_tape_size(&t), 16);
  cr_assert_eq(gradc_pop_d(&t), 3.0);
  cr_assert_eq(gradc_pop_d(&t), 1.0);
  cr_assert_eq(gradc_tape_size(&t), 0);
  assert_pops_fail(&t);
  cr_assert_eq(nerrors, 0);
  gradc_tape_release(&t);
  assert_clean();
}

Test(tape, grow_size_overflow_fails_the_tape) {
  gradc_tape t;
  gradc_tape_init(&t);
  gradc_push_i(&t, 7);
  gradc_tape_grow_(&t, SIZE_MAX - 8);
  cr_assert_eq(gradc_tape_failed(&t), 1);
  cr_assert_eq(nerrors, 1);
  cr_assert_eq(gradc_pop_i(&t), 0);
  gradc_tape_release(&t);
  assert_clean();
}

Test(tape, heap_tape_new_and_free) {
  gradc_tape *t = gradc_tape_new();
  cr_assert_not_null(t);
  cr_assert_eq(gradc_tape_size(t), 0);
  for (size_t i = 0; i < 200000; i++)
    push_entry(t, i);
  for (size_t i = 200000; i-- > 100000;)
    cr_assert(pop_entry_ok(t, i), "entry %zu", i);
  gradc_tape_free(t);
  gradc_tape_free(NULL);
  assert_clean();
  cr_assert_eq(nerrors, 0);
}

Test(tape, new_returns_null_when_the_first_allocation_fails) {
  ctr.fail_at = 1;
  cr_assert_null(gradc_tape_new());
  cr_assert_eq(nerrors, 1);
  cr_assert_str_eq(last_error, "out of memory");
  assert_clean();
}

Test(tape, heap_tape_whose_first_chunk_fails) {
  ctr.fail_at = 2;
  gradc_tape *t = gradc_tape_new();
  cr_assert_not_null(t);
  gradc_push_d(t, 1.0);
  cr_assert_eq(gradc_tape_failed(t), 1);
  cr_assert(isnan(gradc_pop_d(t)));
  gradc_tape_free(t);
  assert_clean();
}

Test(tape, release_of_a_tape_that_never_pushed) {
  gradc_tape t;
  gradc_tape_init(&t);
  gradc_tape_release(&t);
  gradc_tape_release(&t);
  cr_assert_eq(gradc_tape_size(&t), 0);
  cr_assert_eq(ctr.calls, 0);
  gradc_tape *h = gradc_tape_new();
  cr_assert_not_null(h);
  gradc_tape_free(h);
  assert_clean();
}

Test(tape, released_tape_is_reusable) {
  gradc_tape t;
  gradc_tape_init(&t);
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < 50000; i++)
      push_entry(&t, i);
    for (size_t i = 50000; i-- > 25000;)
      cr_assert(pop_entry_ok(&t, i), "round %d entry %zu", round, i);
    gradc_tape_release(&t);
    assert_clean();
  }
}

/* ---- gradc_alloc, gradc_calloc, gradc_free ----------------------------------- */

Test(memory, alloc_goes_through_the_hook) {
  char *p = gradc_alloc(100);
  cr_assert_not_null(p);
  cr_assert_eq(ctr.live, 100);
  memset(p, 1, 100);
  gradc_free(p, 100);
  gradc_free(NULL, 5);
  assert_clean();
}

Test(memory, zero_bytes_is_a_valid_request) {
  void *p = gradc_alloc(0);
  cr_assert_not_null(p);
  gradc_free(p, 0);
  p = gradc_calloc(0, 8);
  cr_assert_not_null(p);
  gradc_free(p, 0);
  assert_clean();
  cr_assert_eq(nerrors, 0);
}

Test(memory, calloc_zeroes) {
  double *p = gradc_calloc(1000, sizeof *p);
  cr_assert_not_null(p);
  for (int i = 0; i < 1000; i++)
    cr_assert_eq(p[i], 0.0);
  gradc_free(p, 1000 * sizeof *p);
  assert_clean();
}

Test(memory, calloc_overflow_is_reported) {
  cr_assert_null(gradc_calloc(SIZE_MAX / 2, 3));
  cr_assert_eq(nerrors, 1);
  cr_assert_str_eq(last_error, "allocation size overflows size_t");
  cr_assert_eq(ctr.calls, 0);
}

Test(memory, failed_alloc_is_reported) {
  ctr.fail_at = 1;
  cr_assert_null(gradc_alloc(64));
  cr_assert_eq(nerrors, 1);
  cr_assert_str_eq(last_error, "out of memory");
  ctr.fail_at = 2;
  cr_assert_null(gradc_calloc(4, 4));
  cr_assert_eq(nerrors, 2);
  assert_clean();
}

Test(memory, default_allocator_is_restored) {
  gradc_set_allocator(NULL, NULL);
  void *p = gradc_alloc(32);
  cr_assert_not_null(p);
  gradc_free(p, 32);
  cr_assert_eq(ctr.calls, 0);
}

Test(memory, default_handler_aborts, .signal = SIGABRT) {
  gradc_set_error_handler(NULL, NULL);
  gradc_error("this message is expected");
}

Test(memory, zero_helpers) {
  double d[5] = {1, 2, 3, 4, 5};
  float f[3] = {1, 2, 3};
  gradc_zero(d, 4);
  gradc_zerof(f, 3);
  cr_assert(d[0] == 0 && d[3] == 0 && d[4] == 5);
  cr_assert(f[0] == 0 && f[2] == 0);
}

/* A reverse sweep that replays (pops with replaying set) and then seeks back
 * reads the same entries again, across many chunk boundaries. */
Test(tape, replay_then_seek_reads_again) {
  gradc_tape t;
  gradc_tape_init(&t);
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    gradc_push_d(&t, i * 0.5);
    gradc_push_i(&t, i);
  }
  size_t size = gradc_tape_size(&t);
  gradc_tape_pos start = gradc_tape_tell(&t);
  for (int round = 0; round < 3; round++) {
    t.replaying++;
    for (int i = n - 1; i >= 0; i--) {
      cr_assert_eq(gradc_pop_i(&t), i);
      cr_assert_eq(gradc_pop_d(&t), i * 0.5);
    }
    t.replaying--;
    cr_assert_eq(gradc_tape_size(&t), 0);
    gradc_tape_seek(&t, start);
    cr_assert_eq(gradc_tape_size(&t), size);
  }
  gradc_tape_release(&t);
}
