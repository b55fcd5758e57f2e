/*
 * The statistics rollups' schema and their recomputation from scratch, as SQL text shared
 * by the migration that creates the tables (store_sqlite.c) and store_stats_rebuild
 * (store_stats.c). The rules are store_stats.h's; the hooks in store_stats.c apply the same
 * rules one event at a time, and tests/unit/hub_stats.c checks that both agree.
 */
#ifndef KIUM_HUB_STORE_STATS_SQL_H
#define KIUM_HUB_STORE_STATS_SQL_H

#include "hub/store/store_attendance_sql.h"

/* The migration (store_sqlite.c) that creates the tables and computes them. */
#define STORE_STATS_MIGRATION 9

#define STORE_STATS_SCHEMA_SQL                                                                 \
	"CREATE TABLE stats_day ("                                                             \
	" facility TEXT NOT NULL, day INTEGER NOT NULL,"                                       \
	" present INTEGER NOT NULL DEFAULT 0, taps INTEGER NOT NULL DEFAULT 0,"                \
	" arrivals INTEGER NOT NULL DEFAULT 0, departures INTEGER NOT NULL DEFAULT 0,"         \
	" unknown INTEGER NOT NULL DEFAULT 0, booked_regular INTEGER NOT NULL DEFAULT 0,"      \
	" booked_temporary INTEGER NOT NULL DEFAULT 0, booked_sick INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (facility, day)) WITHOUT ROWID;"                                         \
	"CREATE TABLE stats_child_day ("                                                       \
	" facility TEXT NOT NULL, day INTEGER NOT NULL, child TEXT NOT NULL,"                  \
	" status TEXT, present INTEGER NOT NULL DEFAULT 0,"                                   \
	" PRIMARY KEY (facility, day, child)) WITHOUT ROWID;"                                  \
	"CREATE INDEX IF NOT EXISTS booking_events_booking ON booking_events(booking);"         \
	"CREATE INDEX cards_uid_holder ON cards(uid, assigned_ms, removed_ms, child_id);"

/* The statuses of a correction that count a child present. */
#define STORE_STATS_PRESENT_STATUSES "('present','late','left_early','no_departure','unreserved')"

#define STORE_STATS_REBUILD_SQL                                                                \
	"DELETE FROM stats_day;"                                                               \
	"DELETE FROM stats_child_day;"                                                         \
	"DROP TABLE IF EXISTS temp.stats_taps;"                                                \
	"CREATE TEMP TABLE stats_taps AS SELECT t.facility AS facility,"                       \
	" (t.time_ms + 32400000) / 86400000 AS day,"                                           \
	" coalesce(t.child_id, c1.child_id, c2.child_id) AS child, t.result AS result"         \
	" FROM taps t"                                                                         \
	STORE_TAP_HOLDER_JOIN                                                                  \
	" WHERE t.reject IS NULL;"                                                             \
	"INSERT INTO stats_child_day (facility, day, child, status, present)"                  \
	" SELECT facility, day, child, NULL, 1 FROM temp.stats_taps"                           \
	" WHERE child IS NOT NULL GROUP BY facility, day, child;"                              \
	"INSERT INTO stats_child_day (facility, day, child, status, present)"                  \
	" SELECT a.facility, a.day, a.child, a.status,"                                        \
	"  a.status IN " STORE_STATS_PRESENT_STATUSES                                          \
	" FROM attendance_corrections a WHERE a.id = (SELECT max(b.id)"                        \
	"  FROM attendance_corrections b WHERE b.facility = a.facility AND b.day = a.day"      \
	"  AND b.child = a.child)"                                                             \
	" ON CONFLICT DO UPDATE SET status = excluded.status, present = excluded.present;"     \
	"INSERT INTO stats_day (facility, day, taps, arrivals, departures, unknown)"           \
	" SELECT facility, day, count(*), sum(result = 'arrival'), sum(result = 'departure'),"  \
	"  sum(child IS NULL) FROM temp.stats_taps GROUP BY facility, day;"                    \
	"INSERT INTO stats_day (facility, day, present)"                                       \
	" SELECT facility, day, sum(present) FROM stats_child_day WHERE true"                  \
	" GROUP BY facility, day"                                                              \
	" ON CONFLICT DO UPDATE SET present = excluded.present;"                               \
	"DROP TABLE temp.stats_taps;"                                                          \
	"WITH RECURSIVE bd(id, facility, kind, weekdays, d, end_day) AS ("                     \
	"  SELECT id, facility, kind, weekdays, start_day, end_day FROM bookings b"            \
	"  WHERE EXISTS (SELECT 1 FROM booking_events e WHERE e.booking = b.id"                \
	"   AND e.to_state = 'approved')"                                                      \
	"  UNION ALL SELECT id, facility, kind, weekdays, d + 1, end_day FROM bd"              \
	"  WHERE d < end_day),"                                                                \
	" w(facility, kind, d, n) AS (SELECT facility, kind, d,"                               \
	"  (SELECT count(*) FROM booking_events e WHERE e.booking = bd.id"                     \
	"   AND e.to_state = 'approved' AND e.from_state <> 'approved')"                       \
	"  - (SELECT count(*) FROM booking_events e WHERE e.booking = bd.id"                   \
	"   AND e.from_state = 'approved' AND e.to_state <> 'approved'"                        \
	"   AND (e.at_ms + 32400000) / 86400000 <= bd.d)"                                      \
	"  FROM bd WHERE kind <> 'regular' OR (weekdays >> ((d + 3) % 7)) & 1)"                \
	" INSERT INTO stats_day (facility, day, booked_regular, booked_temporary, booked_sick)" \
	" SELECT facility, d, sum(iif(kind = 'regular', n, 0)),"                               \
	"  sum(iif(kind = 'temporary', n, 0)), sum(iif(kind = 'sick', n, 0))"                  \
	" FROM w WHERE true GROUP BY facility, d"                                              \
	" ON CONFLICT DO UPDATE SET booked_regular = excluded.booked_regular,"                 \
	"  booked_temporary = excluded.booked_temporary, booked_sick = excluded.booked_sick;"

#endif
