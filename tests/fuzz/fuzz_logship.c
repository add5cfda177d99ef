/*
 * fuzz_logship.c -- the spool's line handling (src/log/logship.c): sealing,
 * reading a segment line by line with bounded memory (lreader), telling
 * records from other lines (segment_row), batching and moving lines aside.
 *
 * Through the public API, not the static functions: the input is written
 * as current.jsonl of a private spool directory and logship_flush() runs
 * against a Supabase at 127.0.0.1:1 (nothing listens: the connection is
 * refused at once, as in an outage). Every row is read and classified
 * before the first POST, which then fails.
 *
 * Byte 0, bit 0: the rest is repeated to just past LIMIT_REQLOG_LINE
 * bytes, so the oversized-line path is reached too.
 *
 * Invariants besides memory safety: the flush is never a local error,
 * ships no row, and while Supabase is down nothing is lost -- when it
 * reports LOGSHIP_PENDING the sealed segment is still in the spool.
 *
 * The error log (one line per failed POST) is sent to /dev/null unless
 * FUZZ_VERBOSE is set; rerun a crashing input with it to see the log.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "log/logship.h"
#include "product_limits.h"

static char		 fuzz_dir[64], fuzz_aside[128];
static struct config	 fuzz_cfg;

/* Remove every entry of dir (not recursive); dir itself stays. */
static void
fuzz_empty(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) == -1)
			rmdir(p);
	}
	closedir(d);
}

static void
fuzz_cleanup(void)
{
	fuzz_empty(fuzz_aside);
	fuzz_empty(fuzz_dir);
	rmdir(fuzz_dir);
	config_release(&fuzz_cfg);
}

static void
fuzz_setup(void)
{
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz-logship-XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_aside, sizeof(fuzz_aside), "%s/" LOGSHIP_ASIDE,
	    fuzz_dir);
	config_init(&fuzz_cfg);
	if ((fuzz_cfg.supabase_url = strdup("http://127.0.0.1:1")) == NULL ||
	    (fuzz_cfg.spool_dir = strdup(fuzz_dir)) == NULL ||
	    buf_appends(&fuzz_cfg.supabase_secret_key, "sb_secret_fuzz") == -1)
		abort();
	atexit(fuzz_cleanup);
}

/* 1 when the spool holds a sealed segment. */
static int
fuzz_has_sealed(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 found = 0;

	if ((d = opendir(fuzz_dir)) == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "sealed-", 7) == 0 &&
		    strstr(e->d_name, ".offset") == NULL)
			found = 1;
	closedir(d);
	return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logship_stats	 stats;
	enum logship_result	 res;
	char			 path[128], why[256];
	size_t			 written = 0;
	int			 fd, saved = -1, null;

	if (size < 1)
		return 0;
	if (fuzz_dir[0] == '\0')
		fuzz_setup();
	snprintf(path, sizeof(path), "%s/" LOGSHIP_CURRENT, fuzz_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) == -1)
		abort();
	do {
		if (size > 1 && write(fd, data + 1, size - 1) !=
		    (ssize_t)(size - 1))
			abort();
		written += size - 1;
	} while ((data[0] & 1) && size > 1 && written <= LIMIT_REQLOG_LINE);
	close(fd);

	if (getenv("FUZZ_VERBOSE") == NULL) {
		fflush(stderr);
		saved = dup(2);
		if ((null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, 2);
			close(null);
		}
	}
	res = logship_flush(&fuzz_cfg, 1, 1, &stats, why, sizeof(why));
	if (saved != -1) {
		dup2(saved, 2);
		close(saved);
	}
	FUZZ_ASSERT(res == LOGSHIP_DONE || res == LOGSHIP_PENDING);
	FUZZ_ASSERT(stats.rows == 0 && stats.batches == 0);
	if (res == LOGSHIP_PENDING)
		FUZZ_ASSERT(fuzz_has_sealed());

	fuzz_empty(fuzz_aside);
	fuzz_empty(fuzz_dir);
	return 0;
}
