// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests: where the grants of a subtest come
 * from (self, PV, PVH) and the domain that maps ours.
 */
#include "igt.h"

#include <sys/mman.h>
#include <xenstore.h>

#include "gntbuf_test.h"

/* ---- grant sources ---- */

/* xenfs's capabilities file says "control_d" in the control domain. */
static bool control_domain(void)
{
	char caps[64] = "";
	FILE *f = fopen("/proc/xen/capabilities", "r");

	igt_assert_f(f, "/proc/xen/capabilities: %s (xenfs not mounted)\n",
		     strerror(errno));
	if (!fgets(caps, sizeof(caps), f))
		caps[0] = '\0';
	fclose(f);
	return strstr(caps, "control_d") != NULL;
}

uint32_t gntbuf_self_domid(void)
{
	static uint32_t domid = UINT32_MAX;
	struct xs_handle *xs;
	unsigned int len;
	char *value;

	if (domid != UINT32_MAX)
		return domid;
	/*
	 * The rig's control domain is dom0.  Ask xenstore only in a domU:
	 * dom0 may run without xenstored, and then xs_read() on
	 * /dev/xen/xenbus waits forever.
	 */
	if (control_domain()) {
		domid = 0;
		return domid;
	}
	xs = xs_open(0);
	igt_assert_f(xs, "xs_open: %s\n", strerror(errno));
	value = xs_read(xs, XBT_NULL, "domid", &len);
	igt_assert_f(value, "xenstore has no \"domid\" for this domain\n");
	domid = strtoul(value, NULL, 10);
	free(value);
	xs_close(xs);
	return domid;
}

bool gntbuf_in_domu(void)
{
	return gntbuf_self_domid() != 0;
}

enum gntbuf_source gntbuf_local_source(void)
{
	return gntbuf_in_domu() ? GNTBUF_SOURCE_FOREIGN_PV : GNTBUF_SOURCE_SELF;
}

const char *gntbuf_source_name(enum gntbuf_source source)
{
	switch (source) {
	case GNTBUF_SOURCE_SELF:
		return "self";
	case GNTBUF_SOURCE_FOREIGN_PV:
		return "foreign-pv";
	case GNTBUF_SOURCE_FOREIGN_PVH:
		return "foreign-pvh";
	default:
		return "?";
	}
}

void gntbuf_grants_create(enum gntbuf_source source, uint32_t count,
			  uint32_t seed, bool writable,
			  struct gntbuf_grants *grants)
{
	memset(grants, 0, sizeof(*grants));
	grants->source = source;
	grants->count = count;
	grants->writable = writable;
	if (source == GNTBUF_SOURCE_SELF) {
		grants->domid = gntbuf_self_domid();
		gntbuf_share_pages(grants->domid, count, writable,
				   &grants->share);
		gntbuf_pattern_fill(grants->share.map,
				    (size_t)count * GNTBUF_TEST_PAGE_SIZE, seed);
		grants->refs = grants->share.refs;
		return;
	}
	grants->peer = gntbuf_peer_get(source == GNTBUF_SOURCE_FOREIGN_PVH ?
				       GNTBUF_PEER_PVH : GNTBUF_PEER_PV);
	grants->set = gntbuf_peer_share(grants->peer, count, seed, writable);
	grants->domid = grants->peer->domid;
	grants->refs = grants->peer->set_refs[grants->set];
}

void gntbuf_grants_fill(struct gntbuf_grants *grants, uint32_t seed)
{
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_fill(grants->share.map, (size_t)grants->count *
				    GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_fill(grants->peer, grants->set, seed);
}

void gntbuf_grants_check(struct gntbuf_grants *grants, uint32_t seed)
{
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_check(grants->share.map, (size_t)grants->count *
				     GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_check(grants->peer, grants->set, seed);
}

void gntbuf_grants_end(struct gntbuf_grants *grants, unsigned int timeout_ms)
{
	uint32_t *refs = malloc(grants->count * sizeof(*refs));

	igt_assert(refs);
	memcpy(refs, grants->refs, grants->count * sizeof(*refs));
	igt_assert(!grants->ended);
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_unshare(&grants->share);
	else
		gntbuf_peer_unshare(grants->peer, grants->set);
	grants->ended = true;
	igt_assert_f(gntbuf_wait_grants_ended(grants->domid, refs,
					      grants->count, timeout_ms),
		     "%u grants of domid %u (first gref %u) still mappable "
		     "%u ms after the granter ended them: someone still maps "
		     "them\n", grants->count, grants->domid, refs[0],
		     timeout_ms);
	free(refs);
}

void gntbuf_grants_destroy(struct gntbuf_grants *grants)
{
	if (grants->ended)
		goto out;
	if (grants->source == GNTBUF_SOURCE_SELF)
		__gntbuf_unshare(&grants->share);
	else if (grants->peer)
		__gntbuf_peer_cmd(grants->peer, NULL, 0, "unshare %d",
				  grants->set);
	grants->ended = true;
out:
	if (grants->source == GNTBUF_SOURCE_SELF) {
		free(grants->share.refs);
		grants->share.refs = NULL;
	}
	grants->refs = NULL;
}

/* ---- grantees ---- */

void gntbuf_grantee_destroy(struct gntbuf_grantee *grantee)
{
	uint32_t domid = grantee->domid;

	gntbuf_peer_destroy(grantee->peer);
	grantee->peer = NULL;
	grantee->count = 0;
	igt_info("after xl destroy, domid %u is %s\n", domid,
		 gntbuf_xen_domain_state_name(gntbuf_xen_domain_state(domid)));
}

void gntbuf_grantee_init(enum gntbuf_source source,
			 struct gntbuf_grantee *grantee)
{
	memset(grantee, 0, sizeof(*grantee));
	grantee->source = source;
	if (source == GNTBUF_SOURCE_SELF) {
		gntbuf_require_self_grants();
		grantee->domid = gntbuf_self_domid();
		return;
	}
	grantee->peer = gntbuf_peer_get(source == GNTBUF_SOURCE_FOREIGN_PVH ?
					GNTBUF_PEER_PVH : GNTBUF_PEER_PV);
	grantee->domid = grantee->peer->domid;
}

int __gntbuf_grantee_map(struct gntbuf_grantee *grantee,
			 const uint32_t *refs, uint32_t count, bool writable)
{
	int ret;

	igt_assert(!grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF) {
		grantee->map = __gntbuf_map_grants(grantee->domid, refs,
						   count, PROT_READ |
						   (writable ? PROT_WRITE : 0));
		if (!grantee->map)
			return -errno;
	} else {
		ret = __gntbuf_peer_map(grantee->peer, refs, count, writable);
		if (ret)
			return ret;
	}
	grantee->count = count;
	return 0;
}

void gntbuf_grantee_map(struct gntbuf_grantee *grantee, const uint32_t *refs,
			uint32_t count, bool writable)
{
	int ret = __gntbuf_grantee_map(grantee, refs, count, writable);

	igt_assert_f(ret == 0, "%s grantee: map of %u refs (first %u): %s\n",
		     gntbuf_source_name(grantee->source), count, refs[0],
		     strerror(-ret));
}

bool gntbuf_grantee_mappable(struct gntbuf_grantee *grantee,
			     const uint32_t *refs, uint32_t count)
{
	igt_assert(!grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		return gntbuf_grants_mappable(grantee->domid, refs, count);
	for (uint32_t i = 0; i < count; i++) {
		if (__gntbuf_grantee_map(grantee, &refs[i], 1, false) == 0) {
			igt_debug("gref %u is still mappable by domid %u\n",
				  refs[i], grantee->domid);
			gntbuf_grantee_unmap(grantee);
			return true;
		}
	}
	return false;
}

void gntbuf_grantee_fill(struct gntbuf_grantee *grantee, uint32_t seed)
{
	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_fill(grantee->map, (size_t)grantee->count *
				    GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_map_fill(grantee->peer, seed);
}

void gntbuf_grantee_check(struct gntbuf_grantee *grantee, uint32_t seed)
{
	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_check(grantee->map, (size_t)grantee->count *
				     GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_map_check(grantee->peer, seed);
}

uint32_t gntbuf_grantee_crc(struct gntbuf_grantee *grantee)
{
	char reply[64];
	unsigned int crc;

	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		return gntbuf_crc32(0, grantee->map, (size_t)grantee->count *
				    GNTBUF_TEST_PAGE_SIZE);
	gntbuf_peer_cmd(grantee->peer, reply, sizeof(reply), "mcrc");
	igt_assert_eq(sscanf(reply, "ok crc=%x", &crc), 1);
	return crc;
}

void gntbuf_grantee_check_page(struct gntbuf_grantee *grantee, uint32_t ref,
			       uint32_t seed, size_t word)
{
	uint32_t want[GNTBUF_TEST_PAGE_SIZE / 4], crc;

	gntbuf_pattern_fill_from(want, sizeof(want), seed, word);
	gntbuf_grantee_map(grantee, &ref, 1, false);
	crc = gntbuf_grantee_crc(grantee);
	gntbuf_grantee_unmap(grantee);
	igt_assert_f(crc == gntbuf_crc32(0, want, sizeof(want)),
		     "gref %u mapped by domid %u does not hold the pattern of "
		     "seed %#x from word %zu\n", ref, grantee->domid, seed,
		     word);
}

void gntbuf_grantee_unmap(struct gntbuf_grantee *grantee)
{
	if (!grantee->count)
		return;
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_unmap_grants(grantee->map, grantee->count);
	else
		gntbuf_peer_unmap(grantee->peer);
	grantee->map = NULL;
	grantee->count = 0;
}
