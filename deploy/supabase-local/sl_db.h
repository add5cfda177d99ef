/*
 * sl_db.h -- supabase-local's libpq connections (sl_db.c).
 */
#ifndef SL_DB_H
#define SL_DB_H

#include <libpq-fe.h>

#include "sl.h"

/* Connections live for the process; NULL when the database
 * is unreachable (the caller replies 503). */
PGconn	*sl_db_rest(const struct sl_conf *);
PGconn	*sl_db_auth(const struct sl_conf *);
/* libpq's message for the last failed connection attempt ("" if none). */
const char *sl_db_error(void);
/* Drop a connection a query found broken, so the next call reconnects. */
void	 sl_db_drop(PGconn *);

#endif /* SL_DB_H */
