/*
 * Group commit for portal writes: one durable transaction around several requests handled
 * in the same loop round (hub/api/routes.c). Inside it, store_tx_begin/commit/rollback (each
 * store function's own transaction) become a savepoint, its release and its rollback, so
 * that one request's failure undoes only its own part; plain statements join the group.
 * Nothing the group wrote may be acknowledged before store_group_commit returns 0.
 */
#ifndef KIUM_HUB_STORE_GROUP_H
#define KIUM_HUB_STORE_GROUP_H

#include <stdbool.h>

struct store;

/* BEGIN IMMEDIATE. -EBUSY when a transaction is open. */
int store_group_begin(struct store *st);
/* False once an error (disk full, I/O) rolled the whole transaction back: what the group's
 * requests wrote so far is gone. */
bool store_group_alive(struct store *st);
/* COMMIT, durable. -EIO when the transaction was lost; rolled back on failure. */
int store_group_commit(struct store *st);
void store_group_rollback(struct store *st);

#endif
