/*
 * test_tok: unit test of the token core (src/tok.c).
 *
 * Rebuilds every 007 vector of tests/data/token-vectors.json (a copy of
 * shared/vectors) and compares the exact token string and the inflated
 * payload, decodes every token back, then runs tables of malformed
 * inputs.  Prints "ok - name" or "FAIL - name: detail" per case and, last,
 * "N passed, M failed"; exits 0 only if nothing failed.
 *
 * Usage: test_tok [vectors.json]  (default: tests/data/token-vectors.json)
 *
 * Only this test uses Jansson (to read the vectors) and zlib directly (to
 * craft malformed tokens); tok.c itself links only libcrypto and zlib.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "defl.h"
#include "result.h"
#include "tok.h"

#define VECTORS		"tests/data/token-vectors.json"
#define BODY_MAX	4096

static const char	 app_id[] = "970CA35de60c44645bbae8a215061b33";
static const char	 app_cert[] = "5CFd2fd1755d40ecb72977518be15d3b";

static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* 1 if p[0..n) is the lowercase hex string hex. */
static int
hex_equal(const unsigned char *p, size_t n, const char *hex)
{
	char	*buf;
	int	 eq;

	if (hex == NULL || strlen(hex) != 2 * n)
		return 0;
	if ((buf = malloc(2 * n + 1)) == NULL)
		return 0;
	hex_encode(p, n, buf);
	eq = strcmp(buf, hex) == 0;
	free(buf);
	return eq;
}

static void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char	 a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i, o = 0;
	uint32_t		 v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* "007" + base64(z) for arbitrary bytes z.  Caller frees. */
static char *
token_from_z(const unsigned char *z, size_t zlen)
{
	char	*t;

	if ((t = malloc(3 + 4 * (zlen / 3 + 1) + 1)) == NULL)
		abort();
	memcpy(t, "007", 3);
	b64_encode(z, zlen, t + 3);
	return t;
}

/* "007" + base64(zlib(content)) at the given level.  Caller frees. */
static char *
token_from_content(const unsigned char *c, size_t len, int level)
{
	unsigned char	*z;
	uLongf		 zlen;
	char		*t;

	zlen = compressBound((uLong)len);
	if ((z = malloc(zlen)) == NULL)
		abort();
	if (compress2(z, &zlen, c, (uLong)len, level) != Z_OK)
		abort();
	t = token_from_z(z, zlen);
	free(z);
	return t;
}

/* A tiny packer for bodies and crafted contents; overflow sets err. */
struct pk {
	unsigned char	*p;
	size_t		 len, cap;
	int		 err;
};

static void
pk_raw(struct pk *k, const void *s, size_t n)
{
	if (k->err || k->cap - k->len < n) {
		k->err = 1;
		return;
	}
	if (n > 0)
		memcpy(k->p + k->len, s, n);
	k->len += n;
}

static void
pk_u16(struct pk *k, unsigned int v)
{
	unsigned char	 b[2] = { (unsigned char)(v & 0xff),
			    (unsigned char)(v >> 8 & 0xff) };

	pk_raw(k, b, 2);
}

static void
pk_u32(struct pk *k, uint32_t v)
{
	unsigned char	 b[4] = { (unsigned char)(v & 0xff),
			    (unsigned char)(v >> 8 & 0xff),
			    (unsigned char)(v >> 16 & 0xff),
			    (unsigned char)(v >> 24) };

	pk_raw(k, b, 4);
}

static void
pk_bytes(struct pk *k, const char *s, size_t n)
{
	if (n > 65535) {
		k->err = 1;
		return;
	}
	pk_u16(k, (unsigned int)n);
	pk_raw(k, s, n);
}

static void
pk_str(struct pk *k, const char *s)
{
	pk_bytes(k, s, strlen(s));
}

/* Content header: bytes(sig) || bytes(app id) || ts, expire, salt, count. */
static void
pk_head(struct pk *k, size_t siglen, uint16_t nservice)
{
	unsigned char	 sig[64];

	memset(sig, 0xab, sizeof(sig));
	pk_bytes(k, (const char *)sig, siglen);
	pk_str(k, app_id);
	pk_u32(k, 1111111);
	pk_u32(k, 600);
	pk_u32(k, 1);
	pk_u16(k, nservice);
}

/*
 * Vector input handling.
 */

static const char *
jstr(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
ju32(json_t *o, const char *key, uint32_t *out)
{
	json_t		*v = json_object_get(o, key);
	json_int_t	 i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < 0 || i > (json_int_t)UINT32_MAX)
		return -1;
	*out = (uint32_t)i;
	return 0;
}

/* Parses a decimal JSON object key into [0, max]. */
static int
key_num(const char *s, unsigned long max, unsigned long *out)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* 1 if every key of service object o is in the NULL-terminated list. */
static int
only_keys(json_t *o, const char *const *allowed, char *why, size_t whysz)
{
	const char	*key;
	json_t		*val;
	size_t		 i;

	json_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(why, whysz, "service field \"%s\" has no "
			    "encoding in this test", key);
			return 0;
		}
	}
	return 1;
}

/* Sorts idx[0..n) by num[] ascending (insertion, stable). */
static void
sort_by(unsigned long *num, json_t **val, size_t n)
{
	unsigned long	 tn;
	json_t		*tv;
	size_t		 i, j;

	for (i = 1; i < n; i++) {
		tn = num[i];
		tv = val[i];
		for (j = i; j > 0 && num[j - 1] > tn; j--) {
			num[j] = num[j - 1];
			val[j] = val[j - 1];
		}
		num[j] = tn;
		val[j] = tv;
	}
}

/*
 * RTM2 permissions: resource types and permission types in
 * ascending order, resources in the order given.
 */
static int
pk_rtm2(struct pk *k, json_t *perms)
{
	unsigned long	 rnum[16], pnum[16];
	json_t		*rval[16], *pval[16], *res;
	const char	*key;
	json_t		*val;
	size_t		 nr = 0, np, i, j, r;

	if (!json_is_object(perms))
		return -1;
	json_object_foreach(perms, key, val) {
		if (nr == 16 || key_num(key, 65535, &rnum[nr]) == -1 ||
		    !json_is_object(val))
			return -1;
		rval[nr++] = val;
	}
	sort_by(rnum, rval, nr);
	pk_u16(k, (unsigned int)nr);
	for (i = 0; i < nr; i++) {
		np = 0;
		json_object_foreach(rval[i], key, val) {
			if (np == 16 || key_num(key, 65535, &pnum[np]) == -1 ||
			    !json_is_array(val))
				return -1;
			pval[np++] = val;
		}
		sort_by(pnum, pval, np);
		pk_u16(k, (unsigned int)rnum[i]);
		pk_u16(k, (unsigned int)np);
		for (j = 0; j < np; j++) {
			pk_u16(k, (unsigned int)pnum[j]);
			pk_u16(k, (unsigned int)json_array_size(pval[j]));
			for (r = 0; r < json_array_size(pval[j]); r++) {
				res = json_array_get(pval[j], r);
				if (!json_is_string(res))
					return -1;
				pk_bytes(k, json_string_value(res),
				    json_string_length(res));
			}
		}
	}
	return k->err ? -1 : 0;
}

static int
known_type(unsigned int t)
{
	return t >= TOK_SVC_RTC && t <= TOK_SVC_RTM2;
}

/*
 * Fills p from vector v, packing each body into bodies[i].  Returns 0, or
 * -1 with why set if the vector cannot be expressed through tok_params.
 */
static int
fill_params(json_t *v, struct tok_params *p,
    unsigned char bodies[TOK_MAX_SERVICES][BODY_MAX], char *why,
    size_t whysz)
{
	static const char *const k_rtc[] = { "type", "name", "privileges",
	    "channel_name", "uid", NULL };
	static const char *const k_str[] = { "type", "name", "privileges",
	    "user_id", NULL };
	static const char *const k_stream[] = { "type", "name", "privileges",
	    "channel_name", "account", NULL };
	static const char *const k_none[] = { "type", "name", "privileges",
	    NULL };
	static const char *const k_apaas[] = { "type", "name", "privileges",
	    "room_uuid", "user_uuid", "role", NULL };
	static const char *const k_rtm2[] = { "type", "name", "privileges",
	    "user_id", "permissions", NULL };
	json_t		*svcs, *s, *privs, *val;
	struct tok_service *ts;
	struct pk	 k;
	const char	*key, *a, *b;
	unsigned long	 num;
	json_int_t	 role;
	size_t		 i;
	uint32_t	 type;

	memset(p, 0, sizeof(*p));
	p->app_id = jstr(v, "app_id");
	p->app_certificate = jstr(v, "app_certificate");
	svcs = json_object_get(v, "services");
	if (p->app_id == NULL || ju32(v, "issue_ts", &p->issue_ts) == -1 ||
	    ju32(v, "expire", &p->expire) == -1 ||
	    ju32(v, "salt", &p->salt) == -1 || !json_is_array(svcs)) {
		snprintf(why, whysz, "vector lacks app_id, issue_ts, expire, "
		    "salt or services");
		return -1;
	}
	if (json_array_size(svcs) > TOK_MAX_SERVICES) {
		snprintf(why, whysz, "more than %d services",
		    TOK_MAX_SERVICES);
		return -1;
	}
	json_array_foreach(svcs, i, s) {
		ts = &p->svc[i];
		if (ju32(s, "type", &type) == -1 || type > 65535) {
			snprintf(why, whysz, "service %zu: bad type", i);
			return -1;
		}
		ts->type = (uint16_t)type;
		privs = json_object_get(s, "privileges");
		if (privs != NULL && !json_is_object(privs)) {
			snprintf(why, whysz, "service %zu: bad privileges", i);
			return -1;
		}
		json_object_foreach(privs, key, val) {
			if (ts->npriv == TOK_MAX_PRIVILEGES) {
				snprintf(why, whysz, "service %zu: more than "
				    "%d privileges", i, TOK_MAX_PRIVILEGES);
				return -1;
			}
			if (key_num(key, 65535, &num) == -1 ||
			    !json_is_integer(val) ||
			    json_integer_value(val) < 0 ||
			    json_integer_value(val) > (json_int_t)UINT32_MAX) {
				snprintf(why, whysz, "service %zu: bad "
				    "privilege %s", i, key);
				return -1;
			}
			ts->priv[ts->npriv].key = (uint16_t)num;
			ts->priv[ts->npriv].value =
			    (uint32_t)json_integer_value(val);
			ts->npriv++;
		}

		k.p = bodies[i];
		k.len = 0;
		k.cap = BODY_MAX;
		k.err = 0;
		switch (type) {
		case TOK_SVC_RTC:
			if (!only_keys(s, k_rtc, why, whysz))
				return -1;
			a = jstr(s, "channel_name");
			b = jstr(s, "uid");
			if (a == NULL || b == NULL)
				goto bad;
			/* The core's own packer, as the request layer uses. */
			k.len = tok_body_rtc(bodies[i], BODY_MAX, a, strlen(a),
			    b, strlen(b));
			k.err = k.len == 0;
			break;
		case TOK_SVC_RTM:
		case TOK_SVC_CHAT:
			if (!only_keys(s, k_str, why, whysz))
				return -1;
			if ((a = jstr(s, "user_id")) == NULL)
				goto bad;
			k.len = tok_body_str(bodies[i], BODY_MAX, a, strlen(a));
			k.err = k.len == 0;
			break;
		case TOK_SVC_STREAMING:
		case TOK_SVC_FCDN:
			if (!only_keys(s, k_stream, why, whysz))
				return -1;
			a = jstr(s, "channel_name");
			b = jstr(s, "account");
			if (a == NULL || b == NULL)
				goto bad;
			pk_str(&k, a);
			pk_str(&k, b);
			break;
		case TOK_SVC_FPA:
			if (!only_keys(s, k_none, why, whysz))
				return -1;
			break;
		case TOK_SVC_APAAS:
			if (!only_keys(s, k_apaas, why, whysz))
				return -1;
			a = jstr(s, "room_uuid");
			b = jstr(s, "user_uuid");
			val = json_object_get(s, "role");
			if (a == NULL || b == NULL || !json_is_integer(val))
				goto bad;
			role = json_integer_value(val);
			if (role < INT16_MIN || role > INT16_MAX)
				goto bad;
			pk_str(&k, a);
			pk_str(&k, b);
			/* i16, two's complement little-endian */
			pk_u16(&k, (unsigned int)((uint16_t)(int16_t)role));
			break;
		case TOK_SVC_RTM2:
			if (!only_keys(s, k_rtm2, why, whysz))
				return -1;
			if ((a = jstr(s, "user_id")) == NULL)
				goto bad;
			pk_str(&k, a);
			if (pk_rtm2(&k, json_object_get(s, "permissions")) == -1)
				goto bad;
			break;
		default:
			/*
			 * Types the core does not know (ConvoAI 9, STT 10,
			 * the made-up 999): the vectors give them no body,
			 * so only type and privileges are packed.
			 */
			if (!only_keys(s, k_none, why, whysz))
				return -1;
			break;
		}
		if (k.err)
			goto bad;
		ts->body = k.len > 0 ? bodies[i] : NULL;
		ts->body_len = k.len;
		p->nservice++;
		continue;
bad:
		snprintf(why, whysz, "service %zu (type %u): missing or bad "
		    "field", i, (unsigned int)type);
		return -1;
	}
	return 0;
}

/* Expected map: ascending keys, the last value of a repeated key. */
static size_t
norm_privs(const struct tok_service *s, struct tok_privilege *out)
{
	struct tok_privilege	 t;
	size_t			 i, j, m;

	for (i = 0; i < s->npriv; i++) {
		t = s->priv[i];
		for (j = i; j > 0 && out[j - 1].key > t.key; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	for (i = m = 0; i < s->npriv; i++) {
		if (m > 0 && out[m - 1].key == out[i].key)
			out[m - 1] = out[i];
		else
			out[m++] = out[i];
	}
	return m;
}

static int
str_eq(const char *s, size_t n, const char *want)
{
	return s != NULL && want != NULL && strlen(want) == n &&
	    memcmp(s, want, n) == 0;
}

/*
 * Checks a decoded token against the params it should hold: header
 * fields, services stably sorted by type and cut at the first unknown
 * type, normalised privilege maps, body bytes, and the s1/s2 strings
 * (from svcs, the vector's services array, or NULL to skip that check).
 * Returns NULL, or a static description of the first difference.
 */
static const char *
check_decoded(const struct tok_decoded *d, const struct tok_params *p,
    json_t *svcs)
{
	static char		 why[256];
	struct tok_privilege	 want[TOK_MAX_PRIVILEGES];
	const struct tok_dservice *ds;
	const struct tok_service *s;
	json_t			*js;
	size_t			 order[TOK_MAX_SERVICES];
	size_t			 i, j, t, nknown, n;
	const char		*w1, *w2;

	if (!str_eq(d->app_id, d->app_id_len, p->app_id))
		return "app id differs";
	if (d->issue_ts != p->issue_ts || d->expire != p->expire ||
	    d->salt != p->salt) {
		snprintf(why, sizeof(why), "issue_ts/expire/salt %u/%u/%u, "
		    "want %u/%u/%u", d->issue_ts, d->expire, d->salt,
		    p->issue_ts, p->expire, p->salt);
		return why;
	}
	if (d->signature_len != 32)
		return "signature is not 32 bytes";
	if (d->declared_services != p->nservice)
		return "declared service count differs";
	for (i = 0; i < p->nservice; i++) {
		t = i;
		for (j = i; j > 0 && p->svc[order[j - 1]].type > p->svc[t].type;
		    j--)
			order[j] = order[j - 1];
		order[j] = t;
	}
	for (nknown = 0; nknown < p->nservice; nknown++)
		if (!known_type(p->svc[order[nknown]].type))
			break;
	if (d->nservice != nknown) {
		snprintf(why, sizeof(why), "%zu services parsed, want %zu",
		    d->nservice, nknown);
		return why;
	}
	for (i = 0; i < nknown; i++) {
		ds = &d->svc[i];
		s = &p->svc[order[i]];
		if (ds->type != s->type) {
			snprintf(why, sizeof(why), "service %zu: type %u, "
			    "want %u", i, ds->type, s->type);
			return why;
		}
		n = norm_privs(s, want);
		if (ds->npriv != n) {
			snprintf(why, sizeof(why), "service %zu: %zu "
			    "privileges, want %zu", i, ds->npriv, n);
			return why;
		}
		for (j = 0; j < n; j++)
			if (ds->priv[j].key != want[j].key ||
			    ds->priv[j].value != want[j].value) {
				snprintf(why, sizeof(why), "service %zu: "
				    "privilege %zu is %u=%u, want %u=%u", i, j,
				    ds->priv[j].key, ds->priv[j].value,
				    want[j].key, want[j].value);
				return why;
			}
		if (ds->body_len != s->body_len || (s->body_len > 0 &&
		    memcmp(ds->body, s->body, s->body_len) != 0)) {
			snprintf(why, sizeof(why), "service %zu: body differs",
			    i);
			return why;
		}
		if (svcs == NULL)
			continue;
		js = json_array_get(svcs, order[i]);
		w1 = w2 = "";
		switch (s->type) {
		case TOK_SVC_RTC:
			w1 = jstr(js, "channel_name");
			w2 = jstr(js, "uid");
			break;
		case TOK_SVC_STREAMING:
		case TOK_SVC_FCDN:
			w1 = jstr(js, "channel_name");
			w2 = jstr(js, "account");
			break;
		case TOK_SVC_RTM:
		case TOK_SVC_CHAT:
		case TOK_SVC_RTM2:
			w1 = jstr(js, "user_id");
			break;
		case TOK_SVC_APAAS:
			w1 = jstr(js, "room_uuid");
			w2 = jstr(js, "user_uuid");
			break;
		}
		if (!str_eq(ds->s1, ds->s1_len, w1) ||
		    !str_eq(ds->s2, ds->s2_len, w2)) {
			snprintf(why, sizeof(why), "service %zu: s1 \"%.*s\" "
			    "s2 \"%.*s\", want \"%s\" \"%s\"", i,
			    (int)ds->s1_len, ds->s1 ? ds->s1 : "",
			    (int)ds->s2_len, ds->s2 ? ds->s2 : "",
			    w1 ? w1 : "(null)", w2 ? w2 : "(null)");
			return why;
		}
	}
	return NULL;
}

/* The certificate with its first character changed (still valid hex). */
static void
wrong_cert(const char *cert, char *out)
{
	memcpy(out, cert, 33);
	out[0] = out[0] == '0' ? '1' : '0';
}

/*
 * Decodes tok and checks it against p (and the vector's services svcs),
 * that it verifies with cert and not with a one-character change.
 */
static void
round_trip(const char *name, const char *tok, const struct tok_params *p,
    json_t *svcs, const char *cert, const char *payload_hex)
{
	struct tok_decoded	 d;
	enum tok_err		 e;
	const char		*why;
	char			 bad[33];

	if ((e = tok_decode(tok, strlen(tok), &d)) != TOK_OK) {
		result(name, "tok_decode: %s", tok_strerror(e));
		return;
	}
	wrong_cert(cert, bad);
	if ((why = check_decoded(&d, p, svcs)) != NULL)
		result(name, "%s", why);
	else if (payload_hex != NULL &&
	    !hex_equal(d.raw, d.raw_len, payload_hex))
		result(name, "inflated payload differs from payload_hex");
	else if (!tok_verify(&d, cert))
		result(name, "tok_verify false with the right certificate");
	else if (tok_verify(&d, bad))
		result(name, "tok_verify true with a wrong certificate");
	else
		result(name, NULL);
	tok_decoded_free(&d);
}

/*
 * The content of a real token must take defl's fast path (else the speed
 * of the service silently falls back to zlib's) and give zlib's bytes.
 */
static void
fast_deflate(const char *name, const unsigned char *raw, size_t len)
{
	static unsigned char	 fast[TOK_MAX_TOKEN], ref[TOK_MAX_TOKEN];
	struct defl		*df;
	uLongf			 rlen = sizeof(ref);
	size_t			 flen;

	if ((df = defl_new()) == NULL) {
		result(name, "defl_new failed");
		return;
	}
	flen = defl_zlib(df, raw, len, fast, sizeof(fast));
	if (compress2(ref, &rlen, raw, (uLong)len, Z_DEFAULT_COMPRESSION) !=
	    Z_OK)
		result(name, "compress2 failed");
	else if (flen == 0)
		result(name, "declined a %zu-byte token content", len);
	else if (flen != rlen || memcmp(fast, ref, flen) != 0)
		result(name, "%zu bytes differ from zlib's %lu", flen,
		    (unsigned long)rlen);
	else
		result(name, NULL);
	defl_free(df);
}

static void
run_vectors(struct tok_ctx *c, const char *path)
{
	static unsigned char	 bodies[TOK_MAX_SERVICES][BODY_MAX];
	struct tok_params	 p;
	struct tok_decoded	 d;
	json_error_t		 jerr;
	json_t			*root, *vs, *v;
	const char		*id, *fmt, *want, *other, *phex, *shex, *why;
	char			 tok[TOK_MAX_TOKEN], name[160], skip[200];
	size_t			 i;
	enum tok_err		 e;

	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		result("load vectors", "%s: %s (line %d)", path, jerr.text,
		    jerr.line);
		return;
	}
	vs = json_object_get(root, "vectors");
	result("load vectors", json_array_size(vs) > 0 ? NULL :
	    "no \"vectors\" array");

	json_array_foreach(vs, i, v) {
		id = jstr(v, "id");
		fmt = jstr(v, "format");
		want = jstr(v, "expected_token");
		other = jstr(v, "other_encoder_token");
		phex = jstr(v, "payload_hex");
		shex = jstr(v, "signature_hex");
		if (id == NULL || fmt == NULL) {
			result("vector shape", "vector %zu lacks id/format", i);
			continue;
		}
		if (strcmp(fmt, "007") != 0) {
			printf("skip - vector %s: format %s is out of scope\n",
			    id, fmt);
			continue;
		}
		if (fill_params(v, &p, bodies, skip, sizeof(skip)) == -1) {
			printf("skip - vector %s: cannot be expressed: %s\n",
			    id, skip);
			continue;
		}

		if (p.app_certificate == NULL || json_is_true(
		    json_object_get(v, "decode_only"))) {
			/* No certificate: decode and check fields only. */
			snprintf(name, sizeof(name), "vector %s: decode", id);
			if (want == NULL) {
				result(name, "no expected_token");
				continue;
			}
			if ((e = tok_decode(want, strlen(want), &d)) != TOK_OK)
				result(name, "tok_decode: %s", tok_strerror(e));
			else if ((why = check_decoded(&d, &p,
			    json_object_get(v, "services"))) != NULL)
				result(name, "%s", why);
			else if (!hex_equal(d.raw, d.raw_len, phex))
				result(name, "payload differs");
			else if (!hex_equal(d.signature, d.signature_len, shex))
				result(name, "signature differs");
			else if (tok_verify(&d, app_cert))
				result(name, "verifies with an unrelated "
				    "certificate");
			else
				result(name, NULL);
			tok_decoded_free(&d);
			continue;
		}

		snprintf(name, sizeof(name), "vector %s: token", id);
		e = tok_build(c, &p, tok, sizeof(tok));
		if (e != TOK_OK) {
			result(name, "tok_build: %s", tok_strerror(e));
			continue;
		}
		if (want == NULL)
			result(name, "no expected_token in vector");
		else if (strcmp(tok, want) != 0)
			result(name, "got %s, want %s", tok, want);
		else
			result(name, NULL);

		snprintf(name, sizeof(name), "vector %s: payload", id);
		if ((e = tok_decode(tok, strlen(tok), &d)) != TOK_OK)
			result(name, "tok_decode: %s", tok_strerror(e));
		else if (!hex_equal(d.raw, d.raw_len, phex))
			result(name, "inflated payload differs from "
			    "payload_hex");
		else if (!hex_equal(d.signature, d.signature_len, shex))
			result(name, "signature differs from signature_hex");
		else
			result(name, NULL);
		if (e == TOK_OK) {
			snprintf(name, sizeof(name), "vector %s: fast deflate",
			    id);
			fast_deflate(name, d.raw, d.raw_len);
		}
		tok_decoded_free(&d);

		snprintf(name, sizeof(name), "vector %s: round trip", id);
		round_trip(name, tok, &p, json_object_get(v, "services"),
		    p.app_certificate, NULL);

		/* Another zlib's bytes for the same payload must decode. */
		if (other != NULL) {
			snprintf(name, sizeof(name), "vector %s: other encoder",
			    id);
			round_trip(name, other, &p,
			    json_object_get(v, "services"), p.app_certificate,
			    phex);
		}
	}
	json_decref(root);
}

/*
 * Hand-made params: an RTC publisher token (the benchmark shape).
 */
static unsigned char	 rtc_body[128];

static void
base_params(struct tok_params *p)
{
	static const char	 ch[] = "7d72365eb983485397e3e3f9d460bdda";
	char			 uid[11];
	size_t			 n, i;

	memset(p, 0, sizeof(*p));
	p->app_id = app_id;
	p->app_certificate = app_cert;
	p->issue_ts = 1700000000;
	p->expire = 3600;
	p->salt = 12345678;
	p->nservice = 1;
	p->svc[0].type = TOK_SVC_RTC;
	p->svc[0].npriv = 4;
	for (i = 0; i < 4; i++) {
		p->svc[0].priv[i].key = (uint16_t)(i + 1);
		p->svc[0].priv[i].value = 1800;
	}
	n = tok_uid_text(2882341273U, uid);
	p->svc[0].body = rtc_body;
	p->svc[0].body_len = tok_body_rtc(rtc_body, sizeof(rtc_body), ch,
	    strlen(ch), uid, n);
}

/* Builds p, expecting want; checks that a failure leaves out "". */
static void
build_case(struct tok_ctx *c, const char *name, const struct tok_params *p,
    size_t outsz, enum tok_err want)
{
	char		 out[TOK_MAX_TOKEN];
	enum tok_err	 e;

	memset(out, 'X', sizeof(out));
	e = tok_build(c, p, out, outsz);
	if (e != want)
		result(name, "got %s, want %s", tok_strerror(e),
		    tok_strerror(want));
	else if (e != TOK_OK && out[0] != '\0')
		result(name, "output not emptied on error");
	else if (e == TOK_OK && strlen(out) >= outsz)
		result(name, "output overflows");
	else
		result(name, NULL);
}

/*
 * A context keeps the last k1 (certificate and second): tokens from one
 * context must sign with the certificate and second of their own params,
 * however the calls interleave, and match a fresh context's bytes.
 */
static void
test_k1_reuse(struct tok_ctx *c)
{
	static const char	 cert2[] = "0123456789abcdef0123456789ABCDEF";
	static const struct {
		const char	*cert;
		uint32_t	 ts;
	} seq[] = {
		{ app_cert, 1700000000 }, { app_cert, 1700000000 },
		{ cert2, 1700000000 }, { app_cert, 1700000000 },
		{ app_cert, 1700000001 }, { cert2, 1700000001 },
		{ cert2, 1700000002 }, { app_cert, 1700000000 },
	};
	struct tok_params	 p;
	struct tok_decoded	 d;
	struct tok_ctx		*fresh;
	char			 got[TOK_MAX_TOKEN], want[TOK_MAX_TOKEN];
	char			 name[96];
	const char		*other;
	size_t			 i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		snprintf(name, sizeof(name), "k1 reuse: call %zu (cert %d, ts "
		    "%u)", i, seq[i].cert == app_cert ? 1 : 2,
		    (unsigned)seq[i].ts);
		base_params(&p);
		p.app_certificate = seq[i].cert;
		p.issue_ts = seq[i].ts;
		p.salt = (uint32_t)(1000 + i);
		other = seq[i].cert == app_cert ? cert2 : app_cert;
		if ((fresh = tok_ctx_new()) == NULL) {
			result(name, "tok_ctx_new failed");
			return;
		}
		if (tok_build(c, &p, got, sizeof(got)) != TOK_OK ||
		    tok_build(fresh, &p, want, sizeof(want)) != TOK_OK)
			result(name, "tok_build failed");
		else if (strcmp(got, want) != 0)
			result(name, "differs from a fresh context's token");
		else if (tok_decode(got, strlen(got), &d) != TOK_OK)
			result(name, "does not decode");
		else {
			if (!tok_verify(&d, seq[i].cert))
				result(name, "does not verify with its own "
				    "certificate");
			else if (tok_verify(&d, other))
				result(name, "verifies with the other "
				    "certificate");
			else
				result(name, NULL);
			tok_decoded_free(&d);
		}
		tok_ctx_free(fresh);
	}
}

static void
test_build_errors(struct tok_ctx *c)
{
	static const struct {
		const char	*name;
		const char	*app_id, *cert;
		enum tok_err	 want;
	} cred[] = {
		{ "cred: valid", app_id, app_cert, TOK_OK },
		{ "cred: app id 31 chars", "970CA35de60c44645bbae8a215061b3",
		    app_cert, TOK_ECRED },
		{ "cred: app id 33 chars", "970CA35de60c44645bbae8a215061b333",
		    app_cert, TOK_ECRED },
		{ "cred: app id non-hex", "970CA35de60c44645bbae8a215061g33",
		    app_cert, TOK_ECRED },
		{ "cred: app id empty", "", app_cert, TOK_ECRED },
		{ "cred: app id NULL", NULL, app_cert, TOK_ECRED },
		{ "cred: app id with space", " 70CA35de60c44645bbae8a215061b33",
		    app_cert, TOK_ECRED },
		{ "cred: certificate 31 chars", app_id,
		    "5CFd2fd1755d40ecb72977518be15d3", TOK_ECRED },
		{ "cred: certificate 33 chars", app_id,
		    "5CFd2fd1755d40ecb72977518be15d3bb", TOK_ECRED },
		{ "cred: certificate non-hex", app_id,
		    "5CFd2fd1755d40ecb72977518be15d3z", TOK_ECRED },
		{ "cred: certificate empty", app_id, "", TOK_ECRED },
		{ "cred: certificate NULL", app_id, NULL, TOK_ECRED },
	};
	static unsigned char	 big[70000];
	struct tok_params	 p;
	char			 s[66000];
	size_t			 i, n;
	uint32_t		 x;

	for (i = 0; i < sizeof(cred) / sizeof(cred[0]); i++) {
		base_params(&p);
		p.app_id = cred[i].app_id;
		p.app_certificate = cred[i].cert;
		build_case(c, cred[i].name, &p, TOK_MAX_TOKEN, cred[i].want);
	}

	base_params(&p);
	p.nservice = 0;
	build_case(c, "build: no service", &p, TOK_MAX_TOKEN, TOK_ENOSERVICE);

	base_params(&p);
	for (i = 1; i < TOK_MAX_SERVICES; i++)
		p.svc[i] = p.svc[0];
	p.nservice = TOK_MAX_SERVICES;
	build_case(c, "build: 8 services", &p, TOK_MAX_TOKEN, TOK_OK);
	p.nservice = TOK_MAX_SERVICES + 1;
	build_case(c, "build: 9 services", &p, TOK_MAX_TOKEN, TOK_ETOOMANY);

	base_params(&p);
	for (i = 0; i < TOK_MAX_PRIVILEGES; i++) {
		p.svc[0].priv[i].key = (uint16_t)(i + 1);
		p.svc[0].priv[i].value = 60;
	}
	p.svc[0].npriv = TOK_MAX_PRIVILEGES;
	build_case(c, "build: 8 privileges", &p, TOK_MAX_TOKEN, TOK_OK);
	p.svc[0].npriv = TOK_MAX_PRIVILEGES + 1;
	build_case(c, "build: 9 privileges", &p, TOK_MAX_TOKEN, TOK_ETOOMANY);

	base_params(&p);
	p.svc[0].body = NULL;
	build_case(c, "build: body_len without body", &p, TOK_MAX_TOKEN,
	    TOK_EFORMAT);

	/* Strings over the u16 limit are refused, never truncated. */
	memset(s, 'a', sizeof(s));
	n = tok_body_str(big, sizeof(big), s, 65536);
	result("body: str of 65536 bytes refused", n == 0 ? NULL :
	    "returned %zu", n);
	n = tok_body_str(big, sizeof(big), s, 65535);
	result("body: str of 65535 bytes packed", n == 65537 ? NULL :
	    "returned %zu", n);
	n = tok_body_rtc(big, sizeof(big), s, 65536, "1", 1);
	result("body: rtc channel of 65536 bytes refused", n == 0 ? NULL :
	    "returned %zu", n);
	n = tok_body_rtc(big, sizeof(big), "c", 1, s, 65536);
	result("body: rtc uid of 65536 bytes refused", n == 0 ? NULL :
	    "returned %zu", n);
	n = tok_body_rtc(big, 4 + 3 + 1, "abc", 3, "12", 2);
	result("body: rtc buffer one byte short", n == 0 ? NULL :
	    "returned %zu", n);
	n = tok_body_rtc(big, 4 + 3 + 2, "abc", 3, "12", 2);
	result("body: rtc buffer exact", n == 9 &&
	    memcmp(big, "\3\0abc\2\00012", 9) == 0 ? NULL : "returned %zu", n);
	n = tok_body_str(big, 2, "", 0);
	result("body: empty str", n == 2 && big[0] == 0 && big[1] == 0 ?
	    NULL : "returned %zu", n);

	/* A 65535-byte string packs but cannot make a 4 KiB token. */
	base_params(&p);
	p.svc[0].type = TOK_SVC_RTM;
	p.svc[0].body = big;
	p.svc[0].body_len = tok_body_str(big, sizeof(big), s, 65535);
	build_case(c, "build: 65535-byte user id too long for a token", &p,
	    TOK_MAX_TOKEN, TOK_ETOOLONG);

	/* Incompressible body that fits the content buffer, not the token. */
	for (i = 0, x = 2463534242U; i < 8000; i++) {
		x ^= x << 13;		/* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		big[i] = (unsigned char)(x >> 24);
	}
	p.svc[0].body_len = 8000;
	build_case(c, "build: incompressible 8000-byte body", &p,
	    TOK_MAX_TOKEN, TOK_ETOOLONG);

	base_params(&p);
	build_case(c, "build: output buffer of 1 byte", &p, 1, TOK_ETOOLONG);
	build_case(c, "build: output buffer of 100 bytes", &p, 100,
	    TOK_ETOOLONG);
}

static void
test_build_null_ctx(void)
{
	struct tok_params	 p;
	char			 out[TOK_MAX_TOKEN];
	enum tok_err		 e;

	base_params(&p);
	out[0] = 'X';
	e = tok_build(NULL, &p, out, sizeof(out));
	result("build: NULL ctx", e == TOK_ENOMEM && out[0] == '\0' ? NULL :
	    "got %s", tok_strerror(e));
	e = tok_build(NULL, &p, NULL, 0);
	result("build: NULL output", e != TOK_OK ? NULL : "returned TOK_OK");
}

/* Privilege maps are sorted and deduplicated by the core. */
static void
test_privilege_maps(struct tok_ctx *c)
{
	static const struct tok_privilege give[] = {
		{ 4, 40 }, { 1, 10 }, { 3, 30 }, { 4, 41 }, { 2, 20 },
		{ 1, 11 }, { 4, 42 },
	};
	static const struct tok_privilege want[] = {
		{ 1, 11 }, { 2, 20 }, { 3, 30 }, { 4, 42 },
	};
	struct tok_params	 p;
	struct tok_decoded	 d;
	char			 tok[TOK_MAX_TOKEN];
	const char		*why = NULL;
	size_t			 i;

	base_params(&p);
	memcpy(p.svc[0].priv, give, sizeof(give));
	p.svc[0].npriv = sizeof(give) / sizeof(give[0]);
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK ||
	    tok_decode(tok, strlen(tok), &d) != TOK_OK) {
		result("privileges: sorted, last value of a repeat wins",
		    "build or decode failed");
		return;
	}
	if (d.svc[0].npriv != 4)
		why = "wrong count";
	for (i = 0; why == NULL && i < 4; i++)
		if (d.svc[0].priv[i].key != want[i].key ||
		    d.svc[0].priv[i].value != want[i].value)
			why = "wrong map";
	verdict("privileges: sorted, last value of a repeat wins", why);
	tok_decoded_free(&d);

	/* An empty map is legal. */
	base_params(&p);
	p.svc[0].npriv = 0;
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK)
		result("privileges: empty map round trip", "tok_build failed");
	else
		round_trip("privileges: empty map round trip", tok, &p, NULL,
		    app_cert, NULL);
}

/* Services of equal type keep their order; the rest sort by type. */
static void
test_service_order(struct tok_ctx *c)
{
	static const struct {
		uint16_t	 type;
		const char	*id;
	} give[] = {
		{ TOK_SVC_CHAT, "chat" }, { TOK_SVC_RTC, "rtc-a" },
		{ TOK_SVC_RTM, "rtm" }, { TOK_SVC_RTC, "rtc-b" },
		{ TOK_SVC_FPA, NULL }, { TOK_SVC_RTC, "rtc-c" },
	};
	static const char *const want[] = { "rtc-a", "rtc-b", "rtc-c", "rtm",
	    NULL, "chat" };
	static unsigned char	 bodies[6][64];
	struct tok_params	 p;
	struct tok_decoded	 d;
	char			 tok[TOK_MAX_TOKEN];
	const char		*why = NULL, *id;
	size_t			 i, n;

	base_params(&p);
	p.nservice = 6;
	for (i = 0; i < 6; i++) {
		p.svc[i].type = give[i].type;
		p.svc[i].npriv = 1;
		p.svc[i].priv[0].key = 1;
		p.svc[i].priv[0].value = (uint32_t)i;
		id = give[i].id;
		if (id == NULL)
			n = 0;
		else if (give[i].type == TOK_SVC_RTC)
			n = tok_body_rtc(bodies[i], 64, "ch", 2, id,
			    strlen(id));
		else
			n = tok_body_str(bodies[i], 64, id, strlen(id));
		p.svc[i].body = n ? bodies[i] : NULL;
		p.svc[i].body_len = n;
	}
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK ||
	    tok_decode(tok, strlen(tok), &d) != TOK_OK) {
		result("services: stable sort by type", "build/decode failed");
		return;
	}
	if (d.nservice != 6)
		why = "wrong count";
	for (i = 0; why == NULL && i < 6; i++) {
		id = want[i];
		if (id == NULL)
			continue;
		if (d.svc[i].type == TOK_SVC_RTC ?
		    !str_eq(d.svc[i].s2, d.svc[i].s2_len, id) :
		    !str_eq(d.svc[i].s1, d.svc[i].s1_len, id))
			why = "wrong order";
	}
	verdict("services: stable sort by type", why);
	if (why == NULL)
		round_trip("services: stable sort round trip", tok, &p, NULL,
		    app_cert, NULL);
	tok_decoded_free(&d);
}

static void
test_determinism(struct tok_ctx *c)
{
	struct tok_params	 p;
	struct tok_ctx		*c2;
	char			 a[TOK_MAX_TOKEN], b[TOK_MAX_TOKEN];

	base_params(&p);
	tok_build(c, &p, a, sizeof(a));
	tok_build(c, &p, b, sizeof(b));
	result("determinism: same params, same string", a[0] != '\0' &&
	    strcmp(a, b) == 0 ? NULL : "differ");

	if ((c2 = tok_ctx_new()) == NULL) {
		result("determinism: fresh ctx", "tok_ctx_new failed");
	} else {
		tok_build(c2, &p, b, sizeof(b));
		result("determinism: fresh ctx gives the reused ctx's string",
		    strcmp(a, b) == 0 ? NULL : "differ");
		tok_ctx_free(c2);
	}

	p.salt++;
	tok_build(c, &p, b, sizeof(b));
	result("determinism: different salt, different string",
	    b[0] != '\0' && strcmp(a, b) != 0 ? NULL : "same");
	p.salt--;
	p.issue_ts++;
	tok_build(c, &p, b, sizeof(b));
	result("determinism: different issue_ts, different string",
	    b[0] != '\0' && strcmp(a, b) != 0 ? NULL : "same");
}

static void
test_uid_text(void)
{
	static const struct {
		uint32_t	 uid;
		const char	*want;
	} t[] = {
		{ 0, "" }, { 1, "1" }, { 10, "10" }, { 2882341273U, "2882341273" },
		{ 4294967295U, "4294967295" },
	};
	char	 buf[11], name[64];
	size_t	 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "uid_text: %u", t[i].uid);
		memset(buf, 'X', sizeof(buf));
		n = tok_uid_text(t[i].uid, buf);
		result(name, n == strlen(t[i].want) &&
		    strcmp(buf, t[i].want) == 0 ? NULL : "got \"%.11s\" (%zu)",
		    buf, n);
	}
}

static void
test_valid_hex32(void)
{
	static const struct {
		const char	*s;
		int		 want;
	} t[] = {
		{ "0123456789abcdefABCDEF0123456789", 1 },
		{ "0123456789abcdefABCDEF012345678", 0 },
		{ "0123456789abcdefABCDEF01234567890", 0 },
		{ "0123456789abcdefABCDEF012345678g", 0 },
		{ "0x23456789abcdefABCDEF0123456789", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};
	char	 name[80];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "valid_hex32: \"%s\"",
		    t[i].s ? t[i].s : "(null)");
		result(name, tok_valid_hex32(t[i].s) == t[i].want ? NULL :
		    "got %d", !t[i].want);
	}
}

/* Decodes tok, expecting want; the struct must be empty on error. */
static void
decode_case(const char *name, const char *tok, size_t len,
    enum tok_err want)
{
	struct tok_decoded	 d;
	enum tok_err		 e;

	memset(&d, 0x5a, sizeof(d));
	e = tok_decode(tok, len, &d);
	if (e != want)
		result(name, "got %s, want %s", tok_strerror(e),
		    tok_strerror(want));
	else if (e != TOK_OK && (d.raw != NULL || d.nservice != 0 ||
	    d.app_id != NULL))
		result(name, "struct not emptied on error");
	else
		result(name, NULL);
	tok_decoded_free(&d);
}

static void
decode_str(const char *name, const char *tok, enum tok_err want)
{
	decode_case(name, tok, strlen(tok), want);
}

/* Returns malloc'd a + b. */
static char *
cat(const char *a, const char *b)
{
	size_t	 na = strlen(a), nb = strlen(b);
	char	*t;

	if ((t = malloc(na + nb + 1)) == NULL)
		abort();
	memcpy(t, a, na);
	memcpy(t + na, b, nb + 1);
	return t;
}

/* Returns a malloc'd copy of s with s[i] replaced by ch. */
static char *
with_char(const char *s, size_t i, char ch)
{
	char	*t = cat(s, "");

	t[i] = ch;
	return t;
}

static int
b64_index(char ch)
{
	static const char	 a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*q = strchr(a, ch);

	return q == NULL || ch == '\0' ? -1 : (int)(q - a);
}

/*
 * A base-params token whose base64 ends in exactly pads '=' (1 or 2):
 * tries salts from 1 up, which is deterministic.  Returns 0 or -1.
 */
static int
padded_token(struct tok_ctx *c, size_t pads, char *tok, size_t sz)
{
	struct tok_params	 p;
	size_t			 n;

	base_params(&p);
	for (p.salt = 1; p.salt < 1000; p.salt++) {
		if (tok_build(c, &p, tok, sz) != TOK_OK)
			return -1;
		n = strlen(tok);
		if (tok[n - 1] == '=' && (tok[n - 2] == '=') == (pads == 2))
			return 0;
	}
	return -1;
}

static void
test_decode_errors(struct tok_ctx *c)
{
	struct tok_params	 p;
	struct tok_decoded	 d;
	unsigned char		 z[256], *big;
	char			 tok[TOK_MAX_TOKEN], *t, *u;
	uLongf			 zlen;
	size_t			 n, len, pads;
	int			 v;

	base_params(&p);
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK) {
		result("decode errors: base token", "tok_build failed");
		return;
	}
	len = strlen(tok);
	decode_str("decode: base token", tok, TOK_OK);

	decode_str("decode: empty", "", TOK_EFORMAT);
	decode_case("decode: NULL", NULL, 0, TOK_EFORMAT);
	decode_str("decode: \"007\" alone", "007", TOK_EFORMAT);
	decode_str("decode: \"00\"", "00", TOK_EFORMAT);
	t = with_char(tok, 2, '6');
	decode_str("decode: \"006\" prefix", t, TOK_EFORMAT);
	free(t);
	decode_str("decode: 006 token",
	    "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eXGGh4", 
	    TOK_EFORMAT);
	decode_case("decode: one base64 char short", tok, len - 1,
	    TOK_EFORMAT);
	decode_str("decode: 5 base64 chars", "007eJxTY", TOK_EFORMAT);
	t = with_char(tok, 10, '*');
	decode_str("decode: bad base64 char", t, TOK_EFORMAT);
	free(t);
	t = with_char(tok, 10, '=');
	decode_str("decode: '=' inside", t, TOK_EFORMAT);
	free(t);
	t = with_char(tok, 3, '-');
	decode_str("decode: URL-safe alphabet", t, TOK_EFORMAT);
	free(t);
	t = cat(tok, "\n");
	decode_str("decode: trailing newline", t, TOK_EFORMAT);
	free(t);
	t = cat(" ", tok);
	decode_str("decode: leading space", t, TOK_EFORMAT);
	free(t);
	t = with_char(tok, 7, '\0');
	decode_case("decode: NUL inside", t, len, TOK_EFORMAT);
	free(t);

	/*
	 * Padding: only the canonical form.  Unpadded text is not strict
	 * base64, and bits under the padding must be zero.
	 */
	for (pads = 1; pads <= 2; pads++) {
		char	 pt[TOK_MAX_TOKEN], nm[80];

		if (padded_token(c, pads, pt, sizeof(pt)) == -1) {
			result("decode: padded token", "none found");
			continue;
		}
		n = strlen(pt);
		snprintf(nm, sizeof(nm), "decode: %zu '=' of padding", pads);
		decode_str(nm, pt, TOK_OK);
		t = with_char(pt, n - pads, '\0');
		snprintf(nm, sizeof(nm), "decode: %zu '=' removed", pads);
		decode_str(nm, t, TOK_EFORMAT);
		free(t);
		v = b64_index(pt[n - pads - 1]);
		t = with_char(pt, n - pads - 1,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/"[v | 1]);
		snprintf(nm, sizeof(nm), "decode: non-zero bits under %zu '='",
		    pads);
		decode_str(nm, t, TOK_EFORMAT);
		free(t);
	}

	decode_str("decode: base64 of non-zlib", "007aGVsbG8gd29ybGQ=",
	    TOK_EFORMAT);

	/* Raw deflate, a gzip header, a bad Adler-32, bytes after the end. */
	if (tok_decode(tok, len, &d) != TOK_OK)
		abort();
	zlen = sizeof(z);
	if (compress2(z, &zlen, d.raw, (uLong)d.raw_len, 6) != Z_OK)
		abort();
	tok_decoded_free(&d);
	t = token_from_z(z + 2, zlen - 2 - 4);
	decode_str("decode: raw deflate, no zlib header", t, TOK_EFORMAT);
	free(t);
	z[zlen - 1] ^= 1;
	t = token_from_z(z, zlen);
	decode_str("decode: bad Adler-32", t, TOK_EFORMAT);
	free(t);
	z[zlen - 1] ^= 1;
	memcpy(z + zlen, "\0\0\0", 3);
	t = token_from_z(z, zlen + 3);
	decode_str("decode: bytes after the zlib stream", t, TOK_EFORMAT);
	free(t);
	t = token_from_z(z, zlen);
	decode_str("decode: re-deflated payload", t, TOK_OK);
	free(t);

	/* Too long to be a token at all. */
	if ((t = malloc(300000)) == NULL)
		abort();
	memcpy(t, "007", 3);
	memset(t + 3, 'A', 300000 - 4);
	t[300000 - 1] = '\0';
	decode_str("decode: 300000-char input", t, TOK_EFORMAT);
	free(t);

	/* Decompression bomb: 10 MiB of zeros is ~10 KiB compressed. */
	n = 10 << 20;
	if ((big = calloc(1, n)) == NULL)
		abort();
	t = token_from_content(big, n, 9);
	decode_str("decode: 10 MiB bomb", t, TOK_EFORMAT);
	free(t);
	free(big);

	/* Limit boundary: a valid content padded to 64 KiB, then one more. */
	if (tok_decode(tok, len, &d) != TOK_OK)
		abort();
	if ((big = calloc(1, 65537)) == NULL)
		abort();
	memcpy(big, d.raw, d.raw_len);
	tok_decoded_free(&d);
	t = token_from_content(big, 65536, 6);
	decode_str("decode: 65536 inflated bytes (trailing zeros)", t, TOK_OK);
	if (tok_decode(t, strlen(t), &d) == TOK_OK) {
		result("verify: unsigned trailing bytes fail",
		    tok_verify(&d, app_cert) ? "verified" : NULL);
		tok_decoded_free(&d);
	}
	free(t);
	t = token_from_content(big, 65537, 6);
	decode_str("decode: 65537 inflated bytes", t, TOK_EFORMAT);
	free(t);
	t = token_from_content(big, 65537, 0);
	decode_str("decode: 65537 inflated bytes, stored blocks", t,
	    TOK_EFORMAT);
	free(t);
	free(big);

	/* Other valid zlib streams: level 0 (stored), 1, 9. */
	if (tok_decode(tok, len, &d) != TOK_OK)
		abort();
	t = token_from_content(d.raw, d.raw_len, 0);
	u = token_from_content(d.raw, d.raw_len, 1);
	tok_decoded_free(&d);
	round_trip("decode: stored-block zlib stream", t, &p, NULL, app_cert,
	    NULL);
	round_trip("decode: level-1 zlib stream", u, &p, NULL, app_cert, NULL);
	free(t);
	free(u);
}

/* Crafted contents: limits on services and privileges, odd shapes. */
static void
test_decode_shapes(void)
{
	unsigned char		 buf[2048];
	struct pk		 k;
	struct tok_decoded	 d;
	char			*t;
	const char		*why;
	size_t			 i;
	enum tok_err		 e;

#define PK_START(siglen, n) do {					\
	k.p = buf; k.len = 0; k.cap = sizeof(buf); k.err = 0;		\
	pk_head(&k, (siglen), (n));					\
} while (0)

	/* 8 FPA services (empty map, empty body) parse; 9 do not. */
	PK_START(32, 8);
	for (i = 0; i < 8; i++) {
		pk_u16(&k, TOK_SVC_FPA);
		pk_u16(&k, 0);
	}
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: 8 services", t, TOK_OK);
	free(t);
	PK_START(32, 9);
	for (i = 0; i < 9; i++) {
		pk_u16(&k, TOK_SVC_FPA);
		pk_u16(&k, 0);
	}
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: 9 services", t, TOK_EFORMAT);
	free(t);

	/* 9 known services, but parsing stops at an unknown 9th. */
	PK_START(32, 10);
	for (i = 0; i < 8; i++) {
		pk_u16(&k, TOK_SVC_FPA);
		pk_u16(&k, 0);
	}
	pk_u16(&k, 999);
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: 8 services then unknown", t, TOK_OK);
	free(t);

	/* 8 privileges parse, 9 do not. */
	PK_START(32, 1);
	pk_u16(&k, TOK_SVC_FPA);
	pk_u16(&k, 8);
	for (i = 0; i < 8; i++) {
		pk_u16(&k, (unsigned int)i + 1);
		pk_u32(&k, 60);
	}
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: 8 privileges", t, TOK_OK);
	free(t);
	PK_START(32, 1);
	pk_u16(&k, TOK_SVC_FPA);
	pk_u16(&k, 9);
	for (i = 0; i < 9; i++) {
		pk_u16(&k, (unsigned int)i + 1);
		pk_u32(&k, 60);
	}
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: 9 privileges", t, TOK_EFORMAT);
	free(t);

	/* Unknown first type: success with no services. */
	PK_START(32, 2);
	pk_u16(&k, 0);
	pk_u16(&k, 0);
	t = token_from_content(buf, k.len, 6);
	why = NULL;
	if ((e = tok_decode(t, strlen(t), &d)) != TOK_OK)
		why = tok_strerror(e);
	else if (d.nservice != 0 || d.declared_services != 2)
		why = "wrong counts";
	verdict("shape: type 0 stops parsing", why);
	tok_decoded_free(&d);
	free(t);

	/* Zero declared services: parses (building refuses them). */
	PK_START(32, 0);
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: zero services", t, TOK_OK);
	free(t);

	/* Declared more services than present. */
	PK_START(32, 2);
	pk_u16(&k, TOK_SVC_FPA);
	pk_u16(&k, 0);
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: second service missing", t, TOK_EFORMAT);
	free(t);

	/* A 31-byte signature decodes but cannot verify. */
	PK_START(31, 1);
	pk_u16(&k, TOK_SVC_FPA);
	pk_u16(&k, 0);
	t = token_from_content(buf, k.len, 6);
	why = NULL;
	if ((e = tok_decode(t, strlen(t), &d)) != TOK_OK)
		why = tok_strerror(e);
	else if (d.signature_len != 31)
		why = "wrong signature length";
	else if (tok_verify(&d, app_cert))
		why = "verified";
	verdict("shape: 31-byte signature decodes, does not verify", why);
	tok_decoded_free(&d);
	free(t);

	/* Every body shape, to the byte: streaming, FCDN, APaaS, RTM2. */
	PK_START(32, 4);
	pk_u16(&k, TOK_SVC_STREAMING);
	pk_u16(&k, 0);
	pk_str(&k, "ch");
	pk_str(&k, "acct");
	pk_u16(&k, TOK_SVC_FCDN);
	pk_u16(&k, 0);
	pk_str(&k, "ch2");
	pk_str(&k, "");
	pk_u16(&k, TOK_SVC_APAAS);
	pk_u16(&k, 0);
	pk_str(&k, "room");
	pk_str(&k, "user");
	pk_u16(&k, 0xffff);
	pk_u16(&k, TOK_SVC_RTM2);
	pk_u16(&k, 0);
	pk_str(&k, "u");
	pk_u16(&k, 1);		/* one resource type */
	pk_u16(&k, 4);
	pk_u16(&k, 1);		/* one permission type */
	pk_u16(&k, 0);
	pk_u16(&k, 2);		/* two resources */
	pk_str(&k, "x");
	pk_str(&k, "yz");
	t = token_from_content(buf, k.len, 6);
	why = NULL;
	if ((e = tok_decode(t, strlen(t), &d)) != TOK_OK)
		why = tok_strerror(e);
	else if (d.nservice != 4)
		why = "wrong count";
	else if (!str_eq(d.svc[0].s1, d.svc[0].s1_len, "ch") ||
	    !str_eq(d.svc[0].s2, d.svc[0].s2_len, "acct") ||
	    d.svc[0].body_len != 10)
		why = "streaming fields";
	else if (!str_eq(d.svc[1].s1, d.svc[1].s1_len, "ch2") ||
	    !str_eq(d.svc[1].s2, d.svc[1].s2_len, "") ||
	    d.svc[1].body_len != 7)
		why = "FCDN fields";
	else if (!str_eq(d.svc[2].s1, d.svc[2].s1_len, "room") ||
	    !str_eq(d.svc[2].s2, d.svc[2].s2_len, "user") ||
	    d.svc[2].body_len != 14 ||
	    d.svc[2].body[12] != 0xff || d.svc[2].body[13] != 0xff)
		why = "APaaS fields";
	else if (!str_eq(d.svc[3].s1, d.svc[3].s1_len, "u") ||
	    !str_eq(d.svc[3].s2, d.svc[3].s2_len, "") ||
	    d.svc[3].body_len != 3 + 2 + 4 + 4 + 3 + 4)
		why = "RTM2 fields";
	verdict("shape: streaming, FCDN, APaaS, RTM2 bodies", why);
	tok_decoded_free(&d);
	free(t);

	/* An RTM2 list claiming more resources than present. */
	PK_START(32, 1);
	pk_u16(&k, TOK_SVC_RTM2);
	pk_u16(&k, 0);
	pk_str(&k, "u");
	pk_u16(&k, 1);
	pk_u16(&k, 0);
	pk_u16(&k, 1);
	pk_u16(&k, 0);
	pk_u16(&k, 65535);
	pk_str(&k, "x");
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: RTM2 short resource list", t, TOK_EFORMAT);
	free(t);

	/* A string length past the end. */
	PK_START(32, 1);
	pk_u16(&k, TOK_SVC_RTM);
	pk_u16(&k, 0);
	pk_u16(&k, 100);
	pk_raw(&k, "abc", 3);
	t = token_from_content(buf, k.len, 6);
	decode_str("shape: string past the end", t, TOK_EFORMAT);
	free(t);
#undef PK_START
}

/*
 * Every prefix of a valid payload, re-deflated, must be refused, and no
 * single-byte change may produce a token that still verifies.
 */
static void
test_truncation(struct tok_ctx *c)
{
	static unsigned char	 bodies[TOK_MAX_SERVICES][64];
	struct tok_params	 p;
	struct tok_decoded	 d, d2;
	unsigned char		*raw;
	char			 tok[TOK_MAX_TOKEN], *t, name[80];
	size_t			 len, i, bad = 0, first = 0;
	unsigned int		 x;
	enum tok_err		 e;

	/* RTC publisher + RTM + Chat: every field kind of the common case. */
	base_params(&p);
	p.nservice = 3;
	p.svc[1].type = TOK_SVC_RTM;
	p.svc[1].npriv = 1;
	p.svc[1].priv[0].key = 1;
	p.svc[1].priv[0].value = 600;
	p.svc[1].body = bodies[1];
	p.svc[1].body_len = tok_body_str(bodies[1], 64, "test_user", 9);
	p.svc[2] = p.svc[1];
	p.svc[2].type = TOK_SVC_CHAT;
	p.svc[2].body = bodies[2];
	p.svc[2].body_len = tok_body_str(bodies[2], 64, "2882341273", 10);
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK ||
	    tok_decode(tok, strlen(tok), &d) != TOK_OK) {
		result("truncation", "base token failed");
		return;
	}
	len = d.raw_len;
	if ((raw = malloc(len)) == NULL)
		abort();
	memcpy(raw, d.raw, len);
	tok_decoded_free(&d);

	for (i = 0; i < len; i++) {
		t = token_from_content(raw, i, 6);
		e = tok_decode(t, strlen(t), &d);
		if (e != TOK_EFORMAT && bad++ == 0)
			first = i;
		tok_decoded_free(&d);
		free(t);
	}
	snprintf(name, sizeof(name), "truncation: all %zu prefixes refused",
	    len);
	result(name, bad == 0 ? NULL : "%zu accepted, first at length %zu",
	    bad, first);

	bad = 0;
	for (i = 0; i < len; i++) {
		for (x = 1; x < 256; x <<= 1) {
			raw[i] ^= (unsigned char)x;
			t = token_from_content(raw, len, 6);
			if (tok_decode(t, strlen(t), &d2) == TOK_OK &&
			    tok_verify(&d2, app_cert) && bad++ == 0)
				first = i;
			tok_decoded_free(&d2);
			free(t);
			raw[i] ^= (unsigned char)x;
		}
	}
	snprintf(name, sizeof(name), "bit flips: none of %zu verifies",
	    len * 8);
	result(name, bad == 0 ? NULL : "%zu verified, first at byte %zu",
	    bad, first);
	free(raw);
}

static void
test_verify_misc(struct tok_ctx *c)
{
	struct tok_params	 p;
	struct tok_decoded	 d;
	char			 tok[TOK_MAX_TOKEN], lower[33];
	size_t			 i;

	base_params(&p);
	if (tok_build(c, &p, tok, sizeof(tok)) != TOK_OK ||
	    tok_decode(tok, strlen(tok), &d) != TOK_OK) {
		result("verify: setup", "build/decode failed");
		return;
	}
	/* The certificate is text: case matters. */
	for (i = 0; i < 33; i++)
		lower[i] = (char)(app_cert[i] >= 'A' && app_cert[i] <= 'F' ?
		    app_cert[i] + 32 : app_cert[i]);
	result("verify: certificate case matters",
	    !tok_verify(&d, lower) ? NULL : "verified lowercased");
	result("verify: NULL certificate", !tok_verify(&d, NULL) ? NULL :
	    "verified");
	result("verify: 31-char certificate",
	    !tok_verify(&d, "5CFd2fd1755d40ecb72977518be15d3") ? NULL :
	    "verified");
	result("verify: NULL decoded", !tok_verify(NULL, app_cert) ? NULL :
	    "verified");
	tok_decoded_free(&d);
	result("verify: freed decoded", !tok_verify(&d, app_cert) ? NULL :
	    "verified");
	tok_decoded_free(&d);	/* twice is safe */
	result("decoded_free: twice is safe", NULL);
}

static void
test_strerror(void)
{
	const char	*s, *t;
	int		 i, j, why = 0;

	for (i = 0; i < TOK__MAX; i++) {
		s = tok_strerror((enum tok_err)i);
		if (s == NULL || *s == '\0')
			why = 1;
		for (j = 0; j < i; j++) {
			t = tok_strerror((enum tok_err)j);
			if (s != NULL && t != NULL && strcmp(s, t) == 0)
				why = 2;
		}
	}
	s = tok_strerror(TOK__MAX);
	if (s == NULL || *s == '\0')
		why = 3;
	result("strerror: every code has its own text",
	    why == 0 ? NULL : "case %d", why);
}

int
main(int argc, char *argv[])
{
	struct tok_ctx	*c;

	if ((c = tok_ctx_new()) == NULL) {
		printf("FAIL - tok_ctx_new\n0 passed, 1 failed\n");
		return 1;
	}
	run_vectors(c, argc > 1 ? argv[1] : VECTORS);
	test_build_errors(c);
	test_build_null_ctx();
	test_privilege_maps(c);
	test_service_order(c);
	test_determinism(c);
	test_k1_reuse(c);
	test_uid_text();
	test_valid_hex32();
	test_decode_errors(c);
	test_decode_shapes();
	test_truncation(c);
	test_verify_misc(c);
	test_strerror();
	tok_ctx_free(c);

	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
