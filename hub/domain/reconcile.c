/*
 * Reconciliation (see reconcile.h): bookings and each child's visit (first and last tap,
 * count) are sorted by child and walked together, merge-join style, so a facility's day
 * costs O((b + v) log(b + v)). A day of raw taps is first folded into visits.
 */
#include "hub/domain/reconcile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const codes[RECON_STATUS_COUNT] = {
	"present", "late", "left_early", "no_departure", "absent", "expected", "unreserved",
};

const char *reconcile_status_code(enum reconcile_status s)
{
	return (unsigned)s < RECON_STATUS_COUNT ? codes[s] : "";
}

int reconcile_status_parse(const char *s, enum reconcile_status *out)
{
	for (int i = 0; s && i < RECON_STATUS_COUNT; i++)
		if (!strcmp(s, codes[i])) {
			*out = (enum reconcile_status)i;
			return 0;
		}
	return -EINVAL;
}

static int bk_cmp(const void *a, const void *b)
{
	return strcmp(((const struct reconcile_booking *)a)->child,
		      ((const struct reconcile_booking *)b)->child);
}

static int tap_cmp(const void *a, const void *b)
{
	const struct reconcile_tap *x = a, *y = b;
	int c = strcmp(x->child, y->child);

	return c ? c : (x->min > y->min) - (x->min < y->min);
}

static void judge(struct reconcile_row *r, const struct reconcile_opts *o)
{
	int grace = o->grace_min;

	if (!r->booked) {
		r->status = RECON_UNRESERVED;
		return;
	}
	if (r->ntaps == 0) {
		r->status = o->now_min < r->start_min + grace ? RECON_EXPECTED : RECON_ABSENT;
		return;
	}
	r->late = r->arrive_min > r->start_min + grace;
	r->left_early = r->leave_min >= 0 && r->leave_min < r->end_min;
	r->no_departure = r->leave_min < 0 && o->now_min >= o->close_min;
	r->status = r->no_departure ? RECON_NO_DEPARTURE : r->late ? RECON_LATE
		    : r->left_early ? RECON_LEFT_EARLY : RECON_PRESENT;
}

static int visit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct reconcile_visit *)a)->child,
		      ((const struct reconcile_visit *)b)->child);
}

int reconcile_day_visits(const struct reconcile_booking *b, size_t nb,
			 const struct reconcile_visit *v, size_t nv, const struct reconcile_opts *o,
			 struct reconcile_row **out, size_t *n)
{
	struct reconcile_booking *bs = NULL;
	struct reconcile_visit *vs = NULL;
	struct reconcile_row *rows = NULL;
	size_t i = 0, j = 0, k = 0;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	if ((nb && !(bs = malloc(nb * sizeof(*bs)))) || (nv && !(vs = malloc(nv * sizeof(*vs)))) ||
	    !(rows = calloc(nb + nv + 1, sizeof(*rows))))
		goto out;
	if (nb) {
		memcpy(bs, b, nb * sizeof(*bs));
		qsort(bs, nb, sizeof(*bs), bk_cmp);
	}
	if (nv) {
		memcpy(vs, v, nv * sizeof(*vs));
		qsort(vs, nv, sizeof(*vs), visit_cmp);
	}
	while (j < nv && !vs[j].child[0])
		j++; /* cards nobody held sort first */
	while (i < nb || j < nv) {
		struct reconcile_row *r = &rows[k++];
		const char *child;
		int c;

		if (i < nb && j < nv)
			c = strcmp(bs[i].child, vs[j].child);
		else
			c = i < nb ? -1 : 1;
		child = c <= 0 ? bs[i].child : vs[j].child;
		memcpy(r->child, child, sizeof(r->child));
		r->start_min = r->end_min = r->arrive_min = r->leave_min = -1;
		if (c <= 0) {
			r->booked = true;
			r->start_min = bs[i].start_min;
			r->end_min = bs[i].end_min;
			for (i++; i < nb && !strcmp(bs[i].child, r->child); i++) {
				if (bs[i].start_min < r->start_min)
					r->start_min = bs[i].start_min;
				if (bs[i].end_min > r->end_min)
					r->end_min = bs[i].end_min;
			}
		}
		if (c >= 0) {
			/* One visit per child (merged if a caller passed several). */
			r->arrive_min = vs[j].first_min;
			for (; j < nv && !strcmp(vs[j].child, r->child); j++) {
				if (vs[j].first_min < r->arrive_min)
					r->arrive_min = vs[j].first_min;
				if (vs[j].last_min > r->leave_min)
					r->leave_min = vs[j].last_min;
				r->ntaps += vs[j].ntaps;
			}
			if (r->ntaps < 2)
				r->leave_min = -1;
		}
		judge(r, o);
	}
	*out = rows;
	*n = k;
	rows = NULL;
	err = 0;
out:
	free(bs);
	free(vs);
	free(rows);
	return err;
}

int reconcile_day(const struct reconcile_booking *b, size_t nb, const struct reconcile_tap *t,
		  size_t nt, const struct reconcile_opts *o, struct reconcile_row **out,
		  size_t *n)
{
	struct reconcile_tap *ts = NULL;
	struct reconcile_visit *vs = NULL;
	size_t nv = 0;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (nt && (!(ts = malloc(nt * sizeof(*ts))) || !(vs = calloc(nt, sizeof(*vs)))))
		goto out;
	if (nt) {
		memcpy(ts, t, nt * sizeof(*ts));
		qsort(ts, nt, sizeof(*ts), tap_cmp);
	}
	/* A child's taps, in time order, become one visit: first, last, count. */
	for (size_t j = 0; j < nt; j++) {
		if (!ts[j].child[0])
			continue;
		if (nv == 0 || strcmp(vs[nv - 1].child, ts[j].child)) {
			memcpy(vs[nv].child, ts[j].child, sizeof(vs[nv].child));
			vs[nv].first_min = ts[j].min;
			nv++;
		}
		vs[nv - 1].last_min = ts[j].min;
		vs[nv - 1].ntaps++;
	}
	err = reconcile_day_visits(b, nb, vs, nv, o, out, n);
out:
	free(ts);
	free(vs);
	return err;
}

void reconcile_summarize(const struct reconcile_row *rows, size_t n,
			 struct reconcile_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		s->booked += rows[i].booked;
		s->users += rows[i].ntaps > 0;
		s->count[rows[i].status]++;
	}
}
