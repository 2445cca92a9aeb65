/*
 * fuzz_request: the whole request path.  CGI variables and a body go into
 * req_handle(); the complete response (status line, headers, JSON body)
 * comes out and is checked against what the README promises.
 *
 * Input layout (simple enough to write seeds by hand, see seeds.py):
 *
 *   byte 0      flags: bit 0 selects configuration B instead of A,
 *               bit 1 sets body_too_large (the adapter saw a body over
 *               16 KiB), bit 2 bad_length (CONTENT_LENGTH was not a
 *               number); other bits are ignored.
 *   the rest    up to nine fields separated by 0xFF, in this order:
 *               REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME, PATH_INFO,
 *               SCRIPT_FILENAME, QUERY_STRING, CONTENT_TYPE, HTTP_ORIGIN,
 *               body.
 *
 * The body is everything after the eighth separator (it may hold 0xFF and
 * NUL bytes).  A variable field that is missing, or is exactly the single
 * byte 0xFE, is NULL (not set).  A variable is cut at its first NUL, as an
 * environment or a FastCGI parameter would be.
 *
 * Configuration A: the demo credentials, every origin allowed, default
 * expiry bounds.  B: the same credentials, a CORS allow-list and
 * TOKEN_MAX_EXPIRY=600.  The clock and both salts are fixed, so a request
 * always answers the same bytes.
 */
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "fuzz.h"
#include "req.h"
#include "tok.h"

const char fuzz_target_name[] = "request";

#define FIXED_NOW	1700000000u
#define FIXED_SALT	0x5a17c0deu
#define FIXED_SALT2	0x2badcafeu	/* a reply's second token (/rte) */

static const char app_id[] = "970CA35de60c44645bbae8a215061b33";
static const char app_cert[] = "5CFd2fd1755d40ecb72977518be15d3b";
/* Any other certificate: a token must not verify against it. */
static const char other_cert[] = "5CFd2fd1755d40ecb72977518be15d3c";

/* Configuration B's allow-list, as given and as it must be read. */
static const char cors_list[] =
    " https://app.example.com ,http://localhost:3000,\thttps://b.example:8443";
static const char *const cors_allowed[] = {
	"https://app.example.com", "http://localhost:3000",
	"https://b.example:8443",
};
static const uint32_t max_expiry[2] = { 86400, 600 };

enum {
	F_METHOD, F_URI, F_SCRIPT_NAME, F_PATH_INFO, F_SCRIPT_FILENAME,
	F_QUERY, F_CTYPE, F_ORIGIN, F_BODY, NFIELDS
};

static struct cfg cfgs[2];
static struct tok_ctx *tok;
static int verbose;

static void
make_cfg(struct cfg *c, const char *cors, const char *max)
{
	struct cfg_src src;
	char err[256];

	memset(&src, 0, sizeof(src));
	if (cfg_src_set(&src, CFG_APP_ID, app_id) == -1 ||
	    cfg_src_set(&src, CFG_APP_CERTIFICATE, app_cert) == -1 ||
	    (cors != NULL &&
	    cfg_src_set(&src, CFG_CORS_ALLOW_ORIGIN, cors) == -1) ||
	    (max != NULL &&
	    cfg_src_set(&src, CFG_TOKEN_MAX_EXPIRY, max) == -1))
		fuzz_fail("cfg_src_set failed");
	if (cfg_finish(&src, c, err, sizeof(err)) == -1)
		fuzz_fail("cfg_finish: %s", err);
	cfg_src_free(&src);
}

static void
setup(void)
{
	static int ready;

	if (ready)
		return;
	make_cfg(&cfgs[0], NULL, NULL);
	make_cfg(&cfgs[1], cors_list, "600");
	/* The harness's own premises: if these fail, nothing below holds. */
	fuzz_assert(cfgs[0].cors_any && cfgs[0].max_expiry == 86400);
	fuzz_assert(!cfgs[1].cors_any && cfgs[1].norigins == 3 &&
	    cfgs[1].max_expiry == 600 && cfgs[1].default_expiry == 600);
	if ((tok = tok_ctx_new()) == NULL)
		fuzz_fail("tok_ctx_new failed");
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	ready = 1;
}

/* ---- oracles: the README's rules, written independently of src/ ------- */

/* Agora's channel / account set: a-z A-Z 0-9 space !#$%&()+-:;<=.>?@[]^_{}|~, */
static int
agora_name(const char *s, size_t len, size_t maxlen)
{
	static const char extra[] = " !#$%&()+-:;<=.>?@[]^_{}|~,";
	size_t i;

	if (len < 1 || len > maxlen)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != 0 && strchr(extra, c))))
			return 0;
	}
	return 1;
}

/* RTM user id and chat id: 1-64 printable ASCII, no leading space. */
static int
printable_id(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 64 || s[0] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * CORS: may this Origin proceed?  Absent: always.  Present: 1-1024 bytes
 * of visible ASCII (no space, no control character, nothing above 0x7e),
 * and in configuration B one of the listed origins exactly.
 */
static int
origin_allowed(int sel, const char *o)
{
	size_t i, len;

	if (o == NULL)
		return 1;
	len = strlen(o);
	if (len == 0 || len > 1024)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)o[i] <= 0x20 || (unsigned char)o[i] >= 0x7f)
			return 0;
	if (sel == 0)
		return 1;
	for (i = 0; i < sizeof(cors_allowed) / sizeof(cors_allowed[0]); i++)
		if (strcmp(o, cors_allowed[i]) == 0)
			return 1;
	return 0;
}

/* ---- response headers ------------------------------------------------- */

enum {
	H_STATUS, H_CTYPE, H_CACHE, H_PRAGMA, H_EXPIRES, H_VARY, H_ACAO,
	H_ALLOW, H_ACAM, H_ACAH, H_ACMA, H_CLEN, NHDR
};

/* Every header the service may send; a fixed value where there is one. */
static const struct {
	const char *name;
	const char *value;
} known_hdr[NHDR] = {
	[H_STATUS] = { "Status", NULL },
	[H_CTYPE] = { "Content-Type", "application/json" },
	[H_CACHE] = { "Cache-Control",
	    "private, no-cache, no-store, must-revalidate" },
	[H_PRAGMA] = { "Pragma", "no-cache" },
	[H_EXPIRES] = { "Expires", "-1" },
	[H_VARY] = { "Vary", "Origin" },
	[H_ACAO] = { "Access-Control-Allow-Origin", NULL },
	[H_ALLOW] = { "Allow", NULL },
	[H_ACAM] = { "Access-Control-Allow-Methods", "GET, POST, OPTIONS" },
	[H_ACAH] = { "Access-Control-Allow-Headers",
	    "Content-Type, Authorization" },
	[H_ACMA] = { "Access-Control-Max-Age", "7200" },
	[H_CLEN] = { "Content-Length", NULL },
};

static const struct {
	int code;
	const char *line;
} status_lines[] = {
	{ 200, "200 OK" }, { 204, "204 No Content" },
	{ 400, "400 Bad Request" }, { 403, "403 Forbidden" },
	{ 404, "404 Not Found" }, { 405, "405 Method Not Allowed" },
	{ 413, "413 Content Too Large" }, { 414, "414 URI Too Long" },
	{ 415, "415 Unsupported Media Type" },
};

/* The Allow values of the route table's rows. */
static const char *const allow_values[] = {
	"GET, HEAD, OPTIONS", "GET, OPTIONS", "POST, OPTIONS",
};

struct hdr {
	const char *v;	/* into the response; NULL: header absent */
	size_t len;
};

static int
hdr_is(const struct hdr *h, const char *s)
{
	return h->v != NULL && h->len == strlen(s) &&
	    memcmp(h->v, s, h->len) == 0;
}

/*
 * Splits the header block into known headers.  Protects: the response is
 * a well-formed CGI response (Status first, CRLF line ends, blank line,
 * body_off pointing just past it) and the header block holds nothing but
 * visible ASCII and spaces, so no request byte can start a new header
 * line (response splitting) or smuggle a control character.
 */
static void
parse_headers(const struct resp *r, struct hdr h[NHDR])
{
	const char *p = r->bytes, *end, *eol, *colon;
	size_t i, n, hlen;
	int first = 1;

	memset(h, 0, sizeof(struct hdr) * NHDR);
	fuzz_assert(r->bytes != NULL && r->len > 0 && r->body_off <= r->len);
	end = memmem(r->bytes, r->len, "\r\n\r\n", 4);
	if (end == NULL)
		fuzz_fail("header block does not end with CRLF CRLF");
	/* The first blank line is where the body starts. */
	fuzz_assert(r->body_off == (size_t)(end - r->bytes) + 4);
	end += 2;		/* keep the last header's CRLF */
	hlen = (size_t)(end - r->bytes);
	for (i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)r->bytes[i];

		if ((c < 0x20 || c > 0x7e) && !((c == '\r' &&
		    i + 1 < hlen && r->bytes[i + 1] == '\n') ||
		    (c == '\n' && i > 0 && r->bytes[i - 1] == '\r')))
			fuzz_fail("byte 0x%02x at offset %zu of the header "
			    "block", c, i);
	}
	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		fuzz_assert(eol != NULL && eol > p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || colon == p || colon + 2 > eol ||
		    colon[1] != ' ')
			fuzz_fail("malformed header line \"%.*s\"",
			    (int)(eol - p), p);
		n = (size_t)(colon - p);
		for (i = 0; i < NHDR; i++)
			if (strlen(known_hdr[i].name) == n &&
			    memcmp(known_hdr[i].name, p, n) == 0)
				break;
		if (i == NHDR)
			fuzz_fail("unexpected header \"%.*s\"", (int)n, p);
		if (h[i].v != NULL)
			fuzz_fail("header %s twice", known_hdr[i].name);
		/* Status must be the first line, as CGI adapters expect. */
		if (first != (i == H_STATUS))
			fuzz_fail("Status is not the first header");
		first = 0;
		h[i].v = colon + 2;
		h[i].len = (size_t)(eol - (colon + 2));
		if (h[i].len == 0 || h[i].v[0] == ' ' ||
		    h[i].v[h[i].len - 1] == ' ')
			fuzz_fail("empty or padded value for %s",
			    known_hdr[i].name);
		if (known_hdr[i].value != NULL &&
		    !hdr_is(&h[i], known_hdr[i].value))
			fuzz_fail("%s: \"%.*s\"", known_hdr[i].name,
			    (int)h[i].len, h[i].v);
		p = eol + 2;
	}
	/* Sent on every response. */
	for (i = H_STATUS; i <= H_VARY; i++)
		if (h[i].v == NULL)
			fuzz_fail("missing header %s", known_hdr[i].name);
	if (h[H_CLEN].v == NULL)
		fuzz_fail("missing Content-Length");
}

/* ---- tokens ----------------------------------------------------------- */

/* The token lifetime a response may carry: at most max; exactly want
 * when that is known (non-zero). */
struct expiry_rule {
	uint32_t max;
	uint32_t want;
};

static int
svc_privs_are(const struct tok_dservice *s, const uint16_t *keys, size_t n)
{
	size_t i;

	if (s->npriv != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s->priv[i].key != keys[i])
			return 0;
	return 1;
}

static const uint16_t privs_pub[] = { 1, 2, 3, 4 };
static const uint16_t privs_sub[] = { 1 };
static const uint16_t privs_stream[] = { 1, 4 };
static const uint16_t privs_app[] = { 2 };

/* An RTC grant for a channel and a uid/account: the /rtc token's service. */
static void
check_rtc_service(const struct tok_dservice *s)
{
	fuzz_assert(s->type == TOK_SVC_RTC);
	fuzz_assert(svc_privs_are(s, privs_pub, 4) ||
	    svc_privs_are(s, privs_sub, 1));
	fuzz_assert(agora_name(s->s1, s->s1_len, 64));
	/* "" is uid 0; otherwise a decimal uid or an account. */
	fuzz_assert(s->s2_len == 0 || agora_name(s->s2, s->s2_len, 255));
}

/* RTM login, optionally after the stream-channel RTC grant for the
 * same user. */
static void
check_rtm_token(const struct tok_decoded *d)
{
	const struct tok_dservice *rtm = &d->svc[d->nservice - 1];

	fuzz_assert(d->nservice == 1 || d->nservice == 2);
	fuzz_assert(rtm->type == TOK_SVC_RTM && svc_privs_are(rtm, privs_sub,
	    1));
	fuzz_assert(printable_id(rtm->s1, rtm->s1_len));
	fuzz_assert(!(rtm->s1_len == 1 && rtm->s1[0] == '0'));
	if (d->nservice == 2) {
		const struct tok_dservice *rtc = &d->svc[0];

		fuzz_assert(rtc->type == TOK_SVC_RTC);
		fuzz_assert(svc_privs_are(rtc, privs_stream, 2));
		fuzz_assert(agora_name(rtc->s1, rtc->s1_len, 64));
		fuzz_assert(rtc->s2_len == rtm->s1_len &&
		    memcmp(rtc->s2, rtm->s1, rtm->s1_len) == 0);
	}
}

/* Chat: the user privilege for a non-empty id, the app privilege for "". */
static void
check_chat_token(const struct tok_decoded *d)
{
	const struct tok_dservice *s = &d->svc[0];

	fuzz_assert(d->nservice == 1 && s->type == TOK_SVC_CHAT);
	if (s->s1_len == 0)
		fuzz_assert(svc_privs_are(s, privs_app, 1));
	else {
		fuzz_assert(svc_privs_are(s, privs_sub, 1));
		fuzz_assert(printable_id(s->s1, s->s1_len));
	}
}

/*
 * A minted token: decodes, is signed with our certificate (and only
 * ours), carries the fixed clock, the salt for its place in the reply
 * (the first token: salt, a second: salt2) and our app id, an expiry
 * within the configuration's bound, every privilege for exactly that
 * long, and only services of known types.
 */
static void
decode_token(const json_t *v, const struct expiry_rule *ex, uint32_t salt,
    struct tok_decoded *d)
{
	const char *s = json_string_value(v);
	size_t len, i, j;
	enum tok_err e;

	if (s == NULL)
		fuzz_fail("token is not a JSON string");
	len = json_string_length(v);
	fuzz_assert(len < TOK_MAX_TOKEN && strlen(s) == len);
	if ((e = tok_decode(s, len, d)) != TOK_OK)
		fuzz_fail("tok_decode: %s: %s", tok_strerror(e), s);
	fuzz_assert(tok_verify(d, app_cert) == 1);
	fuzz_assert(tok_verify(d, other_cert) == 0);
	fuzz_assert(d->issue_ts == FIXED_NOW);
	fuzz_assert(d->salt == salt);
	fuzz_assert(d->app_id_len == 32 && memcmp(d->app_id, app_id, 32) == 0);
	fuzz_assert(d->expire >= 1 && d->expire <= ex->max);
	if (ex->want != 0)
		fuzz_assert(d->expire == ex->want);
	fuzz_assert(d->nservice >= 1 && d->declared_services == d->nservice);
	for (i = 0; i < d->nservice; i++)
		for (j = 0; j < d->svc[i].npriv; j++)
			fuzz_assert(d->svc[i].priv[j].value == d->expire);
}

/*
 * A 200 body: {"message":"pong"}, the route list, or one of the token
 * shapes the routes answer.
 */
static void
check_ok_body(const json_t *o, const char *method,
    const struct expiry_rule *ex)
{
	struct tok_decoded d, d2;
	json_t *v;

	if ((v = json_object_get(o, "message")) != NULL) {
		fuzz_assert(json_object_size(o) == 1);
		fuzz_assert(json_is_string(v) &&
		    strcmp(json_string_value(v), "pong") == 0);
		return;
	}
	if (json_object_get(o, "service") != NULL) {
		fuzz_assert(json_object_size(o) == 3);
		fuzz_assert(json_is_string(json_object_get(o, "version")));
		fuzz_assert(json_array_size(json_object_get(o, "routes")) > 0);
		return;
	}
	/* Token answers: POST is /getToken, GET the path routes. */
	if ((v = json_object_get(o, "token")) != NULL) {
		fuzz_assert(json_object_size(o) == 1);
		fuzz_assert(strcmp(method, "POST") == 0);
		decode_token(v, ex, FIXED_SALT, &d);
		if (d.svc[0].type == TOK_SVC_CHAT)
			check_chat_token(&d);
		else if (d.svc[d.nservice - 1].type == TOK_SVC_RTM)
			check_rtm_token(&d);
		else {
			fuzz_assert(d.nservice == 1);
			check_rtc_service(&d.svc[0]);
		}
		tok_decoded_free(&d);
		return;
	}
	fuzz_assert(strcmp(method, "GET") == 0);
	if ((v = json_object_get(o, "chatToken")) != NULL) {
		fuzz_assert(json_object_size(o) == 1);
		decode_token(v, ex, FIXED_SALT, &d);
		check_chat_token(&d);
		tok_decoded_free(&d);
		return;
	}
	v = json_object_get(o, "rtcToken");
	if (v != NULL && json_object_get(o, "rtmToken") != NULL) {
		/* /rte: the /rtc token plus an RTM token whose stream
		 * grant is for the same channel. */
		fuzz_assert(json_object_size(o) == 2);
		decode_token(v, ex, FIXED_SALT, &d);
		fuzz_assert(d.nservice == 1);
		check_rtc_service(&d.svc[0]);
		decode_token(json_object_get(o, "rtmToken"), ex, FIXED_SALT2,
		    &d2);
		check_rtm_token(&d2);
		fuzz_assert(d2.nservice == 2);
		fuzz_assert(d2.svc[0].s1_len == d.svc[0].s1_len &&
		    memcmp(d2.svc[0].s1, d.svc[0].s1, d.svc[0].s1_len) == 0);
		fuzz_assert(d2.expire == d.expire);
		tok_decoded_free(&d);
		tok_decoded_free(&d2);
		return;
	}
	if (v != NULL) {
		fuzz_assert(json_object_size(o) == 1);
		decode_token(v, ex, FIXED_SALT, &d);
		fuzz_assert(d.nservice == 1);
		check_rtc_service(&d.svc[0]);
		tok_decoded_free(&d);
		return;
	}
	if ((v = json_object_get(o, "rtmToken")) != NULL) {
		fuzz_assert(json_object_size(o) == 1);
		decode_token(v, ex, FIXED_SALT, &d);
		check_rtm_token(&d);
		/* /rtm has no channel: no stream grant. */
		fuzz_assert(d.nservice == 1);
		tok_decoded_free(&d);
		return;
	}
	fuzz_fail("200 body of unknown shape");
}

/* ---- the response as a whole ----------------------------------------- */

static const void *
memmem_icase(const char *hay, size_t hlen, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; n <= hlen && i <= hlen - n; i++) {
		for (j = 0; j < n; j++) {
			unsigned char a = (unsigned char)hay[i + j];
			unsigned char b = (unsigned char)needle[j];

			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				break;
		}
		if (j == n)
			return hay + i;
	}
	return NULL;
}

static void
check_response(int sel, const struct req *rq, const struct resp *r)
{
	struct hdr h[NHDR];
	const char *method = rq->method != NULL ? rq->method : "";
	const char *body;
	size_t blen, i, clen;
	int head = strcmp(method, "HEAD") == 0;
	json_error_t jerr;
	json_t *o;
	char num[32];

	/* The certificate is a secret: never in any byte of any answer,
	 * nor in the reason given to the log. */
	if (memmem_icase(r->bytes, r->len, app_cert) != NULL)
		fuzz_fail("certificate in the response");
	if (r->log != NULL &&
	    memmem_icase(r->log, strlen(r->log), app_cert) != NULL)
		fuzz_fail("certificate in the log reason");
	/* A valid configuration and a salt: every 5xx is a bug (an
	 * internal error the input could provoke). */
	if (r->status >= 500)
		fuzz_fail("status %d (log: %s)", r->status,
		    r->log != NULL ? r->log : "-");
	fuzz_assert(r->log == NULL);

	parse_headers(r, h);
	for (i = 0; i < sizeof(status_lines) / sizeof(status_lines[0]); i++)
		if (status_lines[i].code == r->status)
			break;
	if (i == sizeof(status_lines) / sizeof(status_lines[0]))
		fuzz_fail("unexpected status %d", r->status);
	if (!hdr_is(&h[H_STATUS], status_lines[i].line))
		fuzz_fail("Status \"%.*s\" for %d", (int)h[H_STATUS].len,
		    h[H_STATUS].v, r->status);

	body = r->bytes + r->body_off;
	blen = r->len - r->body_off;
	/* Content-Length: canonical decimal, equal to the body's length;
	 * HEAD sends the headers of GET and no body. */
	fuzz_assert(h[H_CLEN].len < sizeof(num));
	memcpy(num, h[H_CLEN].v, h[H_CLEN].len);
	num[h[H_CLEN].len] = '\0';
	for (i = 0; num[i] != '\0'; i++)
		fuzz_assert(num[i] >= '0' && num[i] <= '9');
	fuzz_assert(num[0] != '0' || num[1] == '\0');
	clen = (size_t)strtoul(num, NULL, 10);
	if (head)
		fuzz_assert(blen == 0);
	else if (clen != blen)
		fuzz_fail("Content-Length %zu, body %zu bytes", clen, blen);

	/* CORS.  Only a checked Origin is ever copied into a header, and
	 * a refused one is a 403 with no Access-Control-Allow-Origin. */
	if (!origin_allowed(sel, rq->origin)) {
		fuzz_assert(r->status == 403);
		fuzz_assert(h[H_ACAO].v == NULL);
	} else if (rq->origin != NULL) {
		if (!hdr_is(&h[H_ACAO], rq->origin))
			fuzz_fail("Access-Control-Allow-Origin missing or not "
			    "the request's Origin");
	} else
		fuzz_assert(h[H_ACAO].v == NULL);

	/* Preflight: 204 with the preflight headers, only for OPTIONS. */
	if (r->status == 204) {
		fuzz_assert(strcmp(method, "OPTIONS") == 0);
		fuzz_assert(h[H_ACAM].v && h[H_ACAH].v && h[H_ACMA].v);
		fuzz_assert(clen == 0 && blen == 0);
	} else
		fuzz_assert(!h[H_ACAM].v && !h[H_ACAH].v && !h[H_ACMA].v);
	if (strcmp(method, "OPTIONS") == 0)
		fuzz_assert(r->status == 204 || r->status == 400 ||
		    r->status == 403 || r->status == 404 || r->status == 414);

	/* 405 names what the route allows; nothing else sends Allow. */
	if (r->status == 405) {
		for (i = 0; i < sizeof(allow_values) / sizeof(allow_values[0]);
		    i++)
			if (hdr_is(&h[H_ALLOW], allow_values[i]))
				break;
		fuzz_assert(i < sizeof(allow_values) / sizeof(allow_values[0]));
	} else
		fuzz_assert(h[H_ALLOW].v == NULL);
	/* Only POST reads a body. */
	if (r->status == 413 || r->status == 415)
		fuzz_assert(strcmp(method, "POST") == 0);
	/* A body the adapter could not measure is never used. */
	if (rq->bad_length || rq->body_too_large)
		fuzz_assert(r->status != 200 || strcmp(method, "POST") != 0);
	if (r->status == 200)
		fuzz_assert(strcmp(method, "GET") == 0 ||
		    strcmp(method, "POST") == 0 || head);

	if (r->status == 204 || head)
		return;
	/* Every other answer is one JSON object, nothing after it. */
	o = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		fuzz_fail("body is not JSON (%s): %.*s", jerr.text, (int)blen,
		    body);
	fuzz_assert(json_is_object(o));
	if (r->status >= 400) {
		/* Exactly {"error": non-empty string, "status": the code}. */
		json_t *err = json_object_get(o, "error");
		json_t *st = json_object_get(o, "status");

		fuzz_assert(json_object_size(o) == 2);
		fuzz_assert(json_is_string(err) &&
		    json_string_length(err) > 0);
		fuzz_assert(json_is_integer(st) &&
		    json_integer_value(st) == r->status);
	} else {
		/* A GET without a query string gets the default lifetime:
		 * 3600, or TOKEN_MAX_EXPIRY if smaller. */
		struct expiry_rule ex = { max_expiry[sel], 0 };

		if (strcmp(method, "GET") == 0 &&
		    (rq->query == NULL || rq->query[0] == '\0'))
			ex.want = max_expiry[sel] < 3600 ? max_expiry[sel] :
			    3600;
		check_ok_body(o, method, &ex);
	}
	json_decref(o);
}

/* ---- input splitting ------------------------------------------------- */

/* A malloc'd NUL-terminated copy cut at the first NUL, or NULL for an
 * absent variable.  Exact-size buffers let ASan catch over-reads. */
static char *
var_copy(const uint8_t *p, size_t n, int present)
{
	char *s;
	const uint8_t *z;

	if (!present || (n == 1 && p[0] == 0xfe))
		return NULL;
	if ((z = memchr(p, 0, n)) != NULL)
		n = (size_t)(z - p);
	if ((s = malloc(n + 1)) == NULL)
		fuzz_fail("out of memory");
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *fp[NFIELDS], *p, *end, *sep;
	size_t fl[NFIELDS], nf = 0, i;
	char *var[F_BODY];
	char *body = NULL;
	struct req rq;
	struct resp r1, r2;
	int sel;

	setup();
	if (size < 1)
		return 0;
	sel = data[0] & 1;
	p = data + 1;
	end = data + size;
	while (nf < NFIELDS) {
		sep = nf < F_BODY ? memchr(p, 0xff, (size_t)(end - p)) : NULL;
		fp[nf] = p;
		fl[nf] = (sep != NULL ? sep : end) - p;
		nf++;
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	for (i = 0; i < F_BODY; i++)
		var[i] = var_copy(i < nf ? fp[i] : NULL, i < nf ? fl[i] : 0,
		    i < nf);

	memset(&rq, 0, sizeof(rq));
	rq.method = var[F_METHOD];
	rq.request_uri = var[F_URI];
	rq.script_name = var[F_SCRIPT_NAME];
	rq.path_info = var[F_PATH_INFO];
	rq.script_filename = var[F_SCRIPT_FILENAME];
	rq.query = var[F_QUERY];
	rq.content_type = var[F_CTYPE];
	rq.origin = var[F_ORIGIN];
	if (nf == NFIELDS && fl[F_BODY] > 0) {
		/* Exactly the body's bytes, not NUL-terminated. */
		if ((body = malloc(fl[F_BODY])) == NULL)
			fuzz_fail("out of memory");
		memcpy(body, fp[F_BODY], fl[F_BODY]);
		rq.body_len = fl[F_BODY];
	}
	rq.body = body;
	rq.body_too_large = (data[0] >> 1) & 1;
	rq.bad_length = (data[0] >> 2) & 1;
	rq.now = FIXED_NOW;
	rq.salt = FIXED_SALT;
	rq.salt2 = FIXED_SALT2;

	req_handle(&cfgs[sel], tok, &rq, &r1);
	if (verbose)	/* FUZZ_VERBOSE=1: show each response, for corpus work */
		fprintf(stderr, "--- config %c\n%.*s\n", "AB"[sel],
		    (int)r1.len, r1.bytes);
	check_response(sel, &rq, &r1);
	/* Same request, same clock and salt: the same bytes.  Protects
	 * against state carried between requests (the reused deflate
	 * stream and MAC context in tok_ctx, static buffers). */
	req_handle(&cfgs[sel], tok, &rq, &r2);
	if (r2.status != r1.status || r2.len != r1.len ||
	    memcmp(r2.bytes, r1.bytes, r1.len) != 0)
		fuzz_fail("second identical request answered differently");
	resp_free(&r2);
	/* HEAD sends GET's headers, Content-Length included, whenever GET
	 * would get the same status (HEAD is a 405 on the token routes). */
	if (rq.method != NULL && strcmp(rq.method, "HEAD") == 0) {
		rq.method = "GET";
		req_handle(&cfgs[sel], tok, &rq, &r2);
		if (r2.status == r1.status && (r2.body_off != r1.body_off ||
		    memcmp(r2.bytes, r1.bytes, r1.body_off) != 0))
			fuzz_fail("HEAD and GET headers differ");
		resp_free(&r2);
	}
	resp_free(&r1);

	free(body);
	for (i = 0; i < F_BODY; i++)
		free(var[i]);
	return 0;
}
