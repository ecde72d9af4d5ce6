/* encode.c - canonical encoder on top of msgpack-c's msgpack_pack_* API.
 * Portable extension payloads are packed into a separate msgpack_sbuffer first
 * and then written with msgpack_pack_ext + msgpack_pack_ext_body, which picks
 * fixext1/2/4/8/16 or ext8/16/32 exactly as the canonical rule demands. */
#include "encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

typedef struct {
    const Value **types; /* V_PORT nodes whose name is at that table index */
    size_t ntypes, captypes;
    uint64_t nobjs;
    char *err;
    size_t errlen;
} ECtx;

static int efail(ECtx *e, const char *msg, uint64_t a, uint64_t b)
{
    if (!e->err[0])
        snprintf(e->err, e->errlen, msg, a, b);
    return -1;
}

static int enc(ECtx *e, const Value *v, msgpack_packer *pk);

static int enc_payload_ext(msgpack_packer *pk, msgpack_sbuffer *sb, int8_t type)
{
    if (msgpack_pack_ext(pk, sb->size, type) || msgpack_pack_ext_body(pk, sb->data, sb->size))
        return -1;
    return 0;
}

static int enc(ECtx *e, const Value *v, msgpack_packer *pk)
{
    switch (v->t) {
    case V_NIL: return msgpack_pack_nil(pk);
    case V_BOOL: return v->b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case V_INT: return v->neg ? msgpack_pack_int64(pk, v->s) : msgpack_pack_uint64(pk, v->u);
    case V_F32: {
        float f;
        memcpy(&f, &v->f32, 4);
        return msgpack_pack_float(pk, f);
    }
    case V_F64: {
        double d;
        memcpy(&d, &v->u, 8);
        return msgpack_pack_double(pk, d);
    }
    case V_STR: return msgpack_pack_str(pk, v->len) || msgpack_pack_str_body(pk, v->p, v->len);
    case V_BIN: return msgpack_pack_bin(pk, v->len) || msgpack_pack_bin_body(pk, v->p, v->len);
    case V_EXT: return msgpack_pack_ext(pk, v->len, v->ext_type) || msgpack_pack_ext_body(pk, v->p, v->len);
    case V_TS: {
        msgpack_timestamp ts;
        ts.tv_sec = v->s;
        ts.tv_nsec = v->f32;
        return msgpack_pack_timestamp(pk, &ts);
    }
    case V_ARR:
        if (msgpack_pack_array(pk, v->n))
            return -1;
        for (size_t i = 0; i < v->n; i++)
            if (enc(e, v->items[i], pk))
                return -1;
        return 0;
    case V_MAP:
        if (msgpack_pack_map(pk, v->n))
            return -1;
        for (size_t i = 0; i < 2 * v->n; i++)
            if (enc(e, v->items[i], pk))
                return -1;
        return 0;
    case V_REF: {
        if (v->u >= e->nobjs)
            return efail(e, "ref %" PRIu64 " names an object not yet written (%" PRIu64 " objects so far)", v->u,
                         e->nobjs);
        msgpack_sbuffer sb;
        msgpack_packer p2;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&p2, &sb, msgpack_sbuffer_write);
        int rc = msgpack_pack_uint64(&p2, v->u) || enc_payload_ext(pk, &sb, PW_EXT_R) ? -1 : 0;
        msgpack_sbuffer_destroy(&sb);
        return rc;
    }
    case V_PORT: {
        if (v->u != e->nobjs)
            return efail(e, "portable id %" PRIu64 " but wire order gives id %" PRIu64, v->u, e->nobjs);
        e->nobjs++;
        msgpack_sbuffer sb;
        msgpack_packer p2;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&p2, &sb, msgpack_sbuffer_write);
        size_t ti;
        for (ti = 0; ti < e->ntypes; ti++)
            if (e->types[ti]->len == v->len && memcmp(e->types[ti]->p, v->p, v->len) == 0)
                break;
        int rc;
        if (ti < e->ntypes) {
            rc = msgpack_pack_uint64(&p2, ti);
        } else {
            if (e->ntypes == e->captypes) {
                e->captypes = e->captypes ? 2 * e->captypes : 16;
                e->types = xrealloc(e->types, e->captypes * sizeof *e->types);
            }
            e->types[e->ntypes++] = v;
            rc = msgpack_pack_str(&p2, v->len) || msgpack_pack_str_body(&p2, v->p, v->len);
        }
        if (!rc)
            rc = enc(e, v->data, &p2);
        if (!rc)
            rc = enc_payload_ext(pk, &sb, v->two_phase ? PW_EXT_Q : PW_EXT_P);
        msgpack_sbuffer_destroy(&sb);
        return rc ? -1 : 0;
    }
    }
    return -1;
}

int pw_encode(const Value *body, const Value *global, msgpack_sbuffer *out, char *err, size_t errlen)
{
    ECtx e;
    memset(&e, 0, sizeof e);
    e.err = err;
    e.errlen = errlen;
    err[0] = 0;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    int rc;
    if (global && global->n > 0) {
        msgpack_sbuffer sb;
        msgpack_packer p2;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&p2, &sb, msgpack_sbuffer_write);
        rc = enc(&e, global, &p2) || enc(&e, body, &p2) || enc_payload_ext(&pk, &sb, PW_EXT_G) ? -1 : 0;
        msgpack_sbuffer_destroy(&sb);
    } else {
        rc = enc(&e, body, &pk);
    }
    free(e.types);
    if (rc && !err[0])
        snprintf(err, errlen, "msgpack-c packer failed");
    return rc;
}
