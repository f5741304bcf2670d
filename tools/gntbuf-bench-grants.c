// SPDX-License-Identifier: MIT
/*
 * gntbuf-bench-grants.c: where gntbuf-bench's grants come from (see
 * gntbuf-bench.h): dom0's own (gntalloc), a peer domU's booted through
 * `gntbuf-vm domu-start`, or in a PVH domU dom0's from the
 * --dom0-helper's gntbuf-grant-peer.  A peer publishes its grant
 * references in xenstore as gntbuf-grant-peer.c writes them:
 * <home>/ready, then <home>/set/0/refs/<j>, space-separated decimal refs.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "gntbuf-bench.h"

void grants_self(uint32_t count, struct grants *g)
{
	g->domid = 0;
	g->count = count;
	g->refs = calloc(count, sizeof(*g->refs));
	g->shr = xengntshr_open(NULL, 0);
	if (!g->refs || !g->shr)
		die("xengntshr_open", errno);
	g->map = xengntshr_share_pages(g->shr, 0, count, g->refs, 1);
	if (!g->map)
		die("xengntshr_share_pages (gntalloc limit?)", errno);
	memset(g->map, 0x5a, (size_t)count * PAGE);
}

void grants_self_free(struct grants *g)
{
	xengntshr_unshare(g->shr, g->map, g->count);
	xengntshr_close(g->shr);
	free(g->refs);
}

/* @key in a grant peer's xenstore folder @home (-H of gntbuf-grant-peer). */
static char *xs_get(struct xs_handle *xs, const char *home, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", home, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

/* Waits for the peer at @home and reads the @count refs of its set 0. */
static void peer_refs(struct xs_handle *xs, const char *home, uint32_t count,
		      struct grants *g)
{
	char *v;

	for (int t = 0; !(v = xs_get(xs, home, "ready")); t++) {
		if (t > 3000)
			die("the peer never got ready", ETIMEDOUT);
		usleep(100 * 1000);
	}
	free(v);
	g->count = count;
	g->refs = calloc(count, sizeof(*g->refs));
	if (!g->refs)
		die("calloc", ENOMEM);
	for (uint32_t j = 0, k = 0; k < count; j++) {
		char key[64], *p;

		snprintf(key, sizeof(key), "set/0/refs/%u", j);
		v = xs_get(xs, home, key);
		if (!v)
			die("peer refs (does the peer grant enough pages?)",
			    ENOENT);
		for (p = v; *p && k < count; p++) {
			g->refs[k++] = strtoul(p, &p, 10);
			if (!*p)
				break;
		}
		free(v);
	}
}

/* In a PVH domU: dom0's grants, from the --dom0-helper's peer. */
void grants_dom0(uint32_t count, struct grants *g)
{
	const char *home = getenv("GNTBUF_PEER_HOME");
	struct xs_handle *xs = xs_open(0);

	if (!home || !*home)
		die("--peer dom0 wants $GNTBUF_PEER_HOME (gntbuf-vm run "
		    "--pvh-domu --dom0-helper ...)", EINVAL);
	if (!xs)
		die("xs_open", errno);
	g->domid = 0;
	peer_refs(xs, home, count, g);
	xs_close(xs);
	fprintf(stderr, "gntbuf-bench: dom0's peer, %u pages\n", count);
}

/* Boots a peer domU granting @count pages to dom0 and reads its refs. */
void grants_peer(const char *type, uint32_t count, struct grants *g)
{
	const char *vm = getenv("GNTBUF_VM") ? getenv("GNTBUF_VM") : "gntbuf-vm";
	char self[PATH_MAX], cmd[2 * PATH_MAX + 256], home[64], *v;
	struct xs_handle *xs = xs_open(0);
	unsigned int num = 0, len;
	char **doms;
	ssize_t n;

	if (!xs)
		die("xs_open (run the rig with --domu)", errno);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe", errno);
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' domu-start gntbuf-bench-peer %s "
		 "--memory 512 --extra-file '%s/gntbuf-grant-peer:"
		 "/gntbuf-grant-peer' --cmd '/gntbuf-grant-peer -n %u -i 0'",
		 vm, strcmp(type, "pvh") ? "" : "--pvh", dirname(self), count);
	if (system(cmd))
		die("gntbuf-vm domu-start", EIO);
	g->domid = 0;
	doms = xs_directory(xs, XBT_NULL, "/local/domain", &num);
	for (unsigned int i = 0; doms && i < num && !g->domid; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		v = xs_read(xs, XBT_NULL, path, &len);
		if (v && !strcmp(v, "gntbuf-bench-peer"))
			g->domid = strtoul(doms[i], NULL, 10);
		free(v);
	}
	free(doms);
	if (!g->domid)
		die("no domid for the peer", ENOENT);
	snprintf(home, sizeof(home), "/local/domain/%u/data/gntbuf", g->domid);
	peer_refs(xs, home, count, g);
	xs_close(xs);
	fprintf(stderr, "gntbuf-bench: %s peer is domid %u, %u pages\n", type,
		g->domid, count);
}
