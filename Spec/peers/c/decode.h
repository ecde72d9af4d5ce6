/* decode.h - decode one PortableWire message with msgpack-c and walk the
 * portable extension payloads (Spec/format.md sections 6-7, Spec/portable-objects.md). */
#ifndef PW_DECODE_H
#define PW_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"
#include "value.h"

/* Default limits (Spec/format.md section 7). */
#define PW_MAX_DEPTH 512
#define PW_MAX_MESSAGE_BYTES 67108864u
#define PW_MAX_PAYLOAD_BYTES 67108864u
#define PW_MAX_COUNT 16777216u
#define PW_MAX_OBJECTS 1048576u
#define PW_MAX_REFS 1048576u
#define PW_MAX_TYPES 65536u
#define PW_MAX_GLOBALS 65536u
#define PW_MAX_EXPANSION 67108864u

/* Portable ext types (defaults). */
#define PW_EXT_P 80
#define PW_EXT_Q 81
#define PW_EXT_R 82
#define PW_EXT_G 71

/* The limits of format.md 7 by their Spec names; pw_default_limits fills in the defaults. */
typedef struct {
    uint64_t maxDepth, maxMessageByteCount, maxPayloadByteCount, maxElementCount;
    uint64_t maxObjectCount, maxReferenceCount, maxTypeNameCount, maxGlobalDataCount;
    /* portable-objects.md 7.4: charged only by an R naming a well-known object, which decodes as
     * that value (well-known-types.md 3 rule 3) and is walked as one (set elements are compared
     * by value); other objects are identities and charge nothing. */
    uint64_t maxExpansion;
} PwLimits;

void pw_default_limits(PwLimits *l);

typedef struct {
    PwLimits limits;
    const char **registered; /* NUL-free names, lengths in reglen */
    const size_t *reglen;
    size_t nreg;
    const char **two_phase;
    const size_t *twolen;
    size_t ntwo;
    int passthrough;
} DecodeOptions;

/* Category used when msgpack-c's unpacker refuses nesting deeper than
 * MSGPACK_EMBED_STACK_SIZE (not a PortableWire error code). */
#define PW_ERR_MSGPACK_STACK "msgpackCStackLimit"

typedef struct {
    Value *value;   /* the body */
    Value *global;  /* V_MAP of global data (str keys), n == 0 if none */
    const char *error; /* NULL on success, else the error code */
    char message[512];
} DecodeResult;

/* Returns 0 on success, -1 on a decode error (res->error set). */
int pw_decode(Arena *a, const uint8_t *buf, size_t len, const DecodeOptions *opt, DecodeResult *res);

#endif
