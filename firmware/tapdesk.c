/* The tap decision and the reader loop: see tapdesk.h. */
#include "firmware/tapdesk.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/uidhash.h"
#include "firmware/journal.h"
#include "firmware/kiosk.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int tapdesk_init(struct tapdesk *d, const struct tapdesk_config *cfg, struct journal *j,
		 struct roster *r, struct feedback *f, struct kiosk *k)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	if (d->cfg.fault_after < 1)
		d->cfg.fault_after = 3;
	if (d->cfg.reopen_min_ms < 1)
		d->cfg.reopen_min_ms = 100;
	if (d->cfg.reopen_max_ms < d->cfg.reopen_min_ms)
		d->cfg.reopen_max_ms = d->cfg.reopen_min_ms;
	d->journal = j;
	d->roster = r;
	d->feedback = f;
	d->kiosk = k;
	if (clock_boot_id(d->boot_id, sizeof(d->boot_id)) < 0 || !d->boot_id[0]) {
		log_warn("cannot read the boot id; taps carry a placeholder");
		snprintf(d->boot_id, sizeof(d->boot_id), "00000000-0000-0000-0000-000000000000");
	}
	return 0;
}

/* Whether an earlier tap of the card, at (boot, mono, wall), is within the debounce window. */
static bool tapdesk_within(const struct tapdesk *d, const struct journal_card_last *last,
			   const struct tap *now)
{
	int64_t age;

	if (d->cfg.debounce_ms <= 0)
		return false;
	/* Monotonic time when both taps are of this boot (wall time may have been stepped). */
	if (strcmp(last->boot_id, now->boot_id) == 0)
		age = now->mono_ms - last->mono_ms;
	else
		age = now->wall_ms - last->wall_ms;
	return age >= 0 && age < d->cfg.debounce_ms;
}

/* Microseconds on the real monotonic clock, for the tap's own timing in the log (the pinned
 * test clock would make it 0). */
static int64_t tapdesk_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void tapdesk_check_usage(struct tapdesk *d)
{
	struct journal_usage u;

	journal_usage(d->journal, &u);
	if (u.warn && !d->warned_usage)
		log_warn("journal is %" PRIu64 "%% full: %" PRIu64 " taps wait for the hub "
			 "(capacity %ld)", u.pending * 100 / (uint64_t)u.capacity, u.pending,
			 u.capacity);
	d->warned_usage = u.warn;
	if (d->journal_fault && !u.full) {
		d->journal_fault = false;
		kiosk_set_fault(d->kiosk, KIOSK_JOURNAL_FULL, false);
	}
	/* The offline badge (online or not, taps waiting) is kept by main's idle callback,
	 * which knows the uplink's state; it runs right after each tap. */
}

static enum kiosk_screen tapdesk_screen(enum feedback_result r)
{
	switch (r) {
	case FEEDBACK_ARRIVAL:
		return KIOSK_ARRIVAL;
	case FEEDBACK_DEPARTURE:
		return KIOSK_DEPARTURE;
	case FEEDBACK_DUPLICATE:
		return KIOSK_DUPLICATE;
	case FEEDBACK_UNKNOWN:
		return KIOSK_UNKNOWN_CARD;
	case FEEDBACK_JOURNAL_FULL:
		return KIOSK_JOURNAL_FULL;
	default:
		return KIOSK_READER_FAULT;
	}
}

int tapdesk_tap(struct tapdesk *d, const struct reader_card *card, struct tapdesk_outcome *out)
{
	struct journal_card_last last;
	struct roster_entry child;
	char hash[UIDHASH_HEX_LEN + 1];
	struct tap t;
	int64_t day = 0, t0 = tapdesk_us(), t1 = 0, t2 = 0, t3;
	int known = 0, ret;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	memcpy(t.uid, card->uid, card->uid_len);
	t.uid_len = card->uid_len;
	t.wall_ms = clock_wall_ms();
	t.mono_ms = clock_mono_ms();
	t.clock_synced = clock_is_synced();
	snprintf(t.boot_id, sizeof(t.boot_id), "%s", d->boot_id);
	ret = uidhash_compute(d->cfg.facility, card->uid, card->uid_len, hash);
	if (ret < 0)
		return ret;
	if (d->roster) {
		known = roster_lookup(d->roster, hash, &child);
		if (known < 0)
			known = 0; /* logged; an unreadable cache makes it an unknown card */
	}
	if (known)
		snprintf(out->name, sizeof(out->name), "%s", child.name);

	ret = journal_card_last(d->journal, hash, &last);
	if (ret == 1 && tapdesk_within(d, &last, &t)) {
		out->result = FEEDBACK_DUPLICATE;
		out->seq = last.seq;
		goto feedback;
	}
	if (known) {
		enum tap_dir prev;

		day = clock_seoul_day(t.wall_ms);
		ret = journal_child_dir(d->journal, child.child_id, day, &prev);
		t.dir = prev == TAP_DIR_IN ? TAP_DIR_OUT : TAP_DIR_IN;
		t.result = t.dir == TAP_DIR_IN ? TAP_RESULT_ARRIVAL : TAP_RESULT_DEPARTURE;
	} else {
		t.dir = TAP_DIR_NONE;
		t.result = TAP_RESULT_UNKNOWN_CARD;
	}
	if (ret >= 0) {
		t1 = tapdesk_us();
		ret = journal_append(d->journal, &t, hash, known ? child.child_id : NULL, day);
		t2 = tapdesk_us();
	}
	if (ret < 0) {
		if (ret == -ENOSPC)
			log_err("journal full: tap refused (every stored tap still waits for the hub)");
		else
			log_err("journal cannot record the tap (%s): tap refused", strerror(-ret));
		out->result = FEEDBACK_JOURNAL_FULL;
		d->journal_fault = true;
		kiosk_set_fault(d->kiosk, KIOSK_JOURNAL_FULL, true);
		goto feedback;
	}
	out->seq = t.seq;
	out->dir = t.dir;
	out->result = t.result == TAP_RESULT_ARRIVAL ? FEEDBACK_ARRIVAL :
		      t.result == TAP_RESULT_DEPARTURE ? FEEDBACK_DEPARTURE : FEEDBACK_UNKNOWN;
feedback:
	ret = feedback_give(d->feedback, out->result, out->seq, card->uid, card->uid_len);
	t3 = tapdesk_us();
	kiosk_show(d->kiosk, tapdesk_screen(out->result), out->name, t.wall_ms);
	/* Timing after the feedback, for `make bench`: card seen -> feedback given, and the
	 * journal's share (the commit, with its fsync). */
	log_info("tap seq %" PRIu64 ": %s (%.2f ms, commit %.2f ms)", out->seq,
		 feedback_result_name(out->result), (double)(t3 - t0) / 1000.0,
		 (double)(t2 - t1) / 1000.0);
	tapdesk_check_usage(d);
	return ret;
}

static void tapdesk_sleep_ms(int ms, volatile sig_atomic_t *stop)
{
	/* Sliced so that a stop request is honoured within 100 ms. */
	while (ms > 0 && !*stop) {
		int slice = ms > 100 ? 100 : ms;

		poll(NULL, 0, slice);
		ms -= slice;
	}
}

/* The reader is not usable: show it once, then wait before the next attempt. */
static void tapdesk_fault(struct tapdesk *d, bool *faulted, int *backoff,
			  volatile sig_atomic_t *stop)
{
	if (!*faulted) {
		*faulted = true;
		kiosk_set_fault(d->kiosk, KIOSK_READER_FAULT, true);
		feedback_give(d->feedback, FEEDBACK_READER_FAULT, 0, NULL, 0);
	}
	tapdesk_sleep_ms(*backoff, stop);
	*backoff = *backoff * 2 > d->cfg.reopen_max_ms ? d->cfg.reopen_max_ms : *backoff * 2;
}

int tapdesk_run(struct tapdesk *d, const struct reader_ops *ops, const struct reader_options *ro,
		volatile sig_atomic_t *stop, tapdesk_idle_fn idle, void *user)
{
	void *priv = NULL;
	int failures = 0, backoff = d->cfg.reopen_min_ms, ret;
	bool faulted = false, opened_once = false, worked = false;

	while (!*stop) {
		struct reader_card card;
		struct tapdesk_outcome out;

		if (!priv) {
			ret = ops->open(ro, &priv);
			if (ret < 0) {
				priv = NULL;
				log_warn("reader %s: not available; retrying in %d ms", ro->connstring,
					 backoff);
				if (idle)
					idle(user, false);
				tapdesk_fault(d, &faulted, &backoff, stop);
				continue;
			}
			log_notice("reader %s: %s", ro->connstring, opened_once ? "back" : "ready");
			opened_once = true;
			failures = 0;
			worked = false;
		}
		ret = ops->poll(priv, &card);
		if (ret < 0) {
			/* A reader that is gone (-ENODEV) is reopened at once. */
			if (++failures >= d->cfg.fault_after || ret == -ENODEV) {
				log_warn("reader %s: %d failures in a row (%s); reopening",
					 ro->connstring, failures, strerror(-ret));
				ops->close(priv);
				priv = NULL;
				/* Opens but never answers a poll: as bad as not opening. */
				if (!worked)
					tapdesk_fault(d, &faulted, &backoff, stop);
			}
		} else {
			failures = 0;
			worked = true;
			backoff = d->cfg.reopen_min_ms;
			if (faulted) {
				faulted = false;
				kiosk_set_fault(d->kiosk, KIOSK_READER_FAULT, false);
			}
			if (ret == 1)
				tapdesk_tap(d, &card, &out);
		}
		if (idle)
			idle(user, ret == 1);
	}
	if (priv)
		ops->close(priv);
	return 0;
}
