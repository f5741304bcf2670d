// SPDX-License-Identifier: MIT
/* The library's version, as built (gntbuf-version.h, from meson). */
#include "gntbuf.h"
#include "gntbuf-private.h"

GNTBUF_EXPORT uint32_t
gntbuf_get_version(void)
{
	return GNTBUF_VERSION;
}
