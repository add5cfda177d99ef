/*
 * routes.h -- the platform's route table, for src/http/router.h.
 *
 * It sits at the top of the program, beside main.c: naming every
 * endpoint's handler, it includes the modules of every layer, so the
 * router below them need not.
 */
#ifndef MCP_ROUTES_H
#define MCP_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct route	 routes_platform[];
extern const size_t		 routes_platform_n;

#endif /* MCP_ROUTES_H */
