/*
 * init.c -- "mcpctl init DIR" and "mcpctl migrate [URL]" (docs/mcpctl.md).
 *
 * init creates DIR (0700) holding, each 0600 and created with O_EXCL so
 * nothing is ever overwritten:
 *   platform-signing.pem   the platform token key (ES256, P-256, PKCS#8)
 *   master-key             one key, 64 hex digits (lib/crypto.h)
 *   mcp-platform.conf      a configuration naming both, for the
 *                          operator to complete (Supabase URL and key)
 * Any of them present: refused (exit 1) before anything is written.
 *
 * migrate runs sql/migrate (the psql wrapper that records versions in
 * mcp_platform.schema_migrations; idempotent) from $MCPCTL_SQL_DIR, else
 * MCPCTL_SQL_DIR_DEFAULT, passing the URL (else $DATABASE_URL).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "crypto.h"
#include "mcpctl.h"

#ifndef MCPCTL_SQL_DIR_DEFAULT
#define MCPCTL_SQL_DIR_DEFAULT	"/usr/local/share/mcp-platform/sql"
#endif
#define INIT_PATH_MAX	4096

static const char *const init_files[] = {
	"platform-signing.pem", "master-key", "mcp-platform.conf"
};

/* Write (p, n) to dir/name, new, 0600. 0 or -1 (said why). */
static int
init_write(const char *dir, const char *name, const void *p, size_t n)
{
	char	 path[INIT_PATH_MAX];
	int	 fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		fprintf(stderr, "%s: init: cannot create '%s': %s\n",
		    MCPCTL_NAME, path, strerror(errno));
		return -1;
	}
	if (write(fd, p, n) == (ssize_t)n && fsync(fd) == 0)
		rc = 0;
	else
		fprintf(stderr, "%s: init: cannot write '%s': %s\n",
		    MCPCTL_NAME, path, strerror(errno));
	close(fd);
	return rc;
}

/* A new P-256 key as PKCS#8 PEM in out. 0 or -1. */
static int
init_es256_pem(struct buf *out)
{
	EVP_PKEY	*k = NULL;
	BIO		*mem = NULL;
	char		*p;
	long		 n;
	int		 rc = -1;

	if ((k = EVP_EC_gen("P-256")) == NULL ||
	    (mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(mem, &p)) <= 0 ||
	    buf_append(out, p, (size_t)n) == -1)
		goto out;
	rc = 0;
out:
	BIO_free_all(mem);	/* BIO_s_mem frees its buffer: cleared first */
	EVP_PKEY_free(k);
	return rc;
}

int
mcpctl_init(int argc, char *argv[])
{
	struct stat	 st;
	struct buf	 pem, mk, conf;
	unsigned char	 key[32];
	char		 path[INIT_PATH_MAX], *dir;
	size_t		 i;
	int		 rc = 1;

	if (argc != 2 || argv[1][0] == '-') {
		mcpctl_help_of("init");
		return 2;
	}
	buf_init(&pem, 16384);
	buf_init(&mk, 256);
	buf_init(&conf, 8192);
	if (mkdir(argv[1], 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "%s: init: cannot create '%s': %s\n",
		    MCPCTL_NAME, argv[1], strerror(errno));
		goto out;
	}
	if ((dir = realpath(argv[1], NULL)) == NULL) {
		fprintf(stderr, "%s: init: '%s': %s\n", MCPCTL_NAME, argv[1],
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(init_files) / sizeof(init_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, init_files[i]);
		if (lstat(path, &st) == 0) {
			fprintf(stderr, "%s: init: '%s' exists: refusing to "
			    "overwrite anything\n", MCPCTL_NAME, path);
			free(dir);
			goto out;
		}
	}
	if (init_es256_pem(&pem) == -1 || crypto_random(key, sizeof(key))
	    == -1) {
		fprintf(stderr, "%s: init: cannot generate keys\n",
		    MCPCTL_NAME);
		free(dir);
		goto out;
	}
	for (i = 0; i < sizeof(key); i++)
		buf_printf(&mk, "%02x", key[i]);
	buf_appendc(&mk, '\n');
	buf_printf(&conf,
	    "# mcp-platform.conf written by mcpctl init (docs/configuration.md).\n"
	    "# Complete the Supabase lines, then: mcpctl -c %s/mcp-platform.conf doctor\n"
	    "supabase_url = http://127.0.0.1:54321\n"
	    "supabase_secret_key_file = %s/supabase-secret-key\n"
	    "platform_signing_key_file = %s/platform-signing.pem\n"
	    "master_key_file = %s/master-key\n"
	    "data_dir = /var/lib/mcp-platform\n"
	    "log_dir = /var/log/mcp-platform\n"
	    "spool_dir = /var/spool/mcp-platform\n", dir, dir, dir, dir);
	if (init_write(dir, "platform-signing.pem", pem.data, pem.len) == 0 &&
	    init_write(dir, "master-key", mk.data, mk.len) == 0 &&
	    init_write(dir, "mcp-platform.conf", conf.data, conf.len) == 0) {
		printf("%s/platform-signing.pem\n%s/master-key\n"
		    "%s/mcp-platform.conf\n", dir, dir, dir);
		rc = 0;
	}
	free(dir);
out:
	explicit_bzero(key, sizeof(key));
	buf_release_secret(&pem);
	buf_release_secret(&mk);
	buf_release(&conf);
	return rc;
}

int
mcpctl_migrate(int argc, char *argv[])
{
	const char	*sql = getenv("MCPCTL_SQL_DIR");
	char		 prog[INIT_PATH_MAX];
	char		*args[3];

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		mcpctl_help_of("migrate");
		return 2;
	}
	if (argc == 1 && getenv("DATABASE_URL") == NULL) {
		fprintf(stderr, "%s: migrate: no database: pass a postgres "
		    "URL or set DATABASE_URL\n", MCPCTL_NAME);
		return 2;
	}
	snprintf(prog, sizeof(prog), "%s/migrate", sql != NULL ? sql :
	    MCPCTL_SQL_DIR_DEFAULT);
	args[0] = prog;
	args[1] = argc == 2 ? argv[1] : NULL;
	args[2] = NULL;
	fflush(stdout);
	execv(prog, args);
	fprintf(stderr, "%s: migrate: cannot run '%s': %s (set "
	    "MCPCTL_SQL_DIR)\n", MCPCTL_NAME, prog, strerror(errno));
	return 1;
}
