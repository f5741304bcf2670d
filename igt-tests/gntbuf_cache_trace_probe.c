// SPDX-License-Identifier: MIT
/*
 * gntbuf_cache_trace's tracing half: kprobes on the functions that do the
 * CPU cache maintenance, the trace read back, each operation mapped onto
 * the bytes of a registered buffer and checked against what a step needs.
 * See gntbuf_cache_trace.h for what is probed and why.
 */
#include "igt.h"

#include <fcntl.h>
#include <stdarg.h>
#include <elf.h>
#include <sys/mount.h>
#include <unistd.h>

#include "gntbuf_cache_trace.h"
#include "gntbuf_test.h"

#define PAGE 4096u
#define GROUP "gntbuf_ct"
#define MAX_BUFFERS 8

static const char *tracefs;
static int tracing_on_fd = -1;
static bool probes_set;
static char old_buffer_kb[32];
static unsigned int line_size;

/* The probes of this architecture: event name, kprobe_events definition. */
struct probe {
	const char *event;
	const char *def;
	bool optional;		/* absent from some kernels or modules */
};

#if defined(__x86_64__)
static const struct probe probes[] = {
	{ "gntbuf_ct_clflush", "clflush_cache_range addr=%di:x64 size=%si:u32 "
	  "word=+0(%di):x64" },
};
#elif defined(__aarch64__)
static const struct probe probes[] = {
	{ "gntbuf_ct_dev", "arch_sync_dma_for_device addr=%x0:x64 "
	  "size=%x1:u64 dir=%x2:s32" },
	{ "gntbuf_ct_cpu", "arch_sync_dma_for_cpu addr=%x0:x64 size=%x1:u64 "
	  "dir=%x2:s32" },
	{ "gntbuf_ct_xdev", "xen_dma_sync_for_device addr=%x1:x64 "
	  "size=%x2:u64 dir=%x3:s32" },
	{ "gntbuf_ct_xcpu", "xen_dma_sync_for_cpu addr=%x1:x64 size=%x2:u64 "
	  "dir=%x3:s32" },
	{ "gntbuf_ct_p2m", "__set_phys_to_machine_multi pfn=%x0:x64 "
	  "mfn=%x1:x64 nr=%x2:u64" },
	/*
	 * GNTTABOP_cache_flush the module issues itself (a read-only grant
	 * mapping maintained by Xen): HYPERVISOR_grant_table_op, in
	 * assembly, cannot be kprobed (measured: EINVAL), so the module's
	 * one-frame wrapper is, where it has one.
	 */
	{ "gntbuf_ct_xflush", "xen_gntbuf:gntbuf_cache_flush_frame "
	  "addr=%x0:x64 size=%x1:u32 op=%x2:u32", true },
};
#else
static const struct probe probes[] = {};
#endif
#define NPROBES (sizeof(probes) / sizeof(probes[0]))
static bool probe_set[NPROBES + 1];

/* DMA directions (linux/dma-direction.h). */
enum { DIR_BIDI, DIR_TO_DEVICE, DIR_FROM_DEVICE };

static struct ct_buffer *buffers[MAX_BUFFERS];

/* Bus frame -> frame, from the p2m entries Linux made (arm64, Xen). */
static struct { uint64_t pfn, mfn, nr; } *p2m;
static size_t p2m_len, p2m_cap;

static int tracefs_open(const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	return open(path, flags | O_CLOEXEC);
}

static int __tracefs_write(const char *file, const char *value, bool append)
{
	int fd = tracefs_open(file, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		ret = -errno;
	close(fd);
	return ret;
}

static void tracefs_write(const char *file, const char *value)
{
	int ret = __tracefs_write(file, value, false);

	igt_assert_f(ret == 0, "%s/%s <- \"%s\": %s\n", tracefs, file, value,
		     strerror(-ret));
}

static void tracing_on(bool on)
{
	igt_assert_eq(pwrite(tracing_on_fd, on ? "1" : "0", 1, 0), 1);
}

unsigned int ct_line_size(void)
{
	if (line_size)
		return line_size;
	line_size = 64;
#if defined(__x86_64__)
	{
		char line[256];
		unsigned int v;
		FILE *f = fopen("/proc/cpuinfo", "r");

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "clflush size : %u", &v) == 1) {
				line_size = v;
				break;
			}
		if (f)
			fclose(f);
	}
#elif defined(__aarch64__)
	{
		uint64_t ctr;

		/* CTR_EL0.DminLine, what dcache_line_size reads. */
		__asm__ __volatile__("mrs %0, ctr_el0" : "=r"(ctr));
		line_size = 4u << ((ctr >> 16) & 0xf);
	}
#endif
	return line_size;
}

void ct_trace_close(void)
{
	char def[64];

	if (tracing_on_fd >= 0) {
		pwrite(tracing_on_fd, "0", 1, 0);
		close(tracing_on_fd);
		tracing_on_fd = -1;
	}
	if (!tracefs || !probes_set)
		return;
	__tracefs_write("events/" GROUP "/enable", "0", false);
	for (size_t i = 0; i < NPROBES; i++) {
		snprintf(def, sizeof(def), "-:" GROUP "/%s", probes[i].event);
		__tracefs_write("kprobe_events", def, true);
	}
	if (old_buffer_kb[0])
		__tracefs_write("buffer_size_kb", old_buffer_kb, false);
	__tracefs_write("trace", "", false);
	probes_set = false;
}

static void exit_handler(int sig)
{
	ct_trace_close();
}

void ct_trace_open(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char def[256], path[256];
	int fd, ret;

	igt_require_f(NPROBES > 0, "no cache-operation probes for this "
		      "architecture (x86-64 and arm64 only)\n");
	if (access("/sys/kernel/tracing/kprobe_events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (size_t i = 0; i < 2 && !tracefs; i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events", dirs[i]);
		if (access(path, W_OK) == 0)
			tracefs = dirs[i];
	}
	igt_require_f(tracefs, "no tracefs with kprobe_events "
		      "(CONFIG_KPROBE_EVENTS, root)\n");

	ct_trace_close();
	probes_set = true;
	igt_install_exit_handler(exit_handler);
	for (size_t i = 0; i < NPROBES; i++) {
		snprintf(def, sizeof(def), "-:" GROUP "/%s", probes[i].event);
		__tracefs_write("kprobe_events", def, true);
		snprintf(def, sizeof(def), "p:" GROUP "/%s %s",
			 probes[i].event, probes[i].def);
		ret = __tracefs_write("kprobe_events", def, true);
		if (ret && probes[i].optional) {
			igt_info("no probe %s (%s): its function is not "
				 "there\n", probes[i].event, strerror(-ret));
			continue;
		}
		igt_assert_f(ret == 0, "kprobe_events <- \"%s\": %s (the "
			     "function is not in this kernel, or not "
			     "kprobe-able)\n", def, strerror(-ret));
		probe_set[i] = true;
	}
	/* A whole 300-page buffer with an importer is ~600 events. */
	fd = tracefs_open("buffer_size_kb", O_RDONLY);
	if (fd >= 0) {
		ret = read(fd, old_buffer_kb, sizeof(old_buffer_kb) - 1);
		old_buffer_kb[ret > 0 ? ret : 0] = '\0';
		close(fd);
	}
	tracefs_write("buffer_size_kb", "4096");
	tracing_on_fd = tracefs_open("tracing_on", O_WRONLY);
	igt_assert(tracing_on_fd >= 0);
	tracing_on(false);
	tracefs_write("trace", "");
	tracefs_write("events/" GROUP "/enable", "1");
	igt_info("cache-operation probes set in %s (line size %u):\n",
		 tracefs, ct_line_size());
	for (size_t i = 0; i < NPROBES; i++)
		if (probe_set[i])
			igt_info("  %s: %s\n", probes[i].event,
				 probes[i].def);
}

/* ---- the pattern, inverted ---- */

bool ct_pattern_index(uint32_t seed, uint32_t word, uint64_t limit,
		      uint64_t *index)
{
	/* word = seed ^ (i * 2654435761): the factor is odd, so invertible. */
	const uint32_t a = 2654435761u;
	uint32_t inv = a, i;

	for (int n = 0; n < 5; n++)
		inv *= 2 - a * inv;
	i = (word ^ seed) * inv;
	if (i >= limit)
		return false;
	*index = i;
	return true;
}

/* ---- buffers ---- */

void ct_buffer_register(struct ct_buffer *b)
{
	for (int i = 0; i < MAX_BUFFERS; i++)
		if (!buffers[i]) {
			buffers[i] = b;
			b->registered = true;
			return;
		}
	igt_assert_f(false, "more than %d buffers registered\n", MAX_BUFFERS);
}

void ct_buffer_unregister(struct ct_buffer *b)
{
	for (int i = 0; i < MAX_BUFFERS; i++)
		if (buffers[i] == b)
			buffers[i] = NULL;
	b->registered = false;
}

/*
 * The buffer and offset whose pattern word @word is, read at in-page
 * offset @woff of a page: the word's index must lie at that same offset
 * of one of the buffer's pages.
 */
static bool place_word(uint32_t word, unsigned int woff,
		       struct ct_buffer **bufp, uint64_t *wordoffp)
{
	uint64_t idx;

	for (int i = 0; i < MAX_BUFFERS; i++) {
		struct ct_buffer *b = buffers[i];

		if (!b || !ct_pattern_index(b->seed, word,
					    (uint64_t)b->pages * PAGE / 4,
					    &idx) ||
		    (idx * 4) % PAGE != woff)
			continue;
		*bufp = b;
		*wordoffp = idx * 4;
		return true;
	}
	return false;
}

#if defined(__aarch64__)
/*
 * Physical memory read through /proc/kcore (its segments give each one's
 * physical address): what the CPU sees at @paddr through the kernel's
 * linear map, for a foreign frame too (stage 2 maps it there).  Several
 * segments may hold @paddr: the kernel image's (KCORE_TEXT) also covers
 * its init pages, freed after boot and unmapped there (zeros), and the
 * linear map's (KCORE_RAM) holds them all.  Reads the @n-th segment that
 * holds @paddr: false when there is none.
 */
static int kcore_fd = -1;
static Elf64_Phdr *kcore_ph;
static unsigned int kcore_phnum;

static bool kcore_read(uint64_t paddr, void *out, size_t len, unsigned int n)
{
	if (kcore_fd < 0) {
		Elf64_Ehdr eh;
		size_t sz;

		kcore_fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
		igt_require_f(kcore_fd >= 0, "/proc/kcore: %s (arm64 places "
			      "operations by reading the page at their "
			      "address)\n", strerror(errno));
		igt_assert_eq(pread(kcore_fd, &eh, sizeof(eh), 0),
			      sizeof(eh));
		sz = (size_t)eh.e_phnum * sizeof(*kcore_ph);
		kcore_ph = malloc(sz);
		igt_assert(kcore_ph);
		igt_assert_eq(pread(kcore_fd, kcore_ph, sz, eh.e_phoff),
			      (ssize_t)sz);
		kcore_phnum = eh.e_phnum;
	}
	for (unsigned int i = 0; i < kcore_phnum; i++) {
		const Elf64_Phdr *ph = &kcore_ph[i];

		if (ph->p_type != PT_LOAD || ph->p_paddr == (Elf64_Addr)-1 ||
		    paddr < ph->p_paddr ||
		    paddr + len > ph->p_paddr + ph->p_filesz || n--)
			continue;
		if (pread(kcore_fd, out, len, ph->p_offset +
			  (paddr - ph->p_paddr)) != (ssize_t)len)
			memset(out, 0, len);
		return true;
	}
	return false;
}
#endif

/* ---- one traced operation ---- */

struct op {
	const char *probe;	/* the event, for messages */
	enum ct_kind kind;
	bool bus;		/* @addr is a bus address (xen_dma_sync_*) */
	uint64_t addr, size, word;
	int dir;
	bool ours;		/* this process, not in an interrupt */
};

/*
 * The buffer and offset of the byte at @addr; false if none, with what
 * was found instead in @why.
 */
static bool place(const struct op *op, uint64_t addr,
		  struct ct_buffer **bufp, uint64_t *offp, char *why,
		  size_t size)
{
	uint64_t woff;
	uint32_t word;
#if defined(__x86_64__)
	/* The aligned pattern word within the 8 bytes fetched at op->addr. */
	unsigned int skip = (4 - (op->addr & 3)) & 3;
	uint64_t waddr = op->addr + skip;

	word = op->word >> (8 * skip);
	if (addr / PAGE != op->addr / PAGE || waddr / PAGE != addr / PAGE) {
		snprintf(why, size, "only the page of the operation's first "
			 "bytes can be told");
		return false;
	}
	if (!place_word(word, waddr % PAGE, bufp, &woff)) {
		snprintf(why, size, "the word there is %#010x, no buffer's "
			 "pattern at that offset", word);
		return false;
	}
#else
	uint64_t waddr = addr & ~3ull;

	if (op->bus) {
		/* A bus frame: the frame Linux mapped it at (p2m). */
		size_t i = p2m_len;

		while (i && (addr / PAGE < p2m[i - 1].mfn ||
			     addr / PAGE - p2m[i - 1].mfn >= p2m[i - 1].nr))
			i--;
		if (!i) {
			snprintf(why, size, "no p2m entry was made for bus "
				 "frame %#llx",
				 (unsigned long long)(addr / PAGE));
			return false;
		}
		waddr = (p2m[i - 1].pfn + addr / PAGE - p2m[i - 1].mfn) *
			PAGE + waddr % PAGE;
	}
	for (unsigned int n = 0;; n++) {
		if (!kcore_read(waddr, &word, sizeof(word), n)) {
			if (n)
				snprintf(why, size, "the word at %#llx is "
					 "%#010x, no buffer's pattern at that "
					 "offset", (unsigned long long)waddr,
					 word);
			else
				snprintf(why, size, "%#llx is in no segment "
					 "of /proc/kcore",
					 (unsigned long long)waddr);
			return false;
		}
		if (place_word(word, waddr % PAGE, bufp, &woff))
			break;
	}
#endif
	*offp = woff - (waddr % PAGE - addr % PAGE);
	return true;
}

static void p2m_add(uint64_t pfn, uint64_t mfn, uint64_t nr)
{
	if (mfn == ~0ull || mfn == ~0u)
		return;		/* INVALID_P2M_ENTRY: an unmap */
	if (p2m_len == p2m_cap) {
		p2m_cap = p2m_cap ? 2 * p2m_cap : 1024;
		p2m = realloc(p2m, p2m_cap * sizeof(*p2m));
		igt_assert(p2m);
	}
	p2m[p2m_len].pfn = pfn;
	p2m[p2m_len].mfn = mfn;
	p2m[p2m_len].nr = nr;
	p2m_len++;
}

/* "key=value" of a trace line, as a number; false if absent. */
static bool field(const char *line, const char *key, uint64_t *value)
{
	char pat[16];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	errno = 0;
	*value = strtoull(p, &end, 0);
	return end != p && !errno;
}

/*
 * Parses a trace line of one of our probes into @op: false for the
 * others (p2m entries are recorded here), and for a no-op (an
 * arch_sync_dma_for_cpu() for DMA_TO_DEVICE does nothing).
 */
static bool parse(const char *line, struct op *op)
{
	const char *ev = strstr(line, " " GROUP "_"), *br, *q;
	uint64_t v, pfn, mfn;
	char name[32];
	long pid = -1;

	if (!ev || sscanf(ev + 1, "%31[a-z0-9_]", name) != 1)
		return false;
	memset(op, 0, sizeof(*op));
	for (size_t i = 0; i < NPROBES; i++)
		if (!strcmp(name, probes[i].event))
			op->probe = probes[i].event;
	if (!op->probe)
		return false;
	if (!strcmp(name, "gntbuf_ct_p2m")) {
		if (field(line, "pfn", &pfn) && field(line, "mfn", &mfn) &&
		    field(line, "nr", &v))
			p2m_add(pfn, mfn, v);
		return false;
	}
	/* "<comm>-<pid> [<cpu>] <flags> <time>: ..." */
	br = strstr(line, " [");
	if (br) {
		q = br;
		while (q > line && q[-1] == ' ')
			q--;
		while (q > line && q[-1] >= '0' && q[-1] <= '9')
			q--;
		pid = strtol(q, NULL, 10);
		br = strchr(br, ']');
	}
	/* The flags' third letter: h/s/H/z/Z in an interrupt or NMI. */
	op->ours = pid == getpid() && br && strlen(br) > 4 &&
		   !strchr("hHsSzZ", br[4]);
	igt_assert_f(field(line, "addr", &op->addr) &&
		     field(line, "size", &op->size),
		     "unexpected trace line: %s", line);
	op->dir = field(line, "dir", &v) ? (int)(int32_t)v : DIR_BIDI;
	if (!strcmp(name, "gntbuf_ct_clflush")) {
		op->kind = CT_FLUSH;
		if (!field(line, "word", &op->word))
			op->word = 0;	/* "(fault)": not placeable */
	} else if (!strcmp(name, "gntbuf_ct_dev")) {
		op->kind = CT_CLEAN;
	} else if (!strcmp(name, "gntbuf_ct_cpu")) {
		if (op->dir == DIR_TO_DEVICE)
			return false;
		op->kind = CT_INVAL;
	} else if (!strcmp(name, "gntbuf_ct_xdev")) {
		op->bus = true;
		op->kind = op->dir == DIR_FROM_DEVICE ? CT_INVAL : CT_CLEAN;
	} else if (!strcmp(name, "gntbuf_ct_xcpu")) {
		if (op->dir == DIR_TO_DEVICE)
			return false;
		op->bus = true;
		op->kind = CT_INVAL;
	} else if (!strcmp(name, "gntbuf_ct_xflush")) {
		/* GNTTAB_CACHE_CLEAN 1, _INVAL 2, _SOURCE_GREF bit 31. */
		if (!field(line, "op", &v) || (v & (1u << 31)) || !(v & 3))
			igt_assert_f(false, "GNTTABOP_cache_flush by grant "
				     "reference or of nothing: %s", line);
		op->bus = true;
		op->kind = (v & 3) == 3 ? CT_FLUSH :
			   v & 1 ? CT_CLEAN : CT_INVAL;
	}
	return op->size > 0;
}

/* ---- a step ---- */

void ct_begin(void)
{
	tracing_on(false);
	tracefs_write("trace", "");
	tracing_on(true);
}

static const char *const kind_names[] = {
	[CT_CLEAN] = "clean", [CT_INVAL] = "invalidate", [CT_FLUSH] = "flush",
};

/* The trace, read after tracing stopped; p2m entries recorded. */
static char *read_trace(size_t *lenp, unsigned long *lost)
{
	size_t len = 0, cap = 1 << 20;
	char *text = malloc(cap);
	unsigned long in = 0, written = 0;
	const char *h;
	ssize_t n;
	int fd;

	tracing_on(false);
	fd = tracefs_open("trace", O_RDONLY);
	igt_assert(fd >= 0 && text);
	while ((n = read(fd, text + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			text = realloc(text, cap);
			igt_assert(text);
		}
	}
	close(fd);
	text[len] = '\0';
	h = strstr(text, "entries-in-buffer/entries-written:");
	if (h)
		sscanf(h, "entries-in-buffer/entries-written: %lu/%lu", &in,
		       &written);
	*lost = written > in ? written - in : 0;
	*lenp = len;
	return text;
}

void ct_discard(void)
{
	unsigned long lost;
	size_t len;
	char *text = read_trace(&len, &lost), *line, *save = NULL;
	struct op op;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		parse(line, &op);	/* keeps the p2m entries */
	free(text);
	tracefs_write("trace", "");
}

#define REPORT_MAX 6

struct check {
	const struct ct_buffer *b;
	const struct ct_expect *e;
	uint8_t *cleaned, *invalidated;	/* per line */
	uint8_t *allowed;		/* per page */
	uint32_t first_page, last_page;	/* pages touched, or first > last */
	uint64_t bytes[3];
	unsigned int ops, other_tasks, problems, reported;
};

__attribute__((format(printf, 2, 3)))
static void problem(struct check *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	c->problems++;
	if (c->reported++ >= REPORT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->e->self_test)
		igt_info("(as it must) %s: %s: %s\n", c->b->name, c->e->what,
			 msg);
	else
		igt_warn("%s: %s: %s\n", c->b->name, c->e->what, msg);
}

/* Marks the part [@off, @off + @len) of @c's buffer that @op touched. */
static void mark(struct check *c, const struct op *op, uint64_t off,
		 uint64_t len)
{
	const unsigned int l = ct_line_size();
	uint32_t page = off / PAGE;

	if (!c->allowed[page])
		problem(c, "%s of bytes %#llx-%#llx (page %u), outside the "
			"pages of the range (%s, %s %#llx size %#llx)",
			kind_names[op->kind], (unsigned long long)off,
			(unsigned long long)(off + len - 1), page, op->probe,
			op->bus ? "bus" : "addr",
			(unsigned long long)op->addr,
			(unsigned long long)op->size);
	if ((op->kind == CT_CLEAN && !c->e->to_device) ||
	    (op->kind == CT_INVAL && !c->e->to_cpu))
		problem(c, "%s of bytes %#llx-%#llx (page %u), but nothing "
			"%s: %s", kind_names[op->kind],
			(unsigned long long)off,
			(unsigned long long)(off + len - 1), page,
			op->kind == CT_CLEAN ? "goes to a device" :
			"comes from a device",
			op->kind == CT_INVAL ?
			"an invalidate drops what the CPU wrote" :
			"the wrong direction");
	for (uint64_t line = off / l; line <= (off + len - 1) / l; line++) {
		if (op->kind != CT_INVAL)
			c->cleaned[line] = 1;
		if (op->kind != CT_CLEAN)
			c->invalidated[line] = 1;
	}
	c->bytes[op->kind] += len;
	if (page < c->first_page)
		c->first_page = page;
	if (page > c->last_page)
		c->last_page = page;
}

/* Places each page-sized part of @op and marks it. */
static void account(struct check *c, const struct op *op)
{
	uint64_t addr = op->addr, end = op->addr + op->size;
	char why[128];

	while (addr < end) {
		uint64_t chunk = PAGE - addr % PAGE, off;
		struct ct_buffer *b;

		if (chunk > end - addr)
			chunk = end - addr;
		if (!place(op, addr, &b, &off, why, sizeof(why))) {
			if (op->ours)
				problem(c, "%s of %s %#llx size %#llx (%s): "
					"memory of no buffer of the test (%s)",
					kind_names[op->kind],
					op->bus ? "bus address" : "address",
					(unsigned long long)addr,
					(unsigned long long)chunk, op->probe,
					why);
			else
				c->other_tasks++;
		} else if (b != c->b) {
			problem(c, "%s of %s bytes %#llx-%#llx: another "
				"buffer", kind_names[op->kind], b->name,
				(unsigned long long)off,
				(unsigned long long)(off + chunk - 1));
		} else {
			mark(c, op, off, chunk);
		}
		addr += chunk;
	}
}

/* Every line of the ranges maintained in each direction asked. */
static void coverage(struct check *c, const struct ct_span *spans,
		     unsigned int n)
{
	const unsigned int l = ct_line_size();
	uint64_t missing[2] = { 0, 0 }, first[2] = { 0, 0 };

	for (unsigned int s = 0; s < n; s++) {
		uint64_t a = spans[s].offset, z = a + spans[s].length;

		for (uint64_t line = a / l; z > a && line <= (z - 1) / l;
		     line++) {
			if (c->e->to_device && !c->cleaned[line] &&
			    !missing[0]++)
				first[0] = line * l;
			if (c->e->to_cpu && !c->invalidated[line] &&
			    !missing[1]++)
				first[1] = line * l;
		}
	}
	for (int d = 0; d < 2; d++)
		if (missing[d])
			problem(c, "%llu lines of the range not %s (the "
				"first at byte %#llx, page %llu)",
				(unsigned long long)missing[d],
				d ? "invalidated (or flushed): the CPU may "
				"read stale lines" :
				"written back (or flushed): a device may "
				"read stale memory",
				(unsigned long long)first[d],
				(unsigned long long)(first[d] / PAGE));
}

int ct_end(const struct ct_buffer *b, const struct ct_expect *e)
{
	const unsigned int l = ct_line_size();
	const uint64_t size = (uint64_t)b->pages * PAGE;
	struct ct_span whole = { 0, size };
	const struct ct_span *spans = e->spans ? e->spans : &whole;
	unsigned int n = e->spans ? e->nspans : 1;
	struct check c = { .b = b, .e = e, .first_page = UINT32_MAX };
	char *text, *line, *save = NULL;
	unsigned long lost;
	size_t len;
	struct op op;

	text = read_trace(&len, &lost);
	c.cleaned = calloc(size / l, 1);
	c.invalidated = calloc(size / l, 1);
	c.allowed = calloc(b->pages, 1);
	igt_assert(c.cleaned && c.invalidated && c.allowed);
	for (unsigned int s = 0; s < n; s++) {
		igt_assert(spans[s].offset + spans[s].length <= size);
		for (uint64_t p = spans[s].offset / PAGE;
		     spans[s].length &&
		     p <= (spans[s].offset + spans[s].length - 1) / PAGE; p++)
			c.allowed[p] = 1;
	}
	if (lost)
		problem(&c, "the trace lost %lu events", lost);

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!parse(line, &op))
			continue;
		c.ops++;
		account(&c, &op);
	}
	if (!e->to_device && !e->to_cpu && c.bytes[0] + c.bytes[1] +
	    c.bytes[2])
		problem(&c, "nothing is needed, yet %llu bytes were "
			"maintained", (unsigned long long)(c.bytes[0] +
			c.bytes[1] + c.bytes[2]));
	coverage(&c, spans, n);

	if (c.first_page == UINT32_MAX)
		igt_info("%-16s %-44s %4u ops: nothing on this buffer\n",
			 b->name, e->what, c.ops);
	else
		igt_info("%-16s %-44s %4u ops: clean %llu, invalidate %llu, "
			 "flush %llu bytes, pages %u-%u\n", b->name, e->what,
			 c.ops, (unsigned long long)c.bytes[CT_CLEAN],
			 (unsigned long long)c.bytes[CT_INVAL],
			 (unsigned long long)c.bytes[CT_FLUSH], c.first_page,
			 c.last_page);
	if (c.other_tasks)
		igt_info("  (%u operations by other tasks or interrupts on "
			 "other memory, not counted)\n", c.other_tasks);
	if (c.reported > REPORT_MAX)
		igt_log(IGT_LOG_DOMAIN, e->self_test ? IGT_LOG_INFO :
			IGT_LOG_WARN, "%s: %s: %u more problems\n", b->name,
			e->what, c.reported - REPORT_MAX);
	free(c.cleaned);
	free(c.invalidated);
	free(c.allowed);
	free(text);
	tracefs_write("trace", "");
	return c.problems;
}
