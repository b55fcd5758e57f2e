/*
 * Statistics downloads (see stats.h): CSV as Excel in Korea opens it (UTF-8 with a byte
 * order mark, CRLF, RFC 4180 quoting) and XLSX through libxlsxwriter. libxlsxwriter writes
 * only to files in this Debian release (no memory output), so the workbook goes to a
 * temporary file that is read back and removed.
 *
 * A text cell that a spreadsheet would take for a formula (=, +, -, @ first) is written with
 * a leading apostrophe in CSV: facility names are typed by people.
 */
#include "hub/domain/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "common/clock.h"
#include "common/log.h"

#define STATS_EXPORT_MAX (64u << 20) /* a download above this is refused */

struct sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > STATS_EXPORT_MAX || !(np = realloc(b->p, cap))) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* One field, quoted when it holds a comma, a quote or a line break (quotes doubled). */
static void csv_field(struct sbuf *b, const char *s, bool text)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		sb_add(b, "\"", 1);
	if (text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'))
		sb_add(b, "'", 1);
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			sb_add(b, "\"", 1);
		sb_add(b, c, 1);
	}
	if (quote)
		sb_add(b, "\"", 1);
}

int stats_csv(const struct stats_table *t, char **out, size_t *len)
{
	struct sbuf b = { 0 };
	char buf[160];

	*out = NULL;
	*len = 0;
	sb_str(&b, "\xEF\xBB\xBF");
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			sb_add(&b, ",", 1);
		csv_field(&b, t->cols[c].label, false);
	}
	sb_add(&b, "\r\n", 2);
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				sb_add(&b, ",", 1);
			stats_cell_text(t, r, c, buf, sizeof(buf));
			csv_field(&b, buf, t->cols[c].type == STATS_TEXT);
		}
		sb_add(&b, "\r\n", 2);
	}
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct sbuf b = { 0 };
	char chunk[16384];
	size_t n;

	if (!fp)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sb_add(&b, chunk, n);
	if (ferror(fp))
		b.failed = true;
	fclose(fp);
	if (b.failed) {
		free(b.p);
		return -EIO;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

int stats_xlsx(const struct stats_table *t, const char *tmpdir, char **out, size_t *len)
{
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE };
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *head, *rate;
	char path[256], dir[200];
	int fd, r = -EIO;

	*out = NULL;
	*len = 0;
	snprintf(dir, sizeof(dir), "%s", tmpdir ? tmpdir : "/tmp");
	snprintf(path, sizeof(path), "%s/kium-stats-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		log_err("stats: cannot create a temporary file in %s: %s", dir, strerror(errno));
		return -errno;
	}
	close(fd);
	opt.tmpdir = dir;
	if (!(wb = workbook_new_opt(path, &opt)) || !(ws = workbook_add_worksheet(wb, t->title)))
		goto out;
	head = workbook_add_format(wb);
	format_set_bold(head);
	rate = workbook_add_format(wb);
	format_set_num_format(rate, "0.0");
	for (size_t c = 0; c < t->ncols; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].label, head);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
				     t->cols[c].type == STATS_TEXT ? 16 : 12, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (size_t r0 = 0; r0 <= t->nrows; r0++) {
		lxw_row_t row = (lxw_row_t)(r0 + 1);

		for (size_t c = 0; c < t->ncols; c++) {
			const struct stats_val *v = &t->vals[r0 * t->ncols + c];
			double pct;

			switch (t->cols[c].type) {
			case STATS_TEXT:
				worksheet_write_string(ws, row, (lxw_col_t)c, v->text,
						       r0 == t->nrows ? head : NULL);
				break;
			case STATS_INT:
				worksheet_write_number(ws, row, (lxw_col_t)c, (double)v->n, NULL);
				break;
			case STATS_RATE:
				if (stats_rate_percent(v, &pct))
					worksheet_write_number(ws, row, (lxw_col_t)c, pct, rate);
				else
					worksheet_write_blank(ws, row, (lxw_col_t)c, NULL);
				break;
			}
		}
	}
	fd = workbook_close(wb);
	wb = NULL;
	if (fd != LXW_NO_ERROR) {
		log_err("stats: writing the workbook failed: %s", lxw_strerror((lxw_error)fd));
		goto out;
	}
	r = read_file(path, out, len);
out:
	if (wb)
		workbook_close(wb);
	unlink(path);
	return r;
}

void stats_filename(const struct stats_table *t, const struct stats_query *q, const char *ext,
		    char *utf8, size_t ulen, char *ascii, size_t alen)
{
	char from[16], to[16], a[16], b[16];
	size_t i, j;

	clock_day_format(q->from_day, from, sizeof(from));
	clock_day_format(q->to_day, to, sizeof(to));
	for (i = j = 0; from[i] && j + 1 < sizeof(a); i++)
		if (from[i] != '-')
			a[j++] = from[i];
	a[j] = '\0';
	for (i = j = 0; to[i] && j + 1 < sizeof(b); i++)
		if (to[i] != '-')
			b[j++] = to[i];
	b[j] = '\0';
	snprintf(utf8, ulen, "%s_%s-%s.%s", t->title, a, b, ext);
	snprintf(ascii, alen, "kium-%s-%s-%s.%s", t->name, a, b, ext);
}
