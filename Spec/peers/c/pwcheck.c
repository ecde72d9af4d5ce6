/* pwcheck.c - PortableWire conformance checker on top of msgpack-c.
 *
 * Usage: pwcheck [-v] [--vectors DIR] [--expected-failures FILE]
 * Runs every case of DIR/{core,invalid,portable}/ *.json (design.md section 4)
 * and prints one line per failing case and a summary line
 *   c: N passed, N failed, N expected failures
 * Exit status 0 only when there is no unexpected failure. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "encode.h"
#include "json.h"
#include "util.h"
#include "value.h"

static const char *const SUBDIRS[] = {"core", "invalid", "portable"};

static const char *const DECODE_ERRORS[] = {
    "truncated", "invalidFormatByte", "invalidUTF8", "invalidTimestamp", "trailingBytes",
    "limitExceeded", "danglingReference", "incompleteReference", "typeReferenceOutOfRange",
    "malformedPortable", "unknownType",
};
static const char *const OTHER_ERRORS[] = {
    "cannotSerialize", "globalDataUnavailable", "typeMismatch", "cycleDetected",
};

/* ---- expected failures ---- */

typedef struct {
    char *id;
    char *reason;
    int seen, failed;
} XFail;

static XFail *xf;
static size_t nxf;

static int load_xfail(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "pwcheck: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = 0;
        if (!*s)
            continue;
        char *sp = s;
        while (*sp && *sp != ' ' && *sp != '\t')
            sp++;
        char *reason = sp;
        if (*sp) {
            *sp = 0;
            reason = sp + 1;
            while (*reason == ' ' || *reason == '\t')
                reason++;
        }
        for (size_t i = 0; i < nxf; i++)
            if (strcmp(xf[i].id, s) == 0) {
                fprintf(stderr, "pwcheck: %s:%zu: duplicate id %s\n", path, lineno, s);
                rc = -1;
            }
        xf = xrealloc(xf, (nxf + 1) * sizeof *xf);
        xf[nxf].id = strdup(s);
        xf[nxf].reason = strdup(reason);
        xf[nxf].seen = xf[nxf].failed = 0;
        nxf++;
    }
    free(line);
    fclose(f);
    return rc;
}

static XFail *find_xfail(const char *id, size_t len)
{
    for (size_t i = 0; i < nxf; i++)
        if (strlen(xf[i].id) == len && memcmp(xf[i].id, id, len) == 0)
            return &xf[i];
    return NULL;
}

/* ---- seen ids (uniqueness across the suite) ---- */

static char **ids;
static size_t nids, capids;

static int id_seen(const char *id)
{
    for (size_t i = 0; i < nids; i++)
        if (strcmp(ids[i], id) == 0)
            return 1;
    if (nids == capids) {
        capids = capids ? capids * 2 : 256;
        ids = xrealloc(ids, capids * sizeof *ids);
    }
    ids[nids++] = strdup(id);
    return 0;
}

/* ---- counters ---- */

static int verbose;
static size_t n_pass, n_fail, n_xfail;

static void report(const char *file, const char *id, int ok, const char *reason)
{
    XFail *x = id ? find_xfail(id, strlen(id)) : NULL;
    if (x) {
        x->seen = 1;
        if (ok) {
            n_fail++;
            printf("FAIL %s (%s): listed in expected-failures/c.txt but passed; remove it from the list\n", id, file);
        } else {
            n_xfail++;
            if (verbose)
                printf("XFAIL %s (%s): %s\n", id, file, reason);
        }
        return;
    }
    if (ok) {
        n_pass++;
        if (verbose)
            printf("PASS %s (%s)\n", id, file);
    } else {
        n_fail++;
        printf("FAIL %s (%s): %s\n", id ? id : "-", file, reason);
    }
}

/* ---- helpers ---- */

static int in_list(const char *const *l, size_t n, const char *s, size_t sl)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(l[i]) == sl && memcmp(l[i], s, sl) == 0)
            return 1;
    return 0;
}

static void hex_of(Buf *o, const uint8_t *p, size_t n, size_t max)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n && i < max; i++) {
        if (i)
            buf_putc(o, ' ');
        buf_putc(o, d[p[i] >> 4]);
        buf_putc(o, d[p[i] & 15]);
    }
    if (n > max)
        buf_printf(o, " ...(%zu bytes)", n);
}

static int hex_any(const JNode *j, Buf *out)
{
    if (!j || j->t != J_STR)
        return -1;
    size_t save = out->len;
    if (hex_decode(j->s, j->slen, 1, out) == 0)
        return 0;
    out->len = save;
    return hex_decode(j->s, j->slen, 0, out);
}

/* input bytes of a case; returns 0 or -1 with why */
static int case_bytes(const JNode *c, Buf *bytes, Buf *why)
{
    const JNode *hx = json_get(c, "hex"), *hr = json_get(c, "hexRepeat");
    if ((hx != NULL) == (hr != NULL)) {
        buf_puts(why, "vector: case needs exactly one of \"hex\" and \"hexRepeat\"");
        return -1;
    }
    if (hx) {
        if (hx->t != J_STR || hex_decode(hx->s, hx->slen, 1, bytes)) {
            buf_puts(why, "vector: \"hex\" is not lowercase byte pairs separated by single spaces");
            return -1;
        }
        return 0;
    }
    const JNode *pre = json_get(hr, "prefix"), *rep = json_get(hr, "repeat"), *suf = json_get(hr, "suffix");
    long long count;
    Buf r;
    buf_init(&r);
    int rc = -1;
    if (hr->t != J_OBJ || !json_int(json_get(hr, "count"), &count) || count < 0 || !rep ||
        hex_any(rep, &r) || (pre && hex_any(pre, bytes))) {
        buf_puts(why, "vector: malformed \"hexRepeat\"");
        goto out;
    }
    for (long long i = 0; i < count; i++)
        buf_append(bytes, r.data, r.len);
    if (suf && hex_any(suf, bytes)) {
        buf_puts(why, "vector: malformed \"hexRepeat\" suffix");
        goto out;
    }
    rc = 0;
out:
    buf_free(&r);
    return rc;
}

static int string_list(Arena *a, const JNode *j, const char ***names, size_t **lens, size_t *n)
{
    *names = NULL;
    *lens = NULL;
    *n = 0;
    if (!j)
        return 0;
    if (j->t != J_ARR)
        return -1;
    *names = arena_alloc(a, (j->n + 1) * sizeof(char *));
    *lens = arena_alloc(a, (j->n + 1) * sizeof(size_t));
    for (size_t i = 0; i < j->n; i++) {
        if (j->items[i]->t != J_STR)
            return -1;
        (*names)[i] = j->items[i]->s;
        (*lens)[i] = j->items[i]->slen;
    }
    *n = j->n;
    return 0;
}

static const char *const CASE_KEYS[] = {"id", "description", "hex", "hexRepeat", "value", "canonical",
                                        "error", "globalData", "passthrough"};

static void run_case(Arena *a, const char *file, const JNode *c, const DecodeOptions *base_opt)
{
    Buf why, bytes;
    buf_init(&why);
    buf_init(&bytes);
    char err[512];
    const JNode *idj = json_get(c, "id");
    const char *id = idj && idj->t == J_STR ? idj->s : NULL;
    int ok = 0;
    if (c->t != J_OBJ || !id) {
        buf_puts(&why, "vector: case is not an object with a string \"id\"");
        goto out;
    }
    if (id_seen(id)) {
        buf_puts(&why, "vector: duplicate case id");
        goto out;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!in_list(CASE_KEYS, sizeof CASE_KEYS / sizeof *CASE_KEYS, c->keys[i], c->klen[i]))
            fprintf(stderr, "pwcheck: warning: %s (%s): unknown case key \"%s\"\n", id, file, c->keys[i]);
    if (case_bytes(c, &bytes, &why))
        goto out;
    const JNode *valj = json_get(c, "value"), *errj = json_get(c, "error");
    const JNode *pt = json_get(c, "passthrough"), *gdj = json_get(c, "globalData");
    const JNode *canj = json_get(c, "canonical");
    if ((valj != NULL) == (errj != NULL)) {
        buf_puts(&why, "vector: case needs exactly one of \"value\" and \"error\"");
        goto out;
    }
    if (pt && pt->t != J_TRUE && pt->t != J_FALSE) {
        buf_puts(&why, "vector: \"passthrough\" must be a boolean");
        goto out;
    }
    DecodeOptions opt = *base_opt;
    opt.passthrough = pt && pt->t == J_TRUE;
    DecodeResult res;
    if (errj) {
        if (errj->t != J_STR) {
            buf_puts(&why, "vector: \"error\" must be a string");
            goto out;
        }
        if (canj || gdj)
            fprintf(stderr, "pwcheck: warning: %s (%s): invalid case has \"canonical\"/\"globalData\"\n", id, file);
        if (!in_list(DECODE_ERRORS, sizeof DECODE_ERRORS / sizeof *DECODE_ERRORS, errj->s, errj->slen)) {
            if (in_list(OTHER_ERRORS, sizeof OTHER_ERRORS / sizeof *OTHER_ERRORS, errj->s, errj->slen))
                buf_printf(&why, "vector: error \"%s\" is not a decode error; a decode-only checker cannot check it",
                           errj->s);
            else
                buf_printf(&why, "vector: unknown error code \"%s\"", errj->s);
            goto out;
        }
        if (pw_decode(a, (const uint8_t *)bytes.data, bytes.len, &opt, &res) == 0) {
            buf_printf(&why, "accepted, expected %s; decoded ", errj->s);
            notation_print(&why, res.value, 200);
            goto out;
        }
        if (strcmp(res.error, errj->s) != 0) {
            buf_printf(&why, "rejected with %s (%s), expected %s", res.error, res.message, errj->s);
            goto out;
        }
        ok = 1;
        goto out;
    }
    /* valid case */
    if (!canj || (canj->t != J_TRUE && canj->t != J_FALSE)) {
        buf_puts(&why, "vector: valid case needs boolean \"canonical\"");
        goto out;
    }
    Value *expected = notation_parse(a, valj, err, sizeof err);
    if (!expected) {
        buf_printf(&why, "vector: value: %s", err);
        goto out;
    }
    Value *eglobal = NULL;
    if (gdj && !(eglobal = notation_parse_global(a, gdj, err, sizeof err))) {
        buf_printf(&why, "vector: globalData: %s", err);
        goto out;
    }
    if (pw_decode(a, (const uint8_t *)bytes.data, bytes.len, &opt, &res) != 0) {
        buf_printf(&why, "decode rejected with %s: %s", res.error, res.message);
        goto out;
    }
    if (!value_equal(expected, res.value, &why))
        goto out;
    if (eglobal || res.global->n) {
        Value empty;
        memset(&empty, 0, sizeof empty);
        empty.t = V_MAP;
        if (!value_equal(eglobal ? eglobal : &empty, res.global, &why)) {
            Buf tmp;
            buf_init(&tmp);
            buf_printf(&tmp, "globalData: %s", why.data);
            buf_reset(&why);
            buf_puts(&why, tmp.data);
            buf_free(&tmp);
            goto out;
        }
    }
    if (canj->t == J_TRUE) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        if (pw_encode(expected, eglobal, &sb, err, sizeof err)) {
            buf_printf(&why, "encode failed: %s", err);
            msgpack_sbuffer_destroy(&sb);
            goto out;
        }
        if (sb.size != bytes.len || memcmp(sb.data, bytes.data, bytes.len) != 0) {
            size_t k = 0;
            while (k < sb.size && k < bytes.len && sb.data[k] == bytes.data[k])
                k++;
            buf_printf(&why, "canonical encode differs at byte %zu: got ", k);
            hex_of(&why, (const uint8_t *)sb.data, sb.size, 64);
            buf_puts(&why, ", expected ");
            hex_of(&why, (const uint8_t *)bytes.data, bytes.len, 64);
            msgpack_sbuffer_destroy(&sb);
            goto out;
        }
        msgpack_sbuffer_destroy(&sb);
    }
    ok = 1;
out:
    report(file, id, ok, why.data);
    buf_free(&why);
    buf_free(&bytes);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Buf b;
    buf_init(&b);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

static void run_file(const char *path, const char *rel)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        report(rel, NULL, 0, "cannot read file");
        return;
    }
    Arena *a = arena_new();
    char err[512];
    JNode *root = json_parse(a, text, len, err, sizeof err);
    const JNode *cases;
    DecodeOptions opt;
    memset(&opt, 0, sizeof opt);
    if (!root) {
        report(rel, NULL, 0, err);
        goto out;
    }
    cases = json_get(root, "cases");
    if (root->t != J_OBJ || !cases || cases->t != J_ARR || !json_get(root, "suite")) {
        report(rel, NULL, 0, "vector file: needs an object with \"suite\" and \"cases\" (array)");
        goto out;
    }
    if (string_list(a, json_get(root, "registered"), &opt.registered, (size_t **)&opt.reglen, &opt.nreg) ||
        string_list(a, json_get(root, "twoPhase"), &opt.two_phase, (size_t **)&opt.twolen, &opt.ntwo)) {
        report(rel, NULL, 0, "vector file: \"registered\"/\"twoPhase\" must be arrays of strings");
        goto out;
    }
    for (size_t i = 0; i < opt.ntwo; i++)
        if (!in_list(opt.registered, opt.nreg, opt.two_phase[i], opt.twolen[i]))
            fprintf(stderr, "pwcheck: warning: %s: twoPhase name \"%s\" is not in registered\n", rel,
                    opt.two_phase[i]);
    for (size_t i = 0; i < cases->n; i++)
        run_case(a, rel, cases->items[i], &opt);
out:
    arena_free(a);
    free(text);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *r = xmalloc(la + lb + 2);
    memcpy(r, a, la);
    r[la] = '/';
    memcpy(r + la + 1, b, lb + 1);
    return r;
}

static int run_dir(const char *root, const char *sub)
{
    char *dir = join(root, sub);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "pwcheck: note: no directory %s\n", dir);
        free(dir);
        return 0;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 && e->d_name[0] != '.') {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, names[i]), *rel = join(sub, names[i]);
        run_file(path, rel);
        free(path);
        free(rel);
        free(names[i]);
    }
    free(names);
    free(dir);
    return (int)n;
}

static void usage(void)
{
    fprintf(stderr, "usage: pwcheck [-v] [--vectors DIR] [--expected-failures FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* defaults: relative to the executable (Spec/peers/c/pwcheck) */
    char *exedir = strdup(argv[0]);
    char *slash = strrchr(exedir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(exedir, ".");
    char *def_vdir = join(exedir, "../../vectors");
    char *def_xfile = join(exedir, "../../expected-failures/c.txt");
    const char *vdir = def_vdir, *xfile = def_xfile;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc)
            vdir = argv[++i];
        else if (strcmp(argv[i], "--expected-failures") == 0 && i + 1 < argc)
            xfile = argv[++i];
        else
            usage();
    }
    struct stat st;
    if (stat(vdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pwcheck: vectors directory %s not found\n", vdir);
        return 2;
    }
    if (load_xfail(xfile))
        return 2;
    int files = 0;
    for (size_t i = 0; i < sizeof SUBDIRS / sizeof *SUBDIRS; i++)
        files += run_dir(vdir, SUBDIRS[i]);
    for (size_t i = 0; i < nxf; i++)
        if (!xf[i].seen) {
            n_fail++;
            printf("FAIL %s (expected-failures/c.txt): listed but no such vector; remove it from the list\n",
                   xf[i].id);
        }
    if (files == 0) {
        n_fail++;
        printf("FAIL - (%s): no vector files found\n", vdir);
    }
    printf("c: %zu passed, %zu failed, %zu expected failures\n", n_pass, n_fail, n_xfail);
    fflush(stdout);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    for (size_t i = 0; i < nxf; i++) {
        free(xf[i].id);
        free(xf[i].reason);
    }
    free(xf);
    free(exedir);
    free(def_vdir);
    free(def_xfile);
    return n_fail ? 1 : 0;
}
