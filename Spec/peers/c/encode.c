/* encode.c - canonical encoder on top of msgpack-c's msgpack_pack_* API.
 * Portable extension payloads are packed into a separate msgpack_sbuffer first
 * and then written with msgpack_pack_ext + msgpack_pack_ext_body, which picks
 * fixext1/2/4/8/16 or ext8/16/32 exactly as the canonical rule demands. */
#include "encode.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

typedef struct {
    const Value **types; /* V_PORT nodes whose name is at that table index */
    size_t ntypes, captypes;
    uint64_t nobjs;
    const Value **objs;  /* object id -> its V_PORT node */
    unsigned char *busy; /* object id -> 1 while its data is being written */
    size_t capobjs;
    const char *code;
    char *err;
    size_t errlen;
} ECtx;

static int efail(ECtx *e, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int efail(ECtx *e, const char *code, const char *fmt, ...)
{
    if (!e->err[0]) {
        e->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, e->errlen, fmt, ap);
        va_end(ap);
    }
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
    case V_EXT:
        /* format.md 8: a generic ext of a portable type would read back as a portable value */
        if (v->ext_type == PW_EXT_P || v->ext_type == PW_EXT_Q || v->ext_type == PW_EXT_R || v->ext_type == PW_EXT_G)
            return efail(e, "cannotSerialize",
                         "a generic ext of type %d would read back as a portable value (format.md 8)", v->ext_type);
        return msgpack_pack_ext(pk, v->len, v->ext_type) || msgpack_pack_ext_body(pk, v->p, v->len);
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
            return efail(e, "cannotSerialize", "ref %" PRIu64 " names an object not yet written (%" PRIu64 " objects so far)",
                         v->u, e->nobjs);
        /* portable-objects.md 8.1: an object met again while its data is written is a cycle, allowed
         * only through a two-phase object */
        if (e->busy[v->u] && !e->objs[v->u]->two_phase)
            return efail(e, "cycleDetected", "cycle: ref %" PRIu64 " names object %" PRIu64 ", an ordinary object still being written",
                         v->u, v->u);
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
            return efail(e, "cannotSerialize", "portable id %" PRIu64 " but wire order gives id %" PRIu64, v->u, e->nobjs);
        if (e->nobjs == e->capobjs) {
            e->capobjs = e->capobjs ? 2 * e->capobjs : 16;
            e->objs = xrealloc(e->objs, e->capobjs * sizeof *e->objs);
            e->busy = xrealloc(e->busy, e->capobjs);
        }
        uint64_t id = e->nobjs++;
        e->objs[id] = v;
        e->busy[id] = 1;
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
        e->busy[id] = 0;
        if (!rc)
            rc = enc_payload_ext(pk, &sb, v->two_phase ? PW_EXT_Q : PW_EXT_P);
        msgpack_sbuffer_destroy(&sb);
        return rc ? -1 : 0;
    }
    }
    return -1;
}

int pw_encode(const Value *body, const Value *global, msgpack_sbuffer *out, const char **code, char *err,
              size_t errlen)
{
    ECtx e;
    memset(&e, 0, sizeof e);
    e.code = "cannotSerialize";
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
    free(e.objs);
    free(e.busy);
    if (rc && !err[0]) {
        e.code = "internalError";
        snprintf(err, errlen, "msgpack-c packer failed");
    }
    *code = e.code;
    return rc;
}
