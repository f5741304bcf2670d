// SPDX-License-Identifier: MIT
// gntbuf.h from C++: extern "C" linkage, no C-only constructs.
#include "gntbuf.h"

#include <cstdio>

int main()
{
	struct gntbuf_layout layout;
	struct gntbuf_format_info info;
	struct gntbuf_device *dev = nullptr;

	gntbuf_device_close(dev);
	if (gntbuf_layout_init(&layout, 0x34325258u /* XR24 */, 8, 8, 64) != 0)
		return 1;
	if (gntbuf_format_get_info(layout.fourcc, &info) != 0)
		return 1;
	std::printf("%s %u\n", info.name, layout.strides[0]);
	return layout.strides[0] == 64 ? 0 : 1;
}
