// SPDX-License-Identifier: MIT
/*
 * A log handler per device, as libinput has one per context
 * (libinput_log_set_handler()): silent without one.
 */
#include <stdarg.h>

#include "gntbuf.h"
#include "gntbuf-private.h"

GNTBUF_EXPORT int
gntbuf_device_set_log_handler(struct gntbuf_device *dev,
			      gntbuf_log_handler handler, void *user_data)
{
	if (!dev)
		return -EINVAL;
	dev->log_handler = handler;
	dev->log_user_data = user_data;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_device_set_log_priority(struct gntbuf_device *dev,
			       enum gntbuf_log_priority priority)
{
	if (!dev)
		return -EINVAL;
	switch (priority) {
	case GNTBUF_LOG_PRIORITY_DEBUG:
	case GNTBUF_LOG_PRIORITY_INFO:
	case GNTBUF_LOG_PRIORITY_ERROR:
		dev->log_priority = priority;
		return 0;
	}
	return -EINVAL;
}

void
gntbuf_log(struct gntbuf_device *dev, enum gntbuf_log_priority priority,
	   const char *format, ...)
{
	va_list args;

	if (!dev || !dev->log_handler || priority < dev->log_priority)
		return;
	va_start(args, format);
	dev->log_handler(dev, priority, dev->log_user_data, format, args);
	va_end(args);
}
