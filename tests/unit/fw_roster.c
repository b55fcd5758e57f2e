/* The roster: file format, refusal with line numbers, masking, the cache. */
#include "firmware/roster.h"
#include "tests/harness.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/kium-fw-roster.XXXXXX";

struct collect {
	int n;
	struct roster_entry e[8];
};

static int collect_fn(void *user, const struct roster_entry *e)
{
	struct collect *c = user;

	if (c->n < 8)
		c->e[c->n] = *e;
	c->n++;
	return 0;
}

static int parse(const char *text, struct collect *c, struct roster_parse_info *info)
{
	memset(c, 0, sizeof(*c));
	return roster_parse(text, strlen(text), "NWUK015", collect_fn, c, info);
}

TEST(good_file)
{
	char want[UIDHASH_HEX_LEN + 1];
	const uint8_t uid[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
	struct roster_parse_info info;
	struct collect c;

	CHECK_EQ_INT(parse("# exported by the hub\n"
			   "kium-roster 1\r\n"
			   "facility NWUK015\n"
			   "version 17\n"
			   "\n"
			   "uid 04A1B2C3 C001 김민수\n"
			   "card 0123456789ABCDEF0123456789abcdef C002 이*연\n"
			   "uid 04112233445566 C003 Mina Kim  \n",
			   &c, &info), 0);
	CHECK_EQ_INT(c.n, 3);
	CHECK_EQ_INT(info.version, 17);
	CHECK_EQ_INT(info.entries, 3);
	CHECK_EQ_STR(info.facility, "NWUK015");
	uidhash_compute("NWUK015", uid, 4, want);
	CHECK_EQ_STR(c.e[0].uidhash, want);
	CHECK_EQ_STR(c.e[0].child_id, "C001");
	CHECK_EQ_STR(c.e[0].name, "김*수");
	CHECK_EQ_STR(c.e[1].uidhash, "0123456789abcdef0123456789abcdef");
	CHECK_EQ_STR(c.e[1].name, "이*연");
	CHECK_EQ_STR(c.e[2].name, "M******m");
}

TEST(bad_files_name_the_line)
{
	struct roster_parse_info info;
	struct collect c;

	CHECK_EQ_INT(parse("", &c, &info), -EINVAL);
	CHECK(strstr(info.error, "empty"));
	CHECK_EQ_INT(parse("hello\n", &c, &info), -EINVAL);
	CHECK_EQ_INT(info.error_line, 1);
	CHECK_EQ_INT(parse("kium-roster 1\nfacility GNUK001\n", &c, &info), -EINVAL);
	CHECK_EQ_INT(info.error_line, 2);
	CHECK(strstr(info.error, "GNUK001"));
	CHECK_EQ_INT(parse("kium-roster 1\nuid 04a1b2c3 C1 김민수\n", &c, &info), -EINVAL);
	CHECK(strstr(info.error, "before the facility"));
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nuid 04a1b2 C1 김\n", &c, &info),
		     -EINVAL);
	CHECK_EQ_INT(info.error_line, 3);
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\ncard 0123 C1 김\n", &c, &info),
		     -EINVAL);
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C/1 김\n", &c, &info),
		     -EINVAL);
	CHECK(strstr(info.error, "child id"));
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C1\n", &c, &info),
		     -EINVAL);
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C1 \xc3\x28\n", &c,
			   &info), -EINVAL);
	CHECK(strstr(info.error, "UTF-8"));
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nversion 1x\n", &c, &info), -EINVAL);
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nfrobnicate\n", &c, &info), -EINVAL);
	CHECK(strstr(info.error, "unknown record"));
	{
		char big[1200];

		snprintf(big, sizeof(big), "kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C1 %0900d\n",
			 0);
		CHECK_EQ_INT(parse(big, &c, &info), -EINVAL);
		CHECK(strstr(info.error, "longer"));
	}
	/* Nothing reaches the callback before the refusal of a record line. */
	CHECK_EQ_INT(parse("kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C1 김\nuid zz C2 이\n",
			   &c, &info), -EINVAL);
	CHECK_EQ_INT(info.error_line, 4);
}

TEST(masking)
{
	char out[ROSTER_NAME_MAX];

	roster_mask_name("김민수", out, sizeof(out));
	CHECK_EQ_STR(out, "김*수");
	roster_mask_name("김수", out, sizeof(out));
	CHECK_EQ_STR(out, "김*");
	roster_mask_name("남궁민수", out, sizeof(out));
	CHECK_EQ_STR(out, "남**수");
	roster_mask_name("김", out, sizeof(out));
	CHECK_EQ_STR(out, "*");
	roster_mask_name("김*수", out, sizeof(out));
	CHECK_EQ_STR(out, "김*수");
}

static void rm_file(void *p)
{
	unlink(p);
	free(p);
}

static char *tmpfile_with(const char *name, const char *text)
{
	char *p = malloc(300);
	FILE *f;

	snprintf(p, 300, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	harness_defer(rm_file, p);
	return p;
}

static void close_roster(void *r)
{
	roster_close(r);
}

TEST(cache_keeps_the_last_good_roster)
{
	const uint8_t uid[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
	char hash[UIDHASH_HEX_LEN + 1], *cache, *good, *bad, wal[320], shm[320];
	struct roster_entry e;
	struct roster *r = NULL;
	size_t cards;
	int64_t version;

	cache = tmpfile_with("cache.db", "");
	unlink(cache);
	snprintf(wal, sizeof(wal), "%s-wal", cache);
	snprintf(shm, sizeof(shm), "%s-shm", cache);
	good = tmpfile_with("good", "kium-roster 1\nfacility NWUK015\nversion 3\n"
			    "uid 04a1b2c3 C001 김민수\n");
	bad = tmpfile_with("bad", "kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C001\n");
	CHECK_EQ_INT(roster_open(cache, "NWUK015", &r), 0);
	harness_defer(close_roster, r);
	uidhash_compute("NWUK015", uid, 4, hash);
	CHECK_EQ_INT(roster_lookup(r, hash, &e), 0);
	CHECK_EQ_INT(roster_import_file(r, good), 0);
	CHECK_EQ_INT(roster_lookup(r, hash, &e), 1);
	CHECK_EQ_STR(e.child_id, "C001");
	CHECK_EQ_STR(e.name, "김*수");
	CHECK(roster_import_file(r, bad) < 0);
	CHECK(roster_import_file(r, "/nonexistent/roster") < 0);
	CHECK_EQ_INT(roster_lookup(r, hash, &e), 1);
	CHECK_EQ_INT(roster_stats(r, &cards, &version), 0);
	CHECK_EQ_INT(cards, 1);
	CHECK_EQ_INT(version, 3);
	unlink(wal);
	unlink(shm);
}

TEST(cache_file_holds_no_raw_uid)
{
	char *cache, *good, wal[320], shm[320], buf[65536];
	struct roster *r = NULL;
	size_t n;
	FILE *f;

	cache = tmpfile_with("cache2.db", "");
	unlink(cache);
	snprintf(wal, sizeof(wal), "%s-wal", cache);
	snprintf(shm, sizeof(shm), "%s-shm", cache);
	good = tmpfile_with("good2", "kium-roster 1\nfacility NWUK015\nuid 04a1b2c3d4e5f6 C001 김민수\n");
	CHECK_EQ_INT(roster_open(cache, "NWUK015", &r), 0);
	CHECK_EQ_INT(roster_import_file(r, good), 0);
	roster_close(r);
	f = fopen(cache, "rb");
	CHECK(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (size_t i = 0; i + 7 <= n; i++)
		CHECK(memcmp(buf + i, "\x04\xa1\xb2\xc3\xd4\xe5\xf6", 7) != 0);
	CHECK(memmem(buf, n, "04a1b2c3d4e5f6", 14) == NULL);
	CHECK(memmem(buf, n, "C001", 4) != NULL);
	unlink(wal);
	unlink(shm);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(good_file);
	RUN(bad_files_name_the_line);
	RUN(masking);
	RUN(cache_keeps_the_last_good_roster);
	RUN(cache_file_holds_no_raw_uid);
	rmdir(tmpdir);
	return harness_done();
}
