// SPDX-License-Identifier: MIT
/*
 * gntbuf-info: what the grant device of this domain can do: backend, ABI
 * version, capabilities, limits, live buffers and counters, and the pixel
 * formats libgntbuf knows; as text, or as JSON with --json.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gntbuf.h>

static const struct {
	uint64_t bit;
	const char *name;
} cap_names[] = {
	{ GNTBUF_CAP_EXPORT_REFS, "export-refs" },
	{ GNTBUF_CAP_ALLOC, "alloc" },
	{ GNTBUF_CAP_IMPORT, "import" },
	{ GNTBUF_CAP_SYNC_RANGE, "sync-range" },
	{ GNTBUF_CAP_NO_BOUNCE, "no-bounce" },
	{ GNTBUF_CAP_PV_MAPPINGS, "pv-mappings" },
	{ GNTBUF_CAP_AUTO_TRANSLATED, "auto-translated" },
	{ GNTBUF_CAP_CPU_ACCESS, "cpu-access" },
};

#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gntbuf-info [--json] [--backend auto|module|gntdev] [--formats]\n"
		"\n"
		"Shows the grant device libgntbuf opens: its backend, ABI version,\n"
		"capabilities, limits (pages of 4096 bytes), live buffers and\n"
		"counters.\n"
		"\n"
		"  -j, --json      print JSON\n"
		"  -b, --backend   the backend to open (default: auto)\n"
		"  -f, --formats   also list the pixel formats the library knows\n"
		"  -h, --help      this help\n"
		"\n"
		"The module's device is /dev/xen/gntbuf, or $GNTBUF_DEVICE.\n"
		"Exit status: 0, or 1 when no device can be opened.\n");
}

static const char *device_path(enum gntbuf_backend backend)
{
	/* As the library reads it: not from a setuid caller's environment. */
	const char *env = secure_getenv("GNTBUF_DEVICE");

	if (backend == GNTBUF_BACKEND_GNTDEV)
		return "/dev/xen/gntdev";
	return env && env[0] ? env : "/dev/xen/gntbuf";
}

static void print_text(struct gntbuf_device *dev, bool formats)
{
	enum gntbuf_backend backend = gntbuf_device_get_backend(dev);
	struct gntbuf_counters counters;
	struct gntbuf_caps caps;
	int ret;

	gntbuf_device_get_caps(dev, &caps);
	printf("device:        %s\n", device_path(backend));
	printf("backend:       %s\n", gntbuf_backend_get_name(backend));
	if (backend == GNTBUF_BACKEND_MODULE)
		printf("ABI version:   %u\n", caps.abi_version);
	else
		printf("ABI version:   - (gntdev's dma-buf ioctls)\n");
	printf("capabilities: ");
	for (size_t i = 0; i < N_CAPS; i++)
		if (caps.caps & cap_names[i].bit)
			printf(" %s", cap_names[i].name);
	printf("\n");
	printf("page size:     %u bytes\n", caps.page_size);
	if (caps.max_pages_per_buffer)
		printf("limits:        %u pages a buffer (%llu MiB), %u a device, "
		       "%u in all\n", caps.max_pages_per_buffer,
		       (unsigned long long)caps.max_pages_per_buffer *
		       caps.page_size >> 20, caps.max_pages_per_device,
		       caps.max_pages_total);
	else
		printf("limits:        not reported by the backend\n");

	ret = gntbuf_device_get_counters(dev, &counters);
	if (ret == 0) {
		printf("live buffers:  %llu\n",
		       (unsigned long long)counters.live_buffers);
		printf("counters:\n");
		printf("  mapped pages (exports)      %llu\n",
		       (unsigned long long)counters.mapped_pages);
		printf("  allocated pages (allocs)    %llu\n",
		       (unsigned long long)counters.allocated_pages);
		printf("  granted pages (imports)     %llu\n",
		       (unsigned long long)counters.granted_pages);
		printf("  pending release             %llu\n",
		       (unsigned long long)counters.pending_release);
		printf("  bounce refusals             %llu\n",
		       (unsigned long long)counters.bounce_refusals);
		printf("  bytes synced, whole buffers %llu\n",
		       (unsigned long long)counters.flushed_bytes_full);
		printf("  bytes synced, ranges        %llu\n",
		       (unsigned long long)counters.flushed_bytes_range);
	} else {
		printf("counters:      none (%s)\n", strerror(-ret));
	}

	if (formats) {
		uint32_t n;
		const uint32_t *list = gntbuf_format_get_list(&n);

		printf("formats:\n");
		for (uint32_t i = 0; i < n; i++) {
			struct gntbuf_format_info info;

			gntbuf_format_get_info(list[i], &info);
			printf("  %-14s %u plane%s, %u bpp\n", info.name,
			       info.num_planes, info.num_planes > 1 ? "s" : "",
			       info.bpp);
		}
	}
}

/* @s as a JSON string: quoted, with '"', '\\' and control bytes escaped. */
static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(struct gntbuf_device *dev, bool formats)
{
	enum gntbuf_backend backend = gntbuf_device_get_backend(dev);
	struct gntbuf_counters counters;
	struct gntbuf_caps caps;
	const char *sep = "";

	gntbuf_device_get_caps(dev, &caps);
	printf("{\n");
	printf("  \"device\": ");
	print_json_string(device_path(backend));
	printf(",\n  \"backend\": ");
	print_json_string(gntbuf_backend_get_name(backend));
	printf(",\n");
	printf("  \"abi_version\": %u,\n", caps.abi_version);
	printf("  \"capabilities\": [");
	for (size_t i = 0; i < N_CAPS; i++) {
		if (caps.caps & cap_names[i].bit) {
			printf("%s\"%s\"", sep, cap_names[i].name);
			sep = ", ";
		}
	}
	printf("],\n");
	printf("  \"page_size\": %u,\n", caps.page_size);
	printf("  \"limits\": { \"max_pages_per_buffer\": %u, "
	       "\"max_pages_per_device\": %u, \"max_pages_total\": %u },\n",
	       caps.max_pages_per_buffer, caps.max_pages_per_device,
	       caps.max_pages_total);
	if (gntbuf_device_get_counters(dev, &counters) == 0)
		printf("  \"counters\": { \"live_buffers\": %llu, "
		       "\"mapped_pages\": %llu, \"allocated_pages\": %llu, "
		       "\"granted_pages\": %llu, \"pending_release\": %llu, "
		       "\"bounce_refusals\": %llu, \"flushed_bytes_full\": %llu, "
		       "\"flushed_bytes_range\": %llu }",
		       (unsigned long long)counters.live_buffers,
		       (unsigned long long)counters.mapped_pages,
		       (unsigned long long)counters.allocated_pages,
		       (unsigned long long)counters.granted_pages,
		       (unsigned long long)counters.pending_release,
		       (unsigned long long)counters.bounce_refusals,
		       (unsigned long long)counters.flushed_bytes_full,
		       (unsigned long long)counters.flushed_bytes_range);
	else
		printf("  \"counters\": null");

	if (formats) {
		uint32_t n;
		const uint32_t *list = gntbuf_format_get_list(&n);

		printf(",\n  \"formats\": [");
		for (uint32_t i = 0; i < n; i++) {
			struct gntbuf_format_info info;

			gntbuf_format_get_info(list[i], &info);
			printf("%s\n    { \"name\": ", i ? "," : "");
			print_json_string(info.name);
			printf(", \"fourcc\": %u, \"planes\": %u, \"bpp\": %u }",
			       info.fourcc, info.num_planes, info.bpp);
		}
		printf("\n  ]");
	}
	printf("\n}\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "backend", required_argument, NULL, 'b' },
		{ "formats", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum gntbuf_backend backend = GNTBUF_BACKEND_AUTO;
	bool json = false, formats = false;
	struct gntbuf_device *dev;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jb:fh", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'f':
			formats = true;
			break;
		case 'b':
			if (strcmp(optarg, "auto") == 0) {
				backend = GNTBUF_BACKEND_AUTO;
			} else if (strcmp(optarg, "module") == 0) {
				backend = GNTBUF_BACKEND_MODULE;
			} else if (strcmp(optarg, "gntdev") == 0) {
				backend = GNTBUF_BACKEND_GNTDEV;
			} else {
				fprintf(stderr, "gntbuf-info: unknown backend '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	ret = gntbuf_device_open(backend, &dev);
	if (ret) {
		const char *why = ret == -ENODEV ?
			"no grant device (is xen-gntbuf loaded? is this a Xen domain?)" :
			ret == -EOPNOTSUPP && backend == GNTBUF_BACKEND_AUTO ?
			"the module is not loaded, and gntdev has no dma-buf ioctls (kernel without CONFIG_XEN_GNTDEV_DMABUF)" :
			ret == -EOPNOTSUPP ?
			"gntdev has no dma-buf ioctls (kernel without CONFIG_XEN_GNTDEV_DMABUF)" :
			strerror(-ret);

		if (json) {
			printf("{ \"backend\": ");
			print_json_string(gntbuf_backend_get_name(backend));
			printf(", \"device\": ");
			print_json_string(device_path(backend));
			printf(", \"error\": ");
			print_json_string(why);
			printf(", \"errno\": %d }\n", -ret);
		}
		fprintf(stderr, "gntbuf-info: cannot open the %s backend: %s "
			"(%s)\n", gntbuf_backend_get_name(backend), why,
			strerror(-ret));
		return 1;
	}

	if (json)
		print_json(dev, formats);
	else
		print_text(dev, formats);
	gntbuf_device_close(dev);
	return 0;
}
