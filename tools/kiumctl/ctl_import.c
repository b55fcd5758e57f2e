/*
 * kiumctl import facilities FILE [--dry-run] [--actor ID]: facilities from a CSV file (UTF-8,
 * with or without BOM; a header row of Korean or English column names, see hub/api/FACILITIES.md), one
 * per row, each checked by the same rules as the portal (hub/domain/facility.c) and stored in
 * its own transaction, so a refused row leaves nothing behind. The verification report goes
 * to stdout as tab-separated lines:
 *
 *   line  result    code     field  reason
 *   2     accepted  NWUK001  -      -
 *   3     refused   -        email  이메일 형식이 올바르지 않습니다 / Invalid e-mail address
 *
 * --dry-run writes nothing and reports the codes the rows would get. Exit 0 when every row
 * was accepted, 1 when any was refused or the file could not be read, 2 for usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "hub/domain/facility.h"
#include "hub/store/store.h"
#include "tools/kiumctl/ctl.h"

#define IMPORT_SEEN_MAX 4096

struct import_state {
	struct store *st;
	bool dry;
	const char *actor;
	size_t accepted, refused;
	/* dry run: numbers handed out so far per district+type, and codes seen in the file */
	char keys[64][5];
	int next[64];
	size_t nkeys;
	char (*seen)[STORE_FACILITY_CODE_MAX];
	size_t nseen;
};

static void report(struct import_state *s, size_t line, const char *code, const char *field,
		   const char *reason)
{
	if (code)
		s->accepted++;
	else
		s->refused++;
	printf("%zu\t%s\t%s\t%s\t%s\n", line, code ? "accepted" : "refused", code ? code : "-",
	       field ? field : "-", reason ? reason : "-");
}

static bool seen_code(struct import_state *s, const char *code, bool add)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (!strcmp(s->seen[i], code))
			return true;
	if (add && s->nseen < IMPORT_SEEN_MAX)
		snprintf(s->seen[s->nseen++], STORE_FACILITY_CODE_MAX, "%s", code);
	return false;
}

/* Dry run: the code the row would get, as store_facility_create would issue it (one past
 * the highest number of the district and type, legacy codes included). */
static int dry_code(struct import_state *s, struct store_facility_info *fi, int number,
		    char *code)
{
	char key[5];
	size_t k;
	int r;

	snprintf(key, sizeof(key), "%.2s%.2s", fi->f.district, fi->f.type);
	for (k = 0; k < s->nkeys && strcmp(s->keys[k], key); k++)
		;
	if (k == s->nkeys) {
		if (k == sizeof(s->keys) / sizeof(s->keys[0]))
			return -ENOMEM;
		snprintf(s->keys[k], sizeof(s->keys[k]), "%s", key);
		if ((r = store_facility_next_number(s->st, fi->f.district, fi->f.type,
						    &s->next[k])) < 0)
			return r;
		s->nkeys++;
	}
	if (number > 0) {
		struct store_facility f;

		snprintf(code, STORE_FACILITY_CODE_MAX, "%s%03d", key, number);
		if (store_facility_get(s->st, code, &f) == 0 || seen_code(s, code, false))
			return -EEXIST;
		if (number >= s->next[k])
			s->next[k] = number + 1;
	} else {
		if (s->next[k] > STORE_FAC_NUMBER_MAX)
			return -ENOSPC;
		snprintf(code, STORE_FACILITY_CODE_MAX, "%s%03d", key, s->next[k]++);
	}
	seen_code(s, code, true);
	return 0;
}

static void import_row(struct import_state *s, const struct facility_csv *c, const int *map,
		       size_t nmap)
{
	struct facility_input in;
	struct facility_error fe;
	struct store_facility_info fi;
	char code[STORE_FACILITY_CODE_MAX];
	int number, r;

	if (c->n != nmap) {
		report(s, c->line, NULL, "-", "열 개수가 머리글과 다릅니다 / The row has a different "
		       "number of columns than the header");
		return;
	}
	facility_csv_input(c, map, nmap, &in);
	if (facility_apply(&in, true, &fi, &number, &fe) < 0) {
		report(s, c->line, NULL, fe.field, facility_error_message(fe.code));
		return;
	}
	if (s->dry) {
		r = dry_code(s, &fi, number, code);
	} else {
		r = store_facility_create(s->st, &fi, number, s->actor, clock_wall_ms());
		snprintf(code, sizeof(code), "%s", fi.f.code);
	}
	if (r == -EEXIST)
		report(s, c->line, NULL, "code", "이미 발급된 시설코드입니다 (중복, 재사용 불가) / "
		       "The facility code was already issued (duplicate or reused)");
	else if (r == -ENOSPC)
		report(s, c->line, NULL, "code", "이 자치구·시설유형의 시설번호(001~999)를 모두 "
		       "사용했습니다 / No facility numbers left for this district and type");
	else if (r == -EINVAL)
		report(s, c->line, NULL, "-", "저장할 수 없는 값입니다 (UTF-8이 아닌 글자 등) / "
		       "A value cannot be stored (e.g. invalid UTF-8)");
	else if (r < 0)
		report(s, c->line, NULL, "-", "저장소 오류 / Store error");
	else
		report(s, c->line, code, NULL, NULL);
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int r = 0;

	*out = NULL;
	if (!fp)
		return -errno;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *t;

			cap = cap ? cap * 2 : 131072;
			if (cap > FACILITY_CSV_MAX_BYTES + 131072) {
				r = -EFBIG;
				goto out;
			}
			t = realloc(buf, cap);
			if (!t) {
				r = -ENOMEM;
				goto out;
			}
			buf = t;
		}
		got = fread(buf + n, 1, 65536, fp);
		n += got;
		if (got < 65536)
			break;
	}
	if (ferror(fp))
		r = -EIO;
out:
	fclose(fp);
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = n;
	return 0;
}

int ctl_import(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--actor", NULL };
	static const char *const flags[] = { "--dry-run", NULL };
	struct import_state s = { 0 };
	struct facility_csv *c = NULL;
	struct ctl_args a;
	char *buf = NULL;
	size_t len = 0, nmap = 0;
	int map[FACILITY_CSV_MAX_FIELDS], r, ret = CTL_EXIT_FAIL;

	if (ctl_args_parse(argc, argv, with_value, flags, &a) < 0)
		return CTL_EXIT_USAGE;
	if (a.n_pos != 2 || strcmp(a.pos[0], "facilities"))
		return ctl_usage("import facilities FILE [--dry-run] [--actor ID]");
	s.dry = ctl_flag(&a, "--dry-run");
	s.actor = ctl_opt(&a, "--actor") ? ctl_opt(&a, "--actor") : "kiumctl";
	if ((r = read_file(a.pos[1], &buf, &len)) < 0) {
		ctl_err("cannot read %s: %s", a.pos[1], strerror(-r));
		return CTL_EXIT_FAIL;
	}
	c = calloc(1, sizeof(*c));
	s.seen = calloc(IMPORT_SEEN_MAX, sizeof(*s.seen));
	if (!c || !s.seen) {
		ctl_err("out of memory");
		goto out;
	}
	if (facility_csv_init(c, buf, len) < 0 || facility_csv_next(c) != 1) {
		ctl_err("%s: no header row (or over %u bytes)", a.pos[1], FACILITY_CSV_MAX_BYTES);
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		map[i] = facility_csv_column(c->buf[i]);
		if (map[i] < 0) {
			ctl_err("%s: unknown column '%s' (see hub/api/FACILITIES.md for the names)",
				a.pos[1], c->buf[i]);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (map[j] == map[i]) {
				ctl_err("%s: column '%s' given twice", a.pos[1], c->buf[i]);
				goto out;
			}
	}
	nmap = c->n;
	if (ctl_store_open(data, &s.st) < 0)
		goto out;
	printf("line\tresult\tcode\tfield\treason\n");
	while ((r = facility_csv_next(c)) != 0) {
		if (r < 0)
			report(&s, c->line, NULL, "-", "CSV 형식 오류 (따옴표, 글자 수, 열 수, UTF-8) / "
			       "Malformed CSV (quotes, field length, column count or UTF-8)");
		else
			import_row(&s, c, map, nmap);
	}
	printf("# %zu accepted, %zu refused%s\n", s.accepted, s.refused,
	       s.dry ? " (dry run: nothing written)" : "");
	ret = s.refused ? CTL_EXIT_FAIL : CTL_EXIT_OK;
out:
	store_close(s.st);
	free(s.seen);
	free(c);
	free(buf);
	return ret;
}
