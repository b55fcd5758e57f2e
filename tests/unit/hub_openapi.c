/*
 * The OpenAPI document (hub/api/openapi.json) against the route table, both ways: every
 * route is documented, every documented operation is a route, and the roles each operation
 * lists (x-roles) are the roles the route admits. Run from the source tree (tests/run.sh
 * does); KIUM_SRC overrides the tree's root.
 */
#include "hub/api/api.h"
#include "tests/harness.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *doc;

static unsigned role_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {
		{ "device", AUTH_ROLE_DEVICE }, { "operations", AUTH_ROLE_ADMIN },
		{ "metrics", AUTH_ROLE_METRICS }, { "city", AUTH_ROLE_CITY },
		{ "district", AUTH_ROLE_DISTRICT }, { "center", AUTH_ROLE_CENTER },
		{ "parent", AUTH_ROLE_PARENT }, { "developer", AUTH_ROLE_DEVELOPER },
		{ "coordinator", AUTH_ROLE_COORDINATOR },
		{ "coordinator_city", AUTH_ROLE_COORD_CITY },
		{ "coordinator_district", AUTH_ROLE_COORD_DISTRICT },
		{ "support_center_city", AUTH_ROLE_SUPPORT_CITY },
		{ "coordinator_code", AUTH_ROLE_COORD_CODE },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].bit;
	return 1u << 31;
}

static json_t *operation(const char *method, const char *path)
{
	char m[16];
	size_t i;

	for (i = 0; method[i] && i + 1 < sizeof(m); i++)
		m[i] = (char)tolower((unsigned char)method[i]);
	m[i] = '\0';
	return json_object_get(json_object_get(json_object_get(doc, "paths"), path), m);
}

TEST(document_loads)
{
	char path[512];
	const char *root = getenv("KIUM_SRC");
	json_error_t err;

	snprintf(path, sizeof(path), "%s/hub/api/openapi.json", root ? root : ".");
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		printf("# %s: %s (line %d)\n", path, err.text, err.line);
	CHECK(doc != NULL);
	CHECK(!strncmp(json_string_value(json_object_get(doc, "openapi")), "3.", 2));
}

TEST(every_route_is_documented_with_its_roles)
{
	CHECK(doc != NULL);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		json_t *op = operation(r->method, r->pattern), *roles, *v;
		unsigned bits = 0;
		size_t k;

		if (!op) {
			printf("# undocumented route: %s %s\n", r->method, r->pattern);
			CHECK(op != NULL);
		}
		roles = json_object_get(op, "x-roles");
		CHECK(json_is_array(roles));
		json_array_foreach(roles, k, v)
			bits |= role_bit(json_string_value(v));
		if (bits != r->roles)
			printf("# %s %s: x-roles 0x%x, route 0x%x\n", r->method, r->pattern, bits,
			       r->roles);
		CHECK_EQ_INT(bits, r->roles);
		CHECK(json_is_object(json_object_get(op, "responses")));
	}
}

TEST(every_documented_operation_is_a_route)
{
	const char *path, *method;
	json_t *item, *op;

	CHECK(doc != NULL);
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		json_object_foreach(item, method, op) {
			bool found = false;

			if (!strcmp(method, "parameters") || !strcmp(method, "summary"))
				continue;
			for (size_t i = 0; i < api_nroutes && !found; i++)
				found = !strcmp(api_routes[i].pattern, path) &&
					!strcasecmp(api_routes[i].method, method);
			if (!found)
				printf("# documented but no route: %s %s\n", method, path);
			CHECK(found);
		}
	}
}

int main(void)
{
	RUN(document_loads);
	RUN(every_route_is_documented_with_its_roles);
	RUN(every_documented_operation_is_a_route);
	json_decref(doc);
	return harness_done();
}
