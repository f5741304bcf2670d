// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: the calls of the module's ioctls that make and describe
 * buffers: QUERY, STATS, an unknown ioctl, EXPORT_REFS, ALLOC and IMPORT,
 * with valid and invalid arguments.
 */
#include "gntbuf_random.h"

/* ---- the ioctls ---- */

void op_query(void)
{
	int d = pick_dev();
	struct gntbuf_query q = { 0 };
	int ret;

	describe("QUERY on dev %d", d);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, &q);
	result(OP_QUERY, ret, 0);
	model_assert(q.abi_version == m.query.abi_version &&
		     q.features == m.query.features &&
		     q.max_pages_per_buffer == m.query.max_pages_per_buffer &&
		     q.max_pages_per_file == m.limit_file &&
		     q.max_pages_total == m.limit_total &&
		     q.page_size == PAGE, "QUERY's answer changed");
}

void op_query_bad(void)
{
	int d = pick_dev();
	struct gntbuf_query q = { .flags = 1u << below(32) };

	if (chance(50)) {
		describe("QUERY on dev %d, flags %#x", d, q.flags);
		result(OP_QUERY_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, &q),
		       -EINVAL);
	} else {
		void *p = bad_ptr();

		describe("QUERY on dev %d, argument %s", d, bad_ptr_name);
		result(OP_QUERY_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_QUERY, p),
		       -EFAULT);
	}
}

void op_stats(void)
{
	int d = pick_dev();
	struct gntbuf_stats s = { 0 }, want;
	struct timespec start;

	describe("STATS on dev %d", d);
	result(OP_STATS, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
	model_stats(&want);
	/* Releases are synchronous in the model; allow a moment anyway. */
	igt_gettime(&start);
	while (!stats_match(&s, &want) &&
	       igt_nsec_elapsed(&start) < 2000ull * 1000 * 1000) {
		usleep(10 * 1000);
		memset(&s, 0, sizeof(s));
		igt_assert_eq(xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s), 0);
	}
	if (!stats_match(&s, &want)) {
		gntbuf_stats_print("the module", &s);
		gntbuf_stats_print("the model", &want);
		model_assert(false, "the live counters differ from the "
			     "model's (2 s later)");
	}
}

void op_stats_bad(void)
{
	int d = pick_dev();
	struct gntbuf_stats s = { .flags = 1u << below(32) };

	if (chance(50)) {
		describe("STATS on dev %d, flags %#x", d, s.flags);
		result(OP_STATS_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, &s),
		       -EINVAL);
	} else {
		void *p = bad_ptr();

		describe("STATS on dev %d, argument %s", d, bad_ptr_name);
		result(OP_STATS_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_STATS, p),
		       -EFAULT);
	}
}

void op_unknown_ioctl(void)
{
	int d = pick_dev();
	uint64_t small[2] = { 0 };
	struct gntbuf_query q = { 0 };
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ };

	switch (below(4)) {
	case 0:
		describe("ioctl 0x1f of the device's magic on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], GNTBUF_IOCTL_UNKNOWN, &q), -ENOTTY);
		break;
	case 1:
		describe("QUERY's number with another size on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], _IOWR(GNTBUF_IOCTL_MAGIC, 0x00,
					       uint64_t), small), -ENOTTY);
		break;
	case 2:
		describe("DMA_BUF_IOCTL_SYNC on dev %d", d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], DMA_BUF_IOCTL_SYNC, &sync), -ENOTTY);
		break;
	default:
		describe("ioctl 0x%x of the device's magic on dev %d",
			 0x09 + below(0x16), d);
		result(OP_UNKNOWN_IOCTL,
		       xioctl(m.devs[d], _IOWR(GNTBUF_IOCTL_MAGIC,
					       0x09 + below(0x16),
					       struct gntbuf_query), &q),
		       -ENOTTY);
		break;
	}
}

static int do_export(int d, struct gntbuf_export_refs *arg)
{
	arg->fd = -1;
	return xioctl(m.devs[d], GNTBUF_IOCTL_EXPORT_REFS, arg);
}

void op_export(void)
{
	int d = pick_dev(), ret, i;
	struct gntbuf_export_refs arg = { 0 };
	bool ro_grants = chance(15);
	uint32_t first, n;

	if (free_buf_slot() < 0)
		return;
	if (ro_grants) {
		first = below(SMALL_PAGES);
		n = 1 + below(SMALL_PAGES - first);
		arg.domid = m.ro.domid;
		arg.refs_ptr = (uintptr_t)(m.ro.refs + first);
		arg.flags = GNTBUF_EXPORT_READ_ONLY;
	} else {
		first = below(GOOD_PAGES);
		n = 1 + below(GOOD_PAGES - first);
		arg.domid = m.good.domid;
		arg.refs_ptr = (uintptr_t)(m.good.refs + first);
		arg.flags = chance(25) ? GNTBUF_EXPORT_READ_ONLY : 0;
	}
	arg.count = n;
	describe("EXPORT_REFS on dev %d of %u %s grants from %u, flags %#x "
		 "(file %llu, total %llu pages)", d, n,
		 ro_grants ? "read-only" : "good", first, arg.flags,
		 (unsigned long long)file_pages(m.dev_file[d]),
		 (unsigned long long)total_pages());
	ret = do_export(d, &arg);
	result(OP_EXPORT, ret, over_limit(d, n) ? -ENOSPC : 0);
	if (ret)
		return;
	model_assert(arg.fd >= 0, "no dma-buf fd");
	model_assert(gntbuf_dmabuf_size(arg.fd) == (uint64_t)n * PAGE,
		     "the dma-buf's size is not count pages");
	i = new_buf(K_EXPORT, d, arg.buffer_id, n);
	m.bufs[i].fd = arg.fd;
	m.bufs[i].first = first;
	m.bufs[i].ro = arg.flags & GNTBUF_EXPORT_READ_ONLY;
	m.bufs[i].ro_grants = ro_grants;
}

void op_export_bad(void)
{
	int d = pick_dev(), want, ret;
	struct gntbuf_export_refs arg = {
		.domid = m.good.domid, .count = 1 + below(GOOD_PAGES),
		.refs_ptr = (uintptr_t)m.good.refs,
	};
	uint32_t refs[GOOD_PAGES];
	void *argp = &arg;
	const char *what;
	bool late = true;	/* found after the charge */

	switch (below(14)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count max_pages_per_buffer + 1";
		arg.count = m.query.max_pages_per_buffer + 1;
		arg.refs_ptr = (uintptr_t)m.big_refs;
		want = -E2BIG;
		break;
	case 3:
		what = "unknown flags";
		arg.flags = (1u << (1 + below(31))) |
			    (chance(50) ? GNTBUF_EXPORT_READ_ONLY : 0);
		want = -EINVAL;
		late = false;
		break;
	case 4:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		late = false;
		break;
	case 2:
		what = "huge count";
		arg.count = chance(50) ? ~0u : 1000000 + below(1u << 30);
		want = -E2BIG;
		break;
	case 5:
		what = "absent domain";
		arg.domid = DOMID_ABSENT;
		want = -ESRCH;
		break;
	case 6:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	case 7:
		what = "refs running into a PROT_NONE page";
		arg.count = GOOD_PAGES;
		memcpy(m.edge + PAGE - 8 * sizeof(uint32_t), m.good.refs,
		       8 * sizeof(uint32_t));
		arg.refs_ptr = (uintptr_t)(m.edge + PAGE -
					   8 * sizeof(uint32_t));
		want = -EFAULT;
		break;
	case 8:
		what = "refs past the end of the grant table";
		for (unsigned int k = 0; k < GOOD_PAGES; k++)
			refs[k] = BAD_GREF + k % 8;
		arg.refs_ptr = (uintptr_t)refs;
		want = -EINVAL;
		break;
	case 9:
		what = "one bad ref among good ones";
		memcpy(refs, m.good.refs, sizeof(refs));
		arg.count = 2 + below(GOOD_PAGES - 1);
		refs[below(arg.count)] = BAD_GREF;
		arg.refs_ptr = (uintptr_t)refs;
		want = -EINVAL;
		break;
	case 10:
		what = "read-write of read-only grants";
		arg.domid = m.ro.domid;
		arg.count = 1 + below(SMALL_PAGES);
		arg.refs_ptr = (uintptr_t)m.ro.refs;
		want = -EACCES;
		break;
	case 11:
		what = "refs granted to another domain";
		arg.domid = m.other.domid;
		arg.count = 1 + below(SMALL_PAGES);
		arg.refs_ptr = (uintptr_t)m.other.refs;
		arg.flags = chance(50) ? GNTBUF_EXPORT_READ_ONLY : 0;
		want = -EACCES;
		break;
	case 12:
		what = "argument not writable";
		arg.fd = -1;
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = false;
		break;
	}
	describe("EXPORT_REFS on dev %d, %s (domid %#x count %u flags %#x)",
		 d, what, arg.domid, arg.count, arg.flags);
	if (argp == &arg)
		arg.fd = -1;
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_EXPORT_REFS, argp);
	if (ret == 0 && argp == &arg && arg.fd >= 0)
		close(arg.fd);
	result2(OP_EXPORT_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}

/* The refs ALLOC and IMPORT wrote: all written, all different. */
static void check_out_refs(uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		model_assert(out_refs[k] != 0xffffffffu, "a ref not written");
		for (uint32_t j = 0; j < k; j++)
			model_assert(out_refs[j] != out_refs[k],
				     "two pages got the same ref");
	}
}

void op_alloc(void)
{
	int d = pick_dev(), ret, i;
	struct gntbuf_alloc arg = {
		.domid = chance(80) ? m.grantee : DOMID_ABSENT,
		.count = 1 + below(GOOD_PAGES),
		.flags = chance(30) ? GNTBUF_ALLOC_READ_ONLY : 0,
		.fd = -1,
		.refs_ptr = (uintptr_t)out_refs,
	};

	if (free_buf_slot() < 0)
		return;
	memset(out_refs, 0xff, arg.count * sizeof(uint32_t));
	describe("ALLOC on dev %d of %u pages for domid %u, flags %#x (file "
		 "%llu, total %llu pages)", d, arg.count, arg.domid, arg.flags,
		 (unsigned long long)file_pages(m.dev_file[d]),
		 (unsigned long long)total_pages());
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_ALLOC, &arg);
	result(OP_ALLOC, ret, over_limit(d, arg.count) ? -ENOSPC : 0);
	if (ret)
		return;
	model_assert(arg.fd >= 0, "no dma-buf fd");
	check_out_refs(arg.count);
	i = new_buf(K_ALLOC, d, arg.buffer_id, arg.count);
	m.bufs[i].fd = arg.fd;
	m.bufs[i].domid = arg.domid;
	m.bufs[i].grant_ro = arg.flags & GNTBUF_ALLOC_READ_ONLY;
	memcpy(m.bufs[i].refs, out_refs, arg.count * sizeof(uint32_t));
}

void op_alloc_bad(void)
{
	int d = pick_dev(), want, ret;
	struct gntbuf_alloc arg = {
		.domid = m.grantee, .count = 1 + below(GOOD_PAGES),
		.fd = -1, .refs_ptr = (uintptr_t)out_refs,
	};
	void *argp = &arg;
	const char *what;
	bool late = false;

	switch (below(9)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count max_pages_per_buffer + 1";
		arg.count = m.query.max_pages_per_buffer + 1;
		want = -E2BIG;
		break;
	case 2:
		what = "huge count";
		arg.count = chance(50) ? ~0u : 1000000 + below(1u << 30);
		want = -E2BIG;
		break;
	case 3:
		what = "unknown flags";
		arg.flags = 1u << (1 + below(31));
		want = -EINVAL;
		break;
	case 4:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		break;
	case 5:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = true;
		break;
	case 6:
		what = "refs pointer read-only";
		arg.refs_ptr = (uintptr_t)m.ro_page;
		want = -EFAULT;
		late = true;
		break;
	case 7:
		what = "argument not writable";
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		late = true;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	}
	describe("ALLOC on dev %d, %s (domid %#x count %u flags %#x)", d,
		 what, arg.domid, arg.count, arg.flags);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_ALLOC, argp);
	if (ret == 0 && argp == &arg && arg.fd >= 0)
		close(arg.fd);
	result2(OP_ALLOC_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}

static int do_import(int d, int fd, uint32_t domid, uint32_t count,
		     uint32_t flags, uint64_t *id)
{
	struct gntbuf_import arg = {
		.fd = fd, .domid = domid, .flags = flags, .count = count,
		.refs_ptr = (uintptr_t)out_refs,
	};
	int ret;

	memset(out_refs, 0xff, sizeof(uint32_t) *
	       (count < GOOD_PAGES ? count : GOOD_PAGES));
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT, &arg);
	*id = arg.buffer_id;
	return ret;
}

void op_import_vgem(void)
{
	int d = pick_dev(), v = pick_vgem(), ret, i;
	uint32_t flags, domid = chance(85) ? m.grantee : DOMID_ABSENT;
	uint64_t id;

	if (v < 0 || free_buf_slot() < 0)
		return;
	flags = !m.vgem_bufs[v].rw || chance(30) ? GNTBUF_IMPORT_READ_ONLY : 0;
	describe("IMPORT on dev %d of vgem dma-buf %d (%u pages, %s) for "
		 "domid %u, flags %#x", d, v, m.vgem_bufs[v].pages,
		 m.vgem_bufs[v].rw ? "rw" : "ro", domid, flags);
	ret = do_import(d, m.vgem_bufs[v].fd, domid, m.vgem_bufs[v].pages,
			flags, &id);
	result(OP_IMPORT_VGEM, ret,
	       over_limit(d, m.vgem_bufs[v].pages) ? -ENOSPC : 0);
	if (ret)
		return;
	check_out_refs(m.vgem_bufs[v].pages);
	i = new_buf(K_IMPORT, d, id, m.vgem_bufs[v].pages);
	m.bufs[i].ro = flags;
	m.bufs[i].domid = domid;
	m.bufs[i].grant_ro = flags;
	memcpy(m.bufs[i].refs, out_refs,
	       m.vgem_bufs[v].pages * sizeof(uint32_t));
}

void op_import_alloc(void)
{
	int d = pick_dev(), a = pick_buf(is_alloc_open), ret, i;
	uint32_t flags = chance(30) ? GNTBUF_IMPORT_READ_ONLY : 0;
	uint64_t id;

	if (a < 0 || free_buf_slot() < 0)
		return;
	describe("IMPORT on dev %d of ALLOC buffer %llu (%u pages) for domid "
		 "%u, flags %#x", d, (unsigned long long)m.bufs[a].id,
		 m.bufs[a].pages, m.grantee, flags);
	ret = do_import(d, m.bufs[a].fd, m.grantee, m.bufs[a].pages, flags,
			&id);
	result(OP_IMPORT_ALLOC, ret,
	       over_limit(d, m.bufs[a].pages) ? -ENOSPC : 0);
	if (ret)
		return;
	check_out_refs(m.bufs[a].pages);
	i = new_buf(K_IMPORT, d, id, m.bufs[a].pages);
	m.bufs[i].src = a;
	m.bufs[i].domid = m.grantee;
	m.bufs[i].grant_ro = flags;
	memcpy(m.bufs[i].refs, out_refs, m.bufs[a].pages * sizeof(uint32_t));
	m.bufs[a].importers++;
}

void op_import_export(void)
{
	int d = pick_dev(), e = pick_buf(is_export_open), ret;
	uint32_t flags = chance(50) ? GNTBUF_IMPORT_READ_ONLY : 0;
	uint64_t id;

	if (e < 0)
		return;
	describe("IMPORT on dev %d of EXPORT_REFS buffer %llu (%s), flags "
		 "%#x", d, (unsigned long long)m.bufs[e].id,
		 m.bufs[e].ro ? "ro" : "rw", flags);
	ret = do_import(d, m.bufs[e].fd, m.grantee, m.bufs[e].pages, flags,
			&id);
	/* A read-only dma-buf without IMPORT_READ_ONLY: both apply. */
	if (m.bufs[e].ro && !flags)
		result2(OP_IMPORT_EXPORT, ret, -EXDEV, -EACCES);
	else
		result(OP_IMPORT_EXPORT, ret, -EXDEV);
}

void op_import_bad(void)
{
	int d = pick_dev(), v = pick_vgem(), want, ret;
	struct gntbuf_import arg = {
		.domid = m.grantee, .refs_ptr = (uintptr_t)out_refs,
	};
	void *argp = &arg;
	const char *what;
	uint32_t pages;
	bool late = false;

	if (v < 0)
		return;
	pages = m.vgem_bufs[v].pages;
	arg.fd = m.vgem_bufs[v].fd;
	arg.count = pages;
	arg.flags = m.vgem_bufs[v].rw ? 0 : GNTBUF_IMPORT_READ_ONLY;
	switch (below(13)) {
	case 0:
		what = "count 0";
		arg.count = 0;
		want = -EINVAL;
		break;
	case 1:
		what = "count one page short";
		arg.count = pages - 1;
		want = -EINVAL;
		if (!arg.count)
			want = -EINVAL;
		break;
	case 2:
		what = "count one page over";
		arg.count = pages + 1;
		want = -EINVAL;
		break;
	case 3:
		what = "huge count";
		arg.count = chance(50) ? m.query.max_pages_per_buffer + 1 : ~0u;
		want = -E2BIG;
		break;
	case 4:
		what = "unknown flags";
		arg.flags |= 1u << (1 + below(31));
		want = -EINVAL;
		break;
	case 5:
		what = "reserved domid";
		arg.domid = reserved_domid();
		want = -EINVAL;
		break;
	case 6:
		what = "not a dma-buf";
		arg.fd = chance(50) ? m.null_fd : m.devs[d];
		want = -EINVAL;
		break;
	case 7:
		what = "fd not open";
		arg.fd = chance(50) ? -1 : 1000 + below(20);
		want = -EBADF;
		break;
	case 8:
		arg.refs_ptr = (uintptr_t)bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		late = true;
		break;
	case 9:
		what = "refs pointer read-only";
		arg.refs_ptr = (uintptr_t)m.ro_page;
		want = -EFAULT;
		late = true;
		break;
	case 10:
		what = "argument not writable";
		argp = ro_copy(&arg, sizeof(arg));
		want = -EFAULT;
		late = true;
		break;
	case 11:
		/* An O_RDONLY dma-buf without IMPORT_READ_ONLY (S4). */
		what = "read-write import of a read-only dma-buf";
		if (m.vgem_bufs[v].rw)
			return;
		arg.flags = 0;
		want = -EACCES;
		break;
	default:
		argp = bad_ptr();
		what = bad_ptr_name;
		want = -EFAULT;
		break;
	}
	describe("IMPORT on dev %d, %s (vgem %d fd %d domid %#x count %u "
		 "flags %#x)", d, what, v, arg.fd, arg.domid, arg.count,
		 arg.flags);
	ret = xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT, argp);
	if (ret == 0 && argp == &arg) {
		struct gntbuf_import_release r = { .buffer_id = arg.buffer_id };

		xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT_RELEASE, &r);
	}
	result2(OP_IMPORT_BAD, ret, want,
		late ? alt_enospc(d, arg.count, want) : want);
}
