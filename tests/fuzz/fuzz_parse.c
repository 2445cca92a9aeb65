/*
 * fuzz_parse: the small parsers of parse.c against reference versions
 * written here independently (simple and slow, from the contracts in
 * parse.h), plus the invariants the request code relies on.
 *
 * Input: byte 0 = bit 0: plus_is_space; bits 1-7: output buffer size for
 * prs_pct_decode (0 = big enough for any result).  Bytes 1 and 2 pick the
 * [min, max] bounds for prs_u32.  The rest is the text under test, given
 * to every parser.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

const char fuzz_target_name[] = "parse";

static int
hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * prs_pct_decode: same answer as the reference.  Protects: the length
 * never exceeds the input's (callers size buffers by it), the output is
 * NUL-terminated with no NUL inside (C strings downstream would be cut
 * short), a '/' comes out only from '/' or %2F (routing splits on the raw
 * '/' and must be able to tell them apart), and the buffer size is obeyed
 * (checked by ASan on an exact-size buffer).
 */
static void
check_pct(const char *s, size_t len, size_t dstsz, int plus)
{
	char *want, *dst;
	size_t i, o = 0, slashes_in = 0, slashes_out = 0;
	long got;
	int bad = 0, h, l;
	char c;

	if ((want = malloc(len + 1)) == NULL || (dst = malloc(dstsz)) == NULL)
		fuzz_fail("out of memory");
	for (i = 0; i < len && !bad; i++) {
		c = s[i];
		if (c == '%') {
			if (len - i < 3) {
				bad = 1;
				break;
			}
			h = hex((uint8_t)s[i + 1]);
			l = hex((uint8_t)s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				bad = 1;
				break;
			}
			c = (char)(h * 16 + l);
			if (c == '/')
				slashes_in++;
			i += 2;
		} else if (c == '\0')
			bad = 1;
		else if (c == '+' && plus)
			c = ' ';
		else if (c == '/')
			slashes_in++;
		want[o++] = c;
	}
	got = prs_pct_decode(s, len, dst, dstsz, plus);
	if (bad || o + 1 > dstsz) {
		if (got != -1)
			fuzz_fail("prs_pct_decode accepted: %ld", got);
	} else {
		if (got != (long)o)
			fuzz_fail("prs_pct_decode: %ld, expected %zu", got, o);
		fuzz_assert((size_t)got <= len);
		fuzz_assert(memcmp(dst, want, o) == 0 && dst[o] == '\0');
		fuzz_assert(memchr(dst, '\0', o) == NULL);
		for (i = 0; i < o; i++)
			slashes_out += dst[i] == '/';
		fuzz_assert(slashes_out == slashes_in);
	}
	free(want);
	free(dst);
}

/*
 * prs_u32: digits only (no sign, space, hex, exponent), any number of
 * leading zeros, value in [min, max]; *out untouched on failure.  The
 * reference is strtoull, after the digit check it does not do.
 */
static void
check_u32(const char *s, size_t len, uint32_t min, uint32_t max)
{
	char *z;
	unsigned long long v = 0;
	uint32_t out = 0xdeadbeef;
	size_t i;
	int digits = len > 0, ok, got;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	ok = digits;
	if (ok) {
		if ((z = malloc(len + 1)) == NULL)
			fuzz_fail("out of memory");
		memcpy(z, s, len);
		z[len] = '\0';
		errno = 0;
		v = strtoull(z, NULL, 10);
		ok = errno == 0 && v <= UINT32_MAX && v >= min && v <= max;
		free(z);
	}
	got = prs_u32(s, len, min, max, &out);
	if (ok) {
		if (got != 0 || out != v)
			fuzz_fail("prs_u32 refused or misread %llu", v);
	} else {
		fuzz_assert(got == -1);
		fuzz_assert(out == 0xdeadbeef);
	}
	fuzz_assert(prs_all_digits(s, len) == digits);
}

/*
 * prs_query_next: the pairs tile the string.  Walking them front to back,
 * everything between two pairs is '&', a key holds no '&' or '=', a value
 * no '&', the '=' sits between key and value, no pair is empty, and the
 * end position is the string's end.  Protects against pairs that overlap,
 * skip bytes, or run past the string.
 */
static void
check_query(const char *q, size_t qlen)
{
	struct prs_pair p;
	size_t pos = 0, cov = 0, k, v, n = 0;

	while (prs_query_next(q, qlen, &pos, &p)) {
		fuzz_assert(++n <= qlen);
		fuzz_assert(p.key >= q && p.val >= q);
		k = (size_t)(p.key - q);
		v = (size_t)(p.val - q);
		fuzz_assert(k >= cov && k <= qlen && p.key_len <= qlen - k);
		fuzz_assert(v <= qlen && p.val_len <= qlen - v);
		for (; cov < k; cov++)
			fuzz_assert(q[cov] == '&');
		fuzz_assert(memchr(p.key, '&', p.key_len) == NULL);
		fuzz_assert(memchr(p.key, '=', p.key_len) == NULL);
		fuzz_assert(memchr(p.val, '&', p.val_len) == NULL);
		if (v == k + p.key_len) {
			/* No '=': the value is empty and the pair is the key. */
			fuzz_assert(p.val_len == 0 && p.key_len > 0);
		} else {
			fuzz_assert(v == k + p.key_len + 1 &&
			    q[k + p.key_len] == '=');
		}
		cov = v + p.val_len;
		fuzz_assert(cov == qlen || q[cov] == '&');
		fuzz_assert(pos > k && pos <= qlen);
	}
	for (; cov < qlen; cov++)
		fuzz_assert(q[cov] == '&');
	fuzz_assert(pos == qlen);
}

/* The character-set predicates against one-line references. */
static void
check_sets(const char *s, size_t len)
{
	static const char agora[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,";
	static const char *const lits[] = { "publisher", "Subscriber", "1",
	    "" };
	size_t i, j, in_agora = 0, printable = 0;
	int eq;

	for (i = 0; i < len; i++) {
		in_agora += s[i] != '\0' && strchr(agora, s[i]) != NULL;
		printable += (uint8_t)s[i] >= 0x20 && (uint8_t)s[i] <= 0x7e;
	}
	fuzz_assert(prs_agora_name(s, len, 64) ==
	    (len >= 1 && len <= 64 && in_agora == len));
	fuzz_assert(prs_agora_name(s, len, 255) ==
	    (len >= 1 && len <= 255 && in_agora == len));
	fuzz_assert(prs_printable_id(s, len, 64) ==
	    (len >= 1 && len <= 64 && s[0] != ' ' && printable == len));
	for (j = 0; j < sizeof(lits) / sizeof(lits[0]); j++) {
		eq = strlen(lits[j]) == len;
		for (i = 0; eq && i < len; i++) {
			uint8_t a = (uint8_t)s[i], b = (uint8_t)lits[j][i];

			if (a >= 'A' && a <= 'Z')
				a = (uint8_t)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (uint8_t)(b + 32);
			eq = a == b;
		}
		fuzz_assert(prs_ieq(s, len, lits[j]) == eq);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t bounds[8] = { 0, 1, 9, 600, 3600, 86400,
	    UINT32_MAX - 1, UINT32_MAX };
	const char *s;
	char *copy;
	size_t len, dstsz;

	if (size < 3)
		return 0;
	len = size - 3;
	/* An exact-size copy: any read past the end is an ASan report. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		fuzz_fail("out of memory");
	if (len > 0)
		memcpy(copy, data + 3, len);
	s = copy;
	dstsz = data[0] >> 1 ? (size_t)(data[0] >> 1) : len + 1;

	check_pct(s, len, dstsz, data[0] & 1);
	check_u32(s, len, bounds[data[1] & 7], bounds[data[2] & 7]);
	check_query(s, len);
	check_sets(s, len);
	free(copy);
	return 0;
}
