// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: the calls on dma-bufs (closes of their fds, mmap, munmap,
 * accesses, mprotect, madvise, CPU access), on vgem and on the device
 * files.
 */
#include "gntbuf_random.h"

/* ---- dma-bufs ---- */

void op_close_dmabuf(void)
{
	int i = pick_buf(is_dmabuf_open);

	if (i < 0)
		return;
	describe("close of %s %llu's dma-buf fd %d", kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, m.bufs[i].fd);
	result(OP_CLOSE_DMABUF, close(m.bufs[i].fd) ? -errno : 0, 0);
	m.bufs[i].fd = -1;
	maybe_released(i);
}

static int free_map_slot(void)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (!m.maps[i].used)
			return i;
	return -1;
}

/* The buffer with the most mmaps, to reach the PV per-buffer limit. */
static int busiest_dmabuf(void)
{
	int best = -1;

	for (int i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].used && is_dmabuf_open(&m.bufs[i]) &&
		    (best < 0 || m.bufs[i].maps > m.bufs[best].maps))
			best = i;
	return best;
}

void op_mmap(void)
{
	int i = chance(25) ? busiest_dmabuf() : pick_buf(is_dmabuf_open);
	int s = free_map_slot(), want = 0, ret;
	struct buf *b;
	uint32_t first, n;
	bool rw;
	void *p;

	if (i < 0 || s < 0)
		return;
	b = &m.bufs[i];
	rw = !b->ro && chance(60);
	first = below(b->pages);
	n = 1 + below(b->pages - first);
	if (chance(40)) {
		first = 0;
		n = b->pages;
	}
	/*
	 * A PV domain maps an EXPORT_REFS buffer at most max_mmaps times,
	 * and each mapping's pages count in max_pages_total.
	 */
	if (m.pv && b->kind == K_EXPORT &&
	    (b->maps >= m.max_mmaps ||
	     total_pages() + n > (uint64_t)m.limit_total))
		want = -ENOSPC;
	describe("mmap %s of %s %llu (fd %d, %u maps), pages [%u +%u) "
		 "(total %llu pages)", rw ? "rw" : "ro", kind_name[b->kind],
		 (unsigned long long)b->id, b->fd, b->maps, first, n,
		 (unsigned long long)total_pages());
	p = mmap(NULL, (size_t)n * PAGE, PROT_READ | (rw ? PROT_WRITE : 0),
		 MAP_SHARED, b->fd, (off_t)first * PAGE);
	ret = p == MAP_FAILED ? -errno : 0;
	result(OP_MMAP, ret, want);
	if (ret)
		return;
	m.maps[s] = (struct map) {
		.used = true, .buf = i, .addr = p, .off = (size_t)first * PAGE,
		.len = (size_t)n * PAGE, .rw = rw,
		.charged = m.pv && b->kind == K_EXPORT ? n : 0,
	};
	b->maps++;
}

void op_mmap_bad(void)
{
	int i = pick_buf(is_dmabuf_open), want, ret, prot = PROT_READ;
	int flags = MAP_SHARED;
	struct buf *b;
	size_t len, off = 0;
	const char *what;
	void *p;

	if (i < 0)
		return;
	b = &m.bufs[i];
	len = (size_t)b->pages * PAGE;
	switch (below(4)) {
	case 0:
		what = "MAP_PRIVATE";
		flags = MAP_PRIVATE;
		want = -EINVAL;
		break;
	case 1:
		what = "past the end";
		len += PAGE * (1 + below(4));
		want = -EINVAL;
		break;
	case 2:
		what = "at an offset past the end";
		off = (size_t)(b->pages + below(4)) * PAGE;
		len = PAGE;
		want = -EINVAL;
		break;
	default:
		if (!b->ro)
			return;
		what = "PROT_WRITE of a read-only export";
		prot |= PROT_WRITE;
		want = -EACCES;
		break;
	}
	describe("mmap of %s %llu (%u pages), %s: offset %zu length %zu",
		 kind_name[b->kind], (unsigned long long)b->id, b->pages, what,
		 off, len);
	p = mmap(NULL, len, prot, flags, b->fd, off);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret)
		munmap(p, len);
	result(OP_MMAP_BAD, ret, want);
}

static void map_gone(int s)
{
	int i = m.maps[s].buf;

	m.maps[s].used = false;
	m.bufs[i].maps--;
	maybe_released(i);
}

void op_munmap(void)
{
	int s = pick_map();

	if (s < 0)
		return;
	describe("munmap of a map of %s %llu [%zu +%zu)",
		 kind_name[m.bufs[m.maps[s].buf].kind],
		 (unsigned long long)m.bufs[m.maps[s].buf].id, m.maps[s].off,
		 m.maps[s].len);
	result(OP_MUNMAP, munmap(m.maps[s].addr, m.maps[s].len) ? -errno : 0,
	       0);
	map_gone(s);
}

void op_munmap_part(void)
{
	int s = pick_map();
	struct map *mp;
	size_t cut;
	bool head = chance(50);

	if (s < 0)
		return;
	mp = &m.maps[s];
	cut = (size_t)(1 + below(mp->len / PAGE)) * PAGE;
	describe("munmap of %zu bytes at the %s of a map of %s %llu [%zu "
		 "+%zu)", cut, head ? "head" : "tail",
		 kind_name[m.bufs[mp->buf].kind],
		 (unsigned long long)m.bufs[mp->buf].id, mp->off, mp->len);
	result(OP_MUNMAP_PART, munmap(head ? mp->addr : mp->addr + mp->len - cut,
				      cut) ? -errno : 0, 0);
	if (head) {
		mp->addr += cut;
		mp->off += cut;
	}
	mp->len -= cut;
	if (!mp->len)
		map_gone(s);
}

/* Another map of the same buffer that covers byte @off, or -1. */
static int other_map(int s, size_t off)
{
	for (int k = 0; k < MAX_MAPS; k++)
		if (k != s && m.maps[k].used &&
		    m.maps[k].buf == m.maps[s].buf && off >= m.maps[k].off &&
		    off < m.maps[k].off + m.maps[k].len)
			return k;
	return -1;
}

void op_touch(void)
{
	int s = pick_map(), k;
	struct map *mp;
	struct buf *b;
	size_t at, off;
	uint32_t v, want;
	volatile uint32_t *p;

	if (s < 0)
		return;
	mp = &m.maps[s];
	b = &m.bufs[mp->buf];
	at = ((size_t)below(mp->len / 4)) * 4;
	off = mp->off + at;
	p = (volatile uint32_t *)(mp->addr + at);
	if (mp->rw && chance(50)) {
		want = rnd();
		describe("write %#x at byte %zu of %s %llu through its map", want,
			 off, kind_name[b->kind], (unsigned long long)b->id);
		*p = want;
		v = *p;
		b->written = true;
		result(OP_TOUCH, 0, 0);
		model_assert(v == want, "a word written through a map did not "
			     "read back");
	} else {
		describe("read at byte %zu of %s %llu through its map", off,
			 kind_name[b->kind], (unsigned long long)b->id);
		v = *p;
		result(OP_TOUCH, 0, 0);
		/* ALLOC's pages are zeroed before they are granted. */
		if (b->kind == K_ALLOC && !b->written)
			model_assert(v == 0, "a page of an ALLOC buffer never "
				     "written to is not zero");
	}
	/* Zero copy: the granter and any other map see the same word. */
	if (b->kind == K_EXPORT && m.self_view && !b->ro_grants)
		model_assert(((uint32_t *)m.self_view)[(b->first * PAGE + off) /
							4] == v,
			     "the granter's view differs from the map");
	k = other_map(s, off);
	if (k >= 0)
		model_assert(*(volatile uint32_t *)(m.maps[k].addr + off -
						    m.maps[k].off) == v,
			     "two maps of one buffer differ");
}

/*
 * mprotect() of a whole map: PROT_WRITE of a read-only export has no
 * VM_MAYWRITE (EACCES), and in a PV domain only a grant operation may
 * change an export's PTEs (EACCES, kernel/README.md).
 */
void op_mprotect(void)
{
	int s = pick_map(), want = 0, ret;
	bool rw = chance(50);
	struct map *mp;
	struct buf *b;

	if (s < 0)
		return;
	mp = &m.maps[s];
	b = &m.bufs[mp->buf];
	if ((rw && b->ro) || (m.pv && b->kind == K_EXPORT))
		want = -EACCES;
	describe("mprotect %s of a %s map of %s %llu [%zu +%zu)",
		 rw ? "rw" : "ro", mp->rw ? "rw" : "ro", kind_name[b->kind],
		 (unsigned long long)b->id, mp->off, mp->len);
	ret = mprotect(mp->addr, mp->len, PROT_READ | (rw ? PROT_WRITE : 0));
	ret = ret ? -errno : 0;
	result(OP_MPROTECT, ret, want);
	if (!ret)
		mp->rw = rw;
}

void op_madvise(void)
{
	int idx[MAX_MAPS], n = 0, s;

	for (int k = 0; k < MAX_MAPS; k++)
		if (m.maps[k].used && m.bufs[m.maps[k].buf].kind == K_EXPORT)
			idx[n++] = k;
	if (!n)
		return;
	s = idx[below(n)];
	describe("madvise(MADV_DOFORK) of a map of export %llu",
		 (unsigned long long)m.bufs[m.maps[s].buf].id);
	result(OP_MADVISE, madvise(m.maps[s].addr, m.maps[s].len,
				   MADV_DOFORK) ? -errno : 0, -EINVAL);
}

static int cpu_access_fd(const char **what)
{
	int i, v;

	if (chance(80)) {
		i = pick_buf(is_dmabuf_open);
		if (i >= 0) {
			*what = kind_name[m.bufs[i].kind];
			return m.bufs[i].fd;
		}
	}
	v = pick_vgem();
	*what = "vgem";
	return v >= 0 ? m.vgem_bufs[v].fd : -1;
}

void op_cpu_access(void)
{
	static const uint64_t dirs[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	uint64_t flags = dirs[below(3)] |
			 (chance(50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END);
	const char *what;
	int fd = cpu_access_fd(&what);

	if (fd < 0)
		return;
	describe("DMA_BUF_IOCTL_SYNC %#llx of a %s dma-buf (fd %d)",
		 (unsigned long long)flags, what, fd);
	result(OP_CPU_ACCESS, __gntbuf_dmabuf_sync(fd, flags), 0);
}

void op_cpu_access_bad(void)
{
	const char *what;
	int fd = cpu_access_fd(&what);
	uint64_t flags;

	if (fd < 0)
		return;
	if (chance(50))
		flags = chance(50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END;
	else
		flags = DMA_BUF_SYNC_RW | (1ull << (3 + below(61)));
	describe("DMA_BUF_IOCTL_SYNC %#llx (bad) of a %s dma-buf (fd %d)",
		 (unsigned long long)flags, what, fd);
	result(OP_CPU_ACCESS_BAD, __gntbuf_dmabuf_sync(fd, flags), -EINVAL);
}

/* ---- vgem ---- */

void op_vgem_create(void)
{
	struct drm_mode_create_dumb create = { .width = 1024, .bpp = 32 };
	struct drm_gem_close gem_close = { 0 };
	int v = -1, fd, ret;
	bool rw = chance(70);

	for (int k = 0; k < MAX_VGEM; k++)
		if (m.vgem_bufs[k].fd < 0)
			v = k;
	if (v < 0)
		return;
	create.height = 1 + below(GOOD_PAGES);
	describe("vgem dumb buffer of %u pages, PRIME %s", create.height,
		 rw ? "O_RDWR" : "O_RDONLY");
	ret = xioctl(m.vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	result(OP_VGEM_CREATE, ret, 0);
	model_assert(create.size == (uint64_t)create.height * PAGE,
		     "vgem's dumb buffer is not whole pages");
	ret = drmPrimeHandleToFD(m.vgem, create.handle,
				 DRM_CLOEXEC | (rw ? DRM_RDWR : 0), &fd);
	result(OP_VGEM_CREATE, ret ? -errno : 0, 0);
	gem_close.handle = create.handle;
	result(OP_VGEM_CREATE, xioctl(m.vgem, DRM_IOCTL_GEM_CLOSE, &gem_close),
	       0);
	m.vgem_bufs[v] = (struct vgem_buf) {
		.fd = fd, .pages = create.height, .rw = rw,
	};
}

void op_vgem_close(void)
{
	int v = pick_vgem();

	if (v < 0)
		return;
	describe("close of vgem dma-buf %d (fd %d)", v, m.vgem_bufs[v].fd);
	result(OP_VGEM_CLOSE, close(m.vgem_bufs[v].fd) ? -errno : 0, 0);
	m.vgem_bufs[v].fd = -1;
}

void op_prime_import(void)
{
	int i = pick_buf(is_dmabuf_open_unimported), ret;
	uint32_t handle = 0;

	if (i < 0)
		return;
	describe("vgem PRIME import of %s %llu (fd %d, handle %u)",
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 m.bufs[i].fd, m.bufs[i].vgem_handle);
	ret = drmPrimeFDToHandle(m.vgem, m.bufs[i].fd, &handle);
	result(OP_PRIME_IMPORT, ret ? -errno : 0, 0);
	/* The same dma-buf imported again is the same GEM object. */
	model_assert(!m.bufs[i].vgem_handle ||
		     handle == m.bufs[i].vgem_handle,
		     "a second PRIME import gave another handle");
	m.bufs[i].vgem_handle = handle;
}

void op_gem_close(void)
{
	int i = pick_buf(has_vgem_handle);
	struct drm_gem_close gem_close = { 0 };

	if (i < 0)
		return;
	gem_close.handle = m.bufs[i].vgem_handle;
	describe("vgem GEM_CLOSE of handle %u (%s %llu)", gem_close.handle,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id);
	result(OP_GEM_CLOSE, xioctl(m.vgem, DRM_IOCTL_GEM_CLOSE, &gem_close),
	       0);
	m.bufs[i].vgem_handle = 0;
	maybe_released(i);
}

/* ---- device files ---- */

void op_dev_open(void)
{
	int slot = -1, fd;

	for (int k = 0; k < MAX_DEVS; k++)
		if (m.devs[k] < 0)
			slot = k;
	if (slot < 0)
		return;
	describe("open of %s as dev %d", GNTBUF_TEST_DEVICE, slot);
	fd = __gntbuf_open();
	result(OP_DEV_OPEN, fd < 0 ? fd : 0, 0);
	m.devs[slot] = fd;
	m.dev_file[slot] = ++m.next_file;
}

static void dev_closed(int slot)
{
	m.devs[slot] = -1;
	/* Its imports end; its ids are forgotten. */
	for (int i = 0; i < MAX_BUFS; i++) {
		struct buf *b = &m.bufs[i];

		if (!b->used || b->dev != slot)
			continue;
		if (b->kind == K_IMPORT && !b->released) {
			m.stale[m.nstale++ % STALE_IDS] = b->id;
			b->dev = -1;
			import_ended(i);
			continue;
		}
		forget_id(i);
	}
}

void op_dev_close(void)
{
	int slot = pick_dev();

	/* Keep one open: every other call needs one. */
	if (pick_other_dev(slot) < 0)
		return;
	describe("close of dev %d", slot);
	result(OP_DEV_CLOSE, close(m.devs[slot]) ? -errno : 0, 0);
	dev_closed(slot);
}
