/*
 * Each child's day of taps at a facility, kept as taps arrive (attendance_child_day): the
 * first and last tap's effective time and how many taps were stored, per facility, Seoul
 * day and child. Reconciliation (출결) reads these rows instead of the day's taps. The
 * child of a tap is store_attendance_day's: the card's holder at the tap's effective time
 * (at its receipt when that time cannot be trusted), else the holder when the hub received
 * it; taps of cards nobody held are not in it. The SQL text here creates the table and
 * computes it from the taps, shared by the migration (store_sqlite.c), the statistics
 * rebuild (kiumctl stats rebuild) and store_attendance_visits_check. A card change after
 * the fact (a card registered, reassigned or removed at a time some stored tap's effective
 * time or receipt is not before, e.g. a reader whose clock runs ahead) can give stored taps
 * to another child: triggers on cards recompute the facility-days of exactly those taps,
 * in the card change's transaction, so the rows stay equal to their recomputation.
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

/* The facility-days (f, d) of the taps of card uid U (SQL expression) whose effective
 * time or receipt is at or after V: the only taps whose holder a change of U's
 * assignments from V on can change. Without an index on every tap's uid (it would cost each
 * insert), two parts: the taps timed at or after their own receipt (a reader clock ahead;
 * the small partial index taps_ahead), and the taps received from V on, looked for only on
 * readers last seen from V on (devices.last_seen_ms, the receipt of their latest batch: with
 * a card changed now, none unless the hub's clock went back). A tap timed from V on but
 * before its receipt was received after V: the second part has it. */
#define STORE_ATTENDANCE_AFFECTED_SQL(U, V)                                                     \
	"SELECT t.facility AS f, (t.time_ms + 32400000) / 86400000 AS d FROM taps t"           \
	" INDEXED BY taps_ahead WHERE t.uid = " U " AND t.reject IS NULL"                      \
	"  AND t.time_ms >= t.received_ms AND t.child_id IS NULL"                              \
	"  AND (t.time_ms >= " V " OR t.received_ms >= " V ")"                                 \
	" UNION SELECT t.facility, (t.time_ms + 32400000) / 86400000 FROM devices dv"          \
	" CROSS JOIN taps t ON t.device_id = dv.id WHERE dv.last_seen_ms >= " V                \
	"  AND t.uid = " U " AND t.reject IS NULL AND t.child_id IS NULL"                      \
	"  AND t.received_ms >= " V

/* Recomputes the rows of those facility-days from their taps (trigger body statements;
 * written so that the plans are range reads: the primary key, taps_facility_time). */
#define STORE_ATTENDANCE_REFILL_SQL(U, V)                                                       \
	" DELETE FROM attendance_child_day WHERE facility IN (SELECT f FROM ("                 \
	STORE_ATTENDANCE_AFFECTED_SQL(U, V) ")) AND day IN (SELECT d FROM ("                   \
	STORE_ATTENDANCE_AFFECTED_SQL(U, V) ")) AND (facility, day) IN ("                      \
	STORE_ATTENDANCE_AFFECTED_SQL(U, V) ");"                                               \
	" INSERT INTO attendance_child_day (facility, day, child, first_ms, last_ms, taps)"     \
	" SELECT t.facility, a.d, coalesce(t.child_id, c1.child_id, c2.child_id) AS ch,"       \
	"  min(t.time_ms), max(t.time_ms), count(*) FROM ("                                    \
	STORE_ATTENDANCE_AFFECTED_SQL(U, V) ") a"                                              \
	" CROSS JOIN taps t ON t.facility = a.f AND t.reject IS NULL"                                \
	"  AND t.time_ms >= a.d * 86400000 - 32400000"                                         \
	"  AND t.time_ms < a.d * 86400000 + 54000000"                                          \
	STORE_TAP_HOLDER_JOIN                                                                  \
	" WHERE ch IS NOT NULL AND ch <> '' GROUP BY t.facility, a.d, ch;"

/* Where a card row change can move taps between children: an assignment from
 * assigned_ms on (insert, delete, or a change of its uid, child or start), or the span
 * between the old and the new removed_ms (a card deactivated or replaced). */
#define STORE_ATTENDANCE_CARD_TRIGGERS_SQL                                                     \
	"CREATE INDEX taps_ahead ON taps(uid) WHERE reject IS NULL AND time_ms >= received_ms;" \
	"CREATE TRIGGER cards_attendance_insert AFTER INSERT ON cards BEGIN"                   \
	STORE_ATTENDANCE_REFILL_SQL("NEW.uid", "NEW.assigned_ms") " END;"                     \
	"CREATE TRIGGER cards_attendance_delete AFTER DELETE ON cards BEGIN"                   \
	STORE_ATTENDANCE_REFILL_SQL("OLD.uid", "OLD.assigned_ms") " END;"                     \
	"CREATE TRIGGER cards_attendance_update AFTER UPDATE OF uid, child_id, assigned_ms,"   \
	" removed_ms ON cards BEGIN"                                                           \
	STORE_ATTENDANCE_REFILL_SQL("OLD.uid", STORE_ATTENDANCE_CARD_SINCE)                    \
	STORE_ATTENDANCE_REFILL_SQL("NEW.uid", STORE_ATTENDANCE_CARD_SINCE) " END;"

#define STORE_ATTENDANCE_CARD_SINCE                                                            \
	"(CASE WHEN OLD.uid IS NEW.uid AND OLD.child_id IS NEW.child_id"                       \
	" AND OLD.assigned_ms IS NEW.assigned_ms THEN min(coalesce(OLD.removed_ms,"            \
	" 9000000000000000000), coalesce(NEW.removed_ms, 9000000000000000000))"                \
	" ELSE min(OLD.assigned_ms, NEW.assigned_ms) END)"

#endif
