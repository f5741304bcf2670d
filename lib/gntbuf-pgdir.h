/* SPDX-License-Identifier: MIT */
/**
 * @file gntbuf-pgdir.h
 * libgntbuf: Xen displif page directories: reading and filling the grant references
 * of a PV display buffer (io/displif.h).
 *
 * Part of gntbuf.h, which includes it where its section belongs: include
 * &lt;gntbuf.h&gt;, not this file (its units, errors and ownership rules
 * apply here too).
 */
#ifndef GNTBUF_PGDIR_H
#define GNTBUF_PGDIR_H

#ifndef GNTBUF_H_INSIDE
#error "include <gntbuf.h>, not <gntbuf-pgdir.h>"
#endif

/* ---------------------------------------------------------------- */
/** @name displif page directories */
/** @{ */

/**
 * Reads one 4096-byte page of a page directory.
 *
 * @param user_data the caller's pointer.
 * @param gref the directory page's gref.
 * @param[out] page 4096 bytes to fill.
 * @return 0 or a negative errno, which the walk then returns.
 */
typedef int (*gntbuf_pgdir_read_func)(void *user_data, uint32_t gref,
				      void *page);

/**
 * Writes one 4096-byte page of a page directory.
 *
 * @param user_data the caller's pointer.
 * @param gref the directory page's gref.
 * @param page the 4096 bytes to store.
 * @return 0 or a negative errno, which the walk then returns.
 */
typedef int (*gntbuf_pgdir_write_func)(void *user_data, uint32_t gref,
				       const void *page);

/**
 * The size of a page directory for a buffer of @p buffer_size bytes:
 * DIV_ROUND_UP(buffer_size, 4096) grefs (displif's num_grefs_total) in
 * DIV_ROUND_UP(grefs, 1023) directory pages.
 *
 * @param buffer_size the buffer's size in bytes (displif's buffer_sz).
 * @param[out] ref_count grefs of the buffer's pages; may be NULL.
 * @param[out] dir_page_count pages of the directory; may be NULL.
 * @return 0, -EINVAL for a size of 0, -EOVERFLOW for more than
 *   UINT32_MAX grefs.
 */
int
gntbuf_pgdir_get_size(uint64_t buffer_size, uint32_t *ref_count,
		      uint32_t *dir_page_count);

/**
 * Writes a whole page directory, as a frontend does for XENDISPL_OP_DBUF_CREATE
 * (struct xendispl_page_directory): page i holds gref_dir_next_page =
 * @p dir_refs[i + 1] (0 in the last page) and the next 1023 of @p refs;
 * the unused tail of the last page is zeroed.
 *
 * @param refs the buffer's grefs, in buffer order.
 * @param ref_count number of grefs, at least 1.
 * @param dir_refs the grefs of the directory pages, in chain order; none
 *   0 (the end marker), no two the same.
 * @param dir_page_count must be DIV_ROUND_UP(ref_count, 1023).
 * @param[out] pages @p dir_page_count * 4096 bytes: the directory.
 * @return 0 or -EINVAL (NULL, wrong @p dir_page_count, a 0 or repeated
 *   directory gref).
 */
int
gntbuf_pgdir_encode(const uint32_t *refs, uint32_t ref_count,
		    const uint32_t *dir_refs, uint32_t dir_page_count,
		    void *pages);

/**
 * Reads a frontend's page directory chain into the buffer's grefs: the
 * backend side of XENDISPL_OP_DBUF_CREATE. Pages are read through @p
 * read_page, so the walk runs on any storage: mapped grants
 * (gntbuf_device_read_pgdir()) or memory.
 *
 * @param gref_directory the first directory page's gref (displif's
 *   gref_directory), not 0.
 * @param buffer_size the buffer's size in bytes (displif's buffer_sz).
 * @param read_page reads one directory page.
 * @param user_data passed to @p read_page.
 * @param[out] refs room for @p ref_count grefs.
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return 0 or a negative errno, one per fault, which
 *   gntbuf_pgdir_strerror() names: -EINVAL (the caller's arguments: NULL,
 *   @p ref_count not matching @p buffer_size, gref_directory 0),
 *   -ENODATA (the chain ends, with a 0 gref_dir_next_page, before
 *   @p buffer_size is covered), -EMSGSIZE (the chain goes on past the
 *   last page @p buffer_size needs), -ELOOP (the chain comes back to a
 *   page it already went through), -EOVERFLOW (see
 *   gntbuf_pgdir_get_size()), or @p read_page's errno.
 */
int
gntbuf_pgdir_decode(uint32_t gref_directory, uint64_t buffer_size,
		    gntbuf_pgdir_read_func read_page, void *user_data,
		    uint32_t *refs, uint32_t ref_count);

/**
 * Fills the grefs of a directory chain that the frontend allocated and
 * linked: the backend side of a be-alloc XENDISPL_OP_DBUF_CREATE
 * (XENDISPL_DBUF_FLG_REQ_ALLOC). Each page is read, its gref[] filled
 * from @p refs (the tail of the last page zeroed), its gref_dir_next_page
 * kept, and written back. The chain is checked as gntbuf_pgdir_decode()
 * checks it.
 *
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param read_page reads one directory page.
 * @param write_page writes one directory page.
 * @param user_data passed to both.
 * @param refs the grefs of the backend's pages (gntbuf_buffer_get_refs()).
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_pgdir_decode(), and @p write_page's errno.
 */
int
gntbuf_pgdir_fill(uint32_t gref_directory, uint64_t buffer_size,
		  gntbuf_pgdir_read_func read_page,
		  gntbuf_pgdir_write_func write_page, void *user_data,
		  const uint32_t *refs, uint32_t ref_count);

/**
 * What a page-directory error of gntbuf_pgdir_decode(), gntbuf_pgdir_fill()
 * or gntbuf_device_read_pgdir() means, for a backend's log: the chain's
 * faults in displif's terms, else strerror()'s text.
 *
 * @param err a negative errno those functions returned.
 * @return a static string; never NULL.
 */
const char *
gntbuf_pgdir_strerror(int err);

/**
 * gntbuf_pgdir_decode() on a frontend's granted directory pages, each
 * mapped read-only through gntdev (xengnttab_map_grant_ref()) for the
 * copy, whichever backend @p dev uses.
 *
 * @param dev an open device.
 * @param domid the frontend's domain.
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param[out] refs the buffer's @p ref_count grefs, in page order.
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_pgdir_decode(); -ENODEV without /dev/xen/gntdev,
 *   -EOPNOTSUPP when the library was built without libxengnttab, or the
 *   map's errno for a bad gref.
 */
int
gntbuf_device_read_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 uint32_t *refs, uint32_t ref_count);

/**
 * gntbuf_pgdir_fill() on a frontend's granted directory pages, each mapped
 * writable through gntdev.
 *
 * @param dev an open device.
 * @param domid the frontend's domain.
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param refs the grefs of the backend's pages (gntbuf_buffer_get_refs()).
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_device_read_pgdir().
 */
int
gntbuf_device_fill_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 const uint32_t *refs, uint32_t ref_count);

/** @} */

#endif /* GNTBUF_PGDIR_H */
