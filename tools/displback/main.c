// SPDX-License-Identifier: MIT
/*
 * gntbuf-displback: serve the vdispl devices of every domain.
 *
 *   gntbuf-displback [--sink kms|capture|null|wayland] [--out DIR]
 *                    [--every N] [--max-captures N]
 *                    [--device /dev/dri/cardN] [--allow-copy] [--writeback]
 *                    [--wayland-display NAME] [--fullscreen]
 *                    [--wayland-timeout MS]
 *                    [--provider gntbuf|gntdev] [--release-timeout MS]
 *                    [--max-dbufs N] [--max-fbs N] [--max-pages N]
 *                    [--max-pending-flips N] [--req-budget N]
 *                    [--user NAME] [--keep-caps] [-v]
 *
 * One event loop serves every guest and never waits on one: requests are
 * served round-robin, at most --req-budget per guest per iteration;
 * event-channel ports and xenstore watch events are read in bounded
 * batches; releases of destroyed buffers are polled from the loop.
 * Runs until SIGTERM or SIGINT, then releases every mapping and grant,
 * tells connected frontends (state Closed) and prints a summary line per
 * connector on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "displback.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gntbuf-displback [options]\n"
		"  --sink kms|capture|null|wayland\n"
		"                           where frames go (default null; wayland: %s)\n"
		"  --out DIR                capture: folder for the PNG files\n"
		"  --every N                capture: every Nth frame (default 1)\n"
		"  --max-captures N         capture: at most N files per connector\n"
		"  --device PATH            kms: DRM device (default: first with a connector)\n"
		"  --allow-copy             kms: copy into a dumb buffer when PRIME import fails\n"
		"  --writeback              kms: also read frames back through the writeback\n"
		"                           connector (vkms enable_writeback=1) into --out:\n"
		"                           <conn>-frameN-wb.png beside the dma-buf's <conn>-frameN.png\n"
		"  --wayland-display NAME   wayland: the compositor's socket (default\n"
		"                           $WAYLAND_DISPLAY in $XDG_RUNTIME_DIR)\n"
		"  --fullscreen             wayland: each connector's window fullscreen,\n"
		"                           scaled to the output (wp_viewporter)\n"
		"  --wayland-timeout MS     wayland: answer a flip the compositor has not\n"
		"                           shown and released after MS ms (default 2000)\n"
		"  --provider NAME          buffer provider: gntbuf (default) or gntdev\n"
		"  --release-timeout MS     DBUF_DESTROY: answer ETIMEDOUT when the buffer is\n"
		"                           not released after MS ms (default 2000)\n"
		"  --max-dbufs N            per guest: display buffers (default %u)\n"
		"  --max-fbs N              per guest: framebuffers (default %u)\n"
		"  --max-pages N            per guest: pages of its buffers (default %u)\n"
		"  --max-pending-flips N    per connector: flips in flight and queued\n"
		"                           (default %u, at most %u)\n"
		"  --req-budget N           requests per guest (all its connectors) per loop iteration\n"
		"                           (default %u)\n"
		"  --user NAME              after start-up, run as this user (and its\n"
		"                           groups: xen-gntbuf for the module's device)\n"
		"  --keep-caps              keep the capabilities (default: all dropped\n"
		"                           after start-up)\n"
		"  -v, --verbose            log every request\n",
#ifdef DISPLBACK_WAYLAND
		"built in",
#else
		"not built (-Dwayland)",
#endif
		DISPLBACK_DEF_MAX_DBUFS, DISPLBACK_DEF_MAX_FBS,
		DISPLBACK_DEF_MAX_PAGES, DISPLBACK_DEF_MAX_PENDING_FLIPS,
		DISPLBACK_MAX_FLIP_QUEUE + 1, DISPLBACK_DEF_REQ_BUDGET);
}

/*
 * After start-up the backend needs no privilege: the event channel, grant
 * table and xenstore handles and the sink's device are open, and what it
 * opens later (a xen-gntbuf file per device, capture files) is reached
 * through file permissions.  So: no new privileges, an empty capability
 * bounding set, no capabilities, and with @user that user's uid, gid and
 * groups.  Linux allows all of it to a process that starts as root; a
 * process that started without capabilities has nothing to drop.
 */
static int drop_privileges(const char *user, bool keep_caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	unsigned int last = CAP_LAST_CAP;
	FILE *f;

	if (user) {
		struct passwd *pw = getpwnam(user);

		if (!pw) {
			LOGE(NULL, -1, "--user %s: no such user", user);
			return -ENOENT;
		}
		if (initgroups(pw->pw_name, pw->pw_gid) ||
		    setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
			LOGE(NULL, -1, "--user %s: %s", user, strerror(errno));
			return -errno;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (keep_caps)
		return 0;
	f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	if (f) {
		if (fscanf(f, "%u", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	/* EPERM without CAP_SETPCAP: the set is not ours to change. */
	for (unsigned int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EPERM &&
		    errno != EINVAL)
			return -errno;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static const struct sink_ops *sink_by_name(const char *name)
{
	if (!strcmp(name, "null"))
		return &sink_null_ops;
	if (!strcmp(name, "capture"))
		return &sink_capture_ops;
	if (!strcmp(name, "kms"))
		return &sink_kms_ops;
#ifdef DISPLBACK_WAYLAND
	if (!strcmp(name, "wayland"))
		return &sink_wayland_ops;
#endif
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sink", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "every", required_argument, NULL, 'e' },
		{ "max-captures", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "allow-copy", no_argument, NULL, 'c' },
		{ "writeback", no_argument, NULL, 'w' },
		{ "wayland-display", required_argument, NULL, 'W' },
		{ "fullscreen", no_argument, NULL, 'f' },
		{ "wayland-timeout", required_argument, NULL, 'T' },
		{ "provider", required_argument, NULL, 'p' },
		{ "release-timeout", required_argument, NULL, 't' },
		{ "max-dbufs", required_argument, NULL, 'D' },
		{ "max-fbs", required_argument, NULL, 'F' },
		{ "max-pages", required_argument, NULL, 'P' },
		{ "max-pending-flips", required_argument, NULL, 'Q' },
		{ "req-budget", required_argument, NULL, 'B' },
		{ "user", required_argument, NULL, 'U' },
		{ "keep-caps", no_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backend b;
	sigset_t mask;
	int opt, sfd, ret, status = 0;

	memset(&b, 0, sizeof(b));
	b.opt.sink = "null";
	b.opt.capture_every = 1;
	b.opt.release_timeout_ms = 2000;
	b.opt.wl_timeout_ms = 2000;
	b.opt.max_dbufs = DISPLBACK_DEF_MAX_DBUFS;
	b.opt.max_fbs = DISPLBACK_DEF_MAX_FBS;
	b.opt.max_pages = DISPLBACK_DEF_MAX_PAGES;
	b.opt.max_pending_flips = DISPLBACK_DEF_MAX_PENDING_FLIPS;
	b.opt.req_budget = DISPLBACK_DEF_REQ_BUDGET;
	b.opt.provider = getenv("GNTBUF_DISPLBACK_PROVIDER");
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': b.opt.sink = optarg; break;
		case 'o': b.opt.out_dir = optarg; break;
		case 'e': b.opt.capture_every = (unsigned int)atoi(optarg); break;
		case 'm': b.opt.capture_max = (unsigned int)atoi(optarg); break;
		case 'd': b.opt.kms_device = optarg; break;
		case 'c': b.opt.kms_allow_copy = true; break;
		case 'w': b.opt.kms_writeback = true; break;
		case 'W': b.opt.wl_display = optarg; break;
		case 'f': b.opt.wl_fullscreen = true; break;
		case 'T': b.opt.wl_timeout_ms = (unsigned int)atoi(optarg); break;
		case 'p': b.opt.provider = optarg; break;
		case 't': b.opt.release_timeout_ms = (unsigned int)atoi(optarg); break;
		case 'D': b.opt.max_dbufs = (unsigned int)atoi(optarg); break;
		case 'F': b.opt.max_fbs = (unsigned int)atoi(optarg); break;
		case 'P': b.opt.max_pages = (unsigned int)atoi(optarg); break;
		case 'Q': b.opt.max_pending_flips = (unsigned int)atoi(optarg); break;
		case 'B': b.opt.req_budget = (unsigned int)atoi(optarg); break;
		case 'U': b.opt.user = optarg; break;
		case 'K': b.opt.keep_caps = true; break;
		case 'v': displback_verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !b.opt.capture_every || !b.opt.max_dbufs ||
	    !b.opt.max_fbs || !b.opt.max_pages || !b.opt.req_budget ||
	    !b.opt.max_pending_flips || !b.opt.wl_timeout_ms ||
	    b.opt.max_pending_flips > DISPLBACK_MAX_FLIP_QUEUE + 1) {
		usage(stderr);
		return 2;
	}
	b.sink.ops = sink_by_name(b.opt.sink);
	if (!b.sink.ops) {
		fprintf(stderr, "gntbuf-displback: unknown sink %s\n", b.opt.sink);
		return 2;
	}
	b.sink.b = &b;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("gntbuf-displback: signalfd");
		return 1;
	}

	ret = provider_init(&b, b.opt.provider);
	if (ret) {
		LOGE(NULL, -1, "buffer provider %s: %s",
		     b.opt.provider ? b.opt.provider : "(default)",
		     strerror(-ret));
		return 1;
	}
	LOGI(NULL, -1, "buffer provider %s, sink %s; per guest at most %u "
	     "display buffers, %u framebuffers, %u pages, %u pending flips "
	     "per connector; %u requests per guest per iteration",
	     b.prov->name, b.sink.ops->name, b.opt.max_dbufs, b.opt.max_fbs,
	     b.opt.max_pages, b.opt.max_pending_flips, b.opt.req_budget);
	ret = b.sink.ops->init(&b.sink);
	if (ret) {
		LOGE(NULL, -1, "sink %s: %s", b.sink.ops->name, strerror(-ret));
		status = 1;
		goto out_provider;
	}
	b.xce = xenevtchn_open(NULL, 0);
	b.xgt = xengnttab_open(NULL, 0);
	if (!b.xce || !b.xgt) {
		LOGE(NULL, -1, "cannot open %s: %s (is this a Xen domain with "
		     "xen-evtchn and xen-gntdev loaded?)",
		     b.xce ? "/dev/xen/gntdev" : "/dev/xen/evtchn",
		     strerror(errno));
		status = 1;
		goto out_handles;
	}
	/* xenevtchn_pending() must not block once the ports are drained. */
	fcntl(xenevtchn_fd(b.xce), F_SETFL,
	      fcntl(xenevtchn_fd(b.xce), F_GETFL) | O_NONBLOCK);
	/* Room for the ring and event page of many connectors. */
	xengnttab_set_max_grants(b.xgt, 65536);
	ret = xenbus_init(&b);
	if (ret) {
		LOGE(NULL, -1, "xenstore: %s", strerror(-ret));
		status = 1;
		goto out_xenbus;
	}
	ret = drop_privileges(b.opt.user, b.opt.keep_caps);
	if (ret) {
		LOGE(NULL, -1, "cannot drop privileges: %s", strerror(-ret));
		status = 1;
		goto out_xenbus;
	}
	LOGI(NULL, -1, "running as uid %u gid %u, %s", (unsigned int)getuid(),
	     (unsigned int)getgid(), b.opt.keep_caps ? "capabilities kept "
	     "(--keep-caps)" : "no capabilities, no new privileges");
	ret = b.sink.ops->start ? b.sink.ops->start(&b.sink) : 0;
	if (ret) {
		LOGE(NULL, -1, "sink %s: %s", b.sink.ops->name, strerror(-ret));
		status = 1;
		goto out_xenbus;
	}

	while (!b.stopping) {
		struct pollfd fds[4];
		int nfds = 0, sink_fd = b.sink.ops->get_fd(&b.sink);
		int timeout = conn_poll_releases(&b);
		int reopen = xenbus_poll_reopen(&b);

		if (reopen >= 0 && (timeout < 0 || reopen < timeout))
			timeout = reopen;

		b.loop.iterations++;
		/* Requests or watch events left: look, don't wait. */
		if (b.more_work)
			timeout = 0;
		b.more_work = false;
		fds[nfds++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		fds[nfds++] = (struct pollfd){ .fd = xs_fileno(b.xs),
					       .events = POLLIN };
		fds[nfds++] = (struct pollfd){ .fd = xenevtchn_fd(b.xce),
					       .events = POLLIN };
		if (sink_fd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = sink_fd,
						       .events = POLLIN };
		if (poll(fds, nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			LOGE(NULL, -1, "poll: %s", strerror(errno));
			status = 1;
			break;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				LOGI(NULL, -1, "signal %u: stopping",
				     si.ssi_signo);
			break;
		}
		if (fds[2].revents) {
			/*
			 * A bounded batch: a request port stays masked until
			 * its connector is served, so a guest notifying in a
			 * loop has one event per port per iteration.
			 */
			for (int n = 0; n < DISPLBACK_EVTCHN_BUDGET; n++) {
				int port = xenevtchn_pending(b.xce);

				if (port < 0)
					break;
				conn_handle_port(&b, port);
			}
		}
		conn_serve(&b);
		if (fds[1].revents)
			xenbus_handle_watch(&b);
		if (sink_fd >= 0 && fds[3].revents)
			b.sink.ops->dispatch(&b.sink);
	}

	LOGI(NULL, -1, "loop: %llu iterations, %llu requests served, %llu "
	     "times a guest's budget was spent, at most %u requests of one "
	     "guest in one iteration (budget %u), %llu event-channel "
	     "events, %llu watch events for %llu device updates and %llu "
	     "rescans", (unsigned long long)b.loop.iterations,
	     (unsigned long long)b.loop.requests,
	     (unsigned long long)b.loop.budget_spent,
	     b.loop.max_guest_requests, b.opt.req_budget,
	     (unsigned long long)b.loop.ports,
	     (unsigned long long)b.loop.watch_events,
	     (unsigned long long)b.loop.dev_updates,
	     (unsigned long long)b.loop.rescans);
out_xenbus:
	xenbus_shutdown(&b);
out_handles:
	if (b.xgt)
		xengnttab_close(b.xgt);
	if (b.xce)
		xenevtchn_close(b.xce);
	b.sink.ops->fini(&b.sink);
out_provider:
	{
		char counters[256];

		b.prov->counters(&b, counters, sizeof(counters));
		LOGI(NULL, -1, "exit: %s", counters);
	}
	b.prov->fini(&b);
	close(sfd);
	return status;
}
