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
 *
 * This file holds the sequence (its setup, teardown and checks at the end),
 * the options and the subtests; the model and the calls are in the other
 * gntbuf_random_*.c files, which gntbuf_random.h lists.
 */
#include "gntbuf_random.h"

IGT_TEST_DESCRIPTION("A seeded random sequence of every ioctl, close, mmap, "
		     "fork and fd passing on gntbuf, each result checked "
		     "against a model; counters back to zero and the module "
		     "unloads at the end");

#ifndef IGT_OPT_HANDLER_SUCCESS
#define IGT_OPT_HANDLER_SUCCESS 0
#define IGT_OPT_HANDLER_ERROR -1
#endif

uint64_t opt_seed;
bool opt_seed_set;
unsigned long opt_calls;

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
