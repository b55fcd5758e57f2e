/*
 * RF card administration for the portal (RF카드 관리): a facility's cards and children, the
 * taps of cards nobody holds (offered to staff for registration), and registering a card to
 * a child, replacing a lost one, in one transaction. Conventions as store.h; SQLite in
 * store_cardadmin.c. Every change bumps the facility's roster version as store_card_assign
 * does, so readers pick it up by delta.
 */
#ifndef KIUM_HUB_STORE_CARDADMIN_H
#define KIUM_HUB_STORE_CARDADMIN_H

#include "hub/store/store.h"

#define STORE_CARD_LIST_MAX 500    /* cards (active first, then the newest history) */
#define STORE_CHILDREN_MAX 1000    /* children of one facility */
#define STORE_UNKNOWN_MAX 50       /* unknown cards, most recently tapped first */

struct store_card_row {
	char uid[STORE_UID_HEX_MAX];         /* lower-case hex */
	char facility[STORE_FACILITY_CODE_MAX];
	char child[STORE_ID_MAX];
	char child_name[STORE_NAME_MAX];     /* full name: staff only, never logged */
	bool active;
	int64_t assigned_ms, removed_ms;     /* removed_ms 0 while active */
};

/* A facility's cards: active ones by child name, then deactivated ones newest first, at most
 * STORE_CARD_LIST_MAX in all. Caller frees. */
int store_card_list(struct store *st, const char *facility, struct store_card_row **out,
		    size_t *n);
/* The active card with this UID (any facility). -ENOENT when none. */
int store_card_active(struct store *st, const uint8_t *uid, uint8_t uid_len,
		      struct store_card_row *out);

struct store_child_row {
	char id[STORE_ID_MAX];
	char name[STORE_NAME_MAX];           /* full name: staff only */
	char display[STORE_NAME_MAX];        /* masked */
	char card[STORE_UID_HEX_MAX];        /* the active card, "" when none (the newest) */
	int ncards;                          /* active cards */
};
/* The children of a facility by name, at most STORE_CHILDREN_MAX. Caller frees. */
int store_facility_children(struct store *st, const char *facility,
			    struct store_child_row **out, size_t *n);

struct store_unknown_card {
	char uid[STORE_UID_HEX_MAX];
	char device[TAP_DEVICE_ID_MAX];      /* the reader of the newest tap */
	int64_t taps;                        /* taps since since_ms */
	int64_t last_ms;                     /* effective time of the newest */
};
/* Cards tapped at the facility since since_ms that no child holds now, newest first, at most
 * STORE_UNKNOWN_MAX. Caller frees. */
int store_unknown_cards(struct store *st, const char *facility, int64_t since_ms,
			struct store_unknown_card **out, size_t *n);

/* Registers the card to child in one transaction. replace: the child's active cards are
 * deactivated first (분실 교체; the first one's UID is written to replaced, "" if none).
 * -ENOENT unknown child; -EEXIST the card is active (for anyone: deactivate it first);
 * -EALREADY the child holds an active card and replace is false; -EINVAL bad UID length. */
int store_card_register(struct store *st, const uint8_t *uid, uint8_t uid_len,
			const char *child, bool replace, int64_t now_ms,
			char replaced[STORE_UID_HEX_MAX]);

#endif
