// SPDX-License-Identifier: MIT
/*
 * gntbuf_generations: runs an IGT suite of gntbuf twice in one boot of the
 * rig, the second time only its foreign-grant subtests, on fresh peer domUs
 * (new domids), to show that nothing leaks from one generation of domains
 * to the next.
 *
 * Usage: gntbuf_generations BIN [ARGS...]
 *   generation 1: BIN ARGS                        (the whole suite)
 *   generation 2: BIN --run-subtest '*foreign*'    (the foreign ones again)
 * When ARGS has --run-subtest PATTERN, generation 2 leaves out what
 * PATTERN's "!NAME" parts leave out ('*foreign*,!NAME,...': IGT's
 * uwildmat, the last matching part decides), so that a subtest excluded
 * from generation 1 (the arm64 suites' known failures) is not run in 2.
 * After each generation: the module is idle (no live buffer, mapped,
 * allocated or granted page, pending release), no domain is dying in Xen
 * (a destroyed domain stays dying while someone maps its pages), and the
 * peers the generation booted are gone.  After generation 2: its peers had
 * domids that generation 1's did not.
 *
 * The peers' domids are read from the suite's own output, the line
 * "peer NAME is domid N, up in ..." that gntbuf_peer_get() prints on boot.
 *
 * Exit status: generation 1's when it did not pass (or when it booted no
 * peer domU: nothing to repeat), else 0 when every check held, 98 (IGT's
 * failure) otherwise.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gntbuf_test.h"

#define EXIT_SKIP 77
#define EXIT_FAIL 98
#define MAX_PEERS 16

struct generation {
	int number;
	int status;		/* the suite's exit status */
	double seconds;		/* its wall time */
	int peers;
	uint32_t domids[MAX_PEERS];
};

static int failures;

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("gntbuf_generations: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	failures++;
	fputs("gntbuf_generations: FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs @argv, passing its output through and noting the peers' domids. */
static void run(char **argv, struct generation *gen)
{
	char line[4096], name[64];
	double start = now_s();
	unsigned int domid;
	int pipefd[2], wstatus;
	pid_t pid;
	FILE *out;

	say("generation %d:", gen->number);
	for (char **a = argv; *a; a++)
		printf(" %s", *a);
	printf("\n");
	fflush(stdout);
	if (pipe(pipefd)) {
		perror("pipe");
		exit(EXIT_FAIL);
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(EXIT_FAIL);
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	while (fgets(line, sizeof(line), out)) {
		fputs(line, stdout);
		fflush(stdout);
		if (sscanf(line, "peer %63s is domid %u,", name, &domid) == 2 &&
		    domid != 0 && gen->peers < MAX_PEERS)
			gen->domids[gen->peers++] = domid;
	}
	fclose(out);
	if (waitpid(pid, &wstatus, 0) != pid) {
		perror("waitpid");
		exit(EXIT_FAIL);
	}
	gen->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		      128 + WTERMSIG(wstatus);
	gen->seconds = now_s() - start;
	say("generation %d: status %d in %.1f s, %d peer domU(s):",
	    gen->number, gen->status, gen->seconds, gen->peers);
	for (int i = 0; i < gen->peers; i++)
		printf(" %u", gen->domids[i]);
	printf("\n");
	fflush(stdout);
}

static bool stats_idle(const struct gntbuf_stats *s)
{
	return !s->live_buffers && !s->mapped_pages && !s->allocated_pages &&
	       !s->granted_pages && !s->pending_release;
}

/* What must hold between generations and after the last one. */
static void check_clean(const struct generation *gen)
{
	struct gntbuf_stats s = { 0 };
	uint32_t dying[MAX_PEERS];
	int fd, ret, n, failed = failures;
	double deadline;

	/* The module: idle within 2 s (deferred ends retry each second). */
	fd = __gntbuf_open();
	check(fd >= 0, "open %s: %s\n", GNTBUF_TEST_DEVICE, strerror(-fd));
	if (fd >= 0) {
		deadline = now_s() + 2;
		while ((ret = __gntbuf_stats(fd, &s)) == 0 && !stats_idle(&s) &&
		       now_s() < deadline)
			usleep(100 * 1000);
		check(ret == 0, "STATS: %s\n", strerror(-ret));
		check(stats_idle(&s), "after generation %d the module is not "
		      "idle: live_buffers %u mapped_pages %llu "
		      "allocated_pages %llu granted_pages %llu "
		      "pending_release %llu\n", gen->number, s.live_buffers,
		      (unsigned long long)s.mapped_pages,
		      (unsigned long long)s.allocated_pages,
		      (unsigned long long)s.granted_pages,
		      (unsigned long long)s.pending_release);
		close(fd);
	}

	/* Xen: no domain left dying, the generation's peers gone. */
	deadline = now_s() + 5;
	while ((n = __gntbuf_xen_dying_domains(dying, MAX_PEERS)) > 0 &&
	       now_s() < deadline)
		usleep(100 * 1000);
	check(n >= 0, "asking Xen for its domains: %s\n", strerror(-n));
	check(n <= 0, "after generation %d, %d domain(s) still dying in "
	      "Xen, first domid %u: someone still maps their pages\n",
	      gen->number, n, n > 0 ? dying[0] : 0);
	for (int i = 0; i < gen->peers; i++) {
		int state = __gntbuf_xen_domain_state(gen->domids[i]);

		check(state == GNTBUF_DOMAIN_GONE, "after generation %d, its "
		      "peer domid %u is %s in Xen\n", gen->number,
		      gen->domids[i], gntbuf_xen_domain_state_name(state));
	}
	say("after generation %d: module idle, no dying domain, its peers "
	    "gone: %s\n", gen->number, failures > failed ? "NO" : "yes");
}

/*
 * Generation 2's --run-subtest pattern: "*foreign*" and every "!NAME" part
 * of the --run-subtest patterns in @args (NULL-terminated).
 */
static char *second_pattern(char **args)
{
	static char pattern[4096] = "*foreign*";

	for (char **a = args; *a && a[1]; a++) {
		char *copy, *part, *save = NULL;

		if (strcmp(*a, "--run-subtest"))
			continue;
		copy = strdup(a[1]);
		if (!copy) {
			perror("strdup");
			exit(EXIT_FAIL);
		}
		for (part = strtok_r(copy, ",", &save); part;
		     part = strtok_r(NULL, ",", &save)) {
			if (part[0] != '!')
				continue;
			if (strlen(pattern) + strlen(part) + 2 > sizeof(pattern)) {
				fprintf(stderr, "gntbuf_generations: "
					"--run-subtest patterns too long\n");
				exit(2);
			}
			strcat(pattern, ",");
			strcat(pattern, part);
		}
		free(copy);
	}
	return pattern;
}

int main(int argc, char **argv)
{
	struct generation first = { .number = 1 }, second = { .number = 2 };
	char *again[] = { argv[1], "--run-subtest", NULL, NULL };

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gntbuf_generations BIN [ARGS...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	again[2] = second_pattern(argv + 2);

	run(argv + 1, &first);
	if (first.status != 0)
		return first.status;
	if (!first.peers) {
		say("generation 1 booted no peer domU: no second "
		    "generation to run\n");
		return 0;
	}
	check_clean(&first);

	run(again, &second);
	check(second.status == 0, "generation 2 (the foreign subtests on "
	      "fresh peers) ended with status %d\n", second.status);
	check(second.peers > 0, "generation 2 booted no peer domU\n");
	for (int i = 0; i < second.peers; i++)
		for (int j = 0; j < first.peers; j++)
			check(second.domids[i] != first.domids[j], "domid %u "
			      "served in both generations: not a fresh "
			      "domU\n", second.domids[i]);
	check_clean(&second);
	say("generation 2 (foreign subtests again, fresh domUs) added "
	    "%.1f s; %s\n", second.seconds, failures ? "FAILED" : "passed");
	return failures ? EXIT_FAIL : 0;
}
