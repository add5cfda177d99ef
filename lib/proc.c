/*
 * proc.c -- sandboxed child processes over pipes; see proc.h.
 *
 * Between fork() and execve() the child only makes system calls (no
 * malloc, no stdio, no locks): the worker may hold any lock at fork time,
 * and everything the child needs was prepared by the parent.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lib_limits.h"
#include "proc.h"
#include "sandbox.h"

/* What a child that failed before execve() writes to the report pipe. */
enum proc_stage {
	PROC_STAGE_SETSID,
	PROC_STAGE_MOUNT,
	PROC_STAGE_HIDE,
	PROC_STAGE_DUP,
	PROC_STAGE_CLOSE,
	PROC_STAGE_RLIMIT,
	PROC_STAGE_SETGROUPS,
	PROC_STAGE_SETGID,
	PROC_STAGE_SETUID,
	PROC_STAGE_ROOT,
	PROC_STAGE_CHDIR,
	PROC_STAGE_PDEATHSIG,
	PROC_STAGE_PARENT,
	PROC_STAGE_NNP,
	PROC_STAGE_SANDBOX,
	PROC_STAGE_EXEC,
	PROC_STAGE__MAX
};

static const char *const proc_stage_names[PROC_STAGE__MAX] = {
	"start a new session",
	"set up the mount namespace",
	"hide the other directories",
	"set up the standard fds",
	"close inherited fds",
	"set resource limits",
	"drop supplementary groups",
	"switch group",
	"switch user",
	"run as non-root (refused: uid or gid 0)",
	"enter the working directory",
	"set the parent-death signal",
	"outlive the parent (parent already gone)",
	"set no_new_privs",
	"apply the sandbox",
	"execute the program",
};

struct proc_report {
	int	 stage;
	int	 err;
};

static void
proc_close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

void
proc_init(struct proc *p)
{
	p->pid = -1;
	p->in_fd = -1;
	p->out_fd = -1;
	p->err_fd = -1;
	p->status = 0;
	p->reaped = 0;
}

/*
 * A close-on-exec pipe whose ends are both >= 3, so that the child's
 * dup2() onto 0/1/2 can never clobber another of its pipe ends (under
 * FastCGI fd 0 is the listening socket, and a worker may have closed 1/2).
 */
static int
proc_pipe(int fds[2])
{
	int	 i, nfd;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fds[i] >= 3)
			continue;
		nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (nfd == -1) {
			close(fds[0]);
			close(fds[1]);
			fds[0] = fds[1] = -1;
			return -1;
		}
		close(fds[i]);
		fds[i] = nfd;
	}
	return 0;
}

/* 1 when path is strictly below dir (both absolute, no trailing '/'). */
static int
proc_is_below(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	return n > 1 && strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0';
}

static int
proc_set_nonblock(int fd)
{
	int	 fl;

	fl = fcntl(fd, F_GETFL);
	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Child only. Lower (never raise) a limit; v == 0 leaves it alone. */
static int
proc_child_limit(int res, rlim_t v)
{
	struct rlimit	 rl;

	if (v == 0)
		return 0;
	if (getrlimit(res, &rl) == -1)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && v > rl.rlim_max)
		v = rl.rlim_max;
	rl.rlim_cur = v;
	rl.rlim_max = v;
	return setrlimit(res, &rl);
}

/* Child only: close every fd >= 3 except keep. */
static int
proc_child_close_fds(int keep)
{
	struct rlimit	 rl;
	unsigned	 fd, max;

	if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) == -1)
		goto loop;
	if (close_range((unsigned)keep + 1, ~0U, 0) == -1)
		goto loop;
	return 0;
loop:
	/* Kernels before 5.9: the slow way, up to the fd limit. */
	if (errno != ENOSYS)
		return -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ?
	    65536 : (unsigned)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if ((int)fd != keep)
			close((int)fd);
	return 0;
}

/* Child only: 1 when any real/effective/saved/supplementary id is 0. */
static int
proc_child_is_root(void)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg, groups[LIMIT_PROC_GROUPS];
	int	 n, i;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return 1;
	if (ru == 0 || eu == 0 || su == 0 || rg == 0 || eg == 0 || sg == 0)
		return 1;
	n = getgroups(LIMIT_PROC_GROUPS, groups);
	if (n == -1)
		return 1;
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return 1;
	return 0;
}

/*
 * Child only, first process of fresh pid, mount and IPC namespaces, still
 * privileged: a private copy of the mount tree, a /proc that shows only
 * this namespace, and hide_dir covered by an empty tmpfs into which the
 * working directory (opened beforehand as wfd) is bound back.
 */
static int
proc_child_isolate(const struct proc_spec *s, int *stage)
{
	static const char prefix[] = "/proc/self/fd/";
	char	 path[LIMIT_PROC_PATH], fdpath[sizeof(prefix) + 12];
	size_t	 i, hl, wl, nd;
	int	 wfd, v;

	*stage = PROC_STAGE_MOUNT;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) == -1)
		return -1;
	if (s->hide_dir == NULL)
		return 0;
	*stage = PROC_STAGE_HIDE;
	/* Opened in this mount namespace (a bind across namespaces is
	 * EINVAL) before the tmpfs hides it; no snprintf after fork. */
	wfd = -1;
	if (s->workdir != NULL && proc_is_below(s->workdir, s->hide_dir)) {
		wfd = open(s->workdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (wfd == -1)
			return -1;
		memcpy(fdpath, prefix, sizeof(prefix) - 1);
		for (nd = 1, v = wfd; v >= 10; v /= 10)
			nd++;
		for (i = 0, v = wfd; i < nd; i++, v /= 10)
			fdpath[sizeof(prefix) - 1 + nd - 1 - i] =
			    (char)('0' + v % 10);
		fdpath[sizeof(prefix) - 1 + nd] = '\0';
	}
	if (mount("tmpfs", s->hide_dir, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=0711,size=64k,nr_inodes=256") == -1)
		return -1;
	if (wfd == -1)
		return 0;
	/* Recreate the path below hide_dir, then bind the real one. */
	hl = strlen(s->hide_dir);
	wl = strlen(s->workdir);
	if (wl >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, s->workdir, wl + 1);
	for (i = hl + 1; i <= wl; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0711) == -1 && errno != EEXIST)
			return -1;
		if (i < wl)
			path[i] = '/';
	}
	return mount(fdpath, s->workdir, "none", MS_BIND, NULL);
}

static void __attribute__((noreturn))
proc_child(const struct proc_spec *s, int in, int out, int er, int rep,
    pid_t parent)
{
	static const struct rlimit nocore = { 0, 0 };
	/* The kernel's struct sigaction, all zero: SIG_DFL, no flags, empty
	 * mask (zero whatever the architecture's field order). */
	static const unsigned long ksa_dfl[4] = { 0, 0, 0, 0 };
	struct proc_report	 r;
	sigset_t		 all;
	int			 sig;

	/* Default dispositions with everything blocked, then unblock: no
	 * handler of the worker may run in here, and an ignored signal
	 * would stay ignored across execve. The raw system call, because
	 * glibc refuses to touch the signals it reserves (32, 33), which a
	 * web server may well have handed down ignored. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, ksa_dfl, NULL,
			    (size_t)(NSIG / 8));
	/* With a file size limit, a write past it should fail (EFBIG),
	 * not kill the child: SIGXFSZ ignored, which execve keeps. */
	if (s->lim.fsize_bytes != 0)
		signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	r.stage = PROC_STAGE_SETSID;
	if (setsid() == -1)
		goto fail;
	if (s->isolate && proc_child_isolate(s, &r.stage) == -1)
		goto fail;

	r.stage = PROC_STAGE_DUP;
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(er, 2) == -1)
		goto fail;
	r.stage = PROC_STAGE_CLOSE;
	if (proc_child_close_fds(rep) == -1)
		goto fail;

	/* No core files: they would hold the tenant's secrets. */
	r.stage = PROC_STAGE_RLIMIT;
	if (setrlimit(RLIMIT_CORE, &nocore) == -1)
		goto fail;
	if (proc_child_limit(RLIMIT_CPU, s->lim.cpu_s) == -1 ||
	    proc_child_limit(RLIMIT_DATA, s->lim.data_bytes) == -1 ||
	    proc_child_limit(RLIMIT_NOFILE, s->lim.nofile) == -1 ||
	    proc_child_limit(RLIMIT_NPROC, s->lim.nproc) == -1 ||
	    proc_child_limit(RLIMIT_FSIZE, s->lim.fsize_bytes) == -1)
		goto fail;

	if (s->gid != PROC_ID_KEEP) {
		r.stage = PROC_STAGE_SETGROUPS;
		if (setgroups(0, NULL) == -1)
			goto fail;
		r.stage = PROC_STAGE_SETGID;
		if (setresgid(s->gid, s->gid, s->gid) == -1)
			goto fail;
	}
	if (s->uid != PROC_ID_KEEP) {
		r.stage = PROC_STAGE_SETUID;
		if (setresuid(s->uid, s->uid, s->uid) == -1)
			goto fail;
	}
	r.stage = PROC_STAGE_ROOT;
	errno = EPERM;
	if (proc_child_is_root())
		goto fail;

	r.stage = PROC_STAGE_CHDIR;
	if (s->workdir != NULL && chdir(s->workdir) == -1)
		goto fail;
	umask(077);

	/* After the credential change, which clears the setting. */
	r.stage = PROC_STAGE_PDEATHSIG;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		goto fail;
	/* In its own pid namespace the parent is invisible (getppid() is
	 * 0); there the window is covered by stdin's EOF instead. */
	r.stage = PROC_STAGE_PARENT;
	errno = ESRCH;
	if (!s->isolate && getppid() != parent)
		goto fail;

	r.stage = PROC_STAGE_NNP;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		goto fail;

	/* Last: Landlock and seccomp (lib/sandbox.h) need no_new_privs,
	 * and the filter would refuse nothing of the above anyway. */
	r.stage = PROC_STAGE_SANDBOX;
	if (s->sandbox != NULL && sandbox_apply(s->sandbox) == -1)
		goto fail;

	r.stage = PROC_STAGE_EXEC;
	/* execve's prototype predates const; it does not write. */
	execve(s->file, (char *const *)(uintptr_t)s->argv,
	    (char *const *)(uintptr_t)s->envp);
fail:
	r.err = errno;
	/* Nothing to do if this fails: the parent sees a dead child. */
	if (write(rep, &r, sizeof(r)) == -1)
		_exit(127);
	_exit(127);
}

int
proc_spawn(struct proc *p, const struct proc_spec *s, char *err,
    size_t errlen)
{
	struct proc_report	 r;
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 er[2] = { -1, -1 }, rep[2] = { -1, -1 };
	pid_t			 pid, parent;
	ssize_t			 n;
	int			 rc = -1, st;

	if (p->pid != -1) {
		snprintf(err, errlen, "a child is already running");
		return -1;
	}
	if (s->file == NULL || s->file[0] != '/' || s->argv == NULL ||
	    s->argv[0] == NULL || s->envp == NULL) {
		snprintf(err, errlen, "invalid spawn request");
		return -1;
	}
	/* A user without its group would keep the parent's groups. */
	if ((s->uid == PROC_ID_KEEP) != (s->gid == PROC_ID_KEEP)) {
		snprintf(err, errlen, "a user to switch to needs its group");
		return -1;
	}
	/* Never root: refuse early with a clear reason (the child checks
	 * again after switching). */
	if (s->uid == 0 || s->gid == 0 ||
	    (geteuid() == 0 && (s->uid == PROC_ID_KEEP ||
	    s->gid == PROC_ID_KEEP))) {
		snprintf(err, errlen, "refusing to start '%s' as root",
		    s->file);
		return -1;
	}
	if (proc_pipe(in) == -1 || proc_pipe(out) == -1 ||
	    proc_pipe(er) == -1 || proc_pipe(rep) == -1) {
		snprintf(err, errlen, "cannot create pipes: %s",
		    strerror(errno));
		goto out;
	}
	parent = getpid();
	if (s->isolate)
		/* fork() with flags: the child is pid 1 of a new pid
		 * namespace (when it exits, the kernel kills whatever it
		 * left in there) with its own mount and IPC namespaces. */
		pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID |
		    CLONE_NEWNS | CLONE_NEWIPC | SIGCHLD), NULL, NULL, NULL,
		    0UL);
	else
		pid = fork();
	if (pid == -1) {
		snprintf(err, errlen, "cannot %s: %s", s->isolate ?
		    "clone into new namespaces" : "fork", strerror(errno));
		goto out;
	}
	if (pid == 0)
		proc_child(s, in[0], out[1], er[1], rep[1], parent);

	proc_close_fd(&in[0]);
	proc_close_fd(&out[1]);
	proc_close_fd(&er[1]);
	proc_close_fd(&rep[1]);

	/* EOF: execve() closed the report pipe, the program runs. */
	do
		n = read(rep[0], &r, sizeof(r));
	while (n == -1 && errno == EINTR);
	if (n != 0) {
		if (n == (ssize_t)sizeof(r) && r.stage >= 0 &&
		    r.stage < PROC_STAGE__MAX)
			snprintf(err, errlen, "cannot %s for '%s': %s",
			    proc_stage_names[r.stage], s->file,
			    strerror(r.err));
		else
			snprintf(err, errlen, "child for '%s' failed before "
			    "exec", s->file);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		goto out;
	}
	if (proc_set_nonblock(in[1]) == -1 ||
	    proc_set_nonblock(out[0]) == -1 ||
	    proc_set_nonblock(er[0]) == -1) {
		snprintf(err, errlen, "cannot set up pipes: %s",
		    strerror(errno));
		kill(-pid, SIGKILL);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		goto out;
	}
	p->pid = pid;
	p->in_fd = in[1];
	p->out_fd = out[0];
	p->err_fd = er[0];
	p->status = 0;
	p->reaped = 0;
	in[1] = out[0] = er[0] = -1;
	rc = 0;
out:
	proc_close_fd(&in[0]);
	proc_close_fd(&in[1]);
	proc_close_fd(&out[0]);
	proc_close_fd(&out[1]);
	proc_close_fd(&er[0]);
	proc_close_fd(&er[1]);
	proc_close_fd(&rep[0]);
	proc_close_fd(&rep[1]);
	return rc;
}

/* The leader is known to have exited (or is SIGKILLed): reap it. */
static void
proc_reap(struct proc *p)
{
	int	 st;
	pid_t	 r;

	do
		r = waitpid(p->pid, &st, 0);
	while (r == -1 && errno == EINTR);
	p->status = r == p->pid ? st : 0;
	p->reaped = 1;
}

int
proc_exited(struct proc *p)
{
	siginfo_t	 si;

	if (p->pid == -1 || p->reaped)
		return 1;
	memset(&si, 0, sizeof(si));
	/* WNOWAIT: peek, so the zombie keeps its pid (and so its process
	 * group id) reserved while what it left behind is killed. */
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT)
	    == -1) {
		if (errno != ECHILD)
			return 0;
		/* Reaped behind our back (SIGCHLD ignored): status lost. */
		kill(-p->pid, SIGKILL);
		p->status = 0;
		p->reaped = 1;
		return 1;
	}
	if (si.si_pid == 0)
		return 0;
	kill(-p->pid, SIGKILL);
	proc_reap(p);
	return 1;
}

int
proc_wait(struct proc *p, unsigned ms)
{
	uint64_t	 end = clock_mono_ms() + ms;
	unsigned	 nap = 1;

	for (;;) {
		if (proc_exited(p))
			return 1;
		if (clock_mono_ms() >= end)
			return 0;
		clock_sleep_ms(nap);
		if (nap < 8)
			nap *= 2;
	}
}

int
proc_signal(const struct proc *p, int sig)
{
	if (p->pid <= 0 || p->reaped) {
		errno = ESRCH;
		return -1;
	}
	return kill(-p->pid, sig);
}

void
proc_close_stdin(struct proc *p)
{
	proc_close_fd(&p->in_fd);
}

void
proc_close_pipes(struct proc *p)
{
	proc_close_fd(&p->in_fd);
	proc_close_fd(&p->out_fd);
	proc_close_fd(&p->err_fd);
}

void
proc_release(struct proc *p)
{
	proc_close_pipes(p);
	if (p->pid > 0 && !p->reaped) {
		kill(-p->pid, SIGKILL);
		proc_reap(p);
	}
	proc_init(p);
}

void
proc_kill_signal_safe(const struct proc *p)
{
	if (p->pid > 0 && !p->reaped)
		kill(-p->pid, SIGKILL);
}

/* Wait until every child in ps has exited or ms have passed. */
static void
proc_wait_many(struct proc *const *ps, size_t n, unsigned ms)
{
	uint64_t	 end = clock_mono_ms() + ms;
	unsigned	 nap = 1;
	size_t		 i, left;

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++)
			if (!proc_exited(ps[i]))
				left++;
		if (left == 0 || clock_mono_ms() >= end)
			return;
		clock_sleep_ms(nap);
		if (nap < 8)
			nap *= 2;
	}
}

void
proc_kill_many(struct proc *const *ps, size_t n, unsigned grace_ms)
{
	size_t	 i;

	/* Closing stdin is the polite request (MCP stdio transport:
	 * "close the input stream, wait, SIGTERM, SIGKILL"); closing our
	 * reading ends too means a child blocked on a full pipe gets EPIPE
	 * instead of hanging. */
	for (i = 0; i < n; i++)
		proc_close_pipes(ps[i]);
	proc_wait_many(ps, n, grace_ms);
	for (i = 0; i < n; i++)
		if (!proc_exited(ps[i]))
			proc_signal(ps[i], SIGTERM);
	proc_wait_many(ps, n, grace_ms);
	for (i = 0; i < n; i++)
		proc_release(ps[i]);
}

void
proc_kill(struct proc *p, unsigned grace_ms)
{
	struct proc *const ps[1] = { p };

	proc_kill_many(ps, 1, grace_ms);
}

ssize_t
proc_write(int fd, const void *data, size_t len)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t	 pipeset, old, pending;
	ssize_t		 n;
	int		 e, was_pending;

	/* Block SIGPIPE for the write and swallow the one it raises: the
	 * worker's own disposition stays untouched. */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &old);
	n = write(fd, data, len);
	e = errno;
	if (n == -1 && e == EPIPE && !was_pending)
		while (sigtimedwait(&pipeset, NULL, &zero) == -1 &&
		    errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n == -1 && (e == EAGAIN || e == EWOULDBLOCK)) {
		errno = EAGAIN;
		return 0;
	}
	errno = e;
	return n;
}

static int
proc_is_exec_file(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	return S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

int
proc_resolve(const char *name, const char *dirs, char *out, size_t outlen)
{
	const char	*p, *e;
	size_t		 dl;
	int		 n;

	if (name == NULL || name[0] == '\0' || strlen(name) >= outlen)
		return -1;
	if (strchr(name, '/') != NULL) {
		/* Relative to what? The worker's cwd is not a contract. */
		if (name[0] != '/' || !proc_is_exec_file(name))
			return -1;
		n = snprintf(out, outlen, "%s", name);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	for (p = dirs != NULL ? dirs : ""; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		dl = (size_t)(e - p);
		/* Empty or relative entries would mean the cwd: skipped. */
		if (dl == 0 || p[0] != '/')
			continue;
		n = snprintf(out, outlen, "%.*s/%s", (int)dl, p, name);
		if (n < 0 || (size_t)n >= outlen)
			continue;
		if (proc_is_exec_file(out))
			return 0;
	}
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}

int
proc_mkdirs(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char		 path[LIMIT_PROC_PATH];
	struct stat	 st;
	size_t		 i, len;
	int		 fd = -1, rc = -1;

	len = dir != NULL ? strlen(dir) : 0;
	if (len < 2 || dir[0] != '/' || len >= sizeof(path)) {
		snprintf(err, errlen, "invalid directory '%s'",
		    dir != NULL ? dir : "");
		return -1;
	}
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';

	/* Parents: 0711 when we make them, so the child's user can walk
	 * through without listing other tenants' directories. */
	for (i = 1; i < len; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0711) == 0) {
			if (chmod(path, 0711) == -1)
				goto fail_path;
		} else if (errno != EEXIST)
			goto fail_path;
		if (stat(path, &st) == -1)
			goto fail_path;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail_path;
		}
		path[i] = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		goto fail_path;
	/* Work on an fd opened without following a symlink, so the checks
	 * and changes below apply to the same directory. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1)
		goto fail_path;
	if (uid != PROC_ID_KEEP && gid != PROC_ID_KEEP &&
	    (st.st_uid != uid || st.st_gid != gid) &&
	    fchown(fd, uid, gid) == -1)
		goto fail_path;
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) == -1)
		goto fail_path;
	rc = 0;
	goto out;
fail_path:
	snprintf(err, errlen, "cannot create directory '%s': %s", path,
	    strerror(errno));
out:
	if (fd != -1)
		close(fd);
	return rc;
}

void
proc_describe_status(int status, char *out, size_t outlen)
{
	if (WIFEXITED(status))
		snprintf(out, outlen, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, outlen, "killed by signal %d (%s)",
		    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) != NULL ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(out, outlen, "ended with wait status %d", status);
}

/* ---- disk use of a directory ------------------------------------------ */

struct proc_du {
	unsigned long long	 sum;
	unsigned long long	 stop_at;
	size_t			 entries, max_entries;
	unsigned		 max_depth;
	dev_t			 dev;
	char			*err;
	size_t			 errlen;
};

static unsigned long long
proc_du_bytes(const struct stat *st)
{
	return (unsigned long long)st->st_blocks * 512ULL;
}

/* dfd: an open directory (taken over: closed here). 0, 1 (stopped: over
 * stop_at) or -1 (err set). */
static int
proc_du_walk(struct proc_du *d, int dfd, unsigned depth)
{
	DIR		*dp;
	struct dirent	*de;
	struct stat	 st;
	int		 fd, rc = -1, sub;

	if ((dp = fdopendir(dfd)) == NULL) {
		close(dfd);
		snprintf(d->err, d->errlen, "cannot list a directory: %s",
		    strerror(errno));
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			if (errno != 0) {
				snprintf(d->err, d->errlen, "cannot list a "
				    "directory: %s", strerror(errno));
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++d->entries > d->max_entries) {
			snprintf(d->err, d->errlen, "more than %zu entries",
			    d->max_entries);
			goto out;
		}
		if (fstatat(dirfd(dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			snprintf(d->err, d->errlen, "cannot stat an entry: %s",
			    strerror(errno));
			goto out;
		}
		d->sum += proc_du_bytes(&st);
		if (d->stop_at != 0 && d->sum > d->stop_at) {
			rc = 1;
			goto out;
		}
		/* Never into another file system (a mount below dir). */
		if (!S_ISDIR(st.st_mode) || st.st_dev != d->dev)
			continue;
		if (depth + 1 > d->max_depth) {
			snprintf(d->err, d->errlen, "more than %u levels of "
			    "directories", d->max_depth);
			goto out;
		}
		fd = openat(dirfd(dp), de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			snprintf(d->err, d->errlen, "cannot open a directory: "
			    "%s", strerror(errno));
			goto out;
		}
		if ((sub = proc_du_walk(d, fd, depth + 1)) != 0) {
			rc = sub;
			goto out;
		}
	}
	rc = 0;
out:
	closedir(dp);
	return rc;
}

int
proc_dir_usage(const char *dir, unsigned long long stop_at,
    size_t max_entries, unsigned max_depth, unsigned long long *bytes,
    char *err, size_t errlen)
{
	struct proc_du	 d;
	struct stat	 st;
	int		 fd, rc;

	*bytes = 0;
	/* O_NOFOLLOW: dir itself must not be a symlink either. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat '%s': %s", dir,
		    strerror(errno));
		close(fd);
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.sum = proc_du_bytes(&st);
	d.stop_at = stop_at;
	d.max_entries = max_entries;
	d.max_depth = max_depth;
	d.dev = st.st_dev;
	d.err = err;
	d.errlen = errlen;
	rc = proc_du_walk(&d, fd, 0);
	*bytes = d.sum;
	return rc == -1 ? -1 : 0;
}
