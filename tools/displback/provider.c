// SPDX-License-Identifier: MIT
/* Choose the buffer provider. */
#include <errno.h>
#include <string.h>

#include "displback.h"

int provider_gntdev_init(struct backend *b);

int provider_init(struct backend *b, const char *name)
{
	if (!name || !strcmp(name, "gntdev"))
		return provider_gntdev_init(b);
	return -ENOENT;
}
