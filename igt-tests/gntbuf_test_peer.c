// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests: the peer domU (tools/gntbuf-grant-
 * peer) and its commands.
 */
#include "igt.h"

#include <limits.h>
#include <xenstore.h>

#include "gntbuf_test.h"

/* ---- the peer domU ---- */

#define PEER_BOOT_TIMEOUT_S 240
#define PEER_CMD_TIMEOUT_S 30

static struct gntbuf_peer *peers[2];

const char *gntbuf_peer_type_name(enum gntbuf_peer_type type)
{
	return type == GNTBUF_PEER_PVH ? "pvh" : "pv";
}


static char *peer_read(struct gntbuf_peer *peer, const char *key)
{
	char path[160];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", peer->home, key);
	return xs_read(peer->xs, XBT_NULL, path, &len);
}

static void peer_print_console(struct gntbuf_peer *peer)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	if (peer->dom0)
		return;	/* its output is in dom0's $GNTBUF_OUT */
	snprintf(path, sizeof(path), "%s/xen-console/guest-%s.log",
		 getenv("GNTBUF_OUT") ?: "/tmp", peer->name);
	f = fopen(path, "r");
	if (!f)
		return;
	igt_info("console of %s (%s):\n", peer->name, path);
	while (fgets(line, sizeof(line), f))
		igt_info("  %s", line);
	fclose(f);
}

/* Reads set @set's refs from xenstore. */
static void peer_load_set(struct gntbuf_peer *peer, int set)
{
	char key[64], *info, *chunk, *p;
	uint32_t n = 0, count;

	snprintf(key, sizeof(key), "set/%d/info", set);
	info = peer_read(peer, key);
	igt_assert_f(info, "peer %s: no %s\n", peer->name, key);
	igt_assert_eq(sscanf(info, "n=%u", &count), 1);
	free(info);
	free(peer->set_refs[set]);
	peer->set_refs[set] = calloc(count, sizeof(uint32_t));
	igt_assert(peer->set_refs[set]);
	for (uint32_t j = 0; n < count; j++) {
		snprintf(key, sizeof(key), "set/%d/refs/%u", set, j);
		chunk = peer_read(peer, key);
		igt_assert_f(chunk, "peer %s: no %s\n", peer->name, key);
		for (p = chunk; *p && n < count; p++) {
			peer->set_refs[set][n++] = strtoul(p, &p, 10);
			if (!*p)
				break;
		}
		free(chunk);
	}
	peer->set_count[set] = count;
}

static uint32_t domid_of(struct xs_handle *xs, const char *name)
{
	unsigned int num = 0, len;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &num);
	uint32_t domid = 0;

	for (unsigned int i = 0; doms && i < num && !domid; i++) {
		char path[64], *value;

		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		value = xs_read(xs, XBT_NULL, path, &len);
		if (value && strcmp(value, name) == 0)
			domid = strtoul(doms[i], NULL, 10);
		free(value);
	}
	free(doms);
	return domid;
}

/* Waits for the peer's "ready" and reads its boot set. */
static void peer_wait_ready(struct gntbuf_peer *peer)
{
	struct timespec start;
	char *ready = NULL;

	igt_gettime(&start);
	while (!(ready = peer_read(peer, "ready"))) {
		if (igt_nsec_elapsed(&start) / 1000000000 >
		    PEER_BOOT_TIMEOUT_S) {
			peer_print_console(peer);
			igt_assert_f(false, "peer %s (domid %u) not ready "
				     "after %d s\n", peer->name, peer->domid,
				     PEER_BOOT_TIMEOUT_S);
		}
		usleep(200 * 1000);
	}
	free(ready);
	igt_info("peer %s is domid %u, up in %.1f s\n", peer->name,
		 peer->domid, igt_nsec_elapsed(&start) / 1e9);
	peer_load_set(peer, 0);
	igt_assert_eq_u32(peer->set_count[0], GNTBUF_PEER_BOOT_PAGES);
}

/* In a domU: the gntbuf-grant-peer the rig runs in dom0. */
static struct gntbuf_peer *peer_attach_dom0(enum gntbuf_peer_type type)
{
	const char *home = getenv("GNTBUF_PEER_HOME");
	struct gntbuf_peer *peer;
	char *reply;

	igt_require_f(type == GNTBUF_PEER_PV,
		      "in a domU the second domain is dom0, which is PV: "
		      "there is no PVH granter here\n");
	peer = calloc(1, sizeof(*peer));
	igt_assert(peer);
	peer->type = type;
	peer->dom0 = true;
	peer->domid = 0;
	snprintf(peer->name, sizeof(peer->name), "dom0-grant-peer");
	snprintf(peer->home, sizeof(peer->home), "%s", home);
	peer->xs = xs_open(0);
	igt_assert_f(peer->xs, "xs_open: %s\n", strerror(errno));
	peers[type] = peer;
	peer_wait_ready(peer);
	/* It outlives this process: go on from the last command it ran. */
	reply = peer_read(peer, "reply");
	igt_assert_f(reply, "peer %s: no reply node\n", peer->name);
	peer->seq = strtoul(reply, NULL, 10);
	free(reply);
	return peer;
}

static struct gntbuf_peer *peer_start(enum gntbuf_peer_type type)
{
	char peer_bin[PATH_MAX], cmd[2 * PATH_MAX + 512];
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";
	struct gntbuf_peer *peer;
	int ret;

	if (getenv("GNTBUF_PEER_HOME") && *getenv("GNTBUF_PEER_HOME"))
		return peer_attach_dom0(type);
#if defined(__aarch64__)
	/* Xen on arm64 has one kind of guest, auto-translated. */
	igt_require_f(type != GNTBUF_PEER_PVH,
		      "on arm64 every domU is auto-translated: a pvh peer "
		      "would be the pv peer again (its subtests ran as "
		      "*-foreign-pv)\n");
#endif
	igt_require_f(getenv("GNTBUF_DOMU") &&
		      strcmp(getenv("GNTBUF_DOMU"), "1") == 0,
		      "no domU possible: the rig was run without --domu\n");
	igt_require_f(gntbuf_test_build_path("GNTBUF_PEER",
					     "tools/gntbuf-grant-peer",
					     peer_bin, sizeof(peer_bin)),
		      "no gntbuf-grant-peer binary (%s)\n", peer_bin);

	peer = calloc(1, sizeof(*peer));
	igt_assert(peer);
	peer->type = type;
	snprintf(peer->name, sizeof(peer->name), "gntbuf-peer-%s",
		 gntbuf_peer_type_name(type));
	peer->xs = xs_open(0);
	igt_assert_f(peer->xs, "xs_open: %s\n", strerror(errno));

	snprintf(cmd, sizeof(cmd), "'%s' domu-start %s%s --extra-file "
		 "'%s:/gntbuf-grant-peer' --cmd '/gntbuf-grant-peer -n %u "
		 "-s %#x'", vm, peer->name,
		 type == GNTBUF_PEER_PVH ? " --pvh" : "", peer_bin,
		 GNTBUF_PEER_BOOT_PAGES, GNTBUF_PEER_BOOT_SEED);
	igt_info("starting the %s peer: %s\n", gntbuf_peer_type_name(type),
		 cmd);
	ret = system(cmd);
	igt_assert_f(ret == 0, "%s: status %d\n", cmd, ret);

	peer->domid = domid_of(peer->xs, peer->name);
	igt_assert_f(peer->domid, "no domid for %s\n", peer->name);
	snprintf(peer->home, sizeof(peer->home),
		 "/local/domain/%u/data/gntbuf", peer->domid);
	peers[type] = peer;
	peer_wait_ready(peer);
	return peer;
}

struct gntbuf_peer *gntbuf_peer_get(enum gntbuf_peer_type type)
{
	if (!peers[type])
		peer_start(type);
	return peers[type];
}

void gntbuf_peer_stop_all(void)
{
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";

	for (int t = 0; t < 2; t++) {
		struct gntbuf_peer *peer = peers[t];
		char cmd[PATH_MAX + 64];

		if (!peer)
			continue;
		snprintf(cmd, sizeof(cmd), "'%s' domu-stop %s", vm,
			 peer->name);
		/* dom0's peer belongs to the rig, which ends it. */
		if (!peer->dom0 && system(cmd))
			igt_warn("%s failed\n", cmd);
		xs_close(peer->xs);
		for (int k = 0; k < GNTBUF_PEER_MAX_SETS; k++)
			free(peer->set_refs[k]);
		free(peer);
		peers[t] = NULL;
	}
}

void gntbuf_peer_destroy(struct gntbuf_peer *peer)
{
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";
	char cmd[PATH_MAX + 64];
	int ret;

	igt_assert(peer && peers[peer->type] == peer);
	igt_require_f(!peer->dom0, "the second domain is dom0 here (this "
		      "test runs in a domU): dom0 cannot be destroyed\n");
	snprintf(cmd, sizeof(cmd), "'%s' domu-stop %s", vm, peer->name);
	igt_info("destroying peer %s (domid %u): %s\n", peer->name,
		 peer->domid, cmd);
	ret = system(cmd);
	/* Forgotten whatever xl said: the next gntbuf_peer_get() boots anew. */
	peers[peer->type] = NULL;
	xs_close(peer->xs);
	for (int k = 0; k < GNTBUF_PEER_MAX_SETS; k++)
		free(peer->set_refs[k]);
	free(peer);
	igt_assert_f(ret == 0, "%s: status %d\n", cmd, ret);
}

static int peer_vcmd(struct gntbuf_peer *peer, char *reply, size_t size,
		     const char *fmt, va_list ap)
{
	char cmd[4096], path[128], want[16], *got = NULL;
	struct timespec start;
	int n;

	n = snprintf(cmd, sizeof(cmd), "%u ", ++peer->seq);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	snprintf(path, sizeof(path), "%s/cmd", peer->home);
	igt_assert_f(xs_write(peer->xs, XBT_NULL, path, cmd, strlen(cmd)),
		     "xs_write %s: %s\n", path, strerror(errno));
	igt_debug("peer %s <- %s\n", peer->name, cmd);

	snprintf(want, sizeof(want), "%u ", peer->seq);
	igt_gettime(&start);
	for (;;) {
		got = peer_read(peer, "reply");
		if (got && strncmp(got, want, strlen(want)) == 0)
			break;
		free(got);
		got = NULL;
		if (igt_nsec_elapsed(&start) / 1000000000 > PEER_CMD_TIMEOUT_S) {
			peer_print_console(peer);
			return -ETIMEDOUT;
		}
		usleep(20 * 1000);
	}
	igt_debug("peer %s -> %s\n", peer->name, got);
	if (reply)
		snprintf(reply, size, "%s", got + strlen(want));
	n = strncmp(got + strlen(want), "ok", 2) == 0 ? 0 : -EIO;
	free(got);
	return n;
}

int __gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		      const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = peer_vcmd(peer, reply, size, fmt, ap);
	va_end(ap);
	return ret;
}

void gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		     const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = peer_vcmd(peer, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	igt_assert_f(ret == 0, "peer %s: command %s: %s (reply \"%s\")\n",
		     peer->name, fmt, strerror(-ret),
		     ret == -ETIMEDOUT ? "" : buf);
	if (reply)
		snprintf(reply, size, "%s", buf);
}

int gntbuf_peer_share_to(struct gntbuf_peer *peer, uint32_t count,
			 uint32_t seed, bool writable, uint32_t domid)
{
	char reply[128];
	int set = -1;

	gntbuf_peer_cmd(peer, reply, sizeof(reply), "share %u %#x %s %u",
			count, seed, writable ? "rw" : "ro", domid);
	igt_assert_eq(sscanf(reply, "ok set=%d", &set), 1);
	igt_assert(set >= 0 && set < GNTBUF_PEER_MAX_SETS);
	peer_load_set(peer, set);
	igt_assert_eq_u32(peer->set_count[set], count);
	return set;
}

int gntbuf_peer_share(struct gntbuf_peer *peer, uint32_t count,
		      uint32_t seed, bool writable)
{
	return gntbuf_peer_share_to(peer, count, seed, writable,
				    gntbuf_self_domid());
}

int gntbuf_peer_unshare(struct gntbuf_peer *peer, int set)
{
	char reply[128];
	int deferred = -1, leaked = -1, dyndbg = 0;

	gntbuf_peer_cmd(peer, reply, sizeof(reply), "unshare %d", set);
	igt_assert_eq(sscanf(reply, "ok deferred=%d leaked=%d dyndbg=%d",
			     &deferred, &leaked, &dyndbg), 3);
	igt_debug("peer %s unshare %d: deferred %d leaked %d (dyndbg %d)\n",
		  peer->name, set, deferred, leaked, dyndbg);
	igt_assert_eq(leaked, 0);
	return deferred;
}

void gntbuf_peer_check(struct gntbuf_peer *peer, int set, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "check %d %#x", set, seed);
}

void gntbuf_peer_fill(struct gntbuf_peer *peer, int set, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "fill %d %#x", set, seed);
}

int __gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		      uint32_t count, bool writable)
{
	size_t size = 64 + count * 11, n;
	char *list = malloc(size);
	char reply[128];
	int ret;

	igt_assert(list);
	n = 0;
	list[0] = '\0';
	for (uint32_t i = 0; i < count; i++)
		n += snprintf(list + n, size - n, "%s%u", i ? "," : "",
			      refs[i]);
	ret = __gntbuf_peer_cmd(peer, reply, sizeof(reply), "map %u %s %s",
				gntbuf_self_domid(), writable ? "rw" : "ro",
				list);
	free(list);
	if (ret == -EIO && sscanf(reply, "error errno=%d", &ret) == 1)
		ret = -ret;
	return ret;
}

void gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		     uint32_t count, bool writable)
{
	int ret = __gntbuf_peer_map(peer, refs, count, writable);

	igt_assert_f(ret == 0, "peer %s: map of %u refs: %s\n", peer->name,
		     count, strerror(-ret));
}

void gntbuf_peer_map_check(struct gntbuf_peer *peer, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "mcheck %#x", seed);
}

void gntbuf_peer_map_fill(struct gntbuf_peer *peer, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "mfill %#x", seed);
}

void gntbuf_peer_unmap(struct gntbuf_peer *peer)
{
	gntbuf_peer_cmd(peer, NULL, 0, "unmap");
}
