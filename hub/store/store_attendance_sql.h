/*
 * Each child's day of taps at a facility, kept as taps arrive (attendance_child_day): the
 * first and last tap's effective time and how many taps were stored, per facility, Seoul
 * day and child. Reconciliation (출결) reads these rows instead of the day's taps. The
 * child of a tap is store_attendance_day's: the card's holder at the tap's effective time
 * (at its receipt when that time cannot be trusted), else the holder when the hub received
 * it; taps of cards nobody held are not in it. The SQL text here creates the table and
 * computes it from the taps, shared by the migration (store_sqlite.c), the statistics
 * rebuild (kiumctl stats rebuild) and store_attendance_visits_check.
 */
#ifndef KIUM_HUB_STORE_ATTENDANCE_SQL_H
#define KIUM_HUB_STORE_ATTENDANCE_SQL_H

/* The holder of a tap's card (taps t): coalesce(t.child_id, c1.child_id, c2.child_id) is the
 * child; the rule store_attendance_day applies (store_taps.c). */
#define STORE_TAP_HOLDER_JOIN                                                                  \
	" LEFT JOIN cards c1 ON c1.uid = t.uid AND t.child_id IS NULL"                         \
	"  AND c1.assigned_ms <= iif(t.time_flag = 2, t.received_ms, t.time_ms)"               \
	"  AND (c1.removed_ms IS NULL"                                                         \
	"   OR c1.removed_ms > iif(t.time_flag = 2, t.received_ms, t.time_ms))"                \
	" LEFT JOIN cards c2 ON c1.id IS NULL AND t.child_id IS NULL"                          \
	"  AND c2.uid = t.uid AND c2.assigned_ms <= t.received_ms"                             \
	"  AND (c2.removed_ms IS NULL OR c2.removed_ms > t.received_ms)"

#define STORE_ATTENDANCE_VISITS_SCHEMA_SQL                                                     \
	"CREATE TABLE attendance_child_day ("                                                  \
	" facility TEXT NOT NULL, day INTEGER NOT NULL, child TEXT NOT NULL,"                  \
	" first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, taps INTEGER NOT NULL,"         \
	" PRIMARY KEY (facility, day, child)) WITHOUT ROWID;"

/* Fills TABLE (attendance_child_day's columns) from the stored taps. */
#define STORE_ATTENDANCE_VISITS_FILL_SQL(TABLE)                                                \
	"INSERT INTO " TABLE " (facility, day, child, first_ms, last_ms, taps)"                \
	" SELECT t.facility, (t.time_ms + 32400000) / 86400000 AS d,"                          \
	"  coalesce(t.child_id, c1.child_id, c2.child_id) AS ch, min(t.time_ms),"              \
	"  max(t.time_ms), count(*) FROM taps t"                                               \
	STORE_TAP_HOLDER_JOIN                                                                  \
	" WHERE t.reject IS NULL AND ch IS NOT NULL AND ch <> ''"                              \
	" GROUP BY t.facility, d, ch;"

#endif
