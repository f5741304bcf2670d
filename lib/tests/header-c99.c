/* SPDX-License-Identifier: MIT */
/*
 * gntbuf.h on its own, compiled with -std=c99 -pedantic -Werror: the
 * public header asks nothing of its users' C dialect.
 */
#include "gntbuf.h"

/* The version macros work in the preprocessor. */
#if !GNTBUF_VERSION_CHECK(0, 2, 0) || GNTBUF_VERSION_CHECK(GNTBUF_VERSION_MAJOR, GNTBUF_VERSION_MINOR, GNTBUF_VERSION_MICRO + 1)
#error "GNTBUF_VERSION_CHECK() is wrong in #if"
#endif

int main(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_caps caps;
	struct gntbuf_rect rect = { 0, 0, 1, 1 };
	enum gntbuf_backend backend = GNTBUF_BACKEND_AUTO;
	unsigned long long cap = GNTBUF_CAP_EXPORT_REFS | GNTBUF_CAP_CPU_ACCESS;

	(void)caps;
	(void)rect;
	(void)cap;
	return gntbuf_layout_init(&layout, 0x34325258u /* XR24 */, 1, 1, 1) ||
		gntbuf_backend_get_name(backend) == 0;
}
