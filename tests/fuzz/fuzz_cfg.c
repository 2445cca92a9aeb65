/*
 * fuzz_cfg: the configuration parser and validator.
 *
 * The input is used twice: as a config file for cfg_src_parse (then
 * cfg_finish), and, cut at its first NUL, as the value of
 * CORS_ALLOW_ORIGIN beside valid credentials, which reaches the origin
 * list parser with bytes a file line cannot hold (newlines).
 *
 * What is checked: a refused file or configuration gets a one-line
 * printable reason that never contains the certificate's value; an
 * accepted one holds exactly the documented shapes (32 hex characters,
 * expiry bounds, trimmed non-empty origins inside the struct's own
 * buffer); and freeing leaves nothing behind.
 */
#include <string.h>

#include "cfg.h"
#include "fuzz.h"

const char fuzz_target_name[] = "cfg";

static const char app_id[] = "970CA35de60c44645bbae8a215061b33";
static const char app_cert[] = "5CFd2fd1755d40ecb72977518be15d3b";

/* Every fixed text an error message is built from: a value that is a
 * substring of these may appear in a message by coincidence. */
static const char templates[] =
    "line : NUL byte expected KEY=VALUE unknown key (known: APP_ID, "
    "APP_CERTIFICATE, CORS_ALLOW_ORIGIN, TOKEN_MAX_EXPIRY) value too long "
    "out of memory APP_ID is not set (environment or config file) "
    "APP_ID must be exactly 32 hexadecimal characters APP_CERTIFICATE is "
    "not set (environment or config file) APP_CERTIFICATE must be exactly "
    "32 hexadecimal characters TOKEN_MAX_EXPIRY must be a whole number of "
    "seconds from 1 to 86400 CORS_ALLOW_ORIGIN lists more than 64 origins "
    "CORS_ALLOW_ORIGIN: '*' cannot be combined with a list 0123456789";

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
hex32(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[32] == '\0';
}

/* 1 if s occurs in the key part (before the first '=') of a line of
 * text: a reason may name an unknown key, which is not a value. */
static int
in_a_key(const char *text, size_t len, const char *s)
{
	const char *p = text, *end = text + len, *eol, *eq;
	size_t n = strlen(s);

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((eq = memchr(p, '=', (size_t)(eol - p))) == NULL)
			eq = eol;
		if (memmem(p, (size_t)(eq - p), s, n) != NULL)
			return 1;
	}
	return 0;
}

/*
 * A reason: one line of printable ASCII.  Protects the certificate (it is
 * never echoed, even when it is what is wrong) and the log (no control
 * bytes from the file).  text is the file, or NULL.
 */
static void
check_reason(const char *err, size_t errsz, const char *cert,
    const char *text, size_t len)
{
	size_t i, n = strnlen(err, errsz);

	fuzz_assert(n > 0 && n < errsz);
	for (i = 0; i < n; i++)
		fuzz_assert((unsigned char)err[i] >= 0x20 &&
		    (unsigned char)err[i] <= 0x7e);
	if (cert != NULL && strlen(cert) >= 4 &&
	    strstr(templates, cert) == NULL && strstr(err, cert) != NULL &&
	    (text == NULL || !in_a_key(text, len, cert)))
		fuzz_fail("the certificate's value is in the reason: %s", err);
}

/* What cfg_finish accepted must have the documented shape. */
static void
check_cfg(const struct cfg *c, const struct cfg_src *src)
{
	const char *v;
	size_t i, j;
	unsigned long want;

	fuzz_assert(hex32(c->app_id) && strcmp(c->app_id,
	    src->val[CFG_APP_ID]) == 0);
	fuzz_assert(hex32(c->app_certificate) && strcmp(c->app_certificate,
	    src->val[CFG_APP_CERTIFICATE]) == 0);
	fuzz_assert(c->max_expiry >= 1 && c->max_expiry <= 86400);
	fuzz_assert(c->default_expiry == (c->max_expiry < 3600 ?
	    c->max_expiry : 3600));
	v = src->val[CFG_TOKEN_MAX_EXPIRY];
	if (v != NULL && *v != '\0') {
		/* Digits only: "+5", " 5", "5s", "0x10" are refused. */
		for (i = 0; v[i] != '\0'; i++)
			fuzz_assert(v[i] >= '0' && v[i] <= '9');
		want = strtoul(v, NULL, 10);
		fuzz_assert(want == c->max_expiry);
	} else
		fuzz_assert(c->max_expiry == 86400);
	fuzz_assert(c->norigins <= CFG_MAX_ORIGINS);
	fuzz_assert(!c->cors_any || c->norigins == 0);
	for (i = 0; i < c->norigins; i++) {
		const struct cfg_origin *o = &c->origins[i];

		/* Inside the struct's own copy, trimmed, one entry each. */
		fuzz_assert(o->s >= c->cors_buf && o->len > 0 &&
		    o->s + o->len <= c->cors_buf + sizeof(c->cors_buf));
		fuzz_assert(!is_blank(o->s[0]) && !is_blank(o->s[o->len - 1]));
		fuzz_assert(memchr(o->s, ',', o->len) == NULL);
		fuzz_assert(memchr(o->s, '\0', o->len) == NULL);
		fuzz_assert(!(o->len == 1 && o->s[0] == '*'));
		for (j = 0; j < i; j++)
			fuzz_assert(c->origins[j].s + c->origins[j].len <= o->s);
	}
	v = src->val[CFG_CORS_ALLOW_ORIGIN];
	if (v == NULL)
		fuzz_assert(c->cors_any);
	else if (c->norigins == 0)
		/* Nothing listed: only blanks, commas or a lone "*". */
		for (i = 0; v[i] != '\0'; i++)
			fuzz_assert(is_blank(v[i]) || v[i] == ',' ||
			    v[i] == '*');
}

static void
check_src(const struct cfg_src *src)
{
	size_t i;

	for (i = 0; i < CFG__MAX; i++)
		if (src->val[i] != NULL)
			fuzz_assert(strlen(src->val[i]) <= CFG_MAX_VALUE &&
			    strchr(src->val[i], '\n') == NULL);
}

static void
as_file(const uint8_t *data, size_t size)
{
	struct cfg_src src;
	struct cfg c;
	char err[256];
	char *text;
	size_t i;

	/* An exact-size copy: the parser gets a length, not a string. */
	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		fuzz_fail("out of memory");
	if (size > 0)
		memcpy(text, data, size);
	memset(&src, 0, sizeof(src));
	memset(err, 0, sizeof(err));
	if (cfg_src_parse(&src, text, size, err, sizeof(err)) == -1)
		check_reason(err, sizeof(err), src.val[CFG_APP_CERTIFICATE],
		    text, size);
	else {
		check_src(&src);
		memset(err, 0, sizeof(err));
		if (cfg_finish(&src, &c, err, sizeof(err)) == 0)
			check_cfg(&c, &src);
		else {
			check_reason(err, sizeof(err),
			    src.val[CFG_APP_CERTIFICATE], text, size);
			/* A refused configuration is wiped. */
			for (i = 0; i < sizeof(c.app_certificate); i++)
				fuzz_assert(c.app_certificate[i] == '\0');
		}
		cfg_clear(&c);
	}
	cfg_src_free(&src);
	for (i = 0; i < CFG__MAX; i++)
		fuzz_assert(src.val[i] == NULL);
	free(text);
}

static void
as_origins(const uint8_t *data, size_t size)
{
	struct cfg_src src;
	struct cfg c;
	char err[256];
	char *v;
	const uint8_t *z;
	size_t n = size;

	if ((z = memchr(data, 0, size)) != NULL)
		n = (size_t)(z - data);
	if ((v = malloc(n + 1)) == NULL)
		fuzz_fail("out of memory");
	if (n > 0)
		memcpy(v, data, n);
	v[n] = '\0';
	memset(&src, 0, sizeof(src));
	if (cfg_src_set(&src, CFG_APP_ID, app_id) == -1 ||
	    cfg_src_set(&src, CFG_APP_CERTIFICATE, app_cert) == -1)
		fuzz_fail("cfg_src_set failed");
	if (cfg_src_set(&src, CFG_CORS_ALLOW_ORIGIN, v) == -1) {
		/* Only an over-long value is refused. */
		fuzz_assert(n > CFG_MAX_VALUE);
	} else {
		memset(err, 0, sizeof(err));
		if (cfg_finish(&src, &c, err, sizeof(err)) == 0)
			check_cfg(&c, &src);
		else
			check_reason(err, sizeof(err), app_cert, NULL, 0);
		cfg_clear(&c);
	}
	cfg_src_free(&src);
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_file(data, size);
	as_origins(data, size);
	return 0;
}
