/*
 * Fuzz target: what the notification side reads from outside (hub/domain/notify.c): the
 * provider's answer (status, Retry-After, body), a parent's preferences body, and a row's
 * params as the worker renders and scrubs them. The first byte picks the status class, the
 * next byte splits the rest into a Retry-After value and a body.
 */
#include "hub/domain/notify.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 0, 200, 202, 301, 400, 404, 408, 429, 500, 503, 599, 600 };
	struct store_notify_prefs p = { true, true, true, true, true, 0 };
	struct notify_answer a;
	const char *why = NULL;
	char ra[32], text[NOTIFY_TEXT_MAX + 8], *params;
	size_t cut;
	json_t *vars;

	if (size < 2)
		return 0;
	cut = data[1] < size - 2 ? data[1] : size - 2;
	if (cut >= sizeof(ra))
		cut = sizeof(ra) - 1;
	memcpy(ra, data + 2, cut);
	ra[cut] = '\0';
	notify_answer_parse(statuses[data[0] % 12], data[0] & 0x80 ? NULL : ra,
			    (const char *)data + 2 + cut, size - 2 - cut, &a);
	if (a.verdict > NOTIFY_FAILED || strlen(a.provider_id) >= sizeof(a.provider_id) ||
	    strlen(a.error) >= sizeof(a.error) || a.retry_after_ms < 0 ||
	    a.retry_after_ms > 86400000)
		__builtin_trap();
	if (notify_prefs_apply((const char *)data + 2, size - 2, &p, &why) < 0 && !why)
		__builtin_trap();
	vars = json_loadb((const char *)data + 2, size - 2, 0, NULL);
	/* a row's params come from the store as a NUL-terminated string */
	params = strndup((const char *)data + 2 + cut, size - 2 - cut);
	if (!params) {
		json_decref(vars);
		return 0;
	}
	for (size_t i = 0; i < notify_ntemplates; i++) {
		const struct notify_template *t = &notify_templates[i];
		char *s;

		if (vars && notify_render(t, vars, text, sizeof(text)) == 0 &&
		    strlen(text) > NOTIFY_TEXT_MAX)
			__builtin_trap();
		s = notify_scrub(t, params);
		free(s);
	}
	free(params);
	json_decref(vars);
	return 0;
}
