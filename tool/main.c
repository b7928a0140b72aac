/* main.c: the gradc driver.
 *
 * Reads the command line, then runs the pipeline as a list of stages:
 *   parse the file -> for each request: lower, analyse, generate reverse code
 *   -> generate the functions they call -> assemble the output -> write it
 *   atomically (a temporary file renamed over the target).
 * Any stage that reports an error stops the run before anything is written.
 * Exit status: 0 success, 1 the input cannot be differentiated, 2 usage or
 * I/O error.
 */
#define _XOPEN_SOURCE 700   /* realpath */
#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static Options *opts;

static const char usage_text[] =
    "usage: gradc [options] FILE.c [-- CLANG_ARGS...]\n"
    "       gradc verify FILE.c --fn NAME [options]   (see gradc verify --help)\n"
    "\n"
    "Reads C functions annotated with GRADC_GRAD(wrt(...)) or GRADC_JVP(wrt(...))\n"
    "and writes C code for their derivatives: for each annotated f, f_grad\n"
    "(reverse mode, gradients) or f_jvp (forward mode, tangents).\n"
    "\n"
    "options:\n"
    "  -o FILE            write the generated C to FILE ('-' for standard output,\n"
    "                     the default)\n"
    "  -I DIR, -D NAME[=VALUE], -U NAME, -std=STD, -include FILE, -fopenmp\n"
    "                     passed to the parser, as to a compiler (-fopenmp: parallel\n"
    "                     loops stay parallel in the generated code)\n"
    "  --fn NAME          differentiate NAME, which needs no annotation...\n"
    "  --wrt P,Q          ...with respect to its parameters P and Q\n"
    "  --out Y            ...with output array parameter Y\n"
    "  --jvp              ...in forward mode (f_jvp) instead of reverse mode\n"
    "  --header FILE      also write FILE, the prototypes of the generated\n"
    "                     functions (with include guards)\n"
    "  -MD                write a depfile for make: the output depends on the input\n"
    "                     and every header it includes\n"
    "  -MF FILE           the depfile's name (default: the output's name with .d)\n"
    "  --check            do not write: compare with the existing -o FILE; exit 0\n"
    "                     when it is up to date, 1 with a unified diff when not\n"
    "  -p DIR             take FILE's compiler flags from DIR/compile_commands.json\n"
    "  --dump=ir|activity|tangent  print the IR after lowering, the activity\n"
    "                     analysis, or forward mode's tangent function (which a\n"
    "                     Hessian's reverse sweep differentiates) to standard error\n"
    "  --print-include-dir  print the folder of gradc.h, which gradc adds to the\n"
    "                     parser's search path itself, and exit\n"
    "  --version          print the version and exit\n"
    "  --help             print this help and exit\n"
    "  -- ARGS...         pass ARGS to the parser unchanged\n"
    "\n"
    "gradc verify generates NAME_grad and NAME_jvp, compiles them with FILE.c and\n"
    "a harness, and checks them against finite differences and each other (the\n"
    "dot-product test); it exits 0 when they agree, 1 when not, 2 on errors.\n"
    "\n"
    "exit status: 0 success; 1 the input cannot be differentiated (diagnostics\n"
    "are printed); 2 usage or I/O error.\n";

static _Noreturn void usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "gradc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(run 'gradc --help' for usage)\n");
  exit(2);
}

static void parse_args(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      for (i++; i < argc; i++) vec_push(&o->clang_args, argv[i]);
      break;
    }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(usage_text, stdout); exit(0); }
    if (!strcmp(a, "--version")) { printf("gradc %s\n", GRADC_VERSION_STRING); exit(0); }
    if (!strcmp(a, "--print-include-dir")) {
      const char *d = parse_include_dir();
      if (!d) { fprintf(stderr, "gradc: cannot find gradc's include folder (gradc.h) beside the executable\n"); exit(2); }
      printf("%s\n", d);
      exit(0);
    }
    if (!strcmp(a, "-o")) {
      if (!next) usage_error("'%s' needs a file name", a);
      o->output = argv[++i];
    } else if (!strcmp(a, "--fn") || !strcmp(a, "--wrt") || !strcmp(a, "--out") || !strcmp(a, "-p")) {
      if (!next) usage_error("'%s' needs an argument", a);
      const char **dst = !strcmp(a, "--fn") ? &o->fn_name : !strcmp(a, "--wrt") ? &o->fn_wrt
                       : !strcmp(a, "--out") ? &o->fn_out : &o->compdb;
      *dst = argv[++i];
    } else if (!strcmp(a, "-MD")) {
      o->md = true;
    } else if (!strcmp(a, "-MF") || !strcmp(a, "--header")) {
      if (!next) usage_error("'%s' needs a file name", a);
      if (!strcmp(a, "-MF")) o->depfile = argv[++i], o->md = true;
      else o->header = argv[++i];
    } else if (!strcmp(a, "--jvp")) {
      o->jvp = true;
    } else if (!strcmp(a, "--check")) {
      o->check = true;
    } else if (!strncmp(a, "--dump=", 7)) {
      o->dump = a + 7;
      if (strcmp(o->dump, "ir") && strcmp(o->dump, "activity") && strcmp(o->dump, "tangent"))
        usage_error("unknown dump '%s'", o->dump);
    } else if (!strcmp(a, "-I") || !strcmp(a, "-D") || !strcmp(a, "-U") || !strcmp(a, "-include")) {
      if (!next) usage_error("'%s' needs an argument", a);
      vec_push(&o->clang_args, (void *)a);
      vec_push(&o->clang_args, argv[++i]);
    } else if (!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2) || !strncmp(a, "-U", 2) ||
               !strncmp(a, "-std=", 5) || !strcmp(a, "-fopenmp")) {
      vec_push(&o->clang_args, (void *)a);
    } else if (a[0] == '-' && a[1]) {
      usage_error("unknown option '%s'", a);
    } else {
      if (o->input) usage_error("more than one input file ('%s')", a);
      o->input = a;
    }
  }
  if (!o->input) usage_error("%s", "no input file");
  if ((o->fn_wrt || o->fn_out) && !o->fn_name) usage_error("%s", "--wrt and --out need --fn");
  if (o->fn_name && !o->fn_wrt) usage_error("%s", "--fn needs --wrt");
  if (o->check && (!o->output || !strcmp(o->output, "-")))
    usage_error("%s", "--check needs -o FILE: the file to compare with");
  if (o->md && !o->depfile && (!o->output || !strcmp(o->output, "-")))
    usage_error("%s", "-MD needs -MF FILE or -o FILE");
}

/* The options that change the output, for its first line. Paths are left
 * out so that the line is the same on every machine. */
static const char *options_text(Options *o) {
  Buf b = {0};
  for (int i = 0; i < o->clang_args.len; i++) {
    const char *a = o->clang_args.data[i];
    if (!strncmp(a, "-D", 2) || !strncmp(a, "-U", 2) || !strncmp(a, "-std=", 5) || !strcmp(a, "-fopenmp")) {
      buf_printf(&b, " %s", a);
      if (!strcmp(a, "-D") || !strcmp(a, "-U")) buf_printf(&b, "%s", (char *)o->clang_args.data[++i]);
    }
  }
  if (o->fn_name) buf_printf(&b, " --fn %s --wrt %s", o->fn_name, o->fn_wrt);
  if (o->jvp) buf_puts(&b, " --jvp");
  if (o->fn_out) buf_printf(&b, " --out %s", o->fn_out);
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

/* Checks that the input is a readable regular file: libclang's own message
 * for a missing file says nothing useful. */
static void check_input(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "gradc: cannot open '%s': %s\n", path, strerror(errno));
    exit(2);
  }
  if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "gradc: '%s' is not a regular file\n", path);
    exit(2);
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "gradc: cannot read '%s': %s\n", path, strerror(errno));
    exit(2);
  }
  fclose(f);
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* The directory part of an absolute, normalised path of path's folder. */
static char *real_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? arena_strndup(path, (size_t)(slash - path)) : arena_strdup(".");
  if (!*dir) dir = arena_strdup("/");
  char *r = realpath(dir, NULL);
  if (!r) return NULL;
  char *a = arena_strdup(r);
  free(r);
  return a;
}

/* to (absolute) relative to the folder from (absolute, normalised). */
static const char *relative_to(const char *from, const char *to) {
  size_t common = 0, i = 0;
  for (; from[i] && from[i] == to[i]; i++)
    if (from[i] == '/') common = i;
  if (!from[i] && (to[i] == '/' || !to[i])) common = i;   /* from is a prefix folder of to */
  Buf b = {0};
  for (const char *p = from + common; *p; p++)
    if (*p == '/') buf_puts(&b, "../");
  buf_puts(&b, to + common + (to[common] == '/'));
  const char *r = arena_strdup(b.data);
  buf_free(&b);
  return r;
}

/* #include "x.h" of the input, for a generated file in another folder: the
 * preprocessor finds x.h beside the including file, so the line names it
 * relative to the output (#include "../src/x.h"). Headers found through -I
 * stay as written. */
static const char *include_for_output(const char *inc) {
  const char *q = strchr(inc, '"');
  if (!q || !opts->output || !strcmp(opts->output, "-") || q[1] == '/') return inc;
  const char *end = strchr(q + 1, '"');
  if (!end) return inc;
  char *in_dir = real_dir(opts->input), *out_dir = real_dir(opts->output);
  if (!in_dir || !out_dir || !strcmp(in_dir, out_dir)) return inc;
  char *target = realpath(format("%s/%.*s", in_dir, (int)(end - q - 1), q + 1), NULL);
  if (!target) return inc;
  const char *line = format("#include \"%s\"", relative_to(out_dir, target));
  free(target);
  return line;
}

/* Puts the generated file together. */
static void assemble(Buf *b, Program *p, Buf *protos, Buf *tops, Buf *helpers) {
  const char *ot = options_text(opts);
  buf_printf(b, "/* Generated by gradc %s from %s%s%s%s: do not edit. */\n", GRADC_VERSION_STRING,
             base_name(p->path), *ot ? " (" : "", *ot ? ot + 1 : "", *ot ? ")" : "");
  for (int i = 0; i < p->features.len; i++) buf_printf(b, "%s\n", (char *)p->features.data[i]);
  /* a header's static helpers that the generated code inlined are unused
   * here: no -Wunused-function for what the user's header defines */
  bool header_statics = false;
  for (int i = 0; i < p->funcs.len; i++) {
    Func *fn = p->funcs.data[i];
    header_statics |= fn->in_header && fn->is_static;
  }
  if (header_statics)
    buf_puts(b, "#pragma GCC diagnostic push\n#pragma GCC diagnostic ignored \"-Wunused-function\"\n");
  for (int i = 0; i < p->includes.len; i++) {
    const char *inc = p->includes.data[i];
    if (strstr(inc, "gradc.h") || !strcmp(inc, "#include <math.h>") ||
        !strcmp(inc, "#include <stdlib.h>") || !strcmp(inc, "#include <string.h>"))
      continue;
    buf_printf(b, "%s\n", include_for_output(inc));
  }
  if (header_statics) buf_puts(b, "#pragma GCC diagnostic pop\n");
  buf_puts(b, "#include <gradc.h>\n#include <math.h>\n#include <stdlib.h>\n#include <string.h>\n");
  bool has_omp = false;
  for (int i = 0; i < p->includes.len; i++) has_omp |= !strcmp(p->includes.data[i], "#include <omp.h>");
  if (p->omp_used && !has_omp) buf_puts(b, "#include <omp.h>\n");
  buf_puts(b, "\n");
  for (int i = 0; i < p->typedecls.len; i++) buf_printf(b, "%s\n", (char *)p->typedecls.data[i]);
  if (p->typedecls.len) buf_puts(b, "\n");
  for (int i = 0; i < p->decls.len; i++) buf_printf(b, "%s\n", (char *)p->decls.data[i]);
  if (p->decls.len) buf_puts(b, "\n");
  if (protos->len) buf_printf(b, "%s\n", protos->data);
  if (tops->data) buf_puts(b, tops->data);
  if (helpers->data) buf_puts(b, helpers->data);
  /* one trailing newline */
  while (b->len > 1 && b->data[b->len - 1] == '\n' && b->data[b->len - 2] == '\n') b->data[--b->len] = '\0';
}

/* Writes text to path through a temporary file in the same directory and a
 * rename, so that a reader never sees a partial file. */
static int write_atomic(const char *path, const char *text, size_t len) {
  if (!path || !strcmp(path, "-")) {
    fwrite(text, 1, len, stdout);
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    fprintf(stderr, "gradc: cannot write to standard output: %s\n", strerror(errno));
    return 2;
  }
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    /* a device or a pipe (/dev/null, a FIFO): written in place, never replaced */
    if (S_ISDIR(st.st_mode)) {
      fprintf(stderr, "gradc: cannot write '%s': it is a directory\n", path);
      return 2;
    }
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(text, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    if (!ok) fprintf(stderr, "gradc: cannot write '%s': %s\n", path, strerror(errno));
    return ok ? 0 : 2;
  }
  size_t n = strlen(path);
  char *tmp = malloc(n + 16);
  if (!tmp) return 2;
  snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    fprintf(stderr, "gradc: cannot write '%s': %s\n", path, strerror(errno));
    free(tmp);
    return 2;
  }
  FILE *f = fdopen(fd, "wb");
  bool ok = f && fwrite(text, 1, len, f) == len;
  ok = f && fclose(f) == 0 && ok;
  if (ok) {
    /* mkstemp creates 0600; give the usual permissions */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0666 & ~mask);
  }
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "gradc: cannot write '%s': %s\n", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return 2;
  }
  free(tmp);
  return 0;
}

/* The file's contents, or NULL when it cannot be read. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  Buf b = {0};
  char chunk[65536 + 1];   /* room for the terminator after a full read */
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
    chunk[n] = '\0';
    if (memchr(chunk, '\0', n)) { buf_free(&b); fclose(f); return NULL; }
    buf_puts(&b, chunk);
  }
  fclose(f);
  *len = b.len;
  if (!b.data) buf_puts(&b, "");
  return b.data;
}

/* --check: exit 0 when path holds exactly text, else 1 with a unified diff
 * from what is there to what gradc would write. */
static int check_output(const char *path, const char *text, size_t len) {
  size_t old_len = 0;
  char *old = read_file(path, &old_len);
  if (old && old_len == len && !memcmp(old, text, len)) {
    free(old);
    return 0;
  }
  free(old);
  char tmp[] = "/tmp/gradc-checkXXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
    fprintf(stderr, "gradc: cannot write a temporary file: %s\n", strerror(errno));
    if (fd >= 0) { close(fd); unlink(tmp); }
    return 2;
  }
  close(fd);
  fprintf(stderr, "gradc: %s is %s; regenerate it with gradc\n", path, old ? "out of date" : "missing");
  fflush(stderr);
  /* diff runs without a shell: paths are arguments, never command text */
  char *label2 = malloc(strlen(path) + 16);
  if (label2) sprintf(label2, "%s (regenerated)", path);
  char *argv[] = {"diff", "-u", "--label", (char *)path, "--label", label2 ? label2 : (char *)path,
                  old ? (char *)path : "/dev/null", tmp, NULL};
  fflush(stdout);
  pid_t pid;
  if (posix_spawnp(&pid, "diff", NULL, NULL, argv, environ) == 0) {
    int st;
    waitpid(pid, &st, 0);
  } else {
    fprintf(stderr, "gradc: cannot run diff\n");
  }
  free(label2);
  unlink(tmp);
  return 1;
}

static void put_escaped(Buf *b, const char *path) {
  for (const char *p = path; *p; p++) {
    if (*p == ' ' || *p == '#') buf_puts(b, "\\");
    if (*p == '$') buf_puts(b, "$");
    buf_printf(b, "%c", *p);
  }
}

/* A make rule: the output depends on the input and every header it
 * includes; each header also gets an empty rule, so that deleting one does
 * not break the build (gcc's -MP). */
static int write_depfile(Options *o) {
  const char *target = o->output;
  const char *path = o->depfile;
  if (!path) {
    /* like gcc: the output's name with its extension replaced by .d */
    const char *dot = strrchr(o->output, '.');
    const char *slash = strrchr(o->output, '/');
    size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - o->output) : strlen(o->output);
    path = format("%.*s.d", (int)n, o->output);
  }
  Vec deps = {0};
  vec_push(&deps, (void *)o->input);
  parse_dependencies(&deps);
  Buf b = {0};
  put_escaped(&b, target);
  buf_puts(&b, ":");
  for (int i = 0; i < deps.len; i++) {
    buf_puts(&b, " \\\n ");
    put_escaped(&b, deps.data[i]);
  }
  buf_puts(&b, "\n");
  for (int i = 1; i < deps.len; i++) {
    buf_puts(&b, "\n");
    put_escaped(&b, deps.data[i]);
    buf_puts(&b, ":\n");
  }
  int st = write_atomic(path, b.data, b.len);
  buf_free(&b);
  return st;
}

/* --header: the prototypes of the generated functions, with what they need. */
static int write_header(Options *o, Program *p) {
  Buf b = {0};
  const char *base = base_name(o->header);
  Buf guard = {0};
  for (const char *c = base; *c; c++)
    buf_printf(&guard, "%c", (*c >= 'a' && *c <= 'z') ? *c - 32 : ((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')) ? *c : '_');
  buf_printf(&b, "/* Generated by gradc %s from %s: do not edit. */\n", GRADC_VERSION_STRING,
             base_name(p->path));
  buf_printf(&b, "#ifndef GRADC_%s\n#define GRADC_%s\n\n", guard.data, guard.data);
  for (int i = 0; i < p->includes.len; i++)
    if (!strstr(p->includes.data[i], "gradc.h")) buf_printf(&b, "%s\n", (char *)p->includes.data[i]);
  buf_puts(&b, "#include <gradc.h>\n\n");
  for (int i = 0; i < p->publics.len; i++) buf_printf(&b, "%s\n", (char *)p->publics.data[i]);
  buf_printf(&b, "\n#endif\n");
  int st = write_atomic(o->header, b.data, b.len);
  buf_free(&b), buf_free(&guard);
  return st;
}

/* Generates the functions for a set of requests, then the companions they
 * need (split pairs, tangent functions, static copies). */
static bool generate(Options *o, Program *p, Vec *reqs, Buf *protos, Buf *tops, Buf *helpers) {
  for (int i = 0; i < reqs->len && !diag_errors(); i++) {
    Request *r = reqs->data[i];
    if (r->mode == MODE_JVP) {
      Func *tf = fwd_generate(p, r, protos, tops);
      if (tf && o->dump && !strcmp(o->dump, "tangent")) ir_dump(stderr, tf);
    } else {
      rev_generate(p, r, protos, tops);
    }
    if (o->dump && !strcmp(o->dump, "ir") && r->fn->lowered) ir_dump(stderr, r->fn);
    if (o->dump && !strcmp(o->dump, "activity") && r->fn->lowered) act_dump(stderr, r->fn);
  }
  if (!diag_errors()) rev_companions(p, protos, helpers);
  if (!diag_errors()) fwd_companions(p, protos, helpers);
  if (!diag_errors()) emit_primals(p, protos, helpers);
  return !diag_errors();
}

/* f_hessian for a request whose wrt parameters are all scalars: the n x n
 * Hessian, row-major, from n Hessian-vector products with unit directions. */
static void hessian_helper(Program *p, Request *r, Buf *tops) {
  Func *fn = r->fn;
  int n = r->wrt.len;
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    for (int k = 0; k < n; k++)
      if (!strcmp(r->wrt.data[k], v->name) && !ty_is_float(v->ty)) return;   /* arrays: f_hvp only */
  }
  /* names that no parameter of f takes (a parameter k, H or value) */
  const char *K = ir_unique_name(fn, "k"), *J = ir_unique_name(fn, "j"), *H = ir_unique_name(fn, "H"),
             *V = ir_unique_name(fn, "value");
  Buf sig = {0};
  buf_printf(&sig, "%s(", emit_decl(fn->ret, format("%s_hessian", fn->name)));
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    buf_printf(&sig, "%s, ", emit_decl(v->ty, v->name));
  }
  buf_printf(&sig, "double *%s)", H);
  buf_puts(tops, "/* The Hessian with respect to (");
  for (int k = 0; k < n; k++) buf_printf(tops, "%s%s", k ? ", " : "", (char *)r->wrt.data[k]);
  buf_printf(tops, "), row-major, from %d Hessian-vector products; returns %s's value. */\n", n, fn->name);
  buf_printf(tops, "%s\n{\n  %s = 0;\n", sig.data, emit_decl(fn->ret, V));
  buf_printf(tops, "  for (int %s = 0; %s < %d; %s++) {\n", K, K, n, K);
  buf_printf(tops, "    for (int %s = 0; %s < %d; %s++) %s[%s * %d + %s] = 0;\n", J, J, n, J, H, K, n, J);
  buf_printf(tops, "    %s = %s(", V, r->name);
  for (int i = 0; i < fn->params.len; i++) {
    Var *v = fn->params.data[i];
    buf_printf(tops, "%s%s", i ? ", " : "", v->name);
    for (int w = 0; w < n; w++)
      if (!strcmp(r->wrt.data[w], v->name)) buf_printf(tops, ", %s == %d, &%s[%s * %d + %d]", K, w, H, K, n, w);
  }
  buf_printf(tops, ");\n  }\n  return %s;\n}\n\n", V);
  vec_push(&p->publics, (void *)format("%s;", sig.data));
  buf_free(&sig);
}

/* A name for a generated function that nothing in the file uses. */
static const char *free_name(Program *p, const char *base) {
  for (const char *name = base;; name = format("%s_", name)) {
    bool taken = ir_find_func(p, name) != NULL;
    for (int i = 0; i < p->declared.len && !taken; i++) taken = !strcmp(p->declared.data[i], name);
    if (!taken) return name;
  }
}

/* f_hvp for a GRADC_HESSIAN request, by reverse over forward: forward mode
 * builds f's tangent function as IR (a direction x_v after each wrt
 * parameter x; it returns the directional derivative), reverse mode
 * differentiates it in memory with respect to the wrt parameters, the
 * directions held fixed: the gradient of <grad f, v> is H v. f_hvp passes
 * its arguments to that gradient, static f_hvp_grad. */
static bool hessian(Options *o, Program *p, Request *r, Buf *protos, Buf *tops) {
  Func *fn = r->fn, *tf = fwd_hessian_tangent(p, r);
  if (!tf) return false;
  if (o->dump && !strcmp(o->dump, "tangent")) ir_dump(stderr, tf);
  Request *g = arena_alloc(sizeof *g);
  *g = *r;
  g->fn = tf, g->mode = MODE_GRAD, g->out = (Vec){0}, g->split = g->exported = false, g->internal = true;
  g->name = free_name(p, format("%s_grad", r->name));
  if (!rev_generate(p, g, protos, tops)) return false;
  Buf sig = {0}, args = {0};
  const char *value = ir_unique_name(fn, "value");
  buf_printf(&sig, "%s(", emit_decl(fn->ret, r->name));
  for (int i = 0; i + 1 < tf->params.len; i++) {   /* the last one is the value's pointer */
    Var *v = tf->params.data[i];
    const char *sep = i ? ", " : "";
    buf_printf(&sig, "%s%s", sep, emit_decl(v->ty, v->name));
    buf_printf(&args, "%s%s", sep, v->name);
    if (!v->is_wrt) continue;
    Var *d = tf->params.data[++i];   /* its direction */
    Type *t = ty_is_ptr(v->ty) ? v->ty->base : v->ty;
    const char *hv = ir_unique_name(fn, format("%s_hv", v->name));
    buf_printf(&sig, ", %s, %s", emit_decl(d->ty, d->name), emit_decl(ty_ptr_to(ty_unconst(t)), hv));
    buf_printf(&args, ", %s, %s", hv, d->name);
  }
  buf_puts(&sig, ")");
  vec_push(&p->publics, (void *)format("%s;", sig.data));
  buf_printf(tops, "/* H v added into the *_hv results, along the directions *_v; returns %s's value */\n", fn->name);
  buf_printf(tops, "%s\n{\n  %s;\n  %s(%s%s&%s);\n  return %s;\n}\n\n", sig.data, emit_decl(fn->ret, value), g->name,
             args.data ? args.data : "", args.data ? ", " : "", value, value);
  buf_free(&sig), buf_free(&args);
  hessian_helper(p, r, tops);
  return true;
}

static bool hessians(Options *o, Program *p, Vec *hess, Buf *protos, Buf *tops, Buf *helpers) {
  fwd_reset();
  for (int i = 0; i < hess->len && !diag_errors(); i++) hessian(o, p, hess->data[i], protos, tops);
  if (!diag_errors()) rev_companions(p, protos, helpers);
  if (!diag_errors()) emit_primals(p, protos, helpers);
  return !diag_errors();
}

/* Whether two paths name the same existing file. */
static bool same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-")) return false;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return !strcmp(a, b);
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
}

/* Refuses outputs that would overwrite the input or each other. */
static void check_outputs(Options *o) {
  const char *outs[3] = {o->output, o->header, o->depfile};
  const char *what[3] = {"-o", "--header", "-MF"};
  for (int i = 0; i < 3; i++) {
    if (!outs[i]) continue;
    if (same_file(outs[i], o->input)) {
      fprintf(stderr, "gradc: %s '%s' is the input file: refusing to overwrite it\n", what[i], outs[i]);
      exit(2);
    }
    for (int k = 0; k < i; k++)
      if (outs[k] && same_file(outs[i], outs[k])) {
        fprintf(stderr, "gradc: %s and %s name the same file '%s'\n", what[k], what[i], outs[i]);
        exit(2);
      }
  }
}

static int run(Options *o) {
  check_input(o->input);
  check_outputs(o);
  Program *p = parse_file(o);
  if (!p) return diag_errors() ? 1 : 2;
  if (!p->requests.len) {
    diag_error((Loc){o->input, 0, 0}, "no function to differentiate: annotate one with "
               "GRADC_GRAD(wrt(...)) or use --fn NAME --wrt PARAMS");
    return 1;
  }
  Vec hess = {0}, rest = {0};
  for (int i = 0; i < p->requests.len; i++) {
    Request *r = p->requests.data[i];
    vec_push(r->mode == MODE_HESS ? &hess : &rest, r);
  }
  Buf protos = {0}, tops = {0}, helpers = {0}, out = {0};
  generate(o, p, &rest, &protos, &tops, &helpers);
  if (!diag_errors() && hess.len) hessians(o, p, &hess, &protos, &tops, &helpers);
  int status = 1;
  if (!diag_errors()) {
    assemble(&out, p, &protos, &tops, &helpers);
    if (o->check) {
      status = check_output(o->output, out.data, out.len);
    } else {
      status = write_atomic(o->output, out.data, out.len);
      if (!status && o->header) status = write_header(o, p);
      if (!status && o->md) status = write_depfile(o);
    }
  }
  buf_free(&protos), buf_free(&tops), buf_free(&helpers), buf_free(&out);
  return status;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "verify"))
    return verify_main(argc - 1, argv + 1);
  Options o = {0};
  opts = &o;
  parse_args(argc, argv, &o);
  int status = run(&o);
  parse_dispose();
  arena_free_all();
  return status;
}
