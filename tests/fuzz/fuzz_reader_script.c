/*
 * Fuzz target: the scripted fake reader's script parser and player (firmware/reader_fake.c),
 * which the power-cut test and the unit tests feed. The input is written to a memfd, opened
 * as "fake:/proc/self/fd/N" and played for up to 64 polls. Inputs with a "sleep" line are
 * skipped: sleeping is what that line is for.
 */
#include "firmware/reader.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_play(const char *conn)
{
	struct reader_options ro = { .connstring = conn, .poll_ms = 0 };
	struct reader_card card;
	void *priv = NULL;

	if (reader_fake_ops.open(&ro, &priv) < 0)
		return;
	for (int i = 0; i < 64; i++) {
		int r = reader_fake_ops.poll(priv, &card);

		if (r == 1 && card.uid_len != 4 && card.uid_len != 7 && card.uid_len != 10)
			__builtin_trap();
	}
	reader_fake_ops.close(priv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char conn[64];
	int fd;

	if (memmem(data, size, "sleep", 5) || size > 65536)
		return 0;
	fd = memfd_create("script", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		/* Another path first: the fake forgets where the last script stopped. */
		fuzz_play("fake:/dev/null");
		snprintf(conn, sizeof(conn), "fake:/proc/self/fd/%d", fd);
		fuzz_play(conn);
	}
	close(fd);
	return 0;
}
