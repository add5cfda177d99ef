/*
 * pins.c -- tool-definition pinning; see pins.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "log/reqlog.h"
#include "mcp/pins.h"
#include "product_limits.h"
#include "store/pinstore.h"
#include "uuid.h"

#define MOD		"pins"
#define PINS_KEY	(UUID_STRLEN + 1 + LIMIT_SLUG + 1)
#define PINS_NAME_SHOWN	128	/* tool name bytes echoed in a refusal */

/* The members pinned, in the diff's order. */
static const char *const pins_fields[] = {
	"name", "description", "inputSchema", "outputSchema", "annotations",
};
#define PINS_NFIELDS	(sizeof(pins_fields) / sizeof(pins_fields[0]))

/* One tenant server's copy. */
struct pins_entry {
	char		 key[PINS_KEY];	/* "<tenant_id>|<alias>"; "": free */
	json_t		*copy;		/* tool_pins_get's answer, or NULL */
	json_t		*local;		/* tool -> {"sha256"} changed as this
					   worker saw it; tool -> {"dropped"} */
	json_t		*memo;		/* tool -> {"sha256", "definition"}
					   this worker hashed last */
	uint64_t	 read_ms;	/* monotonic, of the last good read */
	uint64_t	 retry_ms;	/* no read before (after a failure) */
	uint64_t	 used_ms;
	int		 failed;	/* the last read failed */
};

/* One write for the idle step. */
struct pins_write {
	char		 tenant_id[UUID_STRLEN + 1];
	char		 alias[LIMIT_SLUG + 1];
	json_t		*fresh;		/* [{tool, sha256, definition}] */
	json_t		*changed;	/* [{tool, sha256, definition, diff}] */
};

static struct pins_entry	 pins_cache[LIMIT_PINS_CACHE];
static struct pins_write	 pins_queue[LIMIT_PINS_QUEUE];
static size_t			 pins_nqueue;

/* ---- the definition, its hash and diff --------------------------------- */

json_t *
pins_canonical(const json_t *tool)
{
	json_t	*c;
	size_t	 i;

	if (!json_is_object(tool) ||
	    !json_is_string(json_object_get(tool, "name")))
		return NULL;
	if ((c = json_object()) == NULL)
		return NULL;
	for (i = 0; i < PINS_NFIELDS; i++)
		if (json_object_get(tool, pins_fields[i]) != NULL &&
		    json_object_set(c, pins_fields[i],
		    json_object_get(tool, pins_fields[i])) == -1) {
			json_decref(c);
			return NULL;
		}
	return c;
}

int
pins_hash(const json_t *canon, char hex[PINS_HEX + 1])
{
	unsigned char	 h[SHA256_DIGEST_LENGTH];
	char		*s;
	size_t		 i;

	/* Sorted keys at every depth, no blanks: the same definition gives
	 * the same bytes whatever order the upstream wrote it in. */
	s = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL)
		return -1;
	SHA256((const unsigned char *)s, strlen(s), h);
	free(s);
	for (i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return 0;
}

/*
 * pins_hash, remembered per tool: most tools/list answers repeat the last
 * one, and a definition equal to the one hashed last time (json_equal:
 * exact, whatever the member order) has its hash. The sorted dump and
 * SHA-256 of every tool on every tools/list were 14 % of a worker's CPU.
 */
static int
pins_hash_memo(json_t *memo, const char *name, const json_t *canon,
    char hex[PINS_HEX + 1])
{
	const json_t	*m = json_object_get(memo, name);
	const char	*h = jsonx_str(m, "sha256");

	if (h != NULL && strlen(h) == PINS_HEX &&
	    json_equal(json_object_get(m, "definition"), canon)) {
		memcpy(hex, h, PINS_HEX + 1);
		return 0;
	}
	if (pins_hash(canon, hex) == -1)
		return -1;
	if (json_object_size(memo) >= LIMIT_PINS_MEMO)
		json_object_clear(memo);
	/* A copy: canon shares the answer's values, which later steps
	 * may change in place. */
	json_object_set_new(memo, name, json_pack("{s:s, s:o}", "sha256", hex,
	    "definition", json_deep_copy(canon)));
	return 0;
}

/* The diff's text of a member: a string as is, else compact JSON; cut. */
static json_t *
pins_text(const json_t *v)
{
	char	*dump = NULL, buf[LIMIT_PINS_DIFF_TEXT + 4];
	const char *s;
	size_t	 n;
	json_t	*j;

	if (v == NULL)
		return json_null();
	if (json_is_string(v))
		s = json_string_value(v);
	else if ((s = dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		return NULL;
	if ((n = strlen(s)) > LIMIT_PINS_DIFF_TEXT) {
		n = LIMIT_PINS_DIFF_TEXT;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		snprintf(buf, sizeof(buf), "%.*s...", (int)n, s);
		j = json_string(buf);
	} else
		j = json_string(s);
	free(dump);
	return j;
}

json_t *
pins_diff(const json_t *old_def, const json_t *new_def)
{
	const json_t	*a, *b;
	json_t		*d, *o;
	size_t		 i;

	if ((d = json_array()) == NULL)
		return NULL;
	for (i = 0; i < PINS_NFIELDS; i++) {
		a = json_object_get(old_def, pins_fields[i]);
		b = json_object_get(new_def, pins_fields[i]);
		if ((a == NULL && b == NULL) ||
		    (a != NULL && b != NULL && json_equal(a, b)))
			continue;
		o = json_pack("{s:s, s:o*, s:o*}", "field", pins_fields[i],
		    "old", pins_text(a), "new", pins_text(b));
		if (o == NULL || json_array_append_new(d, o) == -1) {
			json_decref(d);
			return NULL;
		}
	}
	return d;
}

int
pins_header_misuse(const json_t *tool)
{
	const json_t	*props, *p, *type;
	const char	*k, *t;

	props = json_object_get(json_object_get(tool, "inputSchema"),
	    "properties");
	if (!json_is_object(props))
		return 0;
	json_object_foreach((json_t *)(uintptr_t)props, k, p) {
		if (!json_is_object(p) ||
		    json_object_get(p, "x-mcp-header") == NULL)
			continue;
		/* A header carries one primitive value: string, number,
		 * integer or boolean. Anything else (object, array, a list
		 * of types, no type at all) cannot be put in one safely. */
		type = json_object_get(p, "type");
		t = json_string_value(type);
		if (t == NULL || (strcmp(t, "string") != 0 &&
		    strcmp(t, "number") != 0 && strcmp(t, "integer") != 0 &&
		    strcmp(t, "boolean") != 0))
			return 1;
	}
	return 0;
}

/* ---- the per-worker copy ------------------------------------------------ */

static void
pins_entry_clear(struct pins_entry *e)
{
	json_decref(e->copy);
	json_decref(e->local);
	json_decref(e->memo);
	memset(e, 0, sizeof(*e));
}

void
pins_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < LIMIT_PINS_CACHE; i++)
		pins_entry_clear(&pins_cache[i]);
	for (i = 0; i < pins_nqueue; i++) {
		json_decref(pins_queue[i].fresh);
		json_decref(pins_queue[i].changed);
	}
	memset(pins_queue, 0, sizeof(pins_queue));
	pins_nqueue = 0;
}

/* The entry of t, read again when older than config_ttl; NULL when t has
 * no tenant or alias (no pinning), or out of memory. */
static struct pins_entry *
pins_entry(const struct config *cfg, const struct target *t)
{
	struct pins_entry	*e = NULL, *lru = &pins_cache[0];
	char			 key[PINS_KEY], why[256];
	uint64_t		 now = clock_mono_ms();
	json_t			*j;
	size_t			 i;
	int			 n;

	if (t->tenant_id == NULL || t->alias == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s|%s", t->tenant_id, t->alias);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	for (i = 0; i < LIMIT_PINS_CACHE && e == NULL; i++) {
		if (strcmp(pins_cache[i].key, key) == 0)
			e = &pins_cache[i];
		else if (pins_cache[i].used_ms < lru->used_ms)
			lru = &pins_cache[i];
	}
	if (e == NULL) {
		e = lru;
		pins_entry_clear(e);
		snprintf(e->key, sizeof(e->key), "%s", key);
		if ((e->local = json_object()) == NULL ||
		    (e->memo = json_object()) == NULL) {
			pins_entry_clear(e);
			return NULL;
		}
	}
	e->used_ms = now;
	if (e->copy != NULL && cfg->config_ttl > 0 &&
	    now - e->read_ms < (uint64_t)cfg->config_ttl * 1000)
		return e;
	if (e->failed && now < e->retry_ms)
		return e;
	if (pinstore_get(cfg, t->tenant_id, t->alias, &j, why,
	    sizeof(why)) == -1 || json_is_null(j)) {
		if (j == NULL)
			log_warn(MOD, "cannot read the tool pins of '%s': %s%s",
			    t->alias, why, e->copy != NULL ?
			    " (the last copy is used)" : "");
		json_decref(j);
		e->failed = 1;
		e->retry_ms = now + LIMIT_PINS_RETRY_S * 1000;
		return e;
	}
	json_decref(e->copy);
	e->copy = j;
	e->read_ms = now;
	e->failed = 0;
	return e;
}

static int
pins_enforce(const struct pins_entry *e)
{
	const char	*mode = jsonx_str(e->copy, "mode");

	return mode != NULL && strcmp(mode, "enforce") == 0;
}

/* The request log's flag: "refused" wins over "changed". */
static void
pins_flag(struct request *req, const char *what)
{
	struct reqlog	*rl = req->log;

	if (rl == NULL)
		return;
	if (rl->str[REQLOG_TOOL_PIN] != NULL &&
	    strcmp(rl->str[REQLOG_TOOL_PIN], "refused") == 0)
		return;
	reqlog_set(rl, REQLOG_TOOL_PIN, what);
}

/* The queued write of t, added when missing; NULL when the queue is full
 * (the next tools/list finds the same again). */
static struct pins_write *
pins_write_of(const struct target *t)
{
	struct pins_write	*w;
	size_t			 i;

	for (i = 0; i < pins_nqueue; i++)
		if (strcmp(pins_queue[i].tenant_id, t->tenant_id) == 0 &&
		    strcmp(pins_queue[i].alias, t->alias) == 0)
			return &pins_queue[i];
	if (pins_nqueue == LIMIT_PINS_QUEUE)
		return NULL;
	w = &pins_queue[pins_nqueue];
	memset(w, 0, sizeof(*w));
	snprintf(w->tenant_id, sizeof(w->tenant_id), "%s", t->tenant_id);
	snprintf(w->alias, sizeof(w->alias), "%s", t->alias);
	w->fresh = json_array();
	w->changed = json_array();
	if (w->fresh == NULL || w->changed == NULL) {
		json_decref(w->fresh);
		json_decref(w->changed);
		return NULL;
	}
	pins_nqueue++;
	return w;
}

/* Queue one entry (stolen) into fresh or changed: 0, or -1 (dropped). */
static int
pins_queue_add(const struct target *t, int changed, json_t *entry)
{
	struct pins_write	*w = entry != NULL ? pins_write_of(t) : NULL;

	if (w == NULL || json_array_append_new(changed ? w->changed :
	    w->fresh, entry) == -1) {
		if (entry != NULL)
			json_decref(entry);
		return -1;
	}
	return 0;
}

/*
 * What one tool of a tools/list answer is: 0 served, 1 removed. name is
 * the tool's, canon its canonical definition and hex its hash.
 */
static int
pins_judge(struct request *req, const struct target *t,
    struct pins_entry *e, const char *name, const json_t *canon,
    const char *hex)
{
	json_t		*pins = json_object_get(e->copy, "pins");
	json_t		*pin = json_object_get(pins, name), *entry;
	const char	*pinned = jsonx_str(pin, "sha256");
	const char	*seen = jsonx_str(pin, "changed_sha256");
	int		 enforce = pins_enforce(e);

	if (pin == NULL) {
		if (e->failed && enforce) {
			/* Unknown while the store does not answer. */
			pins_flag(req, "refused");
			return 1;
		}
		/* Trust on first use: pinned now, written after the
		 * answer; the copy holds it so it is queued once. */
		entry = json_pack("{s:s, s:s, s:O}", "tool", name,
		    "sha256", hex, "definition", (json_t *)(uintptr_t)canon);
		if (pins_queue_add(t, 0, entry) == 0)
			json_object_set_new(pins, name, json_pack(
			    "{s:s, s:O, s:n}", "sha256", hex, "definition",
			    (json_t *)(uintptr_t)canon, "changed_sha256"));
		json_object_del(e->local, name);
		return 0;
	}
	if (pinned != NULL && strcmp(pinned, hex) == 0) {
		json_object_del(e->local, name);
		return 0;
	}
	/* Changed: recorded once per new hash (by any worker: the
	 * copy's changed_sha256 is what the store has). */
	json_object_set_new(e->local, name, json_pack("{s:s}", "sha256",
	    hex));
	if (seen == NULL || strcmp(seen, hex) != 0) {
		entry = json_pack("{s:s, s:s, s:O, s:o*}", "tool", name,
		    "sha256", hex, "definition", (json_t *)(uintptr_t)canon,
		    "diff", pins_diff(json_object_get(pin, "definition"),
		    canon));
		if (pins_queue_add(t, 1, entry) == 0)
			json_object_set_new(pin, "changed_sha256",
			    json_string(hex));
		log_warn(MOD, "tool '%s' of '%s' changed since it was pinned "
		    "(%s)", name, t->alias, enforce ? "enforce: hidden" :
		    "warn: served");
	}
	pins_flag(req, enforce ? "refused" : "changed");
	return enforce;
}

int
pins_filter_tools_list(struct request *req, const struct target *t,
    json_t *result)
{
	struct pins_entry	*e;
	json_t			*tools = json_object_get(result, "tools");
	json_t			*tool, *canon;
	const char		*name;
	char			 hex[PINS_HEX + 1];
	size_t			 i = 0;
	int			 removed = 0, drop;

	if (!json_is_array(tools))
		return -1;
	if ((e = pins_entry(req->cfg, t)) == NULL)
		return 0;
	while (i < json_array_size(tools)) {
		tool = json_array_get(tools, i);
		name = jsonx_str(tool, "name");
		canon = NULL;
		if (name == NULL)
			drop = 0;	/* the policy's to judge */
		else if (pins_header_misuse(tool)) {
			json_object_set_new(e->local, name,
			    json_pack("{s:b}", "dropped", 1));
			log_warn(MOD, "tool '%s' of '%s' removed: x-mcp-header "
			    "on an argument that is not a primitive", name,
			    t->alias);
			drop = 1;
		} else if (e->copy == NULL) {
			/* Never read: the mode is not known; fail closed. */
			pins_flag(req, "refused");
			drop = 1;
		} else if ((canon = pins_canonical(tool)) == NULL ||
		    pins_hash_memo(e->memo, name, canon, hex) == -1)
			drop = 1;	/* out of memory: not judged */
		else
			drop = pins_judge(req, t, e, name, canon, hex);
		json_decref(canon);
		if (drop) {
			json_array_remove(tools, i);
			removed++;
		} else
			i++;
	}
	return removed;
}

/* Bytes of name to show: at most POLICY-like 128, on a UTF-8 boundary
 * (why goes into a JSON string). */
static int
pins_shown(const char *name)
{
	size_t	 n = strlen(name);

	if (n > PINS_NAME_SHOWN) {
		n = PINS_NAME_SHOWN;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

int
pins_check_call(struct request *req, const struct target *t,
    const json_t *msg, char *why, size_t whylen)
{
	struct pins_entry	*e;
	const json_t		*pin, *loc;
	const char		*method = jsonx_str(msg, "method"), *name;
	const char		*pinned, *seen;
	int			 changed;

	if (method == NULL || strcmp(method, "tools/call") != 0 ||
	    (name = jsonx_str(json_object_get(msg, "params"), "name")) ==
	    NULL || (e = pins_entry(req->cfg, t)) == NULL)
		return 0;
	loc = json_object_get(e->local, name);
	if (json_is_true(json_object_get(loc, "dropped"))) {
		snprintf(why, whylen, "tool '%.*s' is not available: "
		    "x-mcp-header on a non-primitive argument",
		    pins_shown(name), name);
		pins_flag(req, "refused");
		return -1;
	}
	if (e->copy == NULL) {
		snprintf(why, whylen, "tool '%.*s' is refused: its pinned "
		    "definition cannot be read", pins_shown(name), name);
		pins_flag(req, "refused");
		return -1;
	}
	pin = json_object_get(json_object_get(e->copy, "pins"), name);
	pinned = jsonx_str(pin, "sha256");
	seen = jsonx_str(pin, "changed_sha256");
	/* This worker's own view first (the hash it last saw), else what
	 * the store recorded. */
	if (jsonx_str(loc, "sha256") != NULL)
		changed = pinned == NULL ||
		    strcmp(jsonx_str(loc, "sha256"), pinned) != 0;
	else
		changed = seen != NULL;
	if (!changed && !(pin == NULL && e->failed && pins_enforce(e)))
		return 0;
	if (!pins_enforce(e)) {
		pins_flag(req, "changed");
		return 0;
	}
	snprintf(why, whylen, "tool '%.*s' is refused: %s", pins_shown(name),
	    name, changed ?
	    "its definition changed since it was approved (tool pinning)" :
	    "it is not pinned and the pins cannot be read");
	pins_flag(req, "refused");
	return -1;
}

void
pins_flush(const struct config *cfg)
{
	struct pins_write	*w;
	char			 why[256];
	size_t			 i;

	for (i = 0; i < pins_nqueue; i++) {
		w = &pins_queue[i];
		if (pinstore_record(cfg, w->tenant_id, w->alias,
		    json_array_size(w->fresh) > 0 ? w->fresh : NULL,
		    json_array_size(w->changed) > 0 ? w->changed : NULL, why,
		    sizeof(why)) == -1)
			/* Not kept: the next tools/list finds it again. */
			log_warn(MOD, "cannot record the tool pins of '%s': %s",
			    w->alias, why);
		json_decref(w->fresh);
		json_decref(w->changed);
	}
	memset(pins_queue, 0, sizeof(pins_queue));
	pins_nqueue = 0;
}
