/*
 * flush.c -- "mcpctl logs flush" and "mcpctl logs maintain": the request
 * log's spool shipped to Supabase now, and request_logs' partitions made
 * and retired now (src/log/logship.h has the rules; docs/logging.md the how).
 *
 * Both print one JSON object on stdout (jq-friendly) and say on stderr
 * what went wrong. Run as root, they first become the owner of spool_dir,
 * so the files they create stay usable by the workers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log/logship.h"
#include "mcpctl.h"

/* As root: become spool_dir's owner (the workers' user). 0 or -1. */
static int
flush_become_owner(const struct config *cfg)
{
	struct stat	 st;

	if (geteuid() != 0)
		return 0;
	if (stat(cfg->spool_dir, &st) == -1) {
		fprintf(stderr, "%s: %s: %s\n", MCPCTL_NAME, cfg->spool_dir,
		    strerror(errno));
		return -1;
	}
	if (st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1) {
		fprintf(stderr, "%s: cannot become the owner of %s: %s\n",
		    MCPCTL_NAME, cfg->spool_dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
mcpctl_logs_flush(const struct config *cfg, int argc, char *argv[])
{
	struct logship_stats	 st;
	enum logship_result	 res;
	char			 why[512];
	int			 wait = 1;

	if (argc == 2 && strcmp(argv[1], "--no-wait") == 0)
		wait = 0;
	else if (argc != 1) {
		fprintf(stderr, "usage: %s logs flush [--no-wait]\n",
		    MCPCTL_NAME);
		return 2;
	}
	if (flush_become_owner(cfg) == -1)
		return 1;
	res = logship_flush(cfg, wait, 1, &st, why, sizeof(why));
	printf("{\"result\":\"%s\",\"rows\":%lu,\"batches\":%lu,"
	    "\"segments\":%lu,\"aside\":%lu,\"cut\":%lu,\"pending\":%lu}\n",
	    res == LOGSHIP_DONE ? "done" : res == LOGSHIP_PENDING ?
	    "pending" : res == LOGSHIP_BUSY ? "busy" : "error",
	    st.rows, st.batches, st.segments, st.aside, st.cut, st.pending);
	fflush(stdout);
	switch (res) {
	case LOGSHIP_DONE:
		return 0;
	case LOGSHIP_BUSY:
		fprintf(stderr, "%s: another shipment is running\n",
		    MCPCTL_NAME);
		return 1;
	default:
		fprintf(stderr, "%s: logs flush: %s\n", MCPCTL_NAME, why);
		return 1;
	}
}

int
mcpctl_logs_maintain(const struct config *cfg, int argc, char *argv[])
{
	char	 why[512];
	int	 created, dropped;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: %s logs maintain\n", MCPCTL_NAME);
		return 2;
	}
	if (logship_maintain(cfg, time(NULL), &created, &dropped, why,
	    sizeof(why)) == -1) {
		fprintf(stderr, "%s: logs maintain: %s\n", MCPCTL_NAME, why);
		return 1;
	}
	printf("{\"created\":%d,\"dropped\":%d,\"retention_months\":%llu}\n",
	    created, dropped,
	    (unsigned long long)cfg->log_retention_months);
	return 0;
}
