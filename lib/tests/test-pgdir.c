// SPDX-License-Identifier: MIT
/*
 * displif page directories, on pages in memory: sizes, encode, decode and
 * fill for 1, 1023, 1024, 2025 (a 1080p XRGB8888 buffer) and 8100 refs
 * (4K), and every malformed chain: loops, short chains, long chains,
 * counts that do not match buffer_sz, a page the reader cannot read.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* Xen's public headers need stdint.h first. */
#include <xen/io/displif.h>

#include "gntbuf.h"
#include "test.h"

/* The library's constants against Xen's own structure. */
_Static_assert(offsetof(struct xendispl_page_directory, gref) == 4,
	       "gref[] after gref_dir_next_page");
_Static_assert((GNTBUF_XEN_PAGE_SIZE -
		offsetof(struct xendispl_page_directory, gref)) /
	       sizeof(grant_ref_t) == GNTBUF_PGDIR_REFS_PER_PAGE,
	       "1023 grefs per directory page");

/* A toy grant table: directory pages by gref, counting reads and writes. */
struct store {
	uint32_t grefs[64];
	unsigned char *pages[64];
	unsigned int n;
	unsigned int reads, writes;
	int fail_gref;		/* read of this gref fails with -EIO */
};

static unsigned char *store_find(struct store *s, uint32_t gref)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (s->grefs[i] == gref)
			return s->pages[i];
	return NULL;
}

static int store_read(void *user_data, uint32_t gref, void *page)
{
	struct store *s = user_data;
	unsigned char *p = store_find(s, gref);

	s->reads++;
	if ((int)gref == s->fail_gref)
		return -EIO;
	/* A gref nobody granted: what a map of it would give. */
	if (!p)
		return -ENOENT;
	memcpy(page, p, GNTBUF_XEN_PAGE_SIZE);
	return 0;
}

static int store_write(void *user_data, uint32_t gref, const void *page)
{
	struct store *s = user_data;
	unsigned char *p = store_find(s, gref);

	s->writes++;
	if (!p)
		return -ENOENT;
	memcpy(p, page, GNTBUF_XEN_PAGE_SIZE);
	return 0;
}

static void store_add(struct store *s, uint32_t gref, unsigned char *page)
{
	CHECK(s->n < 64);
	s->grefs[s->n] = gref;
	s->pages[s->n] = page;
	s->n++;
}

static uint32_t page_word(const unsigned char *page, unsigned int i)
{
	uint32_t w;

	memcpy(&w, page + 4 * i, 4);
	return w;
}

static void set_page_word(unsigned char *page, unsigned int i, uint32_t w)
{
	memcpy(page + 4 * i, &w, 4);
}

/* Buffer grefs: distinct, and not a small sequence a bug could mimic. */
static uint32_t *make_refs(uint32_t n)
{
	uint32_t *refs = malloc(n * sizeof(*refs));

	CHECK(refs);
	for (uint32_t i = 0; i < n; i++)
		refs[i] = 8 + i * 2654435761u % 1000003u;
	return refs;
}

static void test_sizes(void)
{
	static const struct {
		uint64_t size;
		uint32_t refs, pages;
	} cases[] = {
		{ 1, 1, 1 },
		{ 4096, 1, 1 },
		{ 4097, 2, 1 },
		{ 1023ull * 4096, 1023, 1 },
		{ 1023ull * 4096 + 1, 1024, 2 },
		{ 1024ull * 4096, 1024, 2 },
		/* 1920x1080 XRGB8888: 8294400 bytes. */
		{ 8294400, 2025, 2 },
		{ 2046ull * 4096, 2046, 2 },
		{ 2047ull * 4096, 2047, 3 },
		/* 3840x2160 XRGB8888: 33177600 bytes. */
		{ 33177600, 8100, 8 },
		{ 0xffffffffull, 1048576, 1026 },
		{ 0xffffffffull * 4096, 0xffffffffu, 4198405 },
	};
	uint32_t refs = 77, pages = 77;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(gntbuf_pgdir_get_size(cases[i].size, &refs, &pages), 0);
		CHECK_EQ(refs, cases[i].refs);
		CHECK_EQ(pages, cases[i].pages);
	}
	CHECK_EQ(gntbuf_pgdir_get_size(1, NULL, NULL), 0);

	/* Bad input: size 0; more refs than a uint32_t counts. */
	refs = pages = 77;
	CHECK_EQ(gntbuf_pgdir_get_size(0, &refs, &pages), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_get_size(0x100000000ull * 4096, &refs, &pages),
		 -EOVERFLOW);
	CHECK_EQ(refs, 77);
	CHECK_EQ(pages, 77);
}

/* Encodes @n refs, checks the bytes, decodes them back, fills a chain. */
static void test_round_trip(uint32_t n, uint64_t buffer_size)
{
	uint32_t dir_pages, ref_count, *refs, *dir_refs, *decoded;
	struct store s = { .fail_gref = -1 };
	unsigned char *pages, *blank;

	CHECK_EQ(gntbuf_pgdir_get_size(buffer_size, &ref_count, &dir_pages), 0);
	CHECK_EQ(ref_count, n);
	refs = make_refs(n);
	dir_refs = malloc(dir_pages * sizeof(*dir_refs));
	decoded = malloc(n * sizeof(*decoded));
	pages = malloc((size_t)dir_pages * GNTBUF_XEN_PAGE_SIZE);
	CHECK(dir_refs && decoded && pages);
	/* Directory grefs out of order, as a frontend's allocator gives. */
	for (uint32_t i = 0; i < dir_pages; i++)
		dir_refs[i] = 5000000 + (i * 7919) % 10007;
	memset(pages, 0xa5, (size_t)dir_pages * GNTBUF_XEN_PAGE_SIZE);

	CHECK_EQ(gntbuf_pgdir_encode(refs, n, dir_refs, dir_pages, pages), 0);

	/* The bytes, as struct xendispl_page_directory lays them out. */
	for (uint32_t i = 0; i < dir_pages; i++) {
		unsigned char *page = pages + (size_t)i * GNTBUF_XEN_PAGE_SIZE;
		struct xendispl_page_directory *dir = (void *)page;
		uint32_t first = i * 1023;

		CHECK_EQ(dir->gref_dir_next_page,
			 i + 1 < dir_pages ? dir_refs[i + 1] : 0);
		for (uint32_t j = 0; j < 1023; j++) {
			uint32_t want = first + j < n ? refs[first + j] : 0;

			CHECK_EQ(page_word(page, 1 + j), want);
		}
		store_add(&s, dir_refs[i], page);
	}

	memset(decoded, 0, n * sizeof(*decoded));
	CHECK_EQ(gntbuf_pgdir_decode(dir_refs[0], buffer_size, store_read, &s,
				     decoded, n), 0);
	CHECK(memcmp(decoded, refs, n * sizeof(*refs)) == 0);
	CHECK_EQ(s.reads, dir_pages);

	/*
	 * be-alloc: the frontend linked the pages (next refs set, grefs
	 * zero, here left as garbage); the backend fills the grefs in.
	 */
	blank = malloc((size_t)dir_pages * GNTBUF_XEN_PAGE_SIZE);
	CHECK(blank);
	memset(blank, 0x5a, (size_t)dir_pages * GNTBUF_XEN_PAGE_SIZE);
	s.n = 0;
	for (uint32_t i = 0; i < dir_pages; i++) {
		unsigned char *page = blank + (size_t)i * GNTBUF_XEN_PAGE_SIZE;

		set_page_word(page, 0, i + 1 < dir_pages ? dir_refs[i + 1] : 0);
		store_add(&s, dir_refs[i], page);
	}
	s.writes = 0;
	CHECK_EQ(gntbuf_pgdir_fill(dir_refs[0], buffer_size, store_read,
				   store_write, &s, refs, n), 0);
	CHECK_EQ(s.writes, dir_pages);
	/* Same bytes as the frontend's own encoding, tail zeroed. */
	CHECK(memcmp(blank, pages, (size_t)dir_pages * GNTBUF_XEN_PAGE_SIZE) == 0);

	free(blank);
	free(pages);
	free(decoded);
	free(dir_refs);
	free(refs);
}

/* Three linked pages for 2025..3069 refs, to break in every way. */
struct chain {
	unsigned char pages[4][GNTBUF_XEN_PAGE_SIZE];
	uint32_t dir_refs[4];
	struct store s;
};

static void chain_init(struct chain *c, uint32_t n)
{
	uint32_t *refs = make_refs(n);

	memset(c, 0, sizeof(*c));
	c->s.fail_gref = -1;
	c->dir_refs[0] = 100;
	c->dir_refs[1] = 205;
	c->dir_refs[2] = 150;
	c->dir_refs[3] = 333;	/* a spare page, not in the chain */
	CHECK_EQ(gntbuf_pgdir_encode(refs, n, c->dir_refs, 3, c->pages), 0);
	for (int i = 0; i < 4; i++)
		store_add(&c->s, c->dir_refs[i], c->pages[i]);
	free(refs);
}

static void set_next(struct chain *c, int page, uint32_t next)
{
	set_page_word(c->pages[page], 0, next);
}

static void check_decode_fails(struct chain *c, uint64_t size,
			       uint32_t ref_count, int err, const char *what)
{
	uint32_t refs[3 * 1023];

	/* Out-parameters are written only on success. */
	memset(refs, 0xee, sizeof(refs));
	TEST_CASE(what);
	CHECK_EQ(gntbuf_pgdir_decode(c->dir_refs[0], size, store_read, &c->s,
				     refs, ref_count), err);
	if (err == 0) {
		uint32_t *want = make_refs(ref_count);

		CHECK(memcmp(refs, want, ref_count * sizeof(*want)) == 0);
		free(want);
		return;
	}
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		CHECK_EQ(refs[i], 0xeeeeeeeeu);
}

static void check_fill_fails(struct chain *c, uint64_t size,
			     uint32_t ref_count, int err, const char *what)
{
	unsigned char before[4][GNTBUF_XEN_PAGE_SIZE];
	uint32_t *refs = make_refs(3 * 1023);

	TEST_CASE(what);
	memcpy(before, c->pages, sizeof(before));
	c->s.writes = 0;
	CHECK_EQ(gntbuf_pgdir_fill(c->dir_refs[0], size, store_read,
				   store_write, &c->s, refs, ref_count), err);
	/* A bad chain is found before any page is written. */
	CHECK_EQ(c->s.writes, 0);
	CHECK(memcmp(before, c->pages, sizeof(before)) == 0);
	free(refs);
}

static void test_bad_chains(void)
{
	const uint64_t size = 2500ull * 4096;	/* 2500 refs, 3 pages */
	struct chain c;

	chain_init(&c, 2500);
	check_decode_fails(&c, size, 2500, 0, "the good chain decodes");

	/* Loops. */
	chain_init(&c, 2500);
	set_next(&c, 1, c.dir_refs[0]);
	check_decode_fails(&c, size, 2500, -ELOOP, "page 1 back to page 0");
	check_fill_fails(&c, size, 2500, -ELOOP, "fill: page 1 back to page 0");
	chain_init(&c, 2500);
	set_next(&c, 0, c.dir_refs[0]);
	check_decode_fails(&c, size, 2500, -ELOOP, "page 0 to itself");
	chain_init(&c, 2500);
	set_next(&c, 2, c.dir_refs[1]);
	check_decode_fails(&c, size, 2500, -ELOOP, "last page back to page 1");

	/* Short chains (truncation): the chain ends before buffer_sz. */
	chain_init(&c, 2500);
	set_next(&c, 1, 0);
	check_decode_fails(&c, size, 2500, -ENODATA, "chain of 2 pages for 3");
	check_fill_fails(&c, size, 2500, -ENODATA, "fill: chain of 2 for 3");
	chain_init(&c, 2500);
	set_next(&c, 0, 0);
	check_decode_fails(&c, size, 2500, -ENODATA, "chain of 1 page for 3");
	/* A buffer_sz bigger than the directory the frontend wrote. */
	chain_init(&c, 2500);
	check_decode_fails(&c, 3070ull * 4096, 3070, -ENODATA,
			   "buffer_sz of 4 pages, chain of 3");

	/* Long chains: the last page needed still points on. */
	chain_init(&c, 2500);
	set_next(&c, 2, c.dir_refs[3]);
	check_decode_fails(&c, size, 2500, -EMSGSIZE, "3 pages needed, 4 linked");
	check_fill_fails(&c, size, 2500, -EMSGSIZE, "fill: 3 needed, 4 linked");
	chain_init(&c, 2500);
	check_decode_fails(&c, 2000ull * 4096, 2000, -EMSGSIZE,
			   "buffer_sz of 2 pages, chain of 3");

	/* Counts that do not match buffer_sz. */
	chain_init(&c, 2500);
	check_decode_fails(&c, size, 2499, -EINVAL, "ref_count one short");
	check_decode_fails(&c, size, 2501, -EINVAL, "ref_count one over");
	check_decode_fails(&c, size, 0, -EINVAL, "ref_count 0");
	check_decode_fails(&c, 0, 0, -EINVAL, "buffer_sz 0");
	check_fill_fails(&c, size, 2499, -EINVAL, "fill: ref_count one short");

	/* A next page nobody granted; a reader that fails. */
	chain_init(&c, 2500);
	set_next(&c, 1, 999);
	check_decode_fails(&c, size, 2500, -ENOENT, "next page not granted");
	chain_init(&c, 2500);
	c.s.fail_gref = (int)c.dir_refs[2];
	check_decode_fails(&c, size, 2500, -EIO, "read of page 2 fails");
	check_fill_fails(&c, size, 2500, -EIO, "fill: read of page 2 fails");
}

static void test_bad_arguments(void)
{
	uint32_t refs[4] = { 10, 11, 12, 13 }, dir[2] = { 50, 51 };
	unsigned char pages[2][GNTBUF_XEN_PAGE_SIZE];
	struct store s = { .fail_gref = -1 };

	TEST_CASE("encode: NULL, 0 refs, wrong page count, bad dir refs");
	CHECK_EQ(gntbuf_pgdir_encode(NULL, 4, dir, 1, pages), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, NULL, 1, pages), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, dir, 1, NULL), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_encode(refs, 0, dir, 0, pages), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, dir, 2, pages), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, dir, 0, pages), -EINVAL);
	dir[0] = 0;
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, dir, 1, pages), -EINVAL);

	TEST_CASE("encode: a repeated directory gref is a loop");
	{
		uint32_t *many = make_refs(1500);
		uint32_t twice[2] = { 77, 77 };

		CHECK_EQ(gntbuf_pgdir_encode(many, 1500, twice, 2, pages),
			 -EINVAL);
		free(many);
	}

	TEST_CASE("decode and fill: NULL, gref_directory 0");
	store_add(&s, 50, pages[0]);
	dir[0] = 50;
	CHECK_EQ(gntbuf_pgdir_encode(refs, 4, dir, 1, pages), 0);
	CHECK_EQ(gntbuf_pgdir_decode(50, 4 * 4096, NULL, &s, refs, 4), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_decode(50, 4 * 4096, store_read, &s, NULL, 4),
		 -EINVAL);
	CHECK_EQ(gntbuf_pgdir_decode(0, 4 * 4096, store_read, &s, refs, 4),
		 -EINVAL);
	CHECK_EQ(gntbuf_pgdir_fill(50, 4 * 4096, store_read, NULL, &s, refs, 4),
		 -EINVAL);
	CHECK_EQ(gntbuf_pgdir_fill(50, 4 * 4096, store_read, store_write, &s,
				   NULL, 4), -EINVAL);
	CHECK_EQ(gntbuf_pgdir_fill(0, 4 * 4096, store_read, store_write, &s,
				   refs, 4), -EINVAL);
	/* A buffer_sz that is not whole pages still counts up. */
	CHECK_EQ(gntbuf_pgdir_decode(50, 3 * 4096 + 1, store_read, &s, refs, 4),
		 0);
}

/* Each fault of a chain has a text of its own; other errnos strerror()'s. */
static void test_strerror(void)
{
	static const int faults[] = { -ENODATA, -EMSGSIZE, -ELOOP,
				      -EOVERFLOW, -EINVAL };

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		CHECK(gntbuf_pgdir_strerror(faults[i]) != NULL);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(gntbuf_pgdir_strerror(faults[i]),
				     gntbuf_pgdir_strerror(faults[j])) != 0);
	}
	CHECK(strstr(gntbuf_pgdir_strerror(-ENODATA), "ends") != NULL);
	CHECK(strstr(gntbuf_pgdir_strerror(-EMSGSIZE), "past") != NULL);
	CHECK_EQ(strcmp(gntbuf_pgdir_strerror(-EINVAL), strerror(EINVAL)), 0);
	CHECK_EQ(strcmp(gntbuf_pgdir_strerror(-EIO), strerror(EIO)), 0);
}

int main(void)
{
	test_sizes();

	TEST_CASE("round trip, 1 ref");
	test_round_trip(1, 4096);
	TEST_CASE("round trip, 1 ref, buffer_sz of 100 bytes");
	test_round_trip(1, 100);
	TEST_CASE("round trip, 1023 refs: one full page");
	test_round_trip(1023, 1023ull * 4096);
	TEST_CASE("round trip, 1024 refs: a second page with one ref");
	test_round_trip(1024, 1024ull * 4096);
	TEST_CASE("round trip, 2025 refs: 1920x1080 XRGB8888");
	test_round_trip(2025, 8294400);
	TEST_CASE("round trip, 8100 refs: 3840x2160 XRGB8888");
	test_round_trip(8100, 33177600);
	TEST_CASE("round trip, 8100 refs, buffer_sz one byte into page 8100");
	test_round_trip(8100, 8099ull * 4096 + 1);

	test_bad_chains();
	test_bad_arguments();
	test_strerror();
	return test_done();
}
