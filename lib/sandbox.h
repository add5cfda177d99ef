/*
 * sandbox.h -- kernel sandboxing for a child between fork() and execve(),
 * with no root and no container runtime: Landlock (filesystem, TCP ports,
 * scopes) and a seccomp-bpf deny-list. Knows nothing about MCP or
 * tenants: the caller says which paths and ports (src/stdio_sandbox.c).
 *
 *     struct sandbox_support sup;
 *     struct sandbox sb;
 *     sandbox_probe(&sup);
 *     if (sandbox_prepare(&sb, &policy, sup.landlock_abi, err, errlen) ...
 *     proc_spec.sandbox = &sb;       (lib/proc.h applies it in the child)
 *
 * Layers, each applied only when the policy asks for it:
 *  - Landlock (Linux >= 5.13, unprivileged): every filesystem access
 *    right the kernel's ABI knows is denied but below the policy's paths:
 *    read_paths get read + execute (+ list for directories), write_paths
 *    everything the ABI knows. A path is opened (O_PATH, following
 *    symlinks) in the child; one that does not exist is skipped. Best
 *    effort by ABI version: REFER needs ABI 2, TRUNCATE 3, TCP rules 4,
 *    IOCTL_DEV 5, the abstract-Unix-socket and signal scopes 6; rights
 *    the kernel lacks are masked off, the rest still applies.
 *    TCP (ABI >= 4): SANDBOX_NET_PORTS allows connect() to the listed
 *    ports only -- by PORT, on every address, loopback included -- and no
 *    bind(); SANDBOX_NET_NONE allows neither. Landlock does not see UDP,
 *    nor connect() to a pathname Unix socket.
 *    The domain also confines ptrace: the child cannot ptrace, nor open
 *    /proc/<pid>/{mem,environ,...} of, a process outside its domain (its
 *    parent, its siblings, which each get a domain of their own).
 *  - seccomp (SECCOMP_MODE_FILTER, x86_64 and aarch64): a foreign
 *    architecture (x32 included) kills the process; ptrace, mount and
 *    the new mount API, kexec, bpf, the key syscalls, perf_event_open,
 *    userfaultfd, module loading, process_vm_*, setns, open_by_handle_at,
 *    reboot, swapon/off, acct, io_uring, ... fail with EPERM; clone or
 *    unshare with CLONE_NEWUSER fails with EPERM; clone3 fails with
 *    ENOSYS (its flags cannot be inspected; libc falls back to clone).
 *    SANDBOX_NET_NONE: socket() fails with EPERM (socketpair() works);
 *    SANDBOX_NET_PORTS: socket() only for AF_INET/AF_INET6 with protocol
 *    0, TCP or UDP -- no Unix, netlink, packet or other socket.
 *
 * Both need no_new_privs, which the caller sets first (lib/proc.c does).
 */
#ifndef MCP_SANDBOX_H
#define MCP_SANDBOX_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "lib_limits.h"

/*
 * How a caller treats a layer this kernel lacks: off applies nothing; best
 * applies what the kernel has (the caller says once what it lacks);
 * require refuses to start the child.
 */
enum sandbox_mode {
	SANDBOX_MODE_OFF = 0,
	SANDBOX_MODE_BEST,
	SANDBOX_MODE_REQUIRE,
	SANDBOX_MODE__MAX
};

enum sandbox_net {
	SANDBOX_NET_ANY,	/* no network restriction */
	SANDBOX_NET_PORTS,	/* TCP connect to ports[] only, no bind */
	SANDBOX_NET_NONE,	/* no socket() at all */
	SANDBOX_NET__MAX
};

struct sandbox_policy {
	int		 landlock;	/* 1: filesystem/network rules */
	int		 seccomp;	/* 1: the system-call filter */
	const char *const *read_paths;	/* NULL-terminated, may be NULL;
					   absolute */
	const char *const *write_paths;	/* NULL-terminated, may be NULL */
	enum sandbox_net net;
	const uint16_t	*ports;		/* SANDBOX_NET_PORTS only */
	size_t		 n_ports;
};

/* What this kernel offers. */
struct sandbox_support {
	int	 landlock_abi;	/* 0: none */
	int	 seccomp;	/* 1: filter mode usable (and arch known) */
};

/*
 * Prepared in the parent (it holds the filter program), read by the
 * child. Borrows the policy's paths and ports: keep them alive until the
 * child has exec'd. Caller-allocated; no release needed.
 */
struct sandbox {
	const struct sandbox_policy *pol;
	int		 abi;		/* Landlock ABI used; 0: no Landlock */
	uint64_t	 fs_handled;
	uint64_t	 fs_read_dir, fs_read_file;
	uint64_t	 fs_write_dir, fs_write_file;
	uint64_t	 net_handled;	/* 0: TCP not restricted */
	uint64_t	 scoped;
	int		 seccomp;	/* 1: install filter[] */
	unsigned short	 filter_len;
	struct sock_filter filter[LIMIT_SANDBOX_BPF];
};

void	 sandbox_probe(struct sandbox_support *);

/* "off", "best", "require" (NULL for a bad value); parse: 0 or -1. */
const char *sandbox_mode_name(enum sandbox_mode);
int	 sandbox_mode_parse(const char *, enum sandbox_mode *);

/*
 * 1 when an unprivileged user namespace can be created here (forks a
 * probe child; for diagnostics, not the spawn path).
 */
int	 sandbox_userns_available(void);

/*
 * Build sb for pol on a kernel with Landlock ABI abi (0: Landlock not
 * used even if pol->landlock). 0, or -1 with a reason in err (too many
 * paths or ports, seccomp asked on an unknown architecture).
 */
int	 sandbox_prepare(struct sandbox *, const struct sandbox_policy *,
	    int abi, char *err, size_t errlen);

/* 1 when sb restricts TCP as pol->net asks (always for ANY). */
int	 sandbox_net_enforced(const struct sandbox *);

/*
 * Child only, after prctl(PR_SET_NO_NEW_PRIVS): apply Landlock, then
 * seccomp. Async-signal-safe (system calls only). 0, or -1 with errno.
 */
int	 sandbox_apply(const struct sandbox *);

#endif /* MCP_SANDBOX_H */
