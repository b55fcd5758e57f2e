/* Unit tests of common/: configuration, clock and Seoul days, the tap record codec. */
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/tap.h"
#include "common/uidhash.h"
#include "tests/harness.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

static const struct config_key test_keys[] = {
	{ "journal", "path", "/var/lib/kium/journal.db", "journal file" },
	{ "journal", "max_taps", "1000", "capacity" },
	{ "reader", "device", NULL, "connstring" },
	{ "reader", "debug", "false", "debug" },
	{ NULL, NULL, NULL, NULL },
};

static char tmpl[64];

static const char *write_tmp(const char *text)
{
	FILE *f;
	int fd;

	snprintf(tmpl, sizeof(tmpl), "/tmp/kium-unit-cfg.XXXXXX");
	fd = mkstemp(tmpl);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return tmpl;
}

static void cfg_free_cb(void *p)
{
	config_free(p);
}

TEST(config_reads_values_and_defaults)
{
	struct config *cfg = NULL;
	long n = 0;
	bool b = true;
	const char *p = write_tmp("[journal]\nmax_taps = 250\n[reader]\ndevice = pn532_uart:/dev/ttyS0\n");

	CHECK_EQ_INT(config_load(p, test_keys, &cfg), 0);
	unlink(p);
	harness_defer(cfg_free_cb, cfg);
	CHECK_EQ_STR(config_get(cfg, "reader", "device"), "pn532_uart:/dev/ttyS0");
	CHECK_EQ_STR(config_get(cfg, "journal", "path"), "/var/lib/kium/journal.db");
	CHECK_EQ_INT(config_get_int(cfg, "journal", "max_taps", 0, 1, 100000, &n), 0);
	CHECK_EQ_INT(n, 250);
	CHECK_EQ_INT(config_get_bool(cfg, "reader", "debug", true, &b), 0);
	CHECK(!b);
	CHECK(strstr(config_origin(cfg, "journal", "max_taps"), ":2") != NULL);
}

TEST(config_refuses_unknown_key_and_bad_values)
{
	struct config *cfg = NULL;
	long n = 0;
	const char *p = write_tmp("[journal]\nmax_tapz = 250\n");

	CHECK_EQ_INT(config_load(p, test_keys, &cfg), -EINVAL);
	CHECK(cfg == NULL);
	unlink(p);
	p = write_tmp("[journal\nmax_taps = 250\n");
	CHECK_EQ_INT(config_load(p, test_keys, &cfg), -EINVAL);
	unlink(p);
	CHECK_EQ_INT(config_load("/nonexistent/kium.conf", test_keys, &cfg), -ENOENT);
	p = write_tmp("[journal]\nmax_taps = 25x\n");
	CHECK_EQ_INT(config_load(p, test_keys, &cfg), 0);
	unlink(p);
	harness_defer(cfg_free_cb, cfg);
	CHECK_EQ_INT(config_get_int(cfg, "journal", "max_taps", 0, 1, 100000, &n), -EINVAL);
	CHECK(config_require(cfg, "reader", "device") == NULL);
}

TEST(clock_seoul_day_boundaries)
{
	int64_t day = 0;
	char buf[32];

	/* 2026-11-21T14:59:59.999Z is 23:59:59.999 in Seoul; one ms later is the 22nd. */
	CHECK_EQ_INT(clock_day_parse("2026-11-22", &day), 0);
	CHECK_EQ_INT(clock_seoul_day(clock_day_start_ms(day)), day);
	CHECK_EQ_INT(clock_seoul_day(clock_day_start_ms(day) - 1), day - 1);
	clock_day_format(day, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2026-11-22");
	clock_iso8601(clock_day_start_ms(day), buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2026-11-21T15:00:00.000Z");
	clock_seoul_hhmm(clock_day_start_ms(day) + (8 * 60 + 5) * 60000LL, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "08:05");
	CHECK_EQ_INT(clock_day_parse("2026-02-30", &day), -EINVAL);
	CHECK_EQ_INT(clock_day_parse("2026-1-5", &day), -EINVAL);
	CHECK_EQ_INT(clock_day_parse("2024-02-29", &day), 0);
}

TEST(clock_pinned_moves_only_by_hand)
{
	clock_pin(1795000000000LL, 5000, false);
	CHECK_EQ_INT(clock_wall_ms(), 1795000000000LL);
	CHECK(!clock_is_synced());
	clock_advance(1500);
	CHECK_EQ_INT(clock_mono_ms(), 6500);
	CHECK_EQ_INT(clock_wall_ms(), 1795000001500LL);
	clock_unpin();
	CHECK(clock_mono_ms() > 0);
}

TEST(tap_uid_roundtrip_and_refusals)
{
	uint8_t uid[TAP_UID_MAX], len = 0;
	char hex[32];

	CHECK_EQ_INT(tap_uid_parse("04A1B2C3D4E5F6", uid, &len), 0);
	CHECK_EQ_INT(len, 7);
	tap_uid_format(uid, len, hex, sizeof(hex));
	CHECK_EQ_STR(hex, "04a1b2c3d4e5f6");
	CHECK_EQ_INT(tap_uid_parse("deadbeef", uid, &len), 0);
	CHECK_EQ_INT(len, 4);
	CHECK_EQ_INT(tap_uid_parse("deadbee", uid, &len), -EINVAL);
	CHECK_EQ_INT(tap_uid_parse("deadbeeg", uid, &len), -EINVAL);
	CHECK_EQ_INT(tap_uid_parse("'; DROP TABLE taps;--", uid, &len), -EINVAL);
	CHECK_EQ_INT(tap_uid_parse("", uid, &len), -EINVAL);
}

TEST(tap_json_roundtrip)
{
	struct tap in = { .seq = 42, .uid = { 0x04, 0xa1, 0xb2, 0xc3 }, .uid_len = 4,
			  .wall_ms = 1795000000123LL, .mono_ms = 98765, .clock_synced = true,
			  .dir = TAP_DIR_OUT, .result = TAP_RESULT_DEPARTURE };
	struct tap out;
	const char *why = "unset";
	json_t *j;
	int rc;

	snprintf(in.boot_id, sizeof(in.boot_id), "0f0e0d0c-0b0a-4908-8706-050403020100");
	j = tap_to_json(&in);
	CHECK(j != NULL);
	rc = tap_from_json(j, &out, &why);
	json_decref(j);
	CHECK_EQ_INT(rc, 0);
	CHECK(why == NULL);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);
}

TEST(tap_json_refusals_name_the_field)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{ "[]", "not_an_object" },
		{ "{\"seq\":0}", "bad_seq" },
		{ "{\"seq\":1,\"uid\":\"zz\"}", "bad_uid" },
		{ "{\"seq\":1,\"uid\":\"deadbeef\",\"clock\":\"maybe\"}", "bad_clock" },
		{ "{\"seq\":1,\"uid\":\"deadbeef\",\"clock\":\"synced\",\"wall_ms\":5}", "bad_time" },
		{ "{\"seq\":1,\"uid\":\"deadbeef\",\"clock\":\"unsynced\",\"wall_ms\":5,\"mono_ms\":1,"
		  "\"boot_id\":\"ab\",\"dir\":\"in\",\"result\":\"departure\"}", "bad_dir" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].json, 0, NULL);
		struct tap t;
		const char *why = NULL;
		int rc = tap_from_json(j, &t, &why);

		json_decref(j);
		CHECK_EQ_INT(rc, -EINVAL);
		CHECK_EQ_STR(why, cases[i].why);
	}
}

TEST(tap_batch_keeps_good_records_beside_bad_ones)
{
	const char *text = "{\"device\":\"NWUK015-R01\",\"boot_id\":\"ab-cd\",\"mono_ms\":100,"
			   "\"wall_ms\":0,\"clock\":\"unsynced\",\"taps\":["
			   "{\"seq\":1,\"uid\":\"deadbeef\",\"clock\":\"unsynced\",\"wall_ms\":5,"
			   "\"mono_ms\":1,\"boot_id\":\"ab-cd\",\"dir\":\"in\",\"result\":\"arrival\"},"
			   "{\"seq\":2,\"uid\":\"nothex!!\"}]}";
	json_t *j = json_loads(text, 0, NULL);
	struct tap_batch b;
	const char **why = NULL, *why_batch = NULL;
	int rc;

	CHECK(j != NULL);
	rc = tap_batch_from_json(j, &b, &why, &why_batch);
	json_decref(j);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(b.n, 2);
	CHECK(why[0] == NULL);
	CHECK_EQ_STR(why[1], "bad_uid");
	CHECK_EQ_STR(b.device, "NWUK015-R01");
	CHECK_EQ_INT(b.taps[0].seq, 1);
	tap_batch_free(&b, why);

	j = json_loads("{\"device\":\"bad id with spaces\",\"taps\":[]}", 0, NULL);
	rc = tap_batch_from_json(j, &b, &why, &why_batch);
	json_decref(j);
	CHECK_EQ_INT(rc, -EINVAL);
	CHECK_EQ_STR(why_batch, "bad_device");
}

TEST(uidhash_is_keyed_by_facility)
{
	const uint8_t uid[4] = { 0xde, 0xad, 0xbe, 0xef };
	char a[UIDHASH_HEX_LEN + 1], b[UIDHASH_HEX_LEN + 1], c[UIDHASH_HEX_LEN + 1];

	CHECK_EQ_INT(uidhash_compute("NWUK015", uid, 4, a), 0);
	CHECK_EQ_INT(uidhash_compute("NWUK015", uid, 4, b), 0);
	CHECK_EQ_INT(uidhash_compute("NWUK016", uid, 4, c), 0);
	CHECK_EQ_INT(strlen(a), UIDHASH_HEX_LEN);
	CHECK_EQ_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK(strstr(a, "deadbeef") == NULL);
	CHECK_EQ_INT(uidhash_compute("", uid, 4, a), -EINVAL);
}

TEST(clock_unsynced_until_the_file_appears)
{
	char file[64];
	int64_t real, skewed;
	FILE *f;

	snprintf(file, sizeof(file), "/tmp/kium-sync.%d", (int)getpid());
	unlink(file);
	{
		char v[128];

		snprintf(v, sizeof(v), "-86400000:%s", file);
		setenv("KIUM_CLOCK_UNSYNCED", v, 1);
	}
	clock_unpin();
	CHECK(!clock_pin_from_env()); /* not pinned: only skewed */
	skewed = clock_wall_ms();
	real = time(NULL) * 1000LL;
	CHECK(!clock_is_synced());
	CHECK(real - skewed > 86400000LL - 5000 && real - skewed < 86400000LL + 5000);
	f = fopen(file, "w");
	CHECK(f != NULL);
	fclose(f);
	real = time(NULL) * 1000LL;
	CHECK(clock_wall_ms() - real < 5000 && real - clock_wall_ms() < 5000);
	CHECK(clock_is_synced());
	unlink(file);
	unsetenv("KIUM_CLOCK_UNSYNCED");
}

int main(void)
{
	log_init("unit", KLOG_DEBUG);
	RUN(config_reads_values_and_defaults);
	RUN(config_refuses_unknown_key_and_bad_values);
	RUN(clock_seoul_day_boundaries);
	RUN(clock_pinned_moves_only_by_hand);
	RUN(tap_uid_roundtrip_and_refusals);
	RUN(tap_json_roundtrip);
	RUN(tap_json_refusals_name_the_field);
	RUN(tap_batch_keeps_good_records_beside_bad_ones);
	RUN(uidhash_is_keyed_by_facility);
	RUN(clock_unsynced_until_the_file_appears);
	return harness_done();
}
