// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: a seeded, reproducible random sequence of calls on
 * /dev/xen/gntbuf and its dma-bufs, each checked against a model of what
 * it should do.
 *
 * The sequence mixes every ioctl of the module with valid and invalid
 * arguments (bad ids, ids of another open file, ranges past the end, zero
 * and huge counts, bad domids, bad pointers, unknown flags, arguments that
 * cannot be written back), closes of dma-buf fds and of device fds (up to
 * three open at once), mmaps and munmaps of dma-bufs (read, write, partial,
 * at offsets), accesses, mprotect and madvise(MADV_DOFORK) of those maps,
 * begin/end CPU access (DMA_BUF_IOCTL_SYNC), vgem PRIME imports of the
 * module's dma-bufs, IMPORT of vgem dumb buffers and of the module's own
 * ALLOC buffers (an EXPORT_REFS dma-buf gives EXDEV), WAIT_RELEASED with
 * small timeouts and interrupted by a signal, forks whose child uses the
 * inherited dma-buf fds, dma-buf fds passed over a unix socket
 * (SCM_RIGHTS) to a helper process that maps, syncs and imports them, and
 * the grantee (this domain through gntdev, or the peer domain) mapping our
 * ALLOC and IMPORT grants, so that buffers released meanwhile are pending.
 * The page limits (per file, total) and, in a PV domain, the mmaps per
 * export are lowered from the seed so that the sequence meets them.
 *
 * The model knows, for every buffer, which file holds its id and what it
 * is charged to, what holds its dma-buf (fds, mmaps, a vgem handle, imports
 * of it), which of its grants the grantee maps, whether it is released,
 * pending or let go and whether its id was waited for; every call's result
 * must be what the model expects: success, or the errno the uapi header
 * (or kernel/README.md) documents; where two documented errnos could both
 * apply (e.g. ENOSPC and a bad refs pointer), either is accepted.  STATS
 * calls compare the live counters with the model's, ALLOC pages read zero
 * until written, and the granter's and grantee's views are compared with
 * our maps.  At the end everything is closed, the counters are back to
 * zero, the granter can end its grants, the kernel logged no error and the
 * module unloads; it is loaded back for the rest.
 *
 * A failure names the seed, the call's number and arguments, the result
 * and the expected one, and lists the calls before it.
 *
 * Seed: --seed N, else $GNTBUF_RANDOM_SEED, else the time; it is printed
 * first.  Calls: --calls N, else $GNTBUF_RANDOM_CALLS, else 100000.
 * $GNTBUF_RANDOM_SKIP=name,name leaves those kinds of call (the names of
 * the histogram) out, to look past a known failure.
 */
#include "igt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("A seeded random sequence of every ioctl, close, mmap, "
		     "fork and fd passing on gntbuf, each result checked "
		     "against a model; counters back to zero and the module "
		     "unloads at the end");

#ifndef IGT_OPT_HANDLER_SUCCESS
#define IGT_OPT_HANDLER_SUCCESS 0
#define IGT_OPT_HANDLER_ERROR -1
#endif

#define PAGE 4096u
#define GOOD_PAGES 16u		/* the good grants: buffers of 1..16 pages */
#define SMALL_PAGES 4u		/* read-only grants, grants to another domain */
#define MAX_DEVS 3
#define MAX_BUFS 40
#define MAX_MAPS 40
#define MAX_VGEM 6
#define STALE_IDS 16
#define DOMID_ABSENT 0x7fe0u	/* a valid domid naming no domain */
#define BAD_GREF 0xfffffff0u	/* past the end of any grant table */
#define HISTORY 24
#define MAX_ERRNO 150
#define GNTBUF_IOCTL_UNKNOWN _IOWR(GNTBUF_IOCTL_MAGIC, 0x1f, struct gntbuf_query)

static uint64_t opt_seed;
static bool opt_seed_set;
static unsigned long opt_calls;

/* ---- the random generator: splitmix64, reproducible from the seed ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- the model ---- */

enum kind { K_EXPORT, K_ALLOC, K_IMPORT };
static const char *const kind_name[] = { "export", "alloc", "import" };

struct buf {
	bool used;
	enum kind kind;
	int dev;		/* slot of the file holding the id; -1: forgotten */
	unsigned long file;	/* the open file it is charged to */
	uint64_t id;
	uint32_t pages;
	uint32_t first;		/* EXPORT: first of the good grants */
	bool ro;		/* EXPORT: O_RDONLY dma-buf */
	bool ro_grants;		/* EXPORT of the read-only grants */
	int fd;			/* EXPORT, ALLOC: the dma-buf fd, or -1 */
	int maps;		/* mmaps of it */
	uint32_t vgem_handle;	/* its vgem PRIME import, or 0 */
	int importers;		/* ALLOC: IMPORTs of it not yet ended */
	bool written;		/* ALLOC: written through a map (else zero) */
	int src;		/* IMPORT: the ALLOC it imports, or -1 */
	bool released;		/* dma-buf released / import ended */
	/* ALLOC, IMPORT: the grants */
	uint32_t domid;		/* granted to */
	bool grant_ro;		/* granted read-only */
	uint32_t refs[GOOD_PAGES];
	uint32_t gmapped;	/* refs the grantee maps now (0: none) */
	bool pending;		/* released, grants still mapped: live */
};

struct map {
	bool used;
	int buf;
	uint8_t *addr;
	size_t off;		/* bytes into the buffer */
	size_t len;
	bool rw;
	uint32_t charged;	/* PV EXPORT_REFS: pages charged to the total */
};

struct vgem_buf {
	int fd;			/* -1 when unused */
	uint32_t pages;
	bool rw;
};

struct grants_set {
	uint32_t domid;
	uint32_t *refs;
};

static struct {
	enum gntbuf_source source;
	bool pv;		/* GNTBUF_FEATURE_PV_MAPPINGS */
	struct gntbuf_query query;
	long max_mmaps;
	long limit_file, limit_total;
	long saved_params[3];
	int devs[MAX_DEVS];
	unsigned long dev_file[MAX_DEVS];
	unsigned long next_file;
	struct buf bufs[MAX_BUFS];
	struct map maps[MAX_MAPS];
	struct vgem_buf vgem_bufs[MAX_VGEM];
	int vgem;
	int null_fd;
	uint64_t stale[STALE_IDS];
	unsigned int nstale;
	uint64_t last_id;
	/* grants */
	struct gntbuf_grants good, ro;
	struct gntbuf_share other_share;	/* self: dom0's refs for DOMID_ABSENT */
	int other_set;				/* foreign: the peer's set for it */
	struct grants_set other;
	uint32_t grantee;			/* ALLOC and IMPORT grant to it */
	struct gntbuf_grantee gr;		/* it, mapping our grants */
	bool gr_ready;
	int gmap;				/* the buffer it maps, or -1 */
	uint8_t *self_view;			/* self: the granter's view */
	/* bad pointers */
	uint8_t *none_page;	/* PROT_NONE: reads and writes fault */
	uint8_t *ro_page;	/* read-only */
	uint8_t *edge;		/* two pages, the second PROT_NONE */
	uint32_t *big_refs;	/* max_pages_per_buffer + 1 good refs */
	/* the SCM_RIGHTS helper */
	pid_t helper;
	int sock;
	/* bookkeeping */
	unsigned long call;
	unsigned long pending_seen;	/* buffers pending when unmapped */
	struct gntbuf_stats baseline;
	bool dirty;
} m;

static uint32_t out_refs[GNTBUF_SYNC_MAX_RANGES + 16];

/* ---- results ---- */

enum op {
	OP_QUERY, OP_QUERY_BAD, OP_STATS, OP_STATS_BAD, OP_UNKNOWN_IOCTL,
	OP_EXPORT, OP_EXPORT_BAD, OP_ALLOC, OP_ALLOC_BAD, OP_IMPORT_VGEM,
	OP_IMPORT_ALLOC, OP_IMPORT_EXPORT, OP_IMPORT_BAD, OP_RELEASE,
	OP_RELEASE_BAD, OP_WAIT_LIVE, OP_WAIT_DONE, OP_WAIT_BAD, OP_SYNC,
	OP_SYNC_BAD, OP_SYNCS, OP_SYNCS_BAD, OP_CLOSE_DMABUF, OP_MMAP,
	OP_MMAP_BAD, OP_MUNMAP, OP_MUNMAP_PART, OP_TOUCH, OP_MADVISE,
	OP_CPU_ACCESS, OP_CPU_ACCESS_BAD, OP_VGEM_CREATE, OP_VGEM_CLOSE,
	OP_PRIME_IMPORT, OP_GEM_CLOSE, OP_DEV_OPEN, OP_DEV_CLOSE, OP_FORK,
	OP_SCM, OP_GRANTEE_MAP, OP_GRANTEE_UNMAP, OP_MPROTECT, OP_WAIT_SIGNAL,
	OP_COUNT
};

static const struct {
	const char *name;
	unsigned int weight;	/* per mille, roughly */
} ops[OP_COUNT] = {
	[OP_QUERY] = { "query", 8 },
	[OP_QUERY_BAD] = { "query-bad", 4 },
	[OP_STATS] = { "stats+model", 20 },
	[OP_STATS_BAD] = { "stats-bad", 4 },
	[OP_UNKNOWN_IOCTL] = { "unknown-ioctl", 5 },
	[OP_EXPORT] = { "export", 55 },
	[OP_EXPORT_BAD] = { "export-bad", 40 },
	[OP_ALLOC] = { "alloc", 45 },
	[OP_ALLOC_BAD] = { "alloc-bad", 25 },
	[OP_IMPORT_VGEM] = { "import-vgem", 25 },
	[OP_IMPORT_ALLOC] = { "import-alloc", 20 },
	[OP_IMPORT_EXPORT] = { "import-export", 8 },
	[OP_IMPORT_BAD] = { "import-bad", 25 },
	[OP_RELEASE] = { "import-release", 35 },
	[OP_RELEASE_BAD] = { "import-release-bad", 15 },
	[OP_WAIT_LIVE] = { "wait-live", 25 },
	[OP_WAIT_DONE] = { "wait-released", 60 },
	[OP_WAIT_BAD] = { "wait-bad", 15 },
	[OP_SYNC] = { "sync-range", 70 },
	[OP_SYNC_BAD] = { "sync-range-bad", 40 },
	[OP_SYNCS] = { "sync-ranges", 30 },
	[OP_SYNCS_BAD] = { "sync-ranges-bad", 20 },
	[OP_CLOSE_DMABUF] = { "close-dmabuf", 60 },
	[OP_MMAP] = { "mmap", 40 },
	[OP_MMAP_BAD] = { "mmap-bad", 15 },
	[OP_MUNMAP] = { "munmap", 28 },
	[OP_MUNMAP_PART] = { "munmap-partial", 14 },
	[OP_TOUCH] = { "touch", 60 },
	[OP_MADVISE] = { "madvise-dofork", 5 },
	[OP_CPU_ACCESS] = { "cpu-access", 50 },
	[OP_CPU_ACCESS_BAD] = { "cpu-access-bad", 10 },
	[OP_VGEM_CREATE] = { "vgem-create", 12 },
	[OP_VGEM_CLOSE] = { "vgem-close", 8 },
	[OP_PRIME_IMPORT] = { "vgem-prime-import", 15 },
	[OP_GEM_CLOSE] = { "vgem-gem-close", 15 },
	[OP_DEV_OPEN] = { "dev-open", 4 },
	[OP_DEV_CLOSE] = { "dev-close", 3 },
	[OP_FORK] = { "fork", 2 },
	[OP_SCM] = { "scm-rights", 5 },
	[OP_GRANTEE_MAP] = { "grantee-map", 3 },
	[OP_GRANTEE_UNMAP] = { "grantee-unmap", 3 },
	[OP_MPROTECT] = { "mprotect", 6 },
	[OP_WAIT_SIGNAL] = { "wait-interrupted", 2 },
};

static unsigned long hist[OP_COUNT][MAX_ERRNO];
static char history[HISTORY][320];
static char desc[200];

static void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
}

static void print_history(void)
{
	igt_info("the last calls before call %lu (oldest first):\n", m.call);
	for (unsigned long i = m.call > HISTORY ? m.call - HISTORY : 0;
	     i < m.call; i++)
		igt_info("  %s\n", history[i % HISTORY]);
}

/*
 * The result of the call described by desc: 0 or -errno.  Either of
 * @want and @alt (when non-zero... an alternative) passes.
 */
static void result2(enum op op, int ret, int want, int alt)
{
	int e = ret < 0 ? -ret : 0;

	hist[op][e < MAX_ERRNO ? e : MAX_ERRNO - 1]++;
	snprintf(history[m.call % HISTORY], sizeof(history[0]),
		 "#%lu %s: %s = %d (%s)", m.call, ops[op].name, desc, ret,
		 ret ? strerror(-ret) : "ok");
	if (ret == want || ret == alt)
		return;
	print_history();
	igt_assert_f(false, "seed %llu, call %lu (%s): %s: got %d (%s), "
		     "expected %d (%s)\n", (unsigned long long)opt_seed,
		     m.call, ops[op].name, desc, ret,
		     ret ? strerror(-ret) : "success", want,
		     want ? strerror(-want) : "success");
}

static void result(enum op op, int ret, int want)
{
	result2(op, ret, want, want);
}

/* A check of the model that is no call's result. */
static void model_assert(bool ok, const char *what)
{
	if (ok)
		return;
	print_history();
	igt_assert_f(false, "seed %llu, call %lu: %s: %s\n",
		     (unsigned long long)opt_seed, m.call, desc, what);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

/* ---- picking ---- */

static int pick_dev(void)
{
	int slots[MAX_DEVS], n = 0;

	for (int i = 0; i < MAX_DEVS; i++)
		if (m.devs[i] >= 0)
			slots[n++] = i;
	return n ? slots[below(n)] : -1;
}

/* Another open device than @slot, or -1. */
static int pick_other_dev(int slot)
{
	int slots[MAX_DEVS], n = 0;

	for (int i = 0; i < MAX_DEVS; i++)
		if (m.devs[i] >= 0 && i != slot)
			slots[n++] = i;
	return n ? slots[below(n)] : -1;
}

typedef bool (*buf_filter)(const struct buf *b);

static int pick_buf(buf_filter f)
{
	int idx[MAX_BUFS], n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].used && f(&m.bufs[i]))
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

static int free_buf_slot(void)
{
	for (int i = 0; i < MAX_BUFS; i++)
		if (!m.bufs[i].used)
			return i;
	return -1;
}

static bool is_dmabuf_open(const struct buf *b)
{
	return b->kind != K_IMPORT && b->fd >= 0;
}

static bool is_known(const struct buf *b)
{
	return b->dev >= 0;
}

static bool is_known_live_syncable(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT && !b->released;
}

static bool is_known_released_syncable(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT && b->released;
}

/* Not let go yet: WAIT_RELEASED times out. */
static bool is_known_live(const struct buf *b)
{
	return b->dev >= 0 && (!b->released || b->pending);
}

/* Let go of, grants and all: WAIT_RELEASED returns 0. */
static bool is_known_released(const struct buf *b)
{
	return b->dev >= 0 && b->released && !b->pending;
}

/* Still counted by the module (live_buffers, its page charge). */
static bool is_live(const struct buf *b)
{
	return b->used && (!b->released || b->pending);
}

/* Grants of ours the grantee can map now. */
static bool is_grantee_mappable(const struct buf *b)
{
	return b->kind != K_EXPORT && !b->released && b->domid == m.grantee;
}

static bool is_live_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT && !b->released;
}

static bool is_released_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT && b->released;
}

static bool is_known_not_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT;
}

static bool is_known_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT;
}

static bool is_alloc_open(const struct buf *b)
{
	return b->kind == K_ALLOC && b->fd >= 0;
}

static bool is_export_open(const struct buf *b)
{
	return b->kind == K_EXPORT && b->fd >= 0;
}

static bool has_vgem_handle(const struct buf *b)
{
	return b->vgem_handle != 0;
}

static bool is_dmabuf_open_unimported(const struct buf *b)
{
	return is_dmabuf_open(b);
}

static int pick_map(void)
{
	int idx[MAX_MAPS], n = 0;

	for (int i = 0; i < MAX_MAPS; i++)
		if (m.maps[i].used)
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

static int pick_vgem(void)
{
	int idx[MAX_VGEM], n = 0;

	for (int i = 0; i < MAX_VGEM; i++)
		if (m.vgem_bufs[i].fd >= 0)
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

static uint64_t size_of(const struct buf *b)
{
	return (uint64_t)b->pages * PAGE;
}

/* Pages charged to open file @file: its buffers not yet let go. */
static uint64_t file_pages(unsigned long file)
{
	uint64_t n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		if (is_live(&m.bufs[i]) && m.bufs[i].file == file)
			n += m.bufs[i].pages;
	return n;
}

/* Pages charged to the module: live buffers and PV mmaps of exports. */
static uint64_t total_pages(void)
{
	uint64_t n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		if (is_live(&m.bufs[i]))
			n += m.bufs[i].pages;
	for (int k = 0; k < MAX_MAPS; k++)
		if (m.maps[k].used)
			n += m.maps[k].charged;
	return n;
}

/* Would @pages more for a buffer of dev @d pass a limit? */
static bool over_limit(int d, uint64_t pages)
{
	return file_pages(m.dev_file[d]) + pages > (uint64_t)m.limit_file ||
	       total_pages() + pages > (uint64_t)m.limit_total;
}

/*
 * The errnos a bad create may give: its own, or ENOSPC when a valid count
 * of pages would pass a limit and the bad part is found only after the
 * charge (the header documents both, not their order).
 */
static int alt_enospc(int d, uint32_t count, int want)
{
	if (count && count <= m.query.max_pages_per_buffer &&
	    over_limit(d, count))
		return -ENOSPC;
	return want;
}

/* An id no file of the module holds: forgotten, or never given. */
static uint64_t unknown_id(void)
{
	if (m.nstale && chance(60))
		return m.stale[below(m.nstale < STALE_IDS ? m.nstale :
				     STALE_IDS)];
	switch (below(3)) {
	case 0:
		return 0;
	case 1:
		return ~0ull;
	default:
		return m.last_id + 1000000 + below(1000);
	}
}

static const char *bad_ptr_name;

/* An unreadable (and unwritable) user pointer. */
static void *bad_ptr(void)
{
	switch (below(3)) {
	case 0:
		bad_ptr_name = "NULL";
		return NULL;
	case 1:
		bad_ptr_name = "8";
		return (void *)8;
	default:
		bad_ptr_name = "PROT_NONE page";
		return m.none_page;
	}
}

/* An argument that can be read but not written back. */
static void *ro_copy(const void *arg, size_t size)
{
	igt_assert_eq(mprotect(m.ro_page, PAGE, PROT_READ | PROT_WRITE), 0);
	memcpy(m.ro_page, arg, size);
	igt_assert_eq(mprotect(m.ro_page, PAGE, PROT_READ), 0);
	return m.ro_page;
}

static uint32_t reserved_domid(void)
{
	static const uint32_t ids[] = {
		0x7ff0, 0x7ff1, 0x7ff2, 0x7ff5, 0x7fff, 0x8000, 0x10000,
		0xffffffffu,
	};

	return ids[below(sizeof(ids) / sizeof(ids[0]))];
}

/* ---- holders of a dma-buf ---- */

static void forget_id(int i)
{
	struct buf *b = &m.bufs[i];

	m.stale[m.nstale++ % STALE_IDS] = b->id;
	b->dev = -1;
	if (b->released && !b->pending)
		memset(b, 0, sizeof(*b));
}

static void import_ended(int i);

/* Something let go of buffer @i's dma-buf: released when nothing holds it. */
static void maybe_released(int i)
{
	struct buf *b = &m.bufs[i];

	if (b->kind == K_IMPORT || b->released)
		return;
	if (b->fd >= 0 || b->maps || b->vgem_handle || b->importers)
		return;
	b->released = true;
	/* Grants the grantee maps stay: pending until it unmaps them. */
	b->pending = b->gmapped;
	if (b->dev < 0 && !b->pending)
		memset(b, 0, sizeof(*b));
}

static void import_ended(int i)
{
	struct buf *b = &m.bufs[i];

	b->released = true;
	/* The dma-buf stays held until the grantee unmaps. */
	b->pending = b->gmapped;
	if (b->pending)
		return;
	if (b->src >= 0) {
		m.bufs[b->src].importers--;
		maybe_released(b->src);
	}
	if (b->dev < 0)
		memset(b, 0, sizeof(*b));
}

static int new_buf(enum kind kind, int dev, uint64_t id, uint32_t pages)
{
	int i = free_buf_slot();
	struct buf *b = &m.bufs[i];

	igt_assert(i >= 0);
	memset(b, 0, sizeof(*b));
	b->used = true;
	b->kind = kind;
	b->dev = dev;
	b->file = m.dev_file[dev];
	b->id = id;
	b->pages = pages;
	b->fd = -1;
	b->src = -1;
	model_assert(id > m.last_id, "ids must increase");
	m.last_id = id;
	return i;
}

/* ---- the model's counters ---- */

static void model_stats(struct gntbuf_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->live_buffers = m.baseline.live_buffers;
	s->mapped_pages = m.baseline.mapped_pages;
	s->allocated_pages = m.baseline.allocated_pages;
	s->granted_pages = m.baseline.granted_pages;
	s->pending_release = m.baseline.pending_release;
	for (int i = 0; i < MAX_BUFS; i++) {
		const struct buf *b = &m.bufs[i];

		uint32_t pages;

		if (!is_live(b))
			continue;
		s->live_buffers++;
		/* A pending buffer keeps only the pages still mapped. */
		pages = b->pending ? b->gmapped : b->pages;
		s->pending_release += b->pending;
		if (b->kind == K_EXPORT)
			s->mapped_pages += pages;
		else if (b->kind == K_ALLOC)
			s->allocated_pages += pages;
		else
			s->granted_pages += pages;
	}
}

static bool stats_match(const struct gntbuf_stats *a,
			const struct gntbuf_stats *b)
{
	return a->live_buffers == b->live_buffers &&
	       a->mapped_pages == b->mapped_pages &&
	       a->allocated_pages == b->allocated_pages &&
	       a->granted_pages == b->granted_pages &&
	       a->pending_release == b->pending_release;
}

/* ---- the ioctls ---- */

static void op_query(void)
{
	int d = pick_dev();
	struct gntbuf_query q = { 0 };
	int ret;

	describe("QUERY on dev %d", d);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, &q);
	result(OP_QUERY, ret, 0);
	model_assert(q.abi_version == m.query.abi_version &&
		     q.features == m.query.features &&
		     q.max_pages_per_buffer == m.query.max_pages_per_buffer &&
		     q.max_pages_per_file == m.limit_file &&
		     q.max_pages_total == m.limit_total &&
		     q.page_size == PAGE, "QUERY's answer changed");
}

static void op_query_bad(void)
{
	int d = pick_dev();
	struct gntbuf_query q = { .flags = 1u << below(32) };

	if (chance(50)) {
		describe("QUERY on dev %d, flags %#x", d, q.flags);
		result(OP_QUERY_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, &q),
		       -EINVAL);
	} else {
		void *p = bad_ptr();

		describe("QUERY on dev %d, argument %s", d, bad_ptr_name);
		result(OP_QUERY_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, p),
		       -EFAULT);
	}
}

static void op_stats(void)
{
	int d = pick_dev();
	struct gntbuf_stats s = { 0 }, want;
	struct timespec start;

	describe("STATS on dev %d", d);
	result(OP_STATS, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
	model_stats(&want);
	/* Releases are synchronous in the model; allow a moment anyway. */
	igt_gettime(&start);
	while (!stats_match(&s, &want) &&
	       igt_nsec_elapsed(&start) < 2000ull * 1000 * 1000) {
		usleep(10 * 1000);
		memset(&s, 0, sizeof(s));
		igt_assert_eq(xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
	}
	if (!stats_match(&s, &want)) {
		gntbuf_stats_print("the module", &s);
		gntbuf_stats_print("the model", &want);
		model_assert(false, "the live counters differ from the "
			     "model's (2 s later)");
	}
}

static void op_stats_bad(void)
{
	int d = pick_dev();
	struct gntbuf_stats s = { .flags = 1u << below(32) };

	if (chance(50)) {
		describe("STATS on dev %d, flags %#x", d, s.flags);
		result(OP_STATS_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s),
		       -EINVAL);
	} else {
		void *p = bad_ptr();

		describe("STATS on dev %d, argument %s", d, bad_ptr_name);
		result(OP_STATS_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, p),
		       -EFAULT);
	}
}

static void op_unknown_ioctl(void)
{
	int d = pick_dev();
	uint64_t small[2] = { 0 };
	struct gntbuf_query q = { 0 };
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ };

	switch (below(4)) {
	case 0:
		describe("ioctl 0x1f of the device's magic on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], GNTBUF_IOCTL_UNKNOWN, &q), -ENOTTY);
		break;
	case 1:
		describe("QUERY's number with another size on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], _IOWR(GNTBUF_IOCTL_MAGIC, 0x00,
					       uint64_t), small), -ENOTTY);
		break;
	case 2:
		describe("DMA_BUF_IOCTL_SYNC on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], DMA_BUF_IOCTL_SYNC, &sync), -ENOTTY);
		break;
	default:
		describe("ioctl 0x%x of the device's magic on dev %d",
			 0x09 + below(0x16), d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], _IOWR(GNTBUF_IOCTL_MAGIC,
					       0x09 + below(0x16),
					       struct gntbuf_query), &q),
		       -ENOTTY);
		break;
	}
}

static int do_export(int d, struct gntbuf_export_refs *arg)
{
	arg->fd = -1;
	return xioctl(m.devs[d], GNTBUF_IOCTL_EXPORT_REFS, arg);
}

static void op_export(void)
{
	int d = pick_dev(), ret, i;
	struct gntbuf_export_refs arg = { 0 };
	bool ro_grants = chance(15);
	uint32_t first, n;

	if (free_buf_slot() < 0)
		return;
	if (ro_grants) {
		first = below(SMALL_PAGES);
		n = 1 + below(SMALL_PAGES - first);
		arg.domid = m.ro.domid;
		arg.refs_ptr = (uintptr_t)(m.ro.refs + first);
		arg.flags = GNTBUF_EXPORT_READ_ONLY;
	} else {
		first = below(GOOD_PAGES);
		n = 1 + below(GOOD_PAGES - first);
		arg.domid = m.good.domid;
		arg.refs_ptr = (uintptr_t)(m.good.refs + first);
		arg.flags = chance(25) ? GNTBUF_EXPORT_READ_ONLY : 0;
	}
	arg.count = n;
	describe("EXPORT_REFS on dev %d of %u %s grants from %u, flags %#x "
		 "(file %llu, total %llu pages)", d, n,
		 ro_grants ? "read-only" : "good", first, arg.flags,
		 (unsigned long long)file_pages(m.dev_file[d]),
		 (unsigned long long)total_pages());
	ret = do_export(d, &arg);
	result(OP_EXPORT, ret, over_limit(d, n) ? -ENOSPC : 0);
	if (ret)
		return;
	model_assert(arg.fd >= 0, "no dma-buf fd");
	model_assert(gntbuf_dmabuf_size(arg.fd) == (uint64_t)n * PAGE,
		     "the dma-buf's size is not count pages");
	i = new_buf(K_EXPORT, d, arg.buffer_id, n);
	m.bufs[i].fd = arg.fd;
	m.bufs[i].first = first;
	m.bufs[i].ro = arg.flags & GNTBUF_EXPORT_READ_ONLY;
	m.bufs[i].ro_grants = ro_grants;
}

static void op_export_bad(void)
{
	int d = pick_dev(), want, ret;
	struct gntbuf_export_refs arg = {
		.domid = m.good.domid, .count = 1 + below(GOOD_PAGES),
		.refs_ptr = (uintptr_t)m.good.refs,
	};
	uint32_t refs[GOOD_PAGES];
	void *argp = &arg;
	const char *what;
	bool late = true;	/* found after the charge */

	switch (below(14)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count max_pages_per_buffer + 1";
		arg.count = m.query.max_pages_per_buffer + 1;
		arg.refs_ptr = (uintptr_t)m.big_refs;
		want = -E2BIG;
		break;
	case 3:
		what = "unknown flags";
		arg.flags = (1u << (1 + below(31))) |
			    (chance(50) ? GNTBUF_EXPORT_READ_ONLY : 0);
		want = -EINVAL;
		late = false;
		break;
	case 4:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		late = false;
		break;
	case 2:
		what = "huge count";
		arg.count = chance(50) ? ~0u : 1000000 + below(1u << 30);
		want = -E2BIG;
		break;
	case 5:
		what = "absent domain";
		arg.domid = DOMID_ABSENT;
		want = -ESRCH;
		break;
	case 6:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	case 7:
		what = "refs running into a PROT_NONE page";
		arg.count = GOOD_PAGES;
		memcpy(m.edge + PAGE - 8 * sizeof(uint32_t), m.good.refs,
		       8 * sizeof(uint32_t));
		arg.refs_ptr = (uintptr_t)(m.edge + PAGE -
					   8 * sizeof(uint32_t));
		want = -EFAULT;
		break;
	case 8:
		what = "refs past the end of the grant table";
		for (unsigned int k = 0; k < GOOD_PAGES; k++)
			refs[k] = BAD_GREF + k % 8;
		arg.refs_ptr = (uintptr_t)refs;
		want = -EINVAL;
		break;
	case 9:
		what = "one bad ref among good ones";
		memcpy(refs, m.good.refs, sizeof(refs));
		arg.count = 2 + below(GOOD_PAGES - 1);
		refs[below(arg.count)] = BAD_GREF;
		arg.refs_ptr = (uintptr_t)refs;
		want = -EINVAL;
		break;
	case 10:
		what = "read-write of read-only grants";
		arg.domid = m.ro.domid;
		arg.count = 1 + below(SMALL_PAGES);
		arg.refs_ptr = (uintptr_t)m.ro.refs;
		want = -EACCES;
		break;
	case 11:
		what = "refs granted to another domain";
		arg.domid = m.other.domid;
		arg.count = 1 + below(SMALL_PAGES);
		arg.refs_ptr = (uintptr_t)m.other.refs;
		arg.flags = chance(50) ? GNTBUF_EXPORT_READ_ONLY : 0;
		want = -EACCES;
		break;
	case 12:
		what = "argument not writable";
		arg.fd = -1;
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = false;
		break;
	}
	describe("EXPORT_REFS on dev %d, %s (domid %#x count %u flags %#x)",
		 d, what, arg.domid, arg.count, arg.flags);
	if (argp == &arg)
		arg.fd = -1;
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_EXPORT_REFS, argp);
	if (ret == 0 && argp == &arg && arg.fd >= 0)
		close(arg.fd);
	result2(OP_EXPORT_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}

/* The refs ALLOC and IMPORT wrote: all written, all different. */
static void check_out_refs(uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		model_assert(out_refs[k] != 0xffffffffu, "a ref not written");
		for (uint32_t j = 0; j < k; j++)
			model_assert(out_refs[j] != out_refs[k],
				     "two pages got the same ref");
	}
}

static void op_alloc(void)
{
	int d = pick_dev(), ret, i;
	struct gntbuf_alloc arg = {
		.domid = chance(80) ? m.grantee : DOMID_ABSENT,
		.count = 1 + below(GOOD_PAGES),
		.flags = chance(30) ? GNTBUF_ALLOC_READ_ONLY : 0,
		.fd = -1,
		.refs_ptr = (uintptr_t)out_refs,
	};

	if (free_buf_slot() < 0)
		return;
	memset(out_refs, 0xff, arg.count * sizeof(uint32_t));
	describe("ALLOC on dev %d of %u pages for domid %u, flags %#x (file "
		 "%llu, total %llu pages)", d, arg.count, arg.domid, arg.flags,
		 (unsigned long long)file_pages(m.dev_file[d]),
		 (unsigned long long)total_pages());
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_ALLOC, &arg);
	result(OP_ALLOC, ret, over_limit(d, arg.count) ? -ENOSPC : 0);
	if (ret)
		return;
	model_assert(arg.fd >= 0, "no dma-buf fd");
	check_out_refs(arg.count);
	i = new_buf(K_ALLOC, d, arg.buffer_id, arg.count);
	m.bufs[i].fd = arg.fd;
	m.bufs[i].domid = arg.domid;
	m.bufs[i].grant_ro = arg.flags & GNTBUF_ALLOC_READ_ONLY;
	memcpy(m.bufs[i].refs, out_refs, arg.count * sizeof(uint32_t));
}

static void op_alloc_bad(void)
{
	int d = pick_dev(), want, ret;
	struct gntbuf_alloc arg = {
		.domid = m.grantee, .count = 1 + below(GOOD_PAGES),
		.fd = -1, .refs_ptr = (uintptr_t)out_refs,
	};
	void *argp = &arg;
	const char *what;
	bool late = false;

	switch (below(9)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count max_pages_per_buffer + 1";
		arg.count = m.query.max_pages_per_buffer + 1;
		want = -E2BIG;
		break;
	case 2:
		what = "huge count";
		arg.count = chance(50) ? ~0u : 1000000 + below(1u << 30);
		want = -E2BIG;
		break;
	case 3:
		what = "unknown flags";
		arg.flags = 1u << (1 + below(31));
		want = -EINVAL;
		break;
	case 4:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		break;
	case 5:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = true;
		break;
	case 6:
		what = "refs pointer read-only";
		arg.refs_ptr = (uintptr_t)m.ro_page;
		want = -EFAULT;
		late = true;
		break;
	case 7:
		what = "argument not writable";
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		late = true;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	}
	describe("ALLOC on dev %d, %s (domid %#x count %u flags %#x)", d,
		 what, arg.domid, arg.count, arg.flags);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_ALLOC, argp);
	if (ret == 0 && argp == &arg && arg.fd >= 0)
		close(arg.fd);
	result2(OP_ALLOC_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}

static int do_import(int d, int fd, uint32_t domid, uint32_t count,
		     uint32_t flags, uint64_t *id)
{
	struct gntbuf_import arg = {
		.fd = fd, .domid = domid, .flags = flags, .count = count,
		.refs_ptr = (uintptr_t)out_refs,
	};
	int ret;

	memset(out_refs, 0xff, sizeof(uint32_t) *
	       (count < GOOD_PAGES ? count : GOOD_PAGES));
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT, &arg);
	*id = arg.buffer_id;
	return ret;
}

static void op_import_vgem(void)
{
	int d = pick_dev(), v = pick_vgem(), ret, i;
	uint32_t flags, domid = chance(85) ? m.grantee : DOMID_ABSENT;
	uint64_t id;

	if (v < 0 || free_buf_slot() < 0)
		return;
	flags = !m.vgem_bufs[v].rw || chance(30) ? GNTBUF_IMPORT_READ_ONLY : 0;
	describe("IMPORT on dev %d of vgem dma-buf %d (%u pages, %s) for "
		 "domid %u, flags %#x", d, v, m.vgem_bufs[v].pages,
		 m.vgem_bufs[v].rw ? "rw" : "ro", domid, flags);
	ret = do_import(d, m.vgem_bufs[v].fd, domid, m.vgem_bufs[v].pages,
			flags, &id);
	result(OP_IMPORT_VGEM, ret,
	       over_limit(d, m.vgem_bufs[v].pages) ? -ENOSPC : 0);
	if (ret)
		return;
	check_out_refs(m.vgem_bufs[v].pages);
	i = new_buf(K_IMPORT, d, id, m.vgem_bufs[v].pages);
	m.bufs[i].ro = flags;
	m.bufs[i].domid = domid;
	m.bufs[i].grant_ro = flags;
	memcpy(m.bufs[i].refs, out_refs,
	       m.vgem_bufs[v].pages * sizeof(uint32_t));
}

static void op_import_alloc(void)
{
	int d = pick_dev(), a = pick_buf(is_alloc_open), ret, i;
	uint32_t flags = chance(30) ? GNTBUF_IMPORT_READ_ONLY : 0;
	uint64_t id;

	if (a < 0 || free_buf_slot() < 0)
		return;
	describe("IMPORT on dev %d of ALLOC buffer %llu (%u pages) for domid "
		 "%u, flags %#x", d, (unsigned long long)m.bufs[a].id,
		 m.bufs[a].pages, m.grantee, flags);
	ret = do_import(d, m.bufs[a].fd, m.grantee, m.bufs[a].pages, flags,
			&id);
	result(OP_IMPORT_ALLOC, ret,
	       over_limit(d, m.bufs[a].pages) ? -ENOSPC : 0);
	if (ret)
		return;
	check_out_refs(m.bufs[a].pages);
	i = new_buf(K_IMPORT, d, id, m.bufs[a].pages);
	m.bufs[i].src = a;
	m.bufs[i].domid = m.grantee;
	m.bufs[i].grant_ro = flags;
	memcpy(m.bufs[i].refs, out_refs, m.bufs[a].pages * sizeof(uint32_t));
	m.bufs[a].importers++;
}

static void op_import_export(void)
{
	int d = pick_dev(), e = pick_buf(is_export_open), ret;
	uint32_t flags = chance(50) ? GNTBUF_IMPORT_READ_ONLY : 0;
	uint64_t id;

	if (e < 0)
		return;
	describe("IMPORT on dev %d of EXPORT_REFS buffer %llu (%s), flags "
		 "%#x", d, (unsigned long long)m.bufs[e].id,
		 m.bufs[e].ro ? "ro" : "rw", flags);
	ret = do_import(d, m.bufs[e].fd, m.grantee, m.bufs[e].pages, flags,
			&id);
	/* A read-only dma-buf without IMPORT_READ_ONLY: both apply. */
	if (m.bufs[e].ro && !flags)
		result2(OP_IMPORT_EXPORT, ret, -EXDEV, -EACCES);
	else
		result(OP_IMPORT_EXPORT, ret, -EXDEV);
}

static void op_import_bad(void)
{
	int d = pick_dev(), v = pick_vgem(), want, ret;
	struct gntbuf_import arg = {
		.domid = m.grantee, .refs_ptr = (uintptr_t)out_refs,
	};
	void *argp = &arg;
	const char *what;
	uint32_t pages;
	bool late = false;

	if (v < 0)
		return;
	pages = m.vgem_bufs[v].pages;
	arg.fd = m.vgem_bufs[v].fd;
	arg.count = pages;
	arg.flags = m.vgem_bufs[v].rw ? 0 : GNTBUF_IMPORT_READ_ONLY;
	switch (below(13)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count one page short";
		arg.count = pages - 1;
		want = -EINVAL;
		if (!arg.count)
			want = -EINVAL;
		break;
	case 2:
		what = "count one page over";
		arg.count = pages + 1;
		want = -EINVAL;
		break;
	case 3:
		what = "huge count";
		arg.count = chance(50) ? m.query.max_pages_per_buffer + 1 : ~0u;
		want = -E2BIG;
		break;
	case 4:
		what = "unknown flags";
		arg.flags |= 1u << (1 + below(31));
		want = -EINVAL;
		break;
	case 5:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		break;
	case 6:
		what = "not a dma-buf";
		arg.fd = chance(50) ? m.null_fd : m.devs[d];
		want = -EINVAL;
		break;
	case 7:
		what = "fd not open";
		arg.fd = chance(50) ? -1 : 1000 + below(20);
		want = -EBADF;
		break;
	case 8:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = true;
		break;
	case 9:
		what = "refs pointer read-only";
		arg.refs_ptr = (uintptr_t)m.ro_page;
		want = -EFAULT;
		late = true;
		break;
	case 10:
		what = "argument not writable";
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		late = true;
		break;
	case 11:
		/* An O_RDONLY dma-buf without IMPORT_READ_ONLY (S4). */
		what = "read-write import of a read-only dma-buf";
		if (m.vgem_bufs[v].rw)
			return;
		arg.flags = 0;
		want = -EACCES;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	}
	describe("IMPORT on dev %d, %s (vgem %d fd %d domid %#x count %u "
		 "flags %#x)", d, what, v, arg.fd, arg.domid, arg.count,
		 arg.flags);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT, argp);
	if (ret == 0 && argp == &arg) {
		struct gntbuf_import_release r = { .buffer_id = arg.buffer_id };

		xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT_RELEASE, &r);
	}
	result2(OP_IMPORT_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}

static int do_release(int d, uint64_t id, uint32_t flags, uint32_t pad)
{
	struct gntbuf_import_release r = {
		.buffer_id = id, .flags = flags, .pad = pad,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT_RELEASE, &r);
}

static void op_release(void)
{
	int i = pick_buf(is_live_import);

	if (i < 0)
		return;
	describe("IMPORT_RELEASE on dev %d of import %llu", m.bufs[i].dev,
		 (unsigned long long)m.bufs[i].id);
	result(OP_RELEASE, do_release(m.bufs[i].dev, m.bufs[i].id, 0, 0), 0);
	import_ended(i);
}

static void op_release_bad(void)
{
	int d = pick_dev(), i, o;

	switch (below(6)) {
	case 0:
		i = pick_buf(is_released_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of released import %llu",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 0), -ENOENT);
		break;
	case 1:
		i = pick_buf(is_known_not_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of %s id %llu",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 0), -EINVAL);
		break;
	case 2:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of dev %d's %s id %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(o, m.bufs[i].id, 0, 0),
		       -ENOENT);
		break;
	case 3: {
		uint64_t id = unknown_id();

		describe("IMPORT_RELEASE on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		result(OP_RELEASE_BAD, do_release(d, id, 0, 0), -ENOENT);
		break;
	}
	case 4:
		i = pick_buf(is_live_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of import %llu, flags set",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  1u << below(32), 0), -EINVAL);
		break;
	default:
		i = pick_buf(is_live_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of import %llu, pad set",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 1u << below(32)), -EINVAL);
		break;
	}
}

static int do_wait(int d, uint64_t id, uint32_t timeout, uint32_t pad,
		   bool v1)
{
	struct gntbuf_wait_released w = {
		.buffer_id = id, .timeout_ms = timeout, .pad = pad,
	};

	return xioctl(m.devs[d], v1 ? GNTBUF_IOCTL_WAIT_RELEASED_V1 :
		      GNTBUF_IOCTL_WAIT_RELEASED, &w);
}

static void op_wait_live(void)
{
	int i = pick_buf(is_known_live);
	uint32_t t = below(3);
	bool v1 = chance(20);

	if (i < 0)
		return;
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms",
		 v1 ? "_V1" : "", m.bufs[i].dev, kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, t);
	result(OP_WAIT_LIVE, do_wait(m.bufs[i].dev, m.bufs[i].id, t, 0, v1),
	       -ETIMEDOUT);
}

static void op_wait_done(void)
{
	int i = pick_buf(is_known_released);
	static const uint32_t timeouts[] = { 0, 1, 5, 1000 };
	uint32_t t = timeouts[below(4)];
	bool v1 = chance(20);

	if (i < 0)
		return;
	describe("WAIT_RELEASED%s on dev %d of released %s %llu, %u ms",
		 v1 ? "_V1" : "", m.bufs[i].dev, kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, t);
	result(OP_WAIT_DONE, do_wait(m.bufs[i].dev, m.bufs[i].id, t, 0, v1),
	       0);
	forget_id(i);
}

static volatile sig_atomic_t alarms;
static struct timespec alarm_time;

static void on_alarm(int sig)
{
	clock_gettime(CLOCK_MONOTONIC, &alarm_time);
	alarms++;
}

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000ll + b->tv_nsec - a->tv_nsec;
}

/*
 * WAIT_RELEASED of a live buffer interrupted by a signal: with SA_RESTART
 * ABI 2's number restarts with the time left and times out, no later than
 * the first call would have (give or take TCG); without it, EINTR with the
 * time left (at least 1 ms) written back.  ABI 1's number: EINTR.
 *
 * The handler notes when it ran: a handler that ran well before the call
 * returned ran before the call began (the vCPU stalled between the check
 * and the syscall), and the call is not counted; one that ran as the call
 * returned was pending in it.
 */
static void op_wait_signal(void)
{
	int i = pick_buf(is_known_live), ret, want;
	bool restart = chance(50), v1 = chance(30);
	struct sigaction sa = {
		.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0,
	}, old;
	/* Half of the signals come within the call's first jiffy. */
	struct itimerval it = {
		.it_value.tv_usec = chance(50) ? 200 + below(800) :
				    5000 + below(10000),
	};
	struct itimerval off = { 0 };
	struct gntbuf_wait_released w = { .timeout_ms = 40 + below(40) };
	struct timespec start, end;
	uint32_t t0;
	sig_atomic_t before;
	uint64_t ms;

	if (i < 0)
		return;
	w.buffer_id = m.bufs[i].id;
	want = restart && !v1 ? -ETIMEDOUT : -EINTR;
	/* EINTR comes early: a long timeout costs nothing and no stall ends it. */
	if (want == -EINTR)
		w.timeout_ms = 300 + below(300);
	t0 = w.timeout_ms;
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms, SIGALRM "
		 "after %ld us%s", v1 ? "_V1" : "", m.bufs[i].dev,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 t0, (long)it.it_value.tv_usec,
		 restart ? " (SA_RESTART)" : "");
	igt_assert_eq(sigaction(SIGALRM, &sa, &old), 0);
	before = alarms;
	igt_gettime(&start);
	igt_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	/* A signal before the call (a TCG hiccup) interrupts nothing. */
	ret = alarms != before ? 1 :
	      ioctl(m.devs[m.bufs[i].dev], v1 ? GNTBUF_IOCTL_WAIT_RELEASED_V1 :
		    GNTBUF_IOCTL_WAIT_RELEASED, &w);
	ret = ret == -1 ? -errno : ret;
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = igt_nsec_elapsed(&start) / 1000000;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (ret == 1)
		return;	/* not counted */
	if (ret == -ETIMEDOUT && want == -EINTR && alarms != before &&
	    ns_between(&alarm_time, &end) > 2000000) {
		igt_info("call %lu: SIGALRM handled %.1f ms before the wait "
			 "returned: it came before the call, not counted\n",
			 m.call, ns_between(&alarm_time, &end) / 1e6);
		return;
	}
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms, SIGALRM "
		 "after %ld us%s; returned after %llu ms, the handler ran "
		 "%.1f ms before", v1 ? "_V1" : "", m.bufs[i].dev,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 t0, (long)it.it_value.tv_usec,
		 restart ? " (SA_RESTART)" : "", (unsigned long long)ms,
		 alarms != before ? ns_between(&alarm_time, &end) / 1e6 : -1.0);
	result(OP_WAIT_SIGNAL, ret, want);
	if (ret == -EINTR && !v1 && (w.timeout_ms < 1 || w.timeout_ms > t0)) {
		igt_info("timeout_ms written back: %u (of %u ms requested, "
			 "returned after %llu ms)\n", w.timeout_ms, t0,
			 (unsigned long long)ms);
		model_assert(false, "the time left written back is not "
			     "between 1 and the timeout");
	}
	if (ret == -ETIMEDOUT)
		model_assert(ms < t0 + 2000, "a restarted wait waited far "
			     "longer than its timeout");
}

static void op_wait_bad(void)
{
	int d = pick_dev(), i, o;
	bool v1 = chance(20);
	uint64_t id;

	switch (below(3)) {
	case 0:
		id = unknown_id();
		describe("WAIT_RELEASED on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		result(OP_WAIT_BAD, do_wait(d, id, below(3), 0, v1), -ENOENT);
		break;
	case 1:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("WAIT_RELEASED on dev %d of dev %d's %s %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_WAIT_BAD, do_wait(o, m.bufs[i].id, below(3), 0, v1),
		       -ENOENT);
		break;
	default:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		describe("WAIT_RELEASED on dev %d of %s %llu, pad set",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_WAIT_BAD, do_wait(m.bufs[i].dev, m.bufs[i].id, 0,
					    1u << below(32), v1), -EINVAL);
		break;
	}
}

/* A valid range of a buffer of @size bytes: zero-length, whole, partial. */
static void valid_range(uint64_t size, __u64 *off, __u64 *len)
{
	switch (below(6)) {
	case 0:
		*off = below(size + 1);
		*len = 0;
		break;
	case 1:
		*off = 0;
		*len = size;
		break;
	case 2:
		*off = size - 1 - below(64);
		*len = size - *off;
		break;
	default:
		*off = below(size);
		*len = 1 + below(size - *off);
		break;
	}
}

static uint32_t sync_dir(void)
{
	return 1 + below(3);
}

static int do_sync(int d, uint64_t id, int fd, uint32_t flags,
		   uint64_t off, uint64_t len)
{
	struct gntbuf_sync_range s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.offset = off, .length = len,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGE, &s);
}

static void op_sync(void)
{
	__u64 off, len;
	uint32_t flags = sync_dir();
	int i, d;

	if (chance(50)) {
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		valid_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d of %s %llu [%llu +%llu) flags "
			 "%#x", m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len,
			 flags);
		result(OP_SYNC, do_sync(m.bufs[i].dev, m.bufs[i].id, 0, flags,
					off, len), 0);
	} else {
		/* By fd: any open device, any gntbuf dma-buf. */
		i = pick_buf(is_dmabuf_open);
		d = pick_dev();
		if (i < 0)
			return;
		valid_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d by fd of %s %llu [%llu +%llu) "
			 "flags %#x", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len,
			 flags);
		result(OP_SYNC, do_sync(d, 0, m.bufs[i].fd,
					flags | GNTBUF_SYNC_BY_FD, off, len),
		       0);
	}
}

/* A range past the end of @size bytes. */
static void bad_range(uint64_t size, __u64 *off, __u64 *len)
{
	switch (below(4)) {
	case 0:
		*off = below(size);
		*len = size - *off + 1 + below(PAGE);
		break;
	case 1:
		*off = size + 1 + below(PAGE);
		*len = 0;
		break;
	case 2:
		*off = size;
		*len = 1;
		break;
	default:	/* wraps around 2^64 */
		*off = 1 + below(size);
		*len = ~0ull - below(4);
		break;
	}
}

static void op_sync_bad(void)
{
	__u64 off = 0, len = 1;
	uint64_t id;
	uint32_t flags = sync_dir();
	int i, d = pick_dev(), o, fd;

	switch (below(12)) {
	case 0:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		describe("SYNC_RANGE on dev %d of %s %llu, no direction",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0, 0,
					    0, 1), -EINVAL);
		break;
	case 1:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		flags |= 1u << (3 + below(29));
		describe("SYNC_RANGE on dev %d of %s %llu, flags %#x",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, flags);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1), -EINVAL);
		break;
	case 2:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		bad_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d of %s %llu (%llu bytes) past "
			 "the end [%llu +%llu)", m.bufs[i].dev,
			 kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)size_of(&m.bufs[i]),
			 (unsigned long long)off, (unsigned long long)len);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, off, len), -EINVAL);
		break;
	case 3:
		i = pick_buf(is_dmabuf_open);
		if (i < 0)
			return;
		bad_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d by fd of %s %llu past the end "
			 "[%llu +%llu)", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len);
		result(OP_SYNC_BAD, do_sync(d, 0, m.bufs[i].fd,
					    flags | GNTBUF_SYNC_BY_FD, off,
					    len), -EINVAL);
		break;
	case 4:
		i = pick_buf(is_dmabuf_open);
		if (i < 0 || m.bufs[i].dev < 0)
			return;
		describe("SYNC_RANGE on dev %d by id %llu and fd together",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id,
					    m.bufs[i].fd, flags |
					    (chance(50) ? GNTBUF_SYNC_BY_FD :
					     0), 0, 1), -EINVAL);
		break;
	case 5:
		i = pick_buf(is_known_import);
		if (i < 0)
			return;
		describe("SYNC_RANGE on dev %d of import %llu", m.bufs[i].dev,
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1), -EINVAL);
		break;
	case 6:
		i = pick_buf(is_known_released_syncable);
		if (i < 0)
			return;
		describe("SYNC_RANGE on dev %d of released %s %llu",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1), -ENOENT);
		break;
	case 7:
		id = unknown_id();
		describe("SYNC_RANGE on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		/* Id 0 with no fd names nothing either. */
		result(OP_SYNC_BAD, do_sync(d, id, 0, flags, 0, 1), -ENOENT);
		break;
	case 8:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("SYNC_RANGE on dev %d of dev %d's %s %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(o, m.bufs[i].id, 0, flags, 0, 1),
		       -ENOENT);
		break;
	case 9:
		o = pick_vgem();
		fd = o >= 0 && chance(70) ? m.vgem_bufs[o].fd :
		     chance(50) ? m.null_fd : m.devs[d];
		describe("SYNC_RANGE on dev %d by fd %d, no gntbuf dma-buf", d,
			 fd);
		result(OP_SYNC_BAD, do_sync(d, 0, fd, flags |
					    GNTBUF_SYNC_BY_FD, 0, 1), -EINVAL);
		break;
	case 10:
		fd = chance(50) ? -1 : 1000 + below(20);
		describe("SYNC_RANGE on dev %d by fd %d, not open", d, fd);
		result(OP_SYNC_BAD, do_sync(d, 0, fd, flags |
					    GNTBUF_SYNC_BY_FD, 0, 1), -EBADF);
		break;
	default: {
		void *p = bad_ptr();

		describe("SYNC_RANGE on dev %d, argument %s", d, bad_ptr_name);
		result(OP_SYNC_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGE,
					   p), -EFAULT);
		break;
	}
	}
}

static struct gntbuf_sync_span spans[GNTBUF_SYNC_MAX_RANGES + 1];

static int do_syncs(int d, uint64_t id, int fd, uint32_t flags,
		    const void *ranges, uint32_t count, uint32_t pad)
{
	struct gntbuf_sync_ranges s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.ranges_ptr = (uintptr_t)ranges, .count = count, .pad = pad,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGES, &s);
}

static void op_syncs(void)
{
	uint32_t n = below(9), flags = sync_dir();
	bool by_fd = chance(40);
	int i = pick_buf(by_fd ? is_dmabuf_open : is_known_live_syncable);
	int d;

	if (i < 0)
		return;
	for (uint32_t k = 0; k < n; k++)
		valid_range(size_of(&m.bufs[i]), &spans[k].offset,
			    &spans[k].length);
	if (by_fd) {
		d = pick_dev();
		describe("SYNC_RANGES on dev %d by fd of %s %llu, %u ranges, "
			 "flags %#x", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, n, flags);
		result(OP_SYNCS, do_syncs(d, 0, m.bufs[i].fd,
					  flags | GNTBUF_SYNC_BY_FD, spans, n,
					  0), 0);
	} else {
		describe("SYNC_RANGES on dev %d of %s %llu, %u ranges, flags "
			 "%#x", m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, n, flags);
		result(OP_SYNCS, do_syncs(m.bufs[i].dev, m.bufs[i].id, 0,
					  flags, spans, n, 0), 0);
	}
}

static void op_syncs_bad(void)
{
	uint32_t n = 1 + below(8), flags = sync_dir();
	int i = pick_buf(is_known_live_syncable), d;

	if (i < 0)
		return;
	d = m.bufs[i].dev;
	for (uint32_t k = 0; k < n; k++)
		valid_range(size_of(&m.bufs[i]), &spans[k].offset,
			    &spans[k].length);
	switch (below(5)) {
	case 0:
		n = GNTBUF_SYNC_MAX_RANGES + 1 + (chance(50) ? 0 : below(1u << 31));
		describe("SYNC_RANGES on dev %d of %llu, count %u", d,
			 (unsigned long long)m.bufs[i].id, n);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 0), -E2BIG);
		break;
	case 1:
		describe("SYNC_RANGES on dev %d of %llu, pad set", d,
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 1u << below(32)), -EINVAL);
		break;
	case 2: {
		void *p = bad_ptr();

		describe("SYNC_RANGES on dev %d of %llu, %u ranges at %s", d,
			 (unsigned long long)m.bufs[i].id, n, bad_ptr_name);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, p, n,
					      0), -EFAULT);
		break;
	}
	case 3: {
		uint32_t k = below(n);

		bad_range(size_of(&m.bufs[i]), &spans[k].offset,
			  &spans[k].length);
		describe("SYNC_RANGES on dev %d of %s %llu (%llu bytes), "
			 "range %u of %u past the end [%llu +%llu)", d,
			 kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)size_of(&m.bufs[i]), k, n,
			 (unsigned long long)spans[k].offset,
			 (unsigned long long)spans[k].length);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 0), -EINVAL);
		break;
	}
	default:
		describe("SYNC_RANGES on dev %d of %llu, no direction", d,
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, 0, spans, n,
					      0), -EINVAL);
		break;
	}
}

/* ---- dma-bufs ---- */

static void op_close_dmabuf(void)
{
	int i = pick_buf(is_dmabuf_open);

	if (i < 0)
		return;
	describe("close of %s %llu's dma-buf fd %d", kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, m.bufs[i].fd);
	result(OP_CLOSE_DMABUF, close(m.bufs[i].fd) ? -errno : 0, 0);
	m.bufs[i].fd = -1;
	maybe_released(i);
}

static int free_map_slot(void)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (!m.maps[i].used)
			return i;
	return -1;
}

/* The buffer with the most mmaps, to reach the PV per-buffer limit. */
static int busiest_dmabuf(void)
{
	int best = -1;

	for (int i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].used && is_dmabuf_open(&m.bufs[i]) &&
		    (best < 0 || m.bufs[i].maps > m.bufs[best].maps))
			best = i;
	return best;
}

static void op_mmap(void)
{
	int i = chance(25) ? busiest_dmabuf() : pick_buf(is_dmabuf_open);
	int s = free_map_slot(), want = 0, ret;
	struct buf *b;
	uint32_t first, n;
	bool rw;
	void *p;

	if (i < 0 || s < 0)
		return;
	b = &m.bufs[i];
	rw = !b->ro && chance(60);
	first = below(b->pages);
	n = 1 + below(b->pages - first);
	if (chance(40)) {
		first = 0;
		n = b->pages;
	}
	/*
	 * A PV domain maps an EXPORT_REFS buffer at most max_mmaps times,
	 * and each mapping's pages count in max_pages_total.
	 */
	if (m.pv && b->kind == K_EXPORT &&
	    (b->maps >= m.max_mmaps ||
	     total_pages() + n > (uint64_t)m.limit_total))
		want = -ENOSPC;
	describe("mmap %s of %s %llu (fd %d, %u maps), pages [%u +%u) "
		 "(total %llu pages)", rw ? "rw" : "ro", kind_name[b->kind],
		 (unsigned long long)b->id, b->fd, b->maps, first, n,
		 (unsigned long long)total_pages());
	p = mmap(NULL, (size_t)n * PAGE, PROT_READ | (rw ? PROT_WRITE : 0),
		 MAP_SHARED, b->fd, (off_t)first * PAGE);
	ret = p == MAP_FAILED ? -errno : 0;
	result(OP_MMAP, ret, want);
	if (ret)
		return;
	m.maps[s] = (struct map) {
		.used = true, .buf = i, .addr = p, .off = (size_t)first * PAGE,
		.len = (size_t)n * PAGE, .rw = rw,
		.charged = m.pv && b->kind == K_EXPORT ? n : 0,
	};
	b->maps++;
}

static void op_mmap_bad(void)
{
	int i = pick_buf(is_dmabuf_open), want, ret, prot = PROT_READ;
	int flags = MAP_SHARED;
	struct buf *b;
	size_t len, off = 0;
	const char *what;
	void *p;

	if (i < 0)
		return;
	b = &m.bufs[i];
	len = (size_t)b->pages * PAGE;
	switch (below(4)) {
	case 0:
		what = "MAP_PRIVATE";
		flags = MAP_PRIVATE;
		want = -EINVAL;
		break;
	case 1:
		what = "past the end";
		len += PAGE * (1 + below(4));
		want = -EINVAL;
		break;
	case 2:
		what = "at an offset past the end";
		off = (size_t)(b->pages + below(4)) * PAGE;
		len = PAGE;
		want = -EINVAL;
		break;
	default:
		if (!b->ro)
			return;
		what = "PROT_WRITE of a read-only export";
		prot |= PROT_WRITE;
		want = -EACCES;
		break;
	}
	describe("mmap of %s %llu (%u pages), %s: offset %zu length %zu",
		 kind_name[b->kind], (unsigned long long)b->id, b->pages, what,
		 off, len);
	p = mmap(NULL, len, prot, flags, b->fd, off);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret)
		munmap(p, len);
	result(OP_MMAP_BAD, ret, want);
}

static void map_gone(int s)
{
	int i = m.maps[s].buf;

	m.maps[s].used = false;
	m.bufs[i].maps--;
	maybe_released(i);
}

static void op_munmap(void)
{
	int s = pick_map();

	if (s < 0)
		return;
	describe("munmap of a map of %s %llu [%zu +%zu)",
		 kind_name[m.bufs[m.maps[s].buf].kind],
		 (unsigned long long)m.bufs[m.maps[s].buf].id, m.maps[s].off,
		 m.maps[s].len);
	result(OP_MUNMAP, munmap(m.maps[s].addr, m.maps[s].len) ? -errno : 0,
	       0);
	map_gone(s);
}

static void op_munmap_part(void)
{
	int s = pick_map();
	struct map *mp;
	size_t cut;
	bool head = chance(50);

	if (s < 0)
		return;
	mp = &m.maps[s];
	cut = (size_t)(1 + below(mp->len / PAGE)) * PAGE;
	describe("munmap of %zu bytes at the %s of a map of %s %llu [%zu "
		 "+%zu)", cut, head ? "head" : "tail",
		 kind_name[m.bufs[mp->buf].kind],
		 (unsigned long long)m.bufs[mp->buf].id, mp->off, mp->len);
	result(OP_MUNMAP_PART, munmap(head ? mp->addr : mp->addr + mp->len - cut,
				      cut) ? -errno : 0, 0);
	if (head) {
		mp->addr += cut;
		mp->off += cut;
	}
	mp->len -= cut;
	if (!mp->len)
		map_gone(s);
}

/* Another map of the same buffer that covers byte @off, or -1. */
static int other_map(int s, size_t off)
{
	for (int k = 0; k < MAX_MAPS; k++)
		if (k != s && m.maps[k].used &&
		    m.maps[k].buf == m.maps[s].buf && off >= m.maps[k].off &&
		    off < m.maps[k].off + m.maps[k].len)
			return k;
	return -1;
}

static void op_touch(void)
{
	int s = pick_map(), k;
	struct map *mp;
	struct buf *b;
	size_t at, off;
	uint32_t v, want;
	volatile uint32_t *p;

	if (s < 0)
		return;
	mp = &m.maps[s];
	b = &m.bufs[mp->buf];
	at = ((size_t)below(mp->len / 4)) * 4;
	off = mp->off + at;
	p = (volatile uint32_t *)(mp->addr + at);
	if (mp->rw && chance(50)) {
		want = rnd();
		describe("write %#x at byte %zu of %s %llu through its map", want,
			 off, kind_name[b->kind], (unsigned long long)b->id);
		*p = want;
		v = *p;
		b->written = true;
		result(OP_TOUCH, 0, 0);
		model_assert(v == want, "a word written through a map did not "
			     "read back");
	} else {
		describe("read at byte %zu of %s %llu through its map", off,
			 kind_name[b->kind], (unsigned long long)b->id);
		v = *p;
		result(OP_TOUCH, 0, 0);
		/* ALLOC's pages are zeroed before they are granted. */
		if (b->kind == K_ALLOC && !b->written)
			model_assert(v == 0, "a page of an ALLOC buffer never "
				     "written to is not zero");
	}
	/* Zero copy: the granter and any other map see the same word. */
	if (b->kind == K_EXPORT && m.self_view && !b->ro_grants)
		model_assert(((uint32_t *)m.self_view)[(b->first * PAGE + off) /
							4] == v,
			     "the granter's view differs from the map");
	k = other_map(s, off);
	if (k >= 0)
		model_assert(*(volatile uint32_t *)(m.maps[k].addr + off -
						    m.maps[k].off) == v,
			     "two maps of one buffer differ");
}

/*
 * mprotect() of a whole map: PROT_WRITE of a read-only export has no
 * VM_MAYWRITE (EACCES), and in a PV domain only a grant operation may
 * change an export's PTEs (EACCES, kernel/README.md).
 */
static void op_mprotect(void)
{
	int s = pick_map(), want = 0, ret;
	bool rw = chance(50);
	struct map *mp;
	struct buf *b;

	if (s < 0)
		return;
	mp = &m.maps[s];
	b = &m.bufs[mp->buf];
	if ((rw && b->ro) || (m.pv && b->kind == K_EXPORT))
		want = -EACCES;
	describe("mprotect %s of a %s map of %s %llu [%zu +%zu)",
		 rw ? "rw" : "ro", mp->rw ? "rw" : "ro", kind_name[b->kind],
		 (unsigned long long)b->id, mp->off, mp->len);
	ret = mprotect(mp->addr, mp->len, PROT_READ | (rw ? PROT_WRITE : 0));
	ret = ret ? -errno : 0;
	result(OP_MPROTECT, ret, want);
	if (!ret)
		mp->rw = rw;
}

static void op_madvise(void)
{
	int idx[MAX_MAPS], n = 0, s;

	for (int k = 0; k < MAX_MAPS; k++)
		if (m.maps[k].used && m.bufs[m.maps[k].buf].kind == K_EXPORT)
			idx[n++] = k;
	if (!n)
		return;
	s = idx[below(n)];
	describe("madvise(MADV_DOFORK) of a map of export %llu",
		 (unsigned long long)m.bufs[m.maps[s].buf].id);
	result(OP_MADVISE, madvise(m.maps[s].addr, m.maps[s].len,
				   MADV_DOFORK) ? -errno : 0, -EINVAL);
}

static int cpu_access_fd(const char **what)
{
	int i, v;

	if (chance(80)) {
		i = pick_buf(is_dmabuf_open);
		if (i >= 0) {
			*what = kind_name[m.bufs[i].kind];
			return m.bufs[i].fd;
		}
	}
	v = pick_vgem();
	*what = "vgem";
	return v >= 0 ? m.vgem_bufs[v].fd : -1;
}

static void op_cpu_access(void)
{
	static const uint64_t dirs[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	uint64_t flags = dirs[below(3)] |
			 (chance(50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END);
	const char *what;
	int fd = cpu_access_fd(&what);

	if (fd < 0)
		return;
	describe("DMA_BUF_IOCTL_SYNC %#llx of a %s dma-buf (fd %d)",
		 (unsigned long long)flags, what, fd);
	result(OP_CPU_ACCESS, __gntbuf_dmabuf_sync(fd, flags), 0);
}

static void op_cpu_access_bad(void)
{
	const char *what;
	int fd = cpu_access_fd(&what);
	uint64_t flags;

	if (fd < 0)
		return;
	if (chance(50))
		flags = chance(50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END;
	else
		flags = DMA_BUF_SYNC_RW | (1ull << (3 + below(61)));
	describe("DMA_BUF_IOCTL_SYNC %#llx (bad) of a %s dma-buf (fd %d)",
		 (unsigned long long)flags, what, fd);
	result(OP_CPU_ACCESS_BAD, __gntbuf_dmabuf_sync(fd, flags), -EINVAL);
}

/* ---- vgem ---- */

static void op_vgem_create(void)
{
	struct drm_mode_create_dumb create = { .width = 1024, .bpp = 32 };
	struct drm_gem_close gem_close = { 0 };
	int v = -1, fd, ret;
	bool rw = chance(70);

	for (int k = 0; k < MAX_VGEM; k++)
		if (m.vgem_bufs[k].fd < 0)
			v = k;
	if (v < 0)
		return;
	create.height = 1 + below(GOOD_PAGES);
	describe("vgem dumb buffer of %u pages, PRIME %s", create.height,
		 rw ? "O_RDWR" : "O_RDONLY");
	ret = xioctl(m.vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	result(OP_VGEM_CREATE, ret, 0);
	model_assert(create.size == (uint64_t)create.height * PAGE,
		     "vgem's dumb buffer is not whole pages");
	ret = drmPrimeHandleToFD(m.vgem, create.handle,
				 DRM_CLOEXEC | (rw ? DRM_RDWR : 0), &fd);
	result(OP_VGEM_CREATE, ret ? -errno : 0, 0);
	gem_close.handle = create.handle;
	result(OP_VGEM_CREATE, xioctl(m.vgem, DRM_IOCTL_GEM_CLOSE, &gem_close),
	       0);
	m.vgem_bufs[v] = (struct vgem_buf) {
		.fd = fd, .pages = create.height, .rw = rw,
	};
}

static void op_vgem_close(void)
{
	int v = pick_vgem();

	if (v < 0)
		return;
	describe("close of vgem dma-buf %d (fd %d)", v, m.vgem_bufs[v].fd);
	result(OP_VGEM_CLOSE, close(m.vgem_bufs[v].fd) ? -errno : 0, 0);
	m.vgem_bufs[v].fd = -1;
}

static void op_prime_import(void)
{
	int i = pick_buf(is_dmabuf_open_unimported), ret;
	uint32_t handle = 0;

	if (i < 0)
		return;
	describe("vgem PRIME import of %s %llu (fd %d, handle %u)",
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 m.bufs[i].fd, m.bufs[i].vgem_handle);
	ret = drmPrimeFDToHandle(m.vgem, m.bufs[i].fd, &handle);
	result(OP_PRIME_IMPORT, ret ? -errno : 0, 0);
	/* The same dma-buf imported again is the same GEM object. */
	model_assert(!m.bufs[i].vgem_handle ||
		     handle == m.bufs[i].vgem_handle,
		     "a second PRIME import gave another handle");
	m.bufs[i].vgem_handle = handle;
}

static void op_gem_close(void)
{
	int i = pick_buf(has_vgem_handle);
	struct drm_gem_close gem_close = { 0 };

	if (i < 0)
		return;
	gem_close.handle = m.bufs[i].vgem_handle;
	describe("vgem GEM_CLOSE of handle %u (%s %llu)", gem_close.handle,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id);
	result(OP_GEM_CLOSE, xioctl(m.vgem, DRM_IOCTL_GEM_CLOSE, &gem_close),
	       0);
	m.bufs[i].vgem_handle = 0;
	maybe_released(i);
}

/* ---- device files ---- */

static void op_dev_open(void)
{
	int slot = -1, fd;

	for (int k = 0; k < MAX_DEVS; k++)
		if (m.devs[k] < 0)
			slot = k;
	if (slot < 0)
		return;
	describe("open of %s as dev %d", GNTBUF_TEST_DEVICE, slot);
	fd = __gntbuf_open();
	result(OP_DEV_OPEN, fd < 0 ? fd : 0, 0);
	m.devs[slot] = fd;
	m.dev_file[slot] = ++m.next_file;
}

static void dev_closed(int slot)
{
	m.devs[slot] = -1;
	/* Its imports end; its ids are forgotten. */
	for (int i = 0; i < MAX_BUFS; i++) {
		struct buf *b = &m.bufs[i];

		if (!b->used || b->dev != slot)
			continue;
		if (b->kind == K_IMPORT && !b->released) {
			m.stale[m.nstale++ % STALE_IDS] = b->id;
			b->dev = -1;
			import_ended(i);
			continue;
		}
		forget_id(i);
	}
}

static void op_dev_close(void)
{
	int slot = pick_dev();

	/* Keep one open: every other call needs one. */
	if (pick_other_dev(slot) < 0)
		return;
	describe("close of dev %d", slot);
	result(OP_DEV_CLOSE, close(m.devs[slot]) ? -errno : 0, 0);
	dev_closed(slot);
}

/* ---- other processes ---- */

#define CHILD_FAIL(step, ret) do { \
	fprintf(stderr, "child: step %d failed: %d (%s)\n", step, ret, \
		strerror(-(ret))); \
	_exit(10 + step); \
} while (0)

/*
 * What a process given a gntbuf or vgem dma-buf does with it (a forked
 * child with an inherited fd, or the helper with one passed over the
 * socket): map it, read (and check a word the parent wrote), begin/end
 * CPU access, SYNC_RANGE it by fd on @dev, IMPORT it on @dev when asked.
 */
struct use_req {
	int kind;		/* enum kind, or -1 for vgem */
	bool ro;		/* read-only dma-buf */
	uint32_t pages;
	uint32_t grantee;
	bool check;		/* a word to check */
	uint32_t check_off;
	uint32_t check_val;
	bool import;
	int mmap_want;		/* what its mmap gives: 0 or -ENOSPC */
	int import_want;	/* what its IMPORT gives */
	uint32_t maps;		/* mmaps of it before */
};

static void use_dmabuf(int dev, int fd, const struct use_req *r)
{
	size_t len = (size_t)r->pages * PAGE;
	struct gntbuf_sync_range s = {
		.fd = fd, .flags = GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD,
		.length = len,
	};
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *map;
	int ret;

	if (size != (off_t)len)
		CHILD_FAIL(1, size < 0 ? -errno : -EIO);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ret = map == MAP_FAILED ? -errno : 0;
	if (ret != r->mmap_want) {
		fprintf(stderr, "child: mmap of %u pages (%u maps before): "
			"%d, expected %d\n", r->pages, r->maps, ret,
			r->mmap_want);
		CHILD_FAIL(2, ret);
	}
	if (ret)
		map = NULL;
	ret = __gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (ret)
		CHILD_FAIL(3, ret);
	if (map && r->check && *(volatile uint32_t *)(map + r->check_off) !=
	    r->check_val) {
		fprintf(stderr, "child: word at %u is %#x, not %#x\n",
			r->check_off, *(uint32_t *)(map + r->check_off),
			r->check_val);
		_exit(4);
	}
	if (map)
		(void)*(volatile uint32_t *)(map + len - 4);
	ret = __gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (ret)
		CHILD_FAIL(5, ret);
	ret = xioctl(dev, GNTBUF_IOCTL_SYNC_RANGE, &s);
	if (ret != (r->kind < 0 ? -EINVAL : 0))
		CHILD_FAIL(6, ret);
	if (r->import) {
		struct gntbuf_import imp = {
			.fd = fd, .domid = r->grantee, .count = r->pages,
			.flags = GNTBUF_IMPORT_READ_ONLY,
			.refs_ptr = (uintptr_t)out_refs,
		};

		ret = xioctl(dev, GNTBUF_IOCTL_IMPORT, &imp);
		if (ret != r->import_want) {
			fprintf(stderr, "child: IMPORT of %u pages: %d, "
				"expected %d\n", r->pages, ret,
				r->import_want);
			CHILD_FAIL(7, ret);
		}
		if (!ret) {
			struct gntbuf_import_release rel = {
				.buffer_id = imp.buffer_id,
			};
			struct gntbuf_wait_released w = {
				.buffer_id = imp.buffer_id, .timeout_ms = 2000,
			};

			ret = xioctl(dev, GNTBUF_IOCTL_IMPORT_RELEASE, &rel);
			if (ret)
				CHILD_FAIL(8, ret);
			ret = xioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
			if (ret)
				CHILD_FAIL(9, ret);
		}
	}
	if (map && munmap(map, len))
		CHILD_FAIL(10, -errno);
}

/*
 * What the other process should get: a PV mapping of an export counts in
 * the per-buffer and total limits, its IMPORT in the limits of @file_pages
 * (the file it imports on) and the total.
 */
static void fill_req(struct use_req *r, int kind, bool ro, uint32_t pages,
		     uint32_t maps, uint64_t file_charge)
{
	uint64_t total = total_pages();

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->ro = ro;
	r->pages = pages;
	r->maps = maps;
	r->grantee = m.grantee;
	r->import = chance(50);
	if (m.pv && kind == K_EXPORT &&
	    (maps >= m.max_mmaps || total + pages > (uint64_t)m.limit_total))
		r->mmap_want = -ENOSPC;
	if (kind == K_EXPORT)
		r->import_want = -EXDEV;
	else if (file_charge + pages > (uint64_t)m.limit_file ||
		 total + pages > (uint64_t)m.limit_total)
		r->import_want = -ENOSPC;
}

/* A word the parent writes through a rw map of buffer @i for the child. */
static void plant_word(int i, struct use_req *r)
{
	for (int k = 0; k < MAX_MAPS; k++) {
		struct map *mp = &m.maps[k];

		if (!mp->used || mp->buf != i || !mp->rw)
			continue;
		r->check = true;
		r->check_off = mp->off + (below(mp->len / 4) * 4);
		r->check_val = rnd();
		m.bufs[i].written = true;
		*(volatile uint32_t *)(mp->addr + r->check_off - mp->off) =
			r->check_val;
		return;
	}
}

static void op_fork(void)
{
	int i = pick_buf(is_dmabuf_open), d = pick_dev(), status;
	struct use_req r;
	pid_t pid;

	if (i < 0)
		return;
	fill_req(&r, m.bufs[i].kind, m.bufs[i].ro, m.bufs[i].pages,
		 m.bufs[i].maps, file_pages(m.dev_file[d]));
	plant_word(i, &r);
	describe("fork: the child uses %s %llu's inherited fd %d and dev %d, "
		 "%s, then exits", kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, m.bufs[i].fd, d,
		 r.import ? "imports it" : "no import");
	fflush(NULL);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		use_dmabuf(m.devs[d], m.bufs[i].fd, &r);
		/* Its own copies of the fds: closed, or left to exit. */
		if (r.import)
			close(m.bufs[i].fd);
		_exit(0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	result(OP_FORK, WIFEXITED(status) ? -WEXITSTATUS(status) : -1000 -
	       WTERMSIG(status), 0);
}

static void helper_main(int sock)
{
	int dev;

	for (int fd = 3; fd < 1024; fd++)
		if (fd != sock)
			close(fd);
	dev = open(GNTBUF_TEST_DEVICE, O_RDWR | O_CLOEXEC);
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct use_req r;
		struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;
		int fd = -1, status = 0;
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			_exit(0);
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		if (n != sizeof(r) || fd < 0 || dev < 0) {
			status = 1;
		} else {
			pid_t pid = fork();

			/* A failed step exits: do it in a grandchild. */
			if (pid == 0) {
				use_dmabuf(dev, fd, &r);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &status, 0) != pid)
				status = 2;
			else
				status = WIFEXITED(status) ?
					 WEXITSTATUS(status) : 3;
		}
		if (fd >= 0)
			close(fd);
		if (write(sock, &status, sizeof(status)) != sizeof(status))
			_exit(1);
	}
}

static void helper_start(void)
{
	int sv[2];

	igt_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				 sv), 0);
	fflush(NULL);
	m.helper = fork();
	igt_assert(m.helper >= 0);
	if (m.helper == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	m.sock = sv[0];
}

static void helper_stop(void)
{
	int status;

	if (m.helper <= 0)
		return;
	close(m.sock);
	m.sock = -1;
	igt_assert_eq(waitpid(m.helper, &status, 0), m.helper);
	m.helper = 0;
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "the SCM_RIGHTS helper ended with status %#x\n", status);
}

static void op_scm(void)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct use_req r;
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int i = pick_buf(is_dmabuf_open), v = pick_vgem(), fd;
	int status = -1;
	const char *what;

	/* The helper imports on a file of its own, which holds nothing. */
	if (i >= 0 && (v < 0 || chance(75))) {
		fill_req(&r, m.bufs[i].kind, m.bufs[i].ro, m.bufs[i].pages,
			 m.bufs[i].maps, 0);
		plant_word(i, &r);
		fd = m.bufs[i].fd;
		what = kind_name[m.bufs[i].kind];
	} else if (v >= 0) {
		fill_req(&r, -1, !m.vgem_bufs[v].rw, m.vgem_bufs[v].pages, 0,
			 0);
		fd = m.vgem_bufs[v].fd;
		what = "vgem";
	} else {
		return;
	}
	describe("SCM_RIGHTS of a %s dma-buf (fd %d) to the helper, which "
		 "maps%s it", what, fd, r.import ? " and imports" : "");
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	igt_assert_eq(sendmsg(m.sock, &msg, 0), (ssize_t)sizeof(r));
	igt_assert_eq(read(m.sock, &status, sizeof(status)),
		      (ssize_t)sizeof(status));
	result(OP_SCM, -status, 0);
}

/* ---- the grantee: the domain our ALLOC and IMPORT grants are for ---- */

/*
 * Polls STATS until the module agrees with the model: what the module
 * finishes asynchronously (a pending buffer's reclaim, at most 1 s apart).
 */
static void settle(const char *why)
{
	struct gntbuf_stats s, want;
	struct timespec start;
	int d = pick_dev();

	model_stats(&want);
	igt_gettime(&start);
	for (;;) {
		memset(&s, 0, sizeof(s));
		igt_assert_eq(xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
		if (stats_match(&s, &want))
			return;
		if (igt_nsec_elapsed(&start) > 3000ull * 1000 * 1000)
			break;
		usleep(5 * 1000);
	}
	gntbuf_stats_print("the module", &s);
	gntbuf_stats_print("the model", &want);
	model_assert(false, why);
}

/* A map of buffer @i covering bytes [@off, @off + @len), or -1. */
static int map_covering(int i, size_t off, size_t len)
{
	for (int k = 0; k < MAX_MAPS; k++)
		if (m.maps[k].used && m.maps[k].buf == i &&
		    m.maps[k].off <= off &&
		    off + len <= m.maps[k].off + m.maps[k].len)
			return k;
	return -1;
}

static void op_grantee_map(void)
{
	int i, k, ret, mapped_buf;
	uint32_t first, n;
	struct buf *b;
	bool rw;

	if (m.gmap >= 0)
		return;
	i = pick_buf(is_grantee_mappable);
	if (i < 0)
		return;
	b = &m.bufs[i];
	first = below(b->pages);
	n = 1 + below(b->pages - first);
	rw = !b->grant_ro && chance(50);
	describe("the grantee (domid %u) maps %s refs [%u +%u) of %s %llu",
		 m.grantee, rw ? "rw" : "ro", first, n, kind_name[b->kind],
		 (unsigned long long)b->id);
	ret = __gntbuf_grantee_map(&m.gr, b->refs + first, n, rw);
	result(OP_GRANTEE_MAP, ret, 0);
	b->gmapped = n;
	m.gmap = i;
	/* Zero copy: the grantee sees what our map of the pages holds. */
	mapped_buf = b->kind == K_ALLOC ? i : b->src;
	k = mapped_buf >= 0 ? map_covering(mapped_buf, (size_t)first * PAGE,
					   (size_t)n * PAGE) : -1;
	if (k >= 0)
		model_assert(gntbuf_grantee_crc(&m.gr) ==
			     gntbuf_crc32(0, m.maps[k].addr + first * PAGE -
					  m.maps[k].off, (size_t)n * PAGE),
			     "the grantee's view differs from our map");
}

static void op_grantee_unmap(void)
{
	int i = m.gmap;
	struct buf *b;

	if (i < 0)
		return;
	b = &m.bufs[i];
	describe("the grantee unmaps %u refs of %s %llu%s", b->gmapped,
		 kind_name[b->kind], (unsigned long long)b->id,
		 b->pending ? " (pending: its grants end now)" : "");
	gntbuf_grantee_unmap(&m.gr);
	result(OP_GRANTEE_UNMAP, 0, 0);
	m.gmap = -1;
	b->gmapped = 0;
	if (!b->pending)
		return;
	/* The module's reclaim ends the grants, then lets go of the rest. */
	m.pending_seen++;
	b->pending = false;
	if (b->kind == K_IMPORT && b->src >= 0) {
		m.bufs[b->src].importers--;
		maybe_released(b->src);
	}
	settle("a pending buffer is not let go 3 s after the grantee "
	       "unmapped its grants");
	if (b->dev < 0)
		memset(b, 0, sizeof(*b));
}

/* ---- the sequence ---- */

typedef void (*op_fn)(void);
static const op_fn op_fns[OP_COUNT] = {
	[OP_QUERY] = op_query, [OP_QUERY_BAD] = op_query_bad,
	[OP_STATS] = op_stats, [OP_STATS_BAD] = op_stats_bad,
	[OP_UNKNOWN_IOCTL] = op_unknown_ioctl,
	[OP_EXPORT] = op_export, [OP_EXPORT_BAD] = op_export_bad,
	[OP_ALLOC] = op_alloc, [OP_ALLOC_BAD] = op_alloc_bad,
	[OP_IMPORT_VGEM] = op_import_vgem, [OP_IMPORT_ALLOC] = op_import_alloc,
	[OP_IMPORT_EXPORT] = op_import_export, [OP_IMPORT_BAD] = op_import_bad,
	[OP_RELEASE] = op_release, [OP_RELEASE_BAD] = op_release_bad,
	[OP_WAIT_LIVE] = op_wait_live, [OP_WAIT_DONE] = op_wait_done,
	[OP_WAIT_BAD] = op_wait_bad, [OP_SYNC] = op_sync,
	[OP_SYNC_BAD] = op_sync_bad, [OP_SYNCS] = op_syncs,
	[OP_SYNCS_BAD] = op_syncs_bad, [OP_CLOSE_DMABUF] = op_close_dmabuf,
	[OP_MMAP] = op_mmap, [OP_MMAP_BAD] = op_mmap_bad,
	[OP_MUNMAP] = op_munmap, [OP_MUNMAP_PART] = op_munmap_part,
	[OP_TOUCH] = op_touch, [OP_MADVISE] = op_madvise,
	[OP_CPU_ACCESS] = op_cpu_access,
	[OP_CPU_ACCESS_BAD] = op_cpu_access_bad,
	[OP_VGEM_CREATE] = op_vgem_create, [OP_VGEM_CLOSE] = op_vgem_close,
	[OP_PRIME_IMPORT] = op_prime_import, [OP_GEM_CLOSE] = op_gem_close,
	[OP_DEV_OPEN] = op_dev_open, [OP_DEV_CLOSE] = op_dev_close,
	[OP_FORK] = op_fork, [OP_SCM] = op_scm,
	[OP_GRANTEE_MAP] = op_grantee_map,
	[OP_GRANTEE_UNMAP] = op_grantee_unmap,
	[OP_MPROTECT] = op_mprotect, [OP_WAIT_SIGNAL] = op_wait_signal,
};

static unsigned long total(enum op op)
{
	unsigned long n = 0;

	for (int e = 0; e < MAX_ERRNO; e++)
		n += hist[op][e];
	return n;
}

static void print_histogram(void)
{
	char line[512];
	size_t len;

	igt_info("calls and results (errno names) per kind of call:\n");
	for (int op = 0; op < OP_COUNT; op++) {
		len = snprintf(line, sizeof(line), "  %-20s %7lu:",
			       ops[op].name, total(op));
		for (int e = 0; e < MAX_ERRNO && len < sizeof(line) - 40; e++)
			if (hist[op][e])
				len += snprintf(line + len, sizeof(line) - len,
						" %s %lu",
						e ? strerrorname_np(e) ?: "?" :
						"ok", hist[op][e]);
		igt_info("%s\n", line);
	}
}

/* Closes everything the sequence left open, as a process exit would. */
static void close_all(void)
{
	if (m.gr_ready)
		gntbuf_grantee_unmap(&m.gr);
	m.gmap = -1;
	for (int s = 0; s < MAX_MAPS; s++)
		if (m.maps[s].used)
			munmap(m.maps[s].addr, m.maps[s].len);
	for (int i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].used && m.bufs[i].fd >= 0)
			close(m.bufs[i].fd);
	for (int v = 0; v < MAX_VGEM; v++)
		if (m.vgem_bufs[v].fd >= 0)
			close(m.vgem_bufs[v].fd);
	if (m.vgem >= 0)
		close(m.vgem);	/* its PRIME imports go with it */
	for (int d = 0; d < MAX_DEVS; d++)
		if (m.devs[d] >= 0)
			close(m.devs[d]);
	if (m.helper > 0) {
		close(m.sock);
		kill(m.helper, SIGKILL);
		waitpid(m.helper, NULL, 0);
		m.helper = 0;
	}
	if (m.null_fd >= 0)
		close(m.null_fd);
	memset(m.bufs, 0, sizeof(m.bufs));
	memset(m.maps, 0, sizeof(m.maps));
	for (int v = 0; v < MAX_VGEM; v++)
		m.vgem_bufs[v].fd = -1;
	for (int d = 0; d < MAX_DEVS; d++)
		m.devs[d] = -1;
	m.vgem = -1;
	m.null_fd = -1;
}

static void restore_limits(void);

/* close_all(), and the grants ended without asserting. */
static void teardown(void)
{
	close_all();
	restore_limits();
	gntbuf_grants_destroy(&m.good);
	gntbuf_grants_destroy(&m.ro);
	if (m.other_share.map)
		__gntbuf_unshare(&m.other_share);
	free(m.other_share.refs);
	m.other_share.refs = NULL;
	if (m.good.peer && m.other_set > 0)
		__gntbuf_peer_cmd(m.good.peer, NULL, 0, "unshare %d",
				  m.other_set);
	m.other_set = 0;
	m.dirty = false;
}

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

static void setup_pointers(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	m.none_page = map_anon(PAGE, PROT_NONE);
	m.ro_page = map_anon(PAGE, PROT_READ);
	m.edge = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	igt_assert_eq(mprotect(m.edge + PAGE, PAGE, PROT_NONE), 0);
}

static const char *const params[3] = {
	"max_pages_per_file", "max_pages_total", "max_mmaps_per_buffer",
};

static void restore_limits(void)
{
	for (int k = 0; k < 3; k++)
		if (m.saved_params[k] > 0 &&
		    __gntbuf_param_get(params[k]) != m.saved_params[k])
			gntbuf_param_set(params[k], m.saved_params[k]);
}

/*
 * Limits low enough that the sequence meets them: from the seed, a file
 * limit of 64-255 pages, a total of 128-511 pages and (PV) 2-6 mmaps per
 * export.  The model knows what each charge and each limit is.
 */
static void set_limits(void)
{
	for (int k = 0; k < 3; k++) {
		m.saved_params[k] = __gntbuf_param_get(params[k]);
		igt_require_f(m.saved_params[k] > 0, "no module parameter "
			      "%s\n", params[k]);
	}
	m.limit_file = 64 + below(192);
	m.limit_total = 128 + below(384);
	m.max_mmaps = 2 + below(5);
	gntbuf_param_set(params[0], m.limit_file);
	gntbuf_param_set(params[1], m.limit_total);
	gntbuf_param_set(params[2], m.max_mmaps);
	gntbuf_query(m.devs[0], &m.query);
	igt_assert_eq(m.query.max_pages_per_file, m.limit_file);
	igt_assert_eq(m.query.max_pages_total, m.limit_total);
}

static void setup(enum gntbuf_source source)
{
	int dev;

	if (m.dirty)
		teardown();
	memset(hist, 0, sizeof(hist));
	memset(history, 0, sizeof(history));
	m.source = source;
	m.call = 0;
	m.pending_seen = 0;
	m.nstale = 0;
	m.last_id = 0;
	m.helper = 0;
	m.sock = -1;
	m.vgem = -1;
	m.null_fd = -1;
	m.self_view = NULL;
	m.other_set = 0;
	m.gr_ready = false;
	m.gmap = -1;
	for (int d = 0; d < MAX_DEVS; d++)
		m.devs[d] = -1;
	for (int v = 0; v < MAX_VGEM; v++)
		m.vgem_bufs[v].fd = -1;
	setup_pointers();

	dev = gntbuf_open();
	gntbuf_require_features(dev, GNTBUF_FEATURE_EXPORT_REFS |
				GNTBUF_FEATURE_ALLOC | GNTBUF_FEATURE_IMPORT |
				GNTBUF_FEATURE_SYNC_RANGE |
				GNTBUF_FEATURE_SYNC_RANGES);
	gntbuf_query(dev, &m.query);
	m.pv = m.query.features & GNTBUF_FEATURE_PV_MAPPINGS;
	gntbuf_assert_idle(dev, 3000);
	gntbuf_stats(dev, &m.baseline);
	m.devs[0] = dev;
	m.dev_file[0] = ++m.next_file;
	set_limits();

	/* The helper first: it must inherit no buffer. */
	helper_start();
	m.dirty = true;
	m.vgem = gntbuf_test_open_vgem();
	m.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	igt_assert_fd(m.null_fd);

	gntbuf_grants_create(source, GOOD_PAGES, 0x5eed0000u, true, &m.good);
	gntbuf_grants_create(source, SMALL_PAGES, 0x5eed0001u, false, &m.ro);
	if (source == GNTBUF_SOURCE_SELF) {
		m.self_view = m.good.share.map;
		m.grantee = GNTBUF_SELF;
		/* dom0's refs granted to another domain, named as its own. */
		gntbuf_share_pages(DOMID_ABSENT, SMALL_PAGES, true,
				   &m.other_share);
		m.other.domid = GNTBUF_SELF;
		m.other.refs = m.other_share.refs;
	} else {
		/* The peer's refs granted to a third domain, not to us. */
		m.grantee = m.good.domid;
		m.other_set = gntbuf_peer_share_to(m.good.peer, SMALL_PAGES,
						   0x5eed0002u, true,
						   DOMID_ABSENT);
		m.other.domid = m.good.domid;
		m.other.refs = m.good.peer->set_refs[m.other_set];
	}
	gntbuf_grantee_init(source == GNTBUF_SOURCE_SELF ? GNTBUF_SOURCE_SELF :
			    GNTBUF_SOURCE_FOREIGN_PV, &m.gr);
	m.gr_ready = true;
	m.gmap = -1;
	free(m.big_refs);
	m.big_refs = calloc(m.query.max_pages_per_buffer + 1,
			    sizeof(uint32_t));
	igt_assert(m.big_refs);
	for (uint32_t k = 0; k <= m.query.max_pages_per_buffer; k++)
		m.big_refs[k] = m.good.refs[k % GOOD_PAGES];
	igt_info("grants from domid %u (%s), ALLOC and IMPORT grant to domid "
		 "%u; %s mappings; limits: %ld pages per file, %ld in total, "
		 "%ld mmaps per export\n", m.good.domid,
		 gntbuf_source_name(source), m.grantee,
		 m.pv ? "PV" : "auto-translated", m.limit_file, m.limit_total,
		 m.max_mmaps);
}

/* $GNTBUF_RANDOM_SKIP: kinds of call left out (a known failure, triage). */
static bool skipped_kind[OP_COUNT];

static void parse_skip(const char *list)
{
	char *copy = strdup(list), *save = NULL;

	igt_assert(copy);
	for (char *name = strtok_r(copy, ", ", &save); name;
	     name = strtok_r(NULL, ", ", &save)) {
		int op;

		for (op = 0; op < OP_COUNT; op++)
			if (strcmp(ops[op].name, name) == 0)
				break;
		igt_assert_f(op < OP_COUNT, "GNTBUF_RANDOM_SKIP: no kind of "
			     "call named %s\n", name);
		skipped_kind[op] = true;
		igt_info("left out of the sequence: %s\n", name);
	}
	free(copy);
}

static enum op pick_op(void)
{
	static unsigned int sum;
	unsigned int r;

	if (!sum)
		for (int op = 0; op < OP_COUNT; op++)
			sum += skipped_kind[op] ? 0 : ops[op].weight;
	r = below(sum);
	for (int op = 0; op < OP_COUNT; op++) {
		if (skipped_kind[op])
			continue;
		if (r < ops[op].weight)
			return op;
		r -= ops[op].weight;
	}
	return OP_QUERY;
}

static void run_sequence(enum gntbuf_source source)
{
	struct timespec start;
	unsigned long calls = opt_calls, skipped = 0;
	double secs;
	int kmsg, dev, ret;

	kmsg = gntbuf_kmsg_open();
	/* Each subtest starts from the seed: reproducible on its own. */
	rng = opt_seed ^ (source * 0x100000001b3ull);
	setup(source);
	igt_info("seed %llu (rerun with --seed %llu or GNTBUF_RANDOM_SEED=%llu)"
		 ", %lu calls\n", (unsigned long long)opt_seed,
		 (unsigned long long)opt_seed, (unsigned long long)opt_seed,
		 calls);
	igt_gettime(&start);
	while (m.call < calls) {
		enum op op = pick_op();
		unsigned long before = total(op);

		op_fns[op]();
		if (total(op) != before)
			m.call++;
		else
			skipped++;
		if (m.call && m.call % 10000 == 0 && total(op) != before)
			igt_info("%lu calls, %.1f s\n", m.call,
				 igt_nsec_elapsed(&start) / 1e9);
	}
	secs = igt_nsec_elapsed(&start) / 1e9;
	igt_info("%lu calls in %.1f s (%.0f per second; %lu picks had no "
		 "target)\n", m.call, secs, m.call / secs, skipped);
	print_histogram();
	igt_info("%lu buffers were pending (released while the grantee mapped "
		 "them) and let go after its unmap\n", m.pending_seen);

	/* The model's counters, once more, then everything closed. */
	describe("final STATS");
	op_stats();
	helper_stop();
	close_all();
	/* No export maps them any more: the granter ends them all. */
	gntbuf_grants_end(&m.good, 3000);
	gntbuf_grants_end(&m.ro, 3000);
	teardown();

	dev = gntbuf_open();
	gntbuf_assert_back_to(dev, &m.baseline, 3000);
	gntbuf_assert_idle(dev, 0);
	close(dev);
	gntbuf_kmsg_assert_clean(kmsg, "during the random sequence");
	close(kmsg);

	/* Nothing holds the module: it unloads, and comes back. */
	for (int k = 0; k < 50 && (ret = __gntbuf_module_unload()) ==
	     -EAGAIN; k++)
		usleep(100 * 1000);
	igt_assert_f(ret == 0, "the module does not unload after the "
		     "sequence: %s\n", strerror(-ret));
	gntbuf_module_reload();
	dev = gntbuf_open();
	gntbuf_assert_idle(dev, 0);
	close(dev);
}

static int opt_handler(int opt, int opt_index, void *data)
{
	char *end;

	switch (opt) {
	case 1001:
		opt_seed = strtoull(optarg, &end, 0);
		if (*end)
			return IGT_OPT_HANDLER_ERROR;
		opt_seed_set = true;
		return IGT_OPT_HANDLER_SUCCESS;
	case 1002:
		opt_calls = strtoul(optarg, &end, 0);
		return *end ? IGT_OPT_HANDLER_ERROR : IGT_OPT_HANDLER_SUCCESS;
	default:
		return IGT_OPT_HANDLER_ERROR;
	}
}

static const struct option long_opts[] = {
	{ "seed", required_argument, NULL, 1001 },
	{ "calls", required_argument, NULL, 1002 },
	{ 0 },
};

static const char help_str[] =
	"  --seed N\tthe sequence's seed (else $GNTBUF_RANDOM_SEED, else "
	"the time)\n"
	"  --calls N\tcalls per subtest (else $GNTBUF_RANDOM_CALLS, else "
	"100000)\n";

igt_main_args("", long_opts, help_str, opt_handler, NULL)
{
	igt_fixture {
		const char *env;
		struct timespec now;

		if (!opt_seed_set && (env = getenv("GNTBUF_RANDOM_SEED")) &&
		    *env) {
			opt_seed = strtoull(env, NULL, 0);
			opt_seed_set = true;
		}
		if (!opt_seed_set) {
			clock_gettime(CLOCK_REALTIME, &now);
			opt_seed = (uint64_t)now.tv_sec * 1000000007ull ^
				   now.tv_nsec ^ getpid();
		}
		if (!opt_calls && (env = getenv("GNTBUF_RANDOM_CALLS")) &&
		    *env)
			opt_calls = strtoul(env, NULL, 0);
		if (!opt_calls)
			opt_calls = 100000;
		if ((env = getenv("GNTBUF_RANDOM_SKIP")) && *env)
			parse_skip(env);
		igt_info("gntbuf_random: seed %llu, %lu calls per subtest\n",
			 (unsigned long long)opt_seed, opt_calls);
		m.vgem = -1;
		m.null_fd = -1;
		m.sock = -1;
		for (int d = 0; d < MAX_DEVS; d++)
			m.devs[d] = -1;
		for (int v = 0; v < MAX_VGEM; v++)
			m.vgem_bufs[v].fd = -1;
	}

	igt_describe("A seeded random sequence of every ioctl (valid and "
		     "invalid arguments), dma-buf and device closes, mmaps, "
		     "CPU access, vgem imports, forks and SCM_RIGHTS passing "
		     "on this domain's own grants; every result as the model "
		     "expects, the counters back to zero, no kernel error, "
		     "the module unloads.");
	igt_subtest("sequence-self")
		run_sequence(GNTBUF_SOURCE_SELF);

	igt_describe("The same sequence on a PV domU's grants (dom0's in a "
		     "PVH domU), ALLOC and IMPORT granting to that domain.");
	igt_subtest("sequence-foreign-pv")
		run_sequence(GNTBUF_SOURCE_FOREIGN_PV);

	igt_fixture {
		if (m.dirty)
			teardown();
		gntbuf_peer_stop_all();
	}
}
