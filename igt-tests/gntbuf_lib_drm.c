// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: DRM and GBM: PRIME into vgem, KMS framebuffers on vkms, gbm_bo_import, and the cross-checks between gntdev and the module.
 */
#include "gntbuf_lib.h"

/* ------------------------------------------------------------------ */

/* An exported buffer of local grants, for the DRM and GBM subtests. */
static struct gntbuf_buffer *export_local(struct gntbuf_grants *g)
{
	struct gntbuf_buffer *buf;

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED_A, true, g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g->domid, g->refs, PAGES,
					      0, &buf), 0);
	return buf;
}

static bool handle_alive(int drm_fd, uint32_t handle)
{
	int fd;

	if (drmPrimeHandleToFD(drm_fd, handle, DRM_CLOEXEC, &fd))
		return false;
	close(fd);
	return true;
}

void test_drm_prime(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gntbuf_drm *drm;
	uint32_t h1, h2, fb;
	int vgem, fd, fd2;

	require_exports();
	vgem = gntbuf_test_open_vgem();
	buf = export_local(&g);
	igt_assert_eq(gntbuf_drm_create(vgem, &drm), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd2), 0);

	/* Two imports of one buffer: one handle, counted twice. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd2, &h2), 0);
	igt_assert_eq_u32(h1, h2);
	close(fd2);

	/* Both references held: the first release leaves the handle. */
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(!handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), -ENOENT);

	/* vgem has no KMS: -EOPNOTSUPP, and the failed fb leaks no handle. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 1), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), -EOPNOTSUPP);
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(!handle_alive(vgem, h1));
	/* A layout bigger than the dma-buf never reaches DRM. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 128, 129,
					 1), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), -ERANGE);
	/* Not a dma-buf; a closed fd. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, vgem, &h1), -EINVAL);
	igt_assert_eq(gntbuf_drm_import_handle(drm, -1, &h1), -EBADF);

	/*
	 * vgem's handle alone keeps the dma-buf: the wait times out until
	 * the wrapper's destroy closes the handles it still holds.
	 */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 100), -ETIMEDOUT);
	gntbuf_drm_destroy(drm);
	igt_assert(!handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	close(vgem);
}

/*
 * GETFB2 gives root a new GEM handle of each plane: close those, or they
 * would hold the dma-buf (the wrapper's own @ours is left alone).
 */
static drmModeFB2Ptr get_fb2(int kms, uint32_t fb_id, uint32_t ours)
{
	drmModeFB2Ptr info = drmModeGetFB2(kms, fb_id);

	for (int i = 0; info && i < 4; i++) {
		uint32_t h = info->handles[i];
		bool seen = h == 0 || h == ours;

		for (int j = 0; j < i; j++)
			seen |= info->handles[j] == h;
		if (!seen)
			drmCloseBufferHandle(kms, h);
	}
	return info;
}

void test_drm_framebuffer(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gntbuf_drm *drm;
	drmModeFB2Ptr info;
	uint32_t fb, fb2, fb3, ours;
	int kms, fd, ret;

	require_exports();
	kms = __gntbuf_test_open_vkms();
	igt_require_f(kms >= 0, "no vkms (run the rig with --vkms)\n");
	buf = export_local(&g);
	igt_assert_eq(gntbuf_drm_create(kms, &drm), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	/* The handle the wrapper will use for this dma-buf. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &ours), 0);
	igt_assert_eq(gntbuf_drm_release_handle(drm, ours), 0);

	/* Linear: AddFB2 with DRM_MODE_FB_MODIFIERS where vkms takes it. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 256), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), 0);
	info = get_fb2(kms, fb, ours);
	igt_assert(info);
	igt_assert_eq_u32(info->width, 64);
	igt_assert_eq_u32(info->height, 64);
	igt_assert_eq_u32(info->pixel_format, DRM_FORMAT_XRGB8888);
	igt_assert_eq_u32(info->pitches[0], 256);
	if (info->flags & DRM_MODE_FB_MODIFIERS)
		igt_assert_eq_u64(info->modifier, DRM_FORMAT_MOD_LINEAR);
	drmModeFreeFB2(info);

	/*
	 * Implicit modifier: plain AddFB2 (GETFB2 reports the driver's
	 * DRM_MODE_FB_MODIFIERS either way; the implicit one is linear).
	 */
	layout.modifier = DRM_FORMAT_MOD_INVALID;
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb2), 0);
	igt_assert_neq_u32(fb2, fb);
	info = get_fb2(kms, fb2, ours);
	igt_assert(info);
	igt_assert_eq_u32(info->width, 64);
	igt_assert_eq_u32(info->pitches[0], 256);
	if (info->flags & DRM_MODE_FB_MODIFIERS)
		igt_assert_eq_u64(info->modifier, DRM_FORMAT_MOD_LINEAR);
	drmModeFreeFB2(info);

	/*
	 * A tiled modifier goes to DRM as it is, never quietly as linear:
	 * DRM refuses it, or the framebuffer carries it (vkms 6.1 takes any
	 * modifier on its planes).
	 */
	layout.modifier = I915_FORMAT_MOD_X_TILED;
	ret = gntbuf_drm_add_fb(drm, fd, &layout, &fb3);
	igt_info("X-tiled on vkms: %s\n", strerror(-ret));
	if (ret == 0) {
		info = get_fb2(kms, fb3, ours);
		igt_assert(info);
		igt_assert(info->flags & DRM_MODE_FB_MODIFIERS);
		igt_assert_eq_u64(info->modifier, I915_FORMAT_MOD_X_TILED);
		drmModeFreeFB2(info);
		igt_assert_eq(gntbuf_drm_remove_fb(drm, fb3), 0);
	} else {
		igt_assert_lt(ret, 0);
	}

	igt_assert_eq(gntbuf_drm_remove_fb(drm, fb), 0);
	igt_assert(!get_fb2(kms, fb, ours));
	igt_assert_eq(gntbuf_drm_remove_fb(drm, fb), -ENOENT);
	/* fb2 is left for the wrapper's destroy to remove. */
	gntbuf_drm_destroy(drm);
	igt_assert(!get_fb2(kms, fb2, ours));

	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	close(kms);
}

void test_gbm(void)
{
	struct gntbuf_layout layout, big;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gbm_device *gbm;
	struct gbm_bo *bo = SENTINEL;
	const char *names[2] = { "vgem", "vkms" };
	int cards[2], fd, ret = -ENODEV, used = -1;

	require_exports();
	cards[0] = __gntbuf_test_open_vgem();
	cards[1] = __gntbuf_test_open_vkms();
	buf = export_local(&g);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 256), 0);

	/* NULL device; an image bigger than the dma-buf. */
	igt_assert_eq(gntbuf_gbm_import(NULL, fd, &layout, 0, &bo), -EINVAL);
	igt_assert(bo == SENTINEL);

	for (int i = 0; i < 2 && used < 0; i++) {
		if (cards[i] < 0)
			continue;
		gbm = gbm_create_device(cards[i]);
		if (!gbm) {
			igt_info("no GBM device on %s\n", names[i]);
			continue;
		}
		igt_info("GBM on %s: backend %s\n", names[i],
			 gbm_device_get_backend_name(gbm));
		big = layout;
		big.height = 1024;
		big.size = (uint64_t)big.strides[0] * big.height;
		igt_assert_eq(gntbuf_gbm_import(gbm, fd, &big, 0, &bo), -ERANGE);

		ret = gntbuf_gbm_import(gbm, fd, &layout, 0, &bo);
		if (ret) {
			igt_info("gbm_bo_import on %s: %s\n", names[i],
				 strerror(-ret));
			gbm_device_destroy(gbm);
			continue;
		}
		used = i;
		igt_assert_eq_u32(gbm_bo_get_width(bo), 64);
		igt_assert_eq_u32(gbm_bo_get_height(bo), 64);
		igt_assert_eq_u32(gbm_bo_get_format(bo), DRM_FORMAT_XRGB8888);
		igt_assert_eq_u32(gbm_bo_get_stride(bo), 256);
		gbm_bo_destroy(bo);
		gbm_device_destroy(gbm);
	}
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	for (int i = 0; i < 2; i++)
		if (cards[i] >= 0)
			close(cards[i]);
	igt_skip_on_f(used < 0, "Mesa's GBM imports no dma-buf on vgem or vkms "
		      "here (last error: %s)\n", strerror(-ret));
	igt_info("imported through GBM on %s\n", names[used]);
}

/* ------------------------------------------------------------------ */
/* Cross-checks between the module and gntdev (gntbuf_lib_gntdev) */
#ifdef GNTBUF_LIB_GNTDEV

/*
 * The module's ALLOC buffer, imported by gntdev (IMP_TO_REFS) and granted
 * to a PV domain: dom0's peer domU, or dom0 itself from a PVH domU. The
 * peer maps gntdev's grants and reads what was written through the
 * module's mapping; the module's mapping reads what the peer wrote.
 */
void test_cross_alloc_to_gntdev(void)
{
	struct gntbuf_device *mod = lib_open(GNTBUF_BACKEND_MODULE);
	struct gntbuf_buffer *alloc, *imp;
	struct gntbuf_grantee ge;
	uint8_t *p;
	int fd;

	gntbuf_grantee_init(GNTBUF_SOURCE_FOREIGN_PV, &ge);
	igt_assert_eq(gntbuf_buffer_alloc(mod, GNTBUF_SELF, PAGES, 0, &alloc),
		      0);
	igt_assert_eq(gntbuf_buffer_map(alloc, GNTBUF_ACCESS_RW, (void **)&p),
		      0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(alloc,
						     GNTBUF_ACCESS_WRITE), 0);
	gntbuf_pattern_fill(p, BYTES, SEED_A);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(alloc, GNTBUF_ACCESS_WRITE),
		      0);

	igt_assert_eq(gntbuf_buffer_dup_fd(alloc, &fd), 0);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, ge.domid, 0, &imp), 0);
	close(fd);
	igt_assert_eq_u32(gntbuf_buffer_get_page_count(imp), PAGES);

	gntbuf_grantee_map(&ge, gntbuf_buffer_get_refs(imp, NULL), PAGES, true);
	gntbuf_grantee_check(&ge, SEED_A);
	gntbuf_grantee_fill(&ge, SEED_B);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(alloc, GNTBUF_ACCESS_READ),
		      0);
	gntbuf_pattern_check(p, BYTES, SEED_B);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(alloc, GNTBUF_ACCESS_READ),
		      0);
	gntbuf_grantee_unmap(&ge);

	/* gntdev's release lets the module's buffer go. */
	igt_assert_eq(gntbuf_buffer_wait_released(imp, 0), 0);
	gntbuf_buffer_destroy(imp);
	igt_assert_eq(gntbuf_buffer_wait_released(alloc, 2000), 0);
	gntbuf_buffer_destroy(alloc);
	gntbuf_device_close(mod);
}


/*
 * gntdev's export in vgem, as gntbuf_export's vgem subtest takes the
 * module's: vgem's PRIME import attaches and maps it, and alone holds it
 * once our fd is closed. Where the module's bytes are then compared
 * through the dma-buf's mmap, gntdev's dma-bufs have none (-EINVAL), and
 * Linux 6.1's vgem maps no imported object (MAP_DUMB: EINVAL): nothing in
 * this domain can read their bytes with the CPU.
 */
void test_cross_gntdev_to_vgem(void)
{
	struct drm_mode_map_dumb map = { 0 };
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	uint32_t handle;
	void *p;
	int vgem, fd;

	require_exports();
	buf = export_local(&g);
	vgem = gntbuf_test_open_vgem();
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(drmPrimeFDToHandle(vgem, fd, &handle), 0);
	map.handle = handle;
	igt_assert_eq(igt_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map), -1);
	igt_assert_eq(errno, EINVAL);
	p = mmap(NULL, BYTES, PROT_READ, MAP_SHARED, fd, 0);
	igt_assert(p == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	close(fd);

	/* vgem's handle alone holds gntdev's export. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 200), -ETIMEDOUT);
	igt_assert_eq(drmCloseBufferHandle(vgem, handle), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	close(vgem);
	/* gntdev unmapped the grants: the granter can end them. */
	gntbuf_grants_end(&g, 5000);
}

/*
 * The module's IMPORT of gntdev's export: another domain's frames, which
 * Xen grants cannot pass on: -EXDEV (GNTBUF_IOCTL_IMPORT's kernel-doc).
 */
void test_cross_gntdev_to_module(void)
{
	struct gntbuf_device *mod = lib_open(GNTBUF_BACKEND_MODULE);
	struct gntbuf_buffer *buf, *imp = SENTINEL;
	struct gntbuf_grants g;
	int fd, ret;

	require_exports();
	buf = export_local(&g);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	ret = gntbuf_buffer_grant_dmabuf(mod, fd, 0, 0, &imp);
	igt_info("the module's IMPORT of gntdev's dma-buf: %s\n",
		 strerror(-ret));
	igt_assert_eq(ret, -EXDEV);
	igt_assert(imp == SENTINEL);
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	gntbuf_device_close(mod);
}
#endif /* GNTBUF_LIB_GNTDEV */
