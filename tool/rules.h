/* rules.h: derivative rules of libm, one row per function (an X-macro).
 *
 *   RULE(name, nargs, d/darg1, d/darg2)
 *
 * In a formula, $1 and $2 stand for the argument expressions, @f for the libm
 * function f (sinf in the float row), and #c for the literal c (c.f in the
 * float row). Each row is instantiated twice: for double (sin) and float
 * (sinf). Conventions at kinks follow the frameworks users know: the
 * derivative of fabs at 0 is 0; fmin/fmax at a tie give half to each side.
 */
/*   y = sin(u):   dy/du = cos(u)  */
RULE(sin, 1, "@cos($1)", NULL)
/*   y = cos(u):   dy/du = -sin(u) */
RULE(cos, 1, "-@sin($1)", NULL)
/*   y = tan(u):   dy/du = 1 / cos(u)^2 */
RULE(tan, 1, "#1.0 / (@cos($1) * @cos($1))", NULL)
/*   y = asin(u):  dy/du = 1 / sqrt(1 - u^2) */
RULE(asin, 1, "#1.0 / @sqrt(#1.0 - $1 * $1)", NULL)
/*   y = acos(u):  dy/du = -1 / sqrt(1 - u^2) */
RULE(acos, 1, "-#1.0 / @sqrt(#1.0 - $1 * $1)", NULL)
/*   y = atan(u):  dy/du = 1 / (1 + u^2) */
RULE(atan, 1, "#1.0 / (#1.0 + $1 * $1)", NULL)
/*   y = atan2(u, v): dy/du = v / (u^2 + v^2), dy/dv = -u / (u^2 + v^2) */
RULE(atan2, 2, "$2 / ($1 * $1 + $2 * $2)", "-$1 / ($1 * $1 + $2 * $2)")
/*   y = sinh(u):  dy/du = cosh(u) */
RULE(sinh, 1, "@cosh($1)", NULL)
/*   y = cosh(u):  dy/du = sinh(u) */
RULE(cosh, 1, "@sinh($1)", NULL)
/*   y = tanh(u):  dy/du = 1 - tanh(u)^2 */
RULE(tanh, 1, "#1.0 - @tanh($1) * @tanh($1)", NULL)
/*   y = asinh(u): dy/du = 1 / sqrt(u^2 + 1) */
RULE(asinh, 1, "#1.0 / @sqrt($1 * $1 + #1.0)", NULL)
/*   y = acosh(u): dy/du = 1 / sqrt(u^2 - 1) */
RULE(acosh, 1, "#1.0 / @sqrt($1 * $1 - #1.0)", NULL)
/*   y = atanh(u): dy/du = 1 / (1 - u^2) */
RULE(atanh, 1, "#1.0 / (#1.0 - $1 * $1)", NULL)
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
/*   y = fmin(u, v): the smaller argument gets the derivative; a tie splits it */
RULE(fmin, 2, "($1 < $2 ? #1.0 : $1 == $2 ? #0.5 : #0.0)", "($2 < $1 ? #1.0 : $1 == $2 ? #0.5 : #0.0)")
/*   y = fmax(u, v): the larger argument gets the derivative; a tie splits it */
RULE(fmax, 2, "($1 > $2 ? #1.0 : $1 == $2 ? #0.5 : #0.0)", "($2 > $1 ? #1.0 : $1 == $2 ? #0.5 : #0.0)")
/*   y = erf(u):   dy/du = 2/sqrt(pi) exp(-u^2) */
RULE(erf, 1, "#1.12837916709551257390 * @exp(-($1 * $1))", NULL)
/*   y = erfc(u):  dy/du = -2/sqrt(pi) exp(-u^2) */
RULE(erfc, 1, "-#1.12837916709551257390 * @exp(-($1 * $1))", NULL)
/*   y = fmod(u, v): dy/du = 1, dy/dv = -trunc(u / v) */
RULE(fmod, 2, "#1.0", "-@trunc($1 / $2)")
/*   piecewise constant: derivative 0 almost everywhere */
RULE(floor, 1, "#0.0", NULL)
RULE(ceil, 1, "#0.0", NULL)
RULE(trunc, 1, "#0.0", NULL)
RULE(round, 1, "#0.0", NULL)
RULE(rint, 1, "#0.0", NULL)
RULE(nearbyint, 1, "#0.0", NULL)
