/* fuzz_gradc.c: a libFuzzer target over gradc's whole pipeline.
 *
 * Each input is written to a file and given to gradc as its source, with the
 * runtime's include directory, output to /dev/null: parse, lower, analyse,
 * generate. A crash, a sanitizer report or an exit from inside the tool
 * (an internal error) is a finding; diagnostics and exit statuses 1 and 2
 * are normal outcomes. The tool keeps its state in a few file-level
 * variables: they are reset after every input.
 *
 *   bash scripts/fuzz.sh [SECONDS]      build and run (corpus: the test inputs)
 */
#define main gradc_cli_main
#include "../../tool/main.c"
#undef main

#include <stdint.h>

void diag_reset(void);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!path[0]) snprintf(path, sizeof path, "/tmp/gradc-fuzz-%d.c", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  char *argv[] = {"gradc", path, "-I", GRADC_FUZZ_INCLUDE, "-o", "/dev/null", NULL};
  int status = gradc_cli_main(6, argv);
  (void)status;
  /* everything a run leaves behind */
  diag_reset();
  rev_reset();
  fwd_reset();
  emit_reset();
  return 0;
}
