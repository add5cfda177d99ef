/*
 * sl_auth_int.h -- what sl_auth.c (GoTrue's core: users, sessions,
 * refresh tokens, errors) shares with sl_oauth.c (GoTrue's OAuth 2.1
 * server), so that neither writes the other's part again. Private to
 * /auth/v1: nothing else includes it.
 *
 * Conventions: a function that "replies" has answered the request (a
 * GoTrue error body) when it returns -1/NULL; the caller only cleans up.
 * struct sl_auth_tx is one connection and at most one open transaction
 * per request; sl_auth_end(t, 0) after a reply rolls back whatever is
 * still open.
 */
#ifndef SL_AUTH_INT_H
#define SL_AUTH_INT_H

#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "sl.h"
#include "uuid.h"

#define SL_AUTH_HASH_HEX	64	/* SHA-256 as lowercase hex */
#define SL_OAUTH_CLIENT_ID_MAX	2048	/* a client id: uuid, or a CIMD URL */
#define SL_OAUTH_SCOPE_MAX	1024	/* the scope string of a grant */

/* Timestamps as Go's encoding/json writes time.Time (RFC 3339, UTC). */
#define SL_AUTH_TS(col) \
	"to_char(" col " at time zone 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The request's database state: one connection, at most one transaction. */
struct sl_auth_tx {
	struct sl_req	*req;
	PGconn		*db;
	int		 open;		/* between BEGIN and COMMIT/ROLLBACK */
	char		 sqlstate[6];	/* of the last failed statement */
};

/* A verified caller of /user, /logout and the OAuth consent API. */
struct sl_auth_caller {
	char	 uid[UUID_STRLEN + 1];
	char	 sid[UUID_STRLEN + 1];	/* "" when the token has no session */
};

/* What a refresh learns about the presented token, step by step, and
 * what the rotation produced (sl_auth_refresh_rotate). */
struct sl_auth_refresh {
	char	 hash[SL_AUTH_HASH_HEX + 1];	/* of the presented token */
	char	 sid[UUID_STRLEN + 1];		/* its session */
	char	 uid[UUID_STRLEN + 1];		/* its user */
	char	 tokid[24];			/* its row id */
	char	 client[SL_OAUTH_CLIENT_ID_MAX + 1]; /* session's OAuth
						   client, "" when none */
	char	 scopes[SL_OAUTH_SCOPE_MAX + 1];     /* its scopes or "" */
	int64_t	 created;		/* the session's, epoch seconds */
	int	 expired;		/* the session's not_after passed */
	int	 revoked;		/* the token was rotated already */
	int	 in_reuse;		/* ... within SL_REFRESH_REUSE_SECS */
	char	 fresh[SL_REFRESH_TOKEN_LEN + 1]; /* the new refresh token */
};

/* A CGI variable of the request (HTTP_ORIGIN, ...) or NULL. */
const char *sl_auth_env(const struct sl_req *, const char *name);

/* GoTrue error replies (both API versions), 500 unexpected_failure. */
void	 sl_auth_error(struct sl_req *, int status, const char *code,
	    const char *msg);
void	 sl_auth_internal(struct sl_req *, const char *msg);

/* Database: PQexecParams with text values, NULL (logged) on failure;
 * sl_auth_do when the rows are not needed; begin replies 503/500. */
PGresult *sl_auth_exec(struct sl_auth_tx *, const char *sql, int n,
	    const char *const *vals);
int	 sl_auth_do(struct sl_auth_tx *, const char *sql, int n,
	    const char *const *vals);
int	 sl_auth_begin(struct sl_auth_tx *, struct sl_req *);
int	 sl_auth_end(struct sl_auth_tx *, int commit);

/* Lowercase hex SHA-256 of (p, len); 0 or -1. */
int	 sl_auth_hash(const char *, size_t, char hex[SL_AUTH_HASH_HEX + 1]);
/* n characters [A-Za-z0-9] from RAND_bytes, unbiased, NUL-terminated
 * (out holds n + 1 bytes); 0 or -1. */
int	 sl_auth_random(char *out, size_t n);
/* The token after "Bearer " / "bearer " (GoTrue's regexp), or NULL. */
const char *sl_auth_bearer(const char *);

/* The body as a JSON object, NULL after replying 400 bad_json; a string
 * member, "" when absent or null, NULL after replying 400 bad_json. */
json_t	*sl_auth_body(struct sl_req *);
const char *sl_auth_field(struct sl_req *, const json_t *, const char *);

/* GoTrue's requireAuthentication; 0, or -1 after replying. */
int	 sl_auth_require(struct sl_auth_tx *, struct sl_auth_caller *);

/* A new session for uid (an OAuth client's when client is non-NULL, with
 * its scopes) and its first refresh token; 0 or -1 (not replied). */
int	 sl_auth_new_session(struct sl_auth_tx *, const char *uid,
	    const char *client, const char *scopes,
	    char sid[UUID_STRLEN + 1], long long *created,
	    char tok[SL_REFRESH_TOKEN_LEN + 1]);

/*
 * A signed access token for uid in session sid: GoTrue's claims, with
 * amr [{method, timestamp amr_ts}] and, for an OAuth session, client_id
 * and scope (GoTrue tokens.AccessTokenClaims). *user gets the user JSON
 * (new reference). NULL (not replied) on failure.
 */
char	*sl_auth_access_token(struct sl_auth_tx *, const char *uid,
	    const char *sid, const char *amr_method, long long amr_ts,
	    const char *client, const char *scopes, time_t iat,
	    json_t **user);

/*
 * Rotate the refresh token rt (GoTrue's RefreshTokenGrant): the session
 * is locked, the token retired, a child stored in rf->fresh. client is
 * the OAuth client that authenticated at /oauth/token, or NULL at
 * /token: it must be the session's (OAuth errors invalid_client
 * otherwise, as GoTrue). 0, or -1 after replying.
 */
int	 sl_auth_refresh_rotate(struct sl_auth_tx *, const char *rt,
	    const char *client, struct sl_auth_refresh *rf);

/* RFC 6749 section 5.2 error body {"error","error_description"}, 400
 * (GoTrue's OAuthError always answers 400). */
void	 sl_auth_oauth_error(struct sl_req *, const char *error,
	    const char *description);

#endif /* SL_AUTH_INT_H */
