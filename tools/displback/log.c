// SPDX-License-Identifier: MIT
/* Log lines: "displback: <level> dom<D> dev<N> conn<C>: message". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "displback.h"

int displback_verbose;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* False when @dev has used up its lines of this window. */
static bool log_allowed(struct vdispl *dev, uint64_t t, const char *where,
			uint64_t t0)
{
	if (t - dev->log_window_ns >= DISPLBACK_LOG_WINDOW_S * 1000000000ull) {
		if (dev->log_suppressed)
			fprintf(stderr, "displback[%llu.%03llu] warn%s: %u log "
				"line(s) of this device suppressed in %u s\n",
				(unsigned long long)((t - t0) / 1000000000ull),
				(unsigned long long)((t - t0) / 1000000ull %
						     1000ull), where,
				dev->log_suppressed, DISPLBACK_LOG_WINDOW_S);
		dev->log_window_ns = t;
		dev->log_lines = 0;
		dev->log_suppressed = 0;
	}
	if (dev->log_lines >= DISPLBACK_LOG_BURST) {
		dev->log_suppressed++;
		return false;
	}
	dev->log_lines++;
	return true;
}

void log_line(const char *level, const struct vdispl *cdev, int conn_idx,
	      const char *fmt, ...)
{
	static uint64_t t0;
	/* The limiter's counters are the log's, not the device's state. */
	struct vdispl *dev = (struct vdispl *)cdev;
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
	if (dev && strcmp(level, "debug") && !log_allowed(dev, t, where, t0))
		return;
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
