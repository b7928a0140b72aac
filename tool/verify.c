/* verify.c: `gradc verify FILE.c --fn NAME`, numerical verification of a
 * generated gradient, for CI, with no test code from the user.
 *
 * The idea: never duplicate the pipeline. verify runs this very binary
 * (/proc/self/exe) twice, for f_grad and for f_jvp, into a temporary
 * directory; writes a C harness there that fills f's inputs at a point,
 * compares f_grad with finite differences of f and runs the dot-product test
 * against f_jvp (the checks of gradc/check.h); compiles the user's file, both
 * generated files and the harness with the C compiler; and passes the
 * harness's exit status through. Only the parse stage runs in this process,
 * to read f's signature and its annotation.
 *
 * Both gradc runs also generate the file's other annotated functions, so the
 * two generated files may define the same public functions: the names they
 * share (read from their --header files) are renamed by -D in one of them.
 * Exit status: 0 every check passed; 1 a check failed; 2 usage or build error.
 */
#define _XOPEN_SOURCE 700   /* realpath */
#include "tool.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef enum { P_INT, P_SCALAR, P_ARRAY } ParamKind;

/* One parameter of f, as the harness sees it. */
typedef struct VParam {
  Var *var;              /* the parameter */
  ParamKind kind;
  const char *ctype;     /* element type (scalars, arrays) or the integer type */
  bool is_const;         /* an array of const elements */
  bool wrt, out;
  const char *len_text;  /* --len value: a number or an int parameter's name */
  long len;              /* array length */
  const char *set;       /* --set value of an integer parameter */
  const char *at;        /* --at values, comma-separated, or NULL */
  int offset;            /* first entry in the harness's flat vector (wrt) */
} VParam;

typedef struct Verify {
  Options opt;           /* input and parser flags, as for the main pipeline */
  const char *fn, *wrt, *out;
  Vec lens, sets, ats;   /* const char *: "name=value" */
  Vec links;             /* const char *: extra link arguments */
  double tol;
  unsigned long long seed;
  bool keep, verbose, no_dot;
  bool openmp;           /* -fopenmp: parallel gradients, built and linked with it */
  /* found */
  Func *func;
  Vec wrt_names, out_names;   /* const char * */
  VParam *params;
  int nparams, nx;
  bool has_float;        /* computes in float: looser finite differences */
  const char *incdir, *lib;   /* gradc's include directory and libgradc.a */
  char dir[PATH_MAX];    /* temporary directory */
} Verify;

static const char verify_usage[] =
    "usage: gradc verify FILE.c --fn NAME [options]\n"
    "\n"
    "Generates NAME_grad and NAME_jvp, compiles them with FILE.c and a harness,\n"
    "and checks every gradient entry against finite differences of NAME, and\n"
    "NAME_grad against NAME_jvp by the dot-product test.\n"
    "\n"
    "options:\n"
    "  --fn NAME          the function to verify (wrt/out from its GRADC_GRAD\n"
    "                     annotation, or from --wrt/--out)\n"
    "  --wrt P,Q          differentiate with respect to P and Q\n"
    "  --out Y            output array parameter Y (checks <v, Y> for a random v)\n"
    "  --len W=N          array parameter W has N elements\n"
    "  --len W=n          ...as many as the value of the integer parameter n\n"
    "  --set n=V          integer parameter n is V\n"
    "  --at P=V1,V2,...   values of floating parameter P (default: pseudo-random\n"
    "                     in [0.5, 1.5])\n"
    "  --seed S           seed of the pseudo-random values (default 1)\n"
    "  --tol T            largest relative error allowed (default 1e-6)\n"
    "  --no-dot           skip forward mode and the dot-product test\n"
    "  --link ARG         add ARG (a file, -lfoo, -Ldir) to the link command\n"
    "  --keep             keep the temporary directory and print its name\n"
    "  -v                 print the commands run\n"
    "  -I DIR, -D NAME[=VALUE], -U NAME, -std=STD, -include FILE, -fopenmp\n"
    "                     passed to gradc and to the C compiler ($CC, or cc)\n"
    "\n"
    "FILE.c is compiled with -Dmain=gradc_user_main, so it may define main.\n"
    "exit status: 0 every check passed; 1 a check failed; 2 usage or build error.\n";

static int usage_fail(const char *fmt, const char *arg) {
  fprintf(stderr, "gradc verify: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(run 'gradc verify --help' for usage)\n");
  return 2;
}

/* ---- command line ----------------------------------------------------------- */

static bool is_flag_with_arg(const char *a) {
  static const char *const list[] = {"--fn", "--wrt", "--out", "--len", "--set", "--at", "--seed",
                                     "--tol", "--link", "-I", "-D", "-U", "-include"};
  for (size_t i = 0; i < sizeof list / sizeof *list; i++)
    if (!strcmp(a, list[i])) return true;
  return false;
}

/* Fills v from argv; returns 0, or 2 after a message. --help exits. */
static int parse_verify_args(int argc, char **argv, Verify *v) {
  v->tol = 1e-6;
  v->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(verify_usage, stdout); exit(0); }
    if (is_flag_with_arg(a)) {
      if (i + 1 >= argc) return usage_fail("'%s' needs an argument", a);
      const char *x = argv[++i];
      if (!strcmp(a, "--fn")) v->fn = x;
      else if (!strcmp(a, "--wrt")) v->wrt = x;
      else if (!strcmp(a, "--out")) v->out = x;
      else if (!strcmp(a, "--len")) vec_push(&v->lens, (void *)x);
      else if (!strcmp(a, "--set")) vec_push(&v->sets, (void *)x);
      else if (!strcmp(a, "--at")) vec_push(&v->ats, (void *)x);
      else if (!strcmp(a, "--link")) vec_push(&v->links, (void *)x);
      else if (!strcmp(a, "--tol")) {
        char *end;
        v->tol = strtod(x, &end);
        if (*end || !(v->tol > 0)) return usage_fail("--tol needs a positive number, not '%s'", x);
      } else if (!strcmp(a, "--seed")) {
        char *end;
        v->seed = strtoull(x, &end, 10);
        if (*end || !*x) return usage_fail("--seed needs a number, not '%s'", x);
      } else {
        vec_push(&v->opt.clang_args, (void *)a);
        vec_push(&v->opt.clang_args, (void *)x);
      }
    } else if (!strcmp(a, "--keep")) {
      v->keep = true;
    } else if (!strcmp(a, "--no-dot")) {
      v->no_dot = true;
    } else if (!strcmp(a, "-v")) {
      v->verbose = true;
    } else if (!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2) || !strncmp(a, "-U", 2) ||
               !strncmp(a, "-std=", 5) || !strcmp(a, "-fopenmp")) {
      vec_push(&v->opt.clang_args, (void *)a);
      if (!strcmp(a, "-fopenmp")) v->openmp = true;
    } else if (a[0] == '-' && a[1]) {
      return usage_fail("unknown option '%s'", a);
    } else {
      if (v->opt.input) return usage_fail("more than one input file ('%s')", a);
      v->opt.input = a;
    }
  }
  if (!v->opt.input) return usage_fail("%s", "no input file");
  if (!v->fn) return usage_fail("%s", "which function? (--fn NAME)");
  if (v->out && !v->wrt) return usage_fail("%s", "--out needs --wrt");
  return 0;
}

/* "a, b,c" -> names. */
static void split_names(const char *s, Vec *out) {
  while (*s) {
    while (*s == ',' || *s == ' ') s++;
    const char *b = s;
    while (*s && *s != ',' && *s != ' ') s++;
    if (s > b) vec_push(out, arena_strndup(b, (size_t)(s - b)));
  }
}

static const char *join_names(Vec *names) {
  Buf b = {0};
  for (int i = 0; i < names->len; i++) buf_printf(&b, "%s%s", i ? "," : "", (char *)names->data[i]);
  const char *r = arena_strdup(b.data ? b.data : "");
  buf_free(&b);
  return r;
}

/* The value of NAME in a list of "NAME=VALUE", or NULL. */
static const char *lookup(Vec *list, const char *name) {
  size_t n = strlen(name);
  const char *found = NULL;
  for (int i = 0; i < list->len; i++) {
    const char *s = list->data[i];
    if (!strncmp(s, name, n) && s[n] == '=') found = s + n + 1;
  }
  return found;
}

/* ---- where gradc's headers and runtime are ------------------------------------ */

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static const char *self_exe(void) {
  char *p = realpath("/proc/self/exe", NULL);
  if (!p) return "gradc";   /* from PATH */
  const char *r = arena_strdup(p);
  free(p);
  return r;
}

/* The build tree when this binary is the one built there (GRADC_BUILD_DIR),
 * else an install prefix: <prefix>/bin/gradc, <prefix>/include,
 * <prefix>/lib/libgradc.a. */
static int locate_runtime(Verify *v, const char *exe) {
  const char *slash = strrchr(exe, '/');
  const char *dir = slash ? arena_strndup(exe, (size_t)(slash - exe)) : ".";
#if defined(GRADC_BUILD_DIR) && defined(GRADC_SOURCE_DIR)
  char *build = realpath(GRADC_BUILD_DIR, NULL);
  bool in_build = build && !strcmp(build, dir);
  free(build);
  if (in_build) {
    v->incdir = parse_include_dir();
    v->lib = GRADC_BUILD_DIR "/libgradc.a";
    if (!exists(v->lib)) {
      fprintf(stderr, "gradc verify: %s is missing: build the gradc_runtime target\n", v->lib);
      return 2;
    }
    return 0;
  }
#endif
  v->incdir = format("%s/../include", dir);
  v->lib = format("%s/../lib/libgradc.a", dir);
  if (exists(format("%s/gradc.h", v->incdir)) && exists(v->lib)) return 0;
  fprintf(stderr, "gradc verify: cannot find gradc's runtime: expected %s/gradc.h and %s\n",
          v->incdir, v->lib);
  return 2;
}

/* ---- f's signature ---------------------------------------------------------------- */

/* An integer type the harness can spell without the user's declarations. */
static bool standard_int(const char *spell) {
  static const char *const words[] = {"signed", "unsigned", "char", "short", "int", "long", "_Bool",
                                      "bool", "size_t", "ptrdiff_t", "int32_t", "int64_t",
                                      "uint32_t", "uint64_t", "const"};
  const char *s = spell;
  while (*s) {
    while (*s == ' ') s++;
    const char *b = s;
    while (*s && *s != ' ') s++;
    if (s == b) break;
    bool ok = false;
    for (size_t i = 0; i < sizeof words / sizeof *words && !ok; i++)
      ok = strlen(words[i]) == (size_t)(s - b) && !strncmp(words[i], b, (size_t)(s - b));
    if (!ok) return false;
  }
  return true;
}

static const char *float_name(const Type *t) {
  return t->kind == TY_FLOAT ? "float" : t->kind == TY_LDOUBLE ? "long double" : "double";
}

/* The return type as the harness spells it, or NULL when unsupported. */
static const char *return_type(Verify *v) {
  Type *t = v->func->ret;
  if (t->kind == TY_VOID) return "void";
  if (ty_is_float(t)) {
    if (t->kind == TY_FLOAT) v->has_float = true;
    return float_name(t);
  }
  if (t->kind == TY_INT && standard_int(t->spell)) return t->spell;
  return NULL;
}

static bool in_names(Vec *names, const char *name) {
  for (int i = 0; i < names->len; i++)
    if (!strcmp(names->data[i], name)) return true;
  return false;
}

static bool parse_long(const char *s, long *out) {
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (!*s || *end || errno) return false;
  *out = x;
  return true;
}

/* Classifies one parameter; 0, or 2 after a message. */
static int classify(Verify *v, VParam *p) {
  Type *t = p->var->ty;
  const char *name = p->var->name;
  p->wrt = in_names(&v->wrt_names, name);
  p->out = in_names(&v->out_names, name);
  p->at = lookup(&v->ats, name);
  if (ty_is_float(t)) {
    p->kind = P_SCALAR, p->ctype = float_name(t);
  } else if (t->kind == TY_INT && standard_int(t->spell)) {
    p->kind = P_INT, p->ctype = t->spell;
    p->set = lookup(&v->sets, name);
    long x;
    if (!p->set) return usage_fail("integer parameter '%s' needs a value: --set NAME=V", name);
    if (!parse_long(p->set, &x)) return usage_fail("--set %s: not an integer", name);
  } else if (t->kind == TY_PTR && t->base && ty_is_float(t->base)) {
    p->kind = P_ARRAY, p->ctype = float_name(t->base), p->is_const = t->base->is_const;
    p->len_text = lookup(&v->lens, name);
    if (!p->len_text)
      return usage_fail("array parameter '%s' needs a length: --len NAME=N (or =n, an int parameter)", name);
  } else {
    fprintf(stderr, "gradc verify: parameter '%s' of type '%s' is not supported: write a test "
            "with <gradc/check.h>\n", name, ty_name(t));
    return 2;
  }
  if (p->kind != P_INT && !strcmp(p->ctype, "float")) v->has_float = true;
  if (p->out && (p->kind != P_ARRAY || p->is_const))
    return usage_fail("out parameter '%s' must be a non-const array", name);
  if (p->out && p->wrt) return usage_fail("'%s' is both wrt and out: not supported", name);
  if (p->at && p->kind == P_INT) return usage_fail("--at %s: use --set for integer parameters", name);
  if (p->at && p->out) return usage_fail("--at %s: an out parameter has no input values", name);
  return 0;
}

/* Every NAME=... of a list names a parameter. */
static int check_list(Verify *v, Vec *list, const char *opt) {
  for (int i = 0; i < list->len; i++) {
    const char *s = list->data[i];
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1]) return usage_fail("%s needs NAME=VALUE", opt);
    const char *name = arena_strndup(s, (size_t)(eq - s));
    bool found = false;
    for (int k = 0; k < v->nparams && !found; k++) found = !strcmp(v->params[k].var->name, name);
    if (!found) {
      fprintf(stderr, "gradc verify: %s %s: '%s' has no parameter '%s'\n", opt, s, v->fn, name);
      return 2;
    }
  }
  return 0;
}

static VParam *find_param(Verify *v, const char *name) {
  for (int k = 0; k < v->nparams; k++)
    if (!strcmp(v->params[k].var->name, name)) return &v->params[k];
  return NULL;
}

/* The length of an array parameter: a number, or an int parameter's value. */
static int array_length(Verify *v, VParam *p) {
  VParam *q = find_param(v, p->len_text);
  if (q && q->kind == P_INT) {
    parse_long(q->set, &p->len);
  } else if (!parse_long(p->len_text, &p->len)) {
    fprintf(stderr, "gradc verify: --len %s=%s: neither a number nor an integer parameter\n",
            p->var->name, p->len_text);
    return 2;
  }
  if (p->len < 0 || p->len > 100000000) {
    fprintf(stderr, "gradc verify: --len %s: %ld elements is out of range\n", p->var->name, p->len);
    return 2;
  }
  return 0;
}

/* --at values: as many as the parameter has elements, each a number. */
static int check_at(VParam *p) {
  long count = 0;
  const char *s = p->at;
  for (;;) {
    char *end;
    strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || (*end && *end != ',')) {
      fprintf(stderr, "gradc verify: --at %s: '%s' is not a list of numbers\n", p->var->name, p->at);
      return 2;
    }
    count++;
    if (!*end) break;
    s = end + 1;
  }
  long want = p->kind == P_ARRAY ? p->len : 1;
  if (count != want) {
    fprintf(stderr, "gradc verify: --at %s: %ld values for %ld elements\n", p->var->name, count, want);
    return 2;
  }
  return 0;
}

/* Reads f's signature and what to differentiate: wrt/out from the command
 * line, else from f's GRADC_GRAD annotation. */
static int resolve(Verify *v, Program *prog) {
  Func *fn = ir_find_func(prog, v->fn);
  if (!fn || !fn->has_body) {
    fprintf(stderr, "gradc verify: %s has no definition of a function '%s'\n", v->opt.input, v->fn);
    return 2;
  }
  v->func = fn;
  if (v->wrt) {
    split_names(v->wrt, &v->wrt_names);
    if (v->out) split_names(v->out, &v->out_names);
  } else {
    for (int i = 0; i < prog->requests.len; i++) {
      Request *r = prog->requests.data[i];
      if (r->fn != fn || r->mode != MODE_GRAD) continue;
      v->wrt_names = r->wrt, v->out_names = r->out;
      v->wrt = join_names(&r->wrt);
      v->out = r->out.len ? join_names(&r->out) : NULL;
    }
    if (!v->wrt) return usage_fail("'%s' has no GRADC_GRAD annotation: give --wrt (and --out)", v->fn);
  }
  if (!return_type(v)) {
    fprintf(stderr, "gradc verify: '%s' returns '%s': not supported\n", v->fn, ty_name(fn->ret));
    return 2;
  }
  v->nparams = fn->params.len;
  v->params = arena_alloc(sizeof(VParam) * (size_t)(v->nparams + 1));
  for (int i = 0; i < v->nparams; i++) v->params[i].var = fn->params.data[i];
  int st = check_list(v, &v->lens, "--len");
  if (!st) st = check_list(v, &v->sets, "--set");
  if (!st) st = check_list(v, &v->ats, "--at");
  for (int i = 0; i < v->nparams && !st; i++) st = classify(v, &v->params[i]);
  for (int i = 0; i < v->nparams && !st; i++)
    if (v->params[i].kind == P_ARRAY) st = array_length(v, &v->params[i]);
  for (int i = 0; i < v->nparams && !st; i++)
    if (v->params[i].at) st = check_at(&v->params[i]);
  Vec *lists[2] = {&v->wrt_names, &v->out_names};
  for (int l = 0; l < 2 && !st; l++)
    for (int i = 0; i < lists[l]->len && !st; i++) {
      VParam *p = find_param(v, lists[l]->data[i]);
      if (!p || (l == 0 && p->kind == P_INT))
        st = usage_fail(l ? "--out %s: not an array parameter" : "--wrt %s: not a floating parameter",
                        lists[l]->data[i]);
    }
  for (int i = 0; i < v->nparams && !st; i++) {
    VParam *p = &v->params[i];
    if (!p->wrt) continue;
    p->offset = v->nx;
    v->nx += p->kind == P_ARRAY ? (int)p->len : 1;
  }
  if (!st && v->nx == 0) st = usage_fail("%s", "nothing to check: the wrt arrays have no elements");
  return st;
}

/* ---- running programs ----------------------------------------------------------- */

/* Runs argv (no shell) and returns its exit status, 128 + n for signal n,
 * or 127 when it cannot be started. */
static int run_program(Verify *v, Vec *argv) {
  vec_push(argv, NULL);
  argv->len--;
  if (v->verbose) {
    for (int i = 0; i < argv->len; i++) fprintf(stderr, "%s%s", i ? " " : "+ ", (char *)argv->data[i]);
    fprintf(stderr, "\n");
  }
  fflush(stdout), fflush(stderr);
  pid_t pid;
  int err = posix_spawnp(&pid, argv->data[0], NULL, NULL, (char *const *)argv->data, environ);
  if (err) {
    fprintf(stderr, "gradc verify: cannot run '%s': %s\n", (char *)argv->data[0], strerror(err));
    return 127;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

static void push_all(Vec *dst, Vec *src) {
  for (int i = 0; i < src->len; i++) vec_push(dst, src->data[i]);
}

/* -I for gradc's headers, and for cblas.h (gradc/blas.h includes it) where
 * the runtime was built with it. */
static void push_includes(Verify *v, Vec *a) {
  vec_push(a, format("-I%s", v->incdir));
#ifdef GRADC_CBLAS_INCLUDE_DIR
  if (exists(GRADC_CBLAS_INCLUDE_DIR "/cblas.h")) vec_push(a, "-I" GRADC_CBLAS_INCLUDE_DIR);
#endif
}

/* gradc FILE.c FLAGS --fn NAME --wrt W [--out Y] [--jvp] -o DIR/TAG.c --header DIR/TAG.h */
static int generate(Verify *v, const char *exe, const char *tag, bool jvp) {
  Vec a = {0};
  vec_push(&a, (void *)exe);
  vec_push(&a, (void *)v->opt.input);
  push_all(&a, &v->opt.clang_args);
  push_includes(v, &a);
  vec_push(&a, "--fn"), vec_push(&a, (void *)v->fn);
  vec_push(&a, "--wrt"), vec_push(&a, (void *)v->wrt);
  if (v->out) vec_push(&a, "--out"), vec_push(&a, (void *)v->out);
  if (jvp) vec_push(&a, "--jvp");
  vec_push(&a, "-o"), vec_push(&a, format("%s/%s.c", v->dir, tag));
  vec_push(&a, "--header"), vec_push(&a, format("%s/%s.h", v->dir, tag));
  int st = run_program(v, &a);
  if (st)
    fprintf(stderr, "gradc verify: gradc could not generate %s_%s%s\n", v->fn, jvp ? "jvp" : "grad",
            jvp ? " (--no-dot skips forward mode and the dot-product test)" : "");
  return st ? 2 : 0;
}

/* The names of the functions a --header file declares: the identifier
 * before the first '(' of each prototype line. */
static void header_names(const char *path, Vec *names) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    char *paren = strchr(line, '(');
    if (line[0] == '#' || line[0] == '/' || !paren || !strstr(line, ");")) continue;
    char *e = paren;
    while (e > line && e[-1] == ' ') e--;
    char *b = e;
    while (b > line && (b[-1] == '_' || isalnum((unsigned char)b[-1]))) b--;
    if (b < e) vec_push(names, arena_strndup(b, (size_t)(e - b)));
  }
  fclose(f);
}

/* -D renames for the public functions both generated files define: the
 * grad file keeps all but f_jvp, the jvp file keeps f_jvp. */
static void rename_shared(Verify *v, Vec *grad_flags, Vec *jvp_flags) {
  Vec g = {0}, j = {0};
  header_names(format("%s/grad.h", v->dir), &g);
  header_names(format("%s/jvp.h", v->dir), &j);
  const char *own_jvp = format("%s_jvp", v->fn);
  for (int i = 0; i < j.len; i++) {
    const char *name = j.data[i];
    if (!in_names(&g, name)) continue;
    Vec *flags = !strcmp(name, own_jvp) ? grad_flags : jvp_flags;
    vec_push(flags, format("-D%s=gradc_verify_dup_%s", name, name));
  }
}

/* ---- the harness -------------------------------------------------------------- */

typedef enum { CALL_F, CALL_GRAD, CALL_JVP } CallKind;

/* A prototype of f, f_grad or f_jvp, spelled with standard types only. */
static void put_prototype(Buf *b, Verify *v, CallKind k) {
  const char *ret = return_type(v);
  bool fret = ty_is_float(v->func->ret);
  buf_printf(b, "%s %s%s(", ret, v->fn, k == CALL_GRAD ? "_grad" : k == CALL_JVP ? "_jvp" : "");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    const char *c = p->is_const ? "const " : "";
    buf_printf(b, "%s", i ? ", " : "");
    if (p->kind == P_ARRAY) buf_printf(b, "%s%s *", c, p->ctype);
    else buf_printf(b, "%s", p->ctype);
    if (k == CALL_F || !(p->wrt || p->out)) continue;
    if (k == CALL_GRAD) buf_printf(b, ", %s *", p->ctype);
    else if (p->kind == P_ARRAY) buf_printf(b, ", %s%s *", p->out ? "" : "const ", p->ctype);
    else buf_printf(b, ", %s", p->ctype);
  }
  if (k == CALL_JVP && fret) buf_printf(b, ", %s *", ret);
  if (!v->nparams && !(k == CALL_JVP && fret)) buf_puts(b, "void");
  buf_puts(b, ");\n");
}

/* A function of the harness: copies the point X (and for CALL_JVP the
 * direction U) into f's arguments, calls f, f_grad (adjoints into G) or
 * f_jvp, and returns the scalar checked: the return value plus <seed, y>
 * for each out array y (for CALL_JVP, their tangents). */
static void put_caller(Buf *b, Verify *v, CallKind k) {
  static const char *const heads[] = {
      "static double vh_f(const double *X, void *ctx)",
      "static double vh_grad(const double *X, double *G)",
      "static double vh_jvp(const double *X, const double *U)"};
  buf_printf(b, "%s\n{\n", heads[k]);
  if (k == CALL_F) buf_puts(b, "  (void)ctx;\n");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    const char *n = p->var->name, *t = p->ctype;
    if (p->kind == P_SCALAR) {
      if (p->wrt) buf_printf(b, "  %s a_%s = (%s)X[%d];\n", t, n, t, p->offset);
      else buf_printf(b, "  %s a_%s = (%s)vh_in_%s[0];\n", t, n, t, n);
      if (p->wrt && k == CALL_GRAD) buf_printf(b, "  %s b_%s = 0;\n", t, n);
      if (p->wrt && k == CALL_JVP) buf_printf(b, "  %s d_%s = (%s)U[%d];\n", t, n, t, p->offset);
    } else if (p->kind == P_ARRAY) {
      long L = p->len;
      buf_printf(b, "  static %s a_%s[%ld];\n", t, n, L ? L : 1);
      if (p->out) buf_printf(b, "  memset(a_%s, 0, sizeof a_%s);\n", n, n);
      else if (p->wrt) buf_printf(b, "  for (long k = 0; k < %ld; k++) a_%s[k] = (%s)X[%d + k];\n", L, n, t, p->offset);
      else buf_printf(b, "  for (long k = 0; k < %ld; k++) a_%s[k] = (%s)vh_in_%s[k];\n", L, n, t, n);
      if (!(p->wrt || p->out) || k == CALL_F) continue;
      const char *pre = k == CALL_GRAD ? "b" : "d";
      buf_printf(b, "  static %s %s_%s[%ld];\n", t, pre, n, L ? L : 1);
      if (k == CALL_GRAD && p->out)
        buf_printf(b, "  for (long k = 0; k < %ld; k++) b_%s[k] = (%s)vh_seed_%s[k];\n", L, n, t, n);
      else if (k == CALL_JVP && p->wrt)
        buf_printf(b, "  for (long k = 0; k < %ld; k++) d_%s[k] = (%s)U[%d + k];\n", L, n, t, p->offset);
      else buf_printf(b, "  memset(%s_%s, 0, sizeof %s_%s);\n", pre, n, pre, n);
    }
  }
  bool fret = ty_is_float(v->func->ret);
  if (k == CALL_JVP && fret) buf_printf(b, "  %s vh_rdot = 0;\n", return_type(v));
  buf_printf(b, "  double vh_r = 0;\n  %s%s%s%s(", fret ? "vh_r = " : v->func->ret->kind == TY_VOID ? "" : "(void)",
             v->fn, k == CALL_GRAD ? "_grad" : k == CALL_JVP ? "_jvp" : "", "");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    const char *n = p->var->name;
    buf_printf(b, "%s", i ? ", " : "");
    if (p->kind == P_INT) buf_printf(b, "%s", p->set);
    else buf_printf(b, "a_%s", n);
    if (k == CALL_F || !(p->wrt || p->out)) continue;
    if (k == CALL_GRAD) buf_printf(b, p->kind == P_SCALAR ? ", &b_%s" : ", b_%s", n);
    else buf_printf(b, ", d_%s", n);
  }
  if (k == CALL_JVP && fret) buf_printf(b, "%s&vh_rdot", v->nparams ? ", " : "");
  buf_puts(b, ");\n");
  if (k == CALL_JVP) buf_printf(b, "  vh_r = %s;\n", fret ? "vh_rdot" : "0");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    const char *n = p->var->name;
    if (p->out)
      buf_printf(b, "  for (long k = 0; k < %ld; k++) vh_r += vh_seed_%s[k] * (double)%s_%s[k];\n", p->len, n,
                 k == CALL_JVP ? "d" : "a", n);
    if (k == CALL_GRAD && p->wrt && p->kind == P_SCALAR) buf_printf(b, "  G[%d] = (double)b_%s;\n", p->offset, n);
    if (k == CALL_GRAD && p->wrt && p->kind == P_ARRAY)
      buf_printf(b, "  for (long k = 0; k < %ld; k++) G[%d + k] = (double)b_%s[k];\n", p->len, p->offset, n);
  }
  buf_puts(b, "  return vh_r;\n}\n\n");
}

/* Storage of the point, the fixed inputs and the seeds, filled in main. */
static void put_storage(Buf *b, Verify *v) {
  buf_printf(b, "#define VH_NX %d\n", v->nx);
  buf_puts(b, "static double vh_X[VH_NX], vh_G[VH_NX], vh_FD[VH_NX], vh_U[VH_NX];\n");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    long L = p->kind == P_ARRAY ? p->len : 1;
    if (p->kind == P_INT || p->wrt) continue;
    buf_printf(b, "static double vh_%s_%s[%ld];\n", p->out ? "seed" : "in", p->var->name, L ? L : 1);
  }
  /* the table's rows: each wrt parameter's name, first entry, length */
  buf_puts(b, "static const struct { const char *name; int offset, len, array; } vh_wrt[] = {\n");
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    if (p->wrt)
      buf_printf(b, "  {\"%s\", %d, %ld, %d},\n", p->var->name, p->offset, p->kind == P_ARRAY ? p->len : 1,
                 p->kind == P_ARRAY);
  }
  buf_puts(b, "};\n\n");
}

/* main's filling of the inputs: --at values, else pseudo-random ones, in
 * parameter order, from one generator. */
static void put_fill(Buf *b, Verify *v) {
  for (int i = 0; i < v->nparams; i++) {
    VParam *p = &v->params[i];
    if (p->kind == P_INT) continue;
    long L = p->kind == P_ARRAY ? p->len : 1;
    const char *dst = p->wrt ? format("vh_X + %d", p->offset)
                             : format("vh_%s_%s", p->out ? "seed" : "in", p->var->name);
    if (!p->at) {
      buf_printf(b, "  gradc_check_random(%s, %ld, &vh_s);\n", dst, L);
      continue;
    }
    const char *s = p->at;
    for (long k = 0; k < L; k++) {
      char *end;
      double x = strtod(s, &end);
      buf_printf(b, "  (%s)[%ld] = %.17g;\n", dst, k, x);
      s = *end == ',' ? end + 1 : end;
      while (*s == ' ' || *s == ',') s++;
    }
  }
}

static const char harness_main[] =
    "int main(void)\n"
    "{\n"
    "  double tol = %.17g, dot_tol = %s, h = 0;\n"
    "  const char *fn = \"%s\";\n"
    "  unsigned long long vh_s = %lluULL;\n"
    "%s"
    "  int failed = 0;\n"
    "  double value = vh_f(vh_X, NULL);\n"
    "  double value_g = vh_grad(vh_X, vh_G);\n"
    "  printf(\"gradc verify: %%s, wrt %s%s%s; %%d entries; tol %%g\\n\", fn, VH_NX, tol);\n"
    "  printf(\"%%-14s  %%-23s  %%-23s %%s\\n\", \"entry\", \"gradc\", \"finite differences\", \"rel. error\");\n"
    "  for (size_t w = 0; w < sizeof vh_wrt / sizeof *vh_wrt; w++)\n"
    "    for (int k = 0; k < vh_wrt[w].len; k++) {\n"
    "      int i = vh_wrt[w].offset + k;\n"
    "      char name[64];\n"
    "      if (vh_wrt[w].array) snprintf(name, sizeof name, \"%%.40s[%%d]\", vh_wrt[w].name, k);\n"
    "      else snprintf(name, sizeof name, \"%%.40s\", vh_wrt[w].name);\n"
    "      if (%d) h = 1e-2 * (fabs(vh_X[i]) > 1 ? fabs(vh_X[i]) : 1);\n"
    "      vh_FD[i] = gradc_check_partial(vh_f, NULL, vh_X, i, h);\n"
    "      double e = gradc_check_rel_err(vh_G[i], vh_FD[i]);\n"
    "      int ok = e < tol;\n"
    "      failed += !ok;\n"
    "      printf(\"%%-14s %% -24.16e %% -24.16e %%-10.2e %%s\\n\", name, vh_G[i], vh_FD[i], e, ok ? \"ok\" : \"FAIL\");\n"
    "    }\n"
    "  double e = gradc_check_rel_err(value, value_g);\n"
    "  int value_ok = e < dot_tol;\n"
    "  printf(\"value: %%s = %%.17g, %%s_grad = %%.17g, rel. error %%.2e %%s\\n\", fn, value, fn, value_g, e,\n"
    "         value_ok ? \"ok\" : \"FAIL\");\n"
    "  int dot_ok = 1;\n"
    "#if %d\n"
    "  {\n"
    "    gradc_check_random(vh_U, VH_NX, &vh_s);\n"
    "    double t = vh_jvp(vh_X, vh_U), g = 0;\n"
    "    for (int i = 0; i < VH_NX; i++) g += vh_U[i] * vh_G[i];\n"
    "    e = gradc_check_dot(vh_U, &t, NULL, vh_G, VH_NX, 1);\n"
    "    dot_ok = e < dot_tol;\n"
    "    printf(\"dot product: <%%s_jvp(u), v> = %%.17g, <u, %%s_grad(v)> = %%.17g, rel. error %%.2e %%s\\n\",\n"
    "           fn, t, fn, g, e, dot_ok ? \"ok\" : \"FAIL\");\n"
    "  }\n"
    "#endif\n"
    "  int pass = !failed && value_ok && dot_ok;\n"
    "  printf(\"verify: %%s: %%d entries, %%d failed; value %%s; dot-product test %%s\\n\", pass ? \"PASS\" : \"FAIL\",\n"
    "         VH_NX, failed, value_ok ? \"ok\" : \"FAIL\", %d ? (dot_ok ? \"ok\" : \"FAIL\") : \"skipped\");\n"
    "  if (%d && failed) printf(\"note: %%s computes in float: finite differences are accurate to about \"\n"
    "                        \"1e-5; use --tol 1e-3\\n\", fn);\n"
    "  return !pass;\n"
    "}\n";

static int write_harness(Verify *v) {
  Buf b = {0};
  buf_printf(&b, "/* The gradc verify harness for %s in %s. */\n", v->fn, v->opt.input);
  buf_puts(&b, "#include <gradc/check.h>\n#include <math.h>\n#include <stdbool.h>\n#include <stddef.h>\n"
               "#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n\n");
  put_prototype(&b, v, CALL_F);
  put_prototype(&b, v, CALL_GRAD);
  if (!v->no_dot) put_prototype(&b, v, CALL_JVP);
  buf_puts(&b, "\n");
  put_storage(&b, v);
  put_caller(&b, v, CALL_F);
  put_caller(&b, v, CALL_GRAD);
  if (!v->no_dot) put_caller(&b, v, CALL_JVP);
  Buf fill = {0};
  put_fill(&fill, v);
  buf_printf(&b, harness_main, v->tol, v->has_float ? "1e-5" : "1e-10", v->fn, (unsigned long long)v->seed,
             fill.data ? fill.data : "", v->wrt, v->out ? ", out " : "", v->out ? v->out : "", v->has_float,
             !v->no_dot, !v->no_dot, v->has_float);
  buf_free(&fill);
  const char *path = format("%s/harness.c", v->dir);
  FILE *f = fopen(path, "w");
  bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
  ok = f && fclose(f) == 0 && ok;
  buf_free(&b);
  if (!ok) fprintf(stderr, "gradc verify: cannot write %s: %s\n", path, strerror(errno));
  return ok ? 0 : 2;
}

/* ---- compiling and running -------------------------------------------------------- */

/* Splits s at spaces and tabs. */
static void split_words(const char *s, Vec *out) {
  while (*s) {
    while (*s == ' ' || *s == '\t') s++;
    const char *b = s;
    while (*s && *s != ' ' && *s != '\t') s++;
    if (s > b) vec_push(out, arena_strndup(b, (size_t)(s - b)));
  }
}

/* $CC split into words ("ccache gcc"), or cc. */
static void push_cc(Vec *a) {
  const char *cc = getenv("CC");
  split_words(cc && *cc ? cc : "cc", a);
}

/* The BLAS library the runtime was built with, else pkg-config's, else -lopenblas. */
static void push_blas(Vec *a) {
#ifdef GRADC_BLAS_LIBRARY
  if (exists(GRADC_BLAS_LIBRARY)) { vec_push(a, GRADC_BLAS_LIBRARY); return; }
#endif
  FILE *p = popen("pkg-config --libs openblas 2>/dev/null", "r");
  char line[1024] = "";
  if (p) {
    if (!fgets(line, sizeof line, p)) line[0] = '\0';
    pclose(p);
  }
  line[strcspn(line, "\n")] = '\0';
  Vec words = {0};
  split_words(line, &words);
  if (!words.len) vec_push(&words, "-lopenblas");
  push_all(a, &words);
}

/* cc FLAGS -c SRC -o DIR/OBJ */
static int compile(Verify *v, const char *src, const char *obj, Vec *extra, bool user_flags) {
  Vec a = {0};
  push_cc(&a);
  if (user_flags) push_all(&a, &v->opt.clang_args);
  push_includes(v, &a);
  if (extra) push_all(&a, extra);
  vec_push(&a, "-O1"), vec_push(&a, "-c"), vec_push(&a, (void *)src);
  vec_push(&a, "-o"), vec_push(&a, format("%s/%s", v->dir, obj));
  int st = run_program(v, &a);
  if (st) fprintf(stderr, "gradc verify: cannot compile %s\n", src);
  return st ? 2 : 0;
}

static int build(Verify *v) {
  Vec grad_flags = {0}, jvp_flags = {0}, user = {0};
  if (!v->no_dot) rename_shared(v, &grad_flags, &jvp_flags);
  vec_push(&user, "-Dmain=gradc_user_main");
  int st = compile(v, v->opt.input, "user.o", &user, true);
  if (!st) st = compile(v, format("%s/grad.c", v->dir), "grad.o", &grad_flags, true);
  if (!st && !v->no_dot) st = compile(v, format("%s/jvp.c", v->dir), "jvp.o", &jvp_flags, true);
  if (!st) st = compile(v, format("%s/harness.c", v->dir), "harness.o", NULL, false);
  if (st) return st;
  Vec a = {0};
  push_cc(&a);
  const char *objs[] = {"harness.o", "user.o", "grad.o", "jvp.o"};
  for (int i = 0; i < 4 - v->no_dot; i++) vec_push(&a, format("%s/%s", v->dir, objs[i]));
  push_all(&a, &v->links);
  if (v->openmp) vec_push(&a, "-fopenmp");
  vec_push(&a, (void *)v->lib);
  push_blas(&a);
  vec_push(&a, "-lm");
  vec_push(&a, "-o"), vec_push(&a, format("%s/harness", v->dir));
  st = run_program(v, &a);
  if (st) fprintf(stderr, "gradc verify: cannot link the harness\n");
  return st ? 2 : 0;
}

/* Removes the files verify wrote, then the directory. */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(format("%s/%s", dir, e->d_name));
  closedir(d);
  rmdir(dir);
}

static int make_temp_dir(Verify *v) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  snprintf(v->dir, sizeof v->dir, "%s/gradc-verify-XXXXXX", tmp);
  if (!mkdtemp(v->dir)) {
    fprintf(stderr, "gradc verify: cannot create a temporary directory in %s: %s\n", tmp, strerror(errno));
    v->dir[0] = '\0';
    return 2;
  }
  return 0;
}

/* The stages, each stopping the run with status 2 on failure; then the
 * harness, whose status (0 or 1) is verify's. */
static int verify_run(Verify *v) {
  const char *exe = self_exe();
  int st = locate_runtime(v, exe);
  if (st) return st;
  int nflags = v->opt.clang_args.len;
  push_includes(v, &v->opt.clang_args);
  Program *prog = parse_file(&v->opt);
  v->opt.clang_args.len = nflags;
  if (!prog) return 2;
  if ((st = resolve(v, prog)) || (st = make_temp_dir(v))) return st;
  st = generate(v, exe, "grad", false);
  if (!st && !v->no_dot) st = generate(v, exe, "jvp", true);
  if (!st) st = write_harness(v);
  if (!st) st = build(v);
  if (!st) {
    Vec a = {0};
    vec_push(&a, format("%s/harness", v->dir));
    st = run_program(v, &a);
    if (st > 1) {
      fprintf(stderr, "gradc verify: the harness %s (status %d)\n", st > 128 ? "crashed" : "failed", st);
      st = 1;
    }
  }
  return st;
}

int verify_main(int argc, char **argv) {
  Verify v = {0};
  int st = parse_verify_args(argc, argv, &v);
  if (!st) {
    struct stat s;
    if (stat(v.opt.input, &s) != 0 || !S_ISREG(s.st_mode)) {
      fprintf(stderr, "gradc verify: cannot open '%s'\n", v.opt.input);
      st = 2;
    }
  }
  if (!st) st = verify_run(&v);
  if (v.dir[0] && v.keep) fprintf(stderr, "gradc verify: kept %s\n", v.dir);
  else if (v.dir[0]) remove_dir(v.dir);
  parse_dispose();
  arena_free_all();
  return st;
}
