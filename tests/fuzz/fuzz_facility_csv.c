/* Fuzz target: the facility import's CSV reader and field rules (hub/domain/facility.c), as
 * kiumctl import runs them: a header row mapped to columns, then every record checked. */
#include "hub/domain/facility.h"
#include "hub/store/store.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct facility_csv c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int map[FACILITY_CSV_MAX_FIELDS], r;
	size_t nmap = 0, last_line = 0, records = 0;

	if (facility_csv_init(&c, (const char *)data, size) < 0)
		return 0;
	while ((r = facility_csv_next(&c)) != 0) {
		/* progress: lines only go forward, and no more records than bytes */
		if (c.line <= last_line || ++records > size + 1)
			__builtin_trap();
		last_line = c.line;
		if (r < 0)
			continue;
		if (c.n < 1 || c.n > FACILITY_CSV_MAX_FIELDS)
			__builtin_trap();
		for (size_t i = 0; i < c.n; i++)
			if (strnlen(c.buf[i], FACILITY_CSV_FIELD_MAX) >= FACILITY_CSV_FIELD_MAX)
				__builtin_trap();
		if (records == 1) {
			for (size_t i = 0; i < c.n; i++)
				map[i] = facility_csv_column(c.buf[i]);
			nmap = c.n;
			continue;
		}
		{
			struct facility_input in;
			struct facility_error fe;
			struct store_facility_info fi;
			int number;

			facility_csv_input(&c, map, nmap, &in);
			if (facility_apply(&in, true, &fi, &number, &fe) == 0) {
				/* accepted rows are what the store can hold */
				if (strlen(fi.f.district) != 2 || strlen(fi.f.type) != 2 ||
				    fi.area_centi < 330 || number < 0 || number > 999 ||
				    (fi.kind[0] && fi.capacity < 1))
					__builtin_trap();
			} else if (!fe.code || !fe.field || !facility_error_message(fe.code)) {
				__builtin_trap();
			}
		}
	}
	return 0;
}
