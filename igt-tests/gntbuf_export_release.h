/* SPDX-License-Identifier: MIT */
/*
 * gntbuf_export's RELEASE_FD subtests (gntbuf_export_release.c), on the
 * device file @dev of the suite.
 */
#ifndef GNTBUF_EXPORT_RELEASE_H
#define GNTBUF_EXPORT_RELEASE_H

#include "gntbuf_test.h"

void test_release_fd_export(int dev, enum gntbuf_source src);
void test_release_fd_alloc(int dev, enum gntbuf_source tgt);
void test_release_fd_edges(int dev);
/* Closes *@dev, unloads and reloads the module, opens *@dev again. */
void test_release_fd_holds_module(int *dev);

#endif /* GNTBUF_EXPORT_RELEASE_H */
