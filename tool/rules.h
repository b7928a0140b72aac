/* rules.h: derivative rules of libm, one row per function (an X-macro).
 *
 *   RULE(name, nargs, d/darg1, d/darg2, d/darg3)
 *
 * with one partial derivative per argument (1 to 3); NULL for an argument
 * that carries no derivative (an int, an out-parameter), and trailing NULLs
 * may be left out. In a formula, $1, $2 and $3 stand for the argument
 * expressions, @f for the libm function f (sinf in the float row, sinl in
 * the long double row; the same for gradc's own gradc_f helpers), and #c for
 * the literal c (1.0f in the float row, 1.0L in the long double row). Each row
 * is instantiated three times: double (sin), float (sinf) and long double
 * (sinl); rule_find also accepts the __builtin_ spellings (__builtin_sin),
 * whose derivatives call the plain libm names (the generated file includes
 * <math.h>). A formula reads only the arguments' values from before the call:
 * a tangent is formed before the call, an adjoint long after it; it never
 * reads an out-parameter (frexp's &e), which gradc saves and restores around
 * the call when other reverse code reads it.
 * Conventions at kinks follow the frameworks users know: the derivative of
 * fabs at 0 is 0; fmin/fmax at a tie give half to each side.
 */
/*   y = sin(u):   dy/du = cos(u)  */
RULE(sin, 1, "@cos($1)", NULL)
/*   y = cos(u):   dy/du = -sin(u) */
RULE(cos, 1, "-@sin($1)", NULL)
/*   y = tan(u):   dy/du = 1 / cos(u)^2 */
RULE(tan, 1, "#1.0 / (@cos($1) * @cos($1))", NULL)
/*   y = asin(u):  dy/du = 1 / sqrt(1 - u^2), as (1 - u)(1 + u): no
 *   cancellation near |u| = 1, where 1 - u is exact */
RULE(asin, 1, "#1.0 / @sqrt((#1.0 - $1) * (#1.0 + $1))", NULL)
/*   y = acos(u):  dy/du = -1 / sqrt(1 - u^2) */
RULE(acos, 1, "-#1.0 / @sqrt((#1.0 - $1) * (#1.0 + $1))", NULL)
/*   y = atan(u):  dy/du = 1 / (1 + u^2) */
RULE(atan, 1, "#1.0 / (#1.0 + $1 * $1)", NULL)
/*   y = atan2(u, v): dy/du = v / (u^2 + v^2), dy/dv = -u / (u^2 + v^2), with
 *   u^2 + v^2 = hypot(u, v)^2, which neither overflows nor underflows */
RULE(atan2, 2, "$2 / @hypot($1, $2) / @hypot($1, $2)", "-$1 / @hypot($1, $2) / @hypot($1, $2)")
/*   y = sinh(u):  dy/du = cosh(u) */
RULE(sinh, 1, "@cosh($1)", NULL)
/*   y = cosh(u):  dy/du = sinh(u) */
RULE(cosh, 1, "@sinh($1)", NULL)
/*   y = tanh(u):  dy/du = 1 - tanh(u)^2 = 1 / cosh(u)^2 (1 - tanh^2 cancels
 *   for large |u|, and is 0 from |u| = 20 on). Where y = tanh(u) is
 *   assigned to a local, the reverse sweep uses (1 - y)(1 + y) instead
 *   (rules.c's rule_by_value): no call, an absolute error below 2^-52 */
RULE(tanh, 1, "#1.0 / (@cosh($1) * @cosh($1))", NULL)
/*   y = asinh(u): dy/du = 1 / sqrt(u^2 + 1) = 1 / hypot(u, 1) (no overflow) */
RULE(asinh, 1, "#1.0 / @hypot($1, #1.0)", NULL)
/*   y = acosh(u): dy/du = 1 / sqrt(u^2 - 1) = 1 / (sqrt(u - 1) sqrt(u + 1)),
 *   without cancellation near u = 1 or overflow */
RULE(acosh, 1, "#1.0 / (@sqrt($1 - #1.0) * @sqrt($1 + #1.0))", NULL)
/*   y = atanh(u): dy/du = 1 / (1 - u^2) = 1 / ((1 - u)(1 + u)) */
RULE(atanh, 1, "#1.0 / ((#1.0 - $1) * (#1.0 + $1))", NULL)
/*   y = exp(u):   dy/du = exp(u) */
RULE(exp, 1, "@exp($1)", NULL)
/*   y = exp2(u):  dy/du = 2^u ln 2 */
RULE(exp2, 1, "@exp2($1) * #0.693147180559945309417", NULL)
/*   y = expm1(u): dy/du = exp(u) */
RULE(expm1, 1, "@exp($1)", NULL)
/*   y = log(u):   dy/du = 1 / u */
RULE(log, 1, "#1.0 / $1", NULL)
/*   y = log2(u):  dy/du = 1 / (u ln 2) */
RULE(log2, 1, "#1.0 / ($1 * #0.693147180559945309417)", NULL)
/*   y = log10(u): dy/du = 1 / (u ln 10) */
RULE(log10, 1, "#1.0 / ($1 * #2.30258509299404568402)", NULL)
/*   y = log1p(u): dy/du = 1 / (1 + u) */
RULE(log1p, 1, "#1.0 / (#1.0 + $1)", NULL)
/*   y = sqrt(u):  dy/du = 1 / (2 sqrt(u)) */
RULE(sqrt, 1, "#0.5 / @sqrt($1)", NULL)
/*   y = cbrt(u):  dy/du = 1 / (3 cbrt(u)^2) */
RULE(cbrt, 1, "#1.0 / (#3.0 * @cbrt($1) * @cbrt($1))", NULL)
/*   y = pow(u, v): dy/du = v u^(v-1) (0 when v = 0: u^0 is constant, even at
 *   u = 0); dy/dv = u^v ln u for u > 0, else 0 */
RULE(pow, 2, "($2 == #0.0 ? #0.0 : $2 * @pow($1, $2 - #1.0))", "($1 > #0.0 ? @pow($1, $2) * @log($1) : #0.0)")
/*   y = hypot(u, v): dy/du = u / y, dy/dv = v / y (0 at the origin) */
RULE(hypot, 2, "(@hypot($1, $2) > #0.0 ? $1 / @hypot($1, $2) : #0.0)",
     "(@hypot($1, $2) > #0.0 ? $2 / @hypot($1, $2) : #0.0)")
/*   y = |u|:      dy/du = sign(u), 0 at u = 0 */
RULE(fabs, 1, "($1 > #0.0 ? #1.0 : $1 < #0.0 ? -#1.0 : #0.0)", NULL)
/*   y = fmin(u, v): the smaller argument gets the derivative; a tie splits it;
 *   fmin(u, NaN) = u, fmin(NaN, v) = v, and so do their derivatives */
RULE(fmin, 2, "($1 < $2 || $2 != $2 ? #1.0 : $1 == $2 ? #0.5 : #0.0)",
     "($2 < $1 || $1 != $1 ? #1.0 : $1 == $2 ? #0.5 : #0.0)")
/*   y = fmax(u, v): the larger argument gets the derivative; a tie splits it */
RULE(fmax, 2, "($1 > $2 || $2 != $2 ? #1.0 : $1 == $2 ? #0.5 : #0.0)",
     "($2 > $1 || $1 != $1 ? #1.0 : $1 == $2 ? #0.5 : #0.0)")
/*   y = erf(u):   dy/du = 2/sqrt(pi) exp(-u^2) */
RULE(erf, 1, "#1.12837916709551257390 * @exp(-($1 * $1))", NULL)
/*   y = erfc(u):  dy/du = -2/sqrt(pi) exp(-u^2) */
RULE(erfc, 1, "-#1.12837916709551257390 * @exp(-($1 * $1))", NULL)
/*   y = fmod(u, v) = u - n v, n = u / v rounded toward zero: dy/du = 1, dy/dv = -n.
 *   n is not trunc(u / v): the rounded quotient can reach the next integer
 *   (fmod(1, 0.1): u / v rounds to 10, n = 9). y is exact, so u - y is n v up
 *   to rounding, and round((u - y) / v) is n exactly (for |n| < 2^51). */
RULE(fmod, 2, "#1.0", "-@round(($1 - @fmod($1, $2)) / $2)")
/*   y = remainder(u, v) = u - n v, n = u / v rounded to nearest, ties to even
 *   (C11 7.12.10.2): the same as fmod with that n */
RULE(remainder, 2, "#1.0", "-@round(($1 - @remainder($1, $2)) / $2)")
/*   piecewise constant: derivative 0 almost everywhere */
RULE(floor, 1, "#0.0", NULL)
RULE(ceil, 1, "#0.0", NULL)
RULE(trunc, 1, "#0.0", NULL)
RULE(round, 1, "#0.0", NULL)
RULE(rint, 1, "#0.0", NULL)
RULE(nearbyint, 1, "#0.0", NULL)
/*   y = fma(u, v, w) = u v + w, rounded once: dy/du = v, dy/dv = u, dy/dw = 1 */
RULE(fma, 3, "$2", "$1", "#1.0")
/*   y = ldexp(u, n) = u 2^n (n an int, no derivative): dy/du = 2^n, exactly;
 *   scalbn and scalbln are the same function for binary floating point */
RULE(ldexp, 2, "@ldexp(#1.0, $2)", NULL)
RULE(scalbn, 2, "@scalbn(#1.0, $2)", NULL)
RULE(scalbln, 2, "@scalbln(#1.0, $2)", NULL)
/*   m = frexp(u, &e), u = m 2^e: dm/du = 2^-e, exactly. The formula cannot
 *   read e (a tangent is formed before the call); gradc_frexp_scale(u)
 *   recomputes 2^-e from u (1 at u = 0, where frexp gives e = 0). The int
 *   out-parameter carries no derivative. */
RULE(frexp, 2, "@gradc_frexp_scale($1)", NULL)
/*   y = tgamma(u): dy/du = Gamma(u) psi(u), psi the digamma function (not in
 *   libm: gradc_digamma, in gradc's runtime) */
RULE(tgamma, 1, "@tgamma($1) * @gradc_digamma($1)", NULL)
/*   y = lgamma(u) = ln |Gamma(u)|: dy/du = psi(u), for u < 0 too */
RULE(lgamma, 1, "@gradc_digamma($1)", NULL)
/*   gradc's own helpers, which the derivatives above call: a Hessian
 *   differentiates them again. frexp's scale is piecewise constant. */
RULE(gradc_digamma, 1, "@gradc_trigamma($1)")
RULE(gradc_frexp_scale, 1, "#0.0")
