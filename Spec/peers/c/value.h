/* value.h - the PortableWire value model and its JSON notation (Spec/format.md sections 3 and 12). */
#ifndef PW_VALUE_H
#define PW_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "util.h"

typedef enum {
    V_NIL, V_BOOL, V_INT, V_F32, V_F64, V_STR, V_BIN, V_ARR, V_MAP,
    V_EXT, V_TS, V_PORT, V_REF
} VType;

typedef struct Value Value;
struct Value {
    VType t;
    int b;               /* V_BOOL */
    int neg;             /* V_INT: 1 -> value is s (< 0), 0 -> value is u */
    uint64_t u;          /* V_INT (>= 0), V_F64 bits, V_REF id, V_PORT id */
    int64_t s;           /* V_INT (< 0), V_TS seconds */
    uint32_t f32;        /* V_F32 bits; V_TS nanoseconds */
    int8_t ext_type;     /* V_EXT */
    int two_phase;       /* V_PORT */
    const uint8_t *p;    /* V_STR/V_BIN/V_EXT bytes, V_PORT type name */
    size_t len;
    Value **items;       /* V_ARR: n items; V_MAP: 2n items (k0,v0,k1,v1,..) */
    size_t n;
    Value *data;         /* V_PORT */
};

/* The notation of an encode request (format.md 12.2, conformance.md 4): the global data
 * ([["key", value], ...], may be NULL) first, then the body, with object ids counted
 * through both in wire order. Returns the body, with the global data as a V_MAP in
 * *global_out; NULL with a message in err when the notation breaks a rule. */
Value *notation_parse(Arena *a, const JNode *value, const JNode *global, Value **global_out, char *err,
                      size_t errlen);

/* Value -> notation JSON text, cut after max bytes (0 = no limit). */
void notation_print(Buf *out, const Value *v, size_t max);

#endif
