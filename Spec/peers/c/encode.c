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
#include "wellknown.h"

#define NO_WIRE_ID UINT64_MAX
#define PW_MAX_WK_COPIES (1u << 20)

/* Object ids in the notation count the objects as the notation lists them (the parser checks
 * that they run 0, 1, 2, ... and that refs name earlier ids). On the wire they can differ:
 * a well-known value is written in full wherever it occurs, also for a ref to it
 * (well-known-types.md 3 rule 3), and a set's elements are written in canonical order (8.1).
 * So the encoder keeps both: `all` and `busy` by notation id, the wire id of each identity
 * object once written. */
typedef struct {
    const Value **types; /* V_PORT nodes whose name is at that table index */
    size_t ntypes, captypes;
    uint64_t nwire;      /* objects written so far: the next wire id */
    const Value **all;   /* notation id -> its V_PORT node (shared with standalone encodings) */
    uint64_t *wire;      /* notation id -> wire id, NO_WIRE_ID until written */
    unsigned char *busy; /* notation id -> 1 while its data is being written */
    size_t nall;
    uint64_t *copies;    /* refs written out as well-known values (shared with standalone encodings) */
    const char *code;
    char *err;
    size_t errlen;
} ECtx;

/* Collects every V_PORT node by its notation id. */
static void collect(const Value *v, const Value **all, size_t nall)
{
    switch (v->t) {
    case V_PORT:
        if (v->u < nall)
            all[v->u] = v;
        collect(v->data, all, nall);
        return;
    case V_ARR:
    case V_MAP: {
        size_t m = v->t == V_MAP ? 2 * v->n : v->n;
        for (size_t i = 0; i < m; i++)
            collect(v->items[i], all, nall);
        return;
    }
    default:
        return;
    }
}

static size_t count_objects(const Value *v)
{
    switch (v->t) {
    case V_PORT: return 1 + count_objects(v->data);
    case V_ARR:
    case V_MAP: {
        size_t m = v->t == V_MAP ? 2 * v->n : v->n, k = 0;
        for (size_t i = 0; i < m; i++)
            k += count_objects(v->items[i]);
        return k;
    }
    default: return 0;
    }
}

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
static int enc_set(ECtx *e, const Value *data, msgpack_packer *pk);

static int enc_payload_ext(msgpack_packer *pk, msgpack_sbuffer *sb, int8_t type)
{
    if (msgpack_pack_ext(pk, sb->size, type) || msgpack_pack_ext_body(pk, sb->data, sb->size))
        return -1;
    return 0;
}

/* An R to an identity object already written (notation id nid). */
static int enc_ref(ECtx *e, uint64_t nid, msgpack_packer *pk)
{
    if (e->wire[nid] == NO_WIRE_ID)
        return efail(e, "cannotSerialize", "ref %" PRIu64 " names an object not yet written", nid);
    /* portable-objects.md 8.1: an object met again while its data is written is a cycle, allowed
     * only through a two-phase object */
    if (e->busy[nid] && !e->all[nid]->two_phase)
        return efail(e, "cycleDetected", "cycle: ref %" PRIu64 " names object %" PRIu64 ", an ordinary object still being written",
                     nid, nid);
    msgpack_sbuffer sb;
    msgpack_packer p2;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&p2, &sb, msgpack_sbuffer_write);
    int rc = msgpack_pack_uint64(&p2, e->wire[nid]) || enc_payload_ext(pk, &sb, PW_EXT_R) ? -1 : 0;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

typedef struct {
    char *data;
    size_t size, index;
} Standalone;

/* unsigned bytes, a proper prefix first (well-known-types.md 8.1) */
static int cmp_standalone(const void *x, const void *y)
{
    const Standalone *a = x, *b = y;
    size_t n = a->size < b->size ? a->size : b->size;
    int r = n ? memcmp(a->data, b->data, n) : 0;
    if (r)
        return r;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The data of a pw.set: its elements sorted by their standalone encodings, each element encoded
 * as a message of its own (fresh type-name table and object ids), unless an identity object is
 * inside, in which case there is no canonical order and they keep the notation's order. */
static int enc_set(ECtx *e, const Value *data, msgpack_packer *pk)
{
    uint64_t steps = 0;
    WkObjects wo = {e->all, e->nall, &steps};
    int deep = 0;
    if (data->t != V_ARR || wk_has_identity(data, &wo, 0, &deep)) {
        if (deep) {
            if (steps <= WK_MAX_STEPS) /* gave up on the depth: a ref names a well-known value it is inside */
                return efail(e, "cycleDetected", "cycle: a pw.set's elements hold a well-known value inside itself");
            return efail(e, "cannotSerialize", "a pw.set's elements expand too far through references to "
                         "well-known values");
        }
        return enc(e, data, pk);
    }
    Standalone *el = xmalloc((data->n + 1) * sizeof *el);
    size_t done = 0;
    int rc = 0;
    for (; done < data->n && !rc; done++) {
        /* a fresh message: own type table and wire ids; refs inside name only well-known values,
         * written in full, and `busy` is shared, so a cycle through the set is still seen */
        ECtx s = *e;
        s.types = NULL;
        s.ntypes = s.captypes = 0;
        s.nwire = 0;
        msgpack_sbuffer sb;
        msgpack_packer p2;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&p2, &sb, msgpack_sbuffer_write);
        rc = enc(&s, data->items[done], &p2);
        free(s.types);
        e->code = s.code;
        el[done].data = sb.data;
        el[done].size = sb.size;
        el[done].index = done;
    }
    if (!rc) {
        qsort(el, data->n, sizeof *el, cmp_standalone);
        rc = msgpack_pack_array(pk, data->n) ? -1 : 0;
        for (size_t i = 0; i < data->n && !rc; i++)
            rc = enc(e, data->items[el[i].index], pk);
    }
    for (size_t i = 0; i < done; i++)
        free(el[i].data);
    free(el);
    return rc;
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
        const Value *target = v->u < e->nall ? e->all[v->u] : NULL;
        if (!target)
            return efail(e, "cannotSerialize", "ref %" PRIu64 " names no object", v->u);
        /* well-known-types.md 3 rule 3: a well-known value is written in full every time */
        if (wk_kind(target->p, target->len) != WK_NONE) {
            /* a notation that refers to refs of refs would expand without bound when written
             * out in full: refuse it before the copies cost more than a maximal message */
            if (++*e->copies > PW_MAX_WK_COPIES)
                return efail(e, "cannotSerialize",
                             "the notation refers to well-known values more than %u times; each is written in full",
                             PW_MAX_WK_COPIES);
            return enc(e, target, pk);
        }
        return enc_ref(e, v->u, pk);
    }
    case V_PORT: {
        WkKind wk = wk_kind(v->p, v->len);
        uint64_t nid = v->u;
        if (nid >= e->nall)
            return efail(e, "cannotSerialize", "portable id %" PRIu64 " is not in the notation's object list", nid);
        if (e->busy[nid])
            return efail(e, "cycleDetected", "cycle: the well-known value %" PRIu64 " (\"%.*s\") contains itself",
                         nid, (int)v->len, (const char *)v->p);
        if (wk == WK_NONE && e->wire[nid] != NO_WIRE_ID)
            return enc_ref(e, nid, pk); /* met again inside a well-known value written twice */
        if (wk != WK_NONE) {
            /* well-known-types.md 3 rule 8: a value with no well-known form is not sent */
            char why[256];
            uint64_t steps = 0;
            WkObjects wo = {e->all, e->nall, &steps};
            if (wk_check(wk, v->data, &wo, why, sizeof why))
                return efail(e, "cannotSerialize", "object %" PRIu64 " has no well-known form: %s", nid, why);
        }
        uint64_t id = e->nwire++;
        if (wk == WK_NONE)
            e->wire[nid] = id;
        e->busy[nid] = 1;
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
            rc = wk == WK_SET ? enc_set(e, v->data, &p2) : enc(e, v->data, &p2);
        e->busy[nid] = 0;
        /* a well-known value is always a P, never a Q (well-known-types.md 3 rule 3) */
        if (!rc)
            rc = enc_payload_ext(pk, &sb, wk == WK_NONE && v->two_phase ? PW_EXT_Q : PW_EXT_P);
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
    uint64_t copies = 0;
    e.copies = &copies;
    e.nall = count_objects(body) + (global ? count_objects(global) : 0);
    e.all = calloc(e.nall + 1, sizeof *e.all);
    e.wire = xmalloc((e.nall + 1) * sizeof *e.wire);
    e.busy = calloc(e.nall + 1, 1);
    if (!e.all || !e.busy) {
        fprintf(stderr, "pwcheck: out of memory\n");
        abort();
    }
    for (size_t i = 0; i < e.nall; i++)
        e.wire[i] = NO_WIRE_ID;
    if (global)
        collect(global, e.all, e.nall);
    collect(body, e.all, e.nall);
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
    free(e.all);
    free(e.wire);
    free(e.busy);
    if (rc && !err[0]) {
        e.code = "internalError";
        snprintf(err, errlen, "msgpack-c packer failed");
    }
    *code = e.code;
    return rc;
}
