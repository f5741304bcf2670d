// SPDX-License-Identifier: MIT
/* Choose the buffer provider: libgntbuf on the xen-gntbuf module. */
#include <errno.h>
#include <string.h>

#include "displback.h"

int provider_gntbuf_init(struct backend *b);
int provider_gntdev_init(struct backend *b);

int provider_init(struct backend *b, const char *name)
{
	int ret;

	if (name && !strcmp(name, "gntdev"))
		return provider_gntdev_init(b);
	if (name && strcmp(name, "gntbuf") && strcmp(name, "auto"))
		return -ENOENT;
	ret = provider_gntbuf_init(b);
	if (ret && name && !strcmp(name, "auto")) {
		/* TODO(xen-gntbuf): drop once the module is in every rig. */
		LOGW(NULL, -1, "libgntbuf: %s; falling back to the "
		     "gntdev provider", strerror(-ret));
		return provider_gntdev_init(b);
	}
	return ret;
}
