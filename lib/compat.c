// SPDX-License-Identifier: MIT
/*
 * Names of earlier releases, kept so that programs linked against them
 * run on: each calls the function that replaced it (gntbuf.h, "Deprecated
 * names").  Version node GNTBUF_0.1.
 */
#include "gntbuf.h"
#include "gntbuf-private.h"

/* Defined here for the programs that call them, not for new callers. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

GNTBUF_EXPORT int
gntbuf_buffer_export_refs(struct gntbuf_device *dev, uint32_t domid,
			  const uint32_t *refs, uint32_t count, uint32_t flags,
			  struct gntbuf_buffer **out)
{
	return gntbuf_buffer_from_refs(dev, domid, refs, count, flags, out);
}

GNTBUF_EXPORT int
gntbuf_buffer_import(struct gntbuf_device *dev, int dmabuf_fd,
		     uint32_t domid, uint32_t flags,
		     struct gntbuf_buffer **out)
{
	return gntbuf_buffer_grant_dmabuf(dev, dmabuf_fd, domid, flags, out);
}
