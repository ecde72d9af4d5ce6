/* decode.c - msgpack-c based decoder + portable-object walk (see decode.h).
 *
 * Decoding of every MessagePack value is done by msgpack-c's
 * msgpack_unpack_next().  msgpack-c has no configurable limits, does not
 * validate UTF-8 and (in C) allocates container storage from the declared
 * count before the elements arrive, so before each msgpack_unpack_next() call
 * a header-only pre-scan of the same bytes enforces the limits of Spec/format.md 7
 * (depth, counts, payload sizes) and rejects container counts that exceed the
 * remaining bytes (`truncated`).  Everything else - format bytes, truncation,
 * the actual values - comes from msgpack-c; UTF-8, timestamps and the
 * portable layer are checked on the msgpack_object tree it returns. */
#include "decode.h"

#include <inttypes.h>
#include <msgpack.h>
#include <msgpack/unpack_define.h> /* MSGPACK_EMBED_STACK_SIZE */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wellknown.h"

typedef struct {
    const uint8_t *name;
    size_t len;
} TypeEnt;

typedef struct {
    unsigned char in_progress, is_q, well_known;
    size_t type_index;
    uint64_t expanded; /* well-known objects: expanded size (portable-objects.md 7.4) */
} ObjEnt;

typedef struct {
    Arena *a;
    const DecodeOptions *opt;
    TypeEnt *types;
    size_t ntypes, captypes;
    ObjEnt *objs;
    const Value **vals; /* object id -> its decoded node, NULL while its data is decoded */
    size_t nobjs, capobjs;
    size_t nrefs;
    uint64_t expansion; /* sum of the charges so far */
    const char *err;
    char msg[512];
    Value *global;
} DCtx;

static int fail(DCtx *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(DCtx *c, const char *code, const char *fmt, ...)
{
    if (!c->err) {
        c->err = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, sizeof c->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Header-only pre-scan of exactly one value at b[*pos].
 * Returns 0: the value is structurally complete (*pos = its end);
 *         1 / 2: ends early / meets 0xc1 - left to msgpack-c to report;
 *        -1: limitExceeded / truncated container count (c->err set).
 * *maxrel receives the deepest relative container nesting seen. */

#define PS_OK 0
#define PS_DEFER 1    /* input ends early */
#define PS_DEFER_C1 2 /* meets 0xc1 */

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void pw_default_limits(PwLimits *l)
{
    l->maxDepth = PW_MAX_DEPTH;
    l->maxMessageByteCount = PW_MAX_MESSAGE_BYTES;
    l->maxPayloadByteCount = PW_MAX_PAYLOAD_BYTES;
    l->maxElementCount = PW_MAX_COUNT;
    l->maxObjectCount = PW_MAX_OBJECTS;
    l->maxReferenceCount = PW_MAX_REFS;
    l->maxTypeNameCount = PW_MAX_TYPES;
    l->maxGlobalDataCount = PW_MAX_GLOBALS;
    l->maxExpansion = PW_MAX_EXPANSION;
}

static int prescan_stack(DCtx *c, const uint8_t *b, size_t len, size_t *pos, int base, int *maxrel,
                         uint64_t *stack);

static int prescan(DCtx *c, const uint8_t *b, size_t len, size_t *pos, int base, int *maxrel)
{
    /* open containers can never outnumber the bytes, nor go past maxDepth */
    uint64_t cap = c->opt->limits.maxDepth < len ? c->opt->limits.maxDepth : len;
    uint64_t *stack = xmalloc((size_t)(cap + 2) * sizeof *stack);
    int rc = prescan_stack(c, b, len, pos, base, maxrel, stack);
    free(stack);
    return rc;
}

static int prescan_stack(DCtx *c, const uint8_t *b, size_t len, size_t *pos, int base, int *maxrel,
                         uint64_t *stack)
{
    const PwLimits *L = &c->opt->limits;
    int top = 0;
    size_t p = *pos;
    *maxrel = 0;
    for (;;) {
        if (p >= len)
            return PS_DEFER;
        uint8_t h = b[p];
        size_t hdr = 1;      /* header bytes */
        uint64_t plen = 0;   /* payload bytes (str/bin/ext/fixed) */
        int is_payload = 0;  /* str/bin/ext: plen is subject to limits */
        int container = 0;   /* 1 array, 2 map */
        uint64_t count = 0;
        if (h <= 0x7f || h >= 0xe0 || h == 0xc0 || h == 0xc2 || h == 0xc3) {
            /* single byte */
        } else if (h >= 0x80 && h <= 0x8f) {
            container = 2; count = h & 0x0f;
        } else if (h >= 0x90 && h <= 0x9f) {
            container = 1; count = h & 0x0f;
        } else if (h >= 0xa0 && h <= 0xbf) {
            is_payload = 1; plen = h & 0x1f;
        } else {
            int lenbytes = 0;
            switch (h) {
            case 0xc1: return PS_DEFER_C1;
            case 0xc4: case 0xd9: lenbytes = 1; is_payload = 1; break;
            case 0xc5: case 0xda: lenbytes = 2; is_payload = 1; break;
            case 0xc6: case 0xdb: lenbytes = 4; is_payload = 1; break;
            case 0xc7: lenbytes = 1; is_payload = 1; break;
            case 0xc8: lenbytes = 2; is_payload = 1; break;
            case 0xc9: lenbytes = 4; is_payload = 1; break;
            case 0xca: plen = 4; break;
            case 0xcb: plen = 8; break;
            case 0xcc: case 0xd0: plen = 1; break;
            case 0xcd: case 0xd1: plen = 2; break;
            case 0xce: case 0xd2: plen = 4; break;
            case 0xcf: case 0xd3: plen = 8; break;
            /* fixext payloads count against maxPayloadByteCount like any ext payload */
            case 0xd4: hdr = 2; plen = 1; is_payload = 1; break;
            case 0xd5: hdr = 2; plen = 2; is_payload = 1; break;
            case 0xd6: hdr = 2; plen = 4; is_payload = 1; break;
            case 0xd7: hdr = 2; plen = 8; is_payload = 1; break;
            case 0xd8: hdr = 2; plen = 16; is_payload = 1; break;
            case 0xdc: lenbytes = 2; container = 1; break;
            case 0xdd: lenbytes = 4; container = 1; break;
            case 0xde: lenbytes = 2; container = 2; break;
            case 0xdf: lenbytes = 4; container = 2; break;
            default: return PS_DEFER; /* unreachable */
            }
            if (lenbytes) {
                if (len - p < 1 + (size_t)lenbytes)
                    return PS_DEFER;
                uint64_t n = be(b + p + 1, lenbytes);
                hdr = 1 + (size_t)lenbytes;
                if (h >= 0xc7 && h <= 0xc9)
                    hdr++; /* ext type byte */
                if (container) count = n;
                else plen = n;
            }
        }
        if (len - p < hdr)
            return PS_DEFER;
        if (container) {
            /* order of format.md 6.4: truncated (the count cannot fit in the remaining
             * bytes), then the count limit, then the depth */
            uint64_t need = count * (uint64_t)container;
            if (need > len - p - hdr)
                return fail(c, "truncated",
                            "%s at offset %zu declares %" PRIu64 " %s but only %zu bytes remain",
                            container == 1 ? "array" : "map", p, count,
                            container == 1 ? "elements" : "entries", len - p - hdr);
            if (count > L->maxElementCount)
                return fail(c, "limitExceeded", "%s count %" PRIu64 " exceeds maxElementCount %" PRIu64 " at offset %zu",
                            container == 1 ? "array" : "map", count, L->maxElementCount, p);
            int depth = base + top + 1;
            if ((uint64_t)depth > L->maxDepth)
                return fail(c, "limitExceeded", "nesting depth %d exceeds maxDepth %" PRIu64 " at offset %zu",
                            depth, L->maxDepth, p);
            p += hdr;
            if (count > 0) {
                stack[top++] = count * (uint64_t)container;
                if (top > *maxrel)
                    *maxrel = top;
                continue;
            }
            if (top + 1 > *maxrel)
                *maxrel = top + 1;
        } else {
            if (plen > len - p - hdr) {
                /* Reported here, not left to msgpack-c: for ext32 it adds the type byte to the
                 * uint32 length, which wraps to 0 for 0xffffffff and makes it answer
                 * PARSE_ERROR instead of "needs more bytes". Truncation comes before any limit. */
                if (is_payload)
                    return fail(c, "truncated", "payload of %" PRIu64 " bytes at offset %zu, but %zu bytes remain", plen,
                                p, len - p - hdr);
                return PS_DEFER;
            }
            if (is_payload && plen > L->maxPayloadByteCount)
                return fail(c, "limitExceeded", "payload length %" PRIu64 " exceeds maxPayloadByteCount %" PRIu64 " at offset %zu",
                            plen, L->maxPayloadByteCount, p);
            if ((h >= 0xc7 && h <= 0xc9) || (h >= 0xd4 && h <= 0xd8)) {
                /* a portable object or envelope is a container for maxDepth */
                int8_t et = (int8_t)b[p + hdr - 1];
                int depth = base + top + 1;
                if (et == PW_EXT_G && (base > 0 || top > 0))
                    return fail(c, "malformedPortable", "global-data envelope (G) below the message top level at offset %zu", p);
                if ((et == PW_EXT_P || et == PW_EXT_Q || et == PW_EXT_G) && (uint64_t)depth > L->maxDepth)
                    return fail(c, "limitExceeded", "nesting depth %d exceeds maxDepth %" PRIu64 " at offset %zu (ext %d)",
                                depth, L->maxDepth, p, et);
            }
            p += hdr + (size_t)plen;
        }
        /* one item complete: pop finished containers */
        for (;;) {
            if (top == 0) {
                *pos = p;
                return PS_OK;
            }
            if (--stack[top - 1] > 0)
                break;
            top--;
        }
    }
}

/* ---------------------------------------------------------------------- */

typedef enum { CTX_MESSAGE, CTX_PAYLOAD } Where;

static int truncated_code_fail(DCtx *c, Where w, const char *what)
{
    if (w == CTX_PAYLOAD)
        return fail(c, "malformedPortable", "%s: payload ends inside a value or lacks a value", what);
    return fail(c, "truncated", "%s: input ends inside a value (msgpack-c: MSGPACK_UNPACK_CONTINUE)", what);
}

/* Unpack one value from b[*off] with msgpack-c. */
static int unpack_one(DCtx *c, const uint8_t *b, size_t len, size_t *off, int base, Where w,
                      const char *what, msgpack_unpacked *u)
{
    size_t p = *off;
    int maxrel = 0;
    int ps = prescan(c, b, len, &p, base, &maxrel);
    if (ps < 0) {
        if (w == CTX_PAYLOAD && c->err && strcmp(c->err, "truncated") == 0) {
            c->err = "malformedPortable";
        }
        return -1;
    }
    size_t start = *off;
    msgpack_unpack_return r = msgpack_unpack_next(u, (const char *)b, len, off);
    switch (r) {
    case MSGPACK_UNPACK_SUCCESS:
        if (ps != PS_OK || *off != p)
            return fail(c, "checkerInternal", "%s: msgpack-c and the pre-scan disagree at offset %zu", what, start);
        return 0;
    case MSGPACK_UNPACK_EXTRA_BYTES:
        return fail(c, "checkerInternal", "unexpected MSGPACK_UNPACK_EXTRA_BYTES");
    case MSGPACK_UNPACK_CONTINUE:
        return truncated_code_fail(c, w, what);
    case MSGPACK_UNPACK_PARSE_ERROR:
        if (ps == PS_DEFER_C1)
            return fail(c, "invalidFormatByte", "%s: msgpack-c parse error (0xc1) in value at offset %zu", what,
                        start);
        return fail(c, "invalidFormatByte",
                    "%s: msgpack-c MSGPACK_UNPACK_PARSE_ERROR for the value at offset %zu, although it contains no "
                    "0xc1 (the input is truncated)", what, start);
    case MSGPACK_UNPACK_NOMEM_ERROR:
        if (maxrel > MSGPACK_EMBED_STACK_SIZE)
            return fail(c, PW_ERR_MSGPACK_STACK,
                        "%s: msgpack-c cannot nest deeper than MSGPACK_EMBED_STACK_SIZE=%d (value nests %d)",
                        what, MSGPACK_EMBED_STACK_SIZE, maxrel);
        return fail(c, "outOfMemory", "%s: msgpack-c MSGPACK_UNPACK_NOMEM_ERROR", what);
    }
    return fail(c, "checkerInternal", "unknown msgpack_unpack_next result %d", (int)r);
}

static Value *newv(DCtx *c, VType t)
{
    Value *v = arena_alloc(c->a, sizeof *v);
    v->t = t;
    return v;
}

static int check_utf8(DCtx *c, const char *p, size_t n)
{
    size_t bad;
    if (!utf8_valid((const uint8_t *)p, n, &bad))
        return fail(c, "invalidUTF8", "str of %zu bytes is not valid UTF-8 (byte %zu)", n, bad);
    return 0;
}

static int is_listed(const char **names, const size_t *lens, size_t n, const uint8_t *s, size_t l)
{
    for (size_t i = 0; i < n; i++)
        if (lens[i] == l && memcmp(names[i], s, l) == 0)
            return 1;
    return 0;
}

static int convert(DCtx *c, const msgpack_object *o, int depth, int top_level, Value **out);

static int is_str_byte(uint8_t b) { return (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb); }
static int is_int_byte(uint8_t b) { return b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3); }

/* The global-data table, checked in the order of portable-objects.md 11.3 before msgpack-c reads
 * it as a whole: the table is a map (judged at its first byte), its entry count against
 * maxElementCount and maxGlobalDataCount, its depth, then entry by entry each key's kind (at its
 * first byte) and repetition before its value. A defect msgpack-c finds (c1, truncation inside a
 * value) is left to it: the walk stops at the value that holds it. */
static int check_table(DCtx *c, const uint8_t *pl, size_t plen, int d)
{
    const PwLimits *L = &c->opt->limits;
    if (plen == 0)
        return fail(c, "malformedPortable", "global-data envelope (G) with an empty payload");
    uint8_t h = pl[0];
    size_t p = 1;
    uint64_t count;
    if (h >= 0x80 && h <= 0x8f) {
        count = h & 0x0f;
    } else if (h == 0xde || h == 0xdf) {
        size_t n = h == 0xde ? 2 : 4;
        if (plen < 1 + n)
            return fail(c, "malformedPortable", "global-data table header runs past the payload");
        count = be(pl + 1, (int)n);
        p += n;
    } else {
        return fail(c, "malformedPortable", "global-data envelope: the table starts with 0x%02x, which begins no map", h);
    }
    if (count > (plen - p) / 2)
        return fail(c, "malformedPortable", "global-data table of %" PRIu64 " entries runs past the payload", count);
    if (count > L->maxElementCount)
        return fail(c, "limitExceeded", "global-data table of %" PRIu64 " entries exceeds maxElementCount", count);
    if (count > L->maxGlobalDataCount)
        return fail(c, "limitExceeded", "global-data table of %" PRIu64 " entries exceeds maxGlobalDataCount %" PRIu64,
                    count, L->maxGlobalDataCount);
    if ((uint64_t)d + 1 > L->maxDepth)
        return fail(c, "limitExceeded", "the global-data table at depth %d exceeds maxDepth %" PRIu64, d + 1, L->maxDepth);
    size_t *keys = xmalloc((size_t)(count + 1) * 2 * sizeof *keys);
    int rc = 0;
    for (uint64_t i = 0; i < count; i++) {
        int maxrel;
        size_t k = p;
        if (p >= plen || !is_str_byte(pl[p])) {
            rc = p >= plen ? 0 : fail(c, "malformedPortable", "global-data key %" PRIu64 " is not a str", i);
            break;
        }
        if (prescan(c, pl, plen, &p, d + 1, &maxrel) != PS_OK) {
            c->err = NULL; /* the regular read reports it, in wire order */
            break;
        }
        size_t hdr = pl[k] <= 0xbf ? 1 : pl[k] == 0xd9 ? 2 : pl[k] == 0xda ? 3 : 5;
        keys[2 * i] = k + hdr;
        keys[2 * i + 1] = p - k - hdr;
        for (uint64_t e = 0; e < i; e++)
            if (keys[2 * e + 1] == keys[2 * i + 1] && memcmp(pl + keys[2 * e], pl + keys[2 * i], keys[2 * i + 1]) == 0) {
                rc = fail(c, "malformedPortable", "global-data key %" PRIu64 " repeats key %" PRIu64, i, e);
                break;
            }
        if (rc)
            break;
        if (prescan(c, pl, plen, &p, d + 1, &maxrel) != PS_OK) {
            c->err = NULL;
            break;
        }
    }
    free(keys);
    return rc;
}

/* P / Q payload: type-ref then data. */
static int convert_portable(DCtx *c, const msgpack_object *o, int depth, Value **out)
{
    int is_q = o->via.ext.type == PW_EXT_Q;
    const char *tag = is_q ? "two-phase portable object (Q)" : "portable object (P)";
    if ((uint64_t)depth + 1 > c->opt->limits.maxDepth)
        return fail(c, "limitExceeded", "nesting depth %d exceeds maxDepth %" PRIu64 " (%s)", depth + 1,
                    c->opt->limits.maxDepth, tag);
    if (c->nobjs >= c->opt->limits.maxObjectCount)
        return fail(c, "limitExceeded", "more than maxObjectCount %" PRIu64 " portable objects", c->opt->limits.maxObjectCount);
    if (c->nobjs == c->capobjs) {
        c->capobjs = c->capobjs ? c->capobjs * 2 : 16;
        c->objs = xrealloc(c->objs, c->capobjs * sizeof *c->objs);
        c->vals = xrealloc(c->vals, c->capobjs * sizeof *c->vals);
    }
    size_t id = c->nobjs++;
    c->vals[id] = NULL;
    c->objs[id].in_progress = 1;
    c->objs[id].is_q = (unsigned char)is_q;
    c->objs[id].type_index = 0;
    c->objs[id].well_known = 0;
    c->objs[id].expanded = 0;
    uint64_t charged_before = c->expansion;

    const uint8_t *pl = (const uint8_t *)o->via.ext.ptr;
    size_t plen = o->via.ext.size, off = 0;
    msgpack_unpacked u1, u2;
    msgpack_unpacked_init(&u1);
    msgpack_unpacked_init(&u2);
    int rc = -1;
    char what[96];
    snprintf(what, sizeof what, "%s id %zu type-ref", tag, id);
    /* portable-objects.md 11.3: the type-ref's kind is judged at its first byte, before it is read */
    if (plen == 0) {
        fail(c, "malformedPortable", "%s id %zu: empty payload", tag, id);
        goto done;
    }
    if (!is_str_byte(pl[0]) && !is_int_byte(pl[0])) {
        fail(c, "malformedPortable", "%s id %zu: type-ref starts with 0x%02x, which begins no str or uint", tag, id, pl[0]);
        goto done;
    }
    if (unpack_one(c, pl, plen, &off, depth + 1, CTX_PAYLOAD, what, &u1))
        goto done;
    const msgpack_object *tr = &u1.data;
    size_t ti;
    if (tr->type == MSGPACK_OBJECT_STR) {
        if (check_utf8(c, tr->via.str.ptr, tr->via.str.size))
            goto done;
        if (tr->via.str.size == 0) {
            fail(c, "malformedPortable", "%s id %zu: a type name is a non-empty str", tag, id);
            goto done;
        }
        for (ti = 0; ti < c->ntypes; ti++)
            if (c->types[ti].len == tr->via.str.size &&
                memcmp(c->types[ti].name, tr->via.str.ptr, tr->via.str.size) == 0)
                break;
        if (ti == c->ntypes) {
            if (c->ntypes >= c->opt->limits.maxTypeNameCount) {
                fail(c, "limitExceeded", "more than maxTypeNameCount %" PRIu64 " type names", c->opt->limits.maxTypeNameCount);
                goto done;
            }
            if (c->ntypes == c->captypes) {
                c->captypes = c->captypes ? c->captypes * 2 : 16;
                c->types = xrealloc(c->types, c->captypes * sizeof *c->types);
            }
            c->types[ti].name = arena_memdup(c->a, tr->via.str.ptr, tr->via.str.size);
            c->types[ti].len = tr->via.str.size;
            c->ntypes++;
        }
    } else if (tr->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (tr->via.u64 >= c->ntypes) {
            fail(c, "typeReferenceOutOfRange", "%s: type index %" PRIu64 " but the type-name table has %zu entries",
                 tag, tr->via.u64, c->ntypes);
            goto done;
        }
        ti = (size_t)tr->via.u64;
    } else {
        fail(c, "malformedPortable", "%s id %zu: type-ref is neither str nor uint (msgpack type %d)", tag, id,
             (int)tr->type);
        goto done;
    }
    c->objs[id].type_index = ti;
    const TypeEnt *te = &c->types[ti];
    /* well-known-types.md 3: a well-known name is mapped natively whatever `registered` and
     * `passthrough` say, and is a value: a Q of it is taken as a P (rule 3), so nothing inside
     * its data can refer to it. */
    WkKind wk = wk_kind(te->name, te->len);
    if (wk != WK_NONE) {
        c->objs[id].is_q = 0;
        c->objs[id].well_known = 1;
        is_q = 0;
    }
    if (wk == WK_NONE && !c->opt->passthrough &&
        !is_listed(c->opt->registered, c->opt->reglen, c->opt->nreg, te->name, te->len)) {
        fail(c, "unknownType", "%s id %zu: type \"%.*s\" is not registered", tag, id, (int)te->len,
             (const char *)te->name);
        goto done;
    }
    snprintf(what, sizeof what, "%s id %zu data", tag, id);
    if (unpack_one(c, pl, plen, &off, depth + 1, CTX_PAYLOAD, what, &u2))
        goto done;
    Value *data;
    if (convert(c, &u2.data, depth + 1, 0, &data))
        goto done;
    if (off != plen) {
        fail(c, "malformedPortable", "%s id %zu: %zu bytes after the two payload values", tag, id, plen - off);
        goto done;
    }
    if (wk != WK_NONE) {
        /* well-known-types.md 3 rule 7: data of the wrong shape or out of range */
        char why[256];
        WkObjects wo = {c->vals, c->nobjs, NULL};
        if (wk_check(wk, data, &wo, why, sizeof why)) {
            fail(c, "typeMismatch", "%s id %zu: %s", tag, id, why);
            goto done;
        }
    }
    c->objs[id].in_progress = 0;
    if (wk != WK_NONE) {
        /* the byte length of its ext value, with the canonical header for its payload size
         * (msgpack-c does not say which header the input used), plus what R values charged
         * while its data was read */
        uint64_t header = plen == 1 || plen == 2 || plen == 4 || plen == 8 || plen == 16 ? 2
                          : plen <= 0xff ? 3 : plen <= 0xffff ? 4 : 6;
        c->objs[id].expanded = header + plen + (c->expansion - charged_before);
    }
    Value *v = newv(c, V_PORT);
    v->u = id;
    v->p = te->name;
    v->len = te->len;
    v->two_phase = is_q;
    v->data = data;
    c->vals[id] = v;
    *out = v;
    rc = 0;
done:
    msgpack_unpacked_destroy(&u1);
    msgpack_unpacked_destroy(&u2);
    return rc;
}

static int convert_ref(DCtx *c, const msgpack_object *o, int depth, Value **out)
{
    const uint8_t *pl = (const uint8_t *)o->via.ext.ptr;
    size_t plen = o->via.ext.size, off = 0;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = -1;
    if (plen == 0 || !is_int_byte(pl[0])) {
        fail(c, "malformedPortable", "back-reference payload does not start with an integer");
        goto done;
    }
    if (unpack_one(c, pl, plen, &off, depth, CTX_PAYLOAD, "back-reference (R)", &u))
        goto done;
    if (u.data.type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        fail(c, "malformedPortable", "back-reference payload is not an unsigned integer (msgpack type %d)",
             (int)u.data.type);
        goto done;
    }
    if (off != plen) {
        fail(c, "malformedPortable", "back-reference payload has %zu bytes after the object id", plen - off);
        goto done;
    }
    uint64_t id = u.data.via.u64;
    if (c->nrefs >= c->opt->limits.maxReferenceCount) {
        fail(c, "limitExceeded", "more than maxReferenceCount %" PRIu64 " references", c->opt->limits.maxReferenceCount);
        goto done;
    }
    if (id >= c->nobjs) {
        fail(c, "danglingReference", "back-reference to object id %" PRIu64 " but only %zu objects seen", id,
             c->nobjs);
        goto done;
    }
    const ObjEnt *oe = &c->objs[id];
    if (oe->in_progress) {
        const TypeEnt *te = &c->types[oe->type_index];
        int two = is_listed(c->opt->two_phase, c->opt->twolen, c->opt->ntwo, te->name, te->len);
        /* passthrough: an opaque object of an unregistered type has no receiver
         * type; it is taken as two-phase when it was sent as Q */
        if (c->opt->passthrough &&
            !is_listed(c->opt->registered, c->opt->reglen, c->opt->nreg, te->name, te->len))
            two = oe->is_q;
        if (wk_kind(te->name, te->len) != WK_NONE) {
            fail(c, "incompleteReference",
                 "back-reference to object id %" PRIu64 " (\"%.*s\") whose data is still being decoded (a well-known "
                 "value is never two-phase)", id, (int)te->len, (const char *)te->name);
            goto done;
        }
        if (!oe->is_q || !two) {
            fail(c, "incompleteReference",
                 "back-reference to object id %" PRIu64 " (\"%.*s\") whose data is still being decoded (%s)", id,
                 (int)te->len, (const char *)te->name,
                 !oe->is_q ? "written as P, not Q" : "type not registered as two-phase");
            goto done;
        }
    }
    if (oe->well_known) {
        /* portable-objects.md 7.4: this R is a copy of a well-known value */
        if (oe->expanded > c->opt->limits.maxExpansion - c->expansion ||
            c->expansion > c->opt->limits.maxExpansion) {
            fail(c, "limitExceeded",
                 "back-reference to the well-known object id %" PRIu64 " would expand the message past maxExpansion %" PRIu64
                 " (%" PRIu64 " + %" PRIu64 " bytes)", id, c->opt->limits.maxExpansion, c->expansion, oe->expanded);
            goto done;
        }
        c->expansion += oe->expanded;
    }
    c->nrefs++;
    Value *v = newv(c, V_REF);
    v->u = id;
    *out = v;
    rc = 0;
done:
    msgpack_unpacked_destroy(&u);
    return rc;
}

static int convert_envelope(DCtx *c, const msgpack_object *o, int depth, int top_level, Value **out)
{
    if (!top_level)
        return fail(c, "malformedPortable", "global-data envelope (G) below the message top level");
    const uint8_t *pl = (const uint8_t *)o->via.ext.ptr;
    size_t plen = o->via.ext.size, off = 0;
    int d = depth + 1;
    msgpack_unpacked u1, u2;
    msgpack_unpacked_init(&u1);
    msgpack_unpacked_init(&u2);
    int rc = -1;
    if (check_table(c, pl, plen, d))
        goto done;
    if (unpack_one(c, pl, plen, &off, d, CTX_PAYLOAD, "global-data envelope (G) map", &u1))
        goto done;
    const msgpack_object *m = &u1.data;
    if (m->type != MSGPACK_OBJECT_MAP) {
        fail(c, "malformedPortable", "global-data envelope: first value is not a map (msgpack type %d)",
             (int)m->type);
        goto done;
    }

    Value *g = newv(c, V_MAP);
    g->n = m->via.map.size;
    g->items = arena_alloc(c->a, (2 * g->n + 1) * sizeof(Value *));
    for (size_t i = 0; i < g->n; i++) {
        const msgpack_object_kv *kv = &m->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR) {
            fail(c, "malformedPortable", "global-data key %zu is not a str (msgpack type %d)", i,
                 (int)kv->key.type);
            goto done;
        }
        for (size_t k = 0; k < i; k++)
            if (m->via.map.ptr[k].key.via.str.size == kv->key.via.str.size &&
                memcmp(m->via.map.ptr[k].key.via.str.ptr, kv->key.via.str.ptr, kv->key.via.str.size) == 0) {
                fail(c, "malformedPortable", "global-data key \"%.*s\" occurs twice", (int)kv->key.via.str.size,
                     kv->key.via.str.ptr);
                goto done;
            }
        if (convert(c, &kv->key, d + 1, 0, &g->items[2 * i]) ||
            convert(c, &kv->val, d + 1, 0, &g->items[2 * i + 1]))
            goto done;
    }
    if (unpack_one(c, pl, plen, &off, d, CTX_PAYLOAD, "global-data envelope (G) body", &u2))
        goto done;
    Value *body;
    if (convert(c, &u2.data, d, 0, &body))
        goto done;
    if (off != plen) {
        fail(c, "malformedPortable", "global-data envelope: %zu bytes after the body", plen - off);
        goto done;
    }
    c->global = g;
    *out = body;
    rc = 0;
done:
    msgpack_unpacked_destroy(&u1);
    msgpack_unpacked_destroy(&u2);
    return rc;
}

/* depth = number of containers enclosing o */
static int convert(DCtx *c, const msgpack_object *o, int depth, int top_level, Value **out)
{
    Value *v;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        *out = newv(c, V_NIL);
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        v = newv(c, V_BOOL);
        v->b = o->via.boolean ? 1 : 0;
        *out = v;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        v = newv(c, V_INT);
        v->u = o->via.u64;
        *out = v;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        v = newv(c, V_INT);
        v->neg = 1;
        v->s = o->via.i64;
        *out = v;
        return 0;
    case MSGPACK_OBJECT_FLOAT32: {
        /* msgpack-c stores float32 widened to double in via.f64 */
        float f = (float)o->via.f64;
        v = newv(c, V_F32);
        memcpy(&v->f32, &f, 4);
        *out = v;
        return 0;
    }
    case MSGPACK_OBJECT_FLOAT64:
        v = newv(c, V_F64);
        memcpy(&v->u, &o->via.f64, 8);
        *out = v;
        return 0;
    case MSGPACK_OBJECT_STR:
        if (check_utf8(c, o->via.str.ptr, o->via.str.size))
            return -1;
        v = newv(c, V_STR);
        v->p = arena_memdup(c->a, o->via.str.ptr, o->via.str.size);
        v->len = o->via.str.size;
        *out = v;
        return 0;
    case MSGPACK_OBJECT_BIN:
        v = newv(c, V_BIN);
        v->p = arena_memdup(c->a, o->via.bin.ptr, o->via.bin.size);
        v->len = o->via.bin.size;
        *out = v;
        return 0;
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP: {
        int is_map = o->type == MSGPACK_OBJECT_MAP;
        if ((uint64_t)depth + 1 > c->opt->limits.maxDepth)
            return fail(c, "limitExceeded", "nesting depth %d exceeds maxDepth %" PRIu64, depth + 1, c->opt->limits.maxDepth);
        v = newv(c, is_map ? V_MAP : V_ARR);
        v->n = is_map ? o->via.map.size : o->via.array.size;
        size_t m = is_map ? 2 * v->n : v->n;
        v->items = arena_alloc(c->a, (m + 1) * sizeof(Value *));
        for (size_t i = 0; i < v->n; i++) {
            if (is_map) {
                if (convert(c, &o->via.map.ptr[i].key, depth + 1, 0, &v->items[2 * i]) ||
                    convert(c, &o->via.map.ptr[i].val, depth + 1, 0, &v->items[2 * i + 1]))
                    return -1;
            } else if (convert(c, &o->via.array.ptr[i], depth + 1, 0, &v->items[i])) {
                return -1;
            }
        }
        *out = v;
        return 0;
    }
    case MSGPACK_OBJECT_EXT: {
        int8_t t = o->via.ext.type;
        if (t == -1) {
            msgpack_timestamp ts;
            if (!msgpack_object_to_timestamp(o, &ts))
                return fail(c, "invalidTimestamp", "timestamp (ext -1) payload of %" PRIu32 " bytes (must be 4, 8 or 12)",
                            o->via.ext.size);
            if (ts.tv_nsec >= 1000000000u)
                return fail(c, "invalidTimestamp", "timestamp nanoseconds %" PRIu32 " >= 10^9", ts.tv_nsec);
            v = newv(c, V_TS);
            v->s = ts.tv_sec;
            v->f32 = ts.tv_nsec;
            *out = v;
            return 0;
        }
        if (t == PW_EXT_P || t == PW_EXT_Q)
            return convert_portable(c, o, depth, out);
        if (t == PW_EXT_R)
            return convert_ref(c, o, depth, out);
        if (t == PW_EXT_G)
            return convert_envelope(c, o, depth, top_level, out);
        v = newv(c, V_EXT);
        v->ext_type = t;
        v->p = arena_memdup(c->a, o->via.ext.ptr, o->via.ext.size);
        v->len = o->via.ext.size;
        *out = v;
        return 0;
    }
    }
    return fail(c, "checkerInternal", "unknown msgpack_object type %d", (int)o->type);
}

int pw_decode(Arena *a, const uint8_t *buf, size_t len, const DecodeOptions *opt, DecodeResult *res)
{
    DCtx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.opt = opt;
    memset(res, 0, sizeof *res);
    int rc = -1;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    Value *body = NULL;
    if (len > opt->limits.maxMessageByteCount) {
        fail(&c, "limitExceeded", "message of %zu bytes exceeds maxMessageByteCount %" PRIu64, len,
             opt->limits.maxMessageByteCount);
        goto done;
    }
    if (unpack_one(&c, buf, len, &off, 0, CTX_MESSAGE, "message", &u))
        goto done;
    if (convert(&c, &u.data, 0, 1, &body))
        goto done;
    if (off != len) {
        fail(&c, "trailingBytes", "%zu bytes after the value (which ends at offset %zu)", len - off, off);
        goto done;
    }
    rc = 0;
done:
    msgpack_unpacked_destroy(&u);
    if (rc == 0) {
        res->value = body;
        if (c.global) {
            res->global = c.global;
        } else {
            res->global = arena_alloc(a, sizeof(Value));
            res->global->t = V_MAP;
        }
    } else {
        res->error = c.err ? c.err : "checkerInternal";
        snprintf(res->message, sizeof res->message, "%s", c.msg);
    }
    free(c.types);
    free(c.objs);
    free(c.vals);
    return rc;
}
