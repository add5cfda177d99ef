/*
 * test_stdio_sandbox.c -- src/mcp/stdio_sandbox: the policy built for a
 * stdio child on kernels that lack a layer. stdio_sandbox_build() takes
 * what the kernel offers as a parameter, so a kernel without Landlock,
 * with Landlock before ABI 4 (no TCP rules) or without seccomp is a
 * struct here: "require" refuses with the missing layer named, "best"
 * builds what there is and says each missing layer once in the log
 * (stderr, captured in a temporary file), "off" builds nothing. Nothing
 * is applied: sandbox_prepare() only builds, so this runs anywhere.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mcp/stdio_sandbox.h"
#include "t.h"

static FILE	*capture;

/* What was logged since the last call, into out. */
static void
logged(char *out, size_t outlen)
{
	size_t	 n;

	fflush(stderr);
	fseek(capture, 0, SEEK_SET);
	n = fread(out, 1, outlen - 1, capture);
	out[n] = '\0';
	if (ftruncate(fileno(capture), 0) == -1)
		out[0] = '\0';
	fseek(capture, 0, SEEK_SET);
}

/* Occurrences of needle in hay. */
static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static const char *const argv[] = { "node", "/srv/mcp/hostile/index.js",
    NULL };

static void
in_init(struct stdio_sandbox_in *in, enum sandbox_mode mode,
    enum sandbox_net net)
{
	memset(in, 0, sizeof(*in));
	in->mode = mode;
	in->file = "/usr/bin/node";
	in->argv = argv;
	in->workdir = "/var/lib/mcp/tenants/t/a";
	in->path = "/usr/local/bin:/usr/bin:/bin";
	in->net = net;
}

static void
test_require(void)
{
	static const struct {
		int		 line;
		int		 abi, seccomp;
		enum sandbox_net net;
		const char	*refused;	/* NULL: built */
	} cases[] = {
		{ __LINE__, 0, 1, SANDBOX_NET_PORTS,
		    "lacks Landlock" },
		{ __LINE__, 0, 1, SANDBOX_NET_ANY, "lacks Landlock" },
		{ __LINE__, 3, 1, SANDBOX_NET_PORTS,
		    "lacks Landlock TCP rules (ABI 4)" },
		{ __LINE__, 1, 1, SANDBOX_NET_PORTS,
		    "lacks Landlock TCP rules (ABI 4)" },
		{ __LINE__, 7, 0, SANDBOX_NET_PORTS,
		    "lacks seccomp" },
		{ __LINE__, 7, 0, SANDBOX_NET_NONE, "lacks seccomp" },
		/* No TCP rules needed: none (seccomp refuses socket())
		 * and any. */
		{ __LINE__, 3, 1, SANDBOX_NET_NONE, NULL },
		{ __LINE__, 3, 1, SANDBOX_NET_ANY, NULL },
		{ __LINE__, 4, 1, SANDBOX_NET_PORTS, NULL },
		{ __LINE__, 7, 1, SANDBOX_NET_PORTS, NULL },
	};
	struct stdio_sandbox_in		 in;
	struct sandbox_support		 sup;
	struct stdio_sandbox		 ss;
	char				 detail[256], log[4096];
	size_t				 i;
	int				 rc;

	stdio_sandbox_init(&ss);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in_init(&in, SANDBOX_MODE_REQUIRE, cases[i].net);
		sup.landlock_abi = cases[i].abi;
		sup.seccomp = cases[i].seccomp;
		detail[0] = '\0';
		rc = stdio_sandbox_build(&ss, &in, &sup,
		    detail, sizeof(detail));
		if (cases[i].refused != NULL) {
			T_LINE(rc == -1 && !ss.active && ss.n_read == 0,
			    cases[i].line);
			T_LINE(strstr(detail, "stdio_sandbox = require") !=
			    NULL && strstr(detail, cases[i].refused) != NULL,
			    cases[i].line);
		} else {
			T_LINE(rc == 0 && ss.active &&
			    ss.sb.abi == cases[i].abi && ss.sb.seccomp == 1,
			    cases[i].line);
			T_LINE(sandbox_net_enforced(&ss.sb), cases[i].line);
		}
		stdio_sandbox_release(&ss);
	}
	/* require never warns: it refuses, and the caller logs that. */
	logged(log, sizeof(log));
	T(log[0] == '\0');
}

static void
test_best(void)
{
	struct stdio_sandbox_in		 in;
	struct sandbox_support		 sup;
	struct stdio_sandbox		 ss;
	char				 detail[256], log[4096];
	int				 i;

	stdio_sandbox_init(&ss);
	in_init(&in, SANDBOX_MODE_BEST, SANDBOX_NET_PORTS);

	/* No Landlock: seccomp alone, said once for three children. */
	sup.landlock_abi = 0;
	sup.seccomp = 1;
	for (i = 0; i < 3; i++) {
		T(stdio_sandbox_build(&ss, &in, &sup,
		    detail, sizeof(detail)) == 0);
		T(ss.active && ss.sb.abi == 0 && ss.sb.fs_handled == 0 &&
		    ss.sb.seccomp == 1 && !sandbox_net_enforced(&ss.sb));
		stdio_sandbox_release(&ss);
	}
	logged(log, sizeof(log));
	T(count(log, "this kernel has no Landlock") == 1);
	T(count(log, " warn ") == 1);

	/* Landlock ABI 3: files confined, TCP not; said once. */
	sup.landlock_abi = 3;
	for (i = 0; i < 3; i++) {
		T(stdio_sandbox_build(&ss, &in, &sup,
		    detail, sizeof(detail)) == 0);
		T(ss.active && ss.sb.abi == 3 && ss.sb.fs_handled != 0 &&
		    ss.sb.net_handled == 0 && ss.sb.seccomp == 1);
		stdio_sandbox_release(&ss);
	}
	logged(log, sizeof(log));
	T(count(log, "Landlock ABI 3 has no TCP rules") == 1);
	T(count(log, " warn ") == 1);

	/* No seccomp: Landlock alone; said once. */
	sup.landlock_abi = 7;
	sup.seccomp = 0;
	for (i = 0; i < 3; i++) {
		T(stdio_sandbox_build(&ss, &in, &sup,
		    detail, sizeof(detail)) == 0);
		T(ss.active && ss.sb.abi == 7 && ss.sb.seccomp == 0 &&
		    sandbox_net_enforced(&ss.sb));
		stdio_sandbox_release(&ss);
	}
	logged(log, sizeof(log));
	T(count(log, "no seccomp filter on this kernel") == 1);
	T(count(log, " warn ") == 1);

	/* Nothing at all: no sandbox to apply, and nothing said again. */
	sup.landlock_abi = 0;
	sup.seccomp = 0;
	T(stdio_sandbox_build(&ss, &in, &sup, detail,
	    sizeof(detail)) == 0);
	T(!ss.active);
	stdio_sandbox_release(&ss);
	logged(log, sizeof(log));
	T(log[0] == '\0');

	/* The full kernel: every layer, the paths the header promises. */
	sup.landlock_abi = 7;
	sup.seccomp = 1;
	T(stdio_sandbox_build(&ss, &in, &sup, detail,
	    sizeof(detail)) == 0);
	T(ss.active && ss.sb.abi == 7 && ss.sb.seccomp == 1 &&
	    sandbox_net_enforced(&ss.sb));
	T(ss.pol.n_ports == 1 && ss.ports[0] == STDIO_SANDBOX_DEFAULT_PORT);
	T(strcmp(ss.write[0], in.workdir) == 0 &&
	    strcmp(ss.write[1], "/dev/null") == 0 && ss.write[2] == NULL);
	{
		size_t	 j;
		int	 bin = 0, script = 0;

		for (j = 0; j < ss.n_read; j++) {
			bin |= strcmp(ss.read[j], "/usr/bin") == 0;
			script |= strcmp(ss.read[j],
			    "/srv/mcp/hostile") == 0;
		}
		T(bin && script && ss.read[ss.n_read] == NULL);
	}
	stdio_sandbox_release(&ss);
	logged(log, sizeof(log));
	T(log[0] == '\0');
}

static void
test_off(void)
{
	struct stdio_sandbox_in		 in;
	struct sandbox_support		 sup;
	struct stdio_sandbox		 ss;
	char				 detail[256], log[4096];

	stdio_sandbox_init(&ss);
	in_init(&in, SANDBOX_MODE_OFF, SANDBOX_NET_PORTS);
	sup.landlock_abi = 7;
	sup.seccomp = 1;
	T(stdio_sandbox_build(&ss, &in, &sup, detail,
	    sizeof(detail)) == 0);
	T(!ss.active && ss.n_read == 0 && ss.pol.read_paths == NULL);
	/* Off on a kernel with nothing: still nothing, and no warning. */
	sup.landlock_abi = 0;
	sup.seccomp = 0;
	T(stdio_sandbox_build(&ss, &in, &sup, detail,
	    sizeof(detail)) == 0);
	T(!ss.active);
	stdio_sandbox_release(&ss);
	logged(log, sizeof(log));
	T(log[0] == '\0');
}

int
main(void)
{
	char	 path[] = "/tmp/test_stdio_sandbox.XXXXXX";
	int	 fd, saved;

	fflush(stderr);
	saved = dup(2);
	fd = mkstemp(path);
	if (fd == -1 || saved == -1)
		return 1;
	unlink(path);
	capture = fdopen(fd, "w+");
	if (capture == NULL || dup2(fd, 2) == -1)
		return 1;
	log_init(LOG_LVL_INFO);

	/* off and require first: the "said once" warnings of best are
	 * per process, and test_best counts them from zero. */
	test_off();
	test_require();
	test_best();

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(capture);
	return t_done();
}
