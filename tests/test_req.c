/*
 * Unit tests of the request function: golden tokens (a request with the
 * clock and salt of a test vector must answer that vector's exact token),
 * mount-point handling for each web server's way of passing the path,
 * and a table of requests with their expected status and body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "parse.h"
#include "req.h"
#include "tok.h"

static int npass, nfail;
static struct tok_ctx *tok;
static json_t *vectors;

static void result(int, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		npass++;
		printf("ok - %s\n", name);
		return;
	}
	nfail++;
	printf("FAIL - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int
make_cfg(struct cfg *c, const char *app_id, const char *cert,
    const char *cors, const char *max)
{
	struct cfg_src src;
	char err[256];
	int rc;

	memset(&src, 0, sizeof(src));
	cfg_src_set(&src, CFG_APP_ID, app_id);
	cfg_src_set(&src, CFG_APP_CERTIFICATE, cert);
	if (cors != NULL)
		cfg_src_set(&src, CFG_CORS_ALLOW_ORIGIN, cors);
	if (max != NULL)
		cfg_src_set(&src, CFG_TOKEN_MAX_EXPIRY, max);
	rc = cfg_finish(&src, c, err, sizeof(err));
	cfg_src_free(&src);
	if (rc != 0)
		fprintf(stderr, "cfg: %s\n", err);
	return rc;
}

static json_t *
vector(const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(vectors, "vectors"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	return NULL;
}

/* Body of a response as a NUL-terminated copy; caller frees. */
static char *
body_of(const struct resp *r)
{
	size_t n = r->len - r->body_off;
	char *s = malloc(n + 1);

	memcpy(s, r->bytes + r->body_off, n);
	s[n] = '\0';
	return s;
}

/* Value of header name in r, copied into buf ("" if absent). */
static const char *
header(const struct resp *r, const char *name, char *buf, size_t bufsz)
{
	const char *p = r->bytes, *end = r->bytes + r->body_off, *eol;
	size_t nlen = strlen(name);

	buf[0] = '\0';
	while (p < end && (eol = strstr(p, "\r\n")) != NULL && eol != p) {
		if ((size_t)(eol - p) > nlen + 2 && strncasecmp(p, name,
		    nlen) == 0 && p[nlen] == ':') {
			snprintf(buf, bufsz, "%.*s", (int)(eol - p - nlen - 2),
			    p + nlen + 2);
			return buf;
		}
		p = eol + 2;
	}
	return buf;
}

/* ---- golden tokens ------------------------------------------------------ */

struct golden {
	const char *name;
	const char *vector;
	const char *method;
	const char *uri;	/* path?query, mounted at / (lighttpd style) */
	const char *ctype;
	const char *body;
	const char *key;	/* JSON key holding the token */
};

static const struct golden goldens[] = {
	{ "rtc subscriber uid", "at2-rtc-uid", "GET",
	    "/rtc/7d72365eb983485397e3e3f9d460bdda/subscriber/uid/2882341273"
	    "?expiry=600", NULL, NULL, "rtcToken" },
	{ "rtc subscriber uid leading zeros", "at2-rtc-uid", "GET",
	    "/rtc/7d72365eb983485397e3e3f9d460bdda/audience/uid/002882341273/"
	    "?expiry=600", NULL, NULL, "rtcToken" },
	{ "rtc subscriber account", "at2-rtc-uid", "GET",
	    "/rtc/7d72365eb983485397e3e3f9d460bdda/2/userAccount/2882341273"
	    "?expiry=600", NULL, NULL, "rtcToken" },
	{ "rtc uid 0 is the wildcard", "at2-rtc-uid0", "GET",
	    "/rtc/7d72365eb983485397e3e3f9d460bdda/SUBSCRIBER/uid/0"
	    "?expiry=600", NULL, NULL, "rtcToken" },
	{ "rtm", "at2-rtm-test_user", "GET", "/rtm/test_user?expiry=600",
	    NULL, NULL, "rtmToken" },
	{ "chat user", "at2-chat-user", "GET",
	    "/chat/account/2882341273/?expiry=600", NULL, NULL, "chatToken" },
	{ "chat app", "at2-chat-app", "GET", "/chat/app?expiry=600", NULL,
	    NULL, "chatToken" },
	{ "chat user default expiry", "gen-chat-user", "GET",
	    "/chat/account/a3f1c2d4-user", NULL, NULL, "chatToken" },
	{ "getToken chat app", "gen-chat-app", "POST", "/getToken",
	    "application/json", "{\"tokenType\":\"chat\"}", "token" },
	{ "getToken chat app expire 0", "gen-chat-app", "POST", "/getToken/",
	    "application/json; charset=utf-8",
	    "{\"tokenType\":\"chat\",\"expire\":0}", "token" },
	{ "getToken rtc json", "at2-rtc-uid", "POST", "/getToken",
	    "application/json", "{\"tokenType\":\"rtc\",\"channel\":"
	    "\"7d72365eb983485397e3e3f9d460bdda\",\"role\":\"subscriber\","
	    "\"uid\":2882341273,\"expire\":600}", "token" },
	{ "getToken rtc form", "at2-rtc-uid", "POST", "/getToken",
	    "application/x-www-form-urlencoded", "tokenType=rtc&channel="
	    "7d72365eb983485397e3e3f9d460bdda&role=audience&uid=2882341273"
	    "&expire=600", "token" },
	{ "getToken rtm form", "at2-rtm-test_user", "POST", "/getToken",
	    "application/x-www-form-urlencoded",
	    "tokenType=rtm&uid=test%5Fuser&expire=600", "token" },
	{ "getToken chat user", "at2-chat-user", "POST", "/getToken",
	    "application/json", "{\"tokenType\":\"chat\",\"uid\":2882341273,"
	    "\"expire\":600}", "token" },
};

static void
test_goldens(void)
{
	struct cfg c;
	struct req rq;
	struct resp rs;
	json_t *v, *reply;
	char name[128], *body, query[256];
	const char *q;
	size_t i;

	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];

		snprintf(name, sizeof(name), "golden: %s", g->name);
		if ((v = vector(g->vector)) == NULL) {
			result(0, name, "%s", "vector missing");
			continue;
		}
		make_cfg(&c, json_string_value(json_object_get(v, "app_id")),
		    json_string_value(json_object_get(v, "app_certificate")),
		    NULL, NULL);
		memset(&rq, 0, sizeof(rq));
		rq.method = g->method;
		rq.request_uri = g->uri;
		rq.script_name = "";
		q = strchr(g->uri, '?');
		snprintf(query, sizeof(query), "%s", q != NULL ? q + 1 : "");
		rq.query = query;
		rq.content_type = g->ctype;
		rq.body = g->body;
		rq.body_len = g->body != NULL ? strlen(g->body) : 0;
		rq.now = (uint32_t)json_integer_value(json_object_get(v,
		    "issue_ts"));
		rq.salt = (uint32_t)json_integer_value(json_object_get(v,
		    "salt"));
		req_handle(&c, tok, &rq, &rs);
		body = body_of(&rs);
		reply = json_loads(body, 0, NULL);
		result(rs.status == 200 && reply != NULL &&
		    json_object_size(reply) == 1 &&
		    json_string_value(json_object_get(reply, g->key)) != NULL &&
		    strcmp(json_string_value(json_object_get(reply, g->key)),
		    json_string_value(json_object_get(v, "expected_token"))) == 0,
		    name, "got %s", body);
		json_decref(reply);
		free(body);
		resp_free(&rs);
		cfg_clear(&c);
	}
}

/* ---- request table ------------------------------------------------------- */

struct rcase {
	const char *name;
	const char *method;
	const char *request_uri;
	const char *script_name;
	const char *path_info;
	const char *script_filename;
	const char *query;
	const char *origin;
	const char *ctype;
	const char *body;
	int status;
	const char *body_has;	/* substring of the body */
	const char *hdr;	/* "Name: value" that must be present */
};

#define APPROOT "/cgi-bin/t.cgi"
static const struct rcase cases[] = {
	/* mount point: each web server's way */
	{ "nginx unsplit at /", "GET", "/rtc/a%20b/publisher/uid/1",
	    "/rtc/a b/publisher/uid/1", NULL, NULL, "", NULL, NULL, NULL,
	    200, "\"rtcToken\":\"007", NULL },
	{ "nginx unsplit with SCRIPT_FILENAME", "GET", "/ping",
	    "/ping", NULL, "/var/www/html/ping", "", NULL, NULL, NULL,
	    200, "pong", NULL },
	{ "nginx unsplit root", "GET", "/", "/", NULL, NULL, "", NULL, NULL,
	    NULL, 200, "\"service\":\"agora-token-fcgi\"", NULL },
	{ "nginx split prefix", "GET", "/token/rtm/u%2Fv", "/token",
	    "/rtm/u/v", NULL, "", NULL, NULL, NULL, 200, "rtmToken", NULL },
	{ "prefix root without slash", "GET", "/token", "/token", NULL,
	    "/srv/t.fcgi", "", NULL, NULL, NULL, 200, "routes", NULL },
	{ "nginx split prefix root: empty PATH_INFO", "GET", "/token",
	    "/token", "", NULL, "", NULL, NULL, NULL, 200, "routes", NULL },
	{ "nginx unsplit, merged slashes", "GET", "/rtm/alice//",
	    "/rtm/alice/", NULL, NULL, "", NULL, NULL, NULL, 404,
	    "no such route", NULL },
	{ "nginx unsplit unknown path", "GET", "/token", "/token", NULL,
	    NULL, "", NULL, NULL, NULL, 404, "no such route", NULL },
	{ "prefix root with slash", "GET", "/token/", "/token", "/",
	    "/srv/t.fcgi", "", NULL, NULL, NULL, 200, "routes", NULL },
	{ "cgi script root", "GET", APPROOT, APPROOT, NULL, "/srv/t.cgi", "",
	    NULL, NULL, NULL, 200, "routes", NULL },
	{ "cgi script route", "GET", APPROOT "/ping", APPROOT, "/ping",
	    "/srv/t.cgi", "", NULL, NULL, NULL, 200, "pong", NULL },
	{ "lighttpd root mount", "GET", "/ping/", "", "/ping/", "/x", "",
	    NULL, NULL, NULL, 200, "pong", NULL },
	{ "PATH_INFO when REQUEST_URI does not start with SCRIPT_NAME",
	    "GET", "/tok%65n/ping", "/token", "/ping", "/x", "", NULL, NULL,
	    NULL, 200, "pong", NULL },
	{ "PATH_INFO only", "GET", NULL, "/x.cgi", "/ping", "/x", NULL, NULL,
	    NULL, NULL, 200, "pong", NULL },
	{ "encoded slash stays in the segment", "GET",
	    APPROOT "/rtc/a%2Fb/publisher/uid/1", APPROOT,
	    "/rtc/a/b/publisher/uid/1", "/x", "", NULL, NULL, NULL, 400,
	    "channelName", NULL },
	{ "plus in path is literal", "GET", APPROOT "/chat/account/a+b",
	    APPROOT, "/chat/account/a+b", "/x", "", NULL, NULL, NULL, 200,
	    "chatToken", NULL },
	/* routing */
	{ "unknown path", "GET", "/nope", "", NULL, NULL, "", NULL, NULL,
	    NULL, 404, "no such route", NULL },
	{ "too many segments", "GET", "/a/b/c/d/e/f/g/h/i/j", "", NULL, NULL,
	    "", NULL, NULL, NULL, 404, "no such route", NULL },
	{ "dot-dot segment", "GET", "/rtc/../ping", "", NULL, NULL, "", NULL,
	    NULL, NULL, 400, "\\\"..\\\"", NULL },
	{ "bad escape", "GET", "/rtm/a%G1", "", NULL, NULL, "", NULL, NULL,
	    NULL, 400, "percent-encoding", NULL },
	{ "encoded NUL", "GET", "/rtm/a%00b", "", NULL, NULL, "", NULL, NULL,
	    NULL, 400, "percent-encoding", NULL },
	{ "405 with Allow", "DELETE", "/ping", "", NULL, NULL, "", NULL, NULL,
	    NULL, 405, "method not allowed", "Allow: GET, HEAD, OPTIONS" },
	{ "405 getToken GET", "GET", "/getToken", "", NULL, NULL, "", NULL,
	    NULL, NULL, 405, "POST", "Allow: POST, OPTIONS" },
	{ "HEAD rtc is 405", "HEAD", "/rtc/a/publisher/uid/1", "", NULL, NULL,
	    "", NULL, NULL, NULL, 405, "", "Allow: GET, OPTIONS" },
	/* validation */
	{ "role rule", "GET", "/rtc/a/admin/uid/1", "", NULL, NULL, "", NULL,
	    NULL, NULL, 400, "publisher, subscriber, host, audience", NULL },
	{ "tokenType names value", "GET", "/rtc/a/publisher/UID/1", "", NULL,
	    NULL, "", NULL, NULL, NULL, 400, "got \\\"UID\\\"", NULL },
	{ "tokenType control bytes escaped", "GET",
	    "/rtc/a/publisher/x%0d%0ay%ff/1", "", NULL, NULL, "", NULL, NULL,
	    NULL, 400, "x\\\\x0d\\\\x0ay\\\\xff", NULL },
	{ "uid too big", "GET", "/rtc/a/publisher/uid/4294967296", "", NULL,
	    NULL, "", NULL, NULL, NULL, 400, "0 to 4294967295", NULL },
	{ "uid sign", "GET", "/rtc/a/publisher/uid/+1", "", NULL, NULL, "",
	    NULL, NULL, NULL, 400, "uid", NULL },
	{ "uid max", "GET", "/rtc/a/publisher/uid/4294967295", "", NULL,
	    NULL, "", NULL, NULL, NULL, 200, "rtcToken", NULL },
	{ "channel 65 bytes", "GET", "/rtc/"
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "/publisher/uid/1", "", NULL, NULL, "", NULL, NULL, NULL, 400,
	    "channelName must be 1-64", NULL },
	{ "channel 64 bytes", "GET", "/rtc/"
	    "1234567890123456789012345678901234567890123456789012345678901234"
	    "/publisher/uid/1", "", NULL, NULL, "", NULL, NULL, NULL, 200,
	    "rtcToken", NULL },
	{ "empty channel", "GET", "/rtc//publisher/uid/1", "", NULL, NULL, "",
	    NULL, NULL, NULL, 400, "channelName", NULL },
	{ "rtm id 0", "GET", "/rtm/0", "", NULL, NULL, "", NULL, NULL, NULL,
	    400, "rtmuid", NULL },
	{ "rtm id leading space", "GET", "/rtm/%20a", "", NULL, NULL, "",
	    NULL, NULL, NULL, 400, "rtmuid", NULL },
	{ "rte uid 0 without rtmuid", "GET", "/rte/a/publisher/uid/0", "",
	    NULL, NULL, "", NULL, NULL, NULL, 400, "rtmuid is required", NULL },
	{ "rte uid 0 with rtmuid", "GET", "/rte/a/publisher/uid/0/bob", "",
	    NULL, NULL, "", NULL, NULL, NULL, 200, "\"rtmToken\":\"007", NULL },
	{ "expiry 0", "GET", "/rtm/a", "", NULL, NULL, "expiry=0", NULL, NULL,
	    NULL, 400, "expiry must be a whole number of seconds from 1 to "
	    "86400", NULL },
	{ "expiry over max", "GET", "/rtm/a", "", NULL, NULL, "expiry=86401",
	    NULL, NULL, NULL, 400, "expiry", NULL },
	{ "expiry twice", "GET", "/rtm/a", "", NULL, NULL,
	    "expiry=60&expiry=7200", NULL, NULL, NULL, 400, "more than once",
	    NULL },
	{ "expiry encoded key twice", "GET", "/rtm/a", "", NULL, NULL,
	    "expiry=60&exp%69ry=60", NULL, NULL, NULL, 400, "more than once",
	    NULL },
	{ "expiry plus is space", "GET", "/rtm/a", "", NULL, NULL,
	    "expiry=+60", NULL, NULL, NULL, 400, "expiry", NULL },
	{ "malformed query escape refused", "GET", "/rtm/a", "", NULL, NULL,
	    "x%zz=1&expiry=60&y", NULL, NULL, NULL, 400, "malformed", NULL },
	{ "unknown query keys ignored (well-formed)", "GET", "/rtm/a", "",
	    NULL, NULL, "x=1&expiry=60&y", NULL, NULL, NULL, 200, "rtmToken",
	    NULL },
	/* POST /getToken */
	{ "getToken text/plain", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "text/plain", "{}", 415, "Content-Type", NULL },
	{ "getToken no type", "POST", "/getToken", "", NULL, NULL, "", NULL,
	    "application/json", "{}", 400, "tokenType is required", NULL },
	{ "getToken duplicate key", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"rtm\",\"tokenType\":"
	    "\"rtm\",\"uid\":\"a\"}", 400, "JSON", NULL },
	{ "getToken expire string", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"rtm\",\"uid\":\"a\","
	    "\"expire\":\"60\"}", 400, "expire", NULL },
	{ "getToken NUL in string", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"rtm\",\"uid\":"
	    "\"a\\u0000b\"}", 400, "JSON", NULL },
	{ "getToken JSON error quoting broken UTF-8", "POST", "/getToken", "",
	    NULL, NULL, "", NULL, "application/json",
	    "{\"tokenType\":\"rtm\",\"uid\":\"\\\xc3\xa9\"}", 400,
	    "body is not valid JSON", NULL },
	{ "getToken JSON error escapes control bytes", "POST", "/getToken",
	    "", NULL, NULL, "", NULL, "application/json",
	    "{\"tokenType\":\"rtm\",\x01}", 400, "\\\\x01", NULL },
	{ "getToken long unknown form key ignored", "POST", "/getToken", "",
	    NULL, NULL, "", NULL, "application/x-www-form-urlencoded",
	    "tokenType=rtm&uid=a&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
	    200, "\"token\":\"007", NULL },
	{ "getToken chat empty uid", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"chat\",\"uid\":\"\"}",
	    400, "uid", NULL },
	{ "getToken rtc no role", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"rtc\",\"channel\":"
	    "\"a\",\"uid\":\"1\"}", 400, "role", NULL },
	{ "getToken rtc uid too big", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"rtc\",\"channel\":"
	    "\"a\",\"role\":\"host\",\"uid\":\"4294967296\"}", 400, "uid",
	    NULL },
	{ "getToken negative int uid", "POST", "/getToken", "", NULL, NULL,
	    "", NULL, "application/json", "{\"tokenType\":\"rtc\",\"channel\":"
	    "\"a\",\"role\":\"host\",\"uid\":-1}", 400, "uid", NULL },
	{ "getToken form duplicate", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/x-www-form-urlencoded",
	    "tokenType=rtm&uid=a&uid=b", 400, "more than once", NULL },
	{ "getToken bad tokenType", "POST", "/getToken", "", NULL, NULL, "",
	    NULL, "application/json", "{\"tokenType\":\"RTC\"}", 400,
	    "got \\\"RTC\\\"", NULL },
	/* CORS with the default (any origin) */
	{ "cors echo", "GET", "/ping", "", NULL, NULL, "",
	    "https://app.example", NULL, NULL, 200, "pong",
	    "Access-Control-Allow-Origin: https://app.example" },
	{ "cors CRLF refused", "GET", "/ping", "", NULL, NULL, "",
	    "https://a.example\r\nX-Evil: 1", NULL, NULL, 403,
	    "origin not allowed", NULL },
	{ "preflight", "OPTIONS", "/rtc/a/publisher/uid/1/", "", NULL, NULL,
	    "", "https://app.example", NULL, NULL, 204, "",
	    "Access-Control-Allow-Methods: GET, POST, OPTIONS" },
	{ "preflight unknown path", "OPTIONS", "/nope", "", NULL, NULL, "",
	    "https://app.example", NULL, NULL, 404, "no such route", NULL },
};

static void
run_cases(const struct cfg *c)
{
	struct req rq;
	struct resp rs;
	char name[160], hbuf[256], *body, *colon;
	const char *want;
	size_t i;
	int ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *t = &cases[i];

		snprintf(name, sizeof(name), "request: %s", t->name);
		memset(&rq, 0, sizeof(rq));
		rq.method = t->method;
		rq.request_uri = t->request_uri;
		rq.script_name = t->script_name;
		rq.path_info = t->path_info;
		rq.script_filename = t->script_filename;
		rq.query = t->query;
		rq.origin = t->origin;
		rq.content_type = t->ctype;
		rq.body = t->body;
		rq.body_len = t->body != NULL ? strlen(t->body) : 0;
		rq.now = 1700000000;
		rq.salt = 77;
		rq.salt2 = 78;
		req_handle(c, tok, &rq, &rs);
		body = body_of(&rs);
		ok = rs.status == t->status && strstr(body, t->body_has) != NULL;
		/* An error body is exactly {"error":...,"status":N}. */
		if (ok && t->status >= 400 && strcmp(t->method, "HEAD") != 0) {
			json_t *j = json_loads(body, 0, NULL);

			ok = j != NULL && json_object_size(j) == 2 &&
			    json_is_string(json_object_get(j, "error")) &&
			    json_integer_value(json_object_get(j, "status")) ==
			    t->status;
			json_decref(j);
		}
		if (ok && t->hdr != NULL) {
			char hn[64];

			colon = strchr(t->hdr, ':');
			snprintf(hn, sizeof(hn), "%.*s", (int)(colon - t->hdr),
			    t->hdr);
			want = colon + 2;
			ok = strcmp(header(&rs, hn, hbuf, sizeof(hbuf)), want) == 0;
		}
		/* Nothing the client sent may start a header line. */
		if (ok)
			ok = strstr(rs.bytes, "\nX-Evil") == NULL;
		if (!ok) {
			char d[600];

			snprintf(d, sizeof(d), "status %d body %s", rs.status,
			    body);
			result(0, name, "%s", d);
		} else
			result(1, name, "%s", "");
		free(body);
		resp_free(&rs);
	}
}

/* ---- other rules ------------------------------------------------------- */

static struct resp
simple(const struct cfg *c, const char *method, const char *uri,
    const char *origin, uint32_t salt)
{
	struct req rq;
	struct resp rs;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.request_uri = uri;
	rq.query = strchr(uri, '?') != NULL ? strchr(uri, '?') + 1 : NULL;
	rq.script_name = "";
	rq.origin = origin;
	rq.now = 1700000000;
	rq.salt = salt;
	rq.salt2 = salt != 0 ? salt + 1 : 0;
	req_handle(c, tok, &rq, &rs);
	return rs;
}

static void
test_rules(const struct cfg *any)
{
	struct cfg list, small;
	struct resp rs;
	char h[256], *b;
	static const char *const always[] = { "Content-Type: application/json",
	    "Cache-Control: private, no-cache, no-store, must-revalidate",
	    "Pragma: no-cache", "Expires: -1" };
	size_t i;

	rs = simple(any, "GET", "/rtm/a", NULL, 0);
	b = body_of(&rs);
	result(rs.status == 500 && strstr(b, "007") == NULL &&
	    strstr(b, "internal error") != NULL,
	    "failed random source: 500, no token", "%s", b);
	free(b);
	resp_free(&rs);

	rs = simple(NULL, "GET", "/ping", NULL, 5);
	b = body_of(&rs);
	result(rs.status == 500 && strcmp(b, "{\"error\":\"service is not "
	    "configured\",\"status\":500}") == 0,
	    "unconfigured: 500 service is not configured", "%s", b);
	free(b);
	resp_free(&rs);

	{
		struct req rq;

		memset(&rq, 0, sizeof(rq));
		rq.method = "POST";
		rq.request_uri = "/getToken";
		rq.script_name = "";
		rq.content_type = "application/json";
		rq.bad_length = 1;
		rq.now = 1700000000;
		rq.salt = rq.salt2 = 3;
		req_handle(any, tok, &rq, &rs);
		result(rs.status == 400 && strstr(rs.bytes,
		    "Content-Length is not a number") != NULL,
		    "non-numeric Content-Length: 400", "%s", rs.bytes);
		resp_free(&rs);
	}

	rs = simple(any, "HEAD", "/ping", NULL, 5);
	result(rs.status == 200 && rs.len == rs.body_off &&
	    strcmp(header(&rs, "Content-Length", h, sizeof(h)), "18") == 0,
	    "HEAD /ping: headers, no body", "%s", rs.bytes);
	for (i = 0; i < 4; i++) {
		char n[64];
		const char *colon = strchr(always[i], ':');

		snprintf(n, sizeof(n), "%.*s", (int)(colon - always[i]),
		    always[i]);
		result(strcmp(header(&rs, n, h, sizeof(h)), colon + 2) == 0,
		    always[i], "got %s", h);
	}
	resp_free(&rs);

	{
		static char uri[REQ_MAX_PATH + REQ_MAX_QUERY + 16];
		size_t n;

		/* Exactly at the path limit: routed (404), one more: 414. */
		uri[0] = '/';
		memset(uri + 1, 'a', REQ_MAX_PATH - 1);
		uri[REQ_MAX_PATH] = '\0';
		rs = simple(any, "GET", uri, NULL, 5);
		result(rs.status == 404, "path at the limit is routed", "%d",
		    rs.status);
		resp_free(&rs);
		uri[REQ_MAX_PATH] = 'a';
		uri[REQ_MAX_PATH + 1] = '\0';
		rs = simple(any, "GET", uri, NULL, 5);
		result(rs.status == 414 && strstr(rs.bytes, "\"status\":414")
		    != NULL, "path over the limit: JSON 414", "%d", rs.status);
		resp_free(&rs);
		n = (size_t)snprintf(uri, sizeof(uri), "/rtm/a?expiry=60&x=");
		memset(uri + n, 'b', REQ_MAX_QUERY - (n - 7));
		uri[n + REQ_MAX_QUERY - (n - 7)] = '\0';
		rs = simple(any, "GET", uri, NULL, 5);
		result(rs.status == 200, "query at the limit is served", "%d",
		    rs.status);
		resp_free(&rs);
		strcat(uri, "b");
		rs = simple(any, "GET", uri, NULL, 5);
		result(rs.status == 414 && strstr(rs.bytes, "\"status\":414")
		    != NULL, "query over the limit: JSON 414", "%d", rs.status);
		resp_free(&rs);
	}

	{
		struct tok_decoded d1, d2;
		json_t *j;
		const char *t1, *t2;

		memset(&d1, 0, sizeof(d1));
		memset(&d2, 0, sizeof(d2));
		rs = simple(any, "GET", "/rte/c/publisher/uid/42", NULL, 5);
		b = body_of(&rs);
		j = json_loads(b, 0, NULL);
		t1 = json_string_value(json_object_get(j, "rtcToken"));
		t2 = json_string_value(json_object_get(j, "rtmToken"));
		result(t1 != NULL && t2 != NULL &&
		    tok_decode(t1, strlen(t1), &d1) == TOK_OK &&
		    tok_decode(t2, strlen(t2), &d2) == TOK_OK &&
		    d1.salt == 5 && d2.salt == 6,
		    "rte: each token has its own salt", "%s", b);
		if (t1 != NULL && t2 != NULL) {
			tok_decoded_free(&d1);
			tok_decoded_free(&d2);
		}
		json_decref(j);
		free(b);
		resp_free(&rs);
	}

	rs = simple(any, "GET", "/rtm/a", NULL, 5);
	b = body_of(&rs);
	result(strchr(b, '\\') == NULL && strstr(b, "\"rtmToken\":\"007e") != NULL,
	    "token is not JSON-escaped", "%s", b);
	free(b);
	resp_free(&rs);

	make_cfg(&list, "970CA35de60c44645bbae8a215061b33",
	    "5CFd2fd1755d40ecb72977518be15d3b",
	    " https://a.example ,https://b.example", "7200");
	rs = simple(&list, "GET", "/ping", "https://b.example", 5);
	result(rs.status == 200 && strcmp(header(&rs,
	    "Access-Control-Allow-Origin", h, sizeof(h)),
	    "https://b.example") == 0 && strcmp(header(&rs, "Vary", h,
	    sizeof(h)), "Origin") == 0, "cors list: allowed origin echoed",
	    "%s", rs.bytes);
	resp_free(&rs);
	rs = simple(&list, "GET", "/ping", "https://c.example", 5);
	result(rs.status == 403 && strstr(rs.bytes,
	    "Access-Control-Allow-Origin") == NULL,
	    "cors list: other origin 403 without ACAO", "%s", rs.bytes);
	resp_free(&rs);
	rs = simple(&list, "GET", "/ping", "https://a.example.evil", 5);
	result(rs.status == 403, "cors list: prefix is not a match", "%s",
	    rs.bytes);
	resp_free(&rs);
	rs = simple(&list, "GET", "/ping", NULL, 5);
	result(rs.status == 200 && strstr(rs.bytes,
	    "Access-Control-Allow-Origin") == NULL,
	    "cors list: no Origin is never refused", "%s", rs.bytes);
	resp_free(&rs);
	rs = simple(&list, "GET", "/rtm/a?expiry=7201", NULL, 5);
	result(rs.status == 400 && strstr(rs.bytes, "1 to 7200") != NULL,
	    "TOKEN_MAX_EXPIRY bounds expiry", "%s", rs.bytes);
	resp_free(&rs);
	cfg_clear(&list);

	/* A max below 3600 lowers the default too. */
	make_cfg(&small, "970CA35de60c44645bbae8a215061b33",
	    "5CFd2fd1755d40ecb72977518be15d3b", NULL, "600");
	{
		struct req rq;
		struct tok_decoded d;
		json_t *j;
		const char *t;

		memset(&rq, 0, sizeof(rq));
		rq.method = "GET";
		rq.request_uri = "/rtm/a";
		rq.script_name = "";
		rq.now = 1700000000;
		rq.salt = 9;
		req_handle(&small, tok, &rq, &rs);
		b = body_of(&rs);
		j = json_loads(b, 0, NULL);
		t = json_string_value(json_object_get(j, "rtmToken"));
		result(t != NULL && tok_decode(t, strlen(t), &d) == TOK_OK &&
		    d.expire == 600 && d.svc[0].priv[0].value == 600 &&
		    d.issue_ts == 1700000000 && d.salt == 9,
		    "default expiry is min(3600, TOKEN_MAX_EXPIRY)", "%s", b);
		if (t != NULL)
			tok_decoded_free(&d);
		json_decref(j);
		free(b);
		resp_free(&rs);
	}
	cfg_clear(&small);
}

/* Config parsing and validation. */
static void
test_cfg(void)
{
	static const struct {
		const char *name, *text;
		int ok;
		const char *err_has;
	} t[] = {
		{ "file ok", "# c\nAPP_ID=970CA35de60c44645bbae8a215061b33\n"
		    "export APP_CERTIFICATE = \"5CFd2fd1755d40ecb72977518be15d3b\""
		    "\n\nTOKEN_MAX_EXPIRY='600'\r\n", 1, NULL },
		{ "comments after values", "APP_ID=970CA35de60c44645bbae8a215061b33"
		    " # the id\nAPP_CERTIFICATE='5CFd2fd1755d40ecb72977518be15d3b'"
		    "  # secret\nTOKEN_MAX_EXPIRY=600#x\n", 0,
		    "TOKEN_MAX_EXPIRY must be" },
		{ "comment after quoted value", "APP_ID=970CA35de60c44645bbae8a215061b33"
		    " # the id\nAPP_CERTIFICATE='5CFd2fd1755d40ecb72977518be15d3b'"
		    "  # secret\nTOKEN_MAX_EXPIRY=600 #x\n", 1, NULL },
		{ "text after quote", "APP_ID='a' b\n", 0, "line 1: text after" },
		{ "unmatched quote", "APP_ID='abc\n", 0, "line 1: unmatched" },
		{ "unknown key", "APP_IDX=1\n", 0, "line 1: unknown key APP_IDX" },
		{ "mangled key not echoed", "5CFd2fd1755d40ecb72977518be15d3b=1\n",
		    0, "line 1: unknown key (known" },
		{ "upper-case hex key not echoed",
		    "5CFD2FD1755D40ECB72977518BE15D3B=1\n", 0,
		    "line 1: unknown key (known" },
		{ "no equals", "\n\nAPP_ID\n", 0, "line 3" },
		{ "short cert", "APP_ID=970CA35de60c44645bbae8a215061b33\n"
		    "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3\n", 0,
		    "APP_CERTIFICATE must be exactly 32 hexadecimal" },
		{ "missing id", "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3b"
		    "\n", 0, "APP_ID is not set" },
		{ "bad max", "APP_ID=970CA35de60c44645bbae8a215061b33\n"
		    "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3b\n"
		    "TOKEN_MAX_EXPIRY=86401\n", 0, "TOKEN_MAX_EXPIRY" },
		{ "non-hex id", "APP_ID=970CA35de60c44645bbae8a215061b3g\n"
		    "APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3b\n", 0,
		    "APP_ID must be" },
	};
	struct cfg_src src;
	struct cfg c;
	char err[256], name[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&src, 0, sizeof(src));
		err[0] = '\0';
		rc = cfg_src_parse(&src, t[i].text, strlen(t[i].text), err,
		    sizeof(err));
		if (rc == 0)
			rc = cfg_finish(&src, &c, err, sizeof(err));
		snprintf(name, sizeof(name), "config: %s", t[i].name);
		result(t[i].ok ? rc == 0 : rc == -1 &&
		    strstr(err, t[i].err_has) != NULL &&
		    strstr(err, "5CFd2fd") == NULL, name, "err=%s", err);
		if (rc == 0) {
			result(c.max_expiry == 600 &&
			    strcmp(c.app_certificate,
			    "5CFd2fd1755d40ecb72977518be15d3b") == 0,
			    "config: values read", "%s", "");
			cfg_clear(&c);
		}
		cfg_src_free(&src);
	}
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/data/token-vectors.json";
	json_error_t jerr;
	struct cfg any;

	if ((vectors = json_load_file(path, 0, &jerr)) == NULL) {
		printf("FAIL - load %s: %s\n0 passed, 1 failed\n", path,
		    jerr.text);
		return 1;
	}
	tok = tok_ctx_new();
	test_goldens();
	make_cfg(&any, "970CA35de60c44645bbae8a215061b33",
	    "5CFd2fd1755d40ecb72977518be15d3b", NULL, NULL);
	run_cases(&any);
	test_rules(&any);
	test_cfg();
	cfg_clear(&any);
	tok_ctx_free(tok);
	json_decref(vectors);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail != 0;
}
