/* Fuzz target: the kiosk's night blanking schedule "HH:MM-HH:MM" (firmware/kiosk.c). */
#include "firmware/kiosk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	int from, to;

	if (size > 64)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (kiosk_blank_parse(s, &from, &to) == 0 && from >= 0) {
		if (from > 1439 || to > 1439 || from == to)
			abort();
		/* the span is never empty and never the whole day */
		if (!kiosk_blank_active(from, to, from) || kiosk_blank_active(from, to, to))
			abort();
	}
	free(s);
	return 0;
}
