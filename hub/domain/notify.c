/*
 * Notification templates and the pure parts of delivery: rendering, idempotency keys, the
 * retry schedule, the provider's answer, preferences bodies (notify.h). The Korean texts are
 * written as 알림톡 templates are registered: fixed wording, #{variable} placeholders.
 */
#include "hub/domain/notify.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct notify_template notify_templates[] = {
	{ "arrival", "등원 알림",
	  "[우리동네키움센터 등원 알림]\n#{name} 아동이 #{time}에 #{facility_name}에 등원했습니다.",
	  "arrival", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "departure", "하원 알림",
	  "[우리동네키움센터 하원 알림]\n#{name} 아동이 #{time}에 #{facility_name}에서 하원했습니다.",
	  "departure", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "missing_departure", "하원 미확인 알림",
	  "[하원 미확인 알림]\n#{name} 아동의 #{date} 하원 태그가 #{facility_name} 운영 종료"
	  "(#{close_time}) 후에도 확인되지 않았습니다. 센터에 아동의 귀가 여부를 확인해 주세요.",
	  "missing_departure", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "booking_approved", "돌봄 예약 승인",
	  "[돌봄 예약 승인]\n#{name} 아동의 #{facility_name} #{kind_name} 예약이 승인되었습니다.",
	  "booking", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "booking_rejected", "돌봄 예약 반려",
	  "[돌봄 예약 반려]\n#{name} 아동의 #{facility_name} #{kind_name} 예약이 반려되었습니다.\n"
	  "사유: #{reason}",
	  "booking", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "booking_offered", "대기 순번 자리 안내",
	  "[대기 순번 안내]\n#{facility_name}에 #{name} 아동의 #{kind_name} 자리가 생겼습니다.\n"
	  "#{deadline}까지 포털에서 수락해 주세요.",
	  "waitlist_offer", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "booking_expired", "대기 자리 제안 만료",
	  "[대기 자리 제안 만료]\n#{name} 아동의 #{facility_name} #{kind_name} 자리 제안이 수락 "
	  "기한이 지나 만료되었습니다.",
	  "booking", NOTIFY_TO_ACCOUNT, { NULL } },
	{ "password_reset", "비밀번호 재설정",
	  "[키움 포털 비밀번호 재설정]\n인증키: #{token}\n#{valid_minutes}분 안에 입력해 주세요. "
	  "요청하지 않으셨다면 이 메시지를 무시해 주세요.",
	  NULL, NOTIFY_TO_PHONE, { "token", NULL } },
	{ "id_lookup", "아이디 찾기",
	  "[키움 포털 아이디 찾기]\n회원님의 아이디: #{ids}",
	  NULL, NOTIFY_TO_PHONE, { "ids", NULL } },
	{ "phone_verify", "휴대폰 인증",
	  "[키움 포털 휴대폰 인증]\n인증번호 [#{code}]를 #{valid_minutes}분 안에 입력해 주세요.",
	  NULL, NOTIFY_TO_PHONE, { "code", NULL } },
};
const size_t notify_ntemplates = sizeof(notify_templates) / sizeof(notify_templates[0]);

const struct notify_template *notify_template_find(const char *code)
{
	for (size_t i = 0; code && i < notify_ntemplates; i++)
		if (!strcmp(notify_templates[i].code, code))
			return &notify_templates[i];
	return NULL;
}

/* Appends n bytes; false when they do not fit. */
static bool put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + n >= len || *o + n > NOTIFY_TEXT_MAX)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

static int put_value(char *out, size_t len, size_t *o, const json_t *v)
{
	char num[32];

	if (json_is_string(v))
		return put(out, len, o, json_string_value(v), json_string_length(v)) ? 0 : -ENOSPC;
	if (json_is_integer(v)) {
		int n = snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));

		return put(out, len, o, num, (size_t)n) ? 0 : -ENOSPC;
	}
	if (json_is_array(v) && json_array_size(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return -EINVAL;
			if ((i && !put(out, len, o, ", ", 2)) ||
			    !put(out, len, o, json_string_value(e), json_string_length(e)))
				return -ENOSPC;
		}
		return 0;
	}
	return -EINVAL;
}

int notify_render(const struct notify_template *t, const json_t *vars, char *out, size_t len)
{
	const char *p = t->text;
	size_t o = 0;
	int r;

	if (!len)
		return -ENOSPC;
	out[0] = '\0';
	while (*p) {
		const char *open = strstr(p, "#{"), *close;
		char name[32];

		if (!open)
			return put(out, len, &o, p, strlen(p)) ? 0 : -ENOSPC;
		if (!put(out, len, &o, p, (size_t)(open - p)))
			return -ENOSPC;
		close = strchr(open, '}');
		if (!close || (size_t)(close - open - 2) >= sizeof(name))
			return -EINVAL;
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
		if ((r = put_value(out, len, &o, json_object_get(vars, name))) < 0)
			return r;
		p = close + 1;
	}
	return 0;
}

json_t *notify_template_vars(const struct notify_template *t, const json_t *vars)
{
	json_t *o = json_object();
	const char *p = t->text, *open, *close;

	while (o && (open = strstr(p, "#{")) && (close = strchr(open, '}'))) {
		char name[32];
		json_t *v;

		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
		if ((v = json_object_get(vars, name)))
			json_object_set(o, name, v);
		p = close + 1;
	}
	return o;
}

char *notify_scrub(const struct notify_template *t, const char *params)
{
	json_t *o = json_loads(params ? params : "", 0, NULL);
	char *txt;

	if (!json_is_object(o)) {
		json_decref(o);
		return strdup("{}");
	}
	for (size_t i = 0; t && t->secret[i]; i++)
		if (json_object_get(o, t->secret[i]))
			json_object_set_new(o, t->secret[i], json_string("***"));
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return txt;
}

void notify_event_key(const char *event_key, char out[NOTIFY_KEY_LEN])
{
	uint8_t h[16];

	crypto_generichash(h, sizeof(h), (const uint8_t *)event_key, strlen(event_key), NULL, 0);
	memcpy(out, "kium-", 5);
	sodium_bin2hex(out + 5, NOTIFY_KEY_LEN - 5, h, sizeof(h));
}

int64_t notify_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
{
	int64_t d = base_ms > 0 ? base_ms : 1, half;

	if (cap_ms < d)
		cap_ms = d;
	for (int i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	half = d / 2;
	return (d - half) + (int64_t)(rnd % (uint64_t)(half + 1));
}

/* Copies s into out when every byte is allowed (code: [A-Za-z0-9_.-]; else printable). */
static void token_copy(const char *s, bool code, char *out, size_t len)
{
	size_t n = s ? strlen(s) : 0;

	out[0] = '\0';
	if (!n || n >= len)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = code ? ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
			       : (c > 0x20 && c < 0x7f);

		if (!ok)
			return;
	}
	memcpy(out, s, n + 1);
}

void notify_answer_parse(long status, const char *retry_after, const char *body, size_t len,
			 struct notify_answer *out)
{
	json_t *o = NULL, *e;

	memset(out, 0, sizeof(*out));
	if (status >= 200 && status < 300)
		out->verdict = NOTIFY_DELIVERED;
	else if (status == 0 || status == 408 || status == 425 || status == 429 ||
		 (status >= 500 && status < 600))
		out->verdict = NOTIFY_RETRY;
	else
		out->verdict = NOTIFY_FAILED;
	if (retry_after) {
		long long s = 0;
		size_t i = 0;

		while (retry_after[i] == ' ')
			i++;
		for (; retry_after[i] >= '0' && retry_after[i] <= '9' && s < 86400; i++)
			s = s * 10 + (retry_after[i] - '0');
		if (i && retry_after[i - 1] >= '0' && retry_after[i - 1] <= '9')
			out->retry_after_ms = (s > 86400 ? 86400 : s) * 1000;
	}
	if (body && len && len <= 16384)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(o)) {
		if (out->verdict == NOTIFY_DELIVERED) {
			token_copy(json_string_value(json_object_get(o, "id")), false,
				   out->provider_id, sizeof(out->provider_id));
		} else {
			e = json_object_get(o, "error");
			if (json_is_object(e))
				e = json_object_get(e, "code");
			token_copy(json_string_value(e), true, out->error, sizeof(out->error));
		}
	}
	json_decref(o);
	if (out->verdict != NOTIFY_DELIVERED && !out->error[0])
		snprintf(out->error, sizeof(out->error), status ? "http_%ld" : "no_answer",
			 status);
}

json_t *notify_prefs_json(const struct store_notify_prefs *p)
{
	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:I}", "arrival", p->arrival, "departure",
			 p->departure, "booking", p->booking, "waitlist_offer", p->waitlist_offer,
			 "missing_departure", p->missing_departure, "changed_ms",
			 (json_int_t)p->changed_ms);
}

int notify_prefs_apply(const char *body, size_t len, struct store_notify_prefs *p,
		       const char **why)
{
	struct store_notify_prefs n = *p;
	const char *key;
	json_t *o, *v;
	int r = 0;

	*why = NULL;
	o = len <= 4096 ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!o) {
		*why = "bad_json";
		return -EINVAL;
	}
	if (!json_is_object(o)) {
		*why = "not_an_object";
		r = -EINVAL;
		goto out;
	}
	json_object_foreach(o, key, v) {
		bool *slot = !strcmp(key, "arrival") ? &n.arrival
			     : !strcmp(key, "departure") ? &n.departure
			     : !strcmp(key, "booking") ? &n.booking
			     : !strcmp(key, "waitlist_offer") ? &n.waitlist_offer
			     : !strcmp(key, "missing_departure") ? &n.missing_departure
								  : NULL;

		if (!slot) {
			*why = "unknown_key";
			r = -EINVAL;
			goto out;
		}
		if (!json_is_boolean(v)) {
			*why = "not_a_boolean";
			r = -EINVAL;
			goto out;
		}
		*slot = json_is_true(v);
	}
	*p = n;
out:
	json_decref(o);
	return r;
}
