/*
 * stdio_sandbox.h -- the sandbox policy of a hosted stdio MCP server
 * (issue 9, docs/security.md "The stdio sandbox"): which paths it may
 * read, which it may write, which network it may use, built on the
 * kernel mechanism in lib/sandbox.h.
 *
 * A child may read (and execute) only:
 *  - the system: /usr, /bin, /sbin, /lib*, the few /etc files a program
 *    needs to run and resolve names (ld.so.cache, ssl, ca-certificates,
 *    resolv.conf, hosts, nsswitch.conf, passwd, group, localtime, ...),
 *    /dev/urandom and /dev/random, /proc (other processes' mem and
 *    environ stay closed: Landlock's ptrace rule), /sys/fs/cgroup and
 *    /sys/devices/system/cpu;
 *  - its program: the directory of the resolved argv[0] and of every
 *    other argv entry that is an absolute path (a script), every directory
 *    of stdio_path, and, for one named ".bin" (npm's layout), the
 *    directory above it (its node_modules);
 *  - the operator's stdio_read_paths and the catalog entry's read_paths;
 * and may write only its working directory
 * (<data_dir>/tenants/<tenant>/<alias>) and /dev/null. Network per the
 * entry (enum sandbox_net: the catalog's loopback-denied is SANDBOX_NET_PORTS).
 *
 * Modes (stdio_sandbox): off: none of this; best: every layer the kernel
 * has, and each missing one said once in the error log; require: a child
 * whose entry needs a missing layer is not started (the caller gets
 * UPSTREAM_STDIO_SPAWN_FAILED, the client a JSON-RPC error).
 */
#ifndef MCP_STDIO_SANDBOX_H
#define MCP_STDIO_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "product_limits.h"
#include "sandbox.h"

#define STDIO_SANDBOX_DEFAULT_PORT	443	/* loopback-denied egress */

struct stdio_sandbox {
	int			 active;	/* 1: apply sb */
	struct sandbox		 sb;
	struct sandbox_policy	 pol;
	char			*read[LIMIT_SANDBOX_PATHS + 1];
	size_t			 n_read;
	const char		*write[3];
	uint16_t		 ports[LIMIT_SANDBOX_PORTS];
};

/* What one child's sandbox is built from (upstream_stdio.c fills it from
 * the spec and the options). */
struct stdio_sandbox_in {
	enum sandbox_mode	 mode;		/* stdio_sandbox */
	const char		*file;		/* the resolved program */
	const char *const	*argv;		/* NULL-terminated */
	const char		*workdir;	/* the one writable directory */
	const char		*path;		/* stdio_path, colon-separated */
	const char		*read_paths;	/* stdio_read_paths, colon-
						   separated; may be NULL */
	const char *const	*entry_paths;	/* the entry's read_paths,
						   NULL-terminated; may be
						   NULL */
	enum sandbox_net	 net;		/* the entry's network mode */
	const uint16_t		*ports;		/* SANDBOX_NET_PORTS: the
						   egress ports; NULL: 443 */
	size_t			 n_ports;
};

void	 stdio_sandbox_init(struct stdio_sandbox *);
void	 stdio_sandbox_release(struct stdio_sandbox *);

/* What this kernel offers, probed on the first call, once per worker. */
const struct sandbox_support *stdio_sandbox_support(void);

/*
 * Build the sandbox for one child, as in says, on
 * a kernel offering sup (stdio_sandbox_support(); tests pass what a
 * lesser kernel would). 0 (ss->active says whether there is one to
 * apply), or -1 with a reason in detail (require and a layer missing;
 * too many paths or ports). With best, each layer sup lacks is said once
 * per process in the log (warn), whatever sup the later calls pass.
 */
int	 stdio_sandbox_build(struct stdio_sandbox *,
	    const struct stdio_sandbox_in *, const struct sandbox_support *sup,
	    char *detail, size_t dl);


#endif /* MCP_STDIO_SANDBOX_H */
