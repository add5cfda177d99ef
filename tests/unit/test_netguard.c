/*
 * test_netguard.c -- address classes, allow-list parsing, resolve-and-
 * check (literal spellings only: no DNS beyond "localhost") and URLs.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <curl/curl.h>

#include "netguard.h"
#include "t.h"

static enum netguard_class
cls(const char *a)
{
	uint8_t	 b[16];

	if (inet_pton(AF_INET, a, b) == 1)
		return netguard_classify_raw(AF_INET, b);
	if (inet_pton(AF_INET6, a, b) == 1)
		return netguard_classify_raw(AF_INET6, b);
	return NETGUARD__MAX;
}

static void
test_classes(void)
{
	static const struct {
		int			 line;
		const char		*a;
		enum netguard_class	 c;
	} cases[] = {
		{ __LINE__, "8.8.8.8", NETGUARD_PUBLIC },
		{ __LINE__, "1.1.1.1", NETGUARD_PUBLIC },
		{ __LINE__, "0.0.0.0", NETGUARD_UNSPECIFIED },
		{ __LINE__, "0.1.2.3", NETGUARD_UNSPECIFIED },
		{ __LINE__, "127.0.0.1", NETGUARD_LOOPBACK },
		{ __LINE__, "127.255.255.254", NETGUARD_LOOPBACK },
		{ __LINE__, "10.0.0.1", NETGUARD_PRIVATE },
		{ __LINE__, "172.16.0.1", NETGUARD_PRIVATE },
		{ __LINE__, "172.31.255.255", NETGUARD_PRIVATE },
		{ __LINE__, "172.32.0.1", NETGUARD_PUBLIC },
		{ __LINE__, "172.15.255.255", NETGUARD_PUBLIC },
		{ __LINE__, "192.168.1.1", NETGUARD_PRIVATE },
		{ __LINE__, "100.64.0.1", NETGUARD_CGNAT },
		{ __LINE__, "100.127.255.255", NETGUARD_CGNAT },
		{ __LINE__, "100.128.0.1", NETGUARD_PUBLIC },
		{ __LINE__, "169.254.169.254", NETGUARD_METADATA },
		{ __LINE__, "169.254.1.1", NETGUARD_LINKLOCAL },
		{ __LINE__, "224.0.0.1", NETGUARD_MULTICAST },
		{ __LINE__, "239.255.255.250", NETGUARD_MULTICAST },
		{ __LINE__, "240.0.0.1", NETGUARD_RESERVED },
		{ __LINE__, "255.255.255.255", NETGUARD_RESERVED },
		{ __LINE__, "192.0.2.1", NETGUARD_RESERVED },
		{ __LINE__, "198.18.0.1", NETGUARD_RESERVED },
		{ __LINE__, "203.0.113.7", NETGUARD_RESERVED },
		{ __LINE__, "::", NETGUARD_UNSPECIFIED },
		{ __LINE__, "::1", NETGUARD_LOOPBACK },
		{ __LINE__, "::ffff:127.0.0.1", NETGUARD_LOOPBACK },
		{ __LINE__, "::ffff:7f00:1", NETGUARD_LOOPBACK },
		{ __LINE__, "::ffff:169.254.169.254", NETGUARD_METADATA },
		{ __LINE__, "::ffff:10.0.0.1", NETGUARD_PRIVATE },
		{ __LINE__, "::ffff:8.8.8.8", NETGUARD_PUBLIC },
		{ __LINE__, "64:ff9b::10.0.0.1", NETGUARD_PRIVATE },
		{ __LINE__, "64:ff9b::8.8.8.8", NETGUARD_PUBLIC },
		{ __LINE__, "2002:7f00:1::", NETGUARD_LOOPBACK },
		{ __LINE__, "2002:0808:0808::", NETGUARD_PUBLIC },
		{ __LINE__, "::127.0.0.1", NETGUARD_RESERVED },
		{ __LINE__, "fd00:ec2::254", NETGUARD_METADATA },
		{ __LINE__, "fd12:3456::1", NETGUARD_PRIVATE },
		{ __LINE__, "fc00::1", NETGUARD_PRIVATE },
		{ __LINE__, "fe80::1", NETGUARD_LINKLOCAL },
		{ __LINE__, "febf::1", NETGUARD_LINKLOCAL },
		{ __LINE__, "fec0::1", NETGUARD_PRIVATE },
		{ __LINE__, "ff02::1", NETGUARD_MULTICAST },
		{ __LINE__, "2001:db8::1", NETGUARD_RESERVED },
		{ __LINE__, "2001::1", NETGUARD_RESERVED },
		{ __LINE__, "100::1", NETGUARD_RESERVED },
		{ __LINE__, "2606:4700:4700::1111", NETGUARD_PUBLIC },
		{ __LINE__, "2a00:1450:4001::200e", NETGUARD_PUBLIC },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_LINE(cls(cases[i].a) == cases[i].c, cases[i].line);
	T(strcmp(netguard_class_name(NETGUARD_METADATA), "metadata") == 0);
}

static void
test_parse(void)
{
	struct netguard	 g;
	char		 err[160];

	T(netguard_parse(&g, "", err, sizeof(err)) == 0 && g.n_allow == 0);
	T(netguard_parse(&g, NULL, err, sizeof(err)) == 0);
	T(netguard_parse(&g, "127.0.0.1, 10.0.0.0/8 [::1]:8443,"
	    "Internal.Example.:443 fd00::/8 mcp.example 127.0.0.2:99", err,
	    sizeof(err)) == 0);
	T(g.n_allow == 7);
	T(g.allow[0].family == AF_INET && g.allow[0].prefix == 32);
	T(g.allow[1].prefix == 8);
	T(g.allow[2].family == AF_INET6 && g.allow[2].port == 8443);
	T(strcmp(g.allow[3].host, "internal.example") == 0 &&
	    g.allow[3].port == 443);
	T(g.allow[4].family == AF_INET6 && g.allow[4].prefix == 8);
	T(g.allow[6].port == 99);
	T(netguard_parse(&g, "10.0.0.0/33", err, sizeof(err)) == -1);
	T(netguard_parse(&g, "host:0", err, sizeof(err)) == -1);
	T(netguard_parse(&g, "host:65536", err, sizeof(err)) == -1);
	T(netguard_parse(&g, "ho$t", err, sizeof(err)) == -1);
	T(netguard_parse(&g, "name/8", err, sizeof(err)) == -1);
	T(strstr(err, "name/8") != NULL);
}

/* netguard_resolve on literal spellings (getaddrinfo, no DNS). */
static void
test_resolve(void)
{
	static const struct {
		int		 line;
		const char	*host;
		int		 rc;	/* without the allow-list */
	} cases[] = {
		{ __LINE__, "8.8.8.8", 0 },
		{ __LINE__, "127.0.0.1", -1 },
		{ __LINE__, "2130706433", -1 },		/* 127.0.0.1 */
		{ __LINE__, "0x7f.1", -1 },
		{ __LINE__, "0x7f000001", -1 },
		{ __LINE__, "0177.0.0.1", -1 },
		{ __LINE__, "127.1", -1 },
		{ __LINE__, "[::1]", -1 },
		{ __LINE__, "[::ffff:127.0.0.1]", -1 },
		{ __LINE__, "::ffff:169.254.169.254", -1 },
		{ __LINE__, "169.254.169.254", -1 },
		{ __LINE__, "2852039166", -1 },		/* 169.254.169.254 */
		{ __LINE__, "10.0.0.1", -1 },
		{ __LINE__, "012.0.0.1", -1 },		/* octal 10.0.0.1 */
		{ __LINE__, "0", -1 },			/* 0.0.0.0 */
		{ __LINE__, "[fd00:ec2::254]", -1 },
		{ __LINE__, "localhost", -1 },
		{ __LINE__, "localhost.", -1 },
		{ __LINE__, "LOCALHOST", -1 },
		{ __LINE__, "", -1 },
	};
	struct netguard	 g, allow;
	char		 err[160], pin[NETGUARD_ADDR_STRLEN];
	size_t		 i;
	int		 listed;

	netguard_parse(&g, "", err, sizeof(err));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_LINE(netguard_resolve(&g, cases[i].host, 443, pin, &listed,
		    err, sizeof(err)) == cases[i].rc, cases[i].line);
	T(netguard_resolve(&g, "8.8.8.8", 443, pin, &listed, err,
	    sizeof(err)) == 0 && strcmp(pin, "8.8.8.8") == 0 && !listed);
	T(netguard_resolve(&g, "0x7f.1", 443, pin, &listed, err,
	    sizeof(err)) == -1 && strstr(err, "127.0.0.1") != NULL &&
	    strstr(err, "loopback") != NULL);

	/* The allow-list: an address, a port-bound address, a name. */
	T(netguard_parse(&allow, "127.0.0.1 10.1.0.0/16:8080 localhost:9", err,
	    sizeof(err)) == -1);	/* a CIDR takes no port */
	T(netguard_parse(&allow, "127.0.0.1, 10.0.0.1:8080, localhost:9",
	    err, sizeof(err)) == 0);
	T(netguard_resolve(&allow, "127.0.0.1", 5, pin, &listed, err,
	    sizeof(err)) == 0 && listed && strcmp(pin, "127.0.0.1") == 0);
	T(netguard_resolve(&allow, "2130706433", 5, pin, &listed, err,
	    sizeof(err)) == 0 && listed);
	T(netguard_resolve(&allow, "[::ffff:127.0.0.1]", 5, pin, &listed,
	    err, sizeof(err)) == 0);
	T(netguard_resolve(&allow, "10.0.0.1", 8080, pin, &listed, err,
	    sizeof(err)) == 0);
	T(netguard_resolve(&allow, "10.0.0.1", 8081, pin, &listed, err,
	    sizeof(err)) == -1);
	T(netguard_resolve(&allow, "localhost.", 9, pin, &listed, err,
	    sizeof(err)) == 0 && listed);
	T(netguard_resolve(&allow, "127.0.0.2", 5, pin, &listed, err,
	    sizeof(err)) == -1);
}

static void
test_addr_ok(void)
{
	struct netguard		 g;
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	char			 err[160];

	netguard_parse(&g, "127.0.0.1:8080", err, sizeof(err));
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	T(netguard_addr_ok(&g, (struct sockaddr *)&s4, 8080));
	T(!netguard_addr_ok(&g, (struct sockaddr *)&s4, 8081));
	T(!netguard_addr_ok(NULL, (struct sockaddr *)&s4, 8080));
	inet_pton(AF_INET, "93.184.216.34", &s4.sin_addr);
	T(netguard_addr_ok(NULL, (struct sockaddr *)&s4, 1));
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	T(netguard_addr_ok(&g, (struct sockaddr *)&s6, 8080));
	T(!netguard_addr_ok(NULL, (struct sockaddr *)&s6, 8080));
	T(netguard_classify((struct sockaddr *)&s6) == NETGUARD_LOOPBACK);
}

static void
test_url(void)
{
	struct netguard	 g, allow;
	char		 err[160], host[NETGUARD_HOST_MAX + 3];
	char		 pin[NETGUARD_ADDR_STRLEN];
	unsigned	 port;

	netguard_parse(&g, "", err, sizeof(err));
	netguard_parse(&allow, "127.0.0.1", err, sizeof(err));
	T(netguard_url(&g, "https://8.8.8.8/mcp", host, &port, pin, err,
	    sizeof(err)) == 0 && port == 443 && strcmp(host, "8.8.8.8") == 0);
	T(netguard_url(&g, "http://8.8.8.8/mcp", host, &port, pin, err,
	    sizeof(err)) == -1 && strstr(err, "https") != NULL);
	T(netguard_url(&g, "ftp://8.8.8.8/", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&g, "https://user:pw@8.8.8.8/", host, &port, pin, err,
	    sizeof(err)) == -1 && strstr(err, "pw") == NULL);
	T(netguard_url(&g, "https://127.0.0.1:9/", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&g, "https://0x7f.1/", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&g, "https://2130706433/", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&g, "https://[::ffff:127.0.0.1]/", host, &port, pin,
	    err, sizeof(err)) == -1);
	T(netguard_url(&g, "https://169.254.169.254/latest", host, &port,
	    pin, err, sizeof(err)) == -1 && strstr(err, "metadata") != NULL);
	T(netguard_url(&g, "https://localhost./", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&g, "not a url", host, &port, pin, err,
	    sizeof(err)) == -1);
	T(netguard_url(&allow, "http://127.0.0.1:8080/mcp", host, &port, pin,
	    err, sizeof(err)) == 0 && port == 8080 &&
	    strcmp(pin, "127.0.0.1") == 0);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_classes();
	test_parse();
	test_resolve();
	test_addr_ok();
	test_url();
	curl_global_cleanup();
	return t_done();
}
