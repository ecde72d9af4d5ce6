/* json.h - compact strict JSON (RFC 8259) parser for the vector files. */
#ifndef PW_JSON_H
#define PW_JSON_H

#include <stddef.h>
#include "util.h"

typedef enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ } JType;

typedef struct JNode JNode;
struct JNode {
    JType t;
    size_t line; /* 1-based line of the value's first character */
    /* J_STR: decoded UTF-8 bytes (may contain NUL); J_NUM: the number's text */
    const char *s;
    size_t slen;
    int lone_surrogate; /* J_STR: an escape named a lone surrogate (kept as 3 bytes ED xx xx) */
    /* J_ARR: items; J_OBJ: keys[i] (klen[i]) -> items[i], in document order */
    JNode **items;
    const char **keys;
    size_t *klen;
    size_t n;
};

/* Returns NULL on error with a message (including line) in err. Duplicate
 * object keys, lone surrogate escapes in keys and invalid UTF-8 are errors; a
 * string value with a lone surrogate escape is kept with lone_surrogate set. */
JNode *json_parse(Arena *a, const char *text, size_t len, char *err, size_t errlen);

/* Member lookup (NULL if absent or obj is not an object). */
const JNode *json_get(const JNode *obj, const char *key);

/* Integer value of a J_NUM without fraction/exponent that fits long long. */
int json_int(const JNode *n, long long *out);

/* NUL-terminated copy of a J_STR is guaranteed (s[slen] == 0). */
int json_streq(const JNode *n, const char *lit);

#endif
