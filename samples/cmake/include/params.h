/* params.h: the constants of the model. Change one, rebuild, and gradc
 * regenerates model_grad.c (model.c includes this file). */
#ifndef PARAMS_H
#define PARAMS_H

#define STIFFNESS 1.0     /* spring constant k */
#define REST_LENGTH 1.0   /* length of a spring at rest */
#define SAG 0.5           /* vertical offset between neighbouring masses */

#ifndef SPRINGS_N         /* masses; the build passes -DSPRINGS_N=... */
#define SPRINGS_N 4
#endif

#endif
