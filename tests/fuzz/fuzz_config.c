/*
 * fuzz_config.c -- the platform's configuration file (src/config.c on
 * lib/conf.c): every key's value parser (URLs, numbers, booleans, lists,
 * paths), unknown and duplicate keys, required keys.
 *
 * The input is written to a private temporary file (config_load() takes a
 * path) and loaded with an empty environment. Secret *_file keys may name
 * files; they are only read when they exist and are private, and a fuzzer
 * finds none worth reading. Invariant besides memory safety: a refused
 * file says why, in one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char	 fuzz_path[64];

static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const envp[] = { NULL };
	struct config	 cfg;
	char		 err[512];
	FILE		*f;
	int		 fd;

	if (fuzz_path[0] == '\0') {
		snprintf(fuzz_path, sizeof(fuzz_path), "/tmp/fuzz-config-XXXXXX");
		if ((fd = mkstemp(fuzz_path)) == -1)
			abort();
		close(fd);
		atexit(fuzz_cleanup);
	}
	if ((f = fopen(fuzz_path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	config_init(&cfg);
	err[0] = '\0';
	if (config_load(&cfg, fuzz_path, envp, err, sizeof(err)) == -1)
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
	config_release(&cfg);
	return 0;
}
