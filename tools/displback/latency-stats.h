/* SPDX-License-Identifier: MIT */
/*
 * Nearest-rank percentiles of latency samples (uint64_t, any unit), shared
 * by the programs that report flip latencies: displfront-flip (in the
 * domU) and gntbuf-pingpong (the pipeline benchmark's floor and copy path).
 */
#ifndef GNTBUF_LATENCY_STATS_H
#define GNTBUF_LATENCY_STATS_H

#include <stdint.h>
#include <stdlib.h>

static inline int latency_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort @n samples in place, for latency_percentile(). */
static inline void latency_sort(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), latency_cmp_u64);
}

/* Nearest-rank percentile @pct of @n sorted values (@n at least 1). */
static inline uint64_t latency_percentile(const uint64_t *v, unsigned int n,
					  unsigned int pct)
{
	unsigned int rank = (n * pct + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

#endif /* GNTBUF_LATENCY_STATS_H */
