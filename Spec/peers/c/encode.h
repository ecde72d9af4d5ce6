/* encode.h - canonical encoding of notation values with msgpack-c's packer. */
#ifndef PW_ENCODE_H
#define PW_ENCODE_H

#include <msgpack.h>
#include "value.h"

/* Encode body (and global data, a V_MAP with str keys, may be NULL or empty)
 * canonically into out. Returns 0, or -1 with the error code in *code
 * (cannotSerialize, cycleDetected) and a message in err. */
int pw_encode(const Value *body, const Value *global, msgpack_sbuffer *out, const char **code, char *err,
              size_t errlen);

#endif
