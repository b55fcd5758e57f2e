/*
 * kiumctl facility|child|card|attendance: the minimal records needed to follow a tap from a
 * card to the day's attendance before the portal exists (the full facility record and the
 * account system come in later issues).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/tap.h"
#include "hub/domain/attendance.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"
#include "tools/kiumctl/ctl.h"

#define FACILITY_ADD_USAGE                                                                   \
	"facility add --district NW --type UK --name NAME [--kind general|convergent|hub]"     \
	" | facility add CODE --name NAME [--kind K]"

/* facility add: a code from the portal's ledger (store_facility_create), the next number of
 * the district and type, or a legacy CODE that was never issued; never reused, and after
 * 999 refused. */
static int facility_add(const char *data, const struct ctl_args *a)
{
	struct store_facility_info fi;
	struct store *st = NULL;
	const struct org_district *d;
	const char *name = ctl_opt(a, "--name"), *kind = ctl_opt(a, "--kind");
	const char *district = ctl_opt(a, "--district"), *type = ctl_opt(a, "--type");
	enum org_kium_kind k = ORG_KIND_NONE;
	enum org_type t;
	int r, number = 0;

	memset(&fi, 0, sizeof(fi));
	if (!name || (a->n_pos == 2) == (district || type) || (a->n_pos == 1 && !(district && type)))
		return ctl_usage(FACILITY_ADD_USAGE);
	if (a->n_pos == 2) {
		if (org_facility_code_parse(a->pos[1], fi.f.district, &t, &number) < 0) {
			ctl_err("bad facility code '%s' (district + type + number, e.g. NWUK015: "
				"district NW, type UK, number 015)", a->pos[1]);
			return CTL_EXIT_FAIL;
		}
	} else {
		d = org_district_by_code(district);
		if (!d) {
			ctl_err("unknown district '%s' (a 2-letter code, e.g. NW)", district);
			return CTL_EXIT_FAIL;
		}
		if (org_type_parse(type, &t) < 0) {
			ctl_err("unknown facility type '%s' (UK, CC, GI or SK)", type);
			return CTL_EXIT_FAIL;
		}
		snprintf(fi.f.district, sizeof(fi.f.district), "%s", d->code);
	}
	snprintf(fi.f.type, sizeof(fi.f.type), "%s", org_type_code(t));
	if (kind && (org_kind_parse(kind, &k) < 0 || k == ORG_KIND_NONE || t != ORG_TYPE_UK)) {
		ctl_err("--kind is general, convergent or hub, and only for Kium centers (UK)");
		return CTL_EXIT_FAIL;
	}
	if (k != ORG_KIND_NONE)
		snprintf(fi.kind, sizeof(fi.kind), "%s", org_kind_code(k));
	if (strlen(name) >= sizeof(fi.f.name)) {
		ctl_err("facility name too long (max %zu bytes)", sizeof(fi.f.name) - 1);
		return CTL_EXIT_FAIL;
	}
	snprintf(fi.f.name, sizeof(fi.f.name), "%s", name);
	fi.operating = true;
	fi.capacity = 0;
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	r = store_facility_create(st, &fi, number, "kiumctl", clock_wall_ms());
	store_close(st);
	if (r == -EEXIST) {
		ctl_err("facility code %s was issued before and is never reused", a->n_pos == 2
			? a->pos[1] : "(next)");
		return CTL_EXIT_FAIL;
	}
	if (r == -ENOSPC) {
		ctl_err("no facility numbers left for %s%s (001-999 all issued)", fi.f.district,
			fi.f.type);
		return CTL_EXIT_FAIL;
	}
	if (r < 0) {
		ctl_err(r == -EINVAL ? "bad facility name (UTF-8 text, no control characters)"
				     : "cannot add the facility");
		return CTL_EXIT_FAIL;
	}
	printf("facility %s added\n", fi.f.code);
	return CTL_EXIT_OK;
}

int ctl_facility(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--name", "--district", "--type", "--kind",
						  NULL };
	struct ctl_args a;
	struct store *st = NULL;
	struct store_facility *v = NULL;
	const struct org_district *district;
	size_t n = 0;
	int r;

	if (ctl_args_parse(argc, argv, with_value, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	if ((a.n_pos == 1 || a.n_pos == 2) && strcmp(a.pos[0], "add") == 0)
		return facility_add(data, &a);
	if (a.n_pos == 1 && strcmp(a.pos[0], "list") == 0) {
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_facility_list(st, &v, &n);
		store_close(st);
		if (r < 0) {
			ctl_err("cannot list facilities");
			return CTL_EXIT_FAIL;
		}
		for (size_t i = 0; i < n; i++) {
			district = org_district_by_code(v[i].district);
			printf("%-8s %-10s roster v%lld  %s\n", v[i].code,
			       district ? district->name : v[i].district,
			       (long long)v[i].roster_version, v[i].name);
		}
		free(v);
		return CTL_EXIT_OK;
	}
	return ctl_usage(FACILITY_ADD_USAGE " | facility list");
}

int ctl_child(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--name", "--facility", NULL };
	struct ctl_args a;
	struct store *st = NULL;
	struct store_facility f;
	const char *name, *facility, *id;
	int r, rc = CTL_EXIT_FAIL;

	if (ctl_args_parse(argc, argv, with_value, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	name = ctl_opt(&a, "--name");
	facility = ctl_opt(&a, "--facility");
	if (a.n_pos != 2 || strcmp(a.pos[0], "add") != 0 || !name || !facility)
		return ctl_usage("child add CHILD_ID --name NAME --facility CODE");
	id = a.pos[1];
	if (!tap_device_id_valid(id)) {
		ctl_err("bad child id '%s' (1..63 of letters, digits, '.', '_', '-')", id);
		return CTL_EXIT_FAIL;
	}
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	if (store_facility_get(st, facility, &f) < 0) {
		ctl_err("unknown facility '%s'", facility);
		goto out;
	}
	r = store_child_add(st, id, name, f.code, clock_wall_ms());
	if (r < 0) {
		ctl_err(r == -EEXIST   ? "child id %s already exists"
			: r == -EINVAL ? "bad name for child %s (UTF-8 text, no control characters)"
				       : "cannot add child %s",
			id);
		goto out;
	}
	printf("child %s added to %s\n", id, f.code);
	rc = CTL_EXIT_OK;
out:
	store_close(st);
	return rc;
}

int ctl_card(const char *data, int argc, char **argv)
{
	struct ctl_args a;
	struct store *st = NULL;
	struct store_child c;
	uint8_t uid[TAP_UID_MAX], len;
	int r, rc = CTL_EXIT_FAIL;
	bool assign;

	if (ctl_args_parse(argc, argv, NULL, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	assign = a.n_pos == 3 && strcmp(a.pos[0], "assign") == 0;
	if (!assign && !(a.n_pos == 2 && strcmp(a.pos[0], "deactivate") == 0))
		return ctl_usage("card assign UID CHILD_ID | card deactivate UID");
	if (tap_uid_parse(a.pos[1], uid, &len) < 0) {
		ctl_err("malformed card UID '%s' (hex, 4, 7 or 10 bytes)", a.pos[1]);
		return CTL_EXIT_FAIL;
	}
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	if (assign) {
		if (store_child_get(st, a.pos[2], &c) < 0) {
			ctl_err("unknown child '%s'", a.pos[2]);
			goto out;
		}
		r = store_card_assign(st, uid, len, c.id, clock_wall_ms());
		if (r < 0) {
			ctl_err(r == -EEXIST ? "card %s is already assigned (deactivate it first)"
					     : "cannot assign card %s", a.pos[1]);
			goto out;
		}
		printf("card %s assigned to %s (%s)\n", a.pos[1], c.id, c.facility);
	} else {
		r = store_card_deactivate(st, uid, len, clock_wall_ms());
		if (r < 0) {
			ctl_err(r == -ENOENT ? "card %s is not assigned" : "cannot deactivate card %s",
				a.pos[1]);
			goto out;
		}
		printf("card %s deactivated\n", a.pos[1]);
	}
	rc = CTL_EXIT_OK;
out:
	store_close(st);
	return rc;
}

/* Columns a UTF-8 string takes on a terminal: Hangul and other wide East Asian characters
 * take two. */
static int display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		uint32_t c;
		int n;

		if (*p < 0x80) {
			c = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0 && p[1]) {
			c = ((uint32_t)(*p & 0x1f) << 6) | (p[1] & 0x3f);
			n = 2;
		} else if ((*p & 0xf0) == 0xe0 && p[1] && p[2]) {
			c = ((uint32_t)(*p & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
			n = 3;
		} else {
			c = 0;
			n = 1;
			while (p[n] && (p[n] & 0xc0) == 0x80 && n < 4)
				n++;
		}
		w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
			     (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
			     (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
			     (c >= 0xffe0 && c <= 0xffe6)
			? 2
			: 1;
		p += n;
	}
	return w;
}

/* Prints s left-aligned in a column of width display columns, then one space. */
static void cell(const char *s, int width)
{
	int pad = width - display_width(s);

	fputs(s, stdout);
	printf("%*s ", pad > 0 ? pad : 0, "");
}

static const char *dir_ko(enum tap_result r)
{
	switch (r) {
	case TAP_RESULT_ARRIVAL:
		return "등원";
	case TAP_RESULT_DEPARTURE:
		return "하원";
	case TAP_RESULT_UNKNOWN_CARD:
		return "미등록카드";
	}
	return "?";
}

static const char *clock_ko(enum store_time_flag f)
{
	switch (f) {
	case STORE_TIME_READER:
		return "정상";
	case STORE_TIME_CORRECTED:
		return "보정됨";
	case STORE_TIME_UNCORRECTABLE:
		return "시각미확인";
	}
	return "?";
}

int ctl_attendance(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--facility", "--date", NULL };
	static const char *const flags[] = { "--json", NULL };
	struct ctl_args a;
	struct store *st = NULL;
	struct store_attendance_row *rows = NULL;
	const char *facility, *date;
	json_t *j = NULL;
	char *text = NULL, hhmm[8];
	size_t n = 0;
	int64_t day;
	int r, rc = CTL_EXIT_FAIL;

	if (ctl_args_parse(argc, argv, with_value, flags, &a) < 0)
		return CTL_EXIT_USAGE;
	facility = ctl_opt(&a, "--facility");
	date = ctl_opt(&a, "--date");
	if (a.n_pos || !facility || !date)
		return ctl_usage("attendance --facility CODE --date YYYY-MM-DD [--json]");
	if (clock_day_parse(date, &day) < 0) {
		ctl_err("bad date '%s' (YYYY-MM-DD)", date);
		return CTL_EXIT_FAIL;
	}
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	if (ctl_flag(&a, "--json")) {
		r = attendance_day_json(st, facility, day, &j);
		if (r == 0 && !(text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)))
			r = -ENOMEM;
		if (r == 0)
			printf("%s\n", text);
	} else {
		r = store_attendance_day(st, facility, day, &rows, &n);
		if (r == 0) {
			printf("%s %s\n", facility, date);
			cell("시각", 5);
			cell("아동ID", 10);
			cell("이름", 12);
			cell("구분", 10);
			cell("시계", 10);
			printf("기기/순번\n");
			for (size_t i = 0; i < n; i++) {
				clock_seoul_hhmm(rows[i].time_ms, hhmm, sizeof(hhmm));
				cell(hhmm, 5);
				cell(rows[i].child_id[0] ? rows[i].child_id : "-", 10);
				cell(rows[i].child_name[0] ? rows[i].child_name : "-", 12);
				cell(dir_ko(rows[i].result), 10);
				cell(clock_ko(rows[i].flag), 10);
				printf("%s/%llu\n", rows[i].device_id, (unsigned long long)rows[i].seq);
			}
			printf("%zu건\n", n);
		}
	}
	if (r < 0) {
		ctl_err(r == -ENOENT ? "unknown facility '%s'" : "cannot read attendance of %s",
			facility);
		goto out;
	}
	rc = CTL_EXIT_OK;
out:
	free(text);
	json_decref(j);
	free(rows);
	store_close(st);
	return rc;
}
