// SPDX-License-Identifier: MIT
/*
 * A DRM card by its driver's name, found as IGT's drm_open_driver() finds
 * one: by each card's DRM_IOCTL_VERSION.  libdrm's drmOpenWithType() is
 * its legacy path (it also compares bus ids and, run as root, may create
 * device nodes), which libdrm itself asks users to leave for open(2).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "displback.h"

int drm_open_driver(const char *driver, char *path, size_t len)
{
	DIR *dir = opendir("/dev/dri");
	struct dirent *e;
	int fd = -ENODEV;

	if (!dir)
		return -errno;
	while (fd < 0 && (e = readdir(dir))) {
		drmVersionPtr v;

		if (strncmp(e->d_name, "card", 4))
			continue;
		if ((size_t)snprintf(path, len, "/dev/dri/%s", e->d_name) >= len)
			continue;
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fd = -ENODEV;
			continue;
		}
		v = drmGetVersion(fd);
		if (!v || strcmp(v->name, driver)) {
			close(fd);
			fd = -ENODEV;
		}
		drmFreeVersion(v);
	}
	closedir(dir);
	return fd;
}
