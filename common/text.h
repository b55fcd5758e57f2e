/*
 * UTF-8 text as people's names and free text arrive in kium: validation (shortest-form
 * UTF-8, no surrogates, no control characters) and the masked display name (김민수 ->
 * 김*수) that the reader's screen, parents' views and messages show instead of a full name.
 * Shared by the hub's store and the reader's roster, so both mask alike.
 */
#ifndef KIUM_COMMON_TEXT_H
#define KIUM_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes available), 0 if invalid. */
size_t text_utf8_len(const unsigned char *s, size_t n);
/* The n bytes at s: 1..max-1 bytes of valid UTF-8 without control characters. */
bool text_valid(const char *s, size_t n, size_t max);
/* The masked form of a valid name: the first character kept, the last too when there are
 * three or more, every other one '*' (김민수 -> 김*수, 남궁민수 -> 남**수, 김수 -> 김*,
 * Alice -> A***e); a one-character name is "*". -EINVAL invalid text, -ENOSPC out too
 * small. */
int text_name_mask(const char *name, char *out, size_t outlen);

#endif
