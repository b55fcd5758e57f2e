/*
 * Store functions of the portal core's second round (issue 5; store_staff.c): the account
 * list of 담당자관리 with filters and paging, staff moves between facilities with their
 * history, staff who leave, and a center's care kind and sick-child places without its
 * capacity (capacity changes only through capacity requests, store.h). Kept apart from
 * store.h so that helpers working on other parts rebase without conflicts.
 */
#ifndef KIUM_HUB_STORE_CORE_H
#define KIUM_HUB_STORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/store/store.h"

#define STORE_ACCOUNT_PAGE_MAX 100

struct store_account_query {
	const char *district;   /* NULL: any */
	const char *facility;   /* NULL: any */
	const char *state;      /* NULL: any approval state */
	const char *role;       /* NULL: any; else accounts holding a role of this kind */
	const char *role_type;  /* with role: NULL any type, else this type ("" for none) */
	const char *types;      /* NULL: any; else "UK,CC": staff accounts of facilities of
				 * these types only (a district officer's scope) */
	const char *q;          /* NULL: any; else a substring of the id or the name */
	int enabled;            /* -1 any, 0 disabled, 1 enabled (사용여부) */
	int staff;              /* -1 any, 1 bound to a facility, 0 not bound */
	int left;               /* -1 any, 0 still working, 1 left (퇴사) */
	bool coordinators_only; /* only accounts whose roles are coordinator (보육반장) and
				 * coordinator_code: what the coordinator programme manages */
	size_t page, per_page;  /* page from 1; per_page 1..STORE_ACCOUNT_PAGE_MAX */
};
/* Newest first (created, then id). *total counts every match. Caller frees *out. -EINVAL
 * for a bad page size. */
int store_account_search(struct store *st, const struct store_account_query *q,
			 struct store_account **out, size_t *n, size_t *total);

/* One row of a staff account's facility history: a move (to = the new facility) or the
 * day the person left (to = ""). */
struct store_account_move {
	int64_t id;
	char from[STORE_FACILITY_CODE_MAX], to[STORE_FACILITY_CODE_MAX];
	char reason[512];
	char actor[STORE_ACCOUNT_ID_MAX];
	int64_t at_ms;
};
/* Moves a staff account to facility `to` (its district follows the facility) and records
 * the move, in one transaction. The account keeps its id. -ENOENT unknown account or
 * facility, -EINVAL not a staff account or same facility, -EALREADY the person left. */
int store_account_move(struct store *st, const char *id, const char *to, const char *reason,
		       const char *actor, int64_t now_ms);
/* A staff member left (퇴사): disables the account, removes its roles, ends its sessions and
 * records it in the facility history, in one transaction. -EALREADY when already left. */
int store_account_leave(struct store *st, const char *id, const char *reason,
			const char *actor, int64_t now_ms);
/* The facility history of an account, oldest first. Caller frees. */
int store_account_moves(struct store *st, const char *id, struct store_account_move **out,
			size_t *n);
/* Sets whether the account must change its password before anything else. */
int store_account_set_must_change(struct store *st, const char *id, bool must);

/* Sets a center's care kind and sick-child places (sick < 0: keep). The capacity is not
 * touched; a center without a care row gets one with initial_capacity. */
int store_care_set_kind(struct store *st, const char *facility, const char *kind, int sick,
			int initial_capacity, const char *actor, int64_t now_ms);

#endif
