/*
 * Routes of issue 7's parents-and-notifications part (portal_notify.c): a parent's children
 * with today's attendance, notification preferences, and the outbox's state for officers.
 */
#ifndef KIUM_HUB_API_NOTIFY_API_H
#define KIUM_HUB_API_NOTIFY_API_H

#include "hub/api/api.h"

void api_my_children(struct api_call *call);
void api_my_prefs_get(struct api_call *call);
void api_my_prefs_put(struct api_call *call);
void api_notifications_list(struct api_call *call);

#endif
