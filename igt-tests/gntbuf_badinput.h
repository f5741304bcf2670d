/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_badinput.h: what the files of gntbuf_badinput share (see
 * gntbuf_badinput.c): the device, its limits, the good grants, the
 * leak check around each call, and the subtests of each file.
 */
#ifndef GNTBUF_BADINPUT_H
#define GNTBUF_BADINPUT_H

#include "gntbuf_test.h"

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
/* A domain id that is valid but names no domain in the rig. */
#define DOMID_ABSENT 0x7fe0u
#define GNTBUF_IOCTL_UNKNOWN _IOWR(GNTBUF_IOCTL_MAGIC, 0x1f, struct gntbuf_query)

extern int dev;				/* /dev/xen/gntbuf */
extern struct gntbuf_query limits;	/* its QUERY */
/*
 * PAGES good grants from gntbuf_local_source(): dom0's own in dom0, those
 * of dom0's gntbuf-grant-peer when this runs in a domU.  Subtests that
 * need grants of another kind (ended, read-only) take them from the same
 * source.
 */
extern struct gntbuf_grants good;
/* The module parameters test_export_limit() lowers, and their values. */
extern const char *const limit_params[3];
extern long saved_limits[3];

/* begin()'s counters, for subtests that compare them themselves. */
extern struct gntbuf_stats baseline;

/* Before a call: the counters and open fds; after it: none left behind. */
void begin(void);
void nothing_left(void);
/* The call with these arguments fails with errno @err, leaving nothing. */
void expect_export(uint32_t domid, const uint32_t *refs, uint32_t count,
		   uint32_t flags, int err);
void expect_alloc(uint32_t domid, uint32_t count, uint32_t flags,
		  uint32_t *refs, int err);
void expect_import(int dmabuf, uint32_t domid, uint32_t count,
		   uint32_t flags, uint32_t *refs, int err);
void expect_ioctl(unsigned long request, void *arg, int err);
/* A vgem buffer of @pages pages, as a dma-buf; the handle is closed. */
int vgem_dmabuf(int vgem, uint32_t pages);
/* A live export of the good grants, on @fd: its dma-buf and id. */
int live_export(int fd, uint64_t *id);

/* gntbuf_badinput_create.c: the device, EXPORT_REFS, ALLOC, IMPORT. */
void test_unknown_ioctl(void);
void test_wrong_size(void);
void test_other_magic(void);
void test_query_flags(void);
void test_query_bad_pointer(void);
void test_stats_flags(void);
void test_export_count(uint32_t count, int err);
void test_export_flags(void);
void test_export_domid(uint32_t domid, int err);
void test_export_bad_pointer(void);
void test_export_short_refs(void);
void test_export_invalid_gref(void);
void test_export_ungranted_gref(void);
void test_export_granted_to_another(void);
void test_export_absent_domain(void);
void test_export_write_read_only(void);
void test_export_one_bad_among_good(void);
void test_export_gref_of_peer(void);
void test_export_limit(const char *param);
void test_export_read_only_arg(void);
void test_alloc_read_only_arg(void);
void test_import_read_only_arg(void);
void test_alloc_count(uint32_t count, int err);
void test_alloc_flags(void);
void test_alloc_domid(uint32_t domid, int err);
void test_alloc_bad_pointer(void);
void test_alloc_file_limit(void);
void test_import_not_dmabuf(void);
void test_import_closed_fd(void);
void test_import_count(void);
void test_import_flags(void);
void test_import_domid(void);
void test_import_bad_pointer(void);
void test_import_exported(void);
/* Puts back the limits a failed subtest may have left lowered. */
void restore_limits(void);

/* gntbuf_badinput_ids.c: WAIT_RELEASED, IMPORT_RELEASE, SYNC_RANGE, kill. */
void test_wait_unknown(void);
void test_wait_stale(void);
void test_wait_other_file(void);
void test_wait_pad(void);
void test_wait_interrupted(void);
void test_release_unknown(void);
void test_release_twice(void);
void test_release_flags_pad(void);
void test_release_export_id(void);
void test_release_other_file(void);
void with_export(void (*fn)(int fd, uint64_t id));
void sync_no_direction(int fd, uint64_t id);
void sync_unknown_flags(int fd, uint64_t id);
void sync_past_end(int fd, uint64_t id);
void sync_overflow(int fd, uint64_t id);
void sync_both_names(int fd, uint64_t id);
void test_sync_unknown_id(void);
void test_sync_released_id(void);
void test_sync_other_file(void);
void test_sync_import_id(void);
void test_sync_fd_not_gntbuf(void);
void test_sync_fd_closed(void);
void test_killed(void);

#endif /* GNTBUF_BADINPUT_H */
