/*
 * The libnfc reader backend: the only file that includes <nfc/nfc.h>.
 *
 * Polling: InAutoPoll (nfc_initiator_poll_target) for ISO 14443-A at 106 kbps, PollNr chosen
 * so that one poll lasts about poll_ms when no card comes: the chip waits, the host blocks in
 * read(), nothing spins. A card is reported once; while it lies on the reader, poll() checks
 * every presence_ms that it is still there (nfc_initiator_target_is_present, or a fresh poll
 * comparing the UID for card types libnfc cannot check) and reports the next placement only
 * after a removal.
 *
 * The watchdog: InAutoPoll has no host-side timeout in libnfc (it waits forever for the ACK
 * and for the answer), so every libnfc call runs under a deadline kept by a watchdog thread,
 * which calls nfc_abort_command when it passes. An aborted or failed call is a failure the
 * caller counts; repeated failures make it close and reopen the reader.
 */
#include "firmware/reader.h"
#include "common/log.h"

#include <errno.h>
#include <nfc/nfc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define NFC_POLL_PERIOD_MS 150

struct reader_nfc {
	nfc_context *ctx;
	nfc_device *dev;
	char conn[NFC_BUFSIZE_CONNSTRING];
	int poll_ms, presence_ms, watchdog_ms;
	int efd;                   /* interrupt(): wakes a presence wait */

	bool present;              /* a reported card may still lie on the reader */
	bool present_by_uid;       /* libnfc cannot check this card type: compare UIDs */
	struct reader_card card;

	pthread_t wd;
	bool wd_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t deadline;          /* monotonic ms; -1: no libnfc call under way */
	bool fired, stop;
};

static int64_t nfc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *nfc_watchdog(void *arg)
{
	struct reader_nfc *r = arg;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		if (r->deadline < 0) {
			pthread_cond_wait(&r->cv, &r->mu);
		} else if (nfc_now_ms() >= r->deadline) {
			r->fired = true;
			r->deadline = -1;
			nfc_abort_command(r->dev);
		} else {
			struct timespec ts = { .tv_sec = r->deadline / 1000,
					       .tv_nsec = (r->deadline % 1000) * 1000000 };

			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void nfc_arm(struct reader_nfc *r, int ms)
{
	pthread_mutex_lock(&r->mu);
	r->fired = false;
	r->deadline = nfc_now_ms() + ms;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Returns whether the watchdog aborted the call. */
static bool nfc_disarm(struct reader_nfc *r)
{
	bool fired;

	pthread_mutex_lock(&r->mu);
	r->deadline = -1;
	fired = r->fired;
	r->fired = false;
	pthread_mutex_unlock(&r->mu);
	return fired;
}

static void reader_nfc_close(void *priv)
{
	struct reader_nfc *r = priv;

	if (!r)
		return;
	if (r->wd_started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->wd, NULL);
	}
	if (r->dev)
		nfc_close(r->dev);
	if (r->ctx)
		nfc_exit(r->ctx);
	if (r->efd >= 0)
		close(r->efd);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static int reader_nfc_open(const struct reader_options *opt, void **priv)
{
	struct reader_nfc *r;
	pthread_condattr_t ca;
	int ret = -ENODEV;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->efd = -1;
	r->deadline = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->poll_ms = opt->poll_ms >= NFC_POLL_PERIOD_MS ? opt->poll_ms : NFC_POLL_PERIOD_MS;
	r->presence_ms = opt->presence_ms > 0 ? opt->presence_ms : 100;
	r->watchdog_ms = opt->watchdog_ms > 0 ? opt->watchdog_ms : 2000;
	snprintf(r->conn, sizeof(r->conn), "%s", opt->connstring);
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		ret = -errno;
		goto out;
	}
	nfc_init(&r->ctx);
	if (!r->ctx) {
		log_err("reader: libnfc cannot initialise");
		ret = -ENOMEM;
		goto out;
	}
	r->dev = nfc_open(r->ctx, r->conn);
	if (!r->dev) {
		log_warn("reader %s: cannot open (unplugged, wrong connstring, or not a PN53x)",
			 r->conn);
		goto out;
	}
	if (nfc_initiator_init(r->dev) < 0) {
		log_warn("reader %s: cannot initialise as initiator: %s", r->conn,
			 nfc_strerror(r->dev));
		ret = -EIO;
		goto out;
	}
	ret = -pthread_create(&r->wd, NULL, nfc_watchdog, r);
	if (ret < 0) {
		log_err("reader: cannot start the watchdog: %s", strerror(-ret));
		goto out;
	}
	r->wd_started = true;
	*priv = r;
	r = NULL;
	ret = 0;
out:
	reader_nfc_close(r);
	return ret;
}

static int nfc_errno(int res)
{
	switch (res) {
	case NFC_ETIMEOUT:
	case NFC_EOPABORTED:
		return -ETIMEDOUT;
	case NFC_ENOTSUCHDEV:
		return -ENODEV;
	case NFC_ENOTIMPL:
	case NFC_EDEVNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* Waits ms unless interrupt() is called. */
static void nfc_pause(struct reader_nfc *r, int ms)
{
	struct pollfd p = { .fd = r->efd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) > 0 && read(r->efd, &v, sizeof(v)) < 0)
		v = 0;
}

/* One InAutoPoll under the watchdog: 1 and *card, 0 when none came, negative on failure. */
static int nfc_autopoll(struct reader_nfc *r, struct reader_card *card)
{
	const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
	int pollnr = r->poll_ms / NFC_POLL_PERIOD_MS, res;
	nfc_target nt;
	bool fired;

	if (pollnr > 254)
		pollnr = 254;
	memset(&nt, 0, sizeof(nt));
	nfc_arm(r, pollnr * NFC_POLL_PERIOD_MS + r->watchdog_ms);
	res = nfc_initiator_poll_target(r->dev, &mod, 1, (uint8_t)pollnr, 1, &nt);
	fired = nfc_disarm(r);
	if (res > 0) {
		size_t len = nt.nti.nai.szUidLen;

		if (len != 4 && len != 7 && len != 10) {
			log_warn("reader %s: card with a %zu-byte UID ignored", r->conn, len);
			return 0;
		}
		memcpy(card->uid, nt.nti.nai.abtUid, len);
		card->uid_len = (uint8_t)len;
		return 1;
	}
	if (res == 0 || (res == NFC_ECHIP && !fired))
		return 0; /* the poll ran out: no card */
	if (fired)
		log_warn("reader %s: no answer within %d ms; command aborted", r->conn,
			 pollnr * NFC_POLL_PERIOD_MS + r->watchdog_ms);
	else
		log_warn("reader %s: poll failed: %s", r->conn, nfc_strerror(r->dev));
	return fired ? -ETIMEDOUT : nfc_errno(res);
}

static int reader_nfc_poll(void *priv, struct reader_card *card)
{
	struct reader_nfc *r = priv;
	int res;

	if (r->present && !r->present_by_uid) {
		bool fired;

		nfc_arm(r, r->watchdog_ms);
		res = nfc_initiator_target_is_present(r->dev, NULL);
		fired = nfc_disarm(r);
		if (res == NFC_SUCCESS) {
			nfc_pause(r, r->presence_ms);
			return 0;
		}
		if (res == NFC_EDEVNOTSUPP || res == NFC_ENOTIMPL) {
			r->present_by_uid = true; /* fall through to a poll that compares UIDs */
		} else if (res == NFC_ETGRELEASED) {
			r->present = false;
			log_debug("reader %s: card removed", r->conn);
		} else {
			if (fired)
				log_warn("reader %s: presence check aborted after %d ms", r->conn,
					 r->watchdog_ms);
			else
				log_warn("reader %s: presence check failed: %s", r->conn,
					 nfc_strerror(r->dev));
			return fired ? -ETIMEDOUT : nfc_errno(res);
		}
	}
	res = nfc_autopoll(r, card);
	if (res <= 0) {
		if (res == 0 && r->present) {
			r->present = r->present_by_uid = false;
			log_debug("reader %s: card removed", r->conn);
		}
		return res;
	}
	if (r->present && r->present_by_uid && card->uid_len == r->card.uid_len &&
	    memcmp(card->uid, r->card.uid, card->uid_len) == 0) {
		nfc_pause(r, r->presence_ms);
		return 0; /* the same card still lies there */
	}
	r->present = true;
	r->present_by_uid = false;
	r->card = *card;
	return 1;
}

static void reader_nfc_interrupt(void *priv)
{
	struct reader_nfc *r = priv;
	uint64_t one = 1;

	if (write(r->efd, &one, sizeof(one)) < 0)
		one = 0;
	nfc_abort_command(r->dev);
}

const struct reader_ops reader_nfc_ops = {
	.name = "nfc",
	.open = reader_nfc_open,
	.poll = reader_nfc_poll,
	.interrupt = reader_nfc_interrupt,
	.close = reader_nfc_close,
};
