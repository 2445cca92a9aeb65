/*
 * req: the one request function.  A request (CGI variables, body, clock,
 * salt) goes in; a complete CGI-style response (status line, headers,
 * blank line, JSON body) comes out.  No I/O and no libfcgi: CGI mode,
 * FastCGI mode, the unit tests and the fuzzers all call req_handle().
 */
#ifndef REQ_H
#define REQ_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct tok_ctx;

#define REQ_VERSION "0.1.0"
/*
 * The path and query limits sit well below nginx's default 8 KiB request
 * line buffer, so an over-long request gets this service's JSON 414
 * rather than the web server's HTML one; no route needs more (the longest
 * valid /rte path, fully percent-encoded, is about 1.2 KiB).
 */
#define REQ_MAX_PATH 2048	/* raw path bytes; longer: 414 */
#define REQ_MAX_QUERY 4096	/* raw query bytes; longer: 414 */
#define REQ_MAX_BODY 16384	/* POST body bytes; longer: 413 */
#define REQ_MAX_ORIGIN 1024	/* longer Origin values are refused */

/* All strings are borrowed and NUL-terminated; NULL means absent. */
struct req {
	const char *method;		/* REQUEST_METHOD */
	const char *request_uri;	/* REQUEST_URI, raw */
	const char *script_name;	/* SCRIPT_NAME */
	const char *path_info;		/* PATH_INFO, already decoded */
	const char *script_filename;	/* SCRIPT_FILENAME */
	const char *query;		/* QUERY_STRING, raw */
	const char *content_type;	/* CONTENT_TYPE */
	const char *origin;		/* HTTP_ORIGIN */
	const char *body;		/* may hold NULs; body_len bytes */
	size_t body_len;
	int body_too_large;	/* the adapter saw more than REQ_MAX_BODY */
	int bad_length;		/* CONTENT_LENGTH was not a number */
	uint32_t now;		/* issue time, Unix seconds */
	uint32_t salt;		/* from a CSPRNG; 0 means it failed: 500 */
	uint32_t salt2;		/* the same, for a reply's second token */
};

struct resp {
	int status;
	const char *bytes;	/* whole response, len bytes */
	size_t len;
	size_t body_off;	/* offset of the body within bytes */
	const char *log;	/* static reason for a 5xx, for the log */
	char *owned;		/* what resp_free frees */
};

/*
 * Handles one request.  cfg NULL means the service is not configured
 * (answers 500).  ctx is the caller's per-thread token context.
 * Always fills out (on memory exhaustion: a static 500 response).
 * The caller frees with resp_free.
 */
void	req_handle(const struct cfg *, struct tok_ctx *, const struct req *,
	    struct resp *out);
void	resp_free(struct resp *);

#endif /* REQ_H */
