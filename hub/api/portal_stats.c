/*
 * Statistics routes (see stats.h): parse the filters, narrow them to the caller's scope
 * (hub/auth/scope.c's rules; a filter naming something outside it is refused, not
 * silently narrowed), build the table (hub/domain/stats.c) and answer it as JSON, or as a
 * CSV/XLSX download with a file name that survives Korean (RFC 6266 filename*).
 */
#include "hub/api/stats.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/scope.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int qget(const char *query, const char *name, char *buf, size_t len, bool *bad)
{
	int n = http_query_get(query, name, buf, len);

	if (n == -ENOENT || n == 0) {
		buf[0] = '\0';
		return 0;
	}
	if (n < 0) {
		*bad = true;
		buf[0] = '\0';
		return 0;
	}
	return 1;
}

/* Copies src (already checked to fit) into dst of len bytes. */
static void scopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int month_parse(const char *s, int64_t *first, int64_t *last)
{
	char d[32];
	int y, m, n = 0;

	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 || m < 1 ||
	    m > 12 || y < 2000 || y > 2999)
		return -EINVAL;
	snprintf(d, sizeof(d), "%04d-%02d-01", y, m);
	if (clock_day_parse(d, first) < 0)
		return -EINVAL;
	snprintf(d, sizeof(d), "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	if (clock_day_parse(d, last) < 0)
		return -EINVAL;
	(*last)--;
	return 0;
}

/* "UK" or "UK,CC": each a known type, at most four, no repeats. */
static bool types_valid(const char *s)
{
	enum org_type t;
	unsigned seen = 0;
	char code[3];

	for (;;) {
		if (strlen(s) < 2)
			return false;
		memcpy(code, s, 2);
		code[2] = '\0';
		if (org_type_parse(code, &t) < 0 || (seen & (1u << t)))
			return false;
		seen |= 1u << t;
		s += 2;
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

int api_stats_query_parse(const char *query, enum stats_what what, int64_t today,
			  struct stats_query *q, enum api_stats_format *format, const char **bad)
{
	char b[64], m[16], from[16], to[16];
	const struct org_district *d;
	enum org_kium_kind k;
	bool err = false;
	int64_t first, last;
	char today_s[16];

	memset(q, 0, sizeof(*q));
	q->what = what;
	q->operating = -1;
	q->group = what == STATS_FACILITIES ? STATS_BY_DISTRICT_TYPE : STATS_BY_FACILITY;
	*format = API_STATS_JSON;
	*bad = NULL;
	if (!query)
		query = "";
	clock_day_format(today, today_s, sizeof(today_s));
	snprintf(m, sizeof(m), "%.7s", today_s);
	if (qget(query, "month", b, sizeof(b), &err) && strlen(b) < sizeof(m))
		scopy(m, sizeof(m), b);
	else if (b[0] || err)
		return *bad = "month", -EINVAL;
	if (month_parse(m, &first, &last) < 0)
		return *bad = "month", -EINVAL;
	q->from_day = first;
	q->to_day = last;
	if (qget(query, "from", from, sizeof(from), &err) && clock_day_parse(from, &q->from_day) < 0)
		return *bad = "from", -EINVAL;
	if (qget(query, "to", to, sizeof(to), &err) && clock_day_parse(to, &q->to_day) < 0)
		return *bad = "to", -EINVAL;
	if (err)
		return *bad = "from", -EINVAL;
	if (q->to_day < q->from_day || q->to_day - q->from_day >= STATS_MAX_DAYS)
		return *bad = "to", -EINVAL;
	if (qget(query, "district", b, sizeof(b), &err)) {
		if (!(d = org_district_by_code(b)) && !(d = org_district_by_name(b)))
			return *bad = "district", -EINVAL;
		scopy(q->district, sizeof(q->district), d->code);
	}
	if (qget(query, "type", b, sizeof(b), &err)) {
		if (!types_valid(b) || strlen(b) >= sizeof(q->types))
			return *bad = "type", -EINVAL;
		scopy(q->types, sizeof(q->types), b);
	}
	if (qget(query, "facility", b, sizeof(b), &err)) {
		if (strlen(b) >= sizeof(q->facility) || strspn(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
							       "0123456789") != strlen(b))
			return *bad = "facility", -EINVAL;
		scopy(q->facility, sizeof(q->facility), b);
	}
	if (qget(query, "kind", b, sizeof(b), &err)) {
		if (org_kind_parse(b, &k) < 0 || k == ORG_KIND_NONE)
			return *bad = "kind", -EINVAL;
		scopy(q->kind, sizeof(q->kind), b);
	}
	if (qget(query, "care", b, sizeof(b), &err)) {
		if (what != STATS_USERS || (strcmp(b, "regular") && strcmp(b, "temporary") &&
					    strcmp(b, "sick")))
			return *bad = "care", -EINVAL;
		scopy(q->care, sizeof(q->care), b);
	}
	if (qget(query, "operating", b, sizeof(b), &err)) {
		if (strcmp(b, "true") && strcmp(b, "false"))
			return *bad = "operating", -EINVAL;
		q->operating = !strcmp(b, "true");
	}
	if (qget(query, "group", b, sizeof(b), &err) &&
	    (stats_group_parse(b, &q->group) < 0 || !stats_group_valid(what, q->group)))
		return *bad = "group", -EINVAL;
	if (qget(query, "format", b, sizeof(b), &err)) {
		if (!strcmp(b, "csv"))
			*format = API_STATS_CSV;
		else if (!strcmp(b, "xlsx"))
			*format = API_STATS_XLSX;
		else if (strcmp(b, "json"))
			return *bad = "format", -EINVAL;
	}
	if (err)
		return *bad = "query", -EINVAL;
	return 0;
}

/* Narrows q to the caller's scope; false after answering 403/404. */
static bool scope_query(struct api_call *call, struct stats_query *q)
{
	const struct auth_identity *id = &call->id;
	struct store_facility f;

	if (q->facility[0]) {
		if (!api_scope_facility(call, q->facility, &f))
			return false;
		if ((q->district[0] && strcmp(q->district, f.district)) ||
		    (q->types[0] && !strstr(q->types, f.type))) {
			api_reply_error(call, 400, "bad_query", "facility");
			return false;
		}
	}
	if (id->roles & AUTH_CITYWIDE)
		return true;
	if (id->roles & (AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR)) {
		char types[24] = "";

		if (!id->district[0] || (q->district[0] && strcmp(q->district, id->district)))
			goto refuse;
		snprintf(q->district, sizeof(q->district), "%s", id->district);
		if (!id->ftypes)
			return true;
		for (int i = 0; i < ORG_TYPE_COUNT; i++) {
			const char *c = org_type_code((enum org_type)i);

			if (q->types[0] && strstr(q->types, c) && !(id->ftypes & (1u << i)))
				goto refuse;
			if ((id->ftypes & (1u << i)) && (!q->types[0] || strstr(q->types, c)))
				snprintf(types + strlen(types), sizeof(types) - strlen(types),
					 "%s%s", types[0] ? "," : "", c);
		}
		snprintf(q->types, sizeof(q->types), "%s", types);
		return true;
	}
	if ((id->roles & AUTH_ROLE_CENTER) && id->facility[0]) {
		if (store_facility_get(api_store(call->api), id->facility, &f) < 0) {
			api_reply_error(call, 503, "store_unavailable", NULL);
			return false;
		}
		if ((q->facility[0] && strcmp(q->facility, f.code)) ||
		    (q->district[0] && strcmp(q->district, f.district)))
			goto refuse;
		snprintf(q->facility, sizeof(q->facility), "%s", f.code);
		return true;
	}
refuse:
	api_reply_error(call, 403, "out_of_scope", NULL);
	return false;
}

static json_t *val_json(const struct stats_table *t, size_t row, size_t col)
{
	const struct stats_val *v = &t->vals[row * t->ncols + col];
	double pct;

	switch (t->cols[col].type) {
	case STATS_TEXT:
		return json_string(v->text);
	case STATS_INT:
		return json_integer((json_int_t)v->n);
	case STATS_RATE:
		return stats_rate_percent(v, &pct) ? json_real(pct) : json_null();
	}
	return json_null();
}

static json_t *row_json(const struct stats_table *t, size_t row)
{
	json_t *o = json_object();

	for (size_t c = 0; o && c < t->ncols; c++)
		json_object_set_new(o, t->cols[c].key, val_json(t, row, c));
	return o;
}

static json_t *opt_str(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *table_json(const struct stats_table *t, const struct stats_query *q)
{
	static const char *const types[] = { "text", "int", "rate" };
	json_t *cols = json_array(), *rows = json_array(), *o;
	char from[16], to[16];

	for (size_t c = 0; c < t->ncols; c++)
		json_array_append_new(cols, json_pack("{s:s, s:s, s:s}", "key", t->cols[c].key,
						      "label", t->cols[c].label, "type",
						      types[t->cols[c].type]));
	for (size_t r = 0; r < t->nrows; r++)
		json_array_append_new(rows, row_json(t, r));
	clock_day_format(q->from_day, from, sizeof(from));
	clock_day_format(q->to_day, to, sizeof(to));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o, s:o, s:o, s:o}}",
		      "statistic", t->name, "title", t->title, "group",
		      stats_group_name(t->group), "from", from, "to", to, "filters",
		      "district", opt_str(q->district), "type", opt_str(q->types), "facility",
		      opt_str(q->facility), "kind", opt_str(q->kind), "care", opt_str(q->care),
		      "operating", q->operating < 0 ? json_null() : json_boolean(q->operating));
	if (!o) {
		json_decref(cols);
		json_decref(rows);
		return NULL;
	}
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "total", row_json(t, t->nrows));
	return o;
}

/* RFC 5987 percent-encoding of a UTF-8 file name. */
static void pct_encode(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void reply_file(struct api_call *call, const struct stats_table *t,
		       const struct stats_query *q, enum api_stats_format fmt)
{
	char utf8[96], ascii[96], enc[200], *data = NULL;
	size_t len = 0;
	int r;

	r = fmt == API_STATS_CSV ? stats_csv(t, &data, &len) : stats_xlsx(t, NULL, &data, &len);
	if (r < 0) {
		api_reply_error(call, 500, "internal_error", NULL);
		return;
	}
	netbuf_clear(&call->reply->body);
	if (netbuf_append(&call->reply->body, data, len) < 0) {
		free(data);
		api_reply_error(call, 500, "internal_error", NULL);
		return;
	}
	free(data);
	stats_filename(t, q, fmt == API_STATS_CSV ? "csv" : "xlsx", utf8, sizeof(utf8), ascii,
		       sizeof(ascii));
	pct_encode(utf8, enc, sizeof(enc));
	call->reply->status = 200;
	call->reply->content_type = fmt == API_STATS_CSV
		? "text/csv; charset=utf-8"
		: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	if ((size_t)snprintf(call->reply->extra, sizeof(call->reply->extra),
			     "Content-Disposition: attachment; filename=\"%.60s\"; "
			     "filename*=UTF-8''%.100s\r\nCache-Control: no-store\r\n", ascii, enc) >=
	    sizeof(call->reply->extra))
		call->reply->extra[0] = '\0'; /* cannot happen: names are short */
}

static void stats_route(struct api_call *call, enum stats_what what)
{
	struct stats_query q;
	struct stats_table t;
	enum api_stats_format fmt;
	const char *bad;
	int r;

	if (api_stats_query_parse(call->req->query, what, clock_seoul_day(clock_wall_ms()), &q,
				  &fmt, &bad) < 0) {
		api_reply_error(call, 400, "bad_query", bad);
		return;
	}
	if (!scope_query(call, &q))
		return;
	if ((r = stats_build(api_store(call->api), &q, &t)) < 0) {
		if (r == -EINVAL)
			api_reply_error(call, 400, "bad_query", "group");
		else if (r == -ENOMEM)
			api_reply_error(call, 500, "internal_error", NULL);
		else
			api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	if (fmt == API_STATS_JSON)
		api_reply_json(call, 200, table_json(&t, &q));
	else
		reply_file(call, &t, &q, fmt);
	stats_table_free(&t);
}

void api_stats_attendance(struct api_call *call)
{
	stats_route(call, STATS_ATTENDANCE);
}

void api_stats_users(struct api_call *call)
{
	stats_route(call, STATS_USERS);
}

void api_stats_facilities(struct api_call *call)
{
	stats_route(call, STATS_FACILITIES);
}
