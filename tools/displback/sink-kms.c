// SPDX-License-Identifier: MIT
/* The KMS sink: not written yet. */
#include <errno.h>

#include "displback.h"

static int kms_init(struct sink *s)
{
	(void)s;
	LOGE(NULL, -1, "the kms sink is not implemented yet");
	return -ENOSYS;
}

static void kms_fini(struct sink *s)
{
	(void)s;
}

const struct sink_ops sink_kms_ops = {
	.name = "kms",
	.init = kms_init,
	.fini = kms_fini,
};
