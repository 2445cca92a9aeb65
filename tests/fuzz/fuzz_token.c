/*
 * fuzz_token: the AccessToken2 core on its own.
 *
 * 1. Round trip.  The input is read as a recipe for tok_params (see
 *    read_params): up to 9 services of types RTC, RTM and Chat with up to
 *    9 privileges each and strings of up to 511 input bytes, or up to
 *    20000 copies of one byte (to pass the 16 KiB content limit and the
 *    65535-byte string limit of the packers).  tok_build must
 *    either refuse for a stated reason or give a token that tok_decode
 *    reads back field for field, with services in stable type order and
 *    privileges sorted by key (last duplicate wins), and that verifies
 *    with the certificate and no other.
 * 2. Tampering.  One character of that token is replaced (position and
 *    byte from the input).  Decoding may fail, but if the result still
 *    verifies it must be the very same content: the signature covers
 *    every byte that decoding yields.
 * 3. Raw decoding.  The input itself is handed to tok_decode, which must
 *    never crash and, when it succeeds, must return pointers inside its
 *    own buffer and counts within the documented limits.
 * 4. Content decoding.  The input is deflated and base64-encoded into a
 *    well-formed "007" envelope, so the content parser (every service
 *    type's body, RTM2 permission lists, counts and lengths) sees
 *    arbitrary bytes, which random mutation of token text seldom reaches.
 *    Same checks as 3, and a success must give back exactly the input.
 */
#include <string.h>

#include <zlib.h>

#include "fuzz.h"
#include "tok.h"

const char fuzz_target_name[] = "token";

static const char app_id[] = "970CA35de60c44645bbae8a215061b33";
static const char app_cert[] = "5CFd2fd1755d40ecb72977518be15d3b";
static const char other_cert[] = "5CFd2fd1755d40ecb72977518be15d3c";

/* tok_build's limits as documented in tok.c: content over 16 KiB is
 * refused, and so is compressed output over ZBUF_MAX bytes. */
#define CONTENT_MAX	16384
#define ZBUF_MAX	(((TOK_MAX_TOKEN - 4) / 4) * 3)
#define STR_MAXLEN	511	/* strings taken from the input */
#define FILL_MAX	20000	/* strings of one repeated byte */

static struct tok_ctx *tok;

/* Reads the input front to back; past the end every read is 0. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t
rd8(struct rd *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t
rd16(struct rd *r)
{
	uint16_t v = rd8(r);

	return (uint16_t)(v | rd8(r) << 8);
}

static uint32_t
rd32(struct rd *r)
{
	uint32_t v = rd16(r);

	return v | (uint32_t)rd16(r) << 16;
}

/*
 * A string: 0xff, a u16 length and a byte: that many copies of the byte,
 * written to fill.  Else a length (one byte, or two when the first has
 * bit 7 set), then that many input bytes, or as many as are left.
 */
static size_t
rdstr(struct rd *r, const uint8_t **s, uint8_t *fill)
{
	size_t len = rd8(r);

	if (len == 0xff) {
		len = rd16(r) % (FILL_MAX + 1);
		memset(fill, rd8(r), len);
		*s = fill;
		return len;
	}
	if (len & 0x80)
		len = ((len & 0x7f) << 8 | rd8(r)) % (STR_MAXLEN + 1);
	if (len > r->n)
		len = r->n;
	*s = r->p;
	r->p += len;
	r->n -= len;
	return len;
}

/* What one built service must decode to. */
struct want_svc {
	uint16_t type;
	const uint8_t *s1, *s2;
	size_t s1_len, s2_len;
	unsigned char body[4 + 2 * FILL_MAX];
	size_t body_len;
	uint8_t fill1[FILL_MAX], fill2[FILL_MAX];
};

struct recipe {
	struct tok_params p;
	struct want_svc w[TOK_MAX_SERVICES];
	size_t nservice;	/* as asked for: may exceed the limit */
	size_t npriv[TOK_MAX_SERVICES];	/* ditto */
};

/*
 * Fills r from the input.  Header: nservice (0-9), issue_ts, expire,
 * salt.  Each service: a byte choosing the type (RTC, RTM, Chat) and the
 * privilege count (0-9), then per privilege a key (0-7, or a full u16
 * when bit 7 is set, so duplicates are common) and a u32 value, then the
 * strings of the type's body.  Counts past the limits are kept as asked
 * so that the refusals are exercised; their entries are not filled.
 */
static void
read_params(struct rd *in, struct recipe *r)
{
	static const uint16_t types[] = { TOK_SVC_RTC, TOK_SVC_RTM,
	    TOK_SVC_CHAT };
	struct tok_service *s;
	struct want_svc *w;
	size_t i, j, ns;
	uint8_t b;

	/* Not the whole struct: its buffers are large, and every field read
	 * later is set below. */
	memset(&r->p, 0, sizeof(r->p));
	memset(r->npriv, 0, sizeof(r->npriv));
	r->p.app_id = app_id;
	r->p.app_certificate = app_cert;
	r->nservice = rd8(in) % 10;
	r->p.nservice = r->nservice;
	r->p.issue_ts = rd32(in);
	r->p.expire = rd32(in);
	r->p.salt = rd32(in);
	ns = r->nservice < TOK_MAX_SERVICES ? r->nservice : TOK_MAX_SERVICES;
	for (i = 0; i < ns; i++) {
		s = &r->p.svc[i];
		w = &r->w[i];
		b = rd8(in);
		s->type = w->type = types[b % 3];
		r->npriv[i] = (size_t)(b >> 2) % 10;
		s->npriv = r->npriv[i];
		for (j = 0; j < r->npriv[i] && j < TOK_MAX_PRIVILEGES; j++) {
			b = rd8(in);
			s->priv[j].key = b & 0x80 ? rd16(in) : (uint16_t)(b & 7);
			s->priv[j].value = rd32(in);
		}
		w->s1_len = rdstr(in, &w->s1, w->fill1);
		w->s2 = NULL;
		w->s2_len = 0;
		if (s->type == TOK_SVC_RTC) {
			w->s2_len = rdstr(in, &w->s2, w->fill2);
			w->body_len = tok_body_rtc(w->body, sizeof(w->body),
			    (const char *)w->s1, w->s1_len,
			    (const char *)w->s2, w->s2_len);
		} else
			w->body_len = tok_body_str(w->body, sizeof(w->body),
			    (const char *)w->s1, w->s1_len);
		/* The buffers are big enough for any string read above. */
		fuzz_assert(w->body_len > 0);
		s->body = w->body;
		s->body_len = w->body_len;
	}
}

/*
 * The privileges a service must carry: each distinct key once, with the
 * value given last for it, in ascending key order.  (Written as a
 * selection rather than tok.c's insertion sort, so the two can differ.)
 */
static size_t
want_privs(const struct tok_service *s, struct tok_privilege *out)
{
	size_t n = 0, i, j;
	uint32_t lo = 0;
	int any;

	for (;;) {
		/* The smallest key at or above lo not yet emitted. */
		any = 0;
		for (i = 0; i < s->npriv; i++)
			if (s->priv[i].key >= lo && (!any ||
			    s->priv[i].key < out[n].key)) {
				out[n].key = s->priv[i].key;
				any = 1;
			}
		if (!any)
			return n;
		for (j = s->npriv; j-- > 0;)
			if (s->priv[j].key == out[n].key) {
				out[n].value = s->priv[j].value;
				break;
			}
		lo = (uint32_t)out[n].key + 1;
		n++;
	}
}

/* Upper bound of deflate's output for n bytes at the default settings
 * (zlib's deflateBound with headroom for the zlib header and trailer). */
static size_t
deflate_bound(size_t n)
{
	return n + (n >> 12) + (n >> 14) + (n >> 25) + 13 + 6 + 5;
}

/* The decoder's promises: everything it points to is inside raw, and
 * nothing exceeds the limits.  Protects callers that trust the struct. */
static void
check_decoded_shape(const struct tok_decoded *d)
{
	const unsigned char *lo = d->raw, *hi = d->raw + d->raw_len;
	size_t i;

#define INSIDE(ptr, len) ((len) == 0 || ((const unsigned char *)(ptr) >= lo && \
	(len) <= (size_t)(hi - (const unsigned char *)(ptr))))
	fuzz_assert(d->raw != NULL);
	fuzz_assert(INSIDE(d->signature, d->signature_len));
	fuzz_assert(INSIDE(d->signing_info, d->signing_info_len));
	fuzz_assert(INSIDE(d->app_id, d->app_id_len));
	fuzz_assert(d->nservice <= TOK_MAX_SERVICES &&
	    d->nservice <= d->declared_services);
	for (i = 0; i < d->nservice; i++) {
		const struct tok_dservice *s = &d->svc[i];

		fuzz_assert(s->type >= TOK_SVC_RTC && s->type <= TOK_SVC_RTM2);
		fuzz_assert(s->npriv <= TOK_MAX_PRIVILEGES);
		fuzz_assert(INSIDE(s->body, s->body_len));
		fuzz_assert(s->s1 != NULL && s->s2 != NULL);
		fuzz_assert(INSIDE(s->s1, s->s1_len));
		fuzz_assert(INSIDE(s->s2, s->s2_len));
	}
#undef INSIDE
}

/* Token text length for zlen compressed bytes: "007" + base64. */
static size_t
text_len(size_t zlen)
{
	return 3 + 4 * ((zlen + 2) / 3);
}

static void
round_trip(struct rd *in)
{
	static struct recipe r;	/* ~650 KB: not on the stack */
	struct tok_privilege want[TOK_MAX_SERVICES][TOK_MAX_PRIVILEGES];
	size_t nwant[TOK_MAX_SERVICES], order[TOK_MAX_SERVICES];
	size_t i, j, k, content, len, pos;
	struct tok_decoded d, t;
	char out[TOK_MAX_TOKEN];
	enum tok_err e, expect = TOK_OK;
	uint16_t type;
	uint8_t c;

	read_params(in, &r);

	/* The refusals tok_build documents, in the order it checks. */
	content = 2 + 32 + 2 + 32 + 4 + 4 + 4 + 2;
	if (r.nservice == 0)
		expect = TOK_ENOSERVICE;
	else if (r.nservice > TOK_MAX_SERVICES)
		expect = TOK_ETOOMANY;
	else
		for (i = 0; i < r.nservice; i++) {
			if (r.npriv[i] > TOK_MAX_PRIVILEGES) {
				expect = TOK_ETOOMANY;
				break;
			}
			nwant[i] = want_privs(&r.p.svc[i], want[i]);
			content += 4 + 6 * nwant[i] + r.w[i].body_len;
			if (content > CONTENT_MAX) {
				expect = TOK_ETOOLONG;
				break;
			}
		}

	memset(out, 'x', sizeof(out));
	e = tok_build(tok, &r.p, out, sizeof(out));
	/* Never a partial token on failure. */
	if (e != TOK_OK)
		fuzz_assert(out[0] == '\0');
	if (expect != TOK_OK) {
		if (e != expect)
			fuzz_fail("tok_build: %s, expected %s", tok_strerror(e),
			    tok_strerror(expect));
		return;
	}
	if (e == TOK_ETOOLONG) {
		/* Only when even the compressed form cannot fit. */
		if (text_len(deflate_bound(content)) < TOK_MAX_TOKEN &&
		    deflate_bound(content) <= ZBUF_MAX)
			fuzz_fail("tok_build refused %zu bytes of content",
			    content);
		return;
	}
	if (e != TOK_OK)
		fuzz_fail("tok_build: %s", tok_strerror(e));
	len = strlen(out);
	fuzz_assert(len < TOK_MAX_TOKEN && len > 3 &&
	    memcmp(out, "007", 3) == 0);

	if ((e = tok_decode(out, len, &d)) != TOK_OK)
		fuzz_fail("tok_decode of a built token: %s", tok_strerror(e));
	check_decoded_shape(&d);
	fuzz_assert(d.app_id_len == 32 && memcmp(d.app_id, app_id, 32) == 0);
	fuzz_assert(d.issue_ts == r.p.issue_ts && d.expire == r.p.expire &&
	    d.salt == r.p.salt);
	fuzz_assert(d.declared_services == r.nservice);
	fuzz_assert(d.nservice == r.nservice);
	/* The whole content came back: signature field plus what it signs. */
	fuzz_assert(d.raw_len == content);
	fuzz_assert(d.signature_len == 32);

	/* Stable order by type: all RTC in input order, then RTM, then
	 * Chat (1 < 2 < 5). */
	k = 0;
	for (type = 0; type <= TOK_SVC_RTM2; type++)
		for (i = 0; i < r.nservice; i++)
			if (r.p.svc[i].type == type)
				order[k++] = i;
	fuzz_assert(k == r.nservice);
	for (k = 0; k < r.nservice; k++) {
		const struct tok_dservice *ds = &d.svc[k];
		const struct want_svc *w = &r.w[order[k]];

		i = order[k];
		fuzz_assert(ds->type == w->type);
		fuzz_assert(ds->npriv == nwant[i]);
		for (j = 0; j < nwant[i]; j++)
			fuzz_assert(ds->priv[j].key == want[i][j].key &&
			    ds->priv[j].value == want[i][j].value);
		fuzz_assert(ds->body_len == w->body_len &&
		    memcmp(ds->body, w->body, w->body_len) == 0);
		fuzz_assert(ds->s1_len == w->s1_len &&
		    (w->s1_len == 0 || memcmp(ds->s1, w->s1, w->s1_len) == 0));
		fuzz_assert(ds->s2_len == w->s2_len &&
		    (w->s2_len == 0 || memcmp(ds->s2, w->s2, w->s2_len) == 0));
	}
	fuzz_assert(tok_verify(&d, app_cert) == 1);
	fuzz_assert(tok_verify(&d, other_cert) == 0);

	/* Same parameters, same context: the same bytes. */
	{
		char again[TOK_MAX_TOKEN];

		fuzz_assert(tok_build(tok, &r.p, again, sizeof(again)) ==
		    TOK_OK && strcmp(again, out) == 0);
	}

	/* Tampering: one character replaced. */
	pos = rd16(in) % len;
	c = rd8(in);
	if (out[pos] != (char)c) {
		out[pos] = (char)c;
		if (tok_decode(out, len, &t) == TOK_OK) {
			check_decoded_shape(&t);
			if (tok_verify(&t, app_cert) &&
			    (t.raw_len != d.raw_len ||
			    memcmp(t.raw, d.raw, d.raw_len) != 0))
				fuzz_fail("a tampered token verifies with "
				    "different content");
			tok_decoded_free(&t);
		}
	}
	tok_decoded_free(&d);
}

/* Standard base64 with padding (the harness's own, not tok.c's). */
static size_t
b64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static void
decode_content(const uint8_t *data, size_t size)
{
	struct tok_decoded d;
	uLongf zlen = compressBound((uLong)size);
	unsigned char *z;
	char *text;
	size_t len;

	if ((z = malloc(zlen)) == NULL ||
	    (text = malloc(3 + 4 * (zlen / 3 + 1) + 1)) == NULL)
		fuzz_fail("out of memory");
	if (compress2(z, &zlen, data, (uLong)size, Z_BEST_SPEED) != Z_OK)
		fuzz_fail("compress2 failed");
	memcpy(text, "007", 3);
	len = 3 + b64(z, zlen, text + 3);
	if (tok_decode(text, len, &d) == TOK_OK) {
		check_decoded_shape(&d);
		/* The decoder hands back exactly the content. */
		fuzz_assert(d.raw_len == size &&
		    (size == 0 || memcmp(d.raw, data, size) == 0));
		(void)tok_verify(&d, app_cert);
		tok_decoded_free(&d);
	} else
		fuzz_assert(d.raw == NULL && d.nservice == 0);
	free(text);
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tok_decoded d;
	struct rd in = { data, size };
	char *copy;

	if (tok == NULL && (tok = tok_ctx_new()) == NULL)
		fuzz_fail("tok_ctx_new failed");
	round_trip(&in);

	/* The raw input as a token, in an exact-size copy. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		fuzz_fail("out of memory");
	if (size > 0)
		memcpy(copy, data, size);
	if (tok_decode(copy, size, &d) == TOK_OK) {
		check_decoded_shape(&d);
		(void)tok_verify(&d, app_cert);
		tok_decoded_free(&d);
	} else
		/* On error the struct is left empty. */
		fuzz_assert(d.raw == NULL && d.nservice == 0);
	free(copy);

	decode_content(data, size);
	return 0;
}
