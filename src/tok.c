/*
 * tok.c: the Agora AccessToken2 ("007") core.
 *
 * The format, little-endian throughout; a string is a u16 byte length
 * followed by its bytes; a privilege map is a u16 count of (u16 id,
 * u32 seconds) pairs in ascending id order:
 *
 *   token        = "007" base64(zlib(content))          standard alphabet
 *   content      = string(signature) signing_info
 *   signing_info = string(app_id) u32 issue_ts u32 expire u32 salt
 *                  u16 count service...                  sorted by type
 *   service      = u16 type map body                     body by type
 *   signature    = HMAC-SHA256(k2, signing_info)
 *   k2           = HMAC-SHA256(key u32le(salt), k1)
 *   k1           = HMAC-SHA256(key u32le(issue_ts), app certificate text)
 *
 * App id and certificate are used as their 32 ASCII characters, never
 * hex-decoded.  The official libraries deflate at zlib's default level;
 * doing the same makes the strings byte-identical to theirs.  defl.c
 * writes those very bytes for the usual short content in about half
 * zlib's time; whatever it declines goes through zlib itself.
 *
 * No I/O of any kind: the clock and the random source belong to the
 * caller, which passes issue_ts and salt in.  The only dependencies are
 * libcrypto (HMAC-SHA256) and zlib.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include "defl.h"
#include "tok.h"

#define SIG_LEN		32	/* HMAC-SHA256 output */
#define CRED_LEN	32	/* app id and certificate, as text */
#define STR_MAX		65535	/* u16 length prefix */

/*
 * tok_build packs the content on the stack before deflating it, so the
 * content is capped: past this it is TOK_ETOOLONG even if it might have
 * compressed into TOK_MAX_TOKEN.  Real tokens are a few hundred bytes;
 * 16 KiB is four times the longest token string and plenty for bodies of
 * repetitive ids.
 */
#define CONTENT_MAX	16384

/* Most compressed bytes whose "007" + base64 + NUL fits TOK_MAX_TOKEN. */
#define ZBUF_MAX	(((TOK_MAX_TOKEN - 4) / 4) * 3)

/*
 * Decode limits.  A real token inflates to a few hundred bytes; the caps
 * stop decompression bombs and absurd inputs before they cost memory or
 * time.  The input cap is generous: any sane encoder of a DECODE_MAX
 * payload (even all stored blocks) stays well below it.
 */
#define DECODE_MAX	65536
#define DECODE_IN_MAX	(2 * DECODE_MAX)

/* Bytes of base64 text decoded per inflate() call in tok_decode. */
#define B64_CHUNK	1024

/*
 * k1 = HMAC(issue_ts, certificate) changes once a second, while a busy
 * service mints many tokens a second: keeping the last one saves one
 * HMAC in three.  It is as secret as the certificate and wiped with the
 * context.
 */
struct k1_cache {
	int		 valid;
	uint32_t	 issue_ts;
	char		 cert[CRED_LEN];
	unsigned char	 k1[SIG_LEN];
};

struct tok_ctx {
	struct k1_cache	 k1;
	struct defl	*defl;
	z_stream	 zs;
	int		 zinit;
	EVP_MAC		*mac;
	EVP_MAC_CTX	*mctx;
};

/*
 * A MAC context with HMAC/SHA256 fetched and configured once, so each
 * use is only EVP_MAC_init() with a key.  One-shot HMAC() would fetch
 * the algorithm on every call.
 */
static int
mac_open(EVP_MAC **macp, EVP_MAC_CTX **mctxp)
{
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";

	*macp = NULL;
	*mctxp = NULL;
	if ((*macp = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	if ((*mctxp = EVP_MAC_CTX_new(*macp)) == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(*mctxp, params))
		goto fail;
	return 0;
fail:
	EVP_MAC_CTX_free(*mctxp);
	EVP_MAC_free(*macp);
	*macp = NULL;
	*mctxp = NULL;
	return -1;
}

/* out = HMAC-SHA256(key, msg).  Returns 0, or -1 if libcrypto failed. */
static int
mac_run(EVP_MAC_CTX *m, const unsigned char *key, size_t keylen,
    const unsigned char *msg, size_t msglen, unsigned char out[SIG_LEN])
{
	size_t	 n = 0;

	/* NULL params: the digest was set once in mac_open. */
	if (!EVP_MAC_init(m, key, keylen, NULL) ||
	    !EVP_MAC_update(m, msg, msglen) ||
	    !EVP_MAC_final(m, out, &n, SIG_LEN) || n != SIG_LEN)
		return -1;
	return 0;
}

static void
put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)(v >> 24);
}

static uint16_t
get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/*
 * Signature: the timestamp and salt are the HMAC keys and the
 * certificate text the first message.  Derived keys are wiped on every
 * path except k1's copy in kc (NULL: no cache).  Returns 0, or -1 if
 * libcrypto failed.
 */
static int
sign(EVP_MAC_CTX *m, struct k1_cache *kc, const char *cert,
    uint32_t issue_ts, uint32_t salt, const unsigned char *info,
    size_t infolen, unsigned char sig[SIG_LEN])
{
	unsigned char	 k1[SIG_LEN], k2[SIG_LEN], kb[4];
	int		 rc = -1;

	if (kc != NULL && kc->valid && kc->issue_ts == issue_ts &&
	    CRYPTO_memcmp(kc->cert, cert, CRED_LEN) == 0)
		memcpy(k1, kc->k1, SIG_LEN);
	else {
		put_u32(kb, issue_ts);
		if (mac_run(m, kb, sizeof(kb), (const unsigned char *)cert,
		    CRED_LEN, k1) == -1)
			goto out;
		if (kc != NULL) {
			kc->valid = 1;
			kc->issue_ts = issue_ts;
			memcpy(kc->cert, cert, CRED_LEN);
			memcpy(kc->k1, k1, SIG_LEN);
		}
	}
	put_u32(kb, salt);
	if (mac_run(m, kb, sizeof(kb), k1, sizeof(k1), k2) == -1)
		goto out;
	if (mac_run(m, k2, sizeof(k2), info, infolen, sig) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return rc;
}

static const char b64enc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, no line breaks, NUL-terminated.
 * out needs 4 * ((n + 2) / 3) + 1 bytes. */
static void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t	 v;

	for (; n >= 3; n -= 3, in += 3) {
		v = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
		*out++ = b64enc[v >> 18];
		*out++ = b64enc[(v >> 12) & 0x3f];
		*out++ = b64enc[(v >> 6) & 0x3f];
		*out++ = b64enc[v & 0x3f];
	}
	if (n == 2) {
		v = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8);
		*out++ = b64enc[v >> 18];
		*out++ = b64enc[(v >> 12) & 0x3f];
		*out++ = b64enc[(v >> 6) & 0x3f];
		*out++ = '=';
	} else if (n == 1) {
		v = (uint32_t)in[0] << 16;
		*out++ = b64enc[v >> 18];
		*out++ = b64enc[(v >> 12) & 0x3f];
		*out++ = '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes one group of four characters into out, returning the number of
 * bytes (1..3), or -1 if the group is not strict standard base64.  Padding
 * is allowed only when last is set, and the bits that padding drops must
 * be zero, so every byte string has exactly one accepted encoding.
 */
static int
b64_quad(const unsigned char *q, int last, unsigned char *out)
{
	int	 a, b, c, d;

	if ((a = b64_val(q[0])) < 0 || (b = b64_val(q[1])) < 0)
		return -1;
	if (last && q[2] == '=' && q[3] == '=') {
		if (b & 0x0f)
			return -1;
		out[0] = (unsigned char)((a << 2) | (b >> 4));
		return 1;
	}
	if ((c = b64_val(q[2])) < 0)
		return -1;
	if (last && q[3] == '=') {
		if (c & 0x03)
			return -1;
		out[0] = (unsigned char)((a << 2) | (b >> 4));
		out[1] = (unsigned char)(((b & 0x0f) << 4) | (c >> 2));
		return 2;
	}
	if ((d = b64_val(q[3])) < 0)
		return -1;
	out[0] = (unsigned char)((a << 2) | (b >> 4));
	out[1] = (unsigned char)(((b & 0x0f) << 4) | (c >> 2));
	out[2] = (unsigned char)(((c & 0x03) << 6) | d);
	return 3;
}

static int
is_hex(unsigned char c)
{
	/* Not isxdigit(): that depends on the locale. */
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

int
tok_valid_hex32(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < CRED_LEN; i++)
		if (!is_hex((unsigned char)s[i]))
			return 0;	/* also stops at a short string's NUL */
	return s[CRED_LEN] == '\0';
}

struct tok_ctx *
tok_ctx_new(void)
{
	struct tok_ctx	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->defl = defl_new()) == NULL)
		goto fail;
	/*
	 * Default level, window and memLevel: exactly what compress2() at
	 * Z_DEFAULT_COMPRESSION uses, so the bytes match the vectors.
	 */
	if (deflateInit(&c->zs, Z_DEFAULT_COMPRESSION) != Z_OK)
		goto fail;
	c->zinit = 1;
	if (mac_open(&c->mac, &c->mctx) == -1)
		goto fail;
	return c;
fail:
	tok_ctx_free(c);
	return NULL;
}

void
tok_ctx_free(struct tok_ctx *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(&c->k1, sizeof(c->k1));
	defl_free(c->defl);
	if (c->zinit)
		deflateEnd(&c->zs);
	/* Frees (and clears) the HMAC state keyed with the last k2. */
	EVP_MAC_CTX_free(c->mctx);
	EVP_MAC_free(c->mac);
	free(c);
}

/*
 * Sorts in[0..n) by ascending key into out, then collapses equal keys so
 * that the value given last wins.  The sort is stable,
 * so within a run of equal keys the caller's last one is the run's last.
 * Returns the number of unique keys.
 */
static size_t
priv_normalize(const struct tok_privilege *in, size_t n,
    struct tok_privilege *out)
{
	struct tok_privilege	 t;
	size_t			 i, j, m;

	for (i = 0; i < n; i++) {
		t = in[i];
		for (j = i; j > 0 && out[j - 1].key > t.key; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	for (i = m = 0; i < n; i++) {
		if (m > 0 && out[m - 1].key == out[i].key)
			out[m - 1] = out[i];
		else
			out[m++] = out[i];
	}
	return m;
}

enum tok_err
tok_build(struct tok_ctx *c, const struct tok_params *p, char *out,
    size_t outsz)
{
	unsigned char		 content[CONTENT_MAX];
	unsigned char		 zbuf[ZBUF_MAX];
	struct tok_privilege	 priv[TOK_MAX_SERVICES][TOK_MAX_PRIVILEGES];
	size_t			 npriv[TOK_MAX_SERVICES];
	size_t			 order[TOK_MAX_SERVICES];
	const struct tok_service *s;
	unsigned char		*w;
	size_t			 i, j, k, t, len, zlen;
	int			 zrc;

	if (out == NULL || outsz == 0)
		return TOK_ETOOLONG;
	out[0] = '\0';
	if (c == NULL)
		return TOK_ENOMEM;	/* a failed tok_ctx_new passed on */
	if (p == NULL || !tok_valid_hex32(p->app_id) ||
	    !tok_valid_hex32(p->app_certificate))
		return TOK_ECRED;
	if (p->nservice == 0)
		return TOK_ENOSERVICE;
	if (p->nservice > TOK_MAX_SERVICES)
		return TOK_ETOOMANY;

	/* Size everything first, so packing below cannot overrun. */
	len = 2 + SIG_LEN + 2 + CRED_LEN + 4 + 4 + 4 + 2;
	for (i = 0; i < p->nservice; i++) {
		s = &p->svc[i];
		if (s->npriv > TOK_MAX_PRIVILEGES)
			return TOK_ETOOMANY;
		if (s->body_len > 0 && s->body == NULL)
			return TOK_EFORMAT;	/* caller bug: no bytes */
		if (s->body_len > CONTENT_MAX)
			return TOK_ETOOLONG;
		npriv[i] = priv_normalize(s->priv, s->npriv, priv[i]);
		len += 2 + 2 + 6 * npriv[i] + s->body_len;
		if (len > CONTENT_MAX)
			return TOK_ETOOLONG;
	}

	/* Stable insertion sort of the services by type. */
	for (i = 0; i < p->nservice; i++) {
		t = i;
		for (j = i; j > 0 && p->svc[order[j - 1]].type > p->svc[t].type;
		    j--)
			order[j] = order[j - 1];
		order[j] = t;
	}

	/* content = bytes(signature) || signing_info; signature filled last. */
	w = content;
	put_u16(w, SIG_LEN);
	w += 2 + SIG_LEN;
	put_u16(w, CRED_LEN);
	memcpy(w + 2, p->app_id, CRED_LEN);
	w += 2 + CRED_LEN;
	put_u32(w, p->issue_ts);
	put_u32(w + 4, p->expire);
	put_u32(w + 8, p->salt);
	put_u16(w + 12, (uint16_t)p->nservice);
	w += 14;
	for (i = 0; i < p->nservice; i++) {
		k = order[i];
		s = &p->svc[k];
		put_u16(w, s->type);
		put_u16(w + 2, (uint16_t)npriv[k]);
		w += 4;
		for (j = 0; j < npriv[k]; j++) {
			put_u16(w, priv[k][j].key);
			put_u32(w + 2, priv[k][j].value);
			w += 6;
		}
		if (s->body_len > 0)
			memcpy(w, s->body, s->body_len);
		w += s->body_len;
	}

	if (sign(c->mctx, &c->k1, p->app_certificate, p->issue_ts, p->salt,
	    content + 2 + SIG_LEN, len - 2 - SIG_LEN, content + 2) == -1)
		return TOK_ECRYPTO;

	zlen = defl_zlib(c->defl, content, len, zbuf, sizeof(zbuf));
	if (zlen == 0) {
		/* deflateReset keeps the allocated state: no malloc. */
		if (deflateReset(&c->zs) != Z_OK)
			return TOK_EZLIB;
		c->zs.next_in = content;
		c->zs.avail_in = (uInt)len;
		c->zs.next_out = zbuf;
		c->zs.avail_out = (uInt)sizeof(zbuf);
		zrc = deflate(&c->zs, Z_FINISH);
		if (zrc == Z_OK || zrc == Z_BUF_ERROR)
			return TOK_ETOOLONG;	/* compressed form too big */
		if (zrc != Z_STREAM_END)
			return TOK_EZLIB;
		zlen = sizeof(zbuf) - c->zs.avail_out;
	}

	if (3 + 4 * ((zlen + 2) / 3) + 1 > outsz)
		return TOK_ETOOLONG;
	memcpy(out, "007", 3);
	b64_encode(zbuf, zlen, out + 3);
	return TOK_OK;
}

size_t
tok_body_rtc(unsigned char *buf, size_t bufsz, const char *channel,
    size_t channel_len, const char *uid, size_t uid_len)
{
	if (channel_len > STR_MAX || uid_len > STR_MAX ||
	    (channel == NULL && channel_len > 0) ||
	    (uid == NULL && uid_len > 0) ||
	    buf == NULL || bufsz < 4 + channel_len + uid_len)
		return 0;
	put_u16(buf, (uint16_t)channel_len);
	if (channel_len > 0)
		memcpy(buf + 2, channel, channel_len);
	put_u16(buf + 2 + channel_len, (uint16_t)uid_len);
	if (uid_len > 0)
		memcpy(buf + 4 + channel_len, uid, uid_len);
	return 4 + channel_len + uid_len;
}

size_t
tok_body_str(unsigned char *buf, size_t bufsz, const char *s, size_t len)
{
	if (len > STR_MAX || (s == NULL && len > 0) || buf == NULL ||
	    bufsz < 2 + len)
		return 0;
	put_u16(buf, (uint16_t)len);
	if (len > 0)
		memcpy(buf + 2, s, len);
	return 2 + len;
}

size_t
tok_uid_text(uint32_t uid, char *buf)
{
	char	 tmp[10];
	size_t	 n = 0, i;

	/* 0 is the wildcard: an empty uid lets any uid join. */
	while (uid > 0) {
		tmp[n++] = (char)('0' + uid % 10);
		uid /= 10;
	}
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* Bounds-checked reader over the inflated content. */
struct rd {
	const unsigned char	*p;
	const unsigned char	*end;
};

static int
rd_u16(struct rd *r, uint16_t *v)
{
	if (r->end - r->p < 2)
		return -1;
	*v = get_u16(r->p);
	r->p += 2;
	return 0;
}

static int
rd_u32(struct rd *r, uint32_t *v)
{
	if (r->end - r->p < 4)
		return -1;
	*v = get_u32(r->p);
	r->p += 4;
	return 0;
}

static int
rd_bytes(struct rd *r, const char **s, size_t *len)
{
	uint16_t	 n;

	if (rd_u16(r, &n) == -1 || r->end - r->p < n)
		return -1;
	*s = (const char *)r->p;
	*len = n;
	r->p += n;
	return 0;
}

static int
rd_skip_bytes(struct rd *r)
{
	const char	*s;
	size_t		 n;

	return rd_bytes(r, &s, &n);
}

/* RTM2 permissions: only walked, so parsing can go on. */
static int
rd_rtm2_perms(struct rd *r)
{
	uint16_t	 nres, nperm, n, v;
	size_t		 i, j, k;

	if (rd_u16(r, &nres) == -1)
		return -1;
	for (i = 0; i < nres; i++) {
		if (rd_u16(r, &v) == -1 || rd_u16(r, &nperm) == -1)
			return -1;
		for (j = 0; j < nperm; j++) {
			if (rd_u16(r, &v) == -1 || rd_u16(r, &n) == -1)
				return -1;
			for (k = 0; k < n; k++)
				if (rd_skip_bytes(r) == -1)
					return -1;
		}
	}
	return 0;
}

/*
 * Reads one service body of a known type into ds.  Returns 1 if read,
 * 0 if the type is unknown (the caller stops there, as the official
 * parsers do), -1 on a short read.
 */
static int
rd_body(struct rd *r, struct tok_dservice *ds)
{
	uint16_t	 role;

	switch (ds->type) {
	case TOK_SVC_RTC:
	case TOK_SVC_STREAMING:
	case TOK_SVC_FCDN:
		/* channel, then uid / account */
		if (rd_bytes(r, &ds->s1, &ds->s1_len) == -1 ||
		    rd_bytes(r, &ds->s2, &ds->s2_len) == -1)
			return -1;
		return 1;
	case TOK_SVC_RTM:
	case TOK_SVC_CHAT:
		return rd_bytes(r, &ds->s1, &ds->s1_len) == -1 ? -1 : 1;
	case TOK_SVC_FPA:
		return 1;
	case TOK_SVC_APAAS:
		/* room uuid, user uuid, i16 role (last 2 bytes of body) */
		if (rd_bytes(r, &ds->s1, &ds->s1_len) == -1 ||
		    rd_bytes(r, &ds->s2, &ds->s2_len) == -1 ||
		    rd_u16(r, &role) == -1)
			return -1;
		return 1;
	case TOK_SVC_RTM2:
		if (rd_bytes(r, &ds->s1, &ds->s1_len) == -1 ||
		    rd_rtm2_perms(r) == -1)
			return -1;
		return 1;
	default:
		return 0;
	}
}

/* Parses d->raw.  Returns 0 or -1. */
static int
parse(struct tok_decoded *d)
{
	struct rd		 r;
	struct tok_dservice	*ds;
	const char		*sig;
	uint16_t		 type, n, i, j;

	r.p = d->raw;
	r.end = d->raw + d->raw_len;
	if (rd_bytes(&r, &sig, &d->signature_len) == -1)
		return -1;
	d->signature = (const unsigned char *)sig;
	/* Everything after the signature is signed, trailing bytes too. */
	d->signing_info = r.p;
	d->signing_info_len = (size_t)(r.end - r.p);
	if (rd_bytes(&r, &d->app_id, &d->app_id_len) == -1 ||
	    rd_u32(&r, &d->issue_ts) == -1 ||
	    rd_u32(&r, &d->expire) == -1 ||
	    rd_u32(&r, &d->salt) == -1 ||
	    rd_u16(&r, &d->declared_services) == -1)
		return -1;

	for (i = 0; i < d->declared_services; i++) {
		if (rd_u16(&r, &type) == -1)
			return -1;
		if (type < TOK_SVC_RTC || type > TOK_SVC_RTM2)
			break;		/* unknown: body length unknowable */
		if (d->nservice == TOK_MAX_SERVICES)
			return -1;
		ds = &d->svc[d->nservice];
		ds->type = type;
		ds->s1 = ds->s2 = "";
		if (rd_u16(&r, &n) == -1 || n > TOK_MAX_PRIVILEGES)
			return -1;
		for (j = 0; j < n; j++)
			if (rd_u16(&r, &ds->priv[j].key) == -1 ||
			    rd_u32(&r, &ds->priv[j].value) == -1)
				return -1;
		ds->npriv = n;
		ds->body = r.p;
		if (rd_body(&r, ds) != 1)
			return -1;	/* unknown types were caught above */
		ds->body_len = (size_t)(r.p - ds->body);
		d->nservice++;
	}
	/* Trailing bytes are ignored here, like the official parsers. */
	return 0;
}

/*
 * Strict base64 of text[0..len) inflated into d->raw (at most DECODE_MAX
 * bytes).  Returns TOK_OK, TOK_ENOMEM, TOK_EZLIB or TOK_EFORMAT; d->raw
 * may be set on failure too (the caller frees it).
 */
static enum tok_err
unpack(const unsigned char *text, size_t len, struct tok_decoded *d)
{
	z_stream	 zs;
	unsigned char	 chunk[B64_CHUNK / 4 * 3], *shrunk;
	size_t		 off, end, n;
	int		 q, zrc, done = 0;
	enum tok_err	 err = TOK_EFORMAT;

	if (len == 0 || len % 4 != 0 || len > DECODE_IN_MAX)
		return TOK_EFORMAT;
	if ((d->raw = malloc(DECODE_MAX)) == NULL)
		return TOK_ENOMEM;

	memset(&zs, 0, sizeof(zs));
	zs.next_out = d->raw;
	zs.avail_out = DECODE_MAX;
	/* windowBits 15: zlib header required, any valid stream accepted. */
	if ((zrc = inflateInit(&zs)) != Z_OK)
		return zrc == Z_MEM_ERROR ? TOK_ENOMEM : TOK_EZLIB;

	for (off = 0; off < len && !done; off = end) {
		end = len - off > B64_CHUNK ? off + B64_CHUNK : len;
		for (n = 0; off < end; off += 4) {
			if ((q = b64_quad(text + off, off + 4 == len,
			    chunk + n)) < 0)
				goto fail;
			n += (size_t)q;
		}
		zs.next_in = chunk;
		zs.avail_in = (uInt)n;
		while (zs.avail_in > 0) {
			zrc = inflate(&zs, Z_NO_FLUSH);
			if (zrc == Z_STREAM_END) {
				done = 1;
				break;
			}
			if (zrc == Z_MEM_ERROR) {
				err = TOK_ENOMEM;
				goto fail;
			}
			/*
			 * Z_BUF_ERROR with input left means the output is
			 * full: bigger than DECODE_MAX, a bomb or junk.
			 */
			if (zrc != Z_OK)
				goto fail;
		}
	}
	/*
	 * Not ended: truncated.  Ended with input left: bytes after the
	 * Adler-32 are not part of any valid zlib stream; refuse them
	 * rather than let two texts stand for one token.
	 */
	if (!done || zs.avail_in > 0 || off < len)
		goto fail;

	d->raw_len = DECODE_MAX - zs.avail_out;
	inflateEnd(&zs);
	/* Give back the unused part of the cap; keep the old on failure. */
	if ((shrunk = realloc(d->raw, d->raw_len > 0 ? d->raw_len : 1)) != NULL)
		d->raw = shrunk;
	return TOK_OK;
fail:
	inflateEnd(&zs);
	return err;
}

enum tok_err
tok_decode(const char *token, size_t len, struct tok_decoded *d)
{
	enum tok_err	 err;

	if (d == NULL)
		return TOK_EFORMAT;
	memset(d, 0, sizeof(*d));
	if (token == NULL || len < 3 || memcmp(token, "007", 3) != 0)
		return TOK_EFORMAT;
	if ((err = unpack((const unsigned char *)token + 3, len - 3, d)) !=
	    TOK_OK)
		goto fail;
	if (parse(d) == -1) {
		err = TOK_EFORMAT;
		goto fail;
	}
	return TOK_OK;
fail:
	tok_decoded_free(d);
	return err;
}

void
tok_decoded_free(struct tok_decoded *d)
{
	if (d == NULL)
		return;
	free(d->raw);
	memset(d, 0, sizeof(*d));
}

int
tok_verify(const struct tok_decoded *d, const char *app_certificate)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*mctx;
	unsigned char	 sig[SIG_LEN];
	size_t		 i;
	int		 ok = 0;

	if (d == NULL || d->raw == NULL || d->signature_len != SIG_LEN ||
	    d->app_id_len != CRED_LEN || !tok_valid_hex32(app_certificate))
		return 0;
	/* The libraries refuse to verify for an app id that is not hex. */
	for (i = 0; i < CRED_LEN; i++)
		if (!is_hex((unsigned char)d->app_id[i]))
			return 0;

	/* No ctx here: verifying is rare enough to fetch per call. */
	if (mac_open(&mac, &mctx) == -1)
		return 0;
	/* Over the raw signed bytes: never re-serialise. */
	if (sign(mctx, NULL, app_certificate, d->issue_ts, d->salt,
	    d->signing_info, d->signing_info_len, sig) == 0)
		ok = CRYPTO_memcmp(sig, d->signature, SIG_LEN) == 0;
	EVP_MAC_CTX_free(mctx);
	EVP_MAC_free(mac);
	return ok;
}

static const char *const tok_errstr[TOK__MAX] = {
	[TOK_OK] = "success",
	[TOK_ECRED] = "app id or certificate is not 32 hex characters",
	[TOK_ETOOLONG] = "input or token too long",
	[TOK_ETOOMANY] = "too many services or privileges",
	[TOK_ENOSERVICE] = "token needs at least one service",
	[TOK_ENOMEM] = "out of memory",
	[TOK_ECRYPTO] = "libcrypto failure",
	[TOK_EZLIB] = "zlib failure",
	[TOK_EFORMAT] = "malformed token",
};

const char *
tok_strerror(enum tok_err e)
{
	if ((unsigned int)e >= TOK__MAX || tok_errstr[e] == NULL)
		return "unknown error";
	return tok_errstr[e];
}
