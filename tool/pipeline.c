/* pipeline.c: the passes that prepare one function for differentiation, in
 * the order they run. rev_func.c and fwd.c call these for each function they
 * differentiate (the annotated one and the functions it calls, per set of
 * active parameters); what follows is theirs (rev.c, fwd.c: the sweeps) and
 * emit.c's (C text).
 *
 *   front    parse_body   libclang cursors -> IR, once per function
 *            lower_func   normal form (one effect per statement, loops kept)
 *            inline_func  calls of the file's functions become their bodies
 *            walk_offsets a pointer walking one array becomes an offset into it
 *            fuse_loops   a sum over a buffer joins the loop that fills it;
 *                         loops over one range, element by element, join
 *   reverse  act_analyze      activity; what the reverse sweep reads, and so
 *                             which overwritten values are saved
 *            immediate_loops  sum loops whose iterations reverse as they run
 *            recompute_loops  what a loop's reverse computes again, or tapes
 *                             once (snapshots, their buffers on the tape)
 *   forward  act_analyze      activity (tangents follow the active values)
 */
#include "tool.h"

bool pipeline_front(Program *p, Func *fn) {
  if (!parse_body(p, fn) || !lower_func(p, fn) || !inline_func(p, fn)) return false;
  walk_offsets(fn);
  fuse_loops(fn);
  if (fn->is_variadic) {
    diag_error(fn->loc, "cannot differentiate the variadic function '%s'", fn->name);
    return false;
  }
  return true;
}

bool pipeline_reverse(Program *p, Func *fn, Vec *wrt, Vec *out, bool top) {
  int before = diag_errors();
  if (!act_analyze(p, fn, wrt, out, top)) return false;
  immediate_loops(fn, top);
  if (top) {   /* the annotated function in joint mode */
    recompute_loops(fn);
    act_share_aliases(fn);   /* the recomputations' reads */
  }
  return diag_errors() == before;
}

bool pipeline_forward(Program *p, Func *fn, Vec *wrt, Vec *out, bool top) {
  return act_analyze(p, fn, wrt, out, top);
}
