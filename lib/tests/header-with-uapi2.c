/* SPDX-License-Identifier: MIT */
/* The ABI header first, then gntbuf.h (see header-with-uapi.c). */
#include <xen/gntbuf.h>
#include "gntbuf.h"

int main(void)
{
	struct gntbuf_stats stats = { 0 };
	struct gntbuf_counters counters = { 0 };

	return (int)(stats.live_buffers + counters.live_buffers) +
		(GNTBUF_FEATURE_ALLOC != GNTBUF_CAP_ALLOC);
}
