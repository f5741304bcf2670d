// SPDX-License-Identifier: MIT
/*
 * gntbuf_random: the calls of the module's ioctls on its buffers:
 * IMPORT_RELEASE, WAIT_RELEASED (also interrupted by a signal), SYNC_RANGE
 * and SYNC_RANGES, with valid and invalid arguments.
 */
#include "gntbuf_random.h"

/* ---- the ioctls on buffers ---- */

static int do_release(int d, uint64_t id, uint32_t flags, uint32_t pad)
{
	struct gntbuf_import_release r = {
		.buffer_id = id, .flags = flags, .pad = pad,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_IMPORT_RELEASE, &r);
}

void op_release(void)
{
	int i = pick_buf(is_live_import);

	if (i < 0)
		return;
	describe("IMPORT_RELEASE on dev %d of import %llu", m.bufs[i].dev,
		 (unsigned long long)m.bufs[i].id);
	result(OP_RELEASE, do_release(m.bufs[i].dev, m.bufs[i].id, 0, 0), 0);
	import_ended(i);
}

void op_release_bad(void)
{
	int d = pick_dev(), i, o;

	switch (below(6)) {
	case 0:
		i = pick_buf(is_released_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of released import %llu",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 0), -ENOENT);
		break;
	case 1:
		i = pick_buf(is_known_not_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of %s id %llu",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 0), -EINVAL);
		break;
	case 2:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of dev %d's %s id %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(o, m.bufs[i].id, 0, 0),
		       -ENOENT);
		break;
	case 3: {
		uint64_t id = unknown_id();

		describe("IMPORT_RELEASE on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		result(OP_RELEASE_BAD, do_release(d, id, 0, 0), -ENOENT);
		break;
	}
	case 4:
		i = pick_buf(is_live_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of import %llu, flags set",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  1u << below(32), 0), -EINVAL);
		break;
	default:
		i = pick_buf(is_live_import);
		if (i < 0)
			return;
		describe("IMPORT_RELEASE on dev %d of import %llu, pad set",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_RELEASE_BAD, do_release(m.bufs[i].dev, m.bufs[i].id,
						  0, 1u << below(32)), -EINVAL);
		break;
	}
}

static int do_wait(int d, uint64_t id, uint32_t timeout, uint32_t pad,
		   bool v1)
{
	struct gntbuf_wait_released w = {
		.buffer_id = id, .timeout_ms = timeout, .pad = pad,
	};

	return xioctl(m.devs[d], v1 ? GNTBUF_IOCTL_WAIT_RELEASED_V1 :
		      GNTBUF_IOCTL_WAIT_RELEASED, &w);
}

void op_wait_live(void)
{
	int i = pick_buf(is_known_live);
	uint32_t t = below(3);
	bool v1 = chance(20);

	if (i < 0)
		return;
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms",
		 v1 ? "_V1" : "", m.bufs[i].dev, kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, t);
	result(OP_WAIT_LIVE, do_wait(m.bufs[i].dev, m.bufs[i].id, t, 0, v1),
	       -ETIMEDOUT);
}

void op_wait_done(void)
{
	int i = pick_buf(is_known_released);
	static const uint32_t timeouts[] = { 0, 1, 5, 1000 };
	uint32_t t = timeouts[below(4)];
	bool v1 = chance(20);

	if (i < 0)
		return;
	describe("WAIT_RELEASED%s on dev %d of released %s %llu, %u ms",
		 v1 ? "_V1" : "", m.bufs[i].dev, kind_name[m.bufs[i].kind],
		 (unsigned long long)m.bufs[i].id, t);
	result(OP_WAIT_DONE, do_wait(m.bufs[i].dev, m.bufs[i].id, t, 0, v1),
	       0);
	forget_id(i);
}

static volatile sig_atomic_t alarms;
static struct timespec alarm_time;

static void on_alarm(int sig)
{
	clock_gettime(CLOCK_MONOTONIC, &alarm_time);
	alarms++;
}

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000ll + b->tv_nsec - a->tv_nsec;
}

/*
 * WAIT_RELEASED of a live buffer interrupted by a signal: with SA_RESTART
 * ABI 2's number restarts with the time left and times out, no later than
 * the first call would have (give or take TCG); without it, EINTR with the
 * time left (at least 1 ms) written back.  ABI 1's number: EINTR.
 *
 * The handler notes when it ran: a handler that ran well before the call
 * returned ran before the call began (the vCPU stalled between the check
 * and the syscall), and the call is not counted; one that ran as the call
 * returned was pending in it.
 */
void op_wait_signal(void)
{
	int i = pick_buf(is_known_live), ret, want;
	bool restart = chance(50), v1 = chance(30);
	struct sigaction sa = {
		.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0,
	}, old;
	/* Half of the signals come within the call's first jiffy. */
	struct itimerval it = {
		.it_value.tv_usec = chance(50) ? 200 + below(800) :
				    5000 + below(10000),
	};
	struct itimerval off = { 0 };
	struct gntbuf_wait_released w = { .timeout_ms = 40 + below(40) };
	struct timespec start, end;
	uint32_t t0;
	sig_atomic_t before;
	uint64_t ms;

	if (i < 0)
		return;
	w.buffer_id = m.bufs[i].id;
	want = restart && !v1 ? -ETIMEDOUT : -EINTR;
	/* EINTR comes early: a long timeout costs nothing and no stall ends it. */
	if (want == -EINTR)
		w.timeout_ms = 300 + below(300);
	t0 = w.timeout_ms;
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms, SIGALRM "
		 "after %ld us%s", v1 ? "_V1" : "", m.bufs[i].dev,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 t0, (long)it.it_value.tv_usec,
		 restart ? " (SA_RESTART)" : "");
	igt_assert_eq(sigaction(SIGALRM, &sa, &old), 0);
	before = alarms;
	igt_gettime(&start);
	igt_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	/* A signal before the call (a TCG hiccup) interrupts nothing. */
	ret = alarms != before ? 1 :
	      ioctl(m.devs[m.bufs[i].dev], v1 ? GNTBUF_IOCTL_WAIT_RELEASED_V1 :
		    GNTBUF_IOCTL_WAIT_RELEASED, &w);
	ret = ret == -1 ? -errno : ret;
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = igt_nsec_elapsed(&start) / 1000000;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (ret == 1)
		return;	/* not counted */
	if (ret == -ETIMEDOUT && want == -EINTR && alarms != before &&
	    ns_between(&alarm_time, &end) > 2000000) {
		igt_info("call %lu: SIGALRM handled %.1f ms before the wait "
			 "returned: it came before the call, not counted\n",
			 m.call, ns_between(&alarm_time, &end) / 1e6);
		return;
	}
	describe("WAIT_RELEASED%s on dev %d of live %s %llu, %u ms, SIGALRM "
		 "after %ld us%s; returned after %llu ms, the handler ran "
		 "%.1f ms before", v1 ? "_V1" : "", m.bufs[i].dev,
		 kind_name[m.bufs[i].kind], (unsigned long long)m.bufs[i].id,
		 t0, (long)it.it_value.tv_usec,
		 restart ? " (SA_RESTART)" : "", (unsigned long long)ms,
		 alarms != before ? ns_between(&alarm_time, &end) / 1e6 : -1.0);
	result(OP_WAIT_SIGNAL, ret, want);
	if (ret == -EINTR && !v1 && (w.timeout_ms < 1 || w.timeout_ms > t0)) {
		igt_info("timeout_ms written back: %u (of %u ms requested, "
			 "returned after %llu ms)\n", w.timeout_ms, t0,
			 (unsigned long long)ms);
		model_assert(false, "the time left written back is not "
			     "between 1 and the timeout");
	}
	if (ret == -ETIMEDOUT)
		model_assert(ms < t0 + 2000, "a restarted wait waited far "
			     "longer than its timeout");
}

void op_wait_bad(void)
{
	int d = pick_dev(), i, o;
	bool v1 = chance(20);
	uint64_t id;

	switch (below(3)) {
	case 0:
		id = unknown_id();
		describe("WAIT_RELEASED on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		result(OP_WAIT_BAD, do_wait(d, id, below(3), 0, v1), -ENOENT);
		break;
	case 1:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("WAIT_RELEASED on dev %d of dev %d's %s %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_WAIT_BAD, do_wait(o, m.bufs[i].id, below(3), 0, v1),
		       -ENOENT);
		break;
	default:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		describe("WAIT_RELEASED on dev %d of %s %llu, pad set",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_WAIT_BAD, do_wait(m.bufs[i].dev, m.bufs[i].id, 0,
					    1u << below(32), v1), -EINVAL);
		break;
	}
}

/* A valid range of a buffer of @size bytes: zero-length, whole, partial. */
static void valid_range(uint64_t size, __u64 *off, __u64 *len)
{
	switch (below(6)) {
	case 0:
		*off = below(size + 1);
		*len = 0;
		break;
	case 1:
		*off = 0;
		*len = size;
		break;
	case 2:
		*off = size - 1 - below(64);
		*len = size - *off;
		break;
	default:
		*off = below(size);
		*len = 1 + below(size - *off);
		break;
	}
}

static uint32_t sync_dir(void)
{
	return 1 + below(3);
}

static int do_sync(int d, uint64_t id, int fd, uint32_t flags,
		   uint64_t off, uint64_t len)
{
	struct gntbuf_sync_range s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.offset = off, .length = len,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGE, &s);
}

void op_sync(void)
{
	__u64 off, len;
	uint32_t flags = sync_dir();
	int i, d;

	if (chance(50)) {
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		valid_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d of %s %llu [%llu +%llu) flags "
			 "%#x", m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len,
			 flags);
		result(OP_SYNC, do_sync(m.bufs[i].dev, m.bufs[i].id, 0, flags,
					off, len), 0);
	} else {
		/* By fd: any open device, any gntbuf dma-buf. */
		i = pick_buf(is_dmabuf_open);
		d = pick_dev();
		if (i < 0)
			return;
		valid_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d by fd of %s %llu [%llu +%llu) "
			 "flags %#x", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len,
			 flags);
		result(OP_SYNC, do_sync(d, 0, m.bufs[i].fd,
					flags | GNTBUF_SYNC_BY_FD, off, len),
		       0);
	}
}

/* A range past the end of @size bytes. */
static void bad_range(uint64_t size, __u64 *off, __u64 *len)
{
	switch (below(4)) {
	case 0:
		*off = below(size);
		*len = size - *off + 1 + below(PAGE);
		break;
	case 1:
		*off = size + 1 + below(PAGE);
		*len = 0;
		break;
	case 2:
		*off = size;
		*len = 1;
		break;
	default:	/* wraps around 2^64 */
		*off = 1 + below(size);
		*len = ~0ull - below(4);
		break;
	}
}

void op_sync_bad(void)
{
	__u64 off = 0, len = 1;
	uint64_t id;
	uint32_t flags = sync_dir();
	int i, d = pick_dev(), o, fd;

	switch (below(12)) {
	case 0:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		describe("SYNC_RANGE on dev %d of %s %llu, no direction",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0, 0,
					    0, 1), -EINVAL);
		break;
	case 1:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		/* Bits 0-3 are known (3: ANY_DMABUF, EINVAL without BY_FD). */
		flags |= 1u << (4 + below(28));
		describe("SYNC_RANGE on dev %d of %s %llu, flags %#x",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, flags);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1), -EINVAL);
		break;
	case 2:
		i = pick_buf(is_known_live_syncable);
		if (i < 0)
			return;
		bad_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d of %s %llu (%llu bytes) past "
			 "the end [%llu +%llu)", m.bufs[i].dev,
			 kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)size_of(&m.bufs[i]),
			 (unsigned long long)off, (unsigned long long)len);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, off, len), -EINVAL);
		break;
	case 3:
		i = pick_buf(is_dmabuf_open);
		if (i < 0)
			return;
		bad_range(size_of(&m.bufs[i]), &off, &len);
		describe("SYNC_RANGE on dev %d by fd of %s %llu past the end "
			 "[%llu +%llu)", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)off, (unsigned long long)len);
		result(OP_SYNC_BAD, do_sync(d, 0, m.bufs[i].fd,
					    flags | GNTBUF_SYNC_BY_FD, off,
					    len), -EINVAL);
		break;
	case 4:
		i = pick_buf(is_dmabuf_open);
		if (i < 0 || m.bufs[i].dev < 0)
			return;
		describe("SYNC_RANGE on dev %d by id %llu and fd together",
			 m.bufs[i].dev, (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id,
					    m.bufs[i].fd, flags |
					    (chance(50) ? GNTBUF_SYNC_BY_FD :
					     0), 0, 1), -EINVAL);
		break;
	case 5:
		i = pick_buf(is_known_import);
		if (i < 0)
			return;
		/* An import's pages are synced through its exporter. */
		describe("SYNC_RANGE on dev %d of %simport %llu", m.bufs[i].dev,
			 m.bufs[i].released ? "ended " : "",
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1),
		       m.bufs[i].released ? -ENOENT : 0);
		break;
	case 6:
		i = pick_buf(is_known_released_syncable);
		if (i < 0)
			return;
		describe("SYNC_RANGE on dev %d of released %s %llu",
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(m.bufs[i].dev, m.bufs[i].id, 0,
					    flags, 0, 1), -ENOENT);
		break;
	case 7:
		id = unknown_id();
		describe("SYNC_RANGE on dev %d of unknown id %llu", d,
			 (unsigned long long)id);
		/* Id 0 with no fd names nothing either. */
		result(OP_SYNC_BAD, do_sync(d, id, 0, flags, 0, 1), -ENOENT);
		break;
	case 8:
		i = pick_buf(is_known);
		if (i < 0)
			return;
		o = pick_other_dev(m.bufs[i].dev);
		if (o < 0)
			return;
		describe("SYNC_RANGE on dev %d of dev %d's %s %llu", o,
			 m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNC_BAD, do_sync(o, m.bufs[i].id, 0, flags, 0, 1),
		       -ENOENT);
		break;
	case 9:
		o = pick_vgem();
		fd = o >= 0 && chance(70) ? m.vgem_bufs[o].fd :
		     chance(50) ? m.null_fd : m.devs[d];
		describe("SYNC_RANGE on dev %d by fd %d, no gntbuf dma-buf", d,
			 fd);
		result(OP_SYNC_BAD, do_sync(d, 0, fd, flags |
					    GNTBUF_SYNC_BY_FD, 0, 1), -EINVAL);
		break;
	case 10:
		fd = chance(50) ? -1 : 1000 + below(20);
		describe("SYNC_RANGE on dev %d by fd %d, not open", d, fd);
		result(OP_SYNC_BAD, do_sync(d, 0, fd, flags |
					    GNTBUF_SYNC_BY_FD, 0, 1), -EBADF);
		break;
	default: {
		void *p = bad_ptr();

		describe("SYNC_RANGE on dev %d, argument %s", d, bad_ptr_name);
		result(OP_SYNC_BAD, xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGE,
					   p), -EFAULT);
		break;
	}
	}
}

static struct gntbuf_sync_span spans[GNTBUF_SYNC_MAX_RANGES + 1];

static int do_syncs(int d, uint64_t id, int fd, uint32_t flags,
		    const void *ranges, uint32_t count, uint32_t pad)
{
	struct gntbuf_sync_ranges s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.ranges_ptr = (uintptr_t)ranges, .count = count, .pad = pad,
	};

	return xioctl(m.devs[d], GNTBUF_IOCTL_SYNC_RANGES, &s);
}

void op_syncs(void)
{
	uint32_t n = below(9), flags = sync_dir();
	bool by_fd = chance(40);
	int i = pick_buf(by_fd ? is_dmabuf_open : is_known_live_syncable);
	int d;

	if (i < 0)
		return;
	for (uint32_t k = 0; k < n; k++)
		valid_range(size_of(&m.bufs[i]), &spans[k].offset,
			    &spans[k].length);
	if (by_fd) {
		d = pick_dev();
		describe("SYNC_RANGES on dev %d by fd of %s %llu, %u ranges, "
			 "flags %#x", d, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, n, flags);
		result(OP_SYNCS, do_syncs(d, 0, m.bufs[i].fd,
					  flags | GNTBUF_SYNC_BY_FD, spans, n,
					  0), 0);
	} else {
		describe("SYNC_RANGES on dev %d of %s %llu, %u ranges, flags "
			 "%#x", m.bufs[i].dev, kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id, n, flags);
		result(OP_SYNCS, do_syncs(m.bufs[i].dev, m.bufs[i].id, 0,
					  flags, spans, n, 0), 0);
	}
}

void op_syncs_bad(void)
{
	uint32_t n = 1 + below(8), flags = sync_dir();
	int i = pick_buf(is_known_live_syncable), d;

	if (i < 0)
		return;
	d = m.bufs[i].dev;
	for (uint32_t k = 0; k < n; k++)
		valid_range(size_of(&m.bufs[i]), &spans[k].offset,
			    &spans[k].length);
	switch (below(5)) {
	case 0:
		n = GNTBUF_SYNC_MAX_RANGES + 1 + (chance(50) ? 0 : below(1u << 31));
		describe("SYNC_RANGES on dev %d of %llu, count %u", d,
			 (unsigned long long)m.bufs[i].id, n);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 0), -E2BIG);
		break;
	case 1:
		describe("SYNC_RANGES on dev %d of %llu, pad set", d,
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 1u << below(32)), -EINVAL);
		break;
	case 2: {
		void *p = bad_ptr();

		describe("SYNC_RANGES on dev %d of %llu, %u ranges at %s", d,
			 (unsigned long long)m.bufs[i].id, n, bad_ptr_name);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, p, n,
					      0), -EFAULT);
		break;
	}
	case 3: {
		uint32_t k = below(n);

		bad_range(size_of(&m.bufs[i]), &spans[k].offset,
			  &spans[k].length);
		describe("SYNC_RANGES on dev %d of %s %llu (%llu bytes), "
			 "range %u of %u past the end [%llu +%llu)", d,
			 kind_name[m.bufs[i].kind],
			 (unsigned long long)m.bufs[i].id,
			 (unsigned long long)size_of(&m.bufs[i]), k, n,
			 (unsigned long long)spans[k].offset,
			 (unsigned long long)spans[k].length);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, flags, spans,
					      n, 0), -EINVAL);
		break;
	}
	default:
		describe("SYNC_RANGES on dev %d of %llu, no direction", d,
			 (unsigned long long)m.bufs[i].id);
		result(OP_SYNCS_BAD, do_syncs(d, m.bufs[i].id, 0, 0, spans, n,
					      0), -EINVAL);
		break;
	}
}
