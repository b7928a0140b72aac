/* edge.h: exact checks for the numerical edge cases (tests/edge/*.c), on top
 * of tests/gradcheck/check.h. close_enough() there rejects infinities and
 * NaN; these compare exactly, say which of inf/NaN came out, and check the
 * sign of zeros and infinities where it matters. */
#ifndef EDGE_H
#define EDGE_H

#include "check.h"

/* the number of comparisons made, for the summary */
static int edge_checks __attribute__((unused));

/* actual == expected, exactly (an infinity equals itself; NaN never passes) */
#define EXPECT_EQ(actual, expected)                                                   \
  do {                                                                                \
    edge_checks++;                                                                    \
    double a_ = (actual), e_ = (expected);                                            \
    if (!(a_ == e_)) {                                                                \
      printf("FAIL %s:%d: %s = %.17g, expected %s = %.17g%s\n", __FILE__, __LINE__,   \
             #actual, a_, #expected, e_, isnan(a_) ? " (NaN)" : "");                  \
      check_failures++;                                                               \
    }                                                                                 \
  } while (0)

/* close to expected (relative 1e-14), and finite */
#define EXPECT_NEAR(actual, expected)                                                 \
  do {                                                                                \
    edge_checks++;                                                                    \
    double n_ = (actual);                                                             \
    if (!isfinite(n_)) {                                                              \
      printf("FAIL %s:%d: %s = %.17g, expected a finite value\n", __FILE__, __LINE__, \
             #actual, n_);                                                            \
      check_failures++;                                                               \
    } else if (!close_enough(n_, (expected), 1e-14)) {                                \
      printf("FAIL %s:%d: %s = %.17g, expected %s = %.17g\n", __FILE__, __LINE__,     \
             #actual, n_, #expected, (double)(expected));                             \
      check_failures++;                                                               \
    }                                                                                 \
  } while (0)

/* finite: not NaN, not an infinity */
#define EXPECT_FINITE(actual)                                                         \
  do {                                                                                \
    edge_checks++;                                                                    \
    double a_ = (actual);                                                             \
    if (!isfinite(a_)) {                                                              \
      printf("FAIL %s:%d: %s = %.17g, expected a finite value\n", __FILE__, __LINE__, \
             #actual, a_);                                                            \
      check_failures++;                                                               \
    }                                                                                 \
  } while (0)

/* +inf (sign > 0) or -inf (sign < 0): an infinite derivative, not NaN */
#define EXPECT_INF(actual, sign)                                                      \
  do {                                                                                \
    edge_checks++;                                                                    \
    double a_ = (actual);                                                             \
    if (!isinf(a_) || (a_ > 0) != ((sign) > 0)) {                                     \
      printf("FAIL %s:%d: %s = %.17g, expected %cinf\n", __FILE__, __LINE__, #actual, \
             a_, (sign) > 0 ? '+' : '-');                                             \
      check_failures++;                                                               \
    }                                                                                 \
  } while (0)

/* prints how many comparisons were made; 0 when all passed, as check_done */
static inline int edge_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, edge_checks, check_failures);
  return check_done(name);
}

#endif
