// SPDX-License-Identifier: MIT
/*
 * displfront-flip: runs in a domU on Linux's Xen PV DRM frontend
 * (xen_drm_front, card "xendrm-du") and shows N frames of a known moving
 * pattern (frame-pattern.h): frame 0 with drmModeSetCrtc() (the frontend
 * sends SET_CONFIG), frames 1..N-1 with drmModePageFlip() and a flip event
 * each (PG_FLIP; the frontend delivers the event when the backend's
 * XENDISPL_EVT_PG_FLIP arrives).  Two dumb buffers, drawn alternately.
 *
 *   displfront-flip [-n FRAMES] [-d /dev/dri/card0] [-t TIMEOUT_MS]
 *                   [-p PERIOD] [-m WxH] [-w HOOK] [-s SECONDS]
 *
 * Prints "displfront: frames N flips N events N" and exits 0 when every
 * flip's event arrived in time; 1 otherwise.  With -p, every PERIOD
 * frames it also prints the flip latencies (drmModePageFlip() to its
 * event) of those frames:
 *   "displfront: window W frames A-B flip latency p50 X p99 Y max Z ms"
 * (frame k of the run is the backend's frame k + 1 of the connection when
 * the run is the connection's first).
 *
 * -m uses the first connected connector whose first mode is WxH (and the
 * CRTC its encoder drives) instead of the first connected one.  -w is the
 * benchmark's form (rig-pipeline.sh): frames 1 and 2 are untimed, then
 * the shell command `HOOK begin` runs, frames 3..N-1 are timed, `HOOK end`
 * runs, and it prints
 *   "displfront: measured WxH flips F latency p50 X p99 Y max Z ms"
 * (the hook, `gntbuf-pingpong mark`, lets dom0 read its counters while
 * the pipeline is quiet); from frame 3 on only the top 16 rows are drawn.
 * -s holds the last frame on screen SECONDS (default 0.2) after the
 * summary line, for a check of what dom0 shows (rig-wayland.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "frame-pattern.h"
#include "latency-stats.h"

struct fbuf {
	uint32_t handle, fb_id, pitch;
	uint64_t size;
	uint32_t *pixels;
};

static unsigned int events;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void print_window(unsigned int w, uint32_t first, uint32_t last,
			 uint64_t *lat, unsigned int n)
{
	if (!n)
		return;
	latency_sort(lat, n);
	printf("displfront: window %u frames %u-%u flip latency p50 %.3f "
	       "p99 %.3f max %.3f ms\n", w, first, last,
	       latency_percentile(lat, n, 50) / 1e3,
	       latency_percentile(lat, n, 99) / 1e3, lat[n - 1] / 1e3);
	fflush(stdout);
}

/* The connector to use: the first connected one, or with @mode "WxH" the
 * first connected one whose first mode is that size; its CRTC in *crtc. */
static drmModeConnector *pick_connector(int fd, drmModeRes *res,
					const char *mode, uint32_t *crtc)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnector(fd,
							  res->connectors[i]);
		drmModeEncoder *enc;
		char size[32];

		if (!c)
			continue;
		snprintf(size, sizeof(size), "%ux%u",
			 c->count_modes ? c->modes[0].hdisplay : 0,
			 c->count_modes ? c->modes[0].vdisplay : 0);
		if (c->connection != DRM_MODE_CONNECTED || !c->count_modes ||
		    (mode && strcmp(mode, size))) {
			drmModeFreeConnector(c);
			continue;
		}
		*crtc = res->crtcs[0];
		enc = c->count_encoders ?
		      drmModeGetEncoder(fd, c->encoders[0]) : NULL;
		for (int k = 0; enc && k < res->count_crtcs; k++)
			if (enc->possible_crtcs & (1u << k)) {
				*crtc = res->crtcs[k];
				break;
			}
		drmModeFreeEncoder(enc);
		return c;
	}
	return NULL;
}

/* -w: runs `HOOK WHAT`; 0 when it exits 0. */
static int run_hook(const char *hook, const char *what)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s", hook, what);
	fflush(stdout);
	st = system(cmd);
	if (st) {
		fprintf(stderr, "displfront: %s: status %d\n", cmd, st);
		return -EIO;
	}
	return 0;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec,
		    unsigned int usec, void *data)
{
	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	(void)data;
	events++;
}

static int make_fb(int fd, uint32_t w, uint32_t h, struct fbuf *b)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h,
					       .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	b->handle = create.handle;
	b->pitch = create.pitch;
	b->size = create.size;
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, &b->fb_id, 0))
		return -errno;
	map.handle = b->handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return -errno;
	b->pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, (off_t)map.offset);
	if (b->pixels == MAP_FAILED)
		return -errno;
	return 0;
}

static void draw(struct fbuf *b, uint32_t k, uint32_t w, uint32_t h)
{
	for (uint32_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)((uint8_t *)b->pixels +
					     (size_t)y * b->pitch);

		for (uint32_t x = 0; x < w; x++)
			row[x] = pattern_pixel(k, x, y, w);
	}
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/dri/card0", *mode = NULL, *hook = NULL;
	unsigned int frames = 30, timeout_ms = 3000, flips = 0, late = 0;
	unsigned int period = 0, n_lat = 0, window = 0;
	uint64_t *lat = NULL;
	uint32_t win_first = 1;
	drmEventContext ev = { .version = 2, .page_flip_handler = on_flip };
	drmModeConnector *conn = NULL;
	drmModeRes *res;
	struct fbuf fb[2];
	uint32_t crtc_id, w, h;
	double hold_s = 0.2;
	int fd, opt;

	while ((opt = getopt(argc, argv, "n:d:t:p:m:w:s:")) != -1) {
		switch (opt) {
		case 'n': frames = (unsigned int)atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'w': hook = optarg; break;
		case 'p': period = (unsigned int)atoi(optarg); break;
		case 'd': dev = optarg; break;
		case 't': timeout_ms = (unsigned int)atoi(optarg); break;
		case 's': hold_s = atof(optarg); break;
		default:
			fprintf(stderr, "usage: displfront-flip [-n FRAMES] "
				"[-d DEVICE] [-t TIMEOUT_MS] [-p PERIOD] "
				"[-m WxH] [-w HOOK] [-s SECONDS]\n");
			return 2;
		}
	}
	if (frames < 1 || frames > 65535 || period > 65535 ||
	    (hook && frames < 4) || !(hold_s >= 0 && hold_s <= 3600))
		return 2;
	if (hook)
		period = frames;	/* one window: the timed frames */
	if (period) {
		lat = calloc(period, sizeof(*lat));
		if (!lat)
			return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "displfront: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	res = drmModeGetResources(fd);
	if (!res || !res->count_crtcs) {
		fprintf(stderr, "displfront: no KMS resources\n");
		return 1;
	}
	conn = pick_connector(fd, res, mode, &crtc_id);
	if (!conn) {
		fprintf(stderr, "displfront: no connected connector%s%s\n",
			mode ? " of " : "", mode ? mode : "");
		return 1;
	}
	w = conn->modes[0].hdisplay;
	h = conn->modes[0].vdisplay;
	printf("displfront: connector %u crtc %u mode %ux%u, %u frames\n",
	       conn->connector_id, crtc_id, w, h, frames);
	memset(fb, 0, sizeof(fb));
	for (int i = 0; i < 2; i++) {
		int ret = make_fb(fd, w, h, &fb[i]);

		if (ret) {
			fprintf(stderr, "displfront: dumb buffer: %s\n",
				strerror(-ret));
			return 1;
		}
	}
	draw(&fb[0], 0, w, h);
	if (drmModeSetCrtc(fd, crtc_id, fb[0].fb_id, 0, 0,
			   &conn->connector_id, 1, &conn->modes[0])) {
		fprintf(stderr, "displfront: SetCrtc: %s\n", strerror(errno));
		return 1;
	}
	for (uint32_t k = 1; k < frames; k++) {
		struct fbuf *b = &fb[k & 1];
		unsigned int want = events + 1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t0;

		/* Benchmark: after both buffers' first frames, only the top
		 * rows change (drawing a whole 4K frame takes seconds under
		 * TCG, and the timed part is the flip). */
		draw(b, k, w, hook && k > 2 && h > 16 ? 16 : h);
		if (hook && k == 3 && run_hook(hook, "begin"))
			return 1;
		t0 = now_us();
		if (drmModePageFlip(fd, crtc_id, b->fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, NULL)) {
			fprintf(stderr, "displfront: PageFlip %u: %s\n", k,
				strerror(errno));
			return 1;
		}
		flips++;
		while (events < want) {
			int n = poll(&pfd, 1, (int)timeout_ms);

			if (n <= 0) {
				fprintf(stderr, "displfront: frame %u: no flip "
					"event in %u ms\n", k, timeout_ms);
				late++;
				break;
			}
			drmHandleEvent(fd, &ev);
		}
		if (hook) {
			if (k >= 3)
				lat[n_lat++] = now_us() - t0;
		} else if (period) {
			lat[n_lat++] = now_us() - t0;
			if (n_lat == period || k + 1 == frames) {
				print_window(++window, win_first, k, lat,
					     n_lat);
				n_lat = 0;
				win_first = k + 1;
			}
		}
	}
	if (hook) {
		if (run_hook(hook, "end"))
			return 1;
		latency_sort(lat, n_lat);
		printf("displfront: measured %ux%u flips %u latency p50 %.3f "
		       "p99 %.3f max %.3f ms\n", w, h, n_lat,
		       latency_percentile(lat, n_lat, 50) / 1e3,
		       latency_percentile(lat, n_lat, 99) / 1e3,
		       lat[n_lat - 1] / 1e3);
	}
	printf("displfront: frames %u flips %u events %u\n", frames, flips,
	       events);
	fflush(stdout);
	/* Hold the last frame (-s), then let the frontend clean up. */
	usleep((useconds_t)(hold_s * 1e6));
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return late || events != flips ? 1 : 0;
}
