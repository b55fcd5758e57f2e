/* Fuzz target: the statistics routes' query-string parser (hub/api/portal_stats.c), for each
 * statistic. The first byte picks the statistic; the rest is the query string. Whatever it
 * accepts must be a period of at most STATS_MAX_DAYS days, a group that applies, codes of the
 * right shape, and a care type only for users. */
#include "hub/api/stats.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum stats_what what;
	enum api_stats_format fmt;
	struct stats_query q;
	const char *bad = NULL;
	char *s;
	int r;

	if (size == 0 || size > 4096)
		return 0;
	what = (enum stats_what)(data[0] % 3);
	if (!(s = malloc(size)))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	r = api_stats_query_parse(s, what, 20779, &q, &fmt, &bad);
	if (r == 0) {
		if (q.to_day < q.from_day || q.to_day - q.from_day >= STATS_MAX_DAYS ||
		    !stats_group_valid(what, q.group) || (q.care[0] && what != STATS_USERS) ||
		    (q.district[0] && strlen(q.district) != 2) ||
		    strspn(q.facility, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(q.facility) ||
		    fmt > API_STATS_XLSX || q.operating < -1 || q.operating > 1)
			__builtin_trap();
	} else if (r != -EINVAL || !bad) {
		__builtin_trap();
	}
	free(s);
	return 0;
}
