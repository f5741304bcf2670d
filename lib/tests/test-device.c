// SPDX-License-Identifier: MIT
/*
 * What the library does with no Xen device at hand, on any machine: opens
 * that fail with -ENODEV (the module's path pointed at a missing file with
 * GNTBUF_DEVICE, so this holds on a machine with the module loaded too), a
 * device node that is not the module, and the arguments every call refuses
 * before it reaches a device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gntbuf.h"
#include "test.h"

/* A pointer the library must leave alone when it fails. */
#define SENTINEL ((void *)0x5e5e5e5e)

static void test_open(void)
{
	struct gntbuf_device *dev = SENTINEL;
	int ret;

	TEST_CASE("module backend, GNTBUF_DEVICE names a missing file: -ENODEV");
	setenv("GNTBUF_DEVICE", "/nonexistent/gntbuf", 1);
	CHECK_EQ(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &dev), -ENODEV);
	CHECK(dev == SENTINEL);

	TEST_CASE("module backend, a path under a regular file: -ENODEV");
	setenv("GNTBUF_DEVICE", "/etc/hostname/gntbuf", 1);
	CHECK_EQ(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &dev), -ENODEV);
	CHECK(dev == SENTINEL);

	TEST_CASE("module backend on /dev/null (answers ENOTTY): -ENODEV");
	setenv("GNTBUF_DEVICE", "/dev/null", 1);
	CHECK_EQ(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &dev), -ENODEV);
	CHECK(dev == SENTINEL);

	TEST_CASE("gntdev backend without /dev/xen/gntdev: -ENODEV");
	if (access("/dev/xen/gntdev", F_OK) != 0) {
		CHECK_EQ(gntbuf_device_open(GNTBUF_BACKEND_GNTDEV, &dev),
			 -ENODEV);
		CHECK(dev == SENTINEL);
	} else {
		printf("# (skipped: this machine has /dev/xen/gntdev)\n");
	}

	TEST_CASE("auto with neither device: -ENODEV");
	setenv("GNTBUF_DEVICE", "/nonexistent/gntbuf", 1);
	ret = gntbuf_device_open(GNTBUF_BACKEND_AUTO, &dev);
	if (access("/dev/xen/gntdev", F_OK) != 0) {
		CHECK_EQ(ret, -ENODEV);
		CHECK(dev == SENTINEL);
	} else {
		/* gntdev: with dma-bufs, or cleanly refused without. */
		CHECK(ret == 0 || ret == -EOPNOTSUPP);
		if (ret == 0) {
			CHECK_EQ(gntbuf_device_get_backend(dev),
				 GNTBUF_BACKEND_GNTDEV);
			gntbuf_device_close(dev);
		}
	}

	TEST_CASE("open: NULL out, unknown backend");
	CHECK_EQ(gntbuf_device_open(GNTBUF_BACKEND_MODULE, NULL), -EINVAL);
	dev = SENTINEL;
	CHECK_EQ(gntbuf_device_open((enum gntbuf_backend)42, &dev), -EINVAL);
	CHECK(dev == SENTINEL);
	unsetenv("GNTBUF_DEVICE");
}

static void test_names(void)
{
	TEST_CASE("backend names");
	CHECK(strcmp(gntbuf_backend_get_name(GNTBUF_BACKEND_AUTO), "auto") == 0);
	CHECK(strcmp(gntbuf_backend_get_name(GNTBUF_BACKEND_MODULE),
		     "module") == 0);
	CHECK(strcmp(gntbuf_backend_get_name(GNTBUF_BACKEND_GNTDEV),
		     "gntdev") == 0);
	CHECK(gntbuf_backend_get_name((enum gntbuf_backend)3) == NULL);
	CHECK(gntbuf_backend_get_name((enum gntbuf_backend)-1) == NULL);
}

static void test_version(void)
{
	char s[32];

	TEST_CASE("version: the library loaded is this header's, the macros agree");
	CHECK_EQ(gntbuf_get_version(), GNTBUF_VERSION);
	CHECK_EQ(GNTBUF_VERSION, (GNTBUF_VERSION_MAJOR << 16) |
		 (GNTBUF_VERSION_MINOR << 8) | GNTBUF_VERSION_MICRO);
	snprintf(s, sizeof(s), "%d.%d.%d", GNTBUF_VERSION_MAJOR,
		 GNTBUF_VERSION_MINOR, GNTBUF_VERSION_MICRO);
	CHECK(strcmp(s, GNTBUF_VERSION_STRING) == 0);
	CHECK(strcmp(GNTBUF_VERSION_STRING, PROJECT_VERSION) == 0);
	CHECK(GNTBUF_VERSION_CHECK(0, 2, 0));
	CHECK(GNTBUF_VERSION_CHECK(GNTBUF_VERSION_MAJOR, GNTBUF_VERSION_MINOR,
				   GNTBUF_VERSION_MICRO));
	CHECK(!GNTBUF_VERSION_CHECK(GNTBUF_VERSION_MAJOR,
				    GNTBUF_VERSION_MINOR + 1, 0));
	CHECK(GNTBUF_VERSION_ENCODE(0, 255, 255) < GNTBUF_VERSION_ENCODE(1, 0, 0));
}

static void test_null(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_drm *drm = SENTINEL;
	struct gntbuf_caps caps;
	struct gntbuf_counters counters;
	struct gntbuf_layout layout;
	uint32_t refs[1] = { 8 };
	void *addr;
	int fd = 77;

	TEST_CASE("destroy and close take NULL");
	gntbuf_device_close(NULL);
	gntbuf_buffer_destroy(NULL);
	gntbuf_drm_destroy(NULL);

	TEST_CASE("device calls on NULL: -EINVAL");
	CHECK_EQ(gntbuf_device_set_log_handler(NULL, NULL, NULL), -EINVAL);
	CHECK_EQ(gntbuf_device_set_log_priority(NULL,
						GNTBUF_LOG_PRIORITY_DEBUG),
		 -EINVAL);
	CHECK_EQ(gntbuf_device_get_caps(NULL, &caps), -EINVAL);
	CHECK_EQ(gntbuf_device_get_counters(NULL, &counters), -EINVAL);
	CHECK_EQ(gntbuf_device_read_pgdir(NULL, 1, 8, 4096, refs, 1), -EINVAL);
	CHECK_EQ(gntbuf_device_fill_pgdir(NULL, 1, 8, 4096, refs, 1), -EINVAL);

	TEST_CASE("buffer constructors on a NULL device: -EINVAL, no buffer");
	CHECK_EQ(gntbuf_buffer_from_refs(NULL, 1, refs, 1, 0, &buf), -EINVAL);
	CHECK_EQ(gntbuf_buffer_alloc(NULL, 1, 1, 0, &buf), -EINVAL);
	CHECK_EQ(gntbuf_buffer_grant_dmabuf(NULL, 0, 1, 0, &buf), -EINVAL);
	CHECK(buf == SENTINEL);

	TEST_CASE("the deprecated 0.1 names call the new ones (compat.c)");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	CHECK_EQ(gntbuf_buffer_export_refs(NULL, 1, refs, 1, 0, &buf), -EINVAL);
	CHECK_EQ(gntbuf_buffer_import(NULL, 0, 1, 0, &buf), -EINVAL);
#pragma GCC diagnostic pop
	CHECK(buf == SENTINEL);

	TEST_CASE("buffer calls on NULL: -EINVAL");
	CHECK_EQ(gntbuf_buffer_wait_released(NULL, 0), -EINVAL);
	CHECK_EQ(gntbuf_buffer_dup_fd(NULL, &fd), -EINVAL);
	CHECK_EQ(fd, 77);
	CHECK_EQ(gntbuf_buffer_map(NULL, GNTBUF_ACCESS_RW, &addr), -EINVAL);
	CHECK_EQ(gntbuf_buffer_unmap(NULL), -EINVAL);
	CHECK_EQ(gntbuf_buffer_begin_cpu_access(NULL, GNTBUF_ACCESS_RW),
		 -EINVAL);
	CHECK_EQ(gntbuf_buffer_end_cpu_access(NULL, GNTBUF_ACCESS_RW), -EINVAL);
	CHECK_EQ(gntbuf_buffer_begin_cpu_access_range(NULL, GNTBUF_ACCESS_RW,
						      0, 1), -EINVAL);
	CHECK_EQ(gntbuf_buffer_end_cpu_access_range(NULL, GNTBUF_ACCESS_RW,
						    0, 1), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 4, 4, 1), 0);
	CHECK_EQ(gntbuf_buffer_begin_cpu_access_rects(NULL, GNTBUF_ACCESS_RW,
						      &layout, NULL, 0),
		 -EINVAL);
	CHECK_EQ(gntbuf_buffer_end_cpu_access_rects(NULL, GNTBUF_ACCESS_RW,
						    &layout, NULL, 0), -EINVAL);
	CHECK_EQ(gntbuf_buffer_export_sync_file(NULL, GNTBUF_ACCESS_READ, &fd),
		 -EINVAL);
	CHECK_EQ(gntbuf_buffer_import_sync_file(NULL, GNTBUF_ACCESS_READ, 0),
		 -EINVAL);
	CHECK_EQ(fd, 77);

	TEST_CASE("DRM wrapper: bad fds, a file that is not DRM, NULL");
	CHECK_EQ(gntbuf_drm_create(-1, &drm), -EBADF);
	CHECK_EQ(gntbuf_drm_create(0, NULL), -EINVAL);
	{
		int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		CHECK(null_fd >= 0);
		CHECK_EQ(gntbuf_drm_create(null_fd, &drm), -ENOTTY);
		close(null_fd);
		/* A closed fd. */
		CHECK_EQ(gntbuf_drm_create(null_fd, &drm), -EBADF);
	}
	CHECK(drm == SENTINEL);
	CHECK_EQ(gntbuf_drm_import_handle(NULL, 0, refs), -EINVAL);
	CHECK_EQ(gntbuf_drm_release_handle(NULL, 1), -EINVAL);
	CHECK_EQ(gntbuf_drm_add_fb(NULL, 0, &layout, refs), -EINVAL);
	CHECK_EQ(gntbuf_drm_remove_fb(NULL, 1), -EINVAL);

	TEST_CASE("GBM import: NULL device");
	{
		struct gbm_bo *bo = SENTINEL;
		int ret = gntbuf_gbm_import(NULL, 0, &layout, 0, &bo);

		/* -EOPNOTSUPP when the library was built without GBM. */
		CHECK(ret == -EINVAL || ret == -EOPNOTSUPP);
		CHECK(bo == SENTINEL);
	}
}

int main(void)
{
	test_open();
	test_names();
	test_version();
	test_null();
	return test_done();
}
