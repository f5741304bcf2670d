/* SPDX-License-Identifier: MIT */
/*
 * Declarations of the part of IGT's core API that gntbuf's tests use, for
 * the ABI of the libigt.so.0 that Debian's intel-gpu-tools 1.27.1 ships
 * without headers or a .pc file.
 *
 * Written for gntbuf from IGT's documented API (lib/igt_core.h and
 * lib/ioctl_wrappers.h of IGT 1.27.1).  Every function and variable declared
 * here is exported by that libigt.so.0; every macro expands to the calls IGT's
 * own macros make, so that a test compiles unchanged in IGT's own tree, where
 * "igt.h" is IGT's header.  When meson is given an IGT source tree
 * (-Digt_source=...), that tree's lib/ headers are used instead of this file.
 *
 * The control flow of igt_subtest and friends is IGT's: a subtest body runs
 * under sigsetjmp(igt_subtest_jmpbuf), and igt_skip/igt_fail/igt_assert
 * siglongjmp out of it from inside libigt.
 */
#ifndef GNTBUF_IGT_DECL_H
#define GNTBUF_IGT_DECL_H

#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

#define __noreturn __attribute__((noreturn))

#define igt_tokencat(x, y) __igt_tokencat2(x, y)
#define __igt_tokencat2(x, y) x ## y
#define igt_unique(prefix) \
	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

/* Test description: printed by --help-description. */
extern const char *__igt_test_description __attribute__((weak));
#define IGT_TEST_DESCRIPTION(str) const char *__igt_test_description = str

/* Subtest enumeration and control flow. */
extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);
bool __igt_fixture(void);
void __igt_fixture_complete(void);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);
const char *igt_subtest_name(void);
const char *igt_test_name(void);
bool igt_only_list_subtests(void);

void igt_success(void);
__noreturn void igt_fail(int exitcode);
__noreturn void igt_exit(void);
__noreturn __attribute__((format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__noreturn __attribute__((format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
__noreturn __attribute__((format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);
__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);

#define igt_main_args(short_opts, long_opts, help_str, opt_handler, data) \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) { \
		igt_subtest_init_parse_opts(&argc, argv, short_opts, \
					    long_opts, help_str, \
					    opt_handler, data); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)

#define igt_main igt_main_args(NULL, NULL, NULL, NULL, NULL)

#define igt_fixture \
	for (volatile int igt_unique(__tmpint) = 0; \
	     igt_unique(__tmpint) < 1 && __igt_fixture() && \
	     (sigsetjmp(igt_subtest_jmpbuf, 1) == 0); \
	     igt_unique(__tmpint)++, __igt_fixture_complete())

#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       (sigsetjmp(igt_subtest_jmpbuf, 1) == 0); \
	     igt_success())

#define __igt_subtest_f(tmp, format...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), format), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     (sigsetjmp(igt_subtest_jmpbuf, 1) == 0); \
	     igt_success())
#define igt_subtest_f(f...) __igt_subtest_f(igt_unique(__tmpchar), f)

#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       __igt_enter_dynamic_container() && \
	       (sigsetjmp(igt_subtest_jmpbuf, 1) == 0); \
	     igt_success())

#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest((name)) && \
	       (sigsetjmp(igt_dynamic_jmpbuf, 1) == 0); \
	     igt_success())
#define __igt_dynamic_f(tmp, format...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), format), \
	     __igt_run_dynamic_subtest(tmp) && \
	     (sigsetjmp(igt_dynamic_jmpbuf, 1) == 0); \
	     igt_success())
#define igt_dynamic_f(f...) __igt_dynamic_f(igt_unique(__tmpchar), f)

#define igt_subtest_group \
	for (int igt_unique(__tmpint) = 0, igt_unique(__save) = 0, \
	     igt_unique(__desc) = 0; \
	     igt_unique(__tmpint) < 1 && \
	     (__igt_subtest_group_save(&igt_unique(__save), \
				       &igt_unique(__desc)), true); \
	     igt_unique(__tmpint)++, \
	     __igt_subtest_group_restore(igt_unique(__save), \
					 igt_unique(__desc)))

#define igt_describe(dsc) igt_describe_f("%s", dsc)

/* Logging. */
enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...);
#define igt_debug(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, f)
#define igt_info(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, f)
#define igt_warn(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, f)
#define igt_critical(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, f)

/* Assertions: a failed one fails the (sub)test. */
#define igt_assert(expr) \
	do { if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
				  __func__, #expr, NULL); \
	} while (0)
#define igt_assert_f(expr, f...) \
	do { if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
				  __func__, #expr, f); \
	} while (0)
#define igt_fail_on(expr) igt_assert(!(expr))
#define igt_fail_on_f(expr, f...) igt_assert_f(!(expr), f)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	do { \
		int __n1 = (n1), __n2 = (n2); \
		if (__n1 cmp __n2) ; else \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #n1 " " #cmp " " #n2, \
				  "error: %d " #ncmp " %d\n", __n1, __n2); \
	} while (0)
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	do { \
		uint32_t __n1 = (n1), __n2 = (n2); \
		if (__n1 cmp __n2) ; else \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #n1 " " #cmp " " #n2, \
				  "error: %#x " #ncmp " %#x\n", __n1, __n2); \
	} while (0)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	do { \
		uint64_t __n1 = (n1), __n2 = (n2); \
		if (__n1 cmp __n2) ; else \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #n1 " " #cmp " " #n2, \
				  "error: %#llx " #ncmp " %#llx\n", \
				  (long long)__n1, (long long)__n2); \
	} while (0)

#define igt_assert_eq(n1, n2) igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2) igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lte(n1, n2) igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_lt(n1, n2) igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_eq_u32(n1, n2) igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_neq_u32(n1, n2) igt_assert_cmpuint(n1, !=, ==, n2)
#define igt_assert_eq_u64(n1, n2) igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2) igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lte_u64(n1, n2) igt_assert_cmpu64(n1, <=, >, n2)
#define igt_assert_lt_u64(n1, n2) igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_fd(fd) \
	igt_assert_f(fd >= 0, "file descriptor " #fd " failed\n")

/* Requirements: an unmet one skips the (sub)test. */
#define igt_skip_check(E, F...) \
	__igt_skip_check(__FILE__, __LINE__, __func__, E, F)
#define igt_require(expr) do { \
	if (!(expr)) igt_skip_check(#expr, NULL); \
	else igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)
#define igt_require_f(expr, f...) do { \
	if (!(expr)) igt_skip_check(#expr, f); \
	else igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)
#define igt_skip_on(expr) do { \
	if ((expr)) igt_skip_check("!(" #expr ")", NULL); \
	else igt_debug("Test requirement passed: !(%s)\n", #expr); \
} while (0)
#define igt_skip_on_f(expr, f...) do { \
	if ((expr)) igt_skip_check("!(" #expr ")", f); \
	else igt_debug("Test requirement passed: !(%s)\n", #expr); \
} while (0)
#define igt_require_fd(fd) \
	igt_require_f(fd >= 0, "file descriptor " #fd " failed\n")

/* Children and helpers. */
bool __igt_fork(void);
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))
void igt_waitchildren(void);
void igt_kill_children(int signal);

typedef void (*igt_exit_handler_t)(int sig);
void igt_install_exit_handler(igt_exit_handler_t fn);

/* Time. */
int igt_gettime(struct timespec *ts);
double igt_time_elapsed(struct timespec *then, struct timespec *now);
uint64_t igt_nsec_elapsed(struct timespec *start);
void igt_set_timeout(unsigned int seconds, const char *op);
void igt_reset_timeout(void);

/* ioctl wrappers (lib/ioctl_wrappers.h). */
extern int (*igt_ioctl)(int fd, unsigned long request, void *arg);
#define do_ioctl(fd, ioc, ioc_data) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
	errno = 0; \
} while (0)
#define do_ioctl_err(fd, ioc, ioc_data, err) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
	igt_assert_eq(errno, err); \
	errno = 0; \
} while (0)

/* Kernel modules (lib/igt_kmod.h). */
bool igt_kmod_is_loaded(const char *mod_name);
int igt_kmod_load(const char *mod_name, const char *opts);
int igt_kmod_unload(const char *mod_name, unsigned int flags);

#endif /* GNTBUF_IGT_DECL_H */
