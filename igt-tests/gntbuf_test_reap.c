// SPDX-License-Identifier: MIT
/*
 * What a subtest that did not succeed leaves behind is released before the
 * next subtest or fixture of the binary starts.  A failed assertion (or a
 * skip) longjmps out of the subtest past its close() and munmap() calls; a
 * dma-buf fd or mapping left that way holds the module, and every later
 * subtest that unloads it (the rmmod ones) failed as well, hiding the first
 * failure among their own.
 *
 * gntbuf_test.h routes IGT's __igt_run_subtest(), __igt_fixture() and
 * igt_success(), as its igt_subtest and igt_fixture macros call them, here:
 * at a subtest's start the open fds (/proc/self/fd) and the mappings of
 * dma-bufs and DRM devices (/proc/self/maps) are noted; igt_success() (the
 * end of a subtest's body) marks it done.  A subtest that started and was
 * not marked done gets, at the next start of a subtest or fixture, every
 * fd of a device, dma-buf or sync_file and every such mapping made since
 * its start closed and unmapped, each named in the log.  What it closed of
 * the fixture's stays closed; an fd it reopened at the number a fixture's
 * had is taken for the fixture's.
 */
#include "igt.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gntbuf_test.h"

#undef __igt_run_subtest
#undef __igt_fixture
#undef igt_success

static struct {
	bool running;		/* a subtest started and did not succeed yet */
	char name[128];
	int *fds;		/* open at its start, sorted */
	int n_fds;
	unsigned long *maps;	/* starts of the mappings we watch */
	int n_maps;
} cur;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The open fds, sorted, less the directory's own; NULL if unreadable. */
static int *open_fds(int *n)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int *fds = NULL, cap = 0;

	*n = 0;
	if (!dir)
		return NULL;
	while ((e = readdir(dir))) {
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(dir))
			continue;
		if (*n == cap) {
			int *more = realloc(fds, (cap = cap * 2 + 64) *
					    sizeof(*fds));

			if (!more)
				break;
			fds = more;
		}
		fds[(*n)++] = fd;
	}
	closedir(dir);
	qsort(fds, *n, sizeof(*fds), cmp_int);
	return fds;
}

/* A mapping that holds a dma-buf or a DRM device (and so maybe us). */
static bool watched(const char *path)
{
	return strstr(path, "dmabuf:") || !strncmp(path, "/dev/dri/", 9) ||
	       !strncmp(path, "/dev/gntbuf", 11);
}

/*
 * An fd of what the tests open: a device node (ours, DRM, Xen's), a
 * dma-buf or a sync_file.  Not pipes, sockets or files: libigt makes the
 * pipes of its backtraces during a failure and may use them again.
 */
static bool closable(const char *target)
{
	return !strncmp(target, "/dev/", 5) || strstr(target, "dmabuf") ||
	       !strcmp(target, "anon_inode:sync_file");
}

static void note_map(unsigned long start)
{
	unsigned long *more;

	more = realloc(cur.maps, (cur.n_maps + 1) * sizeof(*cur.maps));
	if (!more)
		return;
	cur.maps = more;
	cur.maps[cur.n_maps++] = start;
}

static void unmap_new(unsigned long start, unsigned long end,
		      const char *path)
{
	for (int i = 0; i < cur.n_maps; i++)
		if (cur.maps[i] == start)
			return;
	igt_info("subtest %s did not succeed: unmapping %#lx-%#lx (%s) it "
		 "left mapped\n", cur.name, start, end, path);
	munmap((void *)start, end - start);
}

/*
 * The watched mappings of /proc/self/maps (read whole first): noted, or
 * with @unmap those not noted unmapped.
 */
static void scan_maps(bool unmap)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *buf = NULL, *line, *save;
	size_t size = 0;
	FILE *mem;

	if (!f)
		return;
	mem = open_memstream(&buf, &size);
	if (mem) {
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, mem);
		fclose(mem);
	}
	fclose(f);
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end;
		int path = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end,
			   &path) < 2 || !path || !watched(line + path))
			continue;
		if (unmap)
			unmap_new(start, end, line + path);
		else
			note_map(start);
	}
	free(buf);
}

/* Close and unmap what the subtest that did not succeed left behind. */
static void reap(void)
{
	int n, *now;

	if (!cur.running)
		return;
	cur.running = false;
	now = open_fds(&n);
	for (int i = 0; i < n; i++) {
		char link[64], target[256];
		ssize_t len;

		if (cur.fds && bsearch(&now[i], cur.fds, cur.n_fds,
				       sizeof(int), cmp_int))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", now[i]);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!closable(target))
			continue;
		igt_info("subtest %s did not succeed: closing fd %d (%s) it "
			 "left open\n", cur.name, now[i], target);
		close(now[i]);
	}
	free(now);
	scan_maps(true);
}

bool gntbuf_test_run_subtest(const char *name, const char *file, int line)
{
	reap();
	if (!__igt_run_subtest(name, file, line))
		return false;
	free(cur.fds);
	free(cur.maps);
	cur.maps = NULL;
	cur.n_maps = 0;
	cur.fds = open_fds(&cur.n_fds);
	scan_maps(false);
	snprintf(cur.name, sizeof(cur.name), "%s", name);
	cur.running = true;
	return true;
}

bool gntbuf_test_fixture(void)
{
	reap();
	return __igt_fixture();
}

void gntbuf_test_subtest_success(void)
{
	cur.running = false;
	igt_success();
}
