/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_random's own declarations, shared by its files: the limits of
 * the model, its types and state, the kinds of call, and the helpers that
 * more than one file uses.  gntbuf_random.c holds the sequence;
 * gntbuf_random_model.c the generator, the model, the results and the
 * picking; gntbuf_random_ioctl.c and gntbuf_random_sync.c the module's
 * ioctls; gntbuf_random_mem.c dma-bufs, maps, vgem and device files;
 * gntbuf_random_proc.c forks, the SCM_RIGHTS helper and the grantee.
 */
#ifndef GNTBUF_RANDOM_H
#define GNTBUF_RANDOM_H

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

/* The options (gntbuf_random.c): the seed, and the calls per subtest. */
extern uint64_t opt_seed;
extern bool opt_seed_set;
extern unsigned long opt_calls;

/* ---- the random generator (gntbuf_random_model.c) ---- */

/* splitmix64's state: each subtest sets it from the seed. */
extern uint64_t rng;

uint64_t rnd(void);
uint32_t below(uint32_t n);
bool chance(unsigned int percent);

/* ---- the model (gntbuf_random_model.c) ---- */

enum kind { K_EXPORT, K_ALLOC, K_IMPORT };
extern const char *const kind_name[];

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

/* The whole model: what the sequence opened, made and expects. */
struct model {
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
};

extern struct model m;

/* The refs ALLOC and IMPORT write back (the fork's child's too). */
extern uint32_t out_refs[GNTBUF_SYNC_MAX_RANGES + 16];

/* ---- results (gntbuf_random_model.c) ---- */

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

/* Each kind of call: its name in the histogram, its weight. */
struct op_info {
	const char *name;
	unsigned int weight;	/* per mille, roughly */
};

extern const struct op_info ops[OP_COUNT];

/* Calls and their results per kind of call: [op][errno]. */
extern unsigned long hist[OP_COUNT][MAX_ERRNO];
/* The last calls, described, for a failure's report. */
extern char history[HISTORY][320];

/* The current call's arguments, for its result's line. */
void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The result of the call described: 0 or -errno, @want or @alt passes. */
void result2(enum op op, int ret, int want, int alt);
void result(enum op op, int ret, int want);
/* A check of the model that is no call's result. */
void model_assert(bool ok, const char *what);
/* ioctl() again on EINTR and EAGAIN: 0 or more, or -errno. */
int xioctl(int fd, unsigned long req, void *arg);

/* ---- picking (gntbuf_random_model.c): a slot, or -1 ---- */

typedef bool (*buf_filter)(const struct buf *b);

int pick_dev(void);
int pick_other_dev(int slot);
int pick_buf(buf_filter f);
int free_buf_slot(void);
int pick_map(void);
int pick_vgem(void);

/* The filters of pick_buf(). */
bool is_dmabuf_open(const struct buf *b);
bool is_known(const struct buf *b);
bool is_known_live_syncable(const struct buf *b);
bool is_known_released_syncable(const struct buf *b);
bool is_known_live(const struct buf *b);
bool is_known_released(const struct buf *b);
bool is_grantee_mappable(const struct buf *b);
bool is_live_import(const struct buf *b);
bool is_released_import(const struct buf *b);
bool is_known_not_import(const struct buf *b);
bool is_known_import(const struct buf *b);
bool is_alloc_open(const struct buf *b);
bool is_export_open(const struct buf *b);
bool has_vgem_handle(const struct buf *b);
bool is_dmabuf_open_unimported(const struct buf *b);

/* Sizes and charges. */
uint64_t size_of(const struct buf *b);
uint64_t file_pages(unsigned long file);
uint64_t total_pages(void);
bool over_limit(int d, uint64_t pages);
int alt_enospc(int d, uint32_t count, int want);

/* Bad arguments: an unknown id, bad pointers (and bad_ptr()'s kind). */
uint64_t unknown_id(void);
extern const char *bad_ptr_name;
void *bad_ptr(void);
void *ro_copy(const void *arg, size_t size);
uint32_t reserved_domid(void);

/* ---- holders of a dma-buf (gntbuf_random_model.c) ---- */

void forget_id(int i);
void maybe_released(int i);
void import_ended(int i);
int new_buf(enum kind kind, int dev, uint64_t id, uint32_t pages);

/* ---- the model's counters (gntbuf_random_model.c) ---- */

void model_stats(struct gntbuf_stats *s);
bool stats_match(const struct gntbuf_stats *a,
		const struct gntbuf_stats *b);

/* ---- the calls: one of each kind, on a random target ---- */

/* gntbuf_random_ioctl.c */
void op_query(void);
void op_query_bad(void);
void op_stats(void);
void op_stats_bad(void);
void op_unknown_ioctl(void);
void op_export(void);
void op_export_bad(void);
void op_alloc(void);
void op_alloc_bad(void);
void op_import_vgem(void);
void op_import_alloc(void);
void op_import_export(void);
void op_import_bad(void);

/* gntbuf_random_sync.c */
void op_release(void);
void op_release_bad(void);
void op_wait_live(void);
void op_wait_done(void);
void op_wait_signal(void);
void op_wait_bad(void);
void op_sync(void);
void op_sync_bad(void);
void op_syncs(void);
void op_syncs_bad(void);

/* gntbuf_random_mem.c */
void op_close_dmabuf(void);
void op_mmap(void);
void op_mmap_bad(void);
void op_munmap(void);
void op_munmap_part(void);
void op_touch(void);
void op_mprotect(void);
void op_madvise(void);
void op_cpu_access(void);
void op_cpu_access_bad(void);
void op_vgem_create(void);
void op_vgem_close(void);
void op_prime_import(void);
void op_gem_close(void);
void op_dev_open(void);
void op_dev_close(void);

/* gntbuf_random_proc.c */
void op_fork(void);
void op_scm(void);
void op_grantee_map(void);
void op_grantee_unmap(void);
/* The SCM_RIGHTS helper process: started first, before any buffer. */
void helper_start(void);
void helper_stop(void);

#endif
