/*
 * parse: small bounded parsers for untrusted text (path segments, query
 * strings, numbers, Agora's character sets).  Pure functions, no I/O, no
 * allocation: every output goes to a caller buffer with a stated size.
 */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Percent-decodes src[0..len) into dst (size dstsz, always NUL-terminated).
 * plus_is_space: 1 in a query string, 0 in a path segment ('+' stays '+').
 * Returns the decoded length, or -1 for a malformed escape, a decoded NUL,
 * or output that does not fit.
 */
long	prs_pct_decode(const char *src, size_t len, char *dst, size_t dstsz,
	    int plus_is_space);

/*
 * Parses ASCII decimal digits only (leading zeros allowed; no sign, space,
 * hex or exponent) into *out if the value is within [min, max].
 * Returns 0 on success, -1 otherwise (*out untouched).
 */
int	prs_u32(const char *s, size_t len, uint32_t min, uint32_t max,
	    uint32_t *out);

/* 1 if s[0..len) is 1..maxlen bytes of Agora's channel / account set:
 * a-z A-Z 0-9 space and !#$%&()+-:;<=.>?@[]^_{}|~, */
int	prs_agora_name(const char *s, size_t len, size_t maxlen);

/* 1 if s[0..len) is 1..maxlen bytes of printable ASCII (0x20-0x7E) and
 * does not start with a space. */
int	prs_printable_id(const char *s, size_t len, size_t maxlen);

/* 1 if s is 1..n bytes of ASCII digits. */
int	prs_all_digits(const char *s, size_t len);

/* Case-insensitive ASCII equality of s[0..len) and the NUL-terminated lit. */
int	prs_ieq(const char *s, size_t len, const char *lit);

/*
 * Query string iteration.  Each call finds the next "key=value" pair
 * of the raw string starting at *pos and stores borrowed pointers to the
 * raw (still encoded) key and value.  Returns 1 for a pair, 0 at the end.
 * A pair without '=' has an empty value.  Empty pairs ("a=1&&b=2") are
 * skipped.
 */
struct prs_pair {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};
int	prs_query_next(const char *q, size_t qlen, size_t *pos,
	    struct prs_pair *);

#endif /* PARSE_H */
