/* See parse.h for the contracts. */
#include <string.h>

#include "parse.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
prs_pct_decode(const char *src, size_t len, char *dst, size_t dstsz,
    int plus_is_space)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	if (dstsz == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			/* A NUL would cut the string short in every C API
			 * downstream: refuse it rather than truncate. */
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+' && plus_is_space)
			c = ' ';
		else if (c == '\0')
			return -1;
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (long)o;
}

int
prs_all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
prs_u32(const char *s, size_t len, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!prs_all_digits(s, len))
		return -1;
	for (i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		/* Stop before 64-bit overflow; leading zeros keep v small. */
		if (v > UINT32_MAX)
			return -1;
	}
	if (v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
prs_agora_name(const char *s, size_t len, size_t maxlen)
{
	static const char extra[] = " !#$%&()+-:;<=.>?@[]^_{}|~,";
	size_t i;
	unsigned char c;

	if (len == 0 || len > maxlen)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (c == '\0' || strchr(extra, c) == NULL)
			return 0;
	}
	return 1;
}

int
prs_printable_id(const char *s, size_t len, size_t maxlen)
{
	size_t i;

	if (len == 0 || len > maxlen || s[0] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

int
prs_ieq(const char *s, size_t len, const char *lit)
{
	size_t i;
	unsigned char a, b;

	if (strlen(lit) != len)
		return 0;
	for (i = 0; i < len; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

int
prs_query_next(const char *q, size_t qlen, size_t *pos, struct prs_pair *p)
{
	size_t i, start, end;
	const char *eq;

	for (i = *pos; i < qlen; i = end + 1) {
		start = i;
		end = start;
		while (end < qlen && q[end] != '&')
			end++;
		if (end == start)
			continue;
		*pos = end < qlen ? end + 1 : qlen;
		p->key = q + start;
		eq = memchr(q + start, '=', end - start);
		if (eq == NULL) {
			p->key_len = end - start;
			p->val = q + end;
			p->val_len = 0;
		} else {
			p->key_len = (size_t)(eq - (q + start));
			p->val = eq + 1;
			p->val_len = (size_t)(q + end - (eq + 1));
		}
		return 1;
	}
	*pos = qlen;
	return 0;
}
