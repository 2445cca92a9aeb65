/*
 * core: the token core's speed on one thread, for `make bench`.
 *
 *   core [SECONDS]
 *
 * 1. mint: what the service does per RTC publisher token (clock, CSPRNG
 *    salt, body packing, tok_build), in a loop for SECONDS: tokens/s.
 *    The same scope as one RtcTokenBuilder.buildTokenWithUid() call in
 *    the Node package (bench/core.js), which also reads the clock and
 *    draws its salt.
 * 2. request: the whole request function (routing, validation, mint,
 *    JSON reply, headers) for GET /rtc/test/publisher/uid/42/?expiry=3600.
 * 3. where the time goes: tok_build's phases re-implemented inline
 *    (packing, HMAC chain, the fast deflate of src/defl.c, base64) plus
 *    the salt and the JSON reply, each timed alone, and zlib's own
 *    deflate of the same content for comparison.  The inline pipeline is
 *    first checked to give tok_build's exact bytes, so the phases are
 *    the real work.
 *
 * Times are CPU time (CLOCK_PROCESS_CPUTIME_ID), so a busy shared machine
 * slows the run down without changing the numbers much.
 * Prints a human table and one "COREJSON {...}" line for bench/run.js.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "cfg.h"
#include "defl.h"
#include "req.h"
#include "tok.h"

#define APP_ID	"970CA35de60c44645bbae8a215061b33"
#define CERT	"5CFd2fd1755d40ecb72977518be15d3b"
#define EXPIRE	3600u
#define NVAR	1024

/*
 * CPU time of this (single-threaded) process, not wall time: the machine
 * is shared, and time spent preempted is not the code's cost.  bench/core.js
 * measures Node the same way (process.cpuUsage).
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "core: %s\n", what);
	exit(1);
}

/* ---- the service's mint, as req.c does it for /rtc publisher ------------- */

/*
 * A non-zero CSPRNG salt, drawn 64 at a time as each FastCGI worker of
 * the service does (src/main.c, pool_salt).  The Node package's own salt
 * is Math.random(), so this is the service's real cost, not a handicap.
 */
static uint32_t
salt_draw(void)
{
	static uint32_t pool[64];
	static unsigned n;
	uint32_t salt = 0;

	while (salt == 0) {
		if (n == 0) {
			if (RAND_bytes((unsigned char *)pool, sizeof(pool)) !=
			    1)
				die("RAND_bytes failed");
			n = 64;
		}
		salt = pool[--n];
	}
	return salt;
}

static void
params_rtc(struct tok_params *p, unsigned char *body, size_t bodysz,
    uint32_t ts, uint32_t salt)
{
	static const uint16_t privs[] = { 1, 2, 3, 4 };
	size_t i;

	memset(p, 0, sizeof(*p));
	p->app_id = APP_ID;
	p->app_certificate = CERT;
	p->issue_ts = ts;
	p->expire = EXPIRE;
	p->salt = salt;
	p->nservice = 1;
	p->svc[0].type = TOK_SVC_RTC;
	p->svc[0].npriv = 4;
	for (i = 0; i < 4; i++) {
		p->svc[0].priv[i].key = privs[i];
		p->svc[0].priv[i].value = EXPIRE;
	}
	p->svc[0].body = body;
	p->svc[0].body_len = tok_body_rtc(body, bodysz, "test", 4, "42", 2);
}

static int
mint_one(struct tok_ctx *c, char *out, size_t outsz)
{
	struct tok_params p;
	unsigned char body[64];

	params_rtc(&p, body, sizeof(body), (uint32_t)time(NULL), salt_draw());
	return tok_build(c, &p, out, outsz) == TOK_OK ? 0 : -1;
}

/* ---- tok_build, phase by phase ------------------------------------------- */

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The packing tok_build does (privilege sort, service sort, layout). */
static size_t
pack(const struct tok_params *p, unsigned char *content)
{
	struct tok_privilege pr[TOK_MAX_PRIVILEGES], t;
	unsigned char *w = content;
	size_t i, j, n;

	put16(w, 32);
	memset(w + 2, 0, 32);
	w += 34;
	put16(w, 32);
	memcpy(w + 2, p->app_id, 32);
	w += 34;
	put32(w, p->issue_ts);
	put32(w + 4, p->expire);
	put32(w + 8, p->salt);
	put16(w + 12, (uint16_t)p->nservice);
	w += 14;
	for (i = 0; i < p->nservice; i++) {
		const struct tok_service *s = &p->svc[i];

		n = s->npriv;
		for (j = 0; j < n; j++) {
			size_t k;

			t = s->priv[j];
			for (k = j; k > 0 && pr[k - 1].key > t.key; k--)
				pr[k] = pr[k - 1];
			pr[k] = t;
		}
		put16(w, s->type);
		put16(w + 2, (uint16_t)n);
		w += 4;
		for (j = 0; j < n; j++) {
			put16(w, pr[j].key);
			put32(w + 2, pr[j].value);
			w += 6;
		}
		memcpy(w, s->body, s->body_len);
		w += s->body_len;
	}
	return (size_t)(w - content);
}

static EVP_MAC_CTX *
mac_new(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *m;
	OSSL_PARAM prm[2];
	char dg[] = "SHA256";

	if (mac == NULL || (m = EVP_MAC_CTX_new(mac)) == NULL)
		die("EVP_MAC");
	EVP_MAC_free(mac);	/* the context keeps its own reference */
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, dg, 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(m, prm))
		die("EVP_MAC_CTX_set_params");
	return m;
}

static void
hmac(EVP_MAC_CTX *m, const unsigned char *k, size_t kl,
    const unsigned char *msg, size_t ml, unsigned char out[32])
{
	size_t n;

	if (!EVP_MAC_init(m, k, kl, NULL) || !EVP_MAC_update(m, msg, ml) ||
	    !EVP_MAC_final(m, out, &n, 32))
		die("HMAC");
}

/*
 * The signature chain of spec 2.2 into content + 2.  k1 depends only on
 * the certificate and the second, so it is computed once a second, as
 * tok_build keeps it.
 */
static void
sign(EVP_MAC_CTX *m, const struct tok_params *p, unsigned char *content,
    size_t len)
{
	static unsigned char k1[32];
	static uint32_t k1_ts;
	static int k1_set;
	unsigned char k2[32], kb[4];

	if (!k1_set || k1_ts != p->issue_ts) {
		put32(kb, p->issue_ts);
		hmac(m, kb, 4, (const unsigned char *)p->app_certificate, 32,
		    k1);
		k1_ts = p->issue_ts;
		k1_set = 1;
	}
	put32(kb, p->salt);
	hmac(m, kb, 4, k1, 32, k2);
	hmac(m, k2, 32, content + 34, len - 34, content + 2);
}

static size_t
zip(z_stream *zs, const unsigned char *in, size_t n, unsigned char *out,
    size_t outsz, int reset)
{
	if (reset && deflateReset(zs) != Z_OK)
		die("deflateReset");
	zs->next_in = (unsigned char *)(uintptr_t)in;
	zs->avail_in = (uInt)n;
	zs->next_out = out;
	zs->avail_out = (uInt)outsz;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	return outsz - zs->avail_out;
}

static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;

	for (; n >= 3; n -= 3, in += 3) {
		v = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = t[(v >> 6) & 63];
		*out++ = t[v & 63];
	}
	if (n > 0) {
		v = (uint32_t)in[0] << 16 | (n == 2 ? (uint32_t)in[1] << 8 : 0);
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = n == 2 ? t[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static char *
json_reply(const char *token)
{
	json_t *o = json_pack("{s:s}", "rtcToken", token);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

/* ---- timing ---------------------------------------------------------------- */

/* Shared state of the phase closures. */
static struct {
	struct tok_ctx *tc;
	EVP_MAC_CTX *m;
	struct defl *df;
	z_stream zs;
	struct tok_params p;
	unsigned char body[64], content[1024], packed[1024], z[1024];
	size_t len, zlen;
	/* NVAR signed contents and their deflated forms, one per salt:
	 * timing one fixed input would let the branch predictor learn it. */
	unsigned char vcontent[NVAR][256], vz[NVAR][256];
	size_t vlen[NVAR], vzlen[NVAR];
	unsigned vi;
	char tok[TOK_MAX_TOKEN];
	const struct cfg *cfg;
	struct req rq;
	unsigned sink;
} S;

static void
ph_mint(void)
{
	if (mint_one(S.tc, S.tok, sizeof(S.tok)) != 0)
		die("tok_build failed");
}

static void
ph_request(void)
{
	struct resp rs;

	S.rq.now = (uint32_t)time(NULL);
	S.rq.salt = salt_draw();
	req_handle(S.cfg, S.tc, &S.rq, &rs);
	if (rs.status != 200)
		die("request failed");
	S.sink += (unsigned)rs.len;
	resp_free(&rs);
}

static void ph_clock(void) { S.sink += (unsigned)time(NULL); }
static void ph_salt(void) { S.sink += salt_draw(); }

static void
ph_pack(void)
{
	params_rtc(&S.p, S.body, sizeof(S.body), S.p.issue_ts, S.p.salt);
	S.len = pack(&S.p, S.content);
}

static void
ph_hmac(void)
{
	memcpy(S.content, S.packed, S.len);
	S.p.salt = ++S.vi;
	sign(S.m, &S.p, S.content, S.len);
}

/* What tok_build does: the fast path (every content here takes it). */
static void
ph_deflate(void)
{
	unsigned i = S.vi++ % NVAR;

	S.zlen = defl_zlib(S.df, S.vcontent[i], S.vlen[i], S.z, sizeof(S.z));
	if (S.zlen == 0)
		die("the fast deflate declined a token's content");
}

/* For comparison only: zlib itself, reset and level 6. */
static void
ph_zlib(void)
{
	unsigned i = S.vi++ % NVAR;

	S.zlen = zip(&S.zs, S.vcontent[i], S.vlen[i], S.z, sizeof(S.z), 1);
}

static void
ph_b64(void)
{
	unsigned i = S.vi++ % NVAR;

	memcpy(S.tok, "007", 3);
	b64(S.vz[i], S.vzlen[i], S.tok + 3);
}

static void
ph_json(void)
{
	char *s = json_reply(S.tok);

	S.sink += (unsigned)s[0];
	free(s);
}

/* ns per call of f, run for about sec seconds. */
static double
time_ns(void (*f)(void), double sec)
{
	double t0 = now_s(), t;
	unsigned long n = 0, i;

	for (i = 0; i < 200; i++)	/* warm caches and lazy init */
		f();
	do {
		for (i = 0; i < 256; i++)
			f();
		n += 256;
	} while ((t = now_s() - t0) < sec);
	return t * 1e9 / (double)n;
}

int
main(int argc, char **argv)
{
	double sec = argc > 1 ? atof(argv[1]) : 3.0, mint_ns, req_ns;
	double ns_clock, ns_salt, ns_pack, ns_hmac, ns_defl, ns_zlib, ns_b64,
	    ns_json, sum;
	static struct cfg cfg;
	struct cfg_src src;
	char err[256], ref[TOK_MAX_TOKEN];
	unsigned i;

	if (sec <= 0)
		sec = 3.0;
	json_object_seed(0);
	if ((S.tc = tok_ctx_new()) == NULL)
		die("tok_ctx_new");
	S.m = mac_new();
	if ((S.df = defl_new()) == NULL)
		die("defl_new");
	if (deflateInit(&S.zs, Z_DEFAULT_COMPRESSION) != Z_OK)
		die("deflateInit");

	/* The inline pipeline must give tok_build's bytes. */
	params_rtc(&S.p, S.body, sizeof(S.body), 1700000000u, 0x9e3779b9u);
	if (tok_build(S.tc, &S.p, ref, sizeof(ref)) != TOK_OK)
		die("tok_build");
	S.len = pack(&S.p, S.content);
	memcpy(S.packed, S.content, S.len);
	sign(S.m, &S.p, S.content, S.len);
	S.zlen = zip(&S.zs, S.content, S.len, S.z, sizeof(S.z), 1);
	memcpy(S.tok, "007", 3);
	b64(S.z, S.zlen, S.tok + 3);
	if (strcmp(S.tok, ref) != 0)
		die("inline phases do not reproduce tok_build's token");
	for (i = 0; i < NVAR; i++) {
		struct tok_params v;
		unsigned char vb[64];

		params_rtc(&v, vb, sizeof(vb), 1700000000u + i / 16,
		    salt_draw());
		S.vlen[i] = pack(&v, S.vcontent[i]);
		sign(S.m, &v, S.vcontent[i], S.vlen[i]);
		S.vzlen[i] = zip(&S.zs, S.vcontent[i], S.vlen[i], S.vz[i],
		    sizeof(S.vz[i]), 1);
	}

	/* The request function, configured as the service would be. */
	memset(&src, 0, sizeof(src));
	if (cfg_src_set(&src, CFG_APP_ID, APP_ID) == -1 ||
	    cfg_src_set(&src, CFG_APP_CERTIFICATE, CERT) == -1 ||
	    cfg_finish(&src, &cfg, err, sizeof(err)) == -1)
		die("configuration");
	cfg_src_free(&src);
	S.cfg = &cfg;
	S.rq.method = "GET";
	S.rq.request_uri = "/rtc/test/publisher/uid/42/?expiry=3600";
	S.rq.script_name = "";
	S.rq.path_info = "/rtc/test/publisher/uid/42/";
	S.rq.query = "expiry=3600";

	mint_ns = time_ns(ph_mint, sec);
	req_ns = time_ns(ph_request, sec / 2);
	ns_clock = time_ns(ph_clock, sec / 6);
	ns_salt = time_ns(ph_salt, sec / 6);
	ns_pack = time_ns(ph_pack, sec / 6);
	ns_hmac = time_ns(ph_hmac, sec / 6);
	ns_defl = time_ns(ph_deflate, sec / 6);
	ns_zlib = time_ns(ph_zlib, sec / 6);
	ns_b64 = time_ns(ph_b64, sec / 6);
	ns_json = time_ns(ph_json, sec / 6);
	sum = ns_clock + ns_salt + ns_pack + ns_hmac + ns_defl + ns_b64;

	printf("core (C, one thread): %.0f tokens/s (%.2f us per token), "
	    "token %zu chars\n", 1e9 / mint_ns, mint_ns / 1e3, strlen(S.tok));
	printf("request function (route, validate, mint, JSON, headers): "
	    "%.0f requests/s (%.2f us)\n", 1e9 / req_ns, req_ns / 1e3);
	printf("where a token's time goes (phases timed alone):\n");
#define ROW(name, v) printf("  %-34s %8.0f ns  %5.1f%%\n", name, v, \
	    100.0 * (v) / sum)
	ROW("clock (time)", ns_clock);
	ROW("salt (RAND_bytes, 64 per call)", ns_salt);
	ROW("packing (privileges, layout)", ns_pack);
	ROW("HMAC-SHA256 (k2, signature)", ns_hmac);
	ROW("deflate (defl, zlib's bytes)", ns_defl);
	ROW("base64", ns_b64);
	printf("  %-34s %8.0f ns  (sum of phases; mint measured %.0f ns)\n",
	    "total", sum, mint_ns);
	printf("  %-34s %8.0f ns  (reply only, not in the total)\n",
	    "JSON {\"rtcToken\":...} (Jansson)", ns_json);
	printf("  %-34s %8.0f ns  (for comparison, not in the total)\n",
	    "zlib deflateReset + deflate", ns_zlib);
	printf("COREJSON {\"tokens_per_s\":%.1f,\"mint_ns\":%.1f,"
	    "\"request_ns\":%.1f,\"phases\":{\"clock\":%.1f,\"salt\":%.1f,"
	    "\"packing\":%.1f,\"hmac\":%.1f,\"deflate\":%.1f,"
	    "\"base64\":%.1f,\"json\":%.1f,\"zlib\":%.1f}}\n",
	    1e9 / mint_ns, mint_ns, req_ns, ns_clock, ns_salt, ns_pack,
	    ns_hmac, ns_defl, ns_b64, ns_json, ns_zlib);
	deflateEnd(&S.zs);
	defl_free(S.df);
	EVP_MAC_CTX_free(S.m);
	tok_ctx_free(S.tc);
	cfg_clear(&cfg);
	return S.sink == 1 ? 1 : 0;
}
