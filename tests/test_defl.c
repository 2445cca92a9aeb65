/*
 * test_defl: src/defl.c against the zlib it replays.
 *
 * For every input of a table of generators (random bytes, small
 * alphabets, copies, runs, periods, far matches, token-like content, and
 * hand-picked edges), defl_vs_zlib() (defl_check.h) lets the block zlib
 * writes at the default level decide what defl must do: the same bytes
 * for a fixed block, a decline and zlib's exact size for a dynamic one, a
 * decline for a stored one.  So both halves of defl's decision are checked, not only its output.
 * Prints "ok - name" or "FAIL - name: detail" per case and, last,
 * "N passed, M failed".  Links only defl.o and zlib.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "defl.h"
#include "defl_check.h"
#include "result.h"

static struct defl	*df;
static z_stream		 zs;
static uint64_t		 rng = 0x9e3779b97f4a7c15ULL;

struct tally {
	unsigned	 fixed, dynamic, stored;
};

static unsigned
rnd(unsigned bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)((rng >> 11) % bound);
}

/* defl_vs_zlib() on in[0..n), counting zlib's block type into t. */
static const char *
compare(const unsigned char *in, size_t n, struct tally *t)
{
	const char	*why;
	int		 btype;

	why = defl_vs_zlib(df, &zs, in, n, &btype);
	if (btype == 0)
		t->stored++;
	else if (btype == 1)
		t->fixed++;
	else if (btype == 2)
		t->dynamic++;
	return why;
}

/* Generators: fill buf with an input of at most max bytes; its length. */
typedef size_t (*gen_fn)(unsigned char *, size_t);

static size_t
gen_random(unsigned char *b, size_t max)
{
	size_t n = 1 + rnd((unsigned)max), i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rnd(256);
	return n;
}

static size_t
gen_alphabet(unsigned char *b, size_t max)
{
	static const unsigned sizes[] = { 2, 3, 4, 10, 16, 26, 64 };
	unsigned k = sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))];
	size_t n = 1 + rnd((unsigned)max), i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)('a' + rnd(k));
	return n;
}

/* Text made of copies of earlier stretches: many matches, lazy choices. */
static size_t
gen_copies(unsigned char *b, size_t max)
{
	size_t n = 1 + rnd((unsigned)max), i = 0, len, back, k;

	while (i < n) {
		if (i < 8 || rnd(3) == 0) {
			b[i] = (unsigned char)(' ' + rnd(95));
			i++;
			continue;
		}
		back = 1 + rnd((unsigned)(i < 600 ? i : 600));
		len = 3 + rnd(40);
		for (k = 0; k < len && i < n; k++, i++)
			b[i] = b[i - back];
	}
	return n;
}

/* Long runs of one byte: chains longer than the search limit, 258s. */
static size_t
gen_runs(unsigned char *b, size_t max)
{
	size_t n = 1 + rnd((unsigned)max), i = 0, len, k;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)rnd(3);
		len = 1 + rnd(rnd(2) ? 20 : 700);
		for (k = 0; k < len && i < n; k++, i++)
			b[i] = c;
	}
	return n;
}

/* A random motif repeated: one distance, matches up to the limits. */
static size_t
gen_period(unsigned char *b, size_t max)
{
	size_t n = 1 + rnd((unsigned)max), p = 1 + rnd(300), i;

	for (i = 0; i < n; i++)
		b[i] = i < p ? (unsigned char)rnd(256) : b[i - p];
	return n;
}

/*
 * Text over 64 letters (so the blocks are Huffman-coded, not stored, and
 * short matches abound at every distance) with 3- to 5-byte motifs
 * repeated about 4096 bytes apart: zlib drops a 3-byte match further
 * than 4096 back.
 */
static size_t
gen_far(unsigned char *b, size_t max)
{
	size_t n, i, at, len, k;

	n = max < 4200 ? max : 4200 + rnd((unsigned)(max - 4200 + 1));
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)('0' + rnd(64));
	for (k = 0; k < 40 && n > 4200; k++) {
		at = rnd(100);
		len = 3 + rnd(3);
		i = at + 4090 + rnd(12);
		if (i + len <= n)
			memcpy(b + i, b + at, len);
	}
	return n;
}

/*
 * Few byte values with geometric frequencies: code lengths spread wide,
 * and now and then the code-length code needs more than its 7 bits, so
 * zlib's length-limit repair runs (about 4 inputs in 1000).
 */
static size_t
gen_skewed(unsigned char *b, size_t max)
{
	size_t n = 50 + rnd((unsigned)(max - 50)), i;
	unsigned k = 3 + rnd(40), q = 300 + rnd(690), s;

	for (i = 0; i < n; i++) {
		for (s = 0; s < k - 1 && rnd(1000) < q; s++)
			;
		b[i] = (unsigned char)(rnd(2) ? s * 7 + 1 : s * 3 + 100);
	}
	return n;
}

/* Shaped like a token's content: signature, app id, stamps, services. */
static size_t
gen_token(unsigned char *b, size_t max)
{
	static const char chan[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,";
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i, k, ns, np, len;

	(void)max;
	b[n++] = 32;
	b[n++] = 0;
	for (i = 0; i < 32; i++)
		b[n++] = (unsigned char)rnd(256);
	b[n++] = 32;
	b[n++] = 0;
	for (i = 0; i < 32; i++)
		b[n++] = (unsigned char)hex[rnd(16)];
	for (i = 0; i < 12; i++)	/* issue_ts, expire, salt */
		b[n++] = (unsigned char)(i % 4 < 2 ? rnd(256) : rnd(4));
	ns = 1 + rnd(3);
	b[n++] = (unsigned char)ns;
	b[n++] = 0;
	for (k = 0; k < ns; k++) {
		b[n++] = (unsigned char)(1 + rnd(8));
		b[n++] = 0;
		np = 1 + rnd(4);
		b[n++] = (unsigned char)np;
		b[n++] = 0;
		for (i = 0; i < np; i++) {
			b[n++] = (unsigned char)(1 + i);
			b[n++] = 0;
			b[n++] = 0x10;
			b[n++] = 0x0e;
			b[n++] = 0;
			b[n++] = 0;
		}
		len = 1 + rnd(64);
		b[n++] = (unsigned char)len;
		b[n++] = 0;
		for (i = 0; i < len; i++)
			b[n++] = (unsigned char)chan[rnd(sizeof(chan) - 1)];
		len = rnd(11);
		b[n++] = (unsigned char)len;
		b[n++] = 0;
		for (i = 0; i < len; i++)
			b[n++] = (unsigned char)('0' + rnd(10));
	}
	return n;
}

static const struct {
	const char	*name;
	gen_fn		 gen;
	unsigned	 count;
	size_t		 max;
	int		 want_fixed;	/* some inputs must give fixed blocks */
} gens[] = {
	{ "random bytes up to 600", gen_random, 600, 600, 1 },
	{ "small alphabets up to 2000", gen_alphabet, 400, 2000, 1 },
	{ "copies of earlier text up to 3000", gen_copies, 300, 3000, 1 },
	{ "copies of earlier text up to the limit", gen_copies, 40,
	    DEFL_IN_MAX, 0 },
	{ "runs of one byte up to 3000", gen_runs, 300, 3000, 1 },
	{ "periodic up to 2000", gen_period, 400, 2000, 1 },
	{ "matches about 4096 back", gen_far, 100, DEFL_IN_MAX, 0 },
	{ "skewed frequencies up to 1000", gen_skewed, 4000, 1000, 0 },
	{ "token-shaped content", gen_token, 1500, 0, 1 },
};

static void
run_generators(void)
{
	static unsigned char	 buf[DEFL_IN_MAX];
	struct tally		 t;
	const char		*why = NULL;
	char			 name[160];
	size_t			 g, n;
	unsigned		 i;

	for (g = 0; g < sizeof(gens) / sizeof(gens[0]); g++) {
		memset(&t, 0, sizeof(t));
		for (i = 0; i < gens[g].count; i++) {
			n = gens[g].gen(buf, gens[g].max);
			if ((why = compare(buf, n, &t)) != NULL)
				break;
		}
		snprintf(name, sizeof(name), "%s: %u inputs (zlib: %u fixed, "
		    "%u dynamic, %u stored)", gens[g].name, i, t.fixed,
		    t.dynamic, t.stored);
		if (why == NULL && gens[g].want_fixed && t.fixed == 0)
			why = "no input gave a fixed block: the generator "
			    "tests nothing of the fast path";
		verdict(name, why);
	}
}

/* Hand-picked inputs, each compared with zlib. */
static void
run_edges(void)
{
	static unsigned char	 b[DEFL_IN_MAX + 1], out[DEFL_CHECK_OUT];
	struct tally		 t;
	char			 name[120];
	size_t			 n, i;

	memset(&t, 0, sizeof(t));
	for (n = 1; n <= 6; n++) {	/* shorter than a match, then not */
		memset(b, 'a', n);
		snprintf(name, sizeof(name), "edge: %zu equal bytes", n);
		verdict(name, compare(b, n, &t));
	}
	memset(b, 0, DEFL_IN_MAX);
	verdict("edge: DEFL_IN_MAX zero bytes", compare(b, DEFL_IN_MAX, &t));
	for (i = 0; i < DEFL_IN_MAX; i++)
		b[i] = (unsigned char)(i * 7 + (i >> 8));
	verdict("edge: DEFL_IN_MAX patterned bytes",
	    compare(b, DEFL_IN_MAX, &t));
	memcpy(b, "abcabcabcXabcabcabcabcY", 23);	/* lazy: a longer next */
	verdict("edge: a longer match one byte on", compare(b, 23, &t));

	verdict("edge: DEFL_IN_MAX + 1 bytes are declined",
	    defl_zlib(df, b, DEFL_IN_MAX + 1, out, sizeof(out)) == 0 ? NULL :
	    "compressed");
	verdict("edge: no bytes are declined",
	    defl_zlib(df, b, 0, out, sizeof(out)) == 0 ? NULL : "compressed");
	memset(b, 'a', 100);
	verdict("edge: output one byte short is declined",
	    (n = defl_zlib(df, b, 100, out, sizeof(out))) > 0 &&
	    defl_zlib(df, b, 100, out, n - 1) == 0 ? NULL :
	    "not declined, or nothing to compare");
	verdict("edge: output of exactly its size is written",
	    n > 0 && defl_zlib(df, b, 100, out, n) == n ? NULL :
	    "declined");
}

int
main(void)
{
	if ((df = defl_new()) == NULL) {
		fprintf(stderr, "test_defl: out of memory\n");
		return 1;
	}
	if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
		fprintf(stderr, "test_defl: deflateInit failed\n");
		return 1;
	}
	run_generators();
	run_edges();
	deflateEnd(&zs);
	defl_free(df);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
