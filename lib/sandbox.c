/*
 * sandbox.c -- Landlock and seccomp for a child before execve(); see
 * sandbox.h.
 *
 * Landlock: Documentation/userspace-api/landlock.rst. The Debian headers
 * describe ABI 1-2 only, so the later fields and flags are spelled out
 * here; they are kernel ABI and do not change. The ruleset attribute is
 * passed whole: older kernels accept a larger struct whose unknown tail
 * is zero.
 * seccomp: Documentation/userspace-api/seccomp_filter.rst.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "sandbox.h"

/* Rights and structures past what <linux/landlock.h> here knows. */
#define SB_LL_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define SB_LL_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#define SB_LL_NET_BIND_TCP	(1ULL << 0)	/* ABI 4 */
#define SB_LL_NET_CONNECT_TCP	(1ULL << 1)	/* ABI 4 */
#define SB_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)	/* ABI 6 */
#define SB_LL_SCOPE_SIGNAL	(1ULL << 1)	/* ABI 6 */
#define SB_LL_RULE_PATH_BENEATH	1
#define SB_LL_RULE_NET_PORT	2

struct sb_ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
	uint64_t	 scoped;
};

struct sb_ll_path_beneath {
	uint64_t	 allowed_access;
	int32_t		 parent_fd;
} __attribute__((packed));

struct sb_ll_net_port {
	uint64_t	 allowed_access;
	uint64_t	 port;
};

#define SB_LL_FS_ABI1	((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define SB_LL_FS_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | SB_LL_FS_TRUNCATE | \
			 SB_LL_FS_IOCTL_DEV)
#define SB_LL_FS_READ	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_READ_DIR)

#if defined(__x86_64__)
#define SB_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define SB_ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

/* What no MCP server needs: refused with EPERM. */
static const int sb_denied[] = {
#ifdef __NR_ptrace
	__NR_ptrace,
#endif
#ifdef __NR_process_vm_readv
	__NR_process_vm_readv,
#endif
#ifdef __NR_process_vm_writev
	__NR_process_vm_writev,
#endif
#ifdef __NR_kcmp
	__NR_kcmp,
#endif
#ifdef __NR_mount
	__NR_mount,
#endif
#ifdef __NR_umount2
	__NR_umount2,
#endif
#ifdef __NR_pivot_root
	__NR_pivot_root,
#endif
#ifdef __NR_mount_setattr
	__NR_mount_setattr,
#endif
#ifdef __NR_move_mount
	__NR_move_mount,
#endif
#ifdef __NR_open_tree
	__NR_open_tree,
#endif
#ifdef __NR_fsopen
	__NR_fsopen,
#endif
#ifdef __NR_fsconfig
	__NR_fsconfig,
#endif
#ifdef __NR_fsmount
	__NR_fsmount,
#endif
#ifdef __NR_fspick
	__NR_fspick,
#endif
#ifdef __NR_setns
	__NR_setns,
#endif
#ifdef __NR_kexec_load
	__NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
	__NR_kexec_file_load,
#endif
#ifdef __NR_bpf
	__NR_bpf,
#endif
#ifdef __NR_keyctl
	__NR_keyctl,
#endif
#ifdef __NR_add_key
	__NR_add_key,
#endif
#ifdef __NR_request_key
	__NR_request_key,
#endif
#ifdef __NR_perf_event_open
	__NR_perf_event_open,
#endif
#ifdef __NR_userfaultfd
	__NR_userfaultfd,
#endif
#ifdef __NR_init_module
	__NR_init_module,
#endif
#ifdef __NR_finit_module
	__NR_finit_module,
#endif
#ifdef __NR_delete_module
	__NR_delete_module,
#endif
#ifdef __NR_open_by_handle_at
	__NR_open_by_handle_at,
#endif
#ifdef __NR_name_to_handle_at
	__NR_name_to_handle_at,
#endif
#ifdef __NR_reboot
	__NR_reboot,
#endif
#ifdef __NR_swapon
	__NR_swapon,
#endif
#ifdef __NR_swapoff
	__NR_swapoff,
#endif
#ifdef __NR_acct
	__NR_acct,
#endif
#ifdef __NR_quotactl
	__NR_quotactl,
#endif
#ifdef __NR_quotactl_fd
	__NR_quotactl_fd,
#endif
#ifdef __NR_lookup_dcookie
	__NR_lookup_dcookie,
#endif
#ifdef __NR_iopl
	__NR_iopl,
#endif
#ifdef __NR_ioperm
	__NR_ioperm,
#endif
#ifdef __NR_fanotify_init
	__NR_fanotify_init,
#endif
#ifdef __NR_syslog
	__NR_syslog,
#endif
#ifdef __NR_vhangup
	__NR_vhangup,
#endif
#ifdef __NR_uselib
	__NR_uselib,
#endif
#ifdef __NR__sysctl
	__NR__sysctl,
#endif
#ifdef __NR_settimeofday
	__NR_settimeofday,
#endif
#ifdef __NR_clock_settime
	__NR_clock_settime,
#endif
	/* io_uring submits socket/connect/open outside this filter. */
#ifdef __NR_io_uring_setup
	__NR_io_uring_setup,
#endif
#ifdef __NR_io_uring_enter
	__NR_io_uring_enter,
#endif
#ifdef __NR_io_uring_register
	__NR_io_uring_register,
#endif
};

struct sb_bpf {
	struct sock_filter	*f;
	unsigned		 n, cap;
	int			 overflow;
};

static void
sb_emit(struct sb_bpf *b, unsigned short code, unsigned char jt,
    unsigned char jf, uint32_t k)
{
	if (b->n >= b->cap) {
		b->overflow = 1;
		return;
	}
	b->f[b->n].code = code;
	b->f[b->n].jt = jt;
	b->f[b->n].jf = jf;
	b->f[b->n].k = k;
	b->n++;
}

#define SB_RET(b, v)	sb_emit((b), BPF_RET | BPF_K, 0, 0, (v))
#define SB_LD(b, off)	sb_emit((b), BPF_LD | BPF_W | BPF_ABS, 0, 0, \
			    (uint32_t)(off))
#define SB_EPERM	(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* nr: refuse when the flags in argument 0 ask for a user namespace. */
static void
sb_emit_newuser(struct sb_bpf *b, int nr)
{
	sb_emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (uint32_t)nr);
	SB_LD(b, SB_ARG_LO(0));
	sb_emit(b, BPF_JMP | BPF_JSET | BPF_K, 0, 1, CLONE_NEWUSER);
	SB_RET(b, SB_EPERM);
	SB_RET(b, SECCOMP_RET_ALLOW);
}

static int
sb_build_filter(struct sandbox *sb, char *err, size_t errlen)
{
#ifdef SB_AUDIT_ARCH
	struct sb_bpf	 b;
	size_t		 i;

	b.f = sb->filter;
	b.n = 0;
	b.cap = LIMIT_SANDBOX_BPF;
	b.overflow = 0;
	SB_LD(&b, offsetof(struct seccomp_data, arch));
	sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SB_AUDIT_ARCH);
	SB_RET(&b, SECCOMP_RET_KILL_PROCESS);
	SB_LD(&b, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	/* x32 system calls share the architecture value. */
	sb_emit(&b, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000U);
	SB_RET(&b, SECCOMP_RET_KILL_PROCESS);
#endif
	for (i = 0; i < sizeof(sb_denied) / sizeof(sb_denied[0]); i++) {
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1,
		    (uint32_t)sb_denied[i]);
		SB_RET(&b, SB_EPERM);
	}
#ifdef __NR_clone3
	sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_clone3);
	SB_RET(&b, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
#endif
	/* Each block below either returns or falls through with the
	 * accumulator still holding nr. */
	switch (sb->pol->net) {
	case SANDBOX_NET_NONE:
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_socket);
		SB_RET(&b, SB_EPERM);
		break;
	case SANDBOX_NET_PORTS:
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 9, __NR_socket);
		SB_LD(&b, SB_ARG_LO(0));
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AF_INET);
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, AF_INET6);
		SB_LD(&b, SB_ARG_LO(2));
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 0);
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, IPPROTO_TCP);
		sb_emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, IPPROTO_UDP);
		SB_RET(&b, SB_EPERM);
		SB_RET(&b, SECCOMP_RET_ALLOW);
		break;
	default:
		break;
	}
	/* These two reload the accumulator: last. */
	sb_emit_newuser(&b, __NR_unshare);
	sb_emit_newuser(&b, __NR_clone);
	SB_RET(&b, SECCOMP_RET_ALLOW);
	if (b.overflow) {
		snprintf(err, errlen, "seccomp filter longer than %d "
		    "instructions", LIMIT_SANDBOX_BPF);
		return -1;
	}
	sb->filter_len = (unsigned short)b.n;
	return 0;
#else
	(void)sb;
	snprintf(err, errlen, "no seccomp filter for this architecture");
	return -1;
#endif
}

void
sandbox_probe(struct sandbox_support *sup)
{
	long	 v;

	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	sup->landlock_abi = v > 0 ? (int)v : 0;
#ifdef SB_AUDIT_ARCH
	/* EINVAL: no CONFIG_SECCOMP_FILTER; otherwise the mode (0). */
	sup->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
#else
	sup->seccomp = 0;
#endif
}

int
sandbox_userns_available(void)
{
	pid_t	 pid;
	int	 st;

	pid = fork();
	if (pid == -1)
		return 0;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static size_t
sb_count(const char *const *v)
{
	size_t	 n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

int
sandbox_prepare(struct sandbox *sb, const struct sandbox_policy *pol,
    int abi, char *err, size_t errlen)
{
	uint64_t	 fs;

	memset(sb, 0, sizeof(*sb));
	sb->pol = pol;
	if (sb_count(pol->read_paths) + sb_count(pol->write_paths) >
	    LIMIT_SANDBOX_PATHS) {
		snprintf(err, errlen, "more than %d sandbox paths",
		    LIMIT_SANDBOX_PATHS);
		return -1;
	}
	if (pol->net == SANDBOX_NET_PORTS &&
	    (pol->n_ports > LIMIT_SANDBOX_PORTS ||
	    (pol->n_ports > 0 && pol->ports == NULL))) {
		snprintf(err, errlen, "more than %d sandbox ports, or none "
		    "given", LIMIT_SANDBOX_PORTS);
		return -1;
	}
	if (pol->landlock && abi > 0) {
		sb->abi = abi;
		fs = SB_LL_FS_ABI1;
		if (abi >= 2)
			fs |= LANDLOCK_ACCESS_FS_REFER;
		if (abi >= 3)
			fs |= SB_LL_FS_TRUNCATE;
		if (abi >= 5)
			fs |= SB_LL_FS_IOCTL_DEV;
		sb->fs_handled = fs;
		sb->fs_read_dir = SB_LL_FS_READ & fs;
		sb->fs_read_file = SB_LL_FS_READ & SB_LL_FS_FILE & fs;
		sb->fs_write_dir = fs;
		sb->fs_write_file = SB_LL_FS_FILE & fs;
		if (abi >= 4 && pol->net != SANDBOX_NET_ANY)
			sb->net_handled = SB_LL_NET_BIND_TCP |
			    SB_LL_NET_CONNECT_TCP;
		/* The child may not signal, nor reach the abstract Unix
		 * sockets of, anything outside its domain. */
		if (abi >= 6)
			sb->scoped = SB_LL_SCOPE_ABSTRACT_UNIX |
			    SB_LL_SCOPE_SIGNAL;
	}
	if (pol->seccomp) {
		if (sb_build_filter(sb, err, errlen) == -1)
			return -1;
		sb->seccomp = 1;
	}
	return 0;
}

int
sandbox_net_enforced(const struct sandbox *sb)
{
	switch (sb->pol->net) {
	case SANDBOX_NET_ANY:
		return 1;
	case SANDBOX_NET_NONE:
		/* seccomp refuses socket() outright. */
		return sb->seccomp || sb->net_handled != 0;
	default:
		return sb->net_handled != 0;
	}
}

/* Child only: one path_beneath rule; a missing path is skipped. */
static int
sb_add_path(int rfd, const char *path, uint64_t dir, uint64_t file)
{
	struct sb_ll_path_beneath	 pb;
	struct stat			 st;
	int				 fd, rc = -1, e;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (fstat(fd, &st) == -1)
		goto out;
	pb.allowed_access = S_ISDIR(st.st_mode) ? dir : file;
	pb.parent_fd = fd;
	if (pb.allowed_access == 0) {
		rc = 0;
		goto out;
	}
	rc = (int)syscall(SYS_landlock_add_rule, rfd, SB_LL_RULE_PATH_BENEATH,
	    &pb, 0);
out:
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int
sb_apply_landlock(const struct sandbox *sb)
{
	struct sb_ll_ruleset_attr	 attr;
	struct sb_ll_net_port		 np;
	const struct sandbox_policy	*pol = sb->pol;
	size_t				 i;
	int				 rfd, rc = -1, e;

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = sb->fs_handled;
	attr.handled_access_net = sb->net_handled;
	attr.scoped = sb->scoped;
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0);
	if (rfd == -1)
		return -1;
	for (i = 0; pol->read_paths != NULL && pol->read_paths[i] != NULL;
	    i++)
		if (sb_add_path(rfd, pol->read_paths[i], sb->fs_read_dir,
		    sb->fs_read_file) == -1)
			goto out;
	for (i = 0; pol->write_paths != NULL && pol->write_paths[i] != NULL;
	    i++)
		if (sb_add_path(rfd, pol->write_paths[i], sb->fs_write_dir,
		    sb->fs_write_file) == -1)
			goto out;
	if (sb->net_handled != 0 && pol->net == SANDBOX_NET_PORTS) {
		for (i = 0; i < pol->n_ports; i++) {
			np.allowed_access = SB_LL_NET_CONNECT_TCP;
			np.port = pol->ports[i];
			if (syscall(SYS_landlock_add_rule, rfd,
			    SB_LL_RULE_NET_PORT, &np, 0) == -1)
				goto out;
		}
	}
	rc = (int)syscall(SYS_landlock_restrict_self, rfd, 0);
out:
	e = errno;
	close(rfd);
	errno = e;
	return rc;
}

int
sandbox_apply(const struct sandbox *sb)
{
	struct sock_fprog	 prog;

	if (sb->abi > 0 && sb_apply_landlock(sb) == -1)
		return -1;
	if (sb->seccomp) {
		prog.len = sb->filter_len;
		/* The kernel copies the program; it does not write it. */
		prog.filter = (struct sock_filter *)(uintptr_t)sb->filter;
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) ==
		    -1)
			return -1;
	}
	return 0;
}

static const char *const sandbox_modes[SANDBOX_MODE__MAX] = {
	"off", "best", "require",
};

const char *
sandbox_mode_name(enum sandbox_mode m)
{
	if ((int)m < 0 || m >= SANDBOX_MODE__MAX)
		return NULL;
	return sandbox_modes[m];
}

int
sandbox_mode_parse(const char *s, enum sandbox_mode *m)
{
	int	 i;

	for (i = 0; s != NULL && i < SANDBOX_MODE__MAX; i++)
		if (strcmp(s, sandbox_modes[i]) == 0) {
			*m = (enum sandbox_mode)i;
			return 0;
		}
	return -1;
}
