/*
 * The libnfc reader backend: the only file that includes <nfc/nfc.h>.
 *
 * Polling: InAutoPoll (nfc_initiator_poll_target) for ISO 14443-A at 106 kbps, PollNr chosen
 * so that one poll lasts about poll_ms when no card comes: the chip waits, the host blocks in
 * read(), nothing spins. A card is reported once; while it lies on the reader, poll() checks
 * every presence_ms that it is still there and reports the next placement only after a
 * removal: nfc_initiator_target_is_present for MIFARE Classic cards (a re-select), a fresh
 * poll comparing the UID for every other card (libnfc would check those with
 * InDataExchange, one of its abort() paths).
 *
 * The watchdog: InAutoPoll has no host-side timeout in libnfc: it waits for ever for the chip's
 * answer, and (pn532_uart_send) for its ACK, where nfc_abort_command cannot reach it. So every
 * libnfc call runs on this backend's worker thread while the caller waits with a deadline
 * (the poll window plus watchdog_ms). Past the deadline the caller calls nfc_abort_command,
 * which ends a wait for an answer; if the worker is still stuck after a grace period (a lost
 * ACK), it is cancelled where it blocks (select, a cancellation point) and the device is
 * marked dead, to be closed and reopened by the tap loop. Either way poll() returns an error
 * within about deadline + grace, never hangs.
 */
#include "firmware/reader.h"
#include "common/log.h"

#include <errno.h>
#include <nfc/nfc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* AddressSanitizer does not unpoison the frames a cancellation unwinds; the worker's cleanup
 * handler does, or the thread's exit trips over its own stale stack poison. */
#if defined(__SANITIZE_ADDRESS__)
#define NFC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NFC_ASAN 1
#endif
#endif
#ifdef NFC_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define NFC_POLL_PERIOD_MS 150
#define NFC_ABORT_GRACE_MS 500

enum nfc_job { JOB_NONE, JOB_POLL, JOB_PRESENT, JOB_QUIT };

struct reader_nfc {
	nfc_context *ctx;
	nfc_device *dev;
	char conn[NFC_BUFSIZE_CONNSTRING];
	int poll_ms, presence_ms, watchdog_ms;
	int efd;                   /* interrupt(): wakes a presence wait */

	bool present;              /* a reported card may still lie on the reader */
	bool present_by_uid;       /* libnfc cannot check this card type: compare UIDs */
	struct reader_card card;

	/* The worker and its one job at a time. */
	pthread_t worker;
	bool worker_alive;
	bool dead;                 /* the worker had to be cancelled: reopen the device */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum nfc_job job;
	bool job_done;
	int job_res;
	uint8_t pollnr;
	nfc_target nt;
	uint8_t sak;               /* of the card last seen */
};

static int64_t nfc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nfc_worker_cancelled(void *arg)
{
	(void)arg;
#ifdef NFC_ASAN
	__asan_handle_no_return();
#endif
}

static void *nfc_worker(void *arg)
{
	const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
	struct reader_nfc *r = arg;
	sigset_t all;

	/* Signals are the tap loop's business. Cancellation only where libnfc blocks. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, NULL);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		enum nfc_job job;
		nfc_target nt;
		int res = 0;

		while (r->job == JOB_NONE || r->job_done)
			pthread_cond_wait(&r->cv, &r->mu);
		job = r->job;
		if (job == JOB_QUIT)
			break;
		pthread_mutex_unlock(&r->mu);
		memset(&nt, 0, sizeof(nt));
		pthread_cleanup_push(nfc_worker_cancelled, NULL);
		if (job == JOB_POLL)
			res = nfc_initiator_poll_target(r->dev, &mod, 1, r->pollnr, 1, &nt);
		else
			res = nfc_initiator_target_is_present(r->dev, NULL);
		pthread_cleanup_pop(0);
		pthread_mutex_lock(&r->mu);
		r->nt = nt;
		r->job_res = res;
		r->job_done = true;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Runs a job on the worker within budget_ms. 0 and *res, or -ETIMEDOUT (logged) when it had
 * to be aborted; the device is dead when even the abort did not end it. */
static int nfc_run(struct reader_nfc *r, enum nfc_job job, int budget_ms, int *res)
{
	int64_t deadline = nfc_now_ms() + budget_ms;
	bool aborted = false;
	struct timespec ts;

	if (r->dead || !r->worker_alive)
		return -EIO;
	pthread_mutex_lock(&r->mu);
	r->job = job;
	r->job_done = false;
	pthread_cond_broadcast(&r->cv);
	while (!r->job_done) {
		ts.tv_sec = deadline / 1000;
		ts.tv_nsec = (deadline % 1000) * 1000000;
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT || r->job_done)
			continue;
		if (!aborted) {
			aborted = true;
			nfc_abort_command(r->dev);
			deadline = nfc_now_ms() + NFC_ABORT_GRACE_MS;
			continue;
		}
		/* A lost ACK: libnfc waits for it where no abort reaches. */
		pthread_mutex_unlock(&r->mu);
		pthread_cancel(r->worker);
		pthread_join(r->worker, NULL);
		r->worker_alive = false;
		r->dead = true;
		log_warn("reader %s: no answer within %d ms, abort ignored; reader dropped",
			 r->conn, budget_ms + NFC_ABORT_GRACE_MS);
		return -ETIMEDOUT;
	}
	*res = r->job_res;
	r->job = JOB_NONE;
	pthread_mutex_unlock(&r->mu);
	if (aborted) {
		log_warn("reader %s: no answer within %d ms; command aborted", r->conn, budget_ms);
		return -ETIMEDOUT;
	}
	return 0;
}

static void reader_nfc_close(void *priv)
{
	struct reader_nfc *r = priv;

	if (!r)
		return;
	if (r->worker_alive) {
		pthread_mutex_lock(&r->mu);
		r->job = JOB_QUIT;
		r->job_done = false;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->worker, NULL);
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
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->poll_ms = opt->poll_ms >= NFC_POLL_PERIOD_MS ? opt->poll_ms : NFC_POLL_PERIOD_MS;
	r->presence_ms = opt->presence_ms > 0 ? opt->presence_ms : 100;
	r->watchdog_ms = opt->watchdog_ms > 0 ? opt->watchdog_ms : 2000;
	r->pollnr = (uint8_t)(r->poll_ms / NFC_POLL_PERIOD_MS > 254 ? 254 :
			      r->poll_ms / NFC_POLL_PERIOD_MS);
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
	/* Only the UID matters: no RATS/ATS. It also keeps InAutoPoll to one target type, so a
	 * poll with no card lasts poll_ms and not twice that. */
	if (nfc_device_set_property_bool(r->dev, NP_AUTO_ISO14443_4, false) < 0)
		log_warn("reader %s: cannot switch ISO 14443-4 activation off: %s", r->conn,
			 nfc_strerror(r->dev));
	ret = -pthread_create(&r->worker, NULL, nfc_worker, r);
	if (ret < 0) {
		log_err("reader: cannot start the reader thread: %s", strerror(-ret));
		goto out;
	}
	r->worker_alive = true;
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

/* One InAutoPoll: 1 and *card, 0 when none came, negative on failure. */
static int nfc_autopoll(struct reader_nfc *r, struct reader_card *card)
{
	int res, ret;

	ret = nfc_run(r, JOB_POLL, r->pollnr * NFC_POLL_PERIOD_MS + r->watchdog_ms, &res);
	if (ret < 0)
		return r->dead ? -ENODEV : ret;
	if (res > 0) {
		size_t len = r->nt.nti.nai.szUidLen;

		if (len != 4 && len != 7 && len != 10) {
			log_warn("reader %s: card with a %zu-byte UID ignored", r->conn, len);
			return 0;
		}
		memcpy(card->uid, r->nt.nti.nai.abtUid, len);
		card->uid_len = (uint8_t)len;
		r->sak = r->nt.nti.nai.btSak;
		return 1;
	}
	if (res == 0 || res == NFC_ECHIP)
		return 0; /* the poll ran out: no card */
	log_warn("reader %s: poll failed: %s", r->conn, nfc_strerror(r->dev));
	return nfc_errno(res);
}

static int reader_nfc_poll(void *priv, struct reader_card *card)
{
	struct reader_nfc *r = priv;
	int res, ret;

	if (r->present && !r->present_by_uid) {
		ret = nfc_run(r, JOB_PRESENT, r->watchdog_ms, &res);
		if (ret < 0)
			return r->dead ? -ENODEV : ret;
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
			log_warn("reader %s: presence check failed: %s", r->conn,
				 nfc_strerror(r->dev));
			return nfc_errno(res);
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
	/* libnfc checks a MIFARE Classic (SAK bit 3) by selecting it again; other cards it
	 * checks with InDataExchange/InCommunicateThru, whose answer with status bit 7 set makes
	 * libnfc call abort() (PN532.md): never send those, compare UIDs instead. */
	r->present_by_uid = !(r->sak & 0x08);
	r->card = *card;
	return 1;
}

static void reader_nfc_interrupt(void *priv)
{
	struct reader_nfc *r = priv;
	uint64_t one = 1;

	if (write(r->efd, &one, sizeof(one)) < 0)
		one = 0;
}

const struct reader_ops reader_nfc_ops = {
	.name = "nfc",
	.open = reader_nfc_open,
	.poll = reader_nfc_poll,
	.interrupt = reader_nfc_interrupt,
	.close = reader_nfc_close,
};
