/* SPDX-License-Identifier: MIT */
/*
 * gntbuf.h and the module's ABI header <xen/gntbuf.h> in one file, in both
 * orders (see header-with-uapi2.c): no name is defined twice.
 */
#include "gntbuf.h"
#include <xen/gntbuf.h>

int main(void)
{
	struct gntbuf_query query = { 0 };
	struct gntbuf_caps caps = { 0 };

	caps.page_size = GNTBUF_PAGE_SIZE;
	query.page_size = GNTBUF_XEN_PAGE_SIZE;
	return caps.page_size != query.page_size;
}
