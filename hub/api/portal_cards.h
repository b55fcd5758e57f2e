/*
 * RF card routes of the portal (RF카드 관리, portal_cards.c): a facility's cards, children
 * and unknown-card taps; registering a card to a child (or replacing a lost one); and
 * deactivating a card. Center staff act on their facility, district officers on their
 * district's, city-wide roles on any; coordinators read.
 */
#ifndef KIUM_HUB_API_PORTAL_CARDS_H
#define KIUM_HUB_API_PORTAL_CARDS_H

#include "hub/api/api.h"

#define API_CARDS_UNKNOWN_DAYS 7   /* default window of unknown-card taps (?days=1..31) */

void api_cards_list(struct api_call *call);
void api_cards_register(struct api_call *call);
void api_cards_deactivate(struct api_call *call);

#endif
