/*
 * sl_auth.h -- supabase-local's GoTrue subset, /auth/v1/... (sl_auth.c).
 */
#ifndef SL_AUTH_H
#define SL_AUTH_H

#include "sl.h"

/* Handle the request, always replying. */
void	 sl_auth_handle(struct sl_req *);

#endif /* SL_AUTH_H */
