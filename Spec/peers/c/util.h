/* util.h - arena allocator, growable byte buffer, small helpers (pwcheck). */
#ifndef PW_UTIL_H
#define PW_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);
/* Zero-filled, 16-byte aligned; aborts on out of memory. */
void *arena_alloc(Arena *a, size_t n);
void *arena_memdup(Arena *a, const void *p, size_t n);

/* Growable byte buffer (heap). Always NUL-terminated. */
typedef struct {
    char *data;
    size_t len, cap;
} Buf;

void buf_init(Buf *b);
void buf_free(Buf *b);
void buf_reset(Buf *b);
void buf_append(Buf *b, const void *p, size_t n);
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* Strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF).
 * Returns 1 if valid; otherwise 0 and *bad = offset of the first bad byte. */
int utf8_valid(const uint8_t *p, size_t n, size_t *bad);

/* Parse hex: lowercase pairs; if spaced != 0, pairs separated by single
 * spaces (the vector `hex` format), else no spaces. Returns 0 on success. */
int hex_decode(const char *s, size_t slen, int spaced, Buf *out);

#endif
