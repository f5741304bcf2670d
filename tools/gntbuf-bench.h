// SPDX-License-Identifier: MIT
/*
 * gntbuf-bench.h: what gntbuf-bench's files share.
 */
#ifndef GNTBUF_BENCH_H
#define GNTBUF_BENCH_H

#include <stdint.h>

#include <xengnttab.h>

#define PAGE 4096u

/* Where the grants come from: @count refs granted to dom0 by @domid. */
struct grants {
	uint32_t domid;
	uint32_t count;
	uint32_t *refs;
	xengntshr_handle *shr;	/* self */
	void *map;		/* self */
};

/* Prints "gntbuf-bench: WHAT: strerror(ERR)" and exits 1. */
void die(const char *what, int err) __attribute__((noreturn));

/* dom0's own @count pages (gntalloc), filled with 0x5a. */
void grants_self(uint32_t count, struct grants *g);
void grants_self_free(struct grants *g);
/* In a PVH domU: dom0's grants, from the peer at $GNTBUF_PEER_HOME. */
void grants_dom0(uint32_t count, struct grants *g);
/* Boots a @type ("pv" or "pvh") peer domU granting @count pages. */
void grants_peer(const char *type, uint32_t count, struct grants *g);

#endif /* GNTBUF_BENCH_H */
