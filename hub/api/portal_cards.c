/*
 * RF card routes (see portal_cards.h). A card's UID is the raw hex a reader reports; it is
 * registered at the child's facility, which must be the facility of the route. Reads answer
 * children's full names, so each read writes an audit row (cards.read); changes get the
 * router's audit row with the card and child as target.
 */
#include "hub/api/portal_cards.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/tap.h"
#include "hub/store/store.h"
#include "hub/store/store_cardadmin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code;
	const char *message;
} cards_errors[] = {
	{ "uid_invalid", "카드번호(UID)는 4, 7 또는 10바이트의 16진수입니다 / The card UID must be 4, 7 or 10 bytes of hex" },
	{ "card_active", "이미 다른 아동에게 등록된 카드입니다. 먼저 사용중지하세요 / The card is registered to a child: deactivate it first" },
	{ "child_has_card", "이미 카드가 등록된 아동입니다. 분실 교체로 등록하세요 / The child already has a card: register it as a replacement" },
	{ "card_unknown", "이 시설에 사용 중인 카드가 아닙니다 / No active card with this UID at the facility" },
};

static void cards_refuse(struct api_call *call, int status, const char *code)
{
	for (size_t i = 0; i < sizeof(cards_errors) / sizeof(cards_errors[0]); i++)
		if (!strcmp(cards_errors[i].code, code)) {
			api_reply_json(call, status, json_pack("{s:{s:s, s:s}}", "error", "code",
							       code, "message",
							       cards_errors[i].message));
			return;
		}
	api_reply_error(call, status, code, NULL);
}

void api_cards_list(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_card_row *cards = NULL;
	struct store_child_row *kids = NULL;
	struct store_unknown_card *unk = NULL;
	size_t ncards = 0, nkids = 0, nunk = 0;
	json_t *jc, *jk, *ju;
	char b[8];
	long days = API_CARDS_UNKNOWN_DAYS;
	const char *code = call->params[0];

	if (!api_scope_facility(call, code, NULL))
		return;
	if (http_query_get(call->req->query, "days", b, sizeof(b)) >= 0) {
		char *end;

		days = strtol(b, &end, 10);
		if (*end || days < 1 || days > 31) {
			api_reply_error(call, 400, "bad_query", "days");
			return;
		}
	}
	if (store_card_list(st, code, &cards, &ncards) < 0 ||
	    store_facility_children(st, code, &kids, &nkids) < 0 ||
	    store_unknown_cards(st, code, clock_wall_ms() - days * 86400000LL, &unk, &nunk) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	jc = json_array();
	jk = json_array();
	ju = json_array();
	for (size_t i = 0; i < ncards; i++)
		json_array_append_new(jc, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "uid",
						    cards[i].uid, "child", cards[i].child, "name",
						    cards[i].child_name, "active", cards[i].active,
						    "assigned_ms", (json_int_t)cards[i].assigned_ms,
						    "removed_ms", (json_int_t)cards[i].removed_ms));
	for (size_t i = 0; i < nkids; i++)
		json_array_append_new(jk, json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", kids[i].id,
						    "name", kids[i].name, "display",
						    kids[i].display, "card", kids[i].card, "cards",
						    kids[i].ncards));
	for (size_t i = 0; i < nunk; i++)
		json_array_append_new(ju, json_pack("{s:s, s:s, s:I, s:I}", "uid", unk[i].uid,
						    "device", unk[i].device, "taps",
						    (json_int_t)unk[i].taps, "last_ms",
						    (json_int_t)unk[i].last_ms));
	api_reply_json(call, 200, json_pack("{s:s, s:i, s:o, s:o, s:o}", "facility", code,
					    "unknown_days", (int)days, "cards", jc, "children", jk,
					    "unknown", ju));
	api_audit(call, "cards.read", code);
out:
	free(cards);
	free(kids);
	free(unk);
}

void api_cards_register(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_child ch;
	const char *code = call->params[0], *uidhex, *child;
	char replaced[STORE_UID_HEX_MAX], hex[STORE_UID_HEX_MAX], target[160];
	uint8_t uid[TAP_UID_MAX], len;
	bool bad = false, replace = false;
	json_t *o, *rv;
	int r;

	if (!api_scope_facility(call, code, NULL) || !(o = api_read_json(call)))
		return;
	uidhex = api_field(call, o, "uid", true, &bad);
	child = api_field(call, o, "child", true, &bad);
	if (bad)
		goto out;
	rv = json_object_get(o, "replace");
	if (rv && !json_is_boolean(rv)) {
		api_reply_error(call, 400, "field_invalid", "replace");
		goto out;
	}
	replace = json_is_true(rv);
	if (tap_uid_parse(uidhex, uid, &len) < 0) {
		cards_refuse(call, 400, "uid_invalid");
		goto out;
	}
	tap_uid_format(uid, len, hex, sizeof(hex));
	/* A child of another facility is unknown here, whatever the caller may see. */
	if (store_child_get(st, child, &ch) < 0 || strcmp(ch.facility, code) != 0) {
		api_reply_error(call, 404, "child_unknown", NULL);
		goto out;
	}
	snprintf(target, sizeof(target), "%s/%s", ch.id, hex);
	api_audit_target(call, target);
	r = store_card_register(st, uid, len, ch.id, replace, clock_wall_ms(), replaced);
	if (r == -EEXIST)
		cards_refuse(call, 409, "card_active");
	else if (r == -EALREADY)
		cards_refuse(call, 409, "child_has_card");
	else if (r == -ENOENT)
		api_reply_error(call, 404, "child_unknown", NULL);
	else if (r < 0)
		api_reply_error(call, 503, "store_unavailable", NULL);
	else
		api_reply_json(call, 201, json_pack("{s:s, s:s, s:s, s:b, s:s}", "facility", code,
						    "uid", hex, "child", ch.id, "active", 1,
						    "replaced", replaced));
out:
	json_decref(o);
}

void api_cards_deactivate(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_card_row held;
	const char *code = call->params[0];
	uint8_t uid[TAP_UID_MAX], len;
	char target[160];

	if (!api_scope_facility(call, code, NULL))
		return;
	if (tap_uid_parse(call->params[1], uid, &len) < 0) {
		cards_refuse(call, 400, "uid_invalid");
		return;
	}
	if (store_card_active(st, uid, len, &held) < 0 || strcmp(held.facility, code) != 0) {
		cards_refuse(call, 404, "card_unknown");
		return;
	}
	snprintf(target, sizeof(target), "%s/%s", held.child, held.uid);
	api_audit_target(call, target);
	if (store_card_deactivate(st, uid, len, clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:s, s:b}", "facility", code, "uid",
					    held.uid, "child", held.child, "active", 0));
}
