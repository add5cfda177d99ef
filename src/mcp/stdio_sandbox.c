/*
 * stdio_sandbox.c -- the sandbox policy of stdio children; see
 * stdio_sandbox.h and docs/security.md ("The stdio sandbox").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "product_limits.h"
#include "mcp/stdio_sandbox.h"

#define MOD	"stdio_sandbox"

/* What any program needs to run, read-only. A missing one is skipped. */
static const char *const stdio_sandbox_system[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
	"/etc/ssl", "/etc/ca-certificates", "/etc/pki",
	"/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf",
	"/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
	"/etc/localtime", "/etc/timezone", "/etc/mime.types",
	"/etc/alternatives",
	"/dev/urandom", "/dev/random", "/dev/zero",
	"/proc", "/sys/fs/cgroup", "/sys/devices/system/cpu",
};

/* Said once per worker: the layers this kernel lacks. */
static int	 stdio_sandbox_said_landlock;
static int	 stdio_sandbox_said_tcp;
static int	 stdio_sandbox_said_seccomp;

static struct sandbox_support	 stdio_sandbox_sup;
static int			 stdio_sandbox_probed;

void
stdio_sandbox_init(struct stdio_sandbox *ss)
{
	memset(ss, 0, sizeof(*ss));
}

void
stdio_sandbox_release(struct stdio_sandbox *ss)
{
	size_t	 i;

	for (i = 0; i < ss->n_read; i++)
		free(ss->read[i]);
	stdio_sandbox_init(ss);
}

/* Append n bytes of p as a read path. 0, or -1 when full / no memory. */
static int
stdio_sandbox_add(struct stdio_sandbox *ss, const char *p, size_t n)
{
	char	*c;

	if (n == 0 || p[0] != '/')
		return 0;	/* relative entries are never trusted */
	if (ss->n_read >= LIMIT_SANDBOX_PATHS)
		return -1;
	if ((c = strndup(p, n)) == NULL)
		return -1;
	ss->read[ss->n_read++] = c;
	return 0;
}

/* A colon-separated list; for a directory named ".bin" also its parent. */
static int
stdio_sandbox_add_list(struct stdio_sandbox *ss, const char *list, int bin)
{
	const char	*p, *e;
	char		 up[LIMIT_PROC_PATH];
	size_t		 n;

	for (p = list; p != NULL && *p != '\0'; p = *e == ':' ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		while (n > 1 && p[n - 1] == '/')
			n--;
		if (stdio_sandbox_add(ss, p, n) == -1)
			return -1;
		if (bin && n > 5 && memcmp(p + n - 5, "/.bin", 5) == 0) {
			/* The kernel resolves "<dir>/.." after any
			 * symlink in <dir>: the real node_modules. */
			if (snprintf(up, sizeof(up), "%.*s/..", (int)n, p) >=
			    (int)sizeof(up))
				return -1;
			if (stdio_sandbox_add(ss, up, strlen(up)) == -1)
				return -1;
		}
	}
	return 0;
}

const struct sandbox_support *
stdio_sandbox_support(void)
{
	if (!stdio_sandbox_probed) {
		sandbox_probe(&stdio_sandbox_sup);
		stdio_sandbox_probed = 1;
	}
	return &stdio_sandbox_sup;
}

int
stdio_sandbox_build(struct stdio_sandbox *ss, const struct stdio_sandbox_in *in,
    const struct sandbox_support *sup, char *detail, size_t dl)
{
	const char	*slash;
	char		 err[128];
	size_t		 i;
	int		 need_tcp, rc = -1;

	stdio_sandbox_release(ss);
	if (in->mode == SANDBOX_MODE_OFF)
		return 0;
	need_tcp = in->net == SANDBOX_NET_PORTS;
	if (in->mode == SANDBOX_MODE_REQUIRE) {
		if (sup->landlock_abi == 0 ||
		    !sup->seccomp ||
		    (need_tcp && sup->landlock_abi < 4)) {
			snprintf(detail, dl, "stdio_sandbox = require, but "
			    "this kernel lacks %s",
			    sup->landlock_abi == 0 ? "Landlock" :
			    !sup->seccomp ? "seccomp" :
			    "Landlock TCP rules (ABI 4)");
			goto out;
		}
	} else {
		if (sup->landlock_abi == 0 &&
		    !stdio_sandbox_said_landlock) {
			log_warn(MOD, "this kernel has no Landlock: stdio "
			    "children are not confined to their files");
			stdio_sandbox_said_landlock = 1;
		}
		if (need_tcp && sup->landlock_abi > 0 &&
		    sup->landlock_abi < 4 &&
		    !stdio_sandbox_said_tcp) {
			log_warn(MOD, "Landlock ABI %d has no TCP rules: "
			    "'loopback-denied' stdio children may connect "
			    "anywhere", sup->landlock_abi);
			stdio_sandbox_said_tcp = 1;
		}
		if (!sup->seccomp &&
		    !stdio_sandbox_said_seccomp) {
			log_warn(MOD, "no seccomp filter on this kernel: "
			    "stdio children keep every system call");
			stdio_sandbox_said_seccomp = 1;
		}
	}

	for (i = 0; i < sizeof(stdio_sandbox_system) /
	    sizeof(stdio_sandbox_system[0]); i++)
		if (stdio_sandbox_add(ss, stdio_sandbox_system[i],
		    strlen(stdio_sandbox_system[i])) == -1)
			goto full;
	if ((slash = strrchr(in->file, '/')) != NULL && slash != in->file &&
	    stdio_sandbox_add(ss, in->file, (size_t)(slash - in->file)) == -1)
		goto full;
	/* A script the entry names by absolute path (node /srv/x/index.js):
	 * its directory. The catalog is the operator's. */
	for (i = 1; in->argv[i] != NULL; i++)
		if (in->argv[i][0] == '/' &&
		    (slash = strrchr(in->argv[i], '/')) != in->argv[i] &&
		    stdio_sandbox_add(ss, in->argv[i],
		    (size_t)(slash - in->argv[i])) == -1)
			goto full;
	if (stdio_sandbox_add_list(ss, in->path, 1) == -1 ||
	    stdio_sandbox_add_list(ss, in->read_paths, 0) == -1)
		goto full;
	for (i = 0; in->entry_paths != NULL && in->entry_paths[i] != NULL;
	    i++)
		if (stdio_sandbox_add(ss, in->entry_paths[i],
		    strlen(in->entry_paths[i])) == -1)
			goto full;
	ss->read[ss->n_read] = NULL;
	ss->write[0] = in->workdir;
	ss->write[1] = "/dev/null";
	ss->write[2] = NULL;

	ss->pol.landlock = 1;
	ss->pol.seccomp = 1;
	ss->pol.read_paths = (const char *const *)ss->read;
	ss->pol.write_paths = ss->write;
	ss->pol.net = in->net;
	switch (in->net) {
	case SANDBOX_NET_NONE:
	case SANDBOX_NET_ANY:
		break;
	default:
		ss->pol.net = SANDBOX_NET_PORTS;
		if (in->n_ports > LIMIT_SANDBOX_PORTS) {
			snprintf(detail, dl, "more than %d egress ports",
			    LIMIT_SANDBOX_PORTS);
			goto out;
		}
		if (in->ports == NULL || in->n_ports == 0) {
			ss->ports[0] = STDIO_SANDBOX_DEFAULT_PORT;
			ss->pol.n_ports = 1;
		} else {
			for (i = 0; i < in->n_ports; i++)
				ss->ports[i] = in->ports[i];
			ss->pol.n_ports = in->n_ports;
		}
		ss->pol.ports = ss->ports;
		break;
	}
	if (!sup->seccomp)
		ss->pol.seccomp = 0;
	if (sandbox_prepare(&ss->sb, &ss->pol, sup->landlock_abi,
	    err, sizeof(err)) == -1) {
		snprintf(detail, dl, "cannot prepare the sandbox: %s", err);
		goto out;
	}
	ss->active = ss->sb.abi > 0 || ss->sb.seccomp;
	rc = 0;
	goto out;
full:
	snprintf(detail, dl, "more than %d sandbox read paths (or out of "
	    "memory)", LIMIT_SANDBOX_PATHS);
out:
	if (rc == -1)
		stdio_sandbox_release(ss);
	return rc;
}
