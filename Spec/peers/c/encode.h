/* encode.h - canonical encoding of notation values with msgpack-c's packer. */
#ifndef PW_ENCODE_H
#define PW_ENCODE_H

#include <msgpack.h>
#include "value.h"

/* Encode body (and global data, a V_MAP with str keys, may be NULL or empty)
 * into out. Returns 0, or -1 with a message in err (notation not encodable,
 * e.g. ids not in wire order). */
int pw_encode(const Value *body, const Value *global, msgpack_sbuffer *out, char *err, size_t errlen);

#endif
