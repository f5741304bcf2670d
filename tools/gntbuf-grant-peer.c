// SPDX-License-Identifier: MIT
/*
 * gntbuf-grant-peer: the second domain of gntbuf's tests.  It runs inside a
 * domU (PV or PVH, booted by `gntbuf-vm domu-start`), grants pages to dom0
 * the way a Xen PV frontend does (gntalloc), maps dom0's grants the way a
 * frontend maps a backend's buffer (gntdev), and answers dom0's commands.
 *
 * Grants a domain makes to itself hide the x86 PV dom0's foreign path (a
 * vmap of a foreign grant-mapped page faults; a self-granted one works), so
 * every sharing test in dom0 also runs on this program's grants.
 *
 * Statically linked, no Xen library: /dev/xen/gntalloc, /dev/xen/gntdev and
 * /dev/xen/xenbus are driven with their ioctls and wire format
 * (<xen/sys/gntalloc.h>, <xen/sys/gntdev.h>, <xen/io/xs_wire.h>).
 *
 * It also runs as a process in dom0, as the second domain of tests that run
 * in a domU (`gntbuf-vm run --pvh-domu`): there -H puts its xenstore folder
 * in that domU's home, which the domU can read and write.
 *
 * Usage: gntbuf-grant-peer [-n PAGES] [-s SEED] [-d DOMID] [-r] [-i MS]
 *                          [-H PATH]
 *   -n  pages of the boot grant set (set 0), default 16
 *   -s  seed of its pattern, default 0x1
 *   -d  domain the pages are granted to, default 0
 *   -r  grant set 0 read-only (default read-write)
 *   -i  period of the GNTBUF-CRC lines in ms, default 1000 (0: none)
 *   -H  xenstore folder of the commands and sets, default data/gntbuf
 *       (relative: in this domain's home)
 *
 * The pattern: word i (a uint32_t, counted from the first byte of the set)
 * of the pattern of seed S is S ^ (i * 2654435761); CRCs are CRC-32 (zlib's
 * crc32()).  igt-tests/gntbuf_test.c computes the same.
 *
 * Console lines (hvc0, logged by xenconsoled in dom0):
 *   GNTBUF-REFS domid=<D> n=<N> seed=<S> set=<K> rw=<0|1> refs=<r0>,<r1>,...
 *   GNTBUF-CRC set=<K> crc=<8 hex digits>       every -i ms, per live set
 *   GNTBUF-ACK <seq> <reply>                    for each command
 *   GNTBUF-VERIFY ok|bad                        for each check command
 *   GNTBUF-ERROR <what>                         then exit status 1
 *
 * Xenstore, in data/gntbuf (-H) relative to the domain's home
 * (/local/domain/<D>/):
 *   data/gntbuf/set/<K>/info      "n=<N> seed=<S> rw=<0|1>"
 *   data/gntbuf/set/<K>/refs/<J>  refs J*256 ... J*256+255, comma-separated
 *   data/gntbuf/ready             "1" once set 0 is published
 *   data/gntbuf/cmd               "<seq> <verb> <args>", written by dom0
 *   data/gntbuf/reply             "<seq> ok ..." or "<seq> error ..."
 *
 * Commands (a new <seq> in data/gntbuf/cmd runs one):
 *   share <N> <SEED> rw|ro [<DOMID>]
 *                            new set of N pages granted to DOMID (default
 *                            -d's): "ok set=<K>"
 *   unshare <K>              end set K's grants: "ok deferred=<n>
 *                            leaked=<n> dyndbg=<0|1>" (grants the kernel
 *                            could not end at once because they were still
 *                            mapped, counted from its "deferring g.e." and
 *                            "leaking g.e." messages)
 *   fill <K> <SEED>          write the pattern: "ok crc=<crc>"
 *   check <K> <SEED>         "ok" or "bad word=<i> got=<x> want=<y>"
 *   crc <K>                  "ok crc=<crc>"
 *   map <DOMID> rw|ro <refs> map dom0's grants (comma-separated refs) with
 *                            gntdev: "ok" or "error errno=<e>"
 *   mfill <SEED> / mcheck <SEED> / mcrc / unmap   on that mapping
 *   exit                     "ok", then exit status 0
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>

#define PAGE_BYTES 4096u
#define MAX_SETS 8
#define REFS_PER_KEY 256
#define XS_MAX 4096
#define POLL_MS 100

struct grant_set {
	bool live;
	uint32_t count;
	uint32_t seed;
	bool writable;
	uint64_t index;		/* gntalloc mmap offset */
	uint32_t *refs;
	uint32_t *map;
};

static struct {
	int gntalloc;
	int xenbus;
	uint32_t req_id;
	long domid;
	uint32_t to_domid;
	struct grant_set sets[MAX_SETS];
	/* the one gntdev mapping of dom0's grants */
	int gntdev;
	uint32_t *mapped;
	uint32_t mapped_count;
	uint64_t mapped_index;
	bool dyndbg;
	char home[128];		/* xenstore folder (-H) */
} peer = { .gntalloc = -1, .xenbus = -1, .gntdev = -1, .domid = -1,
	   .home = "data/gntbuf" };

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void die(const char *what)
{
	say("GNTBUF-ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- pattern and CRC ---- */

static uint32_t pattern_word(uint32_t seed, size_t i)
{
	return seed ^ (uint32_t)(i * 2654435761u);
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32_buf(const void *buf, size_t bytes)
{
	const uint8_t *p = buf;
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < bytes; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void pattern_fill(uint32_t *words, size_t count, uint32_t seed)
{
	for (size_t i = 0; i < count; i++)
		words[i] = pattern_word(seed, i);
}

/* Writes "ok" or "bad word=..." into @out. */
static bool pattern_check(const uint32_t *words, size_t count, uint32_t seed,
			  char *out, size_t size)
{
	for (size_t i = 0; i < count; i++) {
		if (words[i] != pattern_word(seed, i)) {
			snprintf(out, size, "bad word=%zu got=%#x want=%#x", i,
				 words[i], pattern_word(seed, i));
			return false;
		}
	}
	snprintf(out, size, "ok");
	return true;
}

/* ---- xenstore over /dev/xen/xenbus ---- */

/* One request; the reply's payload (NUL-terminated) in @out.  0 or -errno. */
static int xs_request(uint32_t type, const void *payload, uint32_t len,
		      char *out, size_t size)
{
	struct xsd_sockmsg msg = { .type = type, .req_id = ++peer.req_id,
				   .tx_id = 0, .len = len };
	char buf[sizeof(msg) + XS_MAX];
	size_t have = 0;
	ssize_t n;

	if (len > XS_MAX)
		return -E2BIG;
	memcpy(buf, &msg, sizeof(msg));
	memcpy(buf + sizeof(msg), payload, len);
	if (write(peer.xenbus, buf, sizeof(msg) + len) !=
	    (ssize_t)(sizeof(msg) + len))
		return -errno;
	/* The reply: a header, then its payload; skip watch events. */
	for (;;) {
		while (have < sizeof(msg)) {
			n = read(peer.xenbus, buf + have, sizeof(msg) - have);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			have += n;
		}
		memcpy(&msg, buf, sizeof(msg));
		if (msg.len > XS_MAX)
			return -EIO;
		while (have < sizeof(msg) + msg.len) {
			n = read(peer.xenbus, buf + have,
				 sizeof(msg) + msg.len - have);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			have += n;
		}
		if (msg.type != XS_WATCH_EVENT)
			break;
		have = 0;
	}
	if (out) {
		size_t copy = msg.len < size - 1 ? msg.len : size - 1;

		memcpy(out, buf + sizeof(msg), copy);
		out[copy] = '\0';
	}
	return msg.type == XS_ERROR ? -EIO : 0;
}

static int xs_read_key(const char *path, char *out, size_t size)
{
	return xs_request(XS_READ, path, strlen(path) + 1, out, size);
}

static int xs_write_key(const char *path, const char *value)
{
	char buf[XS_MAX];
	size_t plen = strlen(path) + 1, vlen = strlen(value);

	if (plen + vlen > sizeof(buf))
		return -E2BIG;
	memcpy(buf, path, plen);
	memcpy(buf + plen, value, vlen);
	return xs_request(XS_WRITE, buf, plen + vlen, NULL, 0);
}

/* @key in the folder of commands and sets (-H). */
static int xs_read_home(const char *key, char *out, size_t size)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", peer.home, key);
	return xs_read_key(path, out, size);
}

static int xs_write_home(const char *key, const char *value)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", peer.home, key);
	return xs_write_key(path, value);
}

static void xs_open_bus(void)
{
	char value[64];

	peer.xenbus = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (peer.xenbus < 0)
		peer.xenbus = open("/proc/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (peer.xenbus < 0) {
		say("gntbuf-grant-peer: no xenbus device (%s); xenstore unused\n",
		    strerror(errno));
		return;
	}
	if (xs_read_key("domid", value, sizeof(value)) == 0)
		peer.domid = strtol(value, NULL, 10);
}

/* ---- grant sets (gntalloc) ---- */

static void publish_set(int k)
{
	struct grant_set *set = &peer.sets[k];
	char path[192], value[XS_MAX];
	size_t len;

	say("GNTBUF-REFS domid=%ld n=%u seed=%#x set=%d rw=%d refs=",
	    peer.domid, set->count, set->seed, k, set->writable);
	for (uint32_t i = 0; i < set->count; i++)
		printf("%s%u", i ? "," : "", set->refs[i]);
	say("\n");
	if (peer.xenbus < 0)
		return;
	for (uint32_t j = 0; j * REFS_PER_KEY < set->count; j++) {
		len = 0;
		value[0] = '\0';
		for (uint32_t i = j * REFS_PER_KEY;
		     i < set->count && i < (j + 1) * REFS_PER_KEY; i++)
			len += snprintf(value + len, sizeof(value) - len, "%s%u",
					len ? "," : "", set->refs[i]);
		snprintf(path, sizeof(path), "%s/set/%d/refs/%u", peer.home, k,
			 j);
		if (xs_write_key(path, value))
			say("gntbuf-grant-peer: cannot write %s\n", path);
	}
	snprintf(path, sizeof(path), "%s/set/%d/info", peer.home, k);
	snprintf(value, sizeof(value), "n=%u seed=%#x rw=%d", set->count,
		 set->seed, set->writable);
	if (xs_write_key(path, value))
		say("gntbuf-grant-peer: cannot write %s\n", path);
}

/* Shares a new set with @domid: its index, or -errno. */
static int share(uint32_t count, uint32_t seed, bool writable,
		 uint32_t domid)
{
	struct ioctl_gntalloc_alloc_gref *op;
	struct grant_set *set = NULL;
	int k, err;

	for (k = 0; k < MAX_SETS; k++) {
		if (!peer.sets[k].live) {
			set = &peer.sets[k];
			break;
		}
	}
	if (!set)
		return -ENOSPC;
	if (count == 0 || count > (1u << 20))
		return -EINVAL;
	op = calloc(1, sizeof(*op) + count * sizeof(op->gref_ids[0]));
	set->refs = calloc(count, sizeof(*set->refs));
	if (!op || !set->refs) {
		free(op);
		free(set->refs);
		return -ENOMEM;
	}
	op->domid = domid;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = count;
	if (ioctl(peer.gntalloc, IOCTL_GNTALLOC_ALLOC_GREF, op)) {
		err = -errno;
		free(op);
		free(set->refs);
		return err;
	}
	set->map = mmap(NULL, (size_t)count * PAGE_BYTES,
			PROT_READ | PROT_WRITE, MAP_SHARED, peer.gntalloc,
			op->index);
	if (set->map == MAP_FAILED) {
		struct ioctl_gntalloc_dealloc_gref dealloc = {
			.index = op->index, .count = count };

		err = -errno;
		ioctl(peer.gntalloc, IOCTL_GNTALLOC_DEALLOC_GREF, &dealloc);
		free(op);
		free(set->refs);
		return err;
	}
	memcpy(set->refs, op->gref_ids, count * sizeof(*set->refs));
	set->index = op->index;
	set->count = count;
	set->seed = seed;
	set->writable = writable;
	set->live = true;
	free(op);
	pattern_fill(set->map, (size_t)count * PAGE_BYTES / 4, seed);
	publish_set(k);
	return k;
}

static void enable_grant_table_debug(void)
{
	static const char rule[] = "file drivers/xen/grant-table.c +p\n";
	int fd;

	mkdir("/sys/kernel/debug", 0700);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fd = open("/sys/kernel/debug/dynamic_debug/control", O_WRONLY);
	if (fd < 0)
		return;
	peer.dyndbg = write(fd, rule, sizeof(rule) - 1) > 0;
	close(fd);
}

/* Counts kernel messages that contain @what since the fd was opened. */
static void count_kmsg(int fd, int *deferred, int *leaked)
{
	char rec[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, "deferring g.e."))
			(*deferred)++;
		if (strstr(rec, "leaking g.e."))
			(*leaked)++;
	}
}

static int unshare(int k, char *out, size_t size)
{
	struct grant_set *set;
	struct ioctl_gntalloc_dealloc_gref dealloc;
	int kmsg, deferred = 0, leaked = 0;

	if (k < 0 || k >= MAX_SETS || !peer.sets[k].live)
		return -ENOENT;
	set = &peer.sets[k];
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	/* Dealloc first, munmap second: the grants end at the munmap. */
	dealloc.index = set->index;
	dealloc.count = set->count;
	if (ioctl(peer.gntalloc, IOCTL_GNTALLOC_DEALLOC_GREF, &dealloc)) {
		int err = -errno;

		if (kmsg >= 0)
			close(kmsg);
		return err;
	}
	munmap(set->map, (size_t)set->count * PAGE_BYTES);
	set->live = false;
	free(set->refs);
	set->refs = NULL;
	set->map = NULL;
	if (kmsg >= 0) {
		usleep(300 * 1000);
		count_kmsg(kmsg, &deferred, &leaked);
		close(kmsg);
	}
	snprintf(out, size, "ok deferred=%d leaked=%d dyndbg=%d", deferred,
		 leaked, peer.dyndbg);
	return 0;
}

/* ---- mapping dom0's grants (gntdev) ---- */

static void unmap_grants(void)
{
	struct ioctl_gntdev_unmap_grant_ref unmap;

	if (!peer.mapped)
		return;
	munmap(peer.mapped, (size_t)peer.mapped_count * PAGE_BYTES);
	unmap.index = peer.mapped_index;
	unmap.count = peer.mapped_count;
	unmap.pad = 0;
	ioctl(peer.gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
	peer.mapped = NULL;
	peer.mapped_count = 0;
}

static int map_grants(uint32_t domid, bool writable, char *list)
{
	struct ioctl_gntdev_map_grant_ref *op;
	uint32_t count = 1, i = 0;
	char *tok, *save = NULL;
	void *map;
	int err;

	if (peer.mapped)
		return -EBUSY;
	if (peer.gntdev < 0)
		peer.gntdev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (peer.gntdev < 0)
		return -errno;
	for (char *p = list; *p; p++)
		count += *p == ',';
	op = calloc(1, sizeof(*op) + count * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && i < count;
	     tok = strtok_r(NULL, ",", &save), i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = strtoul(tok, NULL, 0);
	}
	op->count = i;
	if (ioctl(peer.gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, op)) {
		err = -errno;
		free(op);
		return err;
	}
	map = mmap(NULL, (size_t)op->count * PAGE_BYTES,
		   PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
		   peer.gntdev, op->index);
	if (map == MAP_FAILED) {
		struct ioctl_gntdev_unmap_grant_ref unmap = {
			.index = op->index, .count = op->count };

		err = -errno;
		ioctl(peer.gntdev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
		free(op);
		return err;
	}
	peer.mapped = map;
	peer.mapped_count = op->count;
	peer.mapped_index = op->index;
	free(op);
	return 0;
}

/* ---- commands ---- */

static struct grant_set *live_set(const char *arg)
{
	long k = arg ? strtol(arg, NULL, 0) : -1;

	if (k < 0 || k >= MAX_SETS || !peer.sets[k].live)
		return NULL;
	return &peer.sets[k];
}

static void run_command(char *cmd, char *out, size_t size)
{
	char *save = NULL;
	char *verb = strtok_r(cmd, " ", &save);
	char *a1 = strtok_r(NULL, " ", &save);
	char *a2 = strtok_r(NULL, " ", &save);
	char *a3 = strtok_r(NULL, " ", &save);
	char *a4 = strtok_r(NULL, " ", &save);
	struct grant_set *set;
	int ret;

	if (!verb) {
		snprintf(out, size, "error empty command");
	} else if (!strcmp(verb, "share") && a1 && a2 && a3) {
		ret = share(strtoul(a1, NULL, 0), strtoul(a2, NULL, 0),
			    !strcmp(a3, "rw"),
			    a4 ? strtoul(a4, NULL, 0) : peer.to_domid);
		if (ret < 0)
			snprintf(out, size, "error errno=%d", -ret);
		else
			snprintf(out, size, "ok set=%d", ret);
	} else if (!strcmp(verb, "unshare") && a1) {
		ret = unshare(strtol(a1, NULL, 0), out, size);
		if (ret < 0)
			snprintf(out, size, "error errno=%d", -ret);
	} else if (!strcmp(verb, "fill") && (set = live_set(a1)) && a2) {
		set->seed = strtoul(a2, NULL, 0);
		pattern_fill(set->map, (size_t)set->count * PAGE_BYTES / 4,
			     set->seed);
		snprintf(out, size, "ok crc=%08x",
			 crc32_buf(set->map, (size_t)set->count * PAGE_BYTES));
	} else if (!strcmp(verb, "check") && (set = live_set(a1)) && a2) {
		bool ok = pattern_check(set->map,
					(size_t)set->count * PAGE_BYTES / 4,
					strtoul(a2, NULL, 0), out, size);

		say("GNTBUF-VERIFY %s\n", ok ? "ok" : "bad");
	} else if (!strcmp(verb, "crc") && (set = live_set(a1))) {
		snprintf(out, size, "ok crc=%08x",
			 crc32_buf(set->map, (size_t)set->count * PAGE_BYTES));
	} else if (!strcmp(verb, "map") && a1 && a2 && a3) {
		ret = map_grants(strtoul(a1, NULL, 0), !strcmp(a2, "rw"), a3);
		if (ret < 0)
			snprintf(out, size, "error errno=%d", -ret);
		else
			snprintf(out, size, "ok pages=%u", peer.mapped_count);
	} else if (!strcmp(verb, "mfill") && peer.mapped && a1) {
		pattern_fill(peer.mapped,
			     (size_t)peer.mapped_count * PAGE_BYTES / 4,
			     strtoul(a1, NULL, 0));
		snprintf(out, size, "ok crc=%08x",
			 crc32_buf(peer.mapped,
				   (size_t)peer.mapped_count * PAGE_BYTES));
	} else if (!strcmp(verb, "mcheck") && peer.mapped && a1) {
		bool ok = pattern_check(peer.mapped,
					(size_t)peer.mapped_count * PAGE_BYTES / 4,
					strtoul(a1, NULL, 0), out, size);

		say("GNTBUF-VERIFY %s\n", ok ? "ok" : "bad");
	} else if (!strcmp(verb, "mcrc") && peer.mapped) {
		snprintf(out, size, "ok crc=%08x",
			 crc32_buf(peer.mapped,
				   (size_t)peer.mapped_count * PAGE_BYTES));
	} else if (!strcmp(verb, "unmap") && peer.mapped) {
		unmap_grants();
		snprintf(out, size, "ok");
	} else if (!strcmp(verb, "exit")) {
		snprintf(out, size, "ok");
	} else {
		snprintf(out, size, "error bad command or no such set/mapping");
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_crcs(void)
{
	for (int k = 0; k < MAX_SETS; k++) {
		struct grant_set *set = &peer.sets[k];

		if (set->live)
			say("GNTBUF-CRC set=%d crc=%08x\n", k,
			    crc32_buf(set->map,
				      (size_t)set->count * PAGE_BYTES));
	}
}

int main(int argc, char **argv)
{
	uint32_t count = 16, seed = 1;
	unsigned long interval = 1000;
	bool writable = true;
	uint64_t last_crc;
	char cmd[XS_MAX], out[XS_MAX / 2], reply[XS_MAX];
	unsigned long done_seq = 0;
	int opt, ret;

	while ((opt = getopt(argc, argv, "n:s:d:ri:H:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			peer.to_domid = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			writable = false;
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			if (strlen(optarg) >= sizeof(peer.home)) {
				fprintf(stderr, "%s: -H path too long\n",
					argv[0]);
				return 2;
			}
			strcpy(peer.home, optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n PAGES] [-s SEED] "
				"[-d DOMID] [-r] [-i MS] [-H PATH]\n",
				argv[0]);
			return 2;
		}
	}
	crc_init();
	enable_grant_table_debug();

	peer.gntalloc = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (peer.gntalloc < 0)
		die("open /dev/xen/gntalloc");
	xs_open_bus();

	ret = share(count, seed, writable, peer.to_domid);
	if (ret < 0) {
		errno = -ret;
		die("share the boot set");
	}
	if (peer.xenbus >= 0) {
		/* Own the command node, so that dom0's writes keep our
		 * permissions on it. */
		if (xs_write_home("cmd", "0 none") ||
		    xs_write_home("reply", "0 ok") ||
		    xs_write_home("ready", "1"))
			say("gntbuf-grant-peer: cannot write %s\n", peer.home);
	}

	last_crc = now_ms();
	for (;;) {
		if (peer.xenbus >= 0 &&
		    xs_read_home("cmd", cmd, sizeof(cmd)) == 0) {
			char *rest;
			unsigned long seq = strtoul(cmd, &rest, 10);

			if (seq != done_seq && seq != 0) {
				while (*rest == ' ')
					rest++;
				run_command(rest, out, sizeof(out));
				snprintf(reply, sizeof(reply), "%lu %s", seq, out);
				say("GNTBUF-ACK %s\n", reply);
				xs_write_home("reply", reply);
				done_seq = seq;
				if (!strncmp(rest, "exit", 4))
					break;
			}
		}
		if (interval && now_ms() - last_crc >= interval) {
			print_crcs();
			last_crc = now_ms();
		}
		poll(NULL, 0, POLL_MS);
	}
	unmap_grants();
	return 0;
}
