/* pwcheck.c - the C checker on msgpack-c, as a testee of the conformance runner.
 *
 * Usage: pwcheck --testee
 * Serves the testee protocol of Spec/conformance.md section 5 on stdin/stdout: each request
 * is a frame (4-byte big-endian length, then UTF-8 JSON) answered by one frame. The ops are
 * hello, decode, encode and stream. The runner that reads the vectors, compares the answers
 * and applies Spec/expected-failures/c.txt is `pwire conformance`:
 *
 *   pwire conformance --no-swift --testee "Spec/peers/c/pwcheck --testee"
 *
 * Exit status 0 at the end of input between frames, 1 when the input ends inside a frame,
 * 2 for a usage error. A bad request is answered with badRequest; it never ends the testee. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "encode.h"
#include "json.h"
#include "util.h"
#include "value.h"

#define PWCHECK_VERSION "0.3.0"
#define SPEC_VERSION "1.1"

/* ---- JSON output ---- */

/* A JSON string of arbitrary bytes: escapes '"', '\' and control characters; bytes that are not
 * well-formed UTF-8 (a message quoting raw input) become '?', so the frame stays UTF-8. */
static void put_json_string(Buf *o, const char *s, size_t n)
{
    size_t bad;
    int valid = utf8_valid((const uint8_t *)s, n, &bad);
    buf_putc(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            buf_putc(o, '\\');
            buf_putc(o, (char)ch);
        } else if (ch < 0x20) {
            buf_printf(o, "\\u%04x", ch);
        } else if (ch >= 0x80 && !valid) {
            buf_putc(o, '?');
        } else {
            buf_putc(o, (char)ch);
        }
    }
    buf_putc(o, '"');
}

static void put_failure(Buf *o, const char *code, const char *message)
{
    buf_puts(o, "{\"ok\": false, \"error\": ");
    put_json_string(o, code, strlen(code));
    buf_puts(o, ", \"message\": ");
    put_json_string(o, message, strlen(message));
    buf_putc(o, '}');
}

/* The global data of a decoded message as [[key, value], ...] in wire order. */
static void put_global_data(Buf *o, const Value *g)
{
    buf_putc(o, '[');
    for (size_t i = 0; g && i < g->n; i++) {
        if (i)
            buf_puts(o, ", ");
        buf_putc(o, '[');
        notation_print(o, g->items[2 * i], 0);
        buf_puts(o, ", ");
        notation_print(o, g->items[2 * i + 1], 0);
        buf_putc(o, ']');
    }
    buf_putc(o, ']');
}

/* ---- requests ---- */

typedef struct {
    char message[512];
} BadRequest;

static int bad(BadRequest *b, const char *msg)
{
    snprintf(b->message, sizeof b->message, "%s", msg);
    return -1;
}

static int names(Arena *a, const JNode *req, const char *member, const char ***out, size_t **lens, size_t *n,
                 BadRequest *b)
{
    const JNode *j = json_get(req, member);
    *out = NULL;
    *lens = NULL;
    *n = 0;
    if (!j)
        return 0;
    if (j->t != J_ARR)
        return bad(b, "registered and twoPhase are arrays of non-empty strings");
    *out = arena_alloc(a, (j->n + 1) * sizeof(char *));
    *lens = arena_alloc(a, (j->n + 1) * sizeof(size_t));
    for (size_t i = 0; i < j->n; i++) {
        const JNode *s = j->items[i];
        if (s->t != J_STR || s->slen == 0 || s->lone_surrogate)
            return bad(b, "registered and twoPhase are arrays of non-empty strings");
        (*out)[i] = s->s;
        (*lens)[i] = s->slen;
    }
    *n = j->n;
    return 0;
}

static const struct {
    const char *name;
    size_t offset;
} LIMITS[] = {
    {"maxDepth", offsetof(PwLimits, maxDepth)},
    {"maxMessageByteCount", offsetof(PwLimits, maxMessageByteCount)},
    {"maxPayloadByteCount", offsetof(PwLimits, maxPayloadByteCount)},
    {"maxElementCount", offsetof(PwLimits, maxElementCount)},
    {"maxObjectCount", offsetof(PwLimits, maxObjectCount)},
    {"maxReferenceCount", offsetof(PwLimits, maxReferenceCount)},
    {"maxTypeNameCount", offsetof(PwLimits, maxTypeNameCount)},
    {"maxGlobalDataCount", offsetof(PwLimits, maxGlobalDataCount)},
    {"maxExpansion", offsetof(PwLimits, maxExpansion)},
};

/* registered, twoPhase, passthrough and limits of a decode or stream request */
static int setup(Arena *a, const JNode *req, DecodeOptions *opt, BadRequest *b)
{
    memset(opt, 0, sizeof *opt);
    pw_default_limits(&opt->limits);
    if (names(a, req, "registered", &opt->registered, (size_t **)&opt->reglen, &opt->nreg, b) ||
        names(a, req, "twoPhase", &opt->two_phase, (size_t **)&opt->twolen, &opt->ntwo, b))
        return -1;
    for (size_t i = 0; i < opt->ntwo; i++) {
        size_t k = 0;
        while (k < opt->nreg && !(opt->reglen[k] == opt->twolen[i] &&
                                  memcmp(opt->registered[k], opt->two_phase[i], opt->twolen[i]) == 0))
            k++;
        if (k == opt->nreg)
            return bad(b, "every twoPhase name must also be in registered (conformance.md 5.2)");
    }
    const JNode *pt = json_get(req, "passthrough");
    if (pt && pt->t != J_TRUE && pt->t != J_FALSE)
        return bad(b, "passthrough is true or false");
    opt->passthrough = pt && pt->t == J_TRUE;
    const JNode *lj = json_get(req, "limits");
    if (lj) {
        if (lj->t != J_OBJ)
            return bad(b, "limits is an object of limit names and integers >= 0");
        for (size_t i = 0; i < lj->n; i++) {
            size_t k = 0;
            while (k < sizeof LIMITS / sizeof *LIMITS &&
                   !(strlen(LIMITS[k].name) == lj->klen[i] && memcmp(LIMITS[k].name, lj->keys[i], lj->klen[i]) == 0))
                k++;
            long long v;
            if (k == sizeof LIMITS / sizeof *LIMITS)
                return bad(b, "unknown limit name (format.md 7 lists them)");
            if (!json_int(lj->items[i], &v) || v < 0)
                return bad(b, "a limit is an integer >= 0");
            if (LIMITS[k].offset != (size_t)-1)
                *(uint64_t *)((char *)&opt->limits + LIMITS[k].offset) = (uint64_t)v;
        }
    }
    return 0;
}

static int compact_hex(const JNode *j, Buf *out)
{
    return j && j->t == J_STR && !j->lone_surrogate && hex_decode(j->s, j->slen, 0, out) == 0 ? 0 : -1;
}

static void op_decode(Arena *a, const JNode *req, Buf *o)
{
    BadRequest b;
    DecodeOptions opt;
    Buf bytes;
    buf_init(&bytes);
    if (compact_hex(json_get(req, "hex"), &bytes)) {
        put_failure(o, "badRequest", "hex is lowercase hex digit pairs without separators");
    } else if (setup(a, req, &opt, &b)) {
        put_failure(o, "badRequest", b.message);
    } else {
        DecodeResult res;
        if (pw_decode(a, (const uint8_t *)bytes.data, bytes.len, &opt, &res) != 0) {
            put_failure(o, res.error, res.message);
        } else {
            buf_puts(o, "{\"ok\": true, \"value\": ");
            notation_print(o, res.value, 0);
            buf_puts(o, ", \"globalData\": ");
            put_global_data(o, res.global);
            buf_putc(o, '}');
        }
    }
    buf_free(&bytes);
}

static void op_encode(Arena *a, const JNode *req, Buf *o)
{
    const JNode *vj = json_get(req, "value");
    if (!vj) {
        put_failure(o, "badRequest", "an encode request has a value");
        return;
    }
    char err[512];
    Value *global;
    /* globalData is notation too: a malformed one is invalid notation (conformance.md 4) */
    Value *body = notation_parse(a, vj, json_get(req, "globalData"), &global, err, sizeof err);
    if (!body) {
        put_failure(o, "cannotSerialize", err);
        return;
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    const char *code;
    if (pw_encode(body, global, &sb, &code, err, sizeof err)) {
        put_failure(o, code, err);
    } else {
        static const char d[] = "0123456789abcdef";
        buf_puts(o, "{\"ok\": true, \"hex\": \"");
        for (size_t i = 0; i < sb.size; i++) {
            buf_putc(o, d[(uint8_t)sb.data[i] >> 4]);
            buf_putc(o, d[(uint8_t)sb.data[i] & 15]);
        }
        buf_puts(o, "\"}");
    }
    msgpack_sbuffer_destroy(&sb);
}

/* Feeds the chunks to msgpack-c's streaming unpacker (msgpack_unpacker), which finds where each
 * message ends however the stream is cut (format.md 6.7); each complete message is then decoded
 * with pw_decode like one buffer, so every rule applies to it. Messages are numbered on their own:
 * object ids and the type-name table start again in each. */
static void op_stream(Arena *a, const JNode *req, Buf *o)
{
    BadRequest b;
    DecodeOptions opt;
    const JNode *cj = json_get(req, "chunks");
    if (!cj || cj->t != J_ARR) {
        put_failure(o, "badRequest", "a stream request has chunks, an array of hex strings");
        return;
    }
    if (setup(a, req, &opt, &b)) {
        put_failure(o, "badRequest", b.message);
        return;
    }
    Buf all, chunk, messages;
    buf_init(&all);
    buf_init(&chunk);
    buf_init(&messages);
    for (size_t i = 0; i < cj->n; i++)
        if (compact_hex(cj->items[i], &chunk)) {
            put_failure(o, "badRequest", "every chunk is lowercase hex digit pairs without separators");
            goto out;
        }
    buf_reset(&chunk);
    msgpack_unpacker up;
    if (!msgpack_unpacker_init(&up, MSGPACK_UNPACKER_INIT_BUFFER_SIZE)) {
        put_failure(o, "internalError", "msgpack_unpacker_init failed");
        goto out;
    }
    size_t start = 0, count = 0; /* where the next message starts in `all`; messages so far */
    const char *error = NULL;
    char message[600] = "";
    for (size_t i = 0; i < cj->n && !error; i++) {
        buf_reset(&chunk);
        compact_hex(cj->items[i], &chunk);
        if (chunk.len == 0)
            continue;
        buf_append(&all, chunk.data, chunk.len);
        if (!msgpack_unpacker_reserve_buffer(&up, chunk.len)) {
            error = "internalError";
            snprintf(message, sizeof message, "msgpack_unpacker_reserve_buffer failed");
            break;
        }
        memcpy(msgpack_unpacker_buffer(&up), chunk.data, chunk.len);
        msgpack_unpacker_buffer_consumed(&up, chunk.len);
        for (;;) {
            int r = msgpack_unpacker_execute(&up);
            if (r == 0)
                break; /* needs more bytes */
            DecodeResult res;
            if (r < 0) {
                /* msgpack-c stopped (0xc1, or nesting beyond its stack): decode the rest as one
                 * buffer to name the first defect the way the one-buffer rules do */
                if (pw_decode(a, (const uint8_t *)all.data + start, all.len - start, &opt, &res) == 0 ||
                    strcmp(res.error, "trailingBytes") == 0) {
                    error = "checkerInternal";
                    snprintf(message, sizeof message, "msgpack_unpacker_execute failed (%d) on a decodable message", r);
                } else {
                    error = res.error;
                    snprintf(message, sizeof message, "message %zu: %s", count, res.message);
                }
                break;
            }
            /* parsed counts the bytes since the last reset: this message's length */
            size_t length = msgpack_unpacker_parsed_size(&up);
            msgpack_zone_free(msgpack_unpacker_release_zone(&up));
            msgpack_unpacker_reset(&up);
            if (pw_decode(a, (const uint8_t *)all.data + start, length, &opt, &res) != 0) {
                error = res.error;
                snprintf(message, sizeof message, "message %zu (at stream offset %zu): %s", count, start, res.message);
                break;
            }
            if (count++)
                buf_puts(&messages, ", ");
            notation_print(&messages, res.value, 0);
            start += length;
        }
    }
    if (!error && start < all.len) {
        error = "truncated";
        snprintf(message, sizeof message, "the stream ended inside message %zu, after %zu of its bytes", count,
                 all.len - start);
    }
    msgpack_unpacker_destroy(&up);
    buf_printf(o, "{\"ok\": %s, \"messages\": [", error ? "false" : "true");
    if (messages.len)
        buf_append(o, messages.data, messages.len);
    buf_putc(o, ']');
    if (error) {
        buf_puts(o, ", \"error\": ");
        put_json_string(o, error, strlen(error));
        buf_puts(o, ", \"message\": ");
        put_json_string(o, message, strlen(message));
    }
    buf_putc(o, '}');
out:
    buf_free(&all);
    buf_free(&chunk);
    buf_free(&messages);
}

static void answer(const char *text, size_t len, Buf *o)
{
    Arena *a = arena_new();
    char err[512];
    JNode *req = json_parse(a, text, len, err, sizeof err);
    const JNode *op = req ? json_get(req, "op") : NULL;
    if (!req) {
        char m[600];
        snprintf(m, sizeof m, "the frame is not JSON: %s", err);
        put_failure(o, "badRequest", m);
    } else if (req->t != J_OBJ) {
        put_failure(o, "badRequest", "a request is a JSON object");
    } else if (json_streq(op, "hello")) {
        buf_puts(o, "{\"ok\": true, \"implementation\": \"c\", \"version\": \"" PWCHECK_VERSION
                    "\", \"specVersion\": \"" SPEC_VERSION "\"}");
    } else if (json_streq(op, "decode")) {
        op_decode(a, req, o);
    } else if (json_streq(op, "encode")) {
        op_encode(a, req, o);
    } else if (json_streq(op, "stream")) {
        op_stream(a, req, o);
    } else {
        put_failure(o, "badRequest", "unknown op; the ops are hello, decode, encode and stream");
    }
    arena_free(a);
}

static int read_exactly(void *p, size_t n)
{
    return fread(p, 1, n, stdin) == n;
}

static int serve(void)
{
    Buf in, out;
    buf_init(&in);
    buf_init(&out);
    int status = 0;
    for (;;) {
        uint8_t h[4];
        size_t got = fread(h, 1, 4, stdin);
        if (got == 0)
            break; /* end of input between frames */
        if (got != 4) {
            fprintf(stderr, "pwcheck: the input ended inside a frame header\n");
            status = 1;
            break;
        }
        size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        buf_reset(&in);
        for (size_t left = n; left;) {
            char tmp[65536];
            size_t k = left < sizeof tmp ? left : sizeof tmp;
            if (!read_exactly(tmp, k)) {
                fprintf(stderr, "pwcheck: the input ended inside a frame\n");
                status = 1;
                goto done;
            }
            buf_append(&in, tmp, k);
            left -= k;
        }
        buf_reset(&out);
        answer(in.data ? in.data : "", in.len, &out);
        uint8_t oh[4] = {(uint8_t)(out.len >> 24), (uint8_t)(out.len >> 16), (uint8_t)(out.len >> 8),
                         (uint8_t)out.len};
        if (fwrite(oh, 1, 4, stdout) != 4 || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
            status = 1;
            break;
        }
    }
done:
    buf_free(&in);
    buf_free(&out);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--testee") == 0)
        return serve();
    fprintf(stderr,
            "usage: pwcheck --testee\n"
            "Serves the testee protocol of Spec/conformance.md on stdin/stdout. Run the vectors with\n"
            "  pwire conformance --no-swift --testee \"Spec/peers/c/pwcheck --testee\"\n");
    return 2;
}
