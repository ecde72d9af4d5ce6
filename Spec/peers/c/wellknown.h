/* wellknown.h - the well-known types of Spec/well-known-types.md, mapped natively by the checker.
 *
 * The checker's "native type" for each well-known name is the validated data itself: a P under
 * one of the names below is decoded whatever `registered` and `passthrough` say, its data is
 * checked against the shape and ranges of well-known-types.md (typeMismatch when it does not
 * fit), and it is reported in the notation of well-known-types.md section 11 (a portable object
 * with its `pw.` name and data). Every valid value fits exactly (years as int64, decimals as
 * their text), so rule 6 (values a native type cannot hold) never applies. */
#ifndef PW_WELLKNOWN_H
#define PW_WELLKNOWN_H

#include <stddef.h>
#include <stdint.h>
#include "value.h"

typedef enum {
    WK_NONE = 0,
    WK_DATE, WK_TIME, WK_LOCAL_DATE_TIME, WK_OFFSET_DATE_TIME,
    WK_DURATION, WK_DECIMAL, WK_UUID, WK_SET, WK_TUPLE
} WkKind;

/* The well-known kind of a type name (WK_NONE for any other name, including `pw.` names this
 * version does not define). */
WkKind wk_kind(const uint8_t *name, size_t len);

/* Object id -> its V_PORT node (NULL while unknown, for example while its data is decoded);
 * used to follow V_REF nodes when set elements are compared. */
typedef struct {
    const Value *const *objs;
    size_t n;
    /* NULL, or a count of the nodes visited by wk_cmp and wk_has_identity: past WK_MAX_STEPS
     * they give up (*deep). The encoder sets it, because a notation's refs to well-known values
     * can expand without bound; the decoder bounds them with maxExpansion instead. */
    uint64_t *steps;
} WkObjects;

#define WK_MAX_STEPS ((uint64_t)1 << 26)

/* Checks data against the shape and ranges of the kind (well-known-types.md sections 4-8).
 * Returns 0, or -1 with a message. A set's elements must be distinct: equal as values
 * (format.md 12.3), well-known objects by value, any other object by identity. */
int wk_check(WkKind kind, const Value *data, const WkObjects *objs, char *msg, size_t msglen);

/* A total order on values (format.md 12.3 equality is cmp == 0), following refs through objs.
 * Sets *deep when it gives up on nesting deeper than it follows (a cycle of refs). */
int wk_cmp(const Value *a, const Value *b, const WkObjects *objs, int depth, int *deep);

/* The node a V_REF stands for (the node itself for anything else; NULL if unknown). */
const Value *wk_resolve(const Value *v, const WkObjects *objs);

/* 1 when v holds, at any depth, an identity object: a portable object whose name is not
 * well-known, or a ref to one (well-known-types.md 8.1: such a set has no canonical order).
 * Refs to well-known objects are followed; *deep is set past a nesting it gives up on. */
int wk_has_identity(const Value *v, const WkObjects *objs, int depth, int *deep);

#endif
