/*
 * driver.c -- the corpus regression runner: a main() for a fuzz target
 * built WITHOUT libFuzzer (plain cc, as CI builds), so that every seed and
 * every input that once crashed or hung a parser is replayed on each run.
 *
 *     build/tests/fuzz_<name> DIR|FILE...
 *
 * Each regular file (a directory's entries in name order, not recursive)
 * is read whole and passed to LLVMFuzzerTestOneInput() once; the result
 * is TAP, "ok N - path" per input. A crash (abort, ASan) ends the process
 * and so fails the run; an input that runs longer than DRIVER_TIMEOUT_S
 * seconds is killed by SIGALRM (a hang). A file that cannot be read is
 * "not ok". The plan comes last (TAP allows it), so a run that stops half
 * way is visibly short.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRIVER_TIMEOUT_S	10		/* one input; more is a hang */
#define DRIVER_INPUT_MAX	(4 * 1024 * 1024) /* bytes of one input */

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static unsigned int	 driver_n, driver_failed;

/* Read path whole into *out (malloc'ed, at least 1 byte): 0 or -1. */
static int
driver_read(const char *path, uint8_t **out, size_t *len)
{
	struct stat	 st;
	uint8_t		*p = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > DRIVER_INPUT_MAX)
		goto out;
	/* A copy of exactly the input's size: ASan sees any overread. */
	if ((p = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		goto out;
	while (n < (size_t)st.st_size) {
		r = read(fd, p + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		n += (size_t)r;
	}
	*out = p;
	*len = n;
	p = NULL;
	rc = 0;
out:
	free(p);
	close(fd);
	return rc;
}

static void
driver_one(const char *path)
{
	uint8_t	*p = NULL;
	size_t	 len = 0;

	driver_n++;
	if (driver_read(path, &p, &len) == -1) {
		printf("not ok %u - %s: cannot read: %s\n", driver_n, path,
		    strerror(errno));
		driver_failed++;
		return;
	}
	/* Said before the run, so a crash names its input. */
	fprintf(stderr, "# %s\n", path);
	alarm(DRIVER_TIMEOUT_S);
	LLVMFuzzerTestOneInput(p, len);
	alarm(0);
	free(p);
	printf("ok %u - %s\n", driver_n, path);
}

static int
driver_regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char *argv[])
{
	struct dirent	**ents;
	struct stat	 st;
	char		 path[PATH_MAX];
	int		 i, j, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			printf("not ok %u - %s: %s\n", ++driver_n, argv[i],
			    strerror(errno));
			driver_failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			driver_one(argv[i]);
			continue;
		}
		if ((n = scandir(argv[i], &ents, driver_regular,
		    alphasort)) == -1) {
			printf("not ok %u - %s: %s\n", ++driver_n, argv[i],
			    strerror(errno));
			driver_failed++;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (snprintf(path, sizeof(path), "%s/%s", argv[i],
			    ents[j]->d_name) < (int)sizeof(path) &&
			    stat(path, &st) == 0 && S_ISREG(st.st_mode))
				driver_one(path);
			free(ents[j]);
		}
		free(ents);
	}
	printf("1..%u\n", driver_n);
	return driver_failed == 0 && driver_n > 0 ? 0 : 1;
}
