/*
 * JSON replies and the one error shape of the API (see api.h). Each stable code has one
 * message, Korean first, then English.
 */
#include "hub/api/api.h"
#include "hub/api/portal.h"

#include "common/log.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *code;
	const char *message;
} api_errors[] = {
	{ "bad_request", "잘못된 요청입니다 / Bad request" },
	{ "bad_json", "JSON 형식이 올바르지 않습니다 / Malformed JSON" },
	{ "bad_batch", "태그 묶음을 처리할 수 없습니다 / The tap batch is unusable" },
	{ "bad_query", "조회 조건이 올바르지 않습니다 / Bad query parameter" },
	{ "bad_status", "상태 보고가 올바르지 않습니다 / Bad status report" },
	{ "unsupported_media_type", "JSON만 받습니다 / Only application/json is accepted" },
	{ "not_found", "찾을 수 없습니다 / Not found" },
	{ "facility_unknown", "등록되지 않은 시설입니다 / Unknown facility" },
	{ "bad_preferences", "알림 설정 형식이 올바르지 않습니다 (arrival, departure, booking, waitlist_offer, missing_departure: true/false) / Bad notification preferences" },
	{ "method_not_allowed", "허용되지 않는 메서드입니다 / Method not allowed" },
	{ "request_timeout", "요청 시간이 초과되었습니다 / Request timeout" },
	{ "payload_too_large", "요청 본문이 너무 큽니다 / Request body too large" },
	{ "headers_too_large", "요청 헤더가 너무 큽니다 / Request headers too large" },
	{ "service_unavailable", "잠시 후 다시 시도하세요 / Service unavailable, retry later" },
	{ "store_unavailable", "저장소를 사용할 수 없습니다. 잠시 후 다시 시도하세요 / Store unavailable, retry later" },
	{ "internal_error", "서버 내부 오류입니다 / Internal server error" },
	{ "client_certificate_required", "단말기 인증서가 필요합니다 / A device client certificate is required" },
	{ "certificate_not_trusted", "신뢰할 수 없는 인증서입니다 / Certificate not trusted" },
	{ "certificate_mismatch", "단말기에 발급된 인증서가 아닙니다 / Not the certificate issued to this device" },
	{ "device_unknown", "등록되지 않은 단말기입니다 / Unknown device" },
	{ "device_revoked", "사용이 중지된 단말기입니다 / Device revoked" },
	{ "device_mismatch", "다른 단말기의 기록입니다 / The batch names another device" },
	{ "unauthorized", "인증이 필요합니다 / Authentication required" },
	{ "forbidden", "권한이 없습니다 / Forbidden" },
};

static const char *api_error_message(const char *code)
{
	for (size_t i = 0; i < sizeof(api_errors) / sizeof(api_errors[0]); i++)
		if (strcmp(api_errors[i].code, code) == 0)
			return api_errors[i].message;
	if (api_portal_error_message(code))
		return api_portal_error_message(code);
	return "오류 / Error";
}

static int api_dump_cb(const char *buf, size_t size, void *data)
{
	return netbuf_append(data, buf, size) < 0 ? -1 : 0;
}

static void api_set_json(struct server_reply *reply, int status, json_t *body)
{
	netbuf_clear(&reply->body);
	reply->content_type = "application/json";
	if (!body || json_dump_callback(body, api_dump_cb, &reply->body, JSON_COMPACT) != 0) {
		static const char fallback[] =
			"{\"error\":{\"code\":\"internal_error\",\"message\":\"서버 내부 오류입니다 / Internal server error\"}}";

		netbuf_clear(&reply->body);
		netbuf_append(&reply->body, fallback, sizeof(fallback) - 1);
		reply->status = 500;
	} else {
		reply->status = status;
	}
	json_decref(body);
}

void api_reply_json(struct api_call *call, int status, json_t *body)
{
	api_set_json(call->reply, status, body);
}

void api_json_error_body(struct server_reply *reply, int status, const char *code,
			 const char *detail)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", api_error_message(code));

	if (err && detail)
		json_object_set_new(err, "detail", json_string(detail));
	api_set_json(reply, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

void api_reply_error(struct api_call *call, int status, const char *code, const char *detail)
{
	api_json_error_body(call->reply, status, code, detail);
}

void api_error(void *arg, int status, struct server_reply *reply)
{
	const char *code;

	switch (status) {
	case 408: code = "request_timeout"; break;
	case 413: code = "payload_too_large"; break;
	case 431: code = "headers_too_large"; break;
	case 503: code = "service_unavailable"; break;
	case 400: code = "bad_request"; break;
	default: code = "internal_error"; break;
	}
	api_json_error_body(reply, status, code, NULL);
	api_metrics_count(api_metrics(arg), api_nroutes, status);
}

json_t *api_read_json(struct api_call *call)
{
	const char *ct = http_request_header(call->req, "Content-Type");
	json_error_t jerr;
	json_t *j;

	if (ct && strncasecmp(ct, "application/json", 16) != 0) {
		api_reply_error(call, 415, "unsupported_media_type", NULL);
		return NULL;
	}
	j = json_loadb(call->req->body, call->req->body_len,
		       JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		api_reply_error(call, 400, "bad_json", jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(call, 400, "bad_json", "not an object");
		return NULL;
	}
	return j;
}
