// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests: grants made and mapped with
 * libxengntshr / libxengnttab, and domains as Xen sees them.
 */
#include "igt.h"

#include <sys/mman.h>
#include <xenctrl.h>
#include <xengnttab.h>
#include <xentoollog.h>

#include "gntbuf_test.h"

/* ---- grants made and mapped with libxengntshr / libxengnttab ---- */

static xentoollog_logger *quiet_logger(void)
{
	static xentoollog_logger_stdiostream *logger;

	/* libxengnttab logs each failed map: expected failures are quiet. */
	if (!logger)
		logger = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
	return (xentoollog_logger *)logger;
}

void gntbuf_require_self_grants(void)
{
	igt_require_f(!gntbuf_in_domu(),
		      "grants a PVH domU makes to itself do not survive "
		      "being mapped (measured under the rig with plain gntdev: "
		      "once the mapping is written, the granter's own view "
		      "reads 0xffffffff; an ALLOC page mapped so and freed "
		      "later corrupted a page table), so in a domU only "
		      "another domain's grants test anything\n");
}

void gntbuf_share_pages(uint32_t domid, uint32_t count, bool writable,
			struct gntbuf_share *share)
{
	xengntshr_handle *shr;

	if (domid == gntbuf_self_domid())
		gntbuf_require_self_grants();
	memset(share, 0, sizeof(*share));
	shr = xengntshr_open(quiet_logger(), 0);
	igt_assert_f(shr, "xengntshr_open: %s\n", strerror(errno));
	share->refs = calloc(count, sizeof(*share->refs));
	igt_assert(share->refs);
	share->map = xengntshr_share_pages(shr, domid, count, share->refs,
					   writable);
	igt_assert_f(share->map, "xengntshr_share_pages of %u pages to "
		     "domid %u: %s\n", count, domid, strerror(errno));
	share->shr = shr;
	share->domid = domid;
	share->count = count;
	share->writable = writable;
}

int __gntbuf_unshare(struct gntbuf_share *share)
{
	int ret = 0;

	if (share->map &&
	    xengntshr_unshare(share->shr, share->map, share->count))
		ret = -errno;
	share->map = NULL;
	if (share->shr)
		xengntshr_close(share->shr);
	share->shr = NULL;
	return ret;
}

void gntbuf_unshare(struct gntbuf_share *share)
{
	int ret = __gntbuf_unshare(share);

	igt_assert_f(ret == 0, "xengntshr_unshare: %s\n", strerror(-ret));
}

static xengnttab_handle *gnttab(void)
{
	static xengnttab_handle *tab;

	if (!tab) {
		tab = xengnttab_open(quiet_logger(), 0);
		igt_assert_f(tab, "xengnttab_open: %s\n", strerror(errno));
		/* Room for a 4K buffer and then some. */
		xengnttab_set_max_grants(tab, 65536);
	}
	return tab;
}

void *__gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			  uint32_t count, int prot)
{
	/* A safety net: subtests ask before they allocate anything. */
	if (domid == gntbuf_self_domid())
		gntbuf_require_self_grants();
	return xengnttab_map_domain_grant_refs(gnttab(), count, domid,
					       (uint32_t *)refs, prot);
}

void *gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			uint32_t count, int prot)
{
	void *map = __gntbuf_map_grants(domid, refs, count, prot);

	igt_assert_f(map, "xengnttab_map_domain_grant_refs of %u refs of "
		     "domid %u (first %u): %s\n", count, domid, refs[0],
		     strerror(errno));
	return map;
}

void gntbuf_unmap_grants(void *map, uint32_t count)
{
	igt_assert_eq(xengnttab_unmap(gnttab(), map, count), 0);
}

bool gntbuf_grants_mappable(uint32_t domid, const uint32_t *refs,
			    uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		void *map = __gntbuf_map_grants(domid, &refs[i], 1, PROT_READ);

		if (map) {
			igt_debug("gref %u of domid %u is still mappable\n",
				  refs[i], domid);
			xengnttab_unmap(gnttab(), map, 1);
			return true;
		}
	}
	return false;
}

bool gntbuf_wait_grants_ended(uint32_t domid, const uint32_t *refs,
			      uint32_t count, unsigned int timeout_ms)
{
	struct timespec start;

	igt_gettime(&start);
	while (gntbuf_grants_mappable(domid, refs, count)) {
		if (igt_nsec_elapsed(&start) / 1000000 >= timeout_ms)
			return false;
		usleep(100 * 1000);
	}
	return true;
}

/* ---- domains as Xen sees them (libxenctrl; dom0 only) ---- */

static xc_interface *xenctrl(void)
{
	static xc_interface *xch;

	if (!xch)
		xch = xc_interface_open(quiet_logger(), NULL, 0);
	return xch;
}

int __gntbuf_xen_domain_state(uint32_t domid)
{
	xc_domaininfo_t info;
	int n;

	if (!xenctrl())
		return -errno ?: -ENODEV;
	/* The first domain with an id >= @domid, if any. */
	n = xc_domain_getinfolist(xenctrl(), domid, 1, &info);
	if (n < 0)
		return -errno;
	if (n == 0 || info.domain != domid)
		return GNTBUF_DOMAIN_GONE;
	return info.flags & XEN_DOMINF_dying ? GNTBUF_DOMAIN_DYING :
	       GNTBUF_DOMAIN_ALIVE;
}

int gntbuf_xen_domain_state(uint32_t domid)
{
	int state = __gntbuf_xen_domain_state(domid);

	igt_assert_f(state >= 0, "cannot ask Xen about domid %u: %s\n",
		     domid, strerror(-state));
	return state;
}

const char *gntbuf_xen_domain_state_name(int state)
{
	switch (state) {
	case GNTBUF_DOMAIN_GONE:
		return "gone";
	case GNTBUF_DOMAIN_ALIVE:
		return "alive";
	case GNTBUF_DOMAIN_DYING:
		return "dying";
	default:
		return strerror(-state);
	}
}

int __gntbuf_xen_dying_domains(uint32_t *domids, int max)
{
	xc_domaininfo_t info[64];
	uint32_t next = 0;
	int found = 0, n;

	if (!xenctrl())
		return -errno ?: -ENODEV;
	do {
		n = xc_domain_getinfolist(xenctrl(), next, 64, info);
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (!(info[i].flags & XEN_DOMINF_dying))
				continue;
			if (found < max)
				domids[found] = info[i].domain;
			found++;
		}
		if (n)
			next = info[n - 1].domain + 1;
	} while (n == 64);
	return found;
}

bool gntbuf_wait_domain_gone(uint32_t domid, unsigned int timeout_ms)
{
	struct timespec start;
	int state;

	igt_gettime(&start);
	while ((state = gntbuf_xen_domain_state(domid)) !=
	       GNTBUF_DOMAIN_GONE) {
		if (igt_nsec_elapsed(&start) / 1000000 > timeout_ms) {
			igt_info("domid %u still %s %u ms on\n", domid,
				 gntbuf_xen_domain_state_name(state),
				 timeout_ms);
			return false;
		}
		usleep(50 * 1000);
	}
	igt_info("domid %u gone from Xen after %.2f s\n", domid,
		 igt_nsec_elapsed(&start) / 1e9);
	return true;
}
