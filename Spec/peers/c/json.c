/* json.c - see json.h */
#include "json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 10000

typedef struct {
    Arena *a;
    const char *p, *end, *start;
    size_t line;
    char *err;
    size_t errlen;
    int failed;
} P;

static void perr(P *ps, const char *msg)
{
    if (!ps->failed)
        snprintf(ps->err, ps->errlen, "JSON line %zu: %s", ps->line, msg);
    ps->failed = 1;
}

static void skip_ws(P *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n')
            ps->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            break;
        ps->p++;
    }
}

static JNode *node(P *ps, JType t)
{
    JNode *n = arena_alloc(ps->a, sizeof *n);
    n->t = t;
    n->line = ps->line;
    return n;
}

static int hex4(P *ps, unsigned *out)
{
    if (ps->end - ps->p < 4) {
        perr(ps, "short \\u escape");
        return -1;
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else {
            perr(ps, "bad \\u escape");
            return -1;
        }
    }
    ps->p += 4;
    *out = v;
    return 0;
}

static void put_utf8(Buf *b, unsigned cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xc0 | cp >> 6); t[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xe0 | cp >> 12); t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        t[0] = (char)(0xf0 | cp >> 18); t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); t[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    buf_append(b, t, n);
}

/* ps->p at the opening quote */
/* A \u escape of a lone surrogate is JSON syntax but no Unicode text: when `lone` is not NULL the
 * string is kept (the surrogate written as its 3-byte generalized UTF-8 form) and *lone is set, so
 * the notation reader can reject it (format.md 12.2 rule 6); when it is NULL (object keys) it is an
 * error. */
static int parse_string(P *ps, const char **out, size_t *outlen, int *lone)
{
    Buf b;
    buf_init(&b);
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            perr(ps, "unterminated string");
            goto fail;
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            perr(ps, "control character in string");
            goto fail;
        }
        if (c != '\\') {
            const char *s = ps->p;
            while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (unsigned char)*ps->p >= 0x20)
                ps->p++;
            buf_append(&b, s, (size_t)(ps->p - s));
            continue;
        }
        ps->p++;
        if (ps->p >= ps->end) {
            perr(ps, "unterminated escape");
            goto fail;
        }
        char e = *ps->p++;
        switch (e) {
        case '"': buf_putc(&b, '"'); break;
        case '\\': buf_putc(&b, '\\'); break;
        case '/': buf_putc(&b, '/'); break;
        case 'b': buf_putc(&b, '\b'); break;
        case 'f': buf_putc(&b, '\f'); break;
        case 'n': buf_putc(&b, '\n'); break;
        case 'r': buf_putc(&b, '\r'); break;
        case 't': buf_putc(&b, '\t'); break;
        case 'u': {
            unsigned cp;
            if (hex4(ps, &cp))
                goto fail;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                    const char *save = ps->p;
                    ps->p += 2;
                    if (hex4(ps, &lo))
                        goto fail;
                    if (lo >= 0xdc00 && lo <= 0xdfff) {
                        put_utf8(&b, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
                        break;
                    }
                    ps->p = save;
                }
            }
            if (cp >= 0xd800 && cp <= 0xdfff) {
                if (!lone) {
                    perr(ps, "lone surrogate escape");
                    goto fail;
                }
                *lone = 1;
            }
            put_utf8(&b, cp);
            break;
        }
        default:
            perr(ps, "bad escape");
            goto fail;
        }
    }
    *out = arena_memdup(ps->a, b.data, b.len);
    *outlen = b.len;
    buf_free(&b);
    return 0;
fail:
    buf_free(&b);
    return -1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* One or more digits, all of them taken; none is the error `what`. */
static int digits(P *ps, const char *what)
{
    if (ps->p >= ps->end || !is_digit(*ps->p)) {
        perr(ps, what);
        return -1;
    }
    while (ps->p < ps->end && is_digit(*ps->p))
        ps->p++;
    return 0;
}

static JNode *parse_value(P *ps, int depth);

static JNode *parse_number(P *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (digits(ps, "bad number"))
        return NULL;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (digits(ps, "bad fraction"))
            return NULL;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (digits(ps, "bad exponent"))
            return NULL;
    }
    JNode *n = node(ps, J_NUM);
    n->s = arena_memdup(ps->a, s, (size_t)(ps->p - s));
    n->slen = (size_t)(ps->p - s);
    return n;
}

static int lit(P *ps, const char *w)
{
    size_t l = strlen(w);
    if ((size_t)(ps->end - ps->p) >= l && memcmp(ps->p, w, l) == 0) {
        ps->p += l;
        return 1;
    }
    return 0;
}

static JNode *parse_value(P *ps, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        perr(ps, "nesting too deep");
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        perr(ps, "unexpected end of input");
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        JNode *n = node(ps, obj ? J_OBJ : J_ARR);
        ps->p++;
        size_t cap = 8, cnt = 0;
        JNode **items = xmalloc(cap * sizeof *items);
        const char **keys = obj ? xmalloc(cap * sizeof *keys) : NULL;
        size_t *klen = obj ? xmalloc(cap * sizeof *klen) : NULL;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
        } else {
            for (;;) {
                const char *k = NULL;
                size_t kl = 0;
                if (obj) {
                    skip_ws(ps);
                    if (ps->p >= ps->end || *ps->p != '"') {
                        perr(ps, "expected object key");
                        goto cfail;
                    }
                    if (parse_string(ps, &k, &kl, NULL))
                        goto cfail;
                    for (size_t i = 0; i < cnt; i++)
                        if (klen[i] == kl && memcmp(keys[i], k, kl) == 0) {
                            perr(ps, "duplicate object key");
                            goto cfail;
                        }
                    skip_ws(ps);
                    if (ps->p >= ps->end || *ps->p != ':') {
                        perr(ps, "expected ':'");
                        goto cfail;
                    }
                    ps->p++;
                }
                JNode *v = parse_value(ps, depth + 1);
                if (!v)
                    goto cfail;
                if (cnt == cap) {
                    cap *= 2;
                    items = xrealloc(items, cap * sizeof *items);
                    if (obj) {
                        keys = xrealloc(keys, cap * sizeof *keys);
                        klen = xrealloc(klen, cap * sizeof *klen);
                    }
                }
                items[cnt] = v;
                if (obj) {
                    keys[cnt] = k;
                    klen[cnt] = kl;
                }
                cnt++;
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
                    ps->p++;
                    break;
                }
                perr(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
                goto cfail;
            }
        }
        n->n = cnt;
        n->items = arena_memdup(ps->a, items, cnt * sizeof *items);
        if (obj) {
            n->keys = arena_memdup(ps->a, keys, cnt * sizeof *keys);
            n->klen = arena_memdup(ps->a, klen, cnt * sizeof *klen);
        }
        free(items);
        free(keys);
        free(klen);
        return n;
    cfail:
        free(items);
        free(keys);
        free(klen);
        return NULL;
    }
    if (c == '"') {
        JNode *n = node(ps, J_STR);
        if (parse_string(ps, &n->s, &n->slen, &n->lone_surrogate))
            return NULL;
        return n;
    }
    if (c == '-' || is_digit(c))
        return parse_number(ps);
    if (lit(ps, "true"))
        return node(ps, J_TRUE);
    if (lit(ps, "false"))
        return node(ps, J_FALSE);
    if (lit(ps, "null"))
        return node(ps, J_NULL);
    perr(ps, "unexpected character");
    return NULL;
}

JNode *json_parse(Arena *a, const char *text, size_t len, char *err, size_t errlen)
{
    P ps = {a, text, text + len, text, 1, err, errlen, 0};
    size_t bad;
    if (!utf8_valid((const uint8_t *)text, len, &bad)) {
        snprintf(err, errlen, "JSON: invalid UTF-8 at byte %zu", bad);
        return NULL;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        snprintf(err, errlen, "JSON: byte order mark not allowed");
        return NULL;
    }
    JNode *n = parse_value(&ps, 0);
    if (!n)
        return NULL;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        perr(&ps, "trailing characters after JSON value");
        return NULL;
    }
    return n;
}

const JNode *json_get(const JNode *obj, const char *key)
{
    if (!obj || obj->t != J_OBJ)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->n; i++)
        if (obj->klen[i] == kl && memcmp(obj->keys[i], key, kl) == 0)
            return obj->items[i];
    return NULL;
}

int json_int(const JNode *n, long long *out)
{
    if (!n || n->t != J_NUM)
        return 0;
    for (size_t i = 0; i < n->slen; i++)
        if (n->s[i] == '.' || n->s[i] == 'e' || n->s[i] == 'E')
            return 0;
    if (n->slen == 2 && n->s[0] == '-' && n->s[1] == '0')
        return 0; /* -0 is no integer of the notation (format.md 12.2 rule 2) */
    errno = 0;
    char *endp;
    long long v = strtoll(n->s, &endp, 10);
    if (errno || endp != n->s + n->slen)
        return 0;
    *out = v;
    return 1;
}

int json_streq(const JNode *n, const char *lit_)
{
    return n && n->t == J_STR && n->slen == strlen(lit_) && memcmp(n->s, lit_, n->slen) == 0;
}
