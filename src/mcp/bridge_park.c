/*
 * bridge_park.c -- parked calls and the delivery of the client's replies;
 * see bridge_park.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base64.h"
#include "clock.h"
#include "crypto.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/bridge_park.h"

#define MOD	"mcp"

#define BRIDGE_PARK_LABEL	"mcp-bridge-reply v1"
#define BRIDGE_PARK_DIR		"bridge"

void
bridge_park_init(struct bridge_park *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

/* <data_dir>/bridge/<nonce>.s into out (0), or -1 when too long. */
static int
bridge_park_path(const struct config *cfg, const char *nonce, char *out,
    size_t outlen)
{
	struct sockaddr_un	 sun;
	int			 n;

	n = snprintf(out, outlen, "%s/%s/%s.s", cfg->data_dir,
	    BRIDGE_PARK_DIR, nonce);
	return n < 0 || (size_t)n >= outlen ||
	    (size_t)n >= sizeof(sun.sun_path) ? -1 : 0;
}

static int
bridge_park_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

int
bridge_park_open(struct bridge_park *p, const struct config *cfg)
{
	struct sockaddr_un	 sun;
	unsigned char		 n[BRIDGE_PARK_NONCE];
	char			 dir[LIMIT_PATH + 1];
	size_t			 i;

	bridge_park_init(p);
	if (crypto_random(n, sizeof(n)) == -1)
		return -1;
	for (i = 0; i < sizeof(n); i++)
		snprintf(p->nonce + 2 * i, 3, "%02x", n[i]);
	if (snprintf(dir, sizeof(dir), "%s/%s", cfg->data_dir,
	    BRIDGE_PARK_DIR) >= (int)sizeof(dir) ||
	    bridge_park_path(cfg, p->nonce, p->path, sizeof(p->path)) == -1 ||
	    bridge_park_addr(p->path, &sun) == -1) {
		log_warn(MOD, "bridge: data_dir too long for a socket path");
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn(MOD, "bridge: cannot create '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->fd == -1 || bind(p->fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1) {
		log_warn(MOD, "bridge: cannot bind '%s': %s", p->path,
		    strerror(errno));
		if (p->fd != -1)
			close(p->fd);
		p->fd = -1;
		return -1;
	}
	p->expires = time(NULL) + LIMIT_BRIDGE_WAIT_MS / 1000 + 1;
	return 0;
}

void
bridge_park_close(struct bridge_park *p)
{
	if (p->fd != -1) {
		close(p->fd);
		unlink(p->path);
	}
	p->fd = -1;
}

/* K and the AAD of owner o: 0, or -1. */
static int
bridge_park_key(const struct config *cfg, const struct bridge_park_owner *o,
    unsigned char k[CRYPTO_KEY_LEN], struct buf *aad)
{
	if (cfg->master_key.len == 0 || crypto_hkdf_sha256(cfg->master_key.data,
	    cfg->master_key.len, BRIDGE_PARK_LABEL, k, CRYPTO_KEY_LEN) == -1)
		return -1;
	return buf_printf(aad, "%s|%s|%s|%s", BRIDGE_PARK_LABEL,
	    o->tenant != NULL ? o->tenant : "", o->alias != NULL ? o->alias : "",
	    o->caller != NULL ? o->caller : "");
}

int
bridge_park_id(const struct bridge_park *p, const struct config *cfg,
    const struct bridge_park_owner *o, const char *key, struct buf *out)
{
	unsigned char	 k[CRYPTO_KEY_LEN];
	struct buf	 aad, pt, sealed;
	json_t		*j;
	int		 rc = -1;

	buf_init(&aad, LIMIT_PATH);
	buf_init(&pt, LIMIT_BRIDGE_REPLY);
	buf_init(&sealed, LIMIT_BRIDGE_REPLY);
	j = json_pack("{s:s, s:s, s:I}", "n", p->nonce, "k", key, "x",
	    (json_int_t)p->expires);
	if (j == NULL || bridge_park_key(cfg, o, k, &aad) == -1 ||
	    jsonx_dumpb(&pt, j) == -1 ||
	    crypto_seal(k, aad.data, aad.len, pt.data, pt.len, &sealed) == -1 ||
	    buf_appends(out, BRIDGE_PARK_ID_PREFIX) == -1 ||
	    base64_encode(out, sealed.data, sealed.len, BASE64_URL) == -1)
		goto out;
	rc = 0;
out:
	crypto_wipe(k, sizeof(k));
	json_decref(j);
	buf_release(&sealed);
	buf_release(&pt);
	buf_release(&aad);
	return rc;
}

int
bridge_park_wait(struct bridge_park *p, uint64_t deadline_ms, json_t **msg)
{
	static char	 b[LIMIT_BRIDGE_REPLY];
	struct pollfd	 pfd;
	uint64_t	 now;
	ssize_t		 n;

	*msg = NULL;
	while (p->fd != -1 && (now = clock_mono_ms()) < deadline_ms) {
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline_ms - now)) <= 0)
			continue;
		n = recv(p->fd, b, sizeof(b), 0);
		if (n <= 0)
			continue;
		/* Only the node's workers can reach the socket (0700), and
		 * they checked the id first; still, a reply is parsed as
		 * untrusted. */
		*msg = jsonx_loadb(b, (size_t)n, LIMIT_JSON_DEPTH, NULL, 0);
		if (json_is_object(*msg) && jsonx_str(*msg, "k") != NULL)
			return 0;
		json_decref(*msg);
		*msg = NULL;
	}
	return -1;
}

int
bridge_park_is_id(const json_t *id)
{
	return json_is_string(id) && strncmp(json_string_value(id),
	    BRIDGE_PARK_ID_PREFIX, sizeof(BRIDGE_PARK_ID_PREFIX) - 1) == 0;
}

int
bridge_park_deliver(const struct config *cfg,
    const struct bridge_park_owner *o, const json_t *resp)
{
	unsigned char		 k[CRYPTO_KEY_LEN];
	struct sockaddr_un	 sun;
	struct buf		 aad, sealed, pt, out;
	const char		*id;
	const json_t		*x;
	json_t			*j = NULL, *d = NULL;
	char			 path[LIMIT_PATH + 1];
	int			 fd = -1, rc = -1;

	buf_init(&aad, LIMIT_PATH);
	buf_init(&sealed, LIMIT_BRIDGE_REPLY);
	buf_init(&pt, LIMIT_BRIDGE_REPLY);
	buf_init(&out, LIMIT_BRIDGE_REPLY);
	if (!bridge_park_is_id(json_object_get(resp, "id")))
		goto out;
	id = json_string_value(json_object_get(resp, "id")) +
	    sizeof(BRIDGE_PARK_ID_PREFIX) - 1;
	if (bridge_park_key(cfg, o, k, &aad) == -1 ||
	    base64_decode(&sealed, id, strlen(id), BASE64_URL) == -1 ||
	    crypto_open(k, aad.data, aad.len, sealed.data, sealed.len,
	    &pt) == -1)
		goto out;	/* forged, tampered or another owner's */
	j = jsonx_loadb(pt.data, pt.len, 4, NULL, 0);
	x = json_object_get(j, "x");
	if (jsonx_str(j, "n") == NULL || jsonx_str(j, "k") == NULL ||
	    strlen(jsonx_str(j, "n")) != BRIDGE_PARK_NONCE * 2 ||
	    strspn(jsonx_str(j, "n"), "0123456789abcdef") !=
	    BRIDGE_PARK_NONCE * 2 || !json_is_integer(x) ||
	    json_integer_value(x) < (json_int_t)time(NULL))
		goto out;	/* expired */
	d = json_pack("{s:s}", "k", jsonx_str(j, "k"));
	if (d == NULL || (json_object_get(resp, "result") != NULL &&
	    json_object_set(d, "result", json_object_get(resp,
	    "result")) == -1) || (json_object_get(resp, "error") != NULL &&
	    json_object_set(d, "error", json_object_get(resp, "error")) == -1) ||
	    jsonx_dumpb(&out, d) == -1)
		goto out;	/* over LIMIT_BRIDGE_REPLY too */
	if (bridge_park_path(cfg, jsonx_str(j, "n"), path, sizeof(path)) == -1 ||
	    bridge_park_addr(path, &sun) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		goto out;
	/* Nobody bound (another node, a call that ended): ENOENT or
	 * ECONNREFUSED; a full queue: EAGAIN. */
	if (sendto(fd, out.data, out.len, 0, (struct sockaddr *)&sun,
	    sizeof(sun)) == (ssize_t)out.len)
		rc = 0;
out:
	if (fd != -1)
		close(fd);
	crypto_wipe(k, sizeof(k));
	json_decref(d);
	json_decref(j);
	buf_release(&out);
	buf_release(&pt);
	buf_release(&sealed);
	buf_release(&aad);
	return rc;
}
