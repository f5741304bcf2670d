// SPDX-License-Identifier: MIT
/*
 * igt_core.c: a minimal implementation of the part of IGT's core API that
 * gntbuf's tests use, exactly the interface igt-decl/igt.h declares (libigt
 * 1.27.1's), for targets where no libigt is packaged (Debian 12 arm64).
 *
 * Written for gntbuf (not IGT's code), following the behaviour of IGT 1.27's
 * lib/igt_core.c where the runner and gntbuf's meson tests look:
 *  - options --list-subtests, --run-subtest PATTERN (comma-separated
 *    fnmatch patterns, a leading '!' excludes; IGT's uwildmat), --describe
 *    [PATTERN], --help-description, --debug, --help (--describe prints
 *    each text on one line, where libigt wraps it near 90 columns);
 *  - stdout lines "IGT-Version: ...", "Starting subtest: X",
 *    "Subtest X: SUCCESS|FAIL|SKIP (T.TTTs)", IGT's messages for an unmet
 *    requirement and a failed assertion (stderr), the debug log kept in a
 *    ring and dumped when a subtest fails;
 *  - a skip or failure inside a fixture makes every later subtest SKIP or
 *    FAIL without running it;
 *  - exit statuses: 0 when a subtest passed and none failed, 77 when all
 *    were skipped, 98 (or igt_fail's code) when one failed, 79 when
 *    --run-subtest matched no subtest, 0 for --list-subtests/--describe.
 * tools/tests/check-igt-core.sh compares it with the packaged libigt.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "igt.h"

#include <fnmatch.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>

jmp_buf igt_subtest_jmpbuf;
jmp_buf igt_dynamic_jmpbuf;

static int igt_ioctl_restart(int fd, unsigned long request, void *arg);
int (*igt_ioctl)(int fd, unsigned long request, void *arg) = igt_ioctl_restart;

enum skip_after { CONTINUE = 0, SKIP, FAIL };

static const char *command_str;
static bool list_subtests;
static bool describe_subtests;
static const char *describe_pattern;
static const char *run_single_subtest;
static bool run_single_subtest_found;
static const char *in_subtest;
static char subtest_name_buf[256];
static struct timespec subtest_time;
static bool in_fixture;
static bool test_child;
static enum skip_after skip_subtests_henceforth;
static bool succeeded_one, skipped_one, failed_one;
static int igt_exitcode = IGT_EXIT_SUCCESS;
static enum igt_log_level log_level = IGT_LOG_INFO;
static char *current_description;
static bool in_exit_handler;

/* Children of igt_fork. */
static pid_t *test_children;
static int num_test_children, test_children_size;

/* Exit handlers: run in reverse order at exit and on fatal signals. */
#define MAX_EXIT_HANDLERS 10
static igt_exit_handler_t exit_handlers[MAX_EXIT_HANDLERS];
static int num_exit_handlers;

/* The debug log: the last lines of every level, dumped on a failure. */
#define LOG_RING 256
static char *log_ring[LOG_RING];
static unsigned int log_ring_next;

static const char *const level_str[] = {
	[IGT_LOG_DEBUG] = "DEBUG", [IGT_LOG_INFO] = "INFO",
	[IGT_LOG_WARN] = "WARNING", [IGT_LOG_CRITICAL] = "CRITICAL",
	[IGT_LOG_NONE] = "NONE",
};

static int igt_ioctl_restart(int fd, unsigned long request, void *arg)
{
	int ret;

	/* As libdrm's drmIoctl, IGT's default: restart on a signal. */
	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

bool igt_only_list_subtests(void)
{
	return list_subtests;
}

const char *igt_test_name(void)
{
	return command_str;
}

const char *igt_subtest_name(void)
{
	return in_subtest;
}

void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...)
{
	static bool line_continuation;
	bool continued = line_continuation;
	va_list ap;
	char *line;
	FILE *out;
	size_t len;

	if (list_subtests && level <= IGT_LOG_WARN)
		return;
	va_start(ap, format);
	if (vasprintf(&line, format, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	len = strlen(line);
	line_continuation = len && line[len - 1] != '\n';

	free(log_ring[log_ring_next]);
	if (asprintf(&log_ring[log_ring_next], "(%s:%d) %s%s%s: %s",
		     command_str, getpid(), domain ? domain : "",
		     domain ? "-" : "", level_str[level], line) < 0)
		log_ring[log_ring_next] = NULL;
	log_ring_next = (log_ring_next + 1) % LOG_RING;

	if (level < log_level) {
		free(line);
		return;
	}
	if (level >= IGT_LOG_WARN) {
		fflush(stdout);
		out = stderr;
	} else {
		out = stdout;
	}
	/* Everything but information is prefixed, as IGT does. */
	if (level != IGT_LOG_INFO && !continued)
		fprintf(out, "(%s:%d) %s%s%s: ", command_str, getpid(),
			domain ? domain : "", domain ? "-" : "",
			level_str[level]);
	fputs(line, out);
	fflush(out);
	free(line);
}

static void log_ring_dump(void)
{
	unsigned int i, n;

	fprintf(stderr, "**** DEBUG ****\n");
	for (n = 0; n < LOG_RING; n++) {
		i = (log_ring_next + n) % LOG_RING;
		if (!log_ring[i])
			continue;
		fputs(log_ring[i], stderr);
		free(log_ring[i]);
		log_ring[i] = NULL;
	}
	fprintf(stderr, "****  END  ****\n");
	fflush(stderr);
}

static void log_ring_clear(void)
{
	for (int i = 0; i < LOG_RING; i++) {
		free(log_ring[i]);
		log_ring[i] = NULL;
	}
}

int igt_gettime(struct timespec *ts)
{
	memset(ts, 0, sizeof(*ts));
	errno = 0;
	if (clock_gettime(CLOCK_MONOTONIC_RAW, ts) == 0)
		return 0;
	return clock_gettime(CLOCK_MONOTONIC, ts) ? -errno : 0;
}

double igt_time_elapsed(struct timespec *then, struct timespec *now)
{
	if ((then->tv_sec || then->tv_nsec) && (now->tv_sec || now->tv_nsec))
		return (now->tv_sec - then->tv_sec) +
		       1e-9 * (now->tv_nsec - then->tv_nsec);
	return -1.0;
}

uint64_t igt_nsec_elapsed(struct timespec *start)
{
	struct timespec now;

	igt_gettime(&now);
	if (start->tv_sec == 0 && start->tv_nsec == 0) {
		*start = now;
		return 0;
	}
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000000ull +
	       (now.tv_nsec - start->tv_nsec);
}

/* IGT's uwildmat for comma lists: the last pattern that matches decides. */
static bool subtest_matches(const char *name, const char *patterns)
{
	char *copy = strdup(patterns), *save = NULL, *p;
	bool match = false;

	if (!copy)
		return false;
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		bool neg = p[0] == '!';

		if (fnmatch(neg ? p + 1 : p, name, 0) == 0)
			match = !neg;
	}
	free(copy);
	return match;
}

static void print_usage(const char *help_str, bool output_on_stderr)
{
	FILE *f = output_on_stderr ? stderr : stdout;

	fprintf(f, "Usage: %s [OPTIONS]\n", command_str);
	fprintf(f, "  --list-subtests\n"
		"  --run-subtest <pattern>\n"
		"  --describe[=<pattern>]\n"
		"  --help-description\n"
		"  --debug\n"
		"  --help|-h\n");
	if (help_str)
		fprintf(f, "%s\n", help_str);
}

static void print_version(void)
{
	struct utsname uts;

	if (list_subtests || describe_subtests)
		return;
	uname(&uts);
	/* IGT's line; the version says which core this is. */
	fprintf(stdout, "IGT-Version: 1.27.1-gntbuf-core (%s) (%s: %s %s)\n",
		uts.machine, uts.sysname, uts.release, uts.machine);
	fflush(stdout);
}

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data)
{
	enum { OPT_LIST = 500, OPT_RUN, OPT_DESCRIBE, OPT_HELP_DESC, OPT_DEBUG,
	       OPT_HELP = 'h' };
	static const struct option core[] = {
		{ "list-subtests", no_argument, NULL, OPT_LIST },
		{ "run-subtest", required_argument, NULL, OPT_RUN },
		{ "describe", optional_argument, NULL, OPT_DESCRIBE },
		{ "help-description", no_argument, NULL, OPT_HELP_DESC },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	size_t n_core = sizeof(core) / sizeof(core[0]), n_extra = 0;
	struct option *opts;
	char *short_opts;
	int c, idx, ret = 0;

	command_str = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
		      argv[0];
	while (extra_long_opts && extra_long_opts[n_extra].name)
		n_extra++;
	opts = calloc(n_core + n_extra + 1, sizeof(*opts));
	if (asprintf(&short_opts, "h%s", extra_short_opts ?
		     extra_short_opts : "") < 0 || !opts) {
		fprintf(stderr, "%s: out of memory\n", command_str);
		exit(IGT_EXIT_INVALID);
	}
	memcpy(opts, core, sizeof(core));
	if (n_extra)
		memcpy(opts + n_core, extra_long_opts,
		       n_extra * sizeof(*opts));

	while ((c = getopt_long(*argc, argv, short_opts, opts, &idx)) != -1) {
		switch (c) {
		case OPT_LIST:
			list_subtests = true;
			break;
		case OPT_RUN:
			run_single_subtest = strdup(optarg);
			break;
		case OPT_DESCRIBE:
			describe_subtests = true;
			describe_pattern = optarg ? strdup(optarg) : NULL;
			break;
		case OPT_HELP_DESC:
			printf("%s\n", __igt_test_description ?
			       __igt_test_description : "");
			exit(IGT_EXIT_SUCCESS);
		case OPT_DEBUG:
			log_level = IGT_LOG_DEBUG;
			break;
		case OPT_HELP:
			print_usage(help_str, false);
			exit(IGT_EXIT_SUCCESS);
		case '?':
			print_usage(help_str, true);
			exit(IGT_EXIT_INVALID);
		default:
			if (!extra_opt_handler ||
			    extra_opt_handler(c, idx, handler_data) != 0) {
				print_usage(help_str, true);
				exit(IGT_EXIT_INVALID);
			}
		}
	}
	ret = optind;
	free(opts);
	free(short_opts);
	if (describe_subtests && list_subtests) {
		fprintf(stderr, "--describe and --list-subtests are exclusive\n");
		exit(IGT_EXIT_INVALID);
	}
	/* Described and listed subtests run nothing, as with --list. */
	if (describe_subtests) {
		list_subtests = true;
		if (__igt_test_description)
			printf("%s\n\n", __igt_test_description);
	}
	print_version();
	return ret;
}

void igt_describe_f(const char *fmt, ...)
{
	va_list ap;

	free(current_description);
	va_start(ap, fmt);
	if (vasprintf(&current_description, fmt, ap) < 0)
		current_description = NULL;
	va_end(ap);
}

static void clear_description(void)
{
	free(current_description);
	current_description = NULL;
}

static void print_description(const char *name, const char *file, int line)
{
	const char *p, *eol;

	printf("SUB %s %s:%d:\n", name, file, line);
	if (!current_description) {
		printf("  NO DOCUMENTATION!\n\n");
		return;
	}
	for (p = current_description; *p; p = eol + 1) {
		eol = strchrnul(p, '\n');
		printf("  %.*s\n", (int)(eol - p), p);
		if (!*eol)
			break;
	}
	printf("\n");
}

bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line)
{
	if (in_subtest) {
		fprintf(stderr, "%s: subtest %s inside subtest %s\n",
			command_str, subtest_name, in_subtest);
		exit(IGT_EXIT_ABORT);
	}
	if (describe_subtests) {
		if (!describe_pattern ||
		    subtest_matches(subtest_name, describe_pattern))
			print_description(subtest_name, file, line);
		clear_description();
		return false;
	}
	if (list_subtests) {
		printf("%s\n", subtest_name);
		clear_description();
		return false;
	}
	if (run_single_subtest) {
		if (!subtest_matches(subtest_name, run_single_subtest)) {
			clear_description();
			return false;
		}
		run_single_subtest_found = true;
	}
	if (skip_subtests_henceforth) {
		printf("Subtest %s: %s\n", subtest_name,
		       skip_subtests_henceforth == SKIP ? "SKIP" : "FAIL");
		fflush(stdout);
		if (skip_subtests_henceforth == SKIP)
			skipped_one = true;
		clear_description();
		return false;
	}
	printf("Starting subtest: %s\n", subtest_name);
	fflush(stdout);
	snprintf(subtest_name_buf, sizeof(subtest_name_buf), "%s",
		 subtest_name);
	in_subtest = subtest_name_buf;
	log_ring_clear();
	igt_gettime(&subtest_time);
	clear_description();
	return true;
}

bool __igt_enter_dynamic_container(void)
{
	/* No dynamic subtests in gntbuf's tests: a plain subtest. */
	return true;
}

bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name)
{
	igt_info("Dynamic subtest %s: not supported by gntbuf's IGT core\n",
		 dynamic_subtest_name);
	return false;
}

bool __igt_fixture(void)
{
	if (list_subtests || skip_subtests_henceforth)
		return false;
	in_fixture = true;
	return true;
}

void __igt_fixture_complete(void)
{
	in_fixture = false;
}

static __noreturn void fixture_end(void)
{
	in_fixture = false;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

void __igt_subtest_group_save(int *save, int *desc)
{
	*save = skip_subtests_henceforth;
	*desc = 0;
}

void __igt_subtest_group_restore(int save, int desc)
{
	(void)desc;
	skip_subtests_henceforth = save;
}

static void kill_children(int sig)
{
	for (int i = 0; i < num_test_children; i++)
		if (test_children[i] > 0)
			kill(test_children[i], sig);
}

static __noreturn void exit_subtest(const char *result)
{
	struct timespec now;

	igt_gettime(&now);
	printf("Subtest %s: %s (%.3fs)\n", in_subtest, result,
	       igt_time_elapsed(&subtest_time, &now));
	fflush(stdout);
	kill_children(SIGKILL);
	num_test_children = 0;
	in_subtest = NULL;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

void igt_success(void)
{
	succeeded_one = true;
	if (in_subtest)
		exit_subtest("SUCCESS");
}

void igt_skip(const char *f, ...)
{
	va_list ap;

	skipped_one = true;
	if (f) {
		va_start(ap, f);
		vprintf(f, ap);
		va_end(ap);
	}
	fflush(stdout);
	if (test_child)
		exit(IGT_EXIT_SKIP);
	if (in_subtest) {
		exit_subtest("SKIP");
	} else if (in_fixture) {
		skip_subtests_henceforth = SKIP;
		fixture_end();
	}
	igt_exitcode = IGT_EXIT_SKIP;
	igt_exit();
}

void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *f, ...)
{
	va_list ap;
	char *msg = NULL, err_line[128] = "";
	int err = errno;

	if (err)
		snprintf(err_line, sizeof(err_line), "Last errno: %i, %s\n",
			 err, strerror(err));
	if (f) {
		va_start(ap, f);
		if (vasprintf(&msg, f, ap) < 0)
			msg = NULL;
		va_end(ap);
	}
	igt_skip("Test requirement not met in function %s, file %s:%i:\n"
		 "Test requirement: %s\n%s%s",
		 func, file, line, check, msg ? msg : "", err_line);
}

void igt_fail(int exitcode)
{
	if (in_exit_handler)
		_exit(IGT_EXIT_FAILURE);
	if (!failed_one)
		igt_exitcode = exitcode;
	failed_one = true;
	/* A child's failure: its parent reports it in igt_waitchildren. */
	if (test_child)
		exit(exitcode);
	if (in_subtest) {
		fprintf(stderr, "Subtest %s failed.\n", in_subtest);
		log_ring_dump();
	}
	if (in_subtest)
		exit_subtest("FAIL");
	if (in_fixture) {
		skip_subtests_henceforth = FAIL;
		fixture_end();
	}
	igt_exit();
}

void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *f, ...)
{
	va_list ap;
	int err = errno;

	igt_log(domain, IGT_LOG_CRITICAL,
		"Test assertion failure function %s, file %s:%i:\n",
		func, file, line);
	igt_log(domain, IGT_LOG_CRITICAL, "Failed assertion: %s\n",
		assertion);
	if (err)
		igt_log(domain, IGT_LOG_CRITICAL, "Last errno: %i, %s\n",
			err, strerror(err));
	if (f) {
		char *msg = NULL;

		va_start(ap, f);
		if (vasprintf(&msg, f, ap) < 0)
			msg = NULL;
		va_end(ap);
		if (msg)
			igt_log(domain, IGT_LOG_CRITICAL, "%s", msg);
		free(msg);
	}
	igt_fail(IGT_EXIT_FAILURE);
}

void igt_exit(void)
{
	if (list_subtests)
		exit(IGT_EXIT_SUCCESS);
	if (run_single_subtest && !run_single_subtest_found) {
		igt_log("igt_core", IGT_LOG_CRITICAL,
			"Unknown subtest: %s\n", run_single_subtest);
		exit(IGT_EXIT_INVALID);
	}
	if (!failed_one)
		igt_exitcode = succeeded_one ? IGT_EXIT_SUCCESS :
			       skipped_one ? IGT_EXIT_SKIP : igt_exitcode;
	kill_children(SIGKILL);
	exit(igt_exitcode);
}

bool __igt_fork(void)
{
	pid_t pid;

	if (num_test_children >= test_children_size) {
		int size = test_children_size ? 2 * test_children_size : 4;
		pid_t *c = realloc(test_children, size * sizeof(*c));

		igt_assert(c);
		test_children = c;
		test_children_size = size;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		test_child = true;
		num_test_children = 0;
		num_exit_handlers = 0;
		return true;
	}
	test_children[num_test_children++] = pid;
	return false;
}

void igt_waitchildren(void)
{
	int err = 0, status, c;

	for (int i = 0; i < num_test_children; i++) {
		if (waitpid(test_children[i], &status, 0) < 0)
			continue;
		if (WIFEXITED(status))
			c = WEXITSTATUS(status);
		else
			c = 128 + WTERMSIG(status);
		if (c && !err) {
			igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN,
				"child %i failed with exit status %i\n",
				i, c);
			err = c == IGT_EXIT_SKIP ? IGT_EXIT_FAILURE : c;
		}
	}
	num_test_children = 0;
	if (err)
		igt_fail(err);
}

void igt_kill_children(int signal)
{
	kill_children(signal);
}

static void run_exit_handlers(int sig)
{
	in_exit_handler = true;
	while (num_exit_handlers > 0)
		exit_handlers[--num_exit_handlers](sig);
}

static void exit_handlers_atexit(void)
{
	if (!test_child)
		run_exit_handlers(0);
}

static void fatal_sig_handler(int sig)
{
	if (!test_child)
		run_exit_handlers(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

void igt_install_exit_handler(igt_exit_handler_t fn)
{
	static const int sigs[] = { SIGINT, SIGHUP, SIGPIPE, SIGTERM, SIGQUIT,
				    SIGABRT, SIGSEGV, SIGBUS, SIGFPE };

	for (int i = 0; i < num_exit_handlers; i++)
		if (exit_handlers[i] == fn)
			return;
	igt_assert(num_exit_handlers < MAX_EXIT_HANDLERS);
	exit_handlers[num_exit_handlers++] = fn;
	if (num_exit_handlers > 1)
		return;
	atexit(exit_handlers_atexit);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], fatal_sig_handler);
}

static const char *timeout_op;

static void alarm_handler(int sig)
{
	(void)sig;
	igt_info("Timed out: %s\n", timeout_op ? timeout_op : "");
	igt_fail(IGT_EXIT_FAILURE);
}

void igt_set_timeout(unsigned int seconds, const char *op)
{
	struct sigaction sa = { .sa_handler = alarm_handler };

	timeout_op = op;
	sigaction(SIGALRM, seconds ? &sa : NULL, NULL);
	alarm(seconds);
}

void igt_reset_timeout(void)
{
	igt_set_timeout(0, NULL);
}

/* Kernel modules: what /proc/modules says, modprobe and rmmod. */
bool igt_kmod_is_loaded(const char *mod_name)
{
	char name[256], want[256], line[512];
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), "%s", mod_name);
	for (char *p = want; *p; p++)
		if (*p == '-')
			*p = '_';
	f = fopen("/proc/modules", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%255s", name) == 1 && !strcmp(name, want);
	fclose(f);
	return found;
}

static int run_cmd(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
}

int igt_kmod_load(const char *mod_name, const char *opts)
{
	char *argv[] = { "modprobe", (char *)mod_name, (char *)opts, NULL };

	if (igt_kmod_is_loaded(mod_name))
		return 0;
	return run_cmd(argv);
}

int igt_kmod_unload(const char *mod_name, unsigned int flags)
{
	char *argv[] = { "rmmod", (char *)mod_name, NULL };

	(void)flags;
	if (!igt_kmod_is_loaded(mod_name))
		return 0;
	return run_cmd(argv);
}
