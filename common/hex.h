/*
 * Hexadecimal digits, shared by the tap record's UIDs, the HTTP layer's percent-decoding
 * and the PN532 emulator's card descriptions.
 */
#ifndef KIUM_COMMON_HEX_H
#define KIUM_COMMON_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0..15 for [0-9a-fA-F], else -1. */
int hex_digit(char c);
/* Exactly 2n hex digits at s (either case) into n bytes at out; -EINVAL on a non-digit (out
 * may then be partly written). Does not look past s[2n - 1]. */
int hex_decode(const char *s, uint8_t *out, size_t n);
/* n bytes as hex digits (lower or upper case), NUL-terminated; stops at the last whole byte
 * that fits in outlen (nothing written when outlen is 0). */
void hex_encode(const uint8_t *in, size_t n, bool upper, char *out, size_t outlen);

#endif
