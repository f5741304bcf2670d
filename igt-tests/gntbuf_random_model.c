// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: the random generator, the model of the module (buffers,
 * maps, vgem buffers, device files) and its counters, the results and the
 * history of the calls, the helpers that pick a target, and what holds a
 * dma-buf.
 */
#include "gntbuf_random.h"

/* ---- the random generator: splitmix64, reproducible from the seed ---- */

uint64_t rng;

uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- the model ---- */

const char *const kind_name[] = { "export", "alloc", "import" };

struct model m;

uint32_t out_refs[GNTBUF_SYNC_MAX_RANGES + 16];

/* ---- results ---- */

const struct op_info ops[OP_COUNT] = {
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

unsigned long hist[OP_COUNT][MAX_ERRNO];
char history[HISTORY][320];
static char desc[200];

void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void describe(const char *fmt, ...)
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
void result2(enum op op, int ret, int want, int alt)
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

void result(enum op op, int ret, int want)
{
	result2(op, ret, want, want);
}

/* A check of the model that is no call's result. */
void model_assert(bool ok, const char *what)
{
	if (ok)
		return;
	print_history();
	igt_assert_f(false, "seed %llu, call %lu: %s: %s\n",
		     (unsigned long long)opt_seed, m.call, desc, what);
}

int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

/* ---- picking ---- */

int pick_dev(void)
{
	int slots[MAX_DEVS], n = 0;

	for (int i = 0; i < MAX_DEVS; i++)
		if (m.devs[i] >= 0)
			slots[n++] = i;
	return n ? slots[below(n)] : -1;
}

/* Another open device than @slot, or -1. */
int pick_other_dev(int slot)
{
	int slots[MAX_DEVS], n = 0;

	for (int i = 0; i < MAX_DEVS; i++)
		if (m.devs[i] >= 0 && i != slot)
			slots[n++] = i;
	return n ? slots[below(n)] : -1;
}

int pick_buf(buf_filter f)
{
	int idx[MAX_BUFS], n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].used && f(&m.bufs[i]))
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

int free_buf_slot(void)
{
	for (int i = 0; i < MAX_BUFS; i++)
		if (!m.bufs[i].used)
			return i;
	return -1;
}

bool is_dmabuf_open(const struct buf *b)
{
	return b->kind != K_IMPORT && b->fd >= 0;
}

bool is_known(const struct buf *b)
{
	return b->dev >= 0;
}

bool is_known_live_syncable(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT && !b->released;
}

bool is_known_released_syncable(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT && b->released;
}

/* Not let go yet: WAIT_RELEASED times out. */
bool is_known_live(const struct buf *b)
{
	return b->dev >= 0 && (!b->released || b->pending);
}

/* Let go of, grants and all: WAIT_RELEASED returns 0. */
bool is_known_released(const struct buf *b)
{
	return b->dev >= 0 && b->released && !b->pending;
}

/* Still counted by the module (live_buffers, its page charge). */
static bool is_live(const struct buf *b)
{
	return b->used && (!b->released || b->pending);
}

/* Grants of ours the grantee can map now. */
bool is_grantee_mappable(const struct buf *b)
{
	return b->kind != K_EXPORT && !b->released && b->domid == m.grantee;
}

bool is_live_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT && !b->released;
}

bool is_released_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT && b->released;
}

bool is_known_not_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind != K_IMPORT;
}

bool is_known_import(const struct buf *b)
{
	return b->dev >= 0 && b->kind == K_IMPORT;
}

bool is_alloc_open(const struct buf *b)
{
	return b->kind == K_ALLOC && b->fd >= 0;
}

bool is_export_open(const struct buf *b)
{
	return b->kind == K_EXPORT && b->fd >= 0;
}

bool has_vgem_handle(const struct buf *b)
{
	return b->vgem_handle != 0;
}

bool is_dmabuf_open_unimported(const struct buf *b)
{
	return is_dmabuf_open(b);
}

int pick_map(void)
{
	int idx[MAX_MAPS], n = 0;

	for (int i = 0; i < MAX_MAPS; i++)
		if (m.maps[i].used)
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

int pick_vgem(void)
{
	int idx[MAX_VGEM], n = 0;

	for (int i = 0; i < MAX_VGEM; i++)
		if (m.vgem_bufs[i].fd >= 0)
			idx[n++] = i;
	return n ? idx[below(n)] : -1;
}

uint64_t size_of(const struct buf *b)
{
	return (uint64_t)b->pages * PAGE;
}

/* Pages charged to open file @file: its buffers not yet let go. */
uint64_t file_pages(unsigned long file)
{
	uint64_t n = 0;

	for (int i = 0; i < MAX_BUFS; i++)
		if (is_live(&m.bufs[i]) && m.bufs[i].file == file)
			n += m.bufs[i].pages;
	return n;
}

/* Pages charged to the module: live buffers and PV mmaps of exports. */
uint64_t total_pages(void)
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
bool over_limit(int d, uint64_t pages)
{
	return file_pages(m.dev_file[d]) + pages > (uint64_t)m.limit_file ||
	       total_pages() + pages > (uint64_t)m.limit_total;
}

/*
 * The errnos a bad create may give: its own, or ENOSPC when a valid count
 * of pages would pass a limit and the bad part is found only after the
 * charge (the header documents both, not their order).
 */
int alt_enospc(int d, uint32_t count, int want)
{
	if (count && count <= m.query.max_pages_per_buffer &&
	    over_limit(d, count))
		return -ENOSPC;
	return want;
}

/* An id no file of the module holds: forgotten, or never given. */
uint64_t unknown_id(void)
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

const char *bad_ptr_name;

/* An unreadable (and unwritable) user pointer. */
void *bad_ptr(void)
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
void *ro_copy(const void *arg, size_t size)
{
	igt_assert_eq(mprotect(m.ro_page, PAGE, PROT_READ | PROT_WRITE), 0);
	memcpy(m.ro_page, arg, size);
	igt_assert_eq(mprotect(m.ro_page, PAGE, PROT_READ), 0);
	return m.ro_page;
}

uint32_t reserved_domid(void)
{
	static const uint32_t ids[] = {
		0x7ff0, 0x7ff1, 0x7ff2, 0x7ff5, 0x7fff, 0x8000, 0x10000,
		0xffffffffu,
	};

	return ids[below(sizeof(ids) / sizeof(ids[0]))];
}

/* ---- holders of a dma-buf ---- */

void forget_id(int i)
{
	struct buf *b = &m.bufs[i];

	m.stale[m.nstale++ % STALE_IDS] = b->id;
	b->dev = -1;
	if (b->released && !b->pending)
		memset(b, 0, sizeof(*b));
}

void import_ended(int i);

/* Something let go of buffer @i's dma-buf: released when nothing holds it. */
void maybe_released(int i)
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

void import_ended(int i)
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

int new_buf(enum kind kind, int dev, uint64_t id, uint32_t pages)
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

void model_stats(struct gntbuf_stats *s)
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

bool stats_match(const struct gntbuf_stats *a,
			const struct gntbuf_stats *b)
{
	return a->live_buffers == b->live_buffers &&
	       a->mapped_pages == b->mapped_pages &&
	       a->allocated_pages == b->allocated_pages &&
	       a->granted_pages == b->granted_pages &&
	       a->pending_release == b->pending_release;
}
