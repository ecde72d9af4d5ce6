/* value.c - notation parsing, printing and structural comparison. */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Arena *a;
    char *err;
    size_t errlen;
    Buf path;
    uint64_t nobjs; /* objects defined so far, in wire order (global data first) */
} NP;

static Value *nfail(NP *c, const JNode *j, const char *msg)
{
    if (!c->err[0])
        snprintf(c->err, c->errlen, "bad notation at %s (JSON line %zu): %s",
                 c->path.len ? c->path.data : "$", j ? j->line : 0, msg);
    return NULL;
}

static Value *newv(NP *c, VType t)
{
    Value *v = arena_alloc(c->a, sizeof *v);
    v->t = t;
    return v;
}

/* strict decimal: -?(0|[1-9][0-9]*), no "-0" */
static int parse_decimal(const char *s, size_t n, int *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = 0;
    if (i < n && s[i] == '-') {
        *neg = 1;
        i++;
    }
    if (i >= n)
        return -1;
    if (s[i] == '0' && (n - i > 1 || *neg))
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *mag = v;
    return 0;
}

static int hexnib(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int parse_fhex(const JNode *j, int digits, uint64_t *out)
{
    if (!j || j->t != J_STR || j->slen != (size_t)digits + 2 || j->s[0] != '0' || j->s[1] != 'x')
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < digits; i++) {
        int h = hexnib(j->s[2 + i]);
        if (h < 0)
            return -1;
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return 0;
}

static int parse_bytes(NP *c, const JNode *j, const uint8_t **p, size_t *len)
{
    if (!j || j->t != J_STR)
        return -1;
    Buf b;
    buf_init(&b);
    if (hex_decode(j->s, j->slen, 0, &b)) {
        buf_free(&b);
        return -1;
    }
    *p = arena_memdup(c->a, b.data, b.len);
    *len = b.len;
    buf_free(&b);
    return 0;
}

/* object with exactly the given keys (required ones first, then optional) */
static int has_only(const JNode *o, const char *const *allowed, size_t nallowed)
{
    for (size_t i = 0; i < o->n; i++) {
        int ok = 0;
        for (size_t k = 0; k < nallowed; k++)
            if (o->klen[i] == strlen(allowed[k]) && memcmp(o->keys[i], allowed[k], o->klen[i]) == 0)
                ok = 1;
        if (!ok)
            return 0;
    }
    return 1;
}

static Value *np_value(NP *c, const JNode *j);

static Value *np_child(NP *c, const JNode *j, const char *seg)
{
    size_t save = c->path.len;
    buf_puts(&c->path, seg);
    Value *v = np_value(c, j);
    c->path.len = save;
    c->path.data[save] = 0;
    return v;
}

static Value *np_value(NP *c, const JNode *j)
{
    char seg[64];
    switch (j->t) {
    case J_NULL:
        return newv(c, V_NIL);
    case J_TRUE:
    case J_FALSE: {
        Value *v = newv(c, V_BOOL);
        v->b = j->t == J_TRUE;
        return v;
    }
    case J_NUM:
        return nfail(c, j, "bare JSON number is not a notation value (use {\"int\": \"...\"})");
    case J_STR: {
        size_t bad;
        if (j->lone_surrogate)
            return nfail(c, j, "the string holds a lone surrogate escape; a str is Unicode scalar values (12.2 rule 6)");
        if (!utf8_valid((const uint8_t *)j->s, j->slen, &bad))
            return nfail(c, j, "string is not valid UTF-8");
        Value *v = newv(c, V_STR);
        v->p = (const uint8_t *)j->s;
        v->len = j->slen;
        return v;
    }
    case J_ARR: {
        Value *v = newv(c, V_ARR);
        v->n = j->n;
        v->items = arena_alloc(c->a, (j->n ? j->n : 1) * sizeof(Value *));
        for (size_t i = 0; i < j->n; i++) {
            snprintf(seg, sizeof seg, "[%zu]", i);
            if (!(v->items[i] = np_child(c, j->items[i], seg)))
                return NULL;
        }
        return v;
    }
    case J_OBJ:
        break;
    }
    if (j->n != 1)
        return nfail(c, j, "notation object must have exactly one key (the tag)");
    const char *tag = j->keys[0];
    size_t tl = j->klen[0];
    const JNode *x = j->items[0];
#define TAG(lit) (tl == sizeof(lit) - 1 && memcmp(tag, lit, tl) == 0)
    if (TAG("int")) {
        int neg;
        uint64_t mag;
        if (x->t != J_STR || parse_decimal(x->s, x->slen, &neg, &mag))
            return nfail(c, j, "int must be a canonical decimal string");
        Value *v = newv(c, V_INT);
        if (neg) {
            if (mag > (uint64_t)1 << 63)
                return nfail(c, j, "int below -2^63");
            v->neg = 1;
            v->s = mag == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)mag;
        } else {
            v->u = mag;
        }
        return v;
    }
    if (TAG("float32")) {
        uint64_t bits;
        if (parse_fhex(x, 8, &bits))
            return nfail(c, j, "float32 must be \"0x\" + 8 lowercase hex digits");
        Value *v = newv(c, V_F32);
        v->f32 = (uint32_t)bits;
        return v;
    }
    if (TAG("float64")) {
        uint64_t bits;
        if (parse_fhex(x, 16, &bits))
            return nfail(c, j, "float64 must be \"0x\" + 16 lowercase hex digits");
        Value *v = newv(c, V_F64);
        v->u = bits;
        return v;
    }
    if (TAG("bin")) {
        Value *v = newv(c, V_BIN);
        if (parse_bytes(c, x, &v->p, &v->len))
            return nfail(c, j, "bin must be lowercase hex without spaces");
        return v;
    }
    if (TAG("map")) {
        if (x->t != J_ARR)
            return nfail(c, j, "map must be an array of [key, value] pairs");
        Value *v = newv(c, V_MAP);
        v->n = x->n;
        v->items = arena_alloc(c->a, (2 * x->n + 1) * sizeof(Value *));
        for (size_t i = 0; i < x->n; i++) {
            const JNode *pr = x->items[i];
            if (pr->t != J_ARR || pr->n != 2)
                return nfail(c, pr, "map entry must be a [key, value] pair");
            snprintf(seg, sizeof seg, ".map[%zu][0]", i);
            if (!(v->items[2 * i] = np_child(c, pr->items[0], seg)))
                return NULL;
            snprintf(seg, sizeof seg, ".map[%zu][1]", i);
            if (!(v->items[2 * i + 1] = np_child(c, pr->items[1], seg)))
                return NULL;
        }
        return v;
    }
    if (TAG("ext")) {
        static const char *const k[] = {"type", "data"};
        long long t;
        if (x->t != J_OBJ || x->n != 2 || !has_only(x, k, 2))
            return nfail(c, j, "ext must be {\"type\": int, \"data\": hex}");
        if (!json_int(json_get(x, "type"), &t) || t < -128 || t > 127)
            return nfail(c, j, "ext type must be an integer in -128..127");
        if (t == -1)
            return nfail(c, j, "ext type -1 is never ext (it is a timestamp)");
        Value *v = newv(c, V_EXT);
        v->ext_type = (int8_t)t;
        if (parse_bytes(c, json_get(x, "data"), &v->p, &v->len))
            return nfail(c, j, "ext data must be lowercase hex without spaces");
        return v;
    }
    if (TAG("timestamp")) {
        static const char *const k[] = {"seconds", "nanoseconds"};
        if (x->t != J_OBJ || x->n != 2 || !has_only(x, k, 2))
            return nfail(c, j, "timestamp must be {\"seconds\": \"dec\", \"nanoseconds\": int}");
        const JNode *sj = json_get(x, "seconds");
        int neg;
        uint64_t mag;
        long long ns;
        if (!sj || sj->t != J_STR || parse_decimal(sj->s, sj->slen, &neg, &mag) ||
            (neg ? mag > (uint64_t)1 << 63 : mag > INT64_MAX))
            return nfail(c, j, "timestamp seconds must be a decimal int64 string");
        if (!json_int(json_get(x, "nanoseconds"), &ns) || ns < 0 || ns > 999999999)
            return nfail(c, j, "timestamp nanoseconds must be an integer in 0..999999999");
        Value *v = newv(c, V_TS);
        v->s = neg ? (mag == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
        v->f32 = (uint32_t)ns;
        return v;
    }
    if (TAG("portable")) {
        static const char *const k[] = {"id", "type", "data", "twoPhase"};
        if (x->t != J_OBJ || !has_only(x, k, 4))
            return nfail(c, j, "portable must be {\"id\", \"type\", \"data\"[, \"twoPhase\"]}");
        long long id;
        const JNode *ty = json_get(x, "type"), *d = json_get(x, "data"), *tp = json_get(x, "twoPhase");
        if (!json_int(json_get(x, "id"), &id) || id < 0)
            return nfail(c, j, "portable id must be a non-negative integer");
        if ((uint64_t)id != c->nobjs)
            return nfail(c, j, "object ids count 0, 1, 2, ... in wire order (global data first)");
        if (!ty || ty->t != J_STR || ty->slen == 0 || ty->lone_surrogate)
            return nfail(c, j, "portable type must be a non-empty string of Unicode text");
        if (!d)
            return nfail(c, j, "portable needs data");
        if (tp && tp->t != J_TRUE)
            return nfail(c, j, "twoPhase is written only as true, or left out (12.2 rule 9)");
        c->nobjs++;
        Value *v = newv(c, V_PORT);
        v->u = (uint64_t)id;
        v->p = (const uint8_t *)ty->s;
        v->len = ty->slen;
        v->two_phase = tp != NULL;
        if (!(v->data = np_child(c, d, ".portable.data")))
            return NULL;
        return v;
    }
    if (TAG("ref")) {
        long long id;
        if (!json_int(x, &id) || id < 0)
            return nfail(c, j, "ref must be a non-negative integer");
        if ((uint64_t)id >= c->nobjs)
            return nfail(c, j, "ref names no object defined before it");
        Value *v = newv(c, V_REF);
        v->u = (uint64_t)id;
        return v;
    }
#undef TAG
    return nfail(c, j, "unknown notation tag");
}

Value *notation_parse(Arena *a, const JNode *value, const JNode *global, Value **global_out, char *err,
                      size_t errlen)
{
    NP c = {a, err, errlen, {0}, 0};
    err[0] = 0;
    buf_init(&c.path);
    Value *body = NULL, *g = newv(&c, V_MAP);
    *global_out = g;
    if (global) {
        buf_puts(&c.path, "$globalData");
        if (global->t != J_ARR) {
            nfail(&c, global, "globalData must be an array of [\"key\", value] pairs");
            goto out;
        }
        g->n = global->n;
        g->items = arena_alloc(a, (2 * global->n + 1) * sizeof(Value *));
        for (size_t i = 0; i < global->n; i++) {
            const JNode *pr = global->items[i];
            if (pr->t != J_ARR || pr->n != 2 || pr->items[0]->t != J_STR) {
                nfail(&c, pr, "globalData entry must be [\"key\", value]");
                goto out;
            }
            const JNode *k = pr->items[0];
            /* keys are unique, compared as bytes (never normalized) */
            for (size_t e = 0; e < i; e++)
                if (g->items[2 * e]->len == k->slen && memcmp(g->items[2 * e]->p, k->s, k->slen) == 0) {
                    nfail(&c, pr, "a globalData key appears twice");
                    goto out;
                }
            char seg[64];
            snprintf(seg, sizeof seg, "[%zu]", i);
            if (!(g->items[2 * i] = np_child(&c, k, seg)) || !(g->items[2 * i + 1] = np_child(&c, pr->items[1], seg)))
                goto out;
        }
        c.path.len = 0;
    }
    buf_puts(&c.path, "$");
    body = np_value(&c, value);
out:
    buf_free(&c.path);
    return body;
}

/* ---- printing ---- */

static void print_hex(Buf *o, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        buf_putc(o, d[p[i] >> 4]);
        buf_putc(o, d[p[i] & 15]);
    }
}

static void print_str(Buf *o, const uint8_t *p, size_t n)
{
    buf_putc(o, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '"' || ch == '\\') {
            buf_putc(o, '\\');
            buf_putc(o, (char)ch);
        } else if (ch < 0x20 || ch == 0x7f) {
            buf_printf(o, "\\u%04x", ch);
        } else {
            buf_putc(o, (char)ch);
        }
    }
    buf_putc(o, '"');
}

static void np_print(Buf *o, const Value *v, size_t max)
{
    if (max && o->len > max)
        return;
    switch (v->t) {
    case V_NIL: buf_puts(o, "null"); break;
    case V_BOOL: buf_puts(o, v->b ? "true" : "false"); break;
    case V_INT:
        if (v->neg) buf_printf(o, "{\"int\": \"%" PRId64 "\"}", v->s);
        else buf_printf(o, "{\"int\": \"%" PRIu64 "\"}", v->u);
        break;
    case V_F32: buf_printf(o, "{\"float32\": \"0x%08" PRIx32 "\"}", v->f32); break;
    case V_F64: buf_printf(o, "{\"float64\": \"0x%016" PRIx64 "\"}", v->u); break;
    case V_STR: print_str(o, v->p, v->len); break;
    case V_BIN:
        buf_puts(o, "{\"bin\": \"");
        print_hex(o, v->p, v->len);
        buf_puts(o, "\"}");
        break;
    case V_ARR:
        buf_putc(o, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) buf_puts(o, ", ");
            np_print(o, v->items[i], max);
            if (max && o->len > max) return;
        }
        buf_putc(o, ']');
        break;
    case V_MAP:
        buf_puts(o, "{\"map\": [");
        for (size_t i = 0; i < v->n; i++) {
            if (i) buf_puts(o, ", ");
            buf_putc(o, '[');
            np_print(o, v->items[2 * i], max);
            buf_puts(o, ", ");
            np_print(o, v->items[2 * i + 1], max);
            buf_putc(o, ']');
            if (max && o->len > max) return;
        }
        buf_puts(o, "]}");
        break;
    case V_EXT:
        buf_printf(o, "{\"ext\": {\"type\": %d, \"data\": \"", v->ext_type);
        print_hex(o, v->p, v->len);
        buf_puts(o, "\"}}");
        break;
    case V_TS:
        buf_printf(o, "{\"timestamp\": {\"seconds\": \"%" PRId64 "\", \"nanoseconds\": %" PRIu32 "}}",
                   v->s, v->f32);
        break;
    case V_PORT:
        buf_printf(o, "{\"portable\": {\"id\": %" PRIu64 ", \"type\": ", v->u);
        print_str(o, v->p, v->len);
        buf_puts(o, ", \"data\": ");
        np_print(o, v->data, max);
        if (v->two_phase) buf_puts(o, ", \"twoPhase\": true");
        buf_puts(o, "}}");
        break;
    case V_REF: buf_printf(o, "{\"ref\": %" PRIu64 "}", v->u); break;
    }
}

void notation_print(Buf *out, const Value *v, size_t max)
{
    size_t start = out->len;
    np_print(out, v, max ? start + max : 0);
    if (max && out->len > start + max) {
        out->len = start + max;
        out->data[out->len] = 0;
        buf_puts(out, "...");
    }
}

