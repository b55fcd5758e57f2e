/*
 * The bare libnfc floor for `make bench`: the reader's own poll loop (reader_nfc.c, same
 * options) writing the same record line the moment a card is seen, with no journal, no roster
 * and no tap decision. Runs until SIGTERM.
 *
 *   reader_floor CONNSTRING RECORD_PATH POLL_MS PRESENCE_MS
 */
#include "common/log.h"
#include "firmware/feedback.h"
#include "firmware/reader.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t floor_stop;

static void floor_on_term(int sig)
{
	(void)sig;
	floor_stop = 1;
}

int main(int argc, char **argv)
{
	struct reader_options ro = { 0 };
	struct feedback_config fc = { .backend = "record" };
	struct feedback *fb = NULL;
	struct reader_card card;
	void *priv = NULL;
	uint64_t seq = 0;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: reader_floor CONNSTRING RECORD_PATH POLL_MS PRESENCE_MS\n");
		return 2;
	}
	log_init("reader_floor", KLOG_WARNING);
	signal(SIGTERM, floor_on_term);
	ro.connstring = argv[1];
	ro.poll_ms = atoi(argv[3]);
	ro.presence_ms = atoi(argv[4]);
	ro.watchdog_ms = 2000;
	fc.record_path = argv[2];
	if (feedback_open(&fc, &fb) < 0 || reader_nfc_ops.open(&ro, &priv) < 0)
		return 1;
	while (!floor_stop) {
		ret = reader_nfc_ops.poll(priv, &card);
		if (ret == 1)
			feedback_give(fb, FEEDBACK_ARRIVAL, ++seq, card.uid, card.uid_len);
	}
	reader_nfc_ops.close(priv);
	feedback_close(fb);
	return 0;
}
