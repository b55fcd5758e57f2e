/*
 * The [notify] section of kium-hub's configuration (keys and defaults are in hub/main.c's
 * table, documented in hub/README.md) turned into a running delivery worker.
 */
#ifndef KIUM_HUB_NOTIFY_CONFIG_H
#define KIUM_HUB_NOTIFY_CONFIG_H

#include "hub/notify/worker.h"

struct config;

/* Reads [notify], initializes libcurl and starts the worker on db_path. 0, or -EINVAL after
 * logging the key that is wrong (the hub then refuses to start). */
int notify_config_start(const struct config *cfg, const char *db_path, struct notify_worker **out);

#endif
