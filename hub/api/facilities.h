/*
 * Portal handlers for facilities, capacity changes and departments (portal_facilities.c;
 * issue 5). The rules behind them: hub/api/FACILITIES.md.
 */
#ifndef KIUM_HUB_API_FACILITIES_H
#define KIUM_HUB_API_FACILITIES_H

#include "hub/api/api.h"

void api_facility_list(struct api_call *call);
void api_facility_create(struct api_call *call);
void api_facility_get(struct api_call *call);
void api_facility_update(struct api_call *call);
void api_capacity_request(struct api_call *call);
void api_capacity_requests(struct api_call *call);
void api_capacity_decide(struct api_call *call);
void api_department_list(struct api_call *call);
void api_department_create(struct api_call *call);
void api_facility_department(struct api_call *call);

#endif
