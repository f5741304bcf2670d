// SPDX-License-Identifier: MIT
/*
 * displif page directories (Xen's io/displif.h, struct
 * xendispl_page_directory): a chain of granted 4 KiB pages, each holding
 * gref_dir_next_page (0 in the last page) and 1023 grefs of the buffer,
 * num_grefs_total = DIV_ROUND_UP(buffer_sz, XEN_PAGE_SIZE) in all.
 *
 * The walk reads and writes pages through callbacks, so it runs on mapped
 * grants (gntbuf_device_read_pgdir(), through gntdev) and on memory alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gntbuf-private.h"

/* The layout of struct xendispl_page_directory, without displif.h. */
struct pgdir_page {
	uint32_t gref_dir_next_page;
	uint32_t gref[GNTBUF_PGDIR_REFS_PER_PAGE];
};

_Static_assert(sizeof(struct pgdir_page) == GNTBUF_XEN_PAGE_SIZE,
	       "a directory page is one Xen page");

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

GNTBUF_EXPORT int
gntbuf_pgdir_get_size(uint64_t buffer_size, uint32_t *ref_count,
		      uint32_t *dir_page_count)
{
	uint64_t refs;

	if (buffer_size == 0)
		return -EINVAL;
	refs = buffer_size / GNTBUF_XEN_PAGE_SIZE +
		(buffer_size % GNTBUF_XEN_PAGE_SIZE != 0);
	if (refs > UINT32_MAX)
		return -EOVERFLOW;
	if (ref_count)
		*ref_count = (uint32_t)refs;
	if (dir_page_count)
		*dir_page_count = (uint32_t)div_round_up(refs,
						GNTBUF_PGDIR_REFS_PER_PAGE);
	return 0;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

GNTBUF_EXPORT int
gntbuf_pgdir_encode(const uint32_t *refs, uint32_t ref_count,
		    const uint32_t *dir_refs, uint32_t dir_page_count,
		    void *pages)
{
	uint32_t needed, *sorted;
	int ret = 0;

	if (!refs || !dir_refs || !pages || ref_count == 0)
		return -EINVAL;
	needed = (uint32_t)div_round_up(ref_count, GNTBUF_PGDIR_REFS_PER_PAGE);
	if (dir_page_count != needed)
		return -EINVAL;

	/* A 0 ends the chain early; a repeat makes it a loop. */
	sorted = malloc((size_t)dir_page_count * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, dir_refs, (size_t)dir_page_count * sizeof(*sorted));
	qsort(sorted, dir_page_count, sizeof(*sorted), compare_u32);
	if (sorted[0] == 0)
		ret = -EINVAL;
	for (uint32_t i = 1; i < dir_page_count; i++)
		if (sorted[i] == sorted[i - 1])
			ret = -EINVAL;
	free(sorted);
	if (ret)
		return ret;

	for (uint32_t i = 0; i < dir_page_count; i++) {
		struct pgdir_page page;
		uint32_t first = i * GNTBUF_PGDIR_REFS_PER_PAGE;
		uint32_t n = ref_count - first;

		if (n > GNTBUF_PGDIR_REFS_PER_PAGE)
			n = GNTBUF_PGDIR_REFS_PER_PAGE;
		memset(&page, 0, sizeof(page));
		page.gref_dir_next_page = i + 1 < dir_page_count ?
			dir_refs[i + 1] : 0;
		memcpy(page.gref, refs + first, n * sizeof(*refs));
		memcpy((char *)pages + (size_t)i * GNTBUF_XEN_PAGE_SIZE, &page,
		       sizeof(page));
	}
	return 0;
}

/*
 * Walks a chain: for each directory page, reads it, hands it to @visit with
 * the slice of the buffer's refs it holds, and follows gref_dir_next_page.
 */
struct walk {
	uint32_t gref_directory;
	uint32_t ref_count;
	gntbuf_pgdir_read_func read_page;
	void *user_data;
	int (*visit)(struct walk *w, uint32_t gref, struct pgdir_page *page,
		     uint32_t first, uint32_t n);
	/* decode: where the refs go; fill: where they come from. */
	uint32_t *out_refs;
	const uint32_t *in_refs;
	gntbuf_pgdir_write_func write_page;
};

static int walk_chain(struct walk *w, uint64_t buffer_size)
{
	uint32_t ref_count, dir_pages, *seen, gref;
	struct pgdir_page *page;
	int ret;

	ret = gntbuf_pgdir_get_size(buffer_size, &ref_count, &dir_pages);
	if (ret)
		return ret;
	if (w->ref_count != ref_count || w->gref_directory == 0 ||
	    !w->read_page)
		return -EINVAL;

	seen = malloc((size_t)dir_pages * sizeof(*seen));
	page = malloc(sizeof(*page));
	if (!seen || !page) {
		ret = -ENOMEM;
		goto out;
	}

	gref = w->gref_directory;
	for (uint32_t i = 0; i < dir_pages; i++) {
		uint32_t first = i * GNTBUF_PGDIR_REFS_PER_PAGE;
		uint32_t n = ref_count - first, next;

		if (n > GNTBUF_PGDIR_REFS_PER_PAGE)
			n = GNTBUF_PGDIR_REFS_PER_PAGE;
		seen[i] = gref;

		ret = w->read_page(w->user_data, gref, page);
		if (ret) {
			ret = ret < 0 ? ret : -EIO;
			goto out;
		}
		next = page->gref_dir_next_page;

		if (next != 0) {
			/* Back to a page already read: a loop. */
			for (uint32_t j = 0; j <= i; j++) {
				if (seen[j] == next) {
					ret = -ELOOP;
					goto out;
				}
			}
		}
		if (i + 1 == dir_pages) {
			/* More pages than buffer_sz needs. */
			if (next != 0)
				ret = -EMSGSIZE;
		} else if (next == 0) {
			/* The chain ends before buffer_sz is covered. */
			ret = -ENODATA;
		}
		if (ret)
			goto out;

		/* Checked first, so a bad chain is never written to. */
		ret = w->visit(w, gref, page, first, n);
		if (ret)
			goto out;
		gref = next;
	}
	ret = 0;
out:
	free(page);
	free(seen);
	return ret;
}

static int visit_decode(struct walk *w, uint32_t gref, struct pgdir_page *page,
			uint32_t first, uint32_t n)
{
	(void)gref;
	memcpy(w->out_refs + first, page->gref, n * sizeof(uint32_t));
	return 0;
}

static int visit_check(struct walk *w, uint32_t gref, struct pgdir_page *page,
		       uint32_t first, uint32_t n)
{
	(void)w, (void)gref, (void)page, (void)first, (void)n;
	return 0;
}

static int visit_fill(struct walk *w, uint32_t gref, struct pgdir_page *page,
		      uint32_t first, uint32_t n)
{
	int ret;

	memset(page->gref, 0, sizeof(page->gref));
	memcpy(page->gref, w->in_refs + first, n * sizeof(uint32_t));
	ret = w->write_page(w->user_data, gref, page);
	return ret > 0 ? -EIO : ret;
}

GNTBUF_EXPORT int
gntbuf_pgdir_decode(uint32_t gref_directory, uint64_t buffer_size,
		    gntbuf_pgdir_read_func read_page, void *user_data,
		    uint32_t *refs, uint32_t ref_count)
{
	struct walk w;
	uint32_t *tmp;
	int ret;

	if (!refs)
		return -EINVAL;
	/* Out-parameters only on success: decode into a copy. */
	tmp = calloc(ref_count ? ref_count : 1, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	memset(&w, 0, sizeof(w));
	w.gref_directory = gref_directory;
	w.ref_count = ref_count;
	w.read_page = read_page;
	w.user_data = user_data;
	w.visit = visit_decode;
	w.out_refs = tmp;
	ret = walk_chain(&w, buffer_size);
	if (ret == 0)
		memcpy(refs, tmp, (size_t)ref_count * sizeof(*refs));
	free(tmp);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_pgdir_fill(uint32_t gref_directory, uint64_t buffer_size,
		  gntbuf_pgdir_read_func read_page,
		  gntbuf_pgdir_write_func write_page, void *user_data,
		  const uint32_t *refs, uint32_t ref_count)
{
	struct walk w;
	int ret;

	if (!refs || !write_page)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.gref_directory = gref_directory;
	w.ref_count = ref_count;
	w.read_page = read_page;
	w.write_page = write_page;
	w.user_data = user_data;
	w.in_refs = refs;
	/* The whole chain is checked before a page is written. */
	w.visit = visit_check;
	ret = walk_chain(&w, buffer_size);
	if (ret)
		return ret;
	w.visit = visit_fill;
	return walk_chain(&w, buffer_size);
}

/* Directory pages of a peer, mapped one at a time through gntdev. */
struct grant_pages {
	void *xgt;
	uint32_t domid;
};

static int grant_read_page(void *user_data, uint32_t gref, void *page)
{
	struct grant_pages *g = user_data;
	void *map;
	int ret;

	ret = gntbuf_gntdev_map_page(g->xgt, g->domid, gref, false, &map);
	if (ret)
		return ret;
	memcpy(page, map, GNTBUF_XEN_PAGE_SIZE);
	return gntbuf_gntdev_unmap_page(g->xgt, map);
}

static int grant_write_page(void *user_data, uint32_t gref, const void *page)
{
	struct grant_pages *g = user_data;
	void *map;
	int ret;

	ret = gntbuf_gntdev_map_page(g->xgt, g->domid, gref, true, &map);
	if (ret)
		return ret;
	memcpy(map, page, GNTBUF_XEN_PAGE_SIZE);
	return gntbuf_gntdev_unmap_page(g->xgt, map);
}

/*
 * The device's gntdev handle: the gntdev backend's own, or one opened on
 * first use next to the module (and tried again while it fails).
 */
static int device_gntdev(struct gntbuf_device *dev, void **xgt)
{
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	if (!dev->xgt)
		ret = gntbuf_gntdev_open(&dev->xgt);
	*xgt = dev->xgt;
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_device_read_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 uint32_t *refs, uint32_t ref_count)
{
	struct grant_pages g;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = device_gntdev(dev, &g.xgt);
	if (ret)
		return ret;
	g.domid = domid;
	ret = gntbuf_pgdir_decode(gref_directory, buffer_size,
				  grant_read_page, &g, refs, ref_count);
	if (ret)
		gntbuf_log_error(dev, "page directory of dom%u at gref %u "
				 "(buffer_sz %llu): %s", domid, gref_directory,
				 (unsigned long long)buffer_size,
				 gntbuf_pgdir_strerror(ret));
	return ret;
}

GNTBUF_EXPORT int
gntbuf_device_fill_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 const uint32_t *refs, uint32_t ref_count)
{
	struct grant_pages g;
	int ret;

	if (!dev)
		return -EINVAL;
	ret = device_gntdev(dev, &g.xgt);
	if (ret)
		return ret;
	g.domid = domid;
	ret = gntbuf_pgdir_fill(gref_directory, buffer_size, grant_read_page,
				grant_write_page, &g, refs, ref_count);
	if (ret)
		gntbuf_log_error(dev, "filling the page directory of dom%u at "
				 "gref %u (buffer_sz %llu): %s", domid,
				 gref_directory,
				 (unsigned long long)buffer_size,
				 gntbuf_pgdir_strerror(ret));
	return ret;
}

GNTBUF_EXPORT const char *
gntbuf_pgdir_strerror(int err)
{
	switch (err) {
	case -ENODATA:
		return "the page directory chain ends (gref_dir_next_page 0) "
		       "before buffer_sz is covered";
	case -EMSGSIZE:
		return "the page directory chain goes on past the last page "
		       "buffer_sz needs";
	case -ELOOP:
		return "gref_dir_next_page loops back to a page already read";
	case -EOVERFLOW:
		return "buffer_sz needs more grefs than a directory can hold";
	default:
		return strerror(-err);
	}
}
