// SPDX-License-Identifier: MIT
/*
 * A connector's figures: flip latency samples and the summary line printed
 * when it disconnects or the backend exits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "displback.h"

static uint32_t sat32(uint64_t ns)
{
	return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/* One flip: @total_ns from its PG_FLIP request (or its queueing) to its
 * completion, @sink_ns of it in the sink (its flip call to its done). */
void conn_stats_flip(struct conn_stats *st, uint64_t total_ns,
		     uint64_t sink_ns)
{
	uint64_t own = sink_ns < total_ns ? total_ns - sink_ns : 0;
	unsigned int slot = st->latency_n % FLIP_SAMPLES;

	st->latency_sum_ns += total_ns;
	st->latency_n++;
	if (total_ns > st->latency_max_ns)
		st->latency_max_ns = total_ns;
	if (own > st->own_max_ns)
		st->own_max_ns = own;
	st->lat_ns[slot] = sat32(total_ns);
	st->own_ns[slot] = sat32(own);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank p50 and p99 of @n samples (sorted in @tmp), in ms. */
static void p50_p99(const uint32_t *v, unsigned int n, uint32_t *tmp,
		    double *p50, double *p99)
{
	unsigned int r50 = (n * 50 + 99) / 100, r99 = (n * 99 + 99) / 100;

	*p50 = *p99 = 0;
	if (!n)
		return;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u32);
	*p50 = tmp[r50 ? r50 - 1 : 0] / 1e6;
	*p99 = tmp[r99 ? r99 - 1 : 0] / 1e6;
}

void conn_print_summary(const struct conn *c)
{
	const struct conn_stats *st = &c->st;
	double avg = st->latency_n ? st->latency_sum_ns / 1e6 / st->latency_n
				   : 0;
	uint64_t later = st->frames > 1 ? st->frames - 1 : 0;
	unsigned int n = st->latency_n < FLIP_SAMPLES ?
			 (unsigned int)st->latency_n : FLIP_SAMPLES;
	uint32_t tmp[FLIP_SAMPLES];
	double p50, p99, own50, own99;

	p50_p99(st->lat_ns, n, tmp, &p50, &p99);
	p50_p99(st->own_ns, n, tmp, &own50, &own99);
	fprintf(stdout, "displback summary: dom%u dev%u conn%d %ux%u: "
		"frames received %" PRIu64 " (flips %" PRIu64 "), "
		"bytes copied %" PRIu64 ", grant maps per frame: first %" PRIu64
		", later %.2f (%" PRIu64 " over %" PRIu64 " frames), "
		"flip latency p50 %.3f p99 %.3f max %.3f avg %.3f ms, "
		"without the sink p50 %.3f p99 %.3f max %.3f ms "
		"(percentiles of the last %u flips), captured %" PRIu64
		", events dropped %" PRIu64 ", sink CPU-access grant maps %"
		PRIu64 "%s%s\n",
		c->dev->domid, c->dev->devid, c->idx, c->width, c->height,
		st->frames, st->flips, st->bytes_copied, st->grant_maps_first,
		later ? (double)st->grant_maps_later / later : 0.0,
		st->grant_maps_later, later, p50, p99,
		st->latency_max_ns / 1e6, avg, own50, own99,
		st->own_max_ns / 1e6, n, st->captured, st->events_dropped,
		st->cpu_grant_maps, st->sink_note[0] ? ", " : "",
		st->sink_note);
	fflush(stdout);
}
