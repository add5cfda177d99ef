/*
 * sl_db.c -- supabase-local: one libpq connection per conninfo for the
 * life of the process (the FastCGI loop is single-threaded; lighttpd runs
 * several processes for concurrency).
 *
 * A connection is handed out only when PQstatus() is CONNECTION_OK and no
 * transaction is left open; otherwise it is reset, and if the server
 * cannot be reached NULL is returned and sl_db_error() says why (the
 * caller replies 503 PGRST000 as PostgREST does). A query that finds the
 * connection dead makes the caller call sl_db_drop(), so the next request
 * reconnects.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sl.h"
#include "sl_db.h"

#define SL_DB_MOD	"sl_db"

static PGconn	*sl_db_rest_conn;
static PGconn	*sl_db_auth_conn;
static char	 sl_db_errbuf[512];

const char *
sl_db_error(void)
{
	return sl_db_errbuf;
}

static void
sl_db_set_error(PGconn *c)
{
	const char	*m = c != NULL ? PQerrorMessage(c) : "out of memory";
	size_t		 n;

	snprintf(sl_db_errbuf, sizeof(sl_db_errbuf), "%s", m);
	/* libpq ends its messages with a newline. */
	n = strlen(sl_db_errbuf);
	while (n > 0 && (sl_db_errbuf[n - 1] == '\n' ||
	    sl_db_errbuf[n - 1] == ' '))
		sl_db_errbuf[--n] = '\0';
}

static PGconn *
sl_db_connect(const char *conninfo, const char *appname)
{
	/* Later entries override earlier ones: the operator's conninfo
	 * (expanded from dbname) wins over these defaults. */
	const char *const keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { SL_DB_CONNECT_TIMEOUT, appname, conninfo,
	    NULL };
	PGconn		*c;

	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		sl_db_set_error(c);
		log_error(SL_DB_MOD, "cannot connect to the database: %s",
		    sl_db_errbuf);
		PQfinish(c);
		return NULL;
	}
	sl_db_errbuf[0] = '\0';
	return c;
}

static PGconn *
sl_db_get(PGconn **pc, const char *conninfo, const char *appname)
{
	PGresult	*r;

	if (*pc != NULL && PQstatus(*pc) == CONNECTION_OK &&
	    PQtransactionStatus(*pc) != PQTRANS_IDLE) {
		/* A previous request left a transaction open: end it. */
		r = PQexec(*pc, "ROLLBACK");
		PQclear(r);
	}
	if (*pc != NULL && PQstatus(*pc) == CONNECTION_OK &&
	    PQtransactionStatus(*pc) == PQTRANS_IDLE)
		return *pc;
	if (*pc != NULL) {
		log_warn(SL_DB_MOD, "database connection broken, reconnecting");
		PQfinish(*pc);
		*pc = NULL;
	}
	*pc = sl_db_connect(conninfo, appname);
	return *pc;
}

PGconn *
sl_db_rest(const struct sl_conf *conf)
{
	return sl_db_get(&sl_db_rest_conn, conf->rest_conninfo,
	    "supabase-local rest");
}

PGconn *
sl_db_auth(const struct sl_conf *conf)
{
	return sl_db_get(&sl_db_auth_conn, conf->auth_conninfo,
	    "supabase-local auth");
}

void
sl_db_drop(PGconn *c)
{
	if (c == NULL)
		return;
	if (c == sl_db_rest_conn)
		sl_db_rest_conn = NULL;
	else if (c == sl_db_auth_conn)
		sl_db_auth_conn = NULL;
	else
		return;
	PQfinish(c);
}
