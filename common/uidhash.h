/*
 * Card UIDs are not kept in clear beside children's names on a reader: the roster maps a
 * keyed hash of the UID to the child. Both sides compute it the same way:
 *
 *   uidhash = hex(BLAKE2b-128(key = "kium-roster-v1:" + facility code, message = UID bytes))
 *
 * Salting with the facility code means one facility's roster says nothing about another's.
 * It does not make a 4-byte UID space unguessable to someone holding the board; it keeps raw
 * card numbers, which could be used to clone a card, out of the journal and roster files.
 */
#ifndef KIUM_COMMON_UIDHASH_H
#define KIUM_COMMON_UIDHASH_H

#include <stddef.h>
#include <stdint.h>

#define UIDHASH_HEX_LEN 32 /* 16 bytes as hex, without the terminating NUL */

/* out must hold UIDHASH_HEX_LEN + 1 bytes. 0, or -EINVAL for an empty facility/UID. */
int uidhash_compute(const char *facility, const uint8_t *uid, size_t uid_len, char *out);

#endif
