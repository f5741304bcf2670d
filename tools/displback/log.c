// SPDX-License-Identifier: MIT
/* Log lines: "displback: <level> dom<D> dev<N> conn<C>: message". */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "displback.h"

int displback_verbose;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void log_line(const char *level, const struct vdispl *dev, int conn_idx,
	      const char *fmt, ...)
{
	static uint64_t t0;
	char where[64] = "";
	uint64_t t = now_ns();
	va_list ap;

	if (!t0)
		t0 = t;
	if (dev && conn_idx >= 0)
		snprintf(where, sizeof(where), " dom%u dev%u conn%d",
			 dev->domid, dev->devid, conn_idx);
	else if (dev)
		snprintf(where, sizeof(where), " dom%u dev%u", dev->domid,
			 dev->devid);
	fprintf(stderr, "displback[%llu.%03llu] %s%s: ",
		(unsigned long long)((t - t0) / 1000000000ull),
		(unsigned long long)((t - t0) / 1000000ull % 1000ull),
		level, where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
