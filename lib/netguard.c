/*
 * netguard.c -- address classes, the allow-list and resolve-and-check of
 * outbound hosts; see netguard.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "netguard.h"
#include "strparse.h"

static const char *const netguard_names[NETGUARD__MAX] = {
	"public", "unspecified", "loopback", "private", "cgnat",
	"link-local", "metadata", "multicast", "reserved"
};

const char *
netguard_class_name(enum netguard_class c)
{
	return c < NETGUARD__MAX ? netguard_names[c] : "reserved";
}

/* 1 when the first bits of a equal those of b. */
static int
netguard_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned	 n = bits / 8, r = bits % 8;
	uint8_t		 m;

	if (memcmp(a, b, n) != 0)
		return 0;
	if (r == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - r));
	return (a[n] & m) == (b[n] & m);
}

static enum netguard_class
netguard_v4(const uint8_t *a)
{
	static const struct { uint8_t net[4]; unsigned bits;
	    enum netguard_class c; } t[] = {
		{ { 169, 254, 169, 254 }, 32, NETGUARD_METADATA },
		{ { 255, 255, 255, 255 }, 32, NETGUARD_RESERVED },
		{ { 0, 0, 0, 0 }, 8, NETGUARD_UNSPECIFIED },
		{ { 127, 0, 0, 0 }, 8, NETGUARD_LOOPBACK },
		{ { 10, 0, 0, 0 }, 8, NETGUARD_PRIVATE },
		{ { 172, 16, 0, 0 }, 12, NETGUARD_PRIVATE },
		{ { 192, 168, 0, 0 }, 16, NETGUARD_PRIVATE },
		{ { 100, 64, 0, 0 }, 10, NETGUARD_CGNAT },
		{ { 169, 254, 0, 0 }, 16, NETGUARD_LINKLOCAL },
		{ { 224, 0, 0, 0 }, 4, NETGUARD_MULTICAST },
		{ { 240, 0, 0, 0 }, 4, NETGUARD_RESERVED },
		{ { 192, 0, 0, 0 }, 24, NETGUARD_RESERVED },
		{ { 192, 0, 2, 0 }, 24, NETGUARD_RESERVED },
		{ { 198, 18, 0, 0 }, 15, NETGUARD_RESERVED },
		{ { 198, 51, 100, 0 }, 24, NETGUARD_RESERVED },
		{ { 203, 0, 113, 0 }, 24, NETGUARD_RESERVED },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (netguard_prefix_eq(a, t[i].net, t[i].bits))
			return t[i].c;
	return NETGUARD_PUBLIC;
}

static enum netguard_class
netguard_v6(const uint8_t *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t zero[16];
	static const uint8_t loop[16] = { [15] = 1 };
	static const uint8_t meta[16] = { 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02,
	    [15] = 0x54 };
	static const uint8_t doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t teredo[4] = { 0x20, 0x01, 0, 0 };
	static const uint8_t discard[8] = { 0x01, 0x00 };
	static const uint8_t sixto4[2] = { 0x20, 0x02 };

	if (memcmp(a, zero, 16) == 0)
		return NETGUARD_UNSPECIFIED;
	if (memcmp(a, loop, 16) == 0)
		return NETGUARD_LOOPBACK;
	if (memcmp(a, meta, 16) == 0)
		return NETGUARD_METADATA;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return netguard_v4(a + 12);
	if (netguard_prefix_eq(a, sixto4, 16))
		return netguard_v4(a + 2);
	if (memcmp(a, zero, 12) == 0)		/* ::a.b.c.d, deprecated */
		return NETGUARD_RESERVED;
	if ((a[0] & 0xfe) == 0xfc)
		return NETGUARD_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return NETGUARD_LINKLOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return NETGUARD_PRIVATE;	/* site-local, deprecated */
	if (a[0] == 0xff)
		return NETGUARD_MULTICAST;
	if (netguard_prefix_eq(a, doc, 32) || netguard_prefix_eq(a, teredo, 32)
	    || netguard_prefix_eq(a, discard, 64))
		return NETGUARD_RESERVED;
	return NETGUARD_PUBLIC;
}

enum netguard_class
netguard_classify_raw(int family, const uint8_t *addr)
{
	if (family == AF_INET)
		return netguard_v4(addr);
	if (family == AF_INET6)
		return netguard_v6(addr);
	return NETGUARD_RESERVED;
}

/* The family and 4/16 bytes of sa; -1 for other families. */
static int
netguard_bytes(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

enum netguard_class
netguard_classify(const struct sockaddr *sa)
{
	uint8_t	 b[16];
	int	 fam;

	if ((fam = netguard_bytes(sa, b)) == -1)
		return NETGUARD_RESERVED;
	return netguard_classify_raw(fam, b);
}

/* Lowercase host without brackets and trailing dot into out; -1 if too
 * long or empty. */
static int
netguard_norm_host(const char *h, char *out, size_t outlen)
{
	size_t	 n = strlen(h), i;

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n > 1 && h[n - 1] == '.')
		n--;
	if (n == 0 || n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
	out[n] = '\0';
	return 0;
}

/* One allow-list entry (p, len) into e; 0 or -1. */
static int
netguard_entry(const char *p, size_t len, struct netguard_entry *e)
{
	char		 tmp[NETGUARD_HOST_MAX + 16], *slash, *colon, *h;
	uint64_t	 v;

	memset(e, 0, sizeof(*e));
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	h = tmp;
	if ((slash = strchr(tmp, '/')) != NULL) {
		*slash++ = '\0';
		if (strparse_u64(slash, strlen(slash), 0, 128, &v) == -1)
			return -1;
		e->prefix = (unsigned)v;
	}
	if (tmp[0] == '[') {
		if ((colon = strchr(tmp, ']')) == NULL || slash != NULL)
			return -1;
		*colon++ = '\0';
		h = tmp + 1;
		if (*colon == ':') {
			if (strparse_u64(colon + 1, strlen(colon + 1), 1,
			    65535, &v) == -1)
				return -1;
			e->port = (unsigned)v;
		} else if (*colon != '\0')
			return -1;
	} else if ((colon = strchr(tmp, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		if (slash != NULL)
			return -1;
		*colon++ = '\0';
		if (strparse_u64(colon, strlen(colon), 1, 65535, &v) == -1)
			return -1;
		e->port = (unsigned)v;
	}
	if (inet_pton(AF_INET, h, e->addr) == 1) {
		e->family = AF_INET;
		if (slash == NULL)
			e->prefix = 32;
		return e->prefix <= 32 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, h, e->addr) == 1) {
		e->family = AF_INET6;
		if (slash == NULL)
			e->prefix = 128;
		return 0;
	}
	if (slash != NULL || netguard_norm_host(h, e->host,
	    sizeof(e->host)) == -1)
		return -1;
	for (p = e->host; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_'))
			return -1;
	return 0;
}

int
netguard_parse(struct netguard *g, const char *list, char *err,
    size_t errlen)
{
	const char	*p = list;
	size_t		 n;

	memset(g, 0, sizeof(*g));
	while (p != NULL && *p != '\0') {
		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		if (g->n_allow == LIMIT_NETGUARD_ALLOW) {
			snprintf(err, errlen, "more than %d entries",
			    LIMIT_NETGUARD_ALLOW);
			return -1;
		}
		if (netguard_entry(p, n, &g->allow[g->n_allow]) == -1) {
			snprintf(err, errlen, "'%.*s' is not a host[:port], "
			    "address[:port] or cidr", (int)(n > 80 ? 80 : n), p);
			return -1;
		}
		g->n_allow++;
		p += n;
	}
	return 0;
}

/* The address is listed by an address or CIDR entry. */
static int
netguard_addr_listed(const struct netguard *g, int fam, const uint8_t *b,
    unsigned port)
{
	const struct netguard_entry	*e;
	size_t				 i;

	for (i = 0; g != NULL && i < g->n_allow; i++) {
		e = &g->allow[i];
		if (e->host[0] != '\0' || (e->port != 0 && e->port != port))
			continue;
		if (e->family == fam && netguard_prefix_eq(b, e->addr,
		    e->prefix))
			return 1;
		/* an IPv4 entry also covers the IPv4-mapped address */
		if (e->family == AF_INET && fam == AF_INET6 &&
		    memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
		    netguard_prefix_eq(b + 12, e->addr, e->prefix))
			return 1;
	}
	return 0;
}

/* The (normalised) host name is listed by a name entry. */
static int
netguard_host_listed(const struct netguard *g, const char *host,
    unsigned port)
{
	size_t	 i;

	for (i = 0; g != NULL && i < g->n_allow; i++)
		if (g->allow[i].host[0] != '\0' &&
		    strcmp(g->allow[i].host, host) == 0 &&
		    (g->allow[i].port == 0 || g->allow[i].port == port))
			return 1;
	return 0;
}

int
netguard_addr_ok(const struct netguard *g, const struct sockaddr *sa,
    unsigned port)
{
	uint8_t	 b[16];
	int	 fam;

	if ((fam = netguard_bytes(sa, b)) == -1)
		return 0;
	return netguard_classify_raw(fam, b) == NETGUARD_PUBLIC ||
	    netguard_addr_listed(g, fam, b, port);
}

int
netguard_resolve(const struct netguard *g, const char *host, unsigned port,
    char *pin, int *listed, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 h[NETGUARD_HOST_MAX + 1], txt[NETGUARD_ADDR_STRLEN];
	uint8_t		 b[16];
	enum netguard_class c;
	size_t		 n = 0;
	int		 fam, rc = -1, all_listed = 1, gai;

	if (pin != NULL)
		pin[0] = '\0';
	if (listed != NULL)
		*listed = 0;
	if (netguard_norm_host(host, h, sizeof(h)) == -1) {
		snprintf(err, errlen, "empty or over-long host name");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(h, NULL, &hints, &res)) != 0 || res == NULL) {
		snprintf(err, errlen, "host '%.100s' does not resolve: %s", h,
		    gai != 0 ? gai_strerror(gai) : "no address");
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fam = netguard_bytes(ai->ai_addr, b)) == -1)
			continue;
		if (++n > LIMIT_NETGUARD_ADDRS)
			break;
		inet_ntop(fam, b, txt, sizeof(txt));
		c = netguard_classify_raw(fam, b);
		if (!netguard_addr_listed(g, fam, b, port)) {
			all_listed = 0;
			if (c != NETGUARD_PUBLIC &&
			    !netguard_host_listed(g, h, port)) {
				snprintf(err, errlen, "host '%.100s' resolves "
				    "to %s, a %s address", h, txt,
				    netguard_class_name(c));
				goto out;
			}
		}
		if (pin != NULL && pin[0] == '\0')
			snprintf(pin, NETGUARD_ADDR_STRLEN, "%s", txt);
	}
	if (n == 0) {
		snprintf(err, errlen, "host '%.100s' has no IP address", h);
		goto out;
	}
	if (listed != NULL)
		*listed = netguard_host_listed(g, h, port) || all_listed;
	rc = 0;
out:
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

int
netguard_url(const struct netguard *g, const char *url, char *host,
    unsigned *port, char *pin, char *err, size_t errlen)
{
	CURLU		*u;
	char		*scheme = NULL, *h = NULL, *p = NULL, *user = NULL;
	uint64_t	 pv = 0;
	int		 rc = -1, listed = 0;

	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK || strparse_u64(p, strlen(p), 1, 65535, &pv) == -1) {
		snprintf(err, errlen, "not a valid http(s) url");
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		snprintf(err, errlen, "the url must be https");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(err, errlen, "the url must not hold credentials "
		    "(use a secret header)");
		goto out;
	}
	if (strlen(h) > NETGUARD_HOST_MAX + 2) {
		snprintf(err, errlen, "host name too long");
		goto out;
	}
	if (netguard_resolve(g, h, (unsigned)pv, pin, &listed, err,
	    errlen) == -1)
		goto out;
	if (strcmp(scheme, "http") == 0 && !listed) {
		snprintf(err, errlen, "the url must be https (plain http only "
		    "for allow-listed hosts)");
		goto out;
	}
	if (host != NULL)
		snprintf(host, NETGUARD_HOST_MAX + 3, "%s", h);
	if (port != NULL)
		*port = (unsigned)pv;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}
