/* INI configuration with a declared key table: see config.h. */
#include "common/config.h"
#include "common/log.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

struct config_entry {
	char *section;
	char *key;
	char *value;
	char origin[300];
};

struct config {
	const struct config_key *keys;
	struct config_entry *v;
	size_t n, cap;
	char *path;
	int error; /* first error seen while parsing */
};

static const struct config_key *config_find_key(const struct config_key *keys, const char *section,
						const char *key)
{
	for (const struct config_key *k = keys; k && k->section; k++)
		if (strcmp(k->section, section) == 0 && strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

static struct config_entry *config_find(const struct config *cfg, const char *section,
					const char *key)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->v[i].section, section) == 0 && strcmp(cfg->v[i].key, key) == 0)
			return &cfg->v[i];
	return NULL;
}

static int config_put(struct config *cfg, const char *section, const char *key, const char *value,
		      const char *origin)
{
	struct config_entry *e = config_find(cfg, section, key);
	char *nv;

	if (e) {
		nv = strdup(value);
		if (!nv)
			return -ENOMEM;
		free(e->value);
		e->value = nv;
		snprintf(e->origin, sizeof(e->origin), "%s", origin);
		return 0;
	}
	if (cfg->n == cfg->cap) {
		size_t ncap = cfg->cap ? cfg->cap * 2 : 16;
		struct config_entry *nvv = realloc(cfg->v, ncap * sizeof(*nvv));

		if (!nvv)
			return -ENOMEM;
		cfg->v = nvv;
		cfg->cap = ncap;
	}
	e = &cfg->v[cfg->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -ENOMEM;
	}
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
	cfg->n++;
	return 0;
}

static int config_handler(void *user, const char *section, const char *name, const char *value,
			  int lineno)
{
	struct config *cfg = user;
	char origin[300];

	snprintf(origin, sizeof(origin), "%s:%d", cfg->path, lineno);
	if (!config_find_key(cfg->keys, section, name)) {
		log_err("%s: unknown key '%s' in section [%s]", origin, name, section);
		if (!cfg->error)
			cfg->error = -EINVAL;
		return 1; /* keep going: report every unknown key at once */
	}
	if (config_put(cfg, section, name, value, origin) < 0) {
		cfg->error = -ENOMEM;
		return 0;
	}
	return 1;
}

/* inih 55 passes no line number to the handler; count it through a reader instead. */
struct config_reader {
	FILE *f;
	int line;
	struct config *cfg;
};

static char *config_read_line(char *str, int num, void *stream)
{
	struct config_reader *r = stream;
	char *s = fgets(str, num, r->f);

	if (s)
		r->line++;
	return s;
}

static int config_handler_stream(void *user, const char *section, const char *name,
				 const char *value)
{
	struct config_reader *r = user;

	return config_handler(r->cfg, section, name, value, r->line);
}

static struct config *config_alloc(const struct config_key *keys, const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->keys = keys;
	cfg->path = strdup(path ? path : "(defaults)");
	if (!cfg->path) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

int config_new_defaults(const struct config_key *keys, struct config **out)
{
	*out = config_alloc(keys, NULL);
	return *out ? 0 : -ENOMEM;
}

int config_load(const char *path, const struct config_key *keys, struct config **out)
{
	struct config_reader r = { 0 };
	struct config *cfg = NULL;
	int ret = -ENOMEM, rc;

	*out = NULL;
	cfg = config_alloc(keys, path);
	if (!cfg)
		goto out;
	r.f = fopen(path, "re");
	if (!r.f) {
		ret = -errno;
		log_err("%s: cannot open configuration: %s", path, strerror(errno));
		goto out;
	}
	r.cfg = cfg;
	rc = ini_parse_stream(config_read_line, &r, config_handler_stream, &r);
	if (rc > 0) {
		log_err("%s:%d: syntax error (expected [section] or key = value)", path, rc);
		ret = -EINVAL;
		goto out;
	}
	if (rc < 0 || cfg->error) {
		ret = cfg->error ? cfg->error : -EIO;
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	ret = 0;
out:
	if (r.f)
		fclose(r.f);
	config_free(cfg);
	return ret;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->v[i].section);
		free(cfg->v[i].key);
		free(cfg->v[i].value);
	}
	free(cfg->v);
	free(cfg->path);
	free(cfg);
}

int config_set(struct config *cfg, const char *section, const char *key, const char *value)
{
	return config_put(cfg, section, key, value, "override");
}

const char *config_get(const struct config *cfg, const char *section, const char *key)
{
	const struct config_entry *e = config_find(cfg, section, key);
	const struct config_key *k;

	if (e)
		return e->value;
	k = config_find_key(cfg->keys, section, key);
	return k ? k->def : NULL;
}

const char *config_require(const struct config *cfg, const char *section, const char *key)
{
	const char *v = config_get(cfg, section, key);

	if (!v || !*v) {
		log_err("%s: [%s] %s is required", cfg->path, section, key);
		return NULL;
	}
	return v;
}

const char *config_origin(const struct config *cfg, const char *section, const char *key)
{
	const struct config_entry *e = config_find(cfg, section, key);

	return e ? e->origin : "default";
}

int config_get_int(const struct config *cfg, const char *section, const char *key, long def,
		   long min, long max, long *out)
{
	const char *v = config_get(cfg, section, key);
	char *end;
	long n;

	if (!v || !*v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max) {
		log_err("%s: [%s] %s = '%s' is not a whole number from %ld to %ld",
			config_origin(cfg, section, key), section, key, v, min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int config_get_bool(const struct config *cfg, const char *section, const char *key, bool def,
		    bool *out)
{
	const char *v = config_get(cfg, section, key);

	if (!v || !*v) {
		*out = def;
		return 0;
	}
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	log_err("%s: [%s] %s = '%s' is not a boolean (true/false)",
		config_origin(cfg, section, key), section, key, v);
	return -EINVAL;
}

void config_print_help(FILE *out, const struct config_key *keys)
{
	const char *section = NULL;

	for (const struct config_key *k = keys; k->section; k++) {
		if (!section || strcmp(section, k->section) != 0) {
			fprintf(out, "\n  [%s]\n", k->section);
			section = k->section;
		}
		fprintf(out, "    %-18s %s", k->key, k->help);
		if (k->def && *k->def)
			fprintf(out, " (default: %s)", k->def);
		fprintf(out, "\n");
	}
}
