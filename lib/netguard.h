/*
 * netguard.h -- which network addresses an outbound connection to a URL
 * someone else supplied may reach (server-side request forgery guard).
 *
 * Knows nothing of tenants: a caller that takes a URL from a party it does
 * not trust (a tenant's own MCP server) checks it with netguard_url() when
 * the URL is registered, and hands a struct netguard to httpc (the
 * request's guard) so that every connection is checked again: the host is
 * resolved once, EVERY address it resolves to must be allowed (one bad
 * address refuses the host), the first one is pinned (CURLOPT_RESOLVE)
 * and every socket curl opens is checked again (CURLOPT_OPENSOCKETFUNCTION),
 * so a DNS answer that changes between the check and the connection (DNS
 * rebinding) cannot reach a refused address.
 *
 * Refused address classes (netguard_classify):
 *   IPv4  0.0.0.0/8 unspecified, 127/8 loopback, 10/8 172.16/12
 *         192.168/16 private, 100.64/10 CGNAT, 169.254.169.254 metadata,
 *         169.254/16 link-local, 224/4 multicast, 240/4 and
 *         255.255.255.255 reserved, 192.0.0/24 192.0.2/24 198.18/15
 *         198.51.100/24 203.0.113/24 reserved (protocol, documentation,
 *         benchmarking)
 *   IPv6  :: unspecified, ::1 loopback, fd00:ec2::254 metadata, fc00::/7
 *         private (ULA), fec0::/10 private (site-local), fe80::/10
 *         link-local, ff00::/8 multicast, 2001:db8::/32 100::/64 2001::/32
 *         (Teredo) and ::/96 (IPv4-compatible) reserved; ::ffff:0:0/96
 *         (IPv4-mapped), 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) are
 *         judged by the IPv4 address they carry.
 * Everything else is NETGUARD_PUBLIC.
 *
 * Host names are resolved with getaddrinfo(), so every spelling the C
 * library accepts for an IPv4 address (2130706433, 0x7f.1, 0177.0.0.1,
 * 127.1) is judged by the address it means, and a trailing dot changes
 * nothing. IPv6 literals may be bracketed.
 *
 * The operator's allow-list (netguard_parse): entries separated by commas
 * or blanks, each one of
 *   name          a host name (lowercase, trailing dot ignored): any port
 *   name:port     that host name on that port only
 *   address       an IPv4 or IPv6 address (v6 bracketed when a port
 *                 follows): any port
 *   address:port  ([v6]:port) that address on that port only
 *   cidr          a.b.c.d/n or v6/n: any address in it, any port
 * A URL whose host name is listed (with its port, if the entry has one)
 * passes whatever it resolves to; otherwise each address must be public
 * or listed. Plain http is allowed only when the host (or every address)
 * is allow-listed.
 *
 * Errors: -1 with one lowercase line in err naming the host, the address
 * and its class (never a secret: URLs given here must not carry
 * credentials -- netguard_url refuses userinfo).
 *
 * Ownership: struct netguard is plain data (no pointers); copy freely.
 */
#ifndef MCP_NETGUARD_H
#define MCP_NETGUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib_limits.h"

#define NETGUARD_HOST_MAX	253	/* DNS name, trailing dot dropped */
#define NETGUARD_ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

enum netguard_class {
	NETGUARD_PUBLIC = 0,
	NETGUARD_UNSPECIFIED,
	NETGUARD_LOOPBACK,
	NETGUARD_PRIVATE,
	NETGUARD_CGNAT,
	NETGUARD_LINKLOCAL,
	NETGUARD_METADATA,
	NETGUARD_MULTICAST,
	NETGUARD_RESERVED,
	NETGUARD__MAX
};

struct netguard_entry {
	char		 host[NETGUARD_HOST_MAX + 1];	/* "" for addresses */
	int		 family;	/* AF_INET / AF_INET6 for addresses */
	uint8_t		 addr[16];	/* network order, v4 in the first 4 */
	unsigned	 prefix;	/* bits */
	unsigned	 port;		/* 0: any */
};

struct netguard {
	struct netguard_entry	 allow[LIMIT_NETGUARD_ALLOW];
	size_t			 n_allow;
};

/* The class of one address (AF_INET or AF_INET6 sockaddr). */
enum netguard_class netguard_classify(const struct sockaddr *);
/* Same, from 4 or 16 bytes in network order. */
enum netguard_class netguard_classify_raw(int family, const uint8_t *addr);
/* "public", "loopback", "private", ... */
const char	*netguard_class_name(enum netguard_class);

/* Parse the allow-list text into g (emptied first). 0, or -1 with err. */
int	 netguard_parse(struct netguard *g, const char *list, char *err,
	    size_t errlen);

/* 1 when the address (with its port) is allow-listed or public. */
int	 netguard_addr_ok(const struct netguard *g, const struct sockaddr *sa,
	    unsigned port);

/*
 * Resolve host (a name or literal, brackets and a trailing dot allowed)
 * for port, check every address and write the first one, as text, to
 * pin (NETGUARD_ADDR_STRLEN bytes). *listed = 1 when the host name itself
 * (or every address) is allow-listed. 0, or -1 with err.
 */
int	 netguard_resolve(const struct netguard *g, const char *host,
	    unsigned port, char *pin, int *listed, char *err, size_t errlen);

/*
 * A URL someone supplied: http or https only, no userinfo, a host; http
 * only when allow-listed; then netguard_resolve. host (NETGUARD_HOST_MAX
 * + 3 bytes, as curl spells it, brackets kept for v6), *port and pin are
 * filled when not NULL. 0, or -1 with err.
 */
int	 netguard_url(const struct netguard *g, const char *url, char *host,
	    unsigned *port, char *pin, char *err, size_t errlen);

#endif /* MCP_NETGUARD_H */
