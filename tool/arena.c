/* arena.c: the tool's memory.
 *
 * IR nodes, names and strings live in one arena that is released in one call
 * when the input has been processed (QBE's alloc()/freeall()). Single nodes are
 * never freed. Text buffers (Buf) are the exception: they grow on the heap and
 * their owner frees them.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

typedef struct Block Block;
struct Block { Block *next; size_t used, cap; _Alignas(16) unsigned char data[]; };

static Block *blocks;

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) { fprintf(stderr, "gradc: out of memory\n"); exit(2); }
  return p;
}

/* Returns n zeroed bytes aligned to 16, valid until arena_free_all(). */
void *arena_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!blocks || blocks->cap - blocks->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    Block *b = xmalloc(sizeof(Block) + cap);
    b->next = blocks, b->used = 0, b->cap = cap;
    blocks = b;
  }
  void *p = blocks->data + blocks->used;
  blocks->used += n;
  memset(p, 0, n);
  return p;
}

void arena_free_all(void) {
  while (blocks) {
    Block *next = blocks->next;
    free(blocks);
    blocks = next;
  }
}

char *arena_strndup(const char *s, size_t n) {
  char *p = arena_alloc(n + 1);
  memcpy(p, s, n);
  return p;
}

char *arena_strdup(const char *s) { return arena_strndup(s, strlen(s)); }

char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *p = arena_alloc((size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = vformat(fmt, ap);
  va_end(ap);
  return p;
}

void vec_push(Vec *v, void *p) {
  if (v->len == v->cap) {
    int cap = v->cap ? v->cap * 2 : 8;
    void **data = arena_alloc(sizeof(void *) * (size_t)cap);
    if (v->len) memcpy(data, v->data, sizeof(void *) * (size_t)v->len);
    v->data = data, v->cap = cap;
  }
  v->data[v->len++] = p;
}

int vec_index(const Vec *v, const void *p) {
  for (int i = 0; i < v->len; i++)
    if (v->data[i] == p) return i;
  return -1;
}

bool vec_has(const Vec *v, const void *p) { return vec_index(v, p) >= 0; }

void vec_add_once(Vec *v, void *p) {
  if (!vec_has(v, p)) vec_push(v, p);
}

static void buf_reserve(Buf *b, size_t n) {
  if (b->len + n + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) { fprintf(stderr, "gradc: out of memory\n"); exit(2); }
  b->data = p, b->cap = cap;
}

void buf_puts(Buf *b, const char *s) {
  size_t n = strlen(s);
  buf_reserve(b, n);
  memcpy(b->data + b->len, s, n + 1);
  b->len += n;
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  buf_reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  va_end(ap);
}

void buf_free(Buf *b) {
  free(b->data);
  b->data = NULL, b->len = b->cap = 0;
}
