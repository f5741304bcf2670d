/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_cache_trace: the CPU cache operations the kernel performs,
 * observed through kprobes (tracefs kprobe_events) and mapped back onto
 * the bytes of the test's buffers.  QEMU models no caches, so a missing or
 * misplaced clean or invalidate shows no wrong pixel in the rig: the
 * operations themselves are what the test checks.
 *
 * What is probed (the functions that do the maintenance, below every
 * driver, so that the module's own calls and an importer's DMA API syncs
 * are seen alike):
 * - x86: clflush_cache_range(vaddr, size), CLFLUSH(OPT) of every line of
 *   [vaddr, vaddr + size): a write-back and an invalidate ("flush").
 * - arm64: arch_sync_dma_for_device(paddr, size, dir) (dcache_clean_poc:
 *   "clean"), arch_sync_dma_for_cpu(paddr, size, dir) (dcache_inval_poc:
 *   "invalidate", nothing for DMA_TO_DEVICE), and Xen's
 *   xen_dma_sync_for_device/_for_cpu(dev, handle, size, dir), the
 *   GNTTABOP_cache_flush hypercalls swiotlb-xen issues for frames dom0
 *   does not map (arch/arm/xen/mm.c); where the module issues
 *   GNTTABOP_cache_flush itself (a read-only grant mapping maintained by
 *   Xen), its one-frame wrapper gntbuf_cache_flush_frame(bus, len, op),
 *   if it has one.  Functions written in assembly (dcache_*_poc,
 *   HYPERVISOR_grant_table_op) cannot be kprobed there (measured:
 *   kprobe_events refuses them with EINVAL).
 *
 * Which byte of which buffer an operation touched, by content: each
 * buffer holds the test pattern of its own seed (gntbuf_pattern_word()),
 * and the pattern word at the operation's address names the buffer and the
 * offset.  That word is what the CPU reads there, so an operation is placed
 * on the page the CPU sees at that address, whatever mapping it went
 * through.
 * - x86: the probe fetches the 8 bytes at the operation's (virtual)
 *   address.  (In a PV dom0 a foreign frame has no usable pfn in
 *   /proc/self/pagemap: only its content tells it.)
 * - arm64: the operations carry physical addresses; the test reads the
 *   word there through /proc/kcore's RAM segments (the kernel's linear
 *   map).  A hypercall's bus address is first mapped back to the frame
 *   Linux maps the grant at, through the p2m entries it records when the
 *   grant is mapped (__set_phys_to_machine_multi(pfn, mfn, nr), probed
 *   while the buffer is made).  (/proc/self/pagemap shows no frame of the
 *   VM_PFNMAP mmap of foreign pages.)
 */
#ifndef GNTBUF_CACHE_TRACE_H
#define GNTBUF_CACHE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an operation does to the lines it touches. */
enum ct_kind {
	CT_CLEAN,	/* write dirty lines back, keep them (arm64 DC CVAC) */
	CT_INVAL,	/* drop lines (arm64 DC IVAC; partial ones DC CIVAC) */
	CT_FLUSH,	/* write back and drop (x86 CLFLUSH) */
};

/* A buffer whose bytes the trace maps operations onto. */
struct ct_buffer {
	char name[32];		/* for messages */
	uint32_t pages;
	uint32_t seed;		/* the pattern it holds */
	bool registered;
};

/* A byte range of a buffer. */
struct ct_span {
	uint64_t offset;
	uint64_t length;
};

/* What a step needs: which directions, over which ranges. */
struct ct_expect {
	const char *what;		/* "end_cpu_access(WRITE)" */
	bool to_device;			/* every line cleaned (or flushed) */
	bool to_cpu;			/* every line invalidated (or flushed) */
	const struct ct_span *spans;	/* the ranges; NULL: whole buffer */
	unsigned int nspans;
	bool self_test;			/* problems expected: logged as info */
};

/* Mounts tracefs if needed and sets the probes; skips without kprobes. */
void ct_trace_open(void);
/* Removes the probes (also run at exit). */
void ct_trace_close(void);

/* Cache line size the coverage is counted in (bytes). */
unsigned int ct_line_size(void);

/*
 * Buffers: register once the buffer holds its pattern (the operations on
 * it are found by it); unregister before it goes.
 */
void ct_buffer_register(struct ct_buffer *b);
void ct_buffer_unregister(struct ct_buffer *b);

/*
 * A traced step: ct_begin() empties the trace buffer and starts tracing;
 * ct_end() stops it, maps every operation this process issued onto the
 * registered buffers and checks them against @e on @b: every line of the
 * ranges maintained in each direction asked, no operation of a direction
 * not asked (an invalidate where only a write-back is needed loses the
 * CPU's writes on ARM; nothing at all where nothing is needed), none on
 * a page outside the ranges' pages, none on memory of no buffer.  It
 * prints a line of what was seen and returns the number of problems,
 * each printed (igt_warn); the subtest fails on the sum.
 */
void ct_begin(void);
int ct_end(const struct ct_buffer *b, const struct ct_expect *e);
/* Stops tracing and forgets what was traced (p2m entries are kept). */
void ct_discard(void);

/* The pattern word @index of @seed (gntbuf_test.h's, inverted here). */
bool ct_pattern_index(uint32_t seed, uint32_t word, uint64_t limit,
		      uint64_t *index);

#endif /* GNTBUF_CACHE_TRACE_H */
