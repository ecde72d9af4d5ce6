/* wellknown.c - well-known types (Spec/well-known-types.md); see wellknown.h. */
#include "wellknown.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting that wk_cmp and wk_has_identity follow before giving up: well past maxDepth (512),
 * so only a cycle of refs through well-known objects (possible in encode notation) reaches it. */
#define WK_MAX_FOLLOW 2048

static const struct {
    const char *name;
    WkKind kind;
} NAMES[] = {
    {"pw.date", WK_DATE},
    {"pw.time", WK_TIME},
    {"pw.localDateTime", WK_LOCAL_DATE_TIME},
    {"pw.offsetDateTime", WK_OFFSET_DATE_TIME},
    {"pw.duration", WK_DURATION},
    {"pw.decimal", WK_DECIMAL},
    {"pw.uuid", WK_UUID},
    {"pw.set", WK_SET},
    {"pw.tuple", WK_TUPLE},
};

WkKind wk_kind(const uint8_t *name, size_t len)
{
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strlen(NAMES[i].name) == len && memcmp(NAMES[i].name, name, len) == 0)
            return NAMES[i].kind;
    return WK_NONE;
}

static const char *kind_name(WkKind k)
{
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (NAMES[i].kind == k)
            return NAMES[i].name;
    return "?";
}

static const char *describe(const Value *v)
{
    switch (v->t) {
    case V_NIL: return "nil";
    case V_BOOL: return "a bool";
    case V_INT: return "an integer";
    case V_F32: return "a float32";
    case V_F64: return "a float64";
    case V_STR: return "a str";
    case V_BIN: return "a bin";
    case V_ARR: return "an array";
    case V_MAP: return "a map";
    case V_EXT: return "an ext";
    case V_TS: return "a timestamp";
    case V_PORT: return "a portable object";
    case V_REF: return "a back-reference";
    }
    return "?";
}

/* ---- integers ---- */

/* 1 when v is an integer in lo..hi (*out = its value). */
static int int_in(const Value *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (v->t != V_INT)
        return 0;
    if (v->neg) {
        if (v->s < lo || v->s > hi)
            return 0;
        *out = v->s;
        return 1;
    }
    if (hi < 0 || v->u > (uint64_t)hi)
        return 0;
    if (lo > 0 && v->u < (uint64_t)lo)
        return 0;
    *out = (int64_t)v->u;
    return 1;
}

static void int_text(const Value *v, char *buf, size_t n)
{
    if (v->neg)
        snprintf(buf, n, "%" PRId64, v->s);
    else
        snprintf(buf, n, "%" PRIu64, v->u);
}

/* data is an array of exactly count integers */
static int int_array(WkKind k, const Value *data, size_t count, char *msg, size_t msglen)
{
    if (data->t != V_ARR) {
        snprintf(msg, msglen, "%s data is an array of %zu integers, not %s", kind_name(k), count, describe(data));
        return -1;
    }
    if (data->n != count) {
        snprintf(msg, msglen, "%s data is an array of %zu integers, not of %zu elements", kind_name(k), count,
                 data->n);
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        if (data->items[i]->t != V_INT) {
            snprintf(msg, msglen, "%s data element %zu is %s, not an integer", kind_name(k), i,
                     describe(data->items[i]));
            return -1;
        }
    return 0;
}

/* field i of an int_array in lo..hi */
static int field(WkKind k, const Value *data, size_t i, const char *what, int64_t lo, int64_t hi, int64_t *out,
                 char *msg, size_t msglen)
{
    if (int_in(data->items[i], lo, hi, out))
        return 0;
    char t[32];
    int_text(data->items[i], t, sizeof t);
    snprintf(msg, msglen, "%s %s %s is outside %" PRId64 "..%" PRId64, kind_name(k), what, t, lo, hi);
    return -1;
}

static int64_t days_in_month(int64_t year, int64_t month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2) {
        int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        return leap ? 29 : 28;
    }
    return days[month - 1];
}

/* [year, month, day] at data->items[0..2] (well-known-types.md 4) */
static int check_date(WkKind k, const Value *data, char *msg, size_t msglen)
{
    int64_t year, month, day;
    if (field(k, data, 0, "year", INT32_MIN, INT32_MAX, &year, msg, msglen) ||
        field(k, data, 1, "month", 1, 12, &month, msg, msglen))
        return -1;
    int64_t last = days_in_month(year, month);
    if (!int_in(data->items[2], 1, last, &day)) {
        char t[32];
        int_text(data->items[2], t, sizeof t);
        snprintf(msg, msglen, "%s day %s does not exist in %" PRId64 "-%02" PRId64 " (1..%" PRId64 ")",
                 kind_name(k), t, year, month, last);
        return -1;
    }
    return 0;
}

/* [hour, minute, second, nanosecond] at data->items[at..at+3] */
static int check_time(WkKind k, const Value *data, size_t at, char *msg, size_t msglen)
{
    int64_t x;
    if (field(k, data, at, "hour", 0, 23, &x, msg, msglen) ||
        field(k, data, at + 1, "minute", 0, 59, &x, msg, msglen) ||
        field(k, data, at + 2, "second", 0, 59, &x, msg, msglen) ||
        field(k, data, at + 3, "nanosecond", 0, 999999999, &x, msg, msglen))
        return -1;
    return 0;
}

/* ---- decimal text (well-known-types.md 6) ---- */

#define WK_MAX_DECIMAL_TEXT 4096

static int digits(const uint8_t *p, size_t n, size_t *i)
{
    size_t start = *i;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9')
        (*i)++;
    return *i > start;
}

/* -? [0-9]+ ( \. [0-9]+ )? ( e -? [0-9]+ )?, or NaN, Infinity, -Infinity */
static int decimal_text_valid(const uint8_t *p, size_t n)
{
    if ((n == 3 && memcmp(p, "NaN", 3) == 0) || (n == 8 && memcmp(p, "Infinity", 8) == 0) ||
        (n == 9 && memcmp(p, "-Infinity", 9) == 0))
        return 1;
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (!digits(p, n, &i))
        return 0;
    if (i < n && p[i] == '.') {
        i++;
        if (!digits(p, n, &i))
            return 0;
    }
    if (i < n && p[i] == 'e') {
        i++;
        if (i < n && p[i] == '-')
            i++;
        if (!digits(p, n, &i))
            return 0;
    }
    return i == n;
}

/* ---- comparison ---- */

const Value *wk_resolve(const Value *v, const WkObjects *objs)
{
    if (v->t != V_REF)
        return v;
    if (!objs || v->u >= objs->n)
        return NULL;
    return objs->objs[v->u];
}

/* rank of a value's class; an object is either a well-known value or an identity */
static int rank(const Value *v)
{
    if (v->t == V_PORT)
        return wk_kind(v->p, v->len) != WK_NONE ? 100 : 101;
    return (int)v->t;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (an != bn)
        return cmp_u64(an, bn);
    return an ? memcmp(a, b, an) : 0;
}

int wk_cmp(const Value *a, const Value *b, const WkObjects *objs, int depth, int *deep)
{
    if (depth > WK_MAX_FOLLOW || (objs && objs->steps && ++*objs->steps > WK_MAX_STEPS)) {
        *deep = 1;
        return 0;
    }
    /* a ref stands for its object; one not known yet (its data still being decoded) is an
     * identity that only it and its object share */
    uint64_t aid = a->t == V_REF ? a->u : a->t == V_PORT ? a->u : 0;
    uint64_t bid = b->t == V_REF ? b->u : b->t == V_PORT ? b->u : 0;
    const Value *ra = wk_resolve(a, objs), *rb = wk_resolve(b, objs);
    int ka = ra ? rank(ra) : 101, kb = rb ? rank(rb) : 101;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ka == 101) /* identities: the same instance or not */
        return cmp_u64(aid, bid);
    a = ra;
    b = rb;
    switch (a->t) {
    case V_NIL: return 0;
    case V_BOOL: return a->b - b->b;
    case V_INT:
        if (a->neg != b->neg)
            return a->neg ? -1 : 1;
        if (a->neg)
            return a->s < b->s ? -1 : a->s > b->s;
        return cmp_u64(a->u, b->u);
    case V_F32: return cmp_u64(a->f32, b->f32);
    case V_F64: return cmp_u64(a->u, b->u);
    case V_STR:
    case V_BIN: return cmp_bytes(a->p, a->len, b->p, b->len);
    case V_EXT:
        if (a->ext_type != b->ext_type)
            return a->ext_type < b->ext_type ? -1 : 1;
        return cmp_bytes(a->p, a->len, b->p, b->len);
    case V_TS:
        if (a->s != b->s)
            return a->s < b->s ? -1 : 1;
        return cmp_u64(a->f32, b->f32);
    case V_ARR:
    case V_MAP: {
        if (a->n != b->n)
            return cmp_u64(a->n, b->n);
        size_t m = a->t == V_MAP ? 2 * a->n : a->n;
        for (size_t i = 0; i < m; i++) {
            int r = wk_cmp(a->items[i], b->items[i], objs, depth + 1, deep);
            if (r || *deep)
                return r;
        }
        return 0;
    }
    case V_PORT: { /* two well-known values: name, then data */
        int r = cmp_bytes(a->p, a->len, b->p, b->len);
        if (r)
            return r;
        return wk_cmp(a->data, b->data, objs, depth + 1, deep);
    }
    case V_REF: break; /* resolved above */
    }
    return 0;
}

int wk_has_identity(const Value *v, const WkObjects *objs, int depth, int *deep)
{
    if (depth > WK_MAX_FOLLOW || (objs && objs->steps && ++*objs->steps > WK_MAX_STEPS)) {
        *deep = 1;
        return 1;
    }
    const Value *r = wk_resolve(v, objs);
    if (!r)
        return 1;
    switch (r->t) {
    case V_PORT:
        if (wk_kind(r->p, r->len) == WK_NONE)
            return 1;
        return wk_has_identity(r->data, objs, depth + 1, deep);
    case V_ARR:
    case V_MAP: {
        size_t m = r->t == V_MAP ? 2 * r->n : r->n;
        for (size_t i = 0; i < m; i++)
            if (wk_has_identity(r->items[i], objs, depth + 1, deep))
                return 1;
        return 0;
    }
    default:
        return 0;
    }
}

/* ---- sets: distinct elements ---- */

typedef struct {
    const Value *const *items;
    const WkObjects *objs;
    int deep;
} SortCtx;

static void merge_sort(SortCtx *s, size_t *idx, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(s, idx, tmp, h);
    merge_sort(s, idx + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (wk_cmp(s->items[idx[j]], s->items[idx[i]], s->objs, 0, &s->deep) < 0)
            tmp[k++] = idx[j++];
        else
            tmp[k++] = idx[i++];
    }
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int check_distinct(const Value *data, const WkObjects *objs, char *msg, size_t msglen)
{
    size_t n = data->n;
    if (n < 2)
        return 0;
    size_t *idx = xmalloc(n * sizeof *idx), *tmp = xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    SortCtx s = {(const Value *const *)data->items, objs, 0};
    merge_sort(&s, idx, tmp, n);
    int rc = 0;
    for (size_t i = 1; i < n && !rc && !s.deep; i++)
        if (wk_cmp(data->items[idx[i - 1]], data->items[idx[i]], objs, 0, &s.deep) == 0 && !s.deep) {
            size_t a = idx[i - 1] < idx[i] ? idx[i - 1] : idx[i], b = idx[i - 1] < idx[i] ? idx[i] : idx[i - 1];
            snprintf(msg, msglen, "pw.set elements %zu and %zu are equal; a set holds distinct elements", a, b);
            rc = -1;
        }
    if (!rc && s.deep) {
        snprintf(msg, msglen, "pw.set elements nest deeper than %d or expand past %" PRIu64
                 " nodes through references to well-known values", WK_MAX_FOLLOW, WK_MAX_STEPS);
        rc = -1;
    }
    free(idx);
    free(tmp);
    return rc;
}

/* ---- the check ---- */

int wk_check(WkKind k, const Value *data, const WkObjects *objs, char *msg, size_t msglen)
{
    int64_t x;
    switch (k) {
    case WK_NONE:
        return 0;
    case WK_DATE:
        return int_array(k, data, 3, msg, msglen) || check_date(k, data, msg, msglen) ? -1 : 0;
    case WK_TIME:
        return int_array(k, data, 4, msg, msglen) || check_time(k, data, 0, msg, msglen) ? -1 : 0;
    case WK_LOCAL_DATE_TIME:
        return int_array(k, data, 7, msg, msglen) || check_date(k, data, msg, msglen) ||
                       check_time(k, data, 3, msg, msglen)
                   ? -1
                   : 0;
    case WK_OFFSET_DATE_TIME:
        return int_array(k, data, 8, msg, msglen) || check_date(k, data, msg, msglen) ||
                       check_time(k, data, 3, msg, msglen) ||
                       field(k, data, 7, "offsetSeconds", -86399, 86399, &x, msg, msglen)
                   ? -1
                   : 0;
    case WK_DURATION:
        return int_array(k, data, 2, msg, msglen) ||
                       field(k, data, 0, "seconds", INT64_MIN, INT64_MAX, &x, msg, msglen) ||
                       field(k, data, 1, "nanoseconds", 0, 999999999, &x, msg, msglen)
                   ? -1
                   : 0;
    case WK_DECIMAL:
        if (data->t != V_STR) {
            snprintf(msg, msglen, "pw.decimal data is a str, not %s", describe(data));
            return -1;
        }
        if (data->len > WK_MAX_DECIMAL_TEXT) {
            snprintf(msg, msglen, "pw.decimal text of %zu bytes is longer than %d", data->len, WK_MAX_DECIMAL_TEXT);
            return -1;
        }
        if (!decimal_text_valid(data->p, data->len)) {
            size_t shown = data->len > 40 ? 40 : data->len;
            while (shown < data->len && shown > 0 && (data->p[shown] & 0xc0) == 0x80)
                shown--; /* cut at a character boundary: the message stays UTF-8 */
            snprintf(msg, msglen, "pw.decimal text \"%.*s%s\" is not -?digits(.digits)?(e-?digits)?, NaN, Infinity "
                     "or -Infinity", (int)shown, (const char *)data->p, shown < data->len ? "..." : "");
            return -1;
        }
        return 0;
    case WK_UUID:
        if (data->t != V_BIN || data->len != 16) {
            if (data->t == V_BIN)
                snprintf(msg, msglen, "pw.uuid data is a bin of 16 bytes, not of %zu", data->len);
            else
                snprintf(msg, msglen, "pw.uuid data is a bin of 16 bytes, not %s", describe(data));
            return -1;
        }
        return 0;
    case WK_SET:
    case WK_TUPLE:
        if (data->t != V_ARR) {
            snprintf(msg, msglen, "%s data is an array, not %s", kind_name(k), describe(data));
            return -1;
        }
        return k == WK_SET ? check_distinct(data, objs, msg, msglen) : 0;
    }
    return 0;
}
