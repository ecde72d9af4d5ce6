// SPDX-License-Identifier: Apache-2.0
#include "MsgPackCBaseline.h"

#include <msgpack.h>
#include <string.h>

void pwb_buffer_free(pwb_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = buffer->alloc = 0;
}

// Every writer packs into a fresh msgpack_sbuffer on its stack...
static inline void begin(msgpack_sbuffer *sbuf, msgpack_packer *pk) {
    msgpack_sbuffer_init(sbuf);
    msgpack_packer_init(pk, sbuf, msgpack_sbuffer_write);
}

// ...and hands the packed bytes to the caller, who frees them with pwb_buffer_free.
static void take(msgpack_sbuffer *sbuf, pwb_buffer *out) {
    out->data = sbuf->data;
    out->size = sbuf->size;
    out->alloc = sbuf->alloc;
}

static void pack_str(msgpack_packer *pk, pwb_str s) {
    msgpack_pack_str(pk, s.size);
    msgpack_pack_str_body(pk, s.ptr, s.size);
}

static void pack_key(msgpack_packer *pk, const char *key) {
    size_t n = strlen(key);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, key, n);
}

int pwb_pack_task(const pwb_task *t, pwb_buffer *out) {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    begin(&sbuf, &pk);
    msgpack_pack_map(&pk, 4);
    pack_key(&pk, "task");
    pack_str(&pk, t->task);
    pack_key(&pk, "id");
    pack_str(&pk, t->id);
    pack_key(&pk, "args");
    msgpack_pack_array(&pk, t->arg_count);
    for (uint32_t i = 0; i < t->arg_count; i++) {
        const pwb_arg *a = &t->args[i];
        switch (a->kind) {
        case PWB_ARG_INT: msgpack_pack_int64(&pk, a->i); break;
        case PWB_ARG_DOUBLE: msgpack_pack_double(&pk, a->d); break;
        case PWB_ARG_STRING: pack_str(&pk, a->s); break;
        case PWB_ARG_BOOL: if (a->i) msgpack_pack_true(&pk); else msgpack_pack_false(&pk); break;
        default: msgpack_pack_nil(&pk); break;
        }
    }
    pack_key(&pk, "kwargs");
    msgpack_pack_map(&pk, 2);
    pack_key(&pk, "input");
    msgpack_pack_map(&pk, 2);
    pack_key(&pk, "type");
    pack_str(&pk, t->input_type);
    pack_key(&pk, "quantile");
    msgpack_pack_double(&pk, t->quantile);
    pack_key(&pk, "tags");
    msgpack_pack_array(&pk, t->tag_count);
    for (uint32_t i = 0; i < t->tag_count; i++) pack_str(&pk, t->tags[i]);
    take(&sbuf, out);
    return 0;
}

static void pack_person(msgpack_packer *pk, const pwb_person *p) {
    msgpack_pack_map(pk, 8);
    pack_key(pk, "id");
    msgpack_pack_int64(pk, p->id);
    pack_key(pk, "firstName");
    pack_str(pk, p->first_name);
    pack_key(pk, "lastName");
    pack_str(pk, p->last_name);
    pack_key(pk, "email");
    pack_str(pk, p->email);
    pack_key(pk, "age");
    msgpack_pack_int64(pk, p->age);
    pack_key(pk, "score");
    msgpack_pack_double(pk, p->score);
    pack_key(pk, "tags");
    msgpack_pack_array(pk, p->tag_count);
    for (uint32_t i = 0; i < p->tag_count; i++) pack_str(pk, p->tags[i]);
    pack_key(pk, "active");
    if (p->active) msgpack_pack_true(pk); else msgpack_pack_false(pk);
}

static inline void pack_int64(msgpack_packer *pk, const int64_t *v) { msgpack_pack_int64(pk, *v); }
static inline void pack_double(msgpack_packer *pk, const double *v) { msgpack_pack_double(pk, *v); }

// The array workloads: an array header, then each element through `pack_element(pk, &values[i])`.
#define DEFINE_PACK_ARRAY(name, element_type, pack_element)                \
    int name(const element_type *values, size_t count, pwb_buffer *out) { \
        msgpack_sbuffer sbuf;                                              \
        msgpack_packer pk;                                                 \
        begin(&sbuf, &pk);                                                 \
        msgpack_pack_array(&pk, count);                                    \
        for (size_t i = 0; i < count; i++) pack_element(&pk, &values[i]);  \
        take(&sbuf, out);                                                  \
        return 0;                                                          \
    }

DEFINE_PACK_ARRAY(pwb_pack_records, pwb_person, pack_person)
DEFINE_PACK_ARRAY(pwb_pack_int64s, int64_t, pack_int64)
DEFINE_PACK_ARRAY(pwb_pack_doubles, double, pack_double)

int pwb_pack_blob(const void *bytes, size_t count, pwb_buffer *out) {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    begin(&sbuf, &pk);
    msgpack_pack_bin(&pk, count);
    msgpack_pack_bin_body(&pk, bytes, count);
    take(&sbuf, out);
    return 0;
}

// MARK: unpacking

static int unpack_one(const char *data, size_t size, msgpack_unpacked *result) {
    size_t off = 0;
    msgpack_unpacked_init(result);
    if (msgpack_unpack_next(result, data, size, &off) != MSGPACK_UNPACK_SUCCESS || off != size) {
        msgpack_unpacked_destroy(result);
        return -1;
    }
    return 0;
}

static int key_is(const msgpack_object *k, const char *name) {
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, name, n) == 0;
}

static int get_str(const msgpack_object *o, pwb_str *s) {
    if (o->type != MSGPACK_OBJECT_STR) return -1;
    s->ptr = o->via.str.ptr;
    s->size = o->via.str.size;
    return 0;
}

static int get_int(const msgpack_object *o, int64_t *v) {
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) { *v = (int64_t)o->via.u64; return 0; }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) { *v = o->via.i64; return 0; }
    return -1;
}

static int get_double(const msgpack_object *o, double *v) {
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) { *v = o->via.f64; return 0; }
    return -1;
}

static int get_person(const msgpack_object *o, pwb_person *p) {
    if (o->type != MSGPACK_OBJECT_MAP) return -1;
    memset(p, 0, sizeof *p);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        int rc = 0;
        if (key_is(k, "id")) rc = get_int(v, &p->id);
        else if (key_is(k, "firstName")) rc = get_str(v, &p->first_name);
        else if (key_is(k, "lastName")) rc = get_str(v, &p->last_name);
        else if (key_is(k, "email")) rc = get_str(v, &p->email);
        else if (key_is(k, "age")) rc = get_int(v, &p->age);
        else if (key_is(k, "score")) rc = get_double(v, &p->score);
        else if (key_is(k, "tags")) {
            if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > 3) return -1;
            p->tag_count = v->via.array.size;
            for (uint32_t t = 0; t < p->tag_count && rc == 0; t++) rc = get_str(&v->via.array.ptr[t], &p->tags[t]);
        } else if (key_is(k, "active")) {
            if (v->type != MSGPACK_OBJECT_BOOLEAN) return -1;
            p->active = v->via.boolean;
        }
        if (rc != 0) return -1;
    }
    return 0;
}

// The typed array workloads: one array of at most `capacity` elements, each read by
// `get_element(object, &out[i])`.
#define DEFINE_UNPACK_ARRAY(name, element_type, get_element)                                   \
    long name(const char *data, size_t size, element_type *out, size_t capacity) {             \
        msgpack_unpacked result;                                                               \
        if (unpack_one(data, size, &result) != 0) return -1;                                   \
        const msgpack_object *root = &result.data;                                             \
        long n = -1;                                                                           \
        if (root->type == MSGPACK_OBJECT_ARRAY && root->via.array.size <= capacity) {          \
            n = root->via.array.size;                                                          \
            for (long i = 0; i < n; i++) {                                                     \
                if (get_element(&root->via.array.ptr[i], &out[i]) != 0) { n = -1; break; }     \
            }                                                                                  \
        }                                                                                      \
        msgpack_unpacked_destroy(&result);                                                     \
        return n;                                                                              \
    }

DEFINE_UNPACK_ARRAY(pwb_unpack_records, pwb_person, get_person)
DEFINE_UNPACK_ARRAY(pwb_unpack_int64s, int64_t, get_int)
DEFINE_UNPACK_ARRAY(pwb_unpack_doubles, double, get_double)

long pwb_unpack_task(const char *data, size_t size, pwb_task *t) {
    msgpack_unpacked result;
    if (unpack_one(data, size, &result) != 0) return -1;
    const msgpack_object *root = &result.data;
    long rc = root->type == MSGPACK_OBJECT_MAP ? 1 : -1;
    memset(t, 0, sizeof *t);
    for (uint32_t i = 0; rc > 0 && i < root->via.map.size; i++) {
        const msgpack_object *k = &root->via.map.ptr[i].key, *v = &root->via.map.ptr[i].val;
        if (key_is(k, "task")) { if (get_str(v, &t->task)) rc = -1; }
        else if (key_is(k, "id")) { if (get_str(v, &t->id)) rc = -1; }
        else if (key_is(k, "args")) {
            if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > 8) { rc = -1; break; }
            t->arg_count = v->via.array.size;
            for (uint32_t a = 0; a < t->arg_count; a++) {
                const msgpack_object *e = &v->via.array.ptr[a];
                pwb_arg *arg = &t->args[a];
                switch (e->type) {
                case MSGPACK_OBJECT_POSITIVE_INTEGER: case MSGPACK_OBJECT_NEGATIVE_INTEGER:
                    arg->kind = PWB_ARG_INT; get_int(e, &arg->i); break;
                case MSGPACK_OBJECT_FLOAT32: case MSGPACK_OBJECT_FLOAT64:
                    arg->kind = PWB_ARG_DOUBLE; arg->d = e->via.f64; break;
                case MSGPACK_OBJECT_STR: arg->kind = PWB_ARG_STRING; get_str(e, &arg->s); break;
                case MSGPACK_OBJECT_BOOLEAN: arg->kind = PWB_ARG_BOOL; arg->i = e->via.boolean; break;
                case MSGPACK_OBJECT_NIL: arg->kind = PWB_ARG_NIL; break;
                default: rc = -1;
                }
            }
        } else if (key_is(k, "kwargs")) {
            if (v->type != MSGPACK_OBJECT_MAP) { rc = -1; break; }
            for (uint32_t j = 0; j < v->via.map.size; j++) {
                const msgpack_object *kk = &v->via.map.ptr[j].key, *vv = &v->via.map.ptr[j].val;
                if (key_is(kk, "input") && vv->type == MSGPACK_OBJECT_MAP) {
                    for (uint32_t m = 0; m < vv->via.map.size; m++) {
                        const msgpack_object *ik = &vv->via.map.ptr[m].key, *iv = &vv->via.map.ptr[m].val;
                        if (key_is(ik, "type")) { if (get_str(iv, &t->input_type)) rc = -1; }
                        else if (key_is(ik, "quantile")) { if (get_double(iv, &t->quantile)) rc = -1; }
                    }
                } else if (key_is(kk, "tags") && vv->type == MSGPACK_OBJECT_ARRAY && vv->via.array.size <= 8) {
                    t->tag_count = vv->via.array.size;
                    for (uint32_t g = 0; g < t->tag_count; g++) if (get_str(&vv->via.array.ptr[g], &t->tags[g])) rc = -1;
                } else rc = -1;
            }
        }
    }
    msgpack_unpacked_destroy(&result);
    return rc;
}

long pwb_unpack_blob(const char *data, size_t size, void *out, size_t capacity) {
    msgpack_unpacked result;
    if (unpack_one(data, size, &result) != 0) return -1;
    long n = -1;
    if (result.data.type == MSGPACK_OBJECT_BIN && result.data.via.bin.size <= capacity) {
        n = result.data.via.bin.size;
        memcpy(out, result.data.via.bin.ptr, (size_t)n);
    }
    msgpack_unpacked_destroy(&result);
    return n;
}

static long count_nodes(const msgpack_object *o) {
    long n = 1;
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size; i++) n += count_nodes(&o->via.array.ptr[i]);
    } else if (o->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            n += count_nodes(&o->via.map.ptr[i].key) + count_nodes(&o->via.map.ptr[i].val);
        }
    }
    return n;
}

long pwb_unpack_dynamic(const char *data, size_t size) {
    msgpack_unpacked result;
    if (unpack_one(data, size, &result) != 0) return -1;
    long n = count_nodes(&result.data);
    msgpack_unpacked_destroy(&result);
    return n;
}

long pwb_unpack_stream(const char *data, size_t size, size_t chunk) {
    msgpack_unpacker unpacker;
    if (!msgpack_unpacker_init(&unpacker, MSGPACK_UNPACKER_INIT_BUFFER_SIZE)) return -1;
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    long messages = 0;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (msgpack_unpacker_buffer_capacity(&unpacker) < n && !msgpack_unpacker_reserve_buffer(&unpacker, n)) {
            messages = -1;
            break;
        }
        memcpy(msgpack_unpacker_buffer(&unpacker), data + off, n);
        msgpack_unpacker_buffer_consumed(&unpacker, n);
        msgpack_unpack_return ret;
        while ((ret = msgpack_unpacker_next(&unpacker, &result)) == MSGPACK_UNPACK_SUCCESS) messages++;
        if (ret == MSGPACK_UNPACK_PARSE_ERROR) { messages = -1; break; }
    }
    msgpack_unpacked_destroy(&result);
    msgpack_unpacker_destroy(&unpacker);
    return messages;
}

struct pwb_dynamic {
    msgpack_unpacked unpacked;
};

pwb_dynamic *pwb_dynamic_new(const char *data, size_t size) {
    pwb_dynamic *value = malloc(sizeof *value);
    if (value == NULL) return NULL;
    if (unpack_one(data, size, &value->unpacked) != 0) {
        free(value);
        return NULL;
    }
    return value;
}

void pwb_dynamic_free(pwb_dynamic *value) {
    msgpack_unpacked_destroy(&value->unpacked);
    free(value);
}

int pwb_pack_dynamic(const pwb_dynamic *value, pwb_buffer *out) {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    begin(&sbuf, &pk);
    int rc = msgpack_pack_object(&pk, value->unpacked.data);
    take(&sbuf, out);
    return rc;
}
