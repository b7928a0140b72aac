/* diag.c: diagnostics in the form compilers use.
 *
 *   model.c:12:9: error: cannot differentiate through 'goto'
 *      12 |   goto out;
 *         |   ^
 *
 * Errors are recorded and counted, never fatal where they are found: the
 * driver stops after a stage that reported any (SQLite's pParse->nErr).
 * A bug in the tool itself is different: diag_bug() stops the run at once,
 * naming the tool's own file and line.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

static int nerrors;

/* Prints line `line` of `file` and a caret under column `col` (1-based, in
 * bytes). Files are read again on demand: diagnostics are rare. */
static void print_source_line(const char *file, int line, int col) {
  FILE *f = fopen(file, "rb");
  if (!f || line <= 0) { if (f) fclose(f); return; }
  char buf[4096];
  int cur = 1;
  bool found = false;
  while (fgets(buf, sizeof buf, f)) {
    if (cur == line) { found = true; break; }
    if (strchr(buf, '\n')) cur++;
  }
  fclose(f);
  if (!found) return;
  buf[strcspn(buf, "\r\n")] = '\0';
  fprintf(stderr, "%5d | %s\n      | ", line, buf);
  for (int i = 1; i < col && buf[i - 1]; i++)
    fputc(buf[i - 1] == '\t' ? '\t' : ' ', stderr);
  fputs("^\n", stderr);
}

static void report(Loc loc, const char *kind, const char *fmt, va_list ap) {
  if (loc.file && loc.line > 0)
    fprintf(stderr, "%s:%d:%d: %s: ", loc.file, loc.line, loc.col, kind);
  else if (loc.file)
    fprintf(stderr, "%s: %s: ", loc.file, kind);
  else
    fprintf(stderr, "gradc: %s: ", kind);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  if (loc.file && loc.line > 0) print_source_line(loc.file, loc.line, loc.col);
}

/* While soft, errors are reported as warnings and counted apart: for
 * optional output that is left out when it cannot be generated. */
static bool soft;
static int nsoft;

void diag_error(Loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(loc, soft ? "warning" : "error", fmt, ap);
  va_end(ap);
  if (soft) nsoft++;
  else nerrors++;
}

int diag_soft(bool on) {
  soft = on;
  return nsoft;
}

void diag_warning(Loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(loc, "warning", fmt, ap);
  va_end(ap);
}

void diag_note(Loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(loc, "note", fmt, ap);
  va_end(ap);
}

/* A message without location, for usage and I/O errors. */
void diag_plain(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("gradc: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int diag_errors(void) { return nerrors; }

/* For running the pipeline again in one process (the fuzz target). */
void diag_reset(void) { nerrors = 0; }

_Noreturn void diag_bug(const char *file, int line, const char *msg) {
  fprintf(stderr, "gradc: internal error at %s:%d: %s\n"
          "gradc: please report this with the input file\n", file, line, msg);
  exit(2);
}
