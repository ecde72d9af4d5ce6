// SPDX-License-Identifier: Apache-2.0
// The msgpack-c side of every benchmark: the same workloads packed and unpacked the way a C program
// would, with msgpack-c's own API (msgpack_pack_*, msgpack_sbuffer, msgpack_unpack_next).
#ifndef MSGPACK_C_BASELINE_H
#define MSGPACK_C_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A string that points into a buffer the caller keeps alive (msgpack-c's unpacked strings do).
typedef struct {
    const char *ptr;
    uint32_t size;
} pwb_str;

typedef struct {
    int64_t id;
    pwb_str first_name;
    pwb_str last_name;
    pwb_str email;
    int64_t age;
    double score;
    uint32_t tag_count;
    pwb_str tags[3];
    int active;
} pwb_person;

enum { PWB_ARG_INT, PWB_ARG_DOUBLE, PWB_ARG_STRING, PWB_ARG_BOOL, PWB_ARG_NIL };

typedef struct {
    int kind;
    int64_t i;
    double d;
    pwb_str s;
} pwb_arg;

typedef struct {
    pwb_str task;
    pwb_str id;
    uint32_t arg_count;
    pwb_arg args[8];
    pwb_str input_type;
    double quantile;
    uint32_t tag_count;
    pwb_str tags[8];
} pwb_task;

/// An owned output buffer (a msgpack_sbuffer underneath).
typedef struct {
    char *data;
    size_t size;
    size_t alloc;
} pwb_buffer;

void pwb_buffer_free(pwb_buffer *buffer);

/// Packs into a fresh buffer the caller frees with pwb_buffer_free. Each returns 0 on success.
int pwb_pack_task(const pwb_task *task, pwb_buffer *out);
int pwb_pack_records(const pwb_person *people, size_t count, pwb_buffer *out);
int pwb_pack_int64s(const int64_t *values, size_t count, pwb_buffer *out);
int pwb_pack_doubles(const double *values, size_t count, pwb_buffer *out);
int pwb_pack_blob(const void *bytes, size_t count, pwb_buffer *out);

/// Unpacks typed data through msgpack-c's object tree; strings point into `data`, which must stay
/// alive. Each returns the element count (1 for the task), or -1 on malformed input.

long pwb_unpack_task(const char *data, size_t size, pwb_task *out);
long pwb_unpack_records(const char *data, size_t size, pwb_person *out, size_t capacity);
long pwb_unpack_int64s(const char *data, size_t size, int64_t *out, size_t capacity);
long pwb_unpack_doubles(const char *data, size_t size, double *out, size_t capacity);
/// Unpacks a bin and copies its payload into `out` (as a decoder that returns owned bytes must).
long pwb_unpack_blob(const char *data, size_t size, void *out, size_t capacity);

/// Unpacks into msgpack-c's dynamic object tree (its msgpack_object), and returns the number of nodes
/// visited, so the tree is really built and walked. -1 on malformed input.
long pwb_unpack_dynamic(const char *data, size_t size);

/// msgpack-c's dynamic value (an unpacked msgpack_object tree and its zone), for packing it back.
typedef struct pwb_dynamic pwb_dynamic;
pwb_dynamic *pwb_dynamic_new(const char *data, size_t size);
void pwb_dynamic_free(pwb_dynamic *value);
/// Packs a dynamic value with msgpack_pack_object into a fresh buffer.
int pwb_pack_dynamic(const pwb_dynamic *value, pwb_buffer *out);

/// Feeds `size` bytes in `chunk`-byte pieces through a msgpack_unpacker and returns the number of
/// whole messages it produced (msgpack-c's streaming decoder).
long pwb_unpack_stream(const char *data, size_t size, size_t chunk);

#ifdef __cplusplus
}
#endif
#endif
