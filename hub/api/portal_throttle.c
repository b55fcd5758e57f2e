/*
 * A per-address brake on the portal's public doors: failed logins (password spraying over
 * many ids, which the per-account lockout does not see) and sign-up, reset and id-lookup
 * requests (each may put a message in the outbox, which costs money once a provider is
 * connected). Each client address has a budget of points per window; refused requests get
 * 429 too_many_attempts with Retry-After. The table is small and fixed: when it is full the
 * oldest window is recycled, so an attacker with many addresses is slowed less, never the
 * hub's memory grown. Event-loop thread only.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

#define THROTTLE_SLOTS 512
#define THROTTLE_WINDOW_MS (10LL * 60 * 1000)
#define THROTTLE_BUDGET 40

static struct {
	char ip[48];
	int64_t start_ms;
	int points;
	bool warned;
} slots[THROTTLE_SLOTS];

void api_portal_throttle_reset(void)
{
	memset(slots, 0, sizeof(slots));
}

static int slot_of(const char *ip, int64_t now)
{
	int oldest = 0;

	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		if (slots[i].ip[0] && !strcmp(slots[i].ip, ip)) {
			if (now - slots[i].start_ms >= THROTTLE_WINDOW_MS) {
				slots[i].start_ms = now;
				slots[i].points = 0;
				slots[i].warned = false;
			}
			return i;
		}
		if (!slots[i].ip[0] || slots[i].start_ms < slots[oldest].start_ms)
			oldest = i;
	}
	memset(&slots[oldest], 0, sizeof(slots[oldest]));
	snprintf(slots[oldest].ip, sizeof(slots[oldest].ip), "%s", ip);
	slots[oldest].start_ms = now;
	return oldest;
}

bool api_portal_throttled(struct api_call *call)
{
	char ip[48];
	int64_t now = clock_mono_ms();
	int i;

	api_remote_ip(call, ip, sizeof(ip));
	i = slot_of(ip, now);
	if (slots[i].points < THROTTLE_BUDGET)
		return false;
	if (!slots[i].warned) {
		log_warn("portal: %s over its budget of failed logins and public requests", ip);
		slots[i].warned = true;
	}
	api_reply_error(call, 429, "too_many_attempts", NULL);
	snprintf(call->reply->extra, sizeof(call->reply->extra), "Retry-After: %lld\r\n",
		 (long long)((slots[i].start_ms + THROTTLE_WINDOW_MS - now) / 1000 + 1));
	return true;
}

void api_portal_throttle_charge(struct api_call *call, int points)
{
	char ip[48];
	int i;

	api_remote_ip(call, ip, sizeof(ip));
	i = slot_of(ip, clock_mono_ms());
	/* A refund (negative points, a login charged before its check) never makes credit. */
	slots[i].points += points;
	if (slots[i].points < 0)
		slots[i].points = 0;
}
