/*
 * proc.h -- start a program in a sandbox of plain POSIX/Linux means, talk
 * to it over pipes, and make sure it (and its process group) is gone
 * afterwards. Knows nothing about MCP; src/mcp/upstream_stdio.c builds on it.
 *
 * What proc_spawn() guarantees for the child, in this order, before
 * execve() (fork + execve, never a shell):
 *  - signal mask emptied and every ignored signal reset to SIG_DFL (a
 *    worker that ignores SIGPIPE must not hand that on);
 *  - a new session, so its own process group (pgid == sid == pid): one
 *    kill(-pid, sig) reaches everything it starts that does not leave
 *    the group itself;
 *  - with isolate: started with clone(CLONE_NEWPID | CLONE_NEWNS |
 *    CLONE_NEWIPC) instead of fork(), it is pid 1 of its own pid namespace
 *    (when it exits the kernel kills everything left in there, group or
 *    not), sees a /proc of that namespace only (no other process's
 *    environ or cmdline), and hide_dir is an empty tmpfs except for the
 *    bind-mounted workdir (other tenants' directories are invisible).
 *    Being pid 1, it ignores signals it has no handler for, SIGKILL
 *    aside;
 *  - fds 0/1/2 are the three pipes, every other fd is closed
 *    (close_range(2), with a loop as fallback);
 *  - RLIMIT_CORE 0 and the RLIMIT_CPU / DATA / NOFILE / NPROC / FSIZE
 *    given (soft == hard; 0 leaves a limit as inherited; never raised
 *    above the current hard limit). With fsize_bytes, SIGXFSZ is left
 *    ignored (the one disposition not reset), so a write past the limit
 *    fails with EFBIG instead of killing the child; a program may set
 *    its own handler again;
 *  - credentials: when uid and gid are not PROC_ID_KEEP (both or
 *    neither), supplementary groups dropped, then setresgid, then
 *    setresuid (needs root or CAP_SETUID/CAP_SETGID). Whatever was asked,
 *    a child with a real/effective/saved uid or gid 0, or in group 0, is
 *    never exec'd;
 *  - chdir(workdir) as the final user, umask 077;
 *  - prctl(PR_SET_PDEATHSIG, SIGKILL) after the credential change (a
 *    credential change clears it), then a getppid() check for the race
 *    where the parent died first: the child dies with the thread that
 *    forked it;
 *  - prctl(PR_SET_NO_NEW_PRIVS): setuid binaries and file capabilities
 *    cannot raise its privileges;
 *  - with sandbox: Landlock and seccomp as prepared by sandbox_prepare()
 *    (lib/sandbox.h), applied last;
 *  - execve(file, argv, envp) with exactly the environment given.
 * A failure in any step is reported back through a close-on-exec pipe, so
 * proc_spawn() returns -1 with "cannot <step>: <strerror>" in err and the
 * failed child already reaped.
 *
 * The parent's ends (in_fd: child's stdin, out_fd: its stdout, err_fd: its
 * stderr) are O_NONBLOCK and O_CLOEXEC. proc_write() never raises SIGPIPE.
 *
 * Ending a child: proc_kill() is the orderly path (close stdin, wait up to
 * grace_ms, SIGTERM the group, wait up to grace_ms, SIGKILL the group,
 * reap). proc_release() is the hard path (SIGKILL the group, reap). Both
 * signal the group before reaping its leader, so the pid cannot have been
 * reused. Both close the parent's fds and leave the struct initialised.
 * The caller must not set SIGCHLD to SIG_IGN (children would be reaped
 * behind its back; proc copes, but loses exit statuses).
 *
 * Not covered by this layer (see docs/internals/proc.md): a grandchild
 * that calls setsid() itself leaves the group; PDEATHSIG reaches only the
 * direct child. Use a cgroup (systemd KillMode=control-group) for those.
 */
#ifndef MCP_PROC_H
#define MCP_PROC_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stddef.h>

struct sandbox;

#define PROC_ID_KEEP	((uid_t)-1)	/* proc_spec uid/gid: do not switch */

struct proc_limits {
	rlim_t	 cpu_s;		/* RLIMIT_CPU, seconds, child lifetime */
	rlim_t	 data_bytes;	/* RLIMIT_DATA: writable private memory
				   (not RLIMIT_AS: V8 reserves ~10 GiB of
				   address space per WebAssembly memory) */
	rlim_t	 nofile;	/* RLIMIT_NOFILE */
	rlim_t	 nproc;		/* RLIMIT_NPROC: counts every process and
				   thread of the uid, system-wide */
	rlim_t	 fsize_bytes;	/* RLIMIT_FSIZE: the largest file the
				   child may write (one file, not the sum);
				   SIGXFSZ ignored, see above */
};

struct proc_spec {
	const char	 *file;		/* absolute path (see proc_resolve) */
	const char *const *argv;	/* argv[0] included, NULL-terminated */
	const char *const *envp;	/* the whole environment,
					   NULL-terminated */
	const char	 *workdir;	/* NULL: stay in the parent's cwd */
	uid_t		  uid;		/* PROC_ID_KEEP: the parent's */
	gid_t		  gid;		/* PROC_ID_KEEP: the parent's */
	struct proc_limits lim;		/* 0 fields: inherited */
	int		  isolate;	/* 1: own pid, mount and IPC namespaces
					   (needs root / CAP_SYS_ADMIN) */
	const char	 *hide_dir;	/* isolate only, may be NULL: covered
					   by an empty tmpfs; workdir, when
					   below it, is bound back */
	const struct sandbox *sandbox;	/* NULL: none; borrowed, read in
					   the child only */
};

struct proc {
	pid_t	 pid;		/* also the pgid and sid; -1: none */
	int	 in_fd;		/* write end of the child's stdin, or -1 */
	int	 out_fd;	/* read end of the child's stdout, or -1 */
	int	 err_fd;	/* read end of the child's stderr, or -1 */
	int	 status;	/* waitpid status once reaped */
	int	 reaped;	/* 1: status is valid (or unknown: ECHILD) */
};

void	 proc_init(struct proc *);

/* 0, or -1 with a lowercase reason in err. p must be initialised. */
int	 proc_spawn(struct proc *, const struct proc_spec *, char *err,
	    size_t errlen);

/*
 * 1 when the child has exited: its group is SIGKILLed (what it left
 * behind goes too) and it is reaped, status saved. 0 while it runs
 * (and when there is no child: pid == -1 returns 1).
 */
int	 proc_exited(struct proc *);

/* Wait up to ms for the child to exit (then as proc_exited). 1 or 0. */
int	 proc_wait(struct proc *, unsigned ms);

/* Send sig to the child's whole process group. 0 or -1 (errno). */
int	 proc_signal(const struct proc *, int sig);

void	 proc_close_stdin(struct proc *);
/* Close the parent's three pipe ends (the child's EOF on stdin, EPIPE on
 * output); the child is left running, to be waited for or killed. */
void	 proc_close_pipes(struct proc *);

/* Orderly end, bounded by about 2 * grace_ms; see above. */
void	 proc_kill(struct proc *, unsigned grace_ms);

/* Orderly end of n children at once, bounded by about 2 * grace_ms. */
void	 proc_kill_many(struct proc *const *, size_t n, unsigned grace_ms);

/* Hard end: SIGKILL the group, reap, close fds. Accepts a struct with no
 * child. */
void	 proc_release(struct proc *);

/*
 * Async-signal-safe: SIGKILL the group of the child, nothing else (no
 * reaping, no freeing). For a fatal-signal path right before _exit().
 */
void	 proc_kill_signal_safe(const struct proc *);

/*
 * write(2) to a non-blocking pipe without SIGPIPE: the number of bytes
 * written (possibly 0 when the pipe is full: errno EAGAIN), or -1 with
 * errno (EPIPE when the reader is gone).
 */
ssize_t	 proc_write(int fd, const void *, size_t);

/*
 * Resolve name as execvp would, but only in the colon-separated list dirs
 * (never the caller's PATH, never the cwd): an absolute name is checked
 * as is; a name with a '/' that is not absolute is refused. The result is
 * a regular file with an execute bit. 0 and the path in out, or -1.
 */
int	 proc_resolve(const char *name, const char *dirs, char *out,
	    size_t outlen);

/*
 * Make dir (absolute) and its missing parents. Parents are created 0711
 * (others may traverse, not list); dir itself ends up a real directory
 * (not a symlink), mode 0700, owned by uid/gid when those are not
 * PROC_ID_KEEP (which needs root). 0, or -1 with a reason in err.
 */
int	 proc_mkdirs(const char *dir, uid_t uid, gid_t gid, char *err,
	    size_t errlen);

/*
 * Disk use below dir (absolute), as du(1) counts it: st_blocks * 512 of
 * dir and of every entry below it, symlinks not followed (a symlink
 * counts itself, a hard link once per name, a mount point below dir is
 * not crossed). Bounded: the walk stops as soon as the sum exceeds
 * stop_at (0: no early stop), and fails past max_entries entries or
 * max_depth levels. 0 and the sum in *bytes (> stop_at when it stopped
 * early; 0 when dir does not exist), or -1 with a reason in err (too
 * many entries, too deep, an unreadable directory).
 */
int	 proc_dir_usage(const char *dir, unsigned long long stop_at,
	    size_t max_entries, unsigned max_depth,
	    unsigned long long *bytes, char *err, size_t errlen);

/* "exited with status N" / "killed by signal N (NAME)" into out. */
void	 proc_describe_status(int status, char *out, size_t outlen);

#endif /* MCP_PROC_H */
