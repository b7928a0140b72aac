/* test_checkpoint.c: unit tests of runtime/checkpoint.c, the snapshots and
 * the binomial schedule of checkpointed loops.
 *
 * The schedule is run against a model of a loop whose state is its step
 * number: every action must find the state it expects, every step must be
 * reversed exactly once and in reverse order, no more snapshots than asked
 * may be live, and the number of steps run again must equal the minimum
 * over all schedules, computed here by exhaustive search. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "gradc.h"

/* The fewest steps run again to reverse n steps with the state at the first
 * in a slot and f free slots: cost(n, f) = min over m of
 * m + cost(m, f) + cost(n - m, f - 1); cost(n, 0) = n (n - 1) / 2. */
enum { MAXN = 90, MAXF = 7 };
static long memo[MAXN + 1][MAXF + 1];
static long cost(int n, int f) {
  if (n <= 1) return 0;
  if (f == 0) return (long)n * (n - 1) / 2;
  if (memo[n][f]) return memo[n][f] - 1;
  long best = -1;
  for (int m = 1; m < n; m++) {
    long c = m + cost(m, f) + cost(n - m, f - 1);
    if (best < 0 || c < best) best = c;
  }
  memo[n][f] = best + 1;
  return best;
}

/* Runs the schedule for n steps and snaps snapshots against the model;
 * returns the steps run again. */
static long simulate(long n, int snaps) {
  gradc_revolve r;
  gradc_revolve_init(&r, n, snaps);
  long state = n;          /* the forward sweep left the state after the last step */
  long slot[64];
  for (int i = 0; i < 64; i++) slot[i] = -2;
  slot[0] = 0;             /* the entry state */
  long next_rev = n - 1, advances = 0;
  int live_max = 1;
  for (int a; (a = gradc_revolve_next(&r)) != GRADC_REVOLVE_DONE;) {
    switch (a) {
    case GRADC_REVOLVE_RESTORE:
      cr_assert(r.slot >= 0 && r.slot < r.snaps, "restore from slot %d of %d", r.slot, r.snaps);
      cr_assert_eq(slot[r.slot], r.from, "slot %d holds step %ld, not %ld", r.slot, slot[r.slot], r.from);
      state = slot[r.slot];
      break;
    case GRADC_REVOLVE_ADVANCE:
      cr_assert_eq(state, r.from, "advance from %ld with the state at %ld", r.from, state);
      cr_assert(r.to > r.from && r.to <= n);
      advances += r.to - r.from;
      state = r.to;
      break;
    case GRADC_REVOLVE_TAKESHOT:
      cr_assert(r.slot > 0 && r.slot < r.snaps, "snapshot into slot %d of %d", r.slot, r.snaps);
      cr_assert_eq(state, r.from);
      slot[r.slot] = state;
      if (r.slot + 1 > live_max) live_max = r.slot + 1;
      break;
    case GRADC_REVOLVE_YOUTURN:
      cr_assert_eq(state, r.from, "reverse step %ld with the state at %ld", r.from, state);
      cr_assert_eq(r.from, next_rev, "step %ld reversed, %ld expected", r.from, next_rev);
      next_rev--;
      state = -1;   /* recording and reversing the step leaves no known state */
      break;
    default:
      cr_assert_fail("unknown action %d", a);
    }
  }
  cr_assert_eq(next_rev, -1, "%ld steps not reversed", next_rev + 1);
  cr_assert_leq(live_max, r.snaps);
  cr_assert_eq(r.advances, advances);
  gradc_revolve_free(&r);
  return advances;
}

Test(revolve, every_step_once_in_order_with_the_fewest_repetitions) {
  for (int snaps = 1; snaps <= MAXF + 1; snaps++)
    for (int n = 1; n <= MAXN; n++) {
      long got = simulate(n, snaps);
      int s = snaps < n ? snaps : n;   /* more snapshots than steps are not used */
      cr_assert_eq(got, cost(n, s - 1), "n %d, snaps %d: %ld steps run again, the minimum is %ld", n, snaps,
                   got, cost(n, s - 1));
    }
}

Test(revolve, long_loops_and_automatic_snapshots) {
  /* 20,000 steps with 20 snapshots: repetition number 5 (beta(20, 4) <
   * 20000 <= beta(20, 5)), so under 5 runs of each step */
  long a = simulate(20000, 20);
  cr_assert_lt(a, 5L * 20000);
  /* snaps 0: about sqrt(steps) snapshots */
  gradc_revolve r;
  gradc_revolve_init(&r, 10000, 0);
  cr_assert(r.snaps >= 90 && r.snaps <= 110, "%d snapshots for 10000 steps", r.snaps);
  gradc_revolve_free(&r);
  cr_assert_eq(simulate(0, 5), 0);
  cr_assert_eq(simulate(1, 1), 0);
}

Test(ckpt, variables_and_heap_blocks_come_back) {
  double x = 1.5, arr[3] = {1, 2, 3};
  int k = 7;
  double *buf = malloc(5 * sizeof *buf), *other = malloc(5 * sizeof *other);
  cr_assert(buf && other);
  for (int i = 0; i < 5; i++) buf[i] = i, other[i] = -i;
  gradc_ckpt_item items[] = {{&x, sizeof x}, {arr, sizeof arr}, {&k, sizeof k}, {&buf, sizeof buf},
                             {&other, sizeof other}, {&buf, 0}, {&other, 0}};
  gradc_ckpt c;
  gradc_ckpt_init(&c, items, 7, 3);
  gradc_ckpt_save(&c, 0);
  /* the loop changes everything, and swaps its buffers */
  x = 9, arr[1] = 0, k = 0;
  double *t = buf;
  buf = other, other = t;
  for (int i = 0; i < 5; i++) buf[i] = 100, other[i] = 200;
  gradc_ckpt_save(&c, 2);
  gradc_ckpt_load(&c, 0);
  cr_assert_eq(x, 1.5);
  cr_assert_eq(arr[1], 2);
  cr_assert_eq(k, 7);
  for (int i = 0; i < 5; i++) cr_assert(buf[i] == i && other[i] == -i);
  gradc_ckpt_load(&c, 2);
  cr_assert_eq(x, 9);
  for (int i = 0; i < 5; i++) cr_assert(buf[i] == 100 && other[i] == 200);
  cr_assert_geq(c.peak, 2 * (sizeof x + sizeof arr + sizeof k + 2 * sizeof buf + 2 * (sizeof(size_t) + 5 * sizeof(double))));
  gradc_ckpt_free(&c);
  free(buf);
  free(other);
}
