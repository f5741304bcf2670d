/* SPDX-License-Identifier: MIT */
/*
 * Xen's displif.h with the memory barriers its ring macros (io/ring.h)
 * use.  With an old __XEN_INTERFACE_VERSION__ (the default of userspace
 * that includes xenstore.h first) ring.h maps them to mb()/rmb()/wmb(),
 * which userspace lacks; the macros expand where they are used, so
 * defining them after the include is enough.  Full fences: the frontend
 * may run on another CPU of any architecture Xen supports.
 */
#ifndef GNTBUF_DISPLIF_RING_H
#define GNTBUF_DISPLIF_RING_H

#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/io/displif.h>

#undef xen_mb
#undef xen_rmb
#undef xen_wmb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif /* GNTBUF_DISPLIF_RING_H */
