/* Fuzz target: the roster file parser (firmware/roster.c), as the reader runs it on a file. */
#include "firmware/roster.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_roster_entry(void *user, const struct roster_entry *e)
{
	size_t *n = user;

	/* Every accepted record is well formed. */
	if (strlen(e->uidhash) != UIDHASH_HEX_LEN || !e->child_id[0] || !e->name[0])
		__builtin_trap();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster_parse_info info;
	char masked[ROSTER_NAME_MAX], name[ROSTER_NAME_MAX];
	size_t n = 0;

	if (roster_parse((const char *)data, size, "NWUK015", fuzz_roster_entry, &n, &info) == 0 &&
	    n != info.entries)
		__builtin_trap();
	if (size < sizeof(name)) {
		memcpy(name, data, size);
		name[size] = '\0';
		roster_mask_name(name, masked, sizeof(masked));
	}
	return 0;
}
