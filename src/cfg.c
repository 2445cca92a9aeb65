/* See cfg.h for the contracts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cfg.h"
#include "parse.h"
#include "tok.h"

static const char *const key_names[CFG__MAX] = {
	"APP_ID",
	"APP_CERTIFICATE",
	"CORS_ALLOW_ORIGIN",
	"TOKEN_MAX_EXPIRY",
};

const char *
cfg_key_name(enum cfg_key k)
{
	return (unsigned)k < CFG__MAX ? key_names[k] : "?";
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int
cfg_src_set(struct cfg_src *src, enum cfg_key k, const char *val)
{
	size_t len = strlen(val);
	char *copy;

	if (len > CFG_MAX_VALUE || (copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, val, len + 1);
	wipe_free(src->val[k]);
	src->val[k] = copy;
	return 0;
}

void
cfg_src_free(struct cfg_src *src)
{
	size_t i;

	for (i = 0; i < CFG__MAX; i++) {
		wipe_free(src->val[i]);
		src->val[i] = NULL;
	}
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
cfg_src_parse(struct cfg_src *src, const char *text, size_t len,
    char *err, size_t errsz)
{
	char val[CFG_MAX_VALUE + 1];
	const char *p = text, *end = text + len, *eol, *k, *ke, *v, *ve;
	const char *q, *c;
	size_t lineno = 0, i, j;
	int key, rc = -1;

	while (p < end) {
		lineno++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		k = p;
		p = eol < end ? eol + 1 : end;
		while (k < eol && is_blank(*k))
			k++;
		ve = eol;
		while (ve > k && is_blank(ve[-1]))
			ve--;
		if (k == ve || *k == '#')
			continue;
		if (memchr(k, '\0', (size_t)(ve - k)) != NULL) {
			snprintf(err, errsz, "line %zu: NUL byte", lineno);
			goto fail;
		}
		if (ve - k > 7 && memcmp(k, "export", 6) == 0 &&
		    is_blank(k[6])) {
			k += 7;
			while (k < ve && is_blank(*k))
				k++;
		}
		v = memchr(k, '=', (size_t)(ve - k));
		if (v == NULL) {
			snprintf(err, errsz, "line %zu: expected KEY=VALUE",
			    lineno);
			goto fail;
		}
		ke = v++;
		while (ke > k && is_blank(ke[-1]))
			ke--;
		while (v < ve && is_blank(*v))
			v++;
		key = -1;
		for (i = 0; i < CFG__MAX; i++)
			if (strlen(key_names[i]) == (size_t)(ke - k) &&
			    memcmp(key_names[i], k, (size_t)(ke - k)) == 0)
				key = (int)i;
		if (key < 0) {
			/* Name the key only when it looks like one: a
			 * mangled line could hold a secret. */
			for (i = 0; k + i < ke && i <= 40 &&
			    ((k[i] >= 'A' && k[i] <= 'Z') ||
			    (k[i] >= '0' && k[i] <= '9') || k[i] == '_'); i++)
				continue;
			/* ...and not when it is all hex digits: that is a
			 * certificate typed where a key belongs. */
			for (j = 0; j < i && ((k[j] >= '0' && k[j] <= '9') ||
			    (k[j] >= 'A' && k[j] <= 'F')); j++)
				continue;
			if (k + i == ke && i <= 40 && j < i)
				snprintf(err, errsz, "line %zu: unknown key %.*s "
				    "(known: APP_ID, APP_CERTIFICATE, "
				    "CORS_ALLOW_ORIGIN, TOKEN_MAX_EXPIRY)",
				    lineno, (int)i, k);
			else
				snprintf(err, errsz, "line %zu: unknown key "
				    "(known: APP_ID, APP_CERTIFICATE, "
				    "CORS_ALLOW_ORIGIN, TOKEN_MAX_EXPIRY)",
				    lineno);
			goto fail;
		}
		if (v < ve && (*v == '"' || *v == '\'')) {
			/* Quoted: up to the matching quote; only a comment
			 * may follow it. */
			q = memchr(v + 1, *v, (size_t)(ve - v - 1));
			if (q == NULL) {
				snprintf(err, errsz, "line %zu: unmatched "
				    "quote", lineno);
				goto fail;
			}
			for (c = q + 1; c < ve && is_blank(*c); c++)
				continue;
			if (c < ve && *c != '#') {
				snprintf(err, errsz, "line %zu: text after "
				    "the closing quote", lineno);
				goto fail;
			}
			v++;
			ve = q;
		} else {
			/* Unquoted: a '#' after a blank starts a comment,
			 * as in a shell. */
			for (c = v; c < ve; c++)
				if (*c == '#' && c > v && is_blank(c[-1]))
					break;
			ve = c;
			while (ve > v && is_blank(ve[-1]))
				ve--;
		}
		if ((size_t)(ve - v) > CFG_MAX_VALUE) {
			snprintf(err, errsz, "line %zu: %s value too long",
			    lineno, key_names[key]);
			goto fail;
		}
		memcpy(val, v, (size_t)(ve - v));
		val[ve - v] = '\0';
		if (cfg_src_set(src, (enum cfg_key)key, val) == -1) {
			snprintf(err, errsz, "line %zu: out of memory", lineno);
			goto fail;
		}
	}
	rc = 0;
fail:
	OPENSSL_cleanse(val, sizeof(val));
	return rc;
}

static int
parse_origins(struct cfg *c, const char *list, char *err, size_t errsz)
{
	const char *p, *s, *e;
	size_t n;

	n = strlen(list);
	memcpy(c->cors_buf, list, n + 1);
	while (n > 0 && is_blank(c->cors_buf[n - 1]))
		n--;
	s = c->cors_buf;
	while (is_blank(*s))
		s++;
	if (*s == '\0' || (s[0] == '*' && s + 1 == c->cors_buf + n)) {
		c->cors_any = 1;
		return 0;
	}
	for (p = c->cors_buf; ; p = e + 1) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		s = p;
		while (s < e && (is_blank(*s) || *s == '\n'))
			s++;
		n = (size_t)(e - s);
		while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '\n'))
			n--;
		if (n > 0) {
			if (c->norigins == CFG_MAX_ORIGINS) {
				snprintf(err, errsz, "CORS_ALLOW_ORIGIN lists "
				    "more than %d origins", CFG_MAX_ORIGINS);
				return -1;
			}
			if (n == 1 && *s == '*') {
				snprintf(err, errsz, "CORS_ALLOW_ORIGIN: '*' "
				    "cannot be combined with a list");
				return -1;
			}
			c->origins[c->norigins].s = s;
			c->origins[c->norigins].len = n;
			c->norigins++;
		}
		if (*e == '\0')
			break;
	}
	if (c->norigins == 0)
		c->cors_any = 1;
	return 0;
}

int
cfg_finish(const struct cfg_src *src, struct cfg *c, char *err, size_t errsz)
{
	const char *v;
	uint32_t max;

	memset(c, 0, sizeof(*c));
	v = src->val[CFG_APP_ID];
	if (v == NULL || *v == '\0') {
		snprintf(err, errsz, "APP_ID is not set (environment or "
		    "config file)");
		goto fail;
	}
	if (!tok_valid_hex32(v)) {
		snprintf(err, errsz, "APP_ID must be exactly 32 hexadecimal "
		    "characters");
		goto fail;
	}
	memcpy(c->app_id, v, 33);
	v = src->val[CFG_APP_CERTIFICATE];
	if (v == NULL || *v == '\0') {
		snprintf(err, errsz, "APP_CERTIFICATE is not set (environment "
		    "or config file)");
		goto fail;
	}
	if (!tok_valid_hex32(v)) {
		snprintf(err, errsz, "APP_CERTIFICATE must be exactly 32 "
		    "hexadecimal characters");
		goto fail;
	}
	memcpy(c->app_certificate, v, 33);
	max = CFG_DEFAULT_MAX_EXPIRY;
	v = src->val[CFG_TOKEN_MAX_EXPIRY];
	if (v != NULL && *v != '\0' &&
	    prs_u32(v, strlen(v), 1, CFG_DEFAULT_MAX_EXPIRY, &max) == -1) {
		snprintf(err, errsz, "TOKEN_MAX_EXPIRY must be a whole number "
		    "of seconds from 1 to %u", CFG_DEFAULT_MAX_EXPIRY);
		goto fail;
	}
	c->max_expiry = max;
	c->default_expiry = max < CFG_DEFAULT_EXPIRY ? max : CFG_DEFAULT_EXPIRY;
	v = src->val[CFG_CORS_ALLOW_ORIGIN];
	if (v == NULL)
		c->cors_any = 1;
	else if (parse_origins(c, v, err, errsz) == -1)
		goto fail;
	return 0;
fail:
	cfg_clear(c);
	return -1;
}

void
cfg_clear(struct cfg *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}
