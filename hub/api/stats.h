/*
 * Statistics routes (통계관리, issue 7; portal_stats.c): attendance, users and facilities as
 * JSON, CSV or XLSX, scoped by role (city roles: everything; district officers and
 * coordinators: their district, of their facility types; center staff: their facility).
 */
#ifndef KIUM_HUB_API_STATS_H
#define KIUM_HUB_API_STATS_H

#include <stdint.h>

#include "hub/api/api.h"
#include "hub/domain/stats.h"

enum api_stats_format { API_STATS_JSON = 0, API_STATS_CSV, API_STATS_XLSX };

/* Parses a statistics route's query string (what it names; today: the Seoul day now):
 *   from, to   YYYY-MM-DD, inclusive (default: the month of `month`, else this month)
 *   month      YYYY-MM
 *   district   code ("NW") or Korean name ("노원구")
 *   type       UK|CC|GI|SK, or several joined by commas
 *   facility   a facility code
 *   kind       general|convergent|hub (운영유형)
 *   care       regular|temporary|sick (users only)
 *   operating  true|false (운영여부)
 *   group      day|month|district|facility|city (attendance), facility|district|city
 *              (users), district_type|district|type|city (facilities)
 *   format     json|csv|xlsx
 * Unknown parameters are ignored. 0, or -EINVAL with *bad naming the parameter. Pure: no
 * store, no scope (fuzzed by tests/fuzz/fuzz_stats_query.c). */
int api_stats_query_parse(const char *query, enum stats_what what, int64_t today,
			  struct stats_query *q, enum api_stats_format *format, const char **bad);

void api_stats_attendance(struct api_call *call);
void api_stats_users(struct api_call *call);
void api_stats_facilities(struct api_call *call);

#endif
