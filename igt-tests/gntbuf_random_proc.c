// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: the calls of other processes: a fork whose child uses
 * the inherited dma-bufs, the SCM_RIGHTS helper process, and the grantee
 * mapping our ALLOC and IMPORT grants.
 */
#include "gntbuf_random.h"

/* ---- other processes ---- */

#define CHILD_FAIL(step, ret) do { \
	fprintf(stderr, "child: step %d failed: %d (%s)\n", step, ret, \
		strerror(-(ret))); \
	_exit(10 + step); \
} while (0)

/*
 * What a process given a gntbuf or vgem dma-buf does with it (a forked
 * child with an inherited fd, or the helper with one passed over the
 * socket): map it, read (and check a word the parent wrote), begin/end
 * CPU access, SYNC_RANGE it by fd on @dev, IMPORT it on @dev when asked.
 */
struct use_req {
	int kind;		/* enum kind, or -1 for vgem */
	bool ro;		/* read-only dma-buf */
	uint32_t pages;
	uint32_t grantee;
	bool check;		/* a word to check */
	uint32_t check_off;
	uint32_t check_val;
	bool import;
	int mmap_want;		/* what its mmap gives: 0 or -ENOSPC */
	int import_want;	/* what its IMPORT gives */
	uint32_t maps;		/* mmaps of it before */
};

static void use_dmabuf(int dev, int fd, const struct use_req *r)
{
	size_t len = (size_t)r->pages * PAGE;
	struct gntbuf_sync_range s = {
		.fd = fd, .flags = GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD,
		.length = len,
	};
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *map;
	int ret;

	if (size != (off_t)len)
		CHILD_FAIL(1, size < 0 ? -errno : -EIO);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ret = map == MAP_FAILED ? -errno : 0;
	if (ret != r->mmap_want) {
		fprintf(stderr, "child: mmap of %u pages (%u maps before): "
			"%d, expected %d\n", r->pages, r->maps, ret,
			r->mmap_want);
		CHILD_FAIL(2, ret);
	}
	if (ret)
		map = NULL;
	ret = __gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (ret)
		CHILD_FAIL(3, ret);
	if (map && r->check && *(volatile uint32_t *)(map + r->check_off) !=
	    r->check_val) {
		fprintf(stderr, "child: word at %u is %#x, not %#x\n",
			r->check_off, *(uint32_t *)(map + r->check_off),
			r->check_val);
		_exit(4);
	}
	if (map)
		(void)*(volatile uint32_t *)(map + len - 4);
	ret = __gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (ret)
		CHILD_FAIL(5, ret);
	ret = xioctl(dev, GNTBUF_IOCTL_SYNC_RANGE, &s);
	if (ret != (r->kind < 0 ? -EINVAL : 0))
		CHILD_FAIL(6, ret);
	if (r->import) {
		struct gntbuf_import imp = {
			.fd = fd, .domid = r->grantee, .count = r->pages,
			.flags = GNTBUF_IMPORT_READ_ONLY,
			.refs_ptr = (uintptr_t)out_refs,
		};

		ret = xioctl(dev, GNTBUF_IOCTL_IMPORT, &imp);
		if (ret != r->import_want) {
			fprintf(stderr, "child: IMPORT of %u pages: %d, "
				"expected %d\n", r->pages, ret,
				r->import_want);
			CHILD_FAIL(7, ret);
		}
		if (!ret) {
			struct gntbuf_import_release rel = {
				.buffer_id = imp.buffer_id,
			};
			struct gntbuf_wait_released w = {
				.buffer_id = imp.buffer_id, .timeout_ms = 2000,
			};

			ret = xioctl(dev, GNTBUF_IOCTL_IMPORT_RELEASE, &rel);
			if (ret)
				CHILD_FAIL(8, ret);
			ret = xioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
			if (ret)
				CHILD_FAIL(9, ret);
		}
	}
	if (map && munmap(map, len))
		CHILD_FAIL(10, -errno);
}

/*
 * What the other process should get: a PV mapping of an export counts in
 * the per-buffer and total limits, its IMPORT in the limits of @file_pages
 * (the file it imports on) and the total.
 */
static void fill_req(struct use_req *r, int kind, bool ro, uint32_t pages,
		     uint32_t maps, uint64_t file_charge)
{
	uint64_t total = total_pages();

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->ro = ro;
	r->pages = pages;
	r->maps = maps;
	r->grantee = m.grantee;
	r->import = chance(50);
	if (m.pv && kind == K_EXPORT &&
	    (maps >= m.max_mmaps || total + pages > (uint64_t)m.limit_total))
		r->mmap_want = -ENOSPC;
	if (kind == K_EXPORT)
		r->import_want = -EXDEV;
	else if (file_charge + pages > (uint64_t)m.limit_file ||
		 total + pages > (uint64_t)m.limit_total)
		r->import_want = -ENOSPC;
}

/* A word the parent writes through a rw map of buffer @i for the child. */
static void plant_word(int i, struct use_req *r)
{
	for (int k = 0; k < MAX_MAPS; k++) {
		struct map *mp = &m.maps[k];

		if (!mp->used || mp->buf != i || !mp->rw)
			continue;
		r->check = true;
		r->check_off = mp->off + (below(mp->len / 4) * 4);
		r->check_val = rnd();
		m.bufs[i].written = true;
		*(volatile uint32_t *)(mp->addr + r->check_off - mp->off) =
			r->check_val;
		return;
	}
}

void op_fork(void)
{
	int i = pick_buf(is_dmabuf_open), d = pick_dev(), status;
	struct use_req r;
	pid_t pid;

	if (i < 0)
		return;
	fill_req(&r, m.bufs[i].kind, m.bufs[i].ro, m.bufs[i].pages,
		 m.bufs[i].maps, file_pages(m.dev_file[d]));
	plant_word(i, &r);
	describe("fork: the child uses %s %llu's inherited fd %d and dev %d, "
		 "%s, then exits", kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, m.bufs[i].fd, d,
		 r.import ? "imports it" : "no import");
	fflush(NULL);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		use_dmabuf(m.devs[d], m.bufs[i].fd, &r);
		/* Its own copies of the fds: closed, or left to exit. */
		if (r.import)
			close(m.bufs[i].fd);
		_exit(0);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	result(OP_FORK, WIFEXITED(status) ? -WEXITSTATUS(status) : -1000 -
	       WTERMSIG(status), 0);
}

static void helper_main(int sock)
{
	int dev;

	for (int fd = 3; fd < 1024; fd++)
		if (fd != sock)
			close(fd);
	dev = open(GNTBUF_TEST_DEVICE, O_RDWR | O_CLOEXEC);
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct use_req r;
		struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;
		int fd = -1, status = 0;
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			_exit(0);
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		if (n != sizeof(r) || fd < 0 || dev < 0) {
			status = 1;
		} else {
			pid_t pid = fork();

			/* A failed step exits: do it in a grandchild. */
			if (pid == 0) {
				use_dmabuf(dev, fd, &r);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &status, 0) != pid)
				status = 2;
			else
				status = WIFEXITED(status) ?
					 WEXITSTATUS(status) : 3;
		}
		if (fd >= 0)
			close(fd);
		if (write(sock, &status, sizeof(status)) != sizeof(status))
			_exit(1);
	}
}

void helper_start(void)
{
	int sv[2];

	igt_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				 sv), 0);
	fflush(NULL);
	m.helper = fork();
	igt_assert(m.helper >= 0);
	if (m.helper == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	m.sock = sv[0];
}

void helper_stop(void)
{
	int status;

	if (m.helper <= 0)
		return;
	close(m.sock);
	m.sock = -1;
	igt_assert_eq(waitpid(m.helper, &status, 0), m.helper);
	m.helper = 0;
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "the SCM_RIGHTS helper ended with status %#x\n", status);
}

void op_scm(void)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct use_req r;
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int i = pick_buf(is_dmabuf_open), v = pick_vgem(), fd;
	int status = -1;
	const char *what;

	/* The helper imports on a file of its own, which holds nothing. */
	if (i >= 0 && (v < 0 || chance(75))) {
		fill_req(&r, m.bufs[i].kind, m.bufs[i].ro, m.bufs[i].pages,
			 m.bufs[i].maps, 0);
		plant_word(i, &r);
		fd = m.bufs[i].fd;
		what = kind_name[m.bufs[i].kind];
	} else if (v >= 0) {
		fill_req(&r, -1, !m.vgem_bufs[v].rw, m.vgem_bufs[v].pages, 0,
			 0);
		fd = m.vgem_bufs[v].fd;
		what = "vgem";
	} else {
		return;
	}
	describe("SCM_RIGHTS of a %s dma-buf (fd %d) to the helper, which "
		 "maps%s it", what, fd, r.import ? " and imports" : "");
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	igt_assert_eq(sendmsg(m.sock, &msg, 0), (ssize_t)sizeof(r));
	igt_assert_eq(read(m.sock, &status, sizeof(status)),
		      (ssize_t)sizeof(status));
	result(OP_SCM, -status, 0);
}

/* ---- the grantee: the domain our ALLOC and IMPORT grants are for ---- */

/*
 * Polls STATS until the module agrees with the model: what the module
 * finishes asynchronously (a pending buffer's reclaim, at most 1 s apart).
 */
static void settle(const char *why)
{
	struct gntbuf_stats s, want;
	struct timespec start;
	int d = pick_dev();

	model_stats(&want);
	igt_gettime(&start);
	for (;;) {
		memset(&s, 0, sizeof(s));
		igt_assert_eq(xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
		if (stats_match(&s, &want))
			return;
		if (igt_nsec_elapsed(&start) > 3000ull * 1000 * 1000)
			break;
		usleep(5 * 1000);
	}
	gntbuf_stats_print("the module", &s);
	gntbuf_stats_print("the model", &want);
	model_assert(false, why);
}

/* A map of buffer @i covering bytes [@off, @off + @len), or -1. */
static int map_covering(int i, size_t off, size_t len)
{
	for (int k = 0; k < MAX_MAPS; k++)
		if (m.maps[k].used && m.maps[k].buf == i &&
		    m.maps[k].off <= off &&
		    off + len <= m.maps[k].off + m.maps[k].len)
			return k;
	return -1;
}

void op_grantee_map(void)
{
	int i, k, ret, mapped_buf;
	uint32_t first, n;
	struct buf *b;
	bool rw;

	if (m.gmap >= 0)
		return;
	i = pick_buf(is_grantee_mappable);
	if (i < 0)
		return;
	b = &m.bufs[i];
	first = below(b->pages);
	n = 1 + below(b->pages - first);
	rw = !b->grant_ro && chance(50);
	describe("the grantee (domid %u) maps %s refs [%u +%u) of %s %llu",
		 m.grantee, rw ? "rw" : "ro", first, n, kind_name[b->kind],
		 (unsigned long long)b->id);
	ret = __gntbuf_grantee_map(&m.gr, b->refs + first, n, rw);
	result(OP_GRANTEE_MAP, ret, 0);
	b->gmapped = n;
	m.gmap = i;
	/* Zero copy: the grantee sees what our map of the pages holds. */
	mapped_buf = b->kind == K_ALLOC ? i : b->src;
	k = mapped_buf >= 0 ? map_covering(mapped_buf, (size_t)first * PAGE,
					   (size_t)n * PAGE) : -1;
	if (k >= 0)
		model_assert(gntbuf_grantee_crc(&m.gr) ==
			     gntbuf_crc32(0, m.maps[k].addr + first * PAGE -
					  m.maps[k].off, (size_t)n * PAGE),
			     "the grantee's view differs from our map");
}

void op_grantee_unmap(void)
{
	int i = m.gmap;
	struct buf *b;

	if (i < 0)
		return;
	b = &m.bufs[i];
	describe("the grantee unmaps %u refs of %s %llu%s", b->gmapped,
		 kind_name[b->kind], (unsigned long long)b->id,
		 b->pending ? " (pending: its grants end now)" : "");
	gntbuf_grantee_unmap(&m.gr);
	result(OP_GRANTEE_UNMAP, 0, 0);
	m.gmap = -1;
	b->gmapped = 0;
	if (!b->pending)
		return;
	/* The module's reclaim ends the grants, then lets go of the rest. */
	m.pending_seen++;
	b->pending = false;
	if (b->kind == K_IMPORT && b->src >= 0) {
		m.bufs[b->src].importers--;
		maybe_released(b->src);
	}
	settle("a pending buffer is not let go 3 s after the grantee "
	       "unmapped its grants");
	if (b->dev < 0)
		memset(b, 0, sizeof(*b));
}
