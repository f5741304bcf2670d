/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_sync's buffers, shared by its two files: gntbuf_sync.c (the
 * whole-buffer syncs, SYNC_RANGE, the subtest list) and
 * gntbuf_sync_ranges.c (SYNC_RANGES, IMPORT and any dma-buf's ranges, bad
 * input, syncs interrupted by signals).
 */
#ifndef GNTBUF_SYNC_H
#define GNTBUF_SYNC_H

#include "igt.h"

#include "gntbuf_test.h"

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)

enum kind {
	KIND_EXPORT_SELF,
	KIND_EXPORT_FOREIGN_PV,
	KIND_EXPORT_FOREIGN_PVH,
	KIND_ALLOC_SELF,
	KIND_COUNT,
};

/* A gntbuf dma-buf and the other side's view of its pages. */
struct buffer {
	enum kind kind;
	uint32_t pages;
	size_t bytes;
	int fd;
	uint64_t id;
	uint32_t *map;			/* the dma-buf's mmap */
	struct gntbuf_grants grants;	/* export: the granter */
	struct gntbuf_grantee grantee;	/* alloc: dom0 maps its own grants */
	uint32_t *refs;			/* alloc */
};

/* The module's device, opened by the fixture. */
extern int dev;

enum kind local_export_kind(void);
void buffer_create(enum kind kind, uint32_t pages, uint32_t seed,
		   struct buffer *b);
void buffer_destroy(struct buffer *b);
uint32_t other_crc(struct buffer *b);
uint64_t range_flushed(void);
uint64_t full_flushed(void);

/* gntbuf_sync_ranges.c */
void test_rectangle(bool one_call);
void test_ranges_bad_input(void);
void test_range_import(void);
void test_range_any_dmabuf(void);
void test_interrupted(void);

#endif /* GNTBUF_SYNC_H */
