/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_lib and gntbuf_lib_gntdev: what the files of the library suite
 * share (gntbuf_lib.c has the subtest list and the helpers; the tests are
 * in gntbuf_lib_device.c, _buffers.c, _access.c, _drm.c and _compositor.c).
 */
#ifndef GNTBUF_LIB_TEST_H
#define GNTBUF_LIB_TEST_H

#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gbm.h>
#include <xen/sys/gntdev.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <gntbuf.h>

#include "gntbuf_test.h"

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED_A 0x510e527fu
#define SEED_B 0x9b05688cu
#define SEED_C 0x1f83d9abu
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A pointer the library must not write on failure. */
#define SENTINEL ((void *)0x5e5e5e5e)

#ifdef GNTBUF_LIB_GNTDEV
#define BACKEND GNTBUF_BACKEND_GNTDEV
#else
#define BACKEND GNTBUF_BACKEND_MODULE
#endif


extern struct gntbuf_device *dev;	/* of BACKEND */
extern int raw;	/* the module's device, for QUERY and STATS */

/*
 * A buffer for the CPU-access and sync_file subtests: the module's ALLOC,
 * or on gntdev (no ALLOC) a vgem dumb buffer of @pages imported, whose
 * dma-buf is vgem's own (mmap and DMA_BUF_IOCTL_SYNC work on it).
 */
struct cpu_buffer {
	struct gntbuf_buffer *buf;
	struct gntbuf_test_dumb dumb;
	int vgem;
};

/* gntbuf_lib.c */
bool on_gntdev(void);
bool pv_domain(void);
void require_exports(void);
int __lib_open(enum gntbuf_backend backend, struct gntbuf_device **out);
struct gntbuf_device *lib_open(enum gntbuf_backend backend);
void check_cloexec(int fd);
int check_from_refs_buffer(struct gntbuf_buffer *buf,
			   const struct gntbuf_grants *g);
void check_from_refs_bad_args(const struct gntbuf_grants *g);
void check_from_refs_bad_grants(const struct gntbuf_grants *g);
uint64_t stats_range_bytes(void);
void cpu_buffer_create(struct gntbuf_device *d, uint32_t pages,
		       struct cpu_buffer *cb);
void cpu_buffer_destroy(struct cpu_buffer *cb);

/* The subtests. */
void test_caps(void);
void test_counters(void);
void test_open_errors(void);
void test_gntdev_eopnotsupp(void);
void test_gntdev_fallback(void);
void test_caps_gntdev(void);
void test_counters_gntdev(void);
void test_export_gntdev(enum gntbuf_source s);
void test_export_read_only_gntdev(enum gntbuf_source s);
void test_alloc_bad_input_gntdev(void);
void test_alloc_gntdev(enum gntbuf_source s);
void test_export_bad_input_gntdev(void);
void test_export(enum gntbuf_source s);
void test_export_read_only(enum gntbuf_source s);
void test_export_bad_input(void);
void test_log_handler(void);
void test_alloc(enum gntbuf_source s);
void test_alloc_bad_input(void);
void test_import(enum gntbuf_source s);
void test_import_bad_input(void);
void test_cpu_access_errors(void);
void test_sync_file(void);
void test_outlives_device(void);
void test_pgdir(enum gntbuf_source s);
void test_drm_prime(void);
void test_drm_framebuffer(void);
void test_gbm(void);
void test_cross_alloc_to_gntdev(void);
void test_cross_gntdev_to_vgem(void);
void test_cross_gntdev_to_module(void);
/* gntbuf_lib_compositor.c */
void test_release_fd(enum gntbuf_source s);
void test_device_open_fd(void);
void test_device_open_fd_gntdev(void);
void test_dmabuf_attributes(void);

#endif /* GNTBUF_LIB_TEST_H */
