/*
 * The places held at each center as load points (booking_load): per facility, day and
 * minute, how many held bookings (pending, approved, offered) of each pool start (+) or end
 * (-) there; the step function hub/domain/booking.h describes. The SQL text here creates
 * the table and computes it from the bookings, shared by the migration (store_sqlite.c) and
 * store_booking_load_check (store_bookings.c), which compares the table kept one decision
 * at a time with this recomputation.
 */
#ifndef KIUM_HUB_STORE_BOOKING_SQL_H
#define KIUM_HUB_STORE_BOOKING_SQL_H

#define STORE_BOOKING_LOAD_SCHEMA_SQL                                                          \
	"CREATE TABLE booking_load ("                                                          \
	" facility TEXT NOT NULL, day INTEGER NOT NULL, minute INTEGER NOT NULL,"              \
	" d_regular INTEGER NOT NULL DEFAULT 0, d_temporary INTEGER NOT NULL DEFAULT 0,"       \
	" d_sick INTEGER NOT NULL DEFAULT 0,"                                                  \
	" PRIMARY KEY (facility, day, minute)) WITHOUT ROWID;"

/* Fills TABLE (booking_load's columns) from the held bookings: +1 at the start and -1 at
 * the end of each day a booking takes place (regular care on its weekdays, Monday bit 0,
 * day 0 a Thursday), summed per minute, points that cancel out left out. */
#define STORE_BOOKING_LOAD_FILL_SQL(TABLE)                                                     \
	"WITH RECURSIVE bd(facility, kind, weekdays, d, end_day, s, e) AS ("                   \
	"  SELECT facility, kind, weekdays, start_day, end_day, start_min, end_min"            \
	"  FROM bookings WHERE state IN ('pending','approved','offered')"                      \
	"  UNION ALL SELECT facility, kind, weekdays, d + 1, end_day, s, e FROM bd"            \
	"  WHERE d < end_day),"                                                                \
	" od AS (SELECT * FROM bd WHERE kind <> 'regular' OR (weekdays >> ((d + 3) % 7)) & 1),"  \
	" pt(facility, day, minute, r, t, k) AS ("                                             \
	"  SELECT facility, d, s, kind = 'regular', kind = 'temporary', kind = 'sick' FROM od" \
	"  UNION ALL SELECT facility, d, e, -(kind = 'regular'), -(kind = 'temporary'),"       \
	"  -(kind = 'sick') FROM od)"                                                          \
	" INSERT INTO " TABLE " (facility, day, minute, d_regular, d_temporary, d_sick)"       \
	" SELECT facility, day, minute, sum(r), sum(t), sum(k) FROM pt"                        \
	" GROUP BY facility, day, minute"                                                      \
	" HAVING sum(r) <> 0 OR sum(t) <> 0 OR sum(k) <> 0;"

#endif
