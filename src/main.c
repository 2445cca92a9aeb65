/*
 * The adapter: command line, configuration loading, CGI and FastCGI
 * request loops, worker threads and signals.  The only module that does
 * I/O; every request goes through req_handle().
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cfg.h"
#include "parse.h"
#include "req.h"
#include "sandbox.h"
#include "tok.h"

#define PROG "agora-token-fcgi"
#define MAX_CONFIG_FILE 65536
#define MAX_THREADS 256
#define MAX_WORKERS 64
#define MAX_DRAIN (16 * 1024 * 1024)	/* refused CGI body read and dropped */

static const char synopsis_text[] =
    "usage: " PROG " [--config FILE] [--listen unix:PATH | --listen HOST:PORT]\n"
    "       " PROG " [--socket-mode MODE] [--socket-group GROUP]\n"
    "       " PROG " [--threads N] [--workers N]\n"
    "       " PROG " [--no-sandbox] [--log-level LEVEL]\n"
    "       " PROG " --check-config [--config FILE]\n"
    "       " PROG " --help | --version\n";

static const char details_text[] =
    "\n"
    "Mints Agora AccessToken2 tokens over FastCGI or CGI.\n"
    "\n"
    "  --config FILE       read KEY=VALUE settings from FILE (also: env\n"
    "                      AGORA_TOKEN_CONFIG); the environment overrides it\n"
    "  --listen ADDR       serve FastCGI on unix:/path.sock or HOST:PORT\n"
    "                      (HOST is required: 127.0.0.1:9000, not :9000)\n"
    "  --socket-mode MODE  permissions of a unix socket (octal, default 0660)\n"
    "  --socket-group GRP  group of a unix socket (e.g. www-data, the web\n"
    "                      server's group; default: the process's group)\n"
    "  --threads N         worker threads (1-256, default 2 per CPU, at least 4)\n"
    "  --workers N         pre-fork N worker processes (1-64) under a supervisor\n"
    "                      that replaces any that dies; default: no supervisor\n"
    "  --no-sandbox        do not apply the seccomp system-call filter\n"
    "  --log-level LEVEL   error, warning, info (default) or debug (one line\n"
    "                      per request)\n"
    "  --check-config      validate the configuration, print it (never the\n"
    "                      certificate) and exit 0 if it is usable, else 1\n"
    "  --help              show this help\n"
    "  --version           show the version\n"
    "\n"
    "Without --listen: FastCGI on fd 0 when it is a listening socket\n"
    "(spawn-fcgi, mod_fcgid, lighttpd, systemd), else one CGI request.\n"
    "Settings: APP_ID, APP_CERTIFICATE (32 hex characters each),\n"
    "CORS_ALLOW_ORIGIN, TOKEN_MAX_EXPIRY (seconds, at most 86400).\n";

struct options {
	const char *config;
	const char *listen;
	mode_t socket_mode;
	const char *socket_group;	/* NULL: the process's group */
	int threads;
	int workers;		/* 0: no supervisor */
	int sandbox;
	int check_config;
};

static struct cfg config;
static const char *const log_levels[] = { "error", "warning", "info",
    "debug" };
static int log_level = 2;	/* info */
static int listen_fd = -1;
static volatile sig_atomic_t stopping;

/*
 * Salts for one worker thread, drawn from the CSPRNG SALT_BATCH at a
 * time: a RAND_bytes call is mostly fixed cost (a lock and a DRBG call;
 * about 1.4 us for 256 bytes against 0.8 us for 4 here), so one call
 * serves 32 requests instead of one call per salt.  A salt is no secret (every token carries its own in
 * clear); it only has to be unpredictable and not repeat.  Each worker's
 * pool lives in its struct worker, allocated after any fork, so two
 * processes never share one.
 */
#define SALT_BATCH 64

struct salt_pool {
	uint32_t v[SALT_BATCH];
	unsigned n;	/* v[0..n) not yet used */
};

/* One thread.  tok and body are made before the thread starts, so no
 * initialisation (library configuration files) happens after the
 * sandbox is in place. */
struct worker {
	pthread_t tid;
	struct tok_ctx *tok;
	struct salt_pool salts;
	char *body;
	int started;
	volatile sig_atomic_t in_accept;
	volatile sig_atomic_t done;
};

static void
logmsg(const char *level, const char *fmt, ...)
{
	char msg[1024], line[1200], ts[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int n, lv;

	for (lv = 0; lv < 4 && strcmp(log_levels[lv], level) != 0; lv++)
		continue;
	if (lv > log_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write(2) per line, so threads do not interleave and nothing
	 * but write is needed inside the sandbox. */
	n = snprintf(line, sizeof(line), "%s " PROG " %s: %s\n", ts, level,
	    msg);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return;	/* nowhere left to report it */
}

/* AGORA_TOKEN_TEST_FAIL_RANDOM: the tests' stand-in for a broken CSPRNG. */
static int
random_fails(void)
{
	static int fail_for_test = -1;

	if (fail_for_test < 0)
		fail_for_test = getenv("AGORA_TOKEN_TEST_FAIL_RANDOM") != NULL;
	return fail_for_test;
}

/*
 * A non-zero salt from the CSPRNG, or 0 if it failed (the request then
 * gets a 500; a guessable salt is never used).
 */
static uint32_t
draw_salt(void)
{
	uint32_t salt = 0;
	int i;

	if (random_fails())
		return 0;
	for (i = 0; i < 4 && salt == 0; i++)
		if (RAND_bytes((unsigned char *)&salt, sizeof(salt)) != 1)
			return 0;
	return salt;
}

/* draw_salt() through a worker's pool: the same contract, fewer calls. */
static uint32_t
pool_salt(struct salt_pool *p)
{
	uint32_t salt;
	int refills = 0;

	if (random_fails())
		return 0;
	for (;;) {
		if (p->n == 0) {
			if (refills++ == 4 || RAND_bytes((unsigned char *)p->v,
			    sizeof(p->v)) != 1)
				return 0;
			p->n = SALT_BATCH;
		}
		salt = p->v[--p->n];
		p->v[p->n] = 0;
		if (salt != 0)
			return salt;
	}
}

static int
read_config_file(const char *path, struct cfg_src *src, char *err,
    size_t errsz)
{
	char *buf = NULL, perr[256];
	ssize_t n;
	size_t len = 0;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "cannot open config file %.400s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((buf = malloc(MAX_CONFIG_FILE + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	while (len <= MAX_CONFIG_FILE) {
		n = read(fd, buf + len, MAX_CONFIG_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "cannot read config file %.400s: %s",
			    path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MAX_CONFIG_FILE) {
		snprintf(err, errsz, "config file %.400s is larger than %d bytes",
		    path, MAX_CONFIG_FILE);
		goto done;
	}
	if (cfg_src_parse(src, buf, len, perr, sizeof(perr)) == -1) {
		snprintf(err, errsz, "config file %.400s: %s", path, perr);
		goto done;
	}
	rc = 0;
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, MAX_CONFIG_FILE + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

/*
 * CGI on shared hosting often cannot set the environment, so a CGI
 * program without --config or AGORA_TOKEN_CONFIG also looks for
 * agora-token.conf beside itself.  Such a file may sit in a directory
 * the web server serves, so it is used only when no one but its owner
 * can read or write it (the program runs as the owner under suEXEC).
 */
static const char *
cgi_config_path(char *buf, size_t bufsz, char *err, size_t errsz,
    int *bad)
{
	const char *sf = getenv("SCRIPT_FILENAME"), *slash;
	struct stat st;
	int n;

	*bad = 0;
	if (sf == NULL || (slash = strrchr(sf, '/')) == NULL)
		return NULL;
	n = snprintf(buf, bufsz, "%.*s/agora-token.conf", (int)(slash - sf),
	    sf);
	if (n < 0 || (size_t)n >= bufsz || stat(buf, &st) == -1)
		return NULL;
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsz, "%.400s is readable or writable by others "
		    "than its owner: chmod 600 it", buf);
		*bad = 1;
		return NULL;
	}
	return buf;
}

/* File first, then the environment on top.  0 or -1 with err set. */
static int
load_config(const char *file, int cgi, char *err, size_t errsz)
{
	struct cfg_src src;
	const char *v;
	char why[512], beside[4096];
	int k, rc = -1, bad;

	memset(&src, 0, sizeof(src));
	if (file == NULL)
		file = getenv("AGORA_TOKEN_CONFIG");
	if (file == NULL && cgi) {
		file = cgi_config_path(beside, sizeof(beside), err, errsz,
		    &bad);
		if (bad)
			goto done;
	}
	if (file != NULL && *file != '\0' &&
	    read_config_file(file, &src, err, errsz) == -1)
		goto done;
	for (k = 0; k < CFG__MAX; k++) {
		if ((v = getenv(cfg_key_name((enum cfg_key)k))) == NULL)
			continue;
		if (cfg_src_set(&src, (enum cfg_key)k, v) == -1) {
			snprintf(err, errsz, "%s is too long",
			    cfg_key_name((enum cfg_key)k));
			goto done;
		}
	}
	if (cfg_finish(&src, &config, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "config: %s", why);
		goto done;
	}
	rc = 0;
done:
	cfg_src_free(&src);
	return rc;
}

/* ---- CGI ----------------------------------------------------------------- */

/* CONTENT_LENGTH as a byte count to read; marks the request when it is
 * over the limit or not a number at all. */
static size_t
content_length(const char *cl, struct req *rq)
{
	uint64_t n = 0;
	size_t i, len;

	if (cl == NULL || *cl == '\0')
		return 0;
	len = strlen(cl);
	if (!prs_all_digits(cl, len)) {
		rq->bad_length = 1;
		return 0;
	}
	for (i = 0; i < len && n <= REQ_MAX_BODY; i++)
		n = n * 10 + (uint64_t)(cl[i] - '0');
	if (n > REQ_MAX_BODY) {
		rq->body_too_large = 1;
		return 0;
	}
	return (size_t)n;
}

/* 5xx always; every request at --log-level debug, with the path made
 * safe for a log line (printable ASCII, at most 200 bytes). */
/* Reads up to n bytes (fewer only at end of input or on error). */
static size_t
read_fd(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
log_response(const struct req *rq, const struct resp *rs)
{
	char path[204];
	const char *u = rq->request_uri != NULL ? rq->request_uri :
	    rq->path_info != NULL ? rq->path_info : "";
	size_t i;

	if (rs->status >= 500)
		logmsg("error", "%d: %s", rs->status,
		    rs->log != NULL ? rs->log : "internal error");
	if (log_level < 3)
		return;
	for (i = 0; i < 200 && u[i] != '\0'; i++)
		path[i] = u[i] > 0x20 && u[i] < 0x7f ? u[i] : '?';
	path[i] = '\0';
	logmsg("debug", "%.8s %s %d", rq->method != NULL ? rq->method : "-",
	    path, rs->status);
}

static int
serve_cgi(int configured, struct tok_ctx *tok)
{
	static char body[REQ_MAX_BODY + 1], sink[65536];
	struct req rq;
	struct resp rs;
	const char *cl, *m;
	size_t want, got, n, drained = 0;

	memset(&rq, 0, sizeof(rq));
	rq.method = getenv("REQUEST_METHOD");
	rq.request_uri = getenv("REQUEST_URI");
	rq.script_name = getenv("SCRIPT_NAME");
	rq.path_info = getenv("PATH_INFO");
	rq.script_filename = getenv("SCRIPT_FILENAME");
	rq.query = getenv("QUERY_STRING");
	rq.content_type = getenv("CONTENT_TYPE");
	rq.origin = getenv("HTTP_ORIGIN");
	cl = getenv("CONTENT_LENGTH");
	want = content_length(cl, &rq);
	/*
	 * A POST without CONTENT_LENGTH (Apache passes chunked bodies so)
	 * is read to end of input, one byte past the limit to notice a
	 * body that is too large.
	 */
	m = rq.method;
	if ((cl == NULL || *cl == '\0') && m != NULL && strcmp(m, "POST") == 0)
		want = REQ_MAX_BODY + 1;
	got = read_fd(STDIN_FILENO, body, want);
	if (got > REQ_MAX_BODY)
		rq.body_too_large = 1;
	/*
	 * A web server that is still writing a refused body to a program
	 * that has stopped reading sees a reset and may cut the answer
	 * off: read the rest of it (up to a bound) and drop it.
	 */
	if (rq.body_too_large)
		while (drained < MAX_DRAIN &&
		    (n = read_fd(STDIN_FILENO, sink, sizeof(sink))) > 0)
			drained += n;
	rq.body = body;
	rq.body_len = got;
	rq.now = (uint32_t)time(NULL);
	rq.salt = draw_salt();
	rq.salt2 = draw_salt();
	req_handle(configured ? &config : NULL, tok, &rq, &rs);
	log_response(&rq, &rs);
	if (fwrite(rs.bytes, 1, rs.len, stdout) != rs.len || fflush(stdout))
		logmsg("error", "cannot write the response: %s",
		    strerror(errno));
	resp_free(&rs);
	return 0;
}

/* ---- FastCGI ------------------------------------------------------------- */

static void
serve_fcgi_request(FCGX_Request *r, struct tok_ctx *tok,
    struct salt_pool *salts, char *body)
{
	struct req rq;
	struct resp rs;
	size_t want, drained;
	int n;

	memset(&rq, 0, sizeof(rq));
	rq.method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	rq.request_uri = FCGX_GetParam("REQUEST_URI", r->envp);
	rq.script_name = FCGX_GetParam("SCRIPT_NAME", r->envp);
	rq.path_info = FCGX_GetParam("PATH_INFO", r->envp);
	rq.script_filename = FCGX_GetParam("SCRIPT_FILENAME", r->envp);
	rq.query = FCGX_GetParam("QUERY_STRING", r->envp);
	rq.content_type = FCGX_GetParam("CONTENT_TYPE", r->envp);
	rq.origin = FCGX_GetParam("HTTP_ORIGIN", r->envp);
	want = content_length(FCGX_GetParam("CONTENT_LENGTH", r->envp), &rq);
	n = want > 0 ? FCGX_GetStr(body, (int)want, r->in) : 0;
	rq.body = body;
	rq.body_len = n > 0 ? (size_t)n : 0;
	rq.now = (uint32_t)time(NULL);
	rq.salt = pool_salt(salts);
	rq.salt2 = pool_salt(salts);
	req_handle(&config, tok, &rq, &rs);
	log_response(&rq, &rs);
	/* A client that went away makes this fail; nothing to do. */
	(void)FCGX_PutStr(rs.bytes, (int)rs.len, r->out);
	resp_free(&rs);
	/*
	 * Read what is left of the body (one too large, or sent to a route
	 * that takes none), up to a bound: a web server still writing it to
	 * a connection we close would fail the request.
	 */
	for (drained = 0; drained < MAX_DRAIN &&
	    (n = FCGX_GetStr(body, REQ_MAX_BODY, r->in)) > 0;
	    drained += (size_t)n)
		continue;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	FCGX_Request r;

	if (FCGX_InitRequest(&r, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		logmsg("error", "FCGX_InitRequest failed");
		goto done;
	}
	while (!stopping) {
		w->in_accept = 1;
		if (FCGX_Accept_r(&r) < 0) {
			w->in_accept = 0;
			if (!stopping)
				logmsg("error", "accept failed; worker stops");
			break;
		}
		w->in_accept = 0;
		serve_fcgi_request(&r, w->tok, &w->salts, w->body);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 0);
done:
	w->done = 1;
	return NULL;
}

static void
kick_handler(int sig)
{
	(void)sig;	/* only here to interrupt accept() */
}

/*
 * Runs the worker threads until SIGTERM or SIGINT, then stops them:
 * requests in flight finish, idle workers leave accept().
 */
static int
serve_fcgi(int nthreads, int own_socket, int sandbox)
{
	struct worker *w;
	struct sigaction sa;
	sigset_t set;
	int i, sig, rc = 0;
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: accept gets EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by workers */

	if ((w = calloc((size_t)nthreads, sizeof(*w))) == NULL) {
		logmsg("error", "out of memory");
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		w[i].tok = tok_ctx_new();
		w[i].body = malloc(REQ_MAX_BODY + 1);
		if (w[i].tok == NULL || w[i].body == NULL) {
			logmsg("error", "out of memory");
			nthreads = i + 1;
			rc = 1;
			break;
		}
	}
	for (i = 0; rc == 0 && i < nthreads; i++)
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
			logmsg("error", "cannot create thread %d", i);
			rc = 1;
		} else
			w[i].started = 1;
	if (rc != 0) {
		/* Threads already running stop as at a signal below. */
		for (; i < nthreads; i++)
			w[i].done = 1;
	}
	if (rc == 0) {
		char why[256];

		if (!sandbox)
			logmsg("info", "sandbox disabled (--no-sandbox)");
		else if (sandbox_enter(why, sizeof(why)) == -1)
			logmsg("warning", "sandbox not active: %s", why);
		logmsg("info", "serving FastCGI with %d threads%s", nthreads,
		    sandbox ? "" : ", no sandbox");
		for (;;) {
			struct timespec second = { 1, 0 };
			int alive = 0;

			sig = sigtimedwait(&set, NULL, &second);
			if (sig == SIGTERM || sig == SIGINT)
				break;
			/* SIGHUP, SIGUSR1: no reload; keep serving.  A
			 * timeout: make sure someone still serves. */
			for (i = 0; i < nthreads; i++)
				alive += !w[i].done;
			if (alive == 0) {
				logmsg("error", "every worker thread has "
				    "stopped; exiting");
				rc = 1;
				break;
			}
		}
		if (rc == 0)
			logmsg("info", "signal %d: finishing requests in "
			    "flight", sig);
	}
	stopping = 1;
	/*
	 * Wake the idle workers.  shutdown() on a socket we opened also
	 * refuses new connections at once; an inherited socket may be
	 * shared with sibling processes, so it is left alone and the
	 * workers are interrupted with a signal instead, repeatedly, since
	 * one may arrive just before a worker enters accept().
	 *
	 * FCGX_ShutdownPending() is not used: a libfcgi worker that has
	 * accepted a connection which sends nothing closes it and, with
	 * the flag set, loops for ever on the closed descriptor.
	 */
	if (own_socket)
		shutdown(listen_fd, SHUT_RDWR);
	for (;;) {
		int alive = 0;

		for (i = 0; i < nthreads; i++) {
			if (w[i].done)
				continue;
			alive++;
			if (w[i].in_accept)
				pthread_kill(w[i].tid, SIGUSR2);
		}
		if (alive == 0)
			break;
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < nthreads; i++) {
		if (w[i].started)
			pthread_join(w[i].tid, NULL);
		free(w[i].body);
		tok_ctx_free(w[i].tok);
	}
	free(w);
	logmsg("info", "stopped");
	return rc;
}

/* ---- supervisor ---------------------------------------------------------- */

/*
 * --workers: pre-forks n worker processes on the shared listening socket
 * and replaces any that dies (libfcgi aborts the whole process on some
 * malformed records from the socket's peer), waiting longer after each
 * quick death so a crash loop does not spin.  SIGTERM/SIGINT are
 * forwarded; it exits 0 once every worker has stopped.
 */
static int
supervise(int n, int nthreads, int sandbox)
{
	pid_t *kids, pid;
	time_t *born;
	sigset_t set;
	siginfo_t si;
	struct timespec wait_ts;
	long backoff_ms = 100;
	int i, sig, st, alive, rc = 0, stopping_all = 0;

	if ((kids = calloc((size_t)n, sizeof(*kids))) == NULL ||
	    (born = calloc((size_t)n, sizeof(*born))) == NULL) {
		logmsg("error", "out of memory");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		/* (Re)start every empty slot unless stopping. */
		for (i = 0; !stopping_all && i < n; i++) {
			if (kids[i] != 0)
				continue;
			if ((pid = fork()) == -1) {
				logmsg("error", "fork: %s", strerror(errno));
				break;
			}
			if (pid == 0) {
				free(kids);
				free(born);
				_exit(serve_fcgi(nthreads, 0, sandbox));
			}
			kids[i] = pid;
			born[i] = time(NULL);
			logmsg("info", "worker %d started (pid %ld)", i,
			    (long)pid);
		}
		alive = 0;
		for (i = 0; i < n; i++)
			alive += kids[i] != 0;
		if (stopping_all && alive == 0)
			break;
		wait_ts.tv_sec = backoff_ms / 1000;
		wait_ts.tv_nsec = (backoff_ms % 1000) * 1000000L;
		sig = sigtimedwait(&set, &si, alive < n ? &wait_ts : NULL);
		if (sig == SIGTERM || sig == SIGINT) {
			if (!stopping_all)
				logmsg("info", "signal %d: stopping workers",
				    sig);
			stopping_all = 1;
			for (i = 0; i < n; i++)
				if (kids[i] != 0)
					kill(kids[i], SIGTERM);
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < n && kids[i] != pid; i++)
				continue;
			if (i == n)
				continue;
			kids[i] = 0;
			if (stopping_all) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					rc = 1;
				continue;
			}
			if (WIFSIGNALED(st))
				logmsg("error", "worker %d (pid %ld) killed by "
				    "signal %d; replacing it", i, (long)pid,
				    WTERMSIG(st));
			else
				logmsg("error", "worker %d (pid %ld) exited "
				    "with status %d; replacing it", i,
				    (long)pid, WEXITSTATUS(st));
			/* Quick deaths double the wait, up to 5 s. */
			if (time(NULL) - born[i] < 2)
				backoff_ms = backoff_ms * 2 > 5000 ? 5000 :
				    backoff_ms * 2;
			else
				backoff_ms = 100;
		}
	}
	free(kids);
	free(born);
	logmsg("info", "all workers stopped");
	return rc;
}

/* ---- listening sockets --------------------------------------------------- */

static int
open_unix(const char *path, mode_t mode, const char *group)
{
	struct sockaddr_un sun;
	struct stat st;
	struct group *gr = NULL;
	mode_t old;
	int fd;

	/* Look the group up before anything exists, so a typo leaves no
	 * socket behind. */
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		logmsg("error", "--socket-group %s: no such group", group);
		return -1;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || *path == '\0') {
		logmsg("error", "--listen: unix socket path is empty or too "
		    "long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		/* Replace a stale socket, never another kind of file. */
		if (!S_ISSOCK(st.st_mode)) {
			logmsg("error", "--listen: %s exists and is not a "
			    "socket", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		logmsg("error", "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0177);	/* no window with a wider mode */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		logmsg("error", "cannot bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		logmsg("error", "cannot give %s to group %s: %s", path, group,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (chmod(path, mode) == -1 || listen(fd, 1024) == -1) {
		logmsg("error", "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static int
open_tcp(const char *addr)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon, *port, *h;
	size_t hlen;
	uint32_t pnum;
	int fd = -1, one = 1, rc;

	if ((colon = strrchr(addr, ':')) == NULL) {
		logmsg("error", "--listen: expected unix:PATH or HOST:PORT");
		return -1;
	}
	h = addr;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || strcmp(addr, "*") == 0 || (hlen == 1 && *h == '*')) {
		logmsg("error", "--listen %s: a host is required (for all "
		    "interfaces say 0.0.0.0 explicitly; usually 127.0.0.1)",
		    addr);
		return -1;
	}
	port = colon + 1;
	if (hlen >= sizeof(host) ||
	    prs_u32(port, strlen(port), 1, 65535, &pnum) == -1) {
		logmsg("error", "--listen %s: bad host or port", addr);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		logmsg("error", "--listen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		logmsg("error", "cannot listen on %s: %s", addr,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* ---- main ------------------------------------------------------------------ */

/* The address family of fd if it is a listening socket, else -1: a
 * spawner's listening socket on fd 0 means FastCGI, anything else CGI. */
static int
listening_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 0;
	socklen_t olen = sizeof(on);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) == -1 ||
	    !on || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return ss.ss_family;
}

/* systemd socket activation without StandardInput=socket. */
static int
inherited_systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint32_t p, n;

	if (pid == NULL || fds == NULL ||
	    prs_u32(pid, strlen(pid), 1, UINT32_MAX, &p) == -1 ||
	    prs_u32(fds, strlen(fds), 1, 1024, &n) == -1 ||
	    (pid_t)p != getpid())
		return 0;
	if (n > 1)
		logmsg("warning", "LISTEN_FDS=%u: serving the first socket "
		    "only", n);
	return 1;
}

/* --check-config: what would be used, never the certificate itself. */
static int
check_config(int configured, const char *err)
{
	size_t i;

	if (!configured) {
		printf("configuration NOT usable: %s\n", err);
		return 1;
	}
	printf("APP_ID: %s\n", config.app_id);
	printf("APP_CERTIFICATE: set (%zu characters, not shown)\n",
	    strlen(config.app_certificate));
	if (config.cors_any)
		printf("CORS_ALLOW_ORIGIN: any origin (echoed)\n");
	else {
		printf("CORS_ALLOW_ORIGIN: %zu origin(s):", config.norigins);
		for (i = 0; i < config.norigins; i++)
			printf(" %.*s", (int)config.origins[i].len,
			    config.origins[i].s);
		printf("\n");
	}
	printf("TOKEN_MAX_EXPIRY: %u (default expiry %u)\n",
	    config.max_expiry, config.default_expiry);
	printf("configuration OK\n");
	cfg_clear(&config);
	return 0;
}

/* Options that take a value, as --name VALUE or --name=VALUE. */
static const char *const valued[] = { "--config", "--listen",
    "--socket-mode", "--socket-group", "--threads", "--workers",
    "--log-level", NULL };

static int usage_error(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* One line naming the problem, and where the options are listed. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s(" PROG " --help explains the options)\n",
	    synopsis_text);
	return -1;
}

static int
set_option(struct options *o, const char *a, const char *v)
{
	uint32_t n;
	char *end;
	long m;
	int lv;

	if (strcmp(a, "--config") == 0)
		o->config = v;
	else if (strcmp(a, "--listen") == 0) {
		/* Binding every interface must be said explicitly. */
		if (strncmp(v, "unix:", 5) != 0 && (strchr(v, ':') == NULL ||
		    *v == ':' || strncmp(v, "*:", 2) == 0))
			return usage_error("--listen %s: expected unix:PATH or "
			    "HOST:PORT with a host (e.g. 127.0.0.1:9000; "
			    "0.0.0.0:9000 for every interface)", v);
		o->listen = v;
	} else if (strcmp(a, "--socket-mode") == 0) {
		errno = 0;
		m = strtol(v, &end, 8);
		if (*v == '\0' || *end != '\0' || errno || m < 0 || m > 0777)
			return usage_error("--socket-mode %s: expected octal "
			    "permissions such as 0660", v);
		o->socket_mode = (mode_t)m;
	} else if (strcmp(a, "--socket-group") == 0)
		o->socket_group = v;
	else if (strcmp(a, "--log-level") == 0) {
		for (lv = 0; lv < 4 && strcmp(log_levels[lv], v); lv++)
			continue;
		if (lv == 4)
			return usage_error("--log-level %s: expected error, "
			    "warning, info or debug", v);
		log_level = lv;
	} else if (strcmp(a, "--workers") == 0) {
		if (prs_u32(v, strlen(v), 1, MAX_WORKERS, &n) == -1)
			return usage_error("--workers %s: expected 1-64", v);
		o->workers = (int)n;
	} else {
		if (prs_u32(v, strlen(v), 1, MAX_THREADS, &n) == -1)
			return usage_error("--threads %s: expected 1-256", v);
		o->threads = (int)n;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	const char *a, *eq, *v;
	char name[32];
	long ncpu;
	size_t k, nlen;
	int i;

	memset(o, 0, sizeof(*o));
	o->socket_mode = 0660;
	o->sandbox = 1;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->threads = ncpu > 0 && ncpu <= MAX_THREADS / 2 ? (int)ncpu * 2 : 4;
	if (o->threads < 4)
		o->threads = 4;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(synopsis_text, stdout);
			fputs(details_text, stdout);
			exit(0);
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf(PROG " " REQ_VERSION "\n");
			exit(0);
		}
		if (strcmp(a, "--no-sandbox") == 0) {
			o->sandbox = 0;
			continue;
		}
		if (strcmp(a, "--check-config") == 0) {
			o->check_config = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return usage_error("unexpected argument: %s", a);
		eq = strchr(a, '=');
		nlen = eq != NULL ? (size_t)(eq - a) : strlen(a);
		for (k = 0; valued[k] != NULL; k++)
			if (strlen(valued[k]) == nlen &&
			    strncmp(valued[k], a, nlen) == 0)
				break;
		if (valued[k] == NULL || nlen >= sizeof(name))
			return usage_error("unknown option: %s", a);
		memcpy(name, a, nlen);
		name[nlen] = '\0';
		if (eq != NULL)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return usage_error("%s needs a value", name);
		if (set_option(o, name, v) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options opt;
	struct tok_ctx *tok;
	char err[768];
	const char *unix_path = NULL;
	int configured, rc, own = 0, cgi;

	/*
	 * A CGI server turns a query string without '=' into command-line
	 * arguments (RFC 3875, section 4.4), so under a CGI gateway the
	 * arguments are the client's, not the administrator's: ignore them.
	 * (A FastCGI spawner may set the variable too, but hands over a
	 * listening socket and no client text.)
	 */
	sigset_t stop_set, old_set;

	/*
	 * Hold SIGTERM/SIGINT/SIGHUP from the first instruction: libfcgi's
	 * initialisation installs a SIGTERM handler that only sets a flag,
	 * so a stop request during start-up would otherwise be swallowed
	 * and the process would wait forever.  FastCGI mode collects them
	 * with sigtimedwait(); CGI mode lets them through again.
	 */
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGHUP);
	/* libfcgi would turn SIGUSR1 into its shutdown flag (see below). */
	sigaddset(&stop_set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &stop_set, &old_set);
	if (getenv("GATEWAY_INTERFACE") != NULL && listening_family(0) == -1)
		argc = 1;
	if (parse_args(argc, argv, &opt) == -1)
		return 2;
	tzset();	/* strftime may load zone data: do it before the sandbox */
	/*
	 * A fixed arena limit, so glibc's malloc never reads the CPU count
	 * from /sys when a thread first allocates (inside the sandbox).
	 */
	mallopt(M_ARENA_MAX, 8);
	/* Where the listening socket is: --listen, systemd's LISTEN_FDS
	 * (fd 3), or fd 0 from a spawner; none means CGI. */
	if (opt.listen == NULL && inherited_systemd_socket())
		listen_fd = 3;
	else if (opt.listen == NULL && !opt.check_config &&
	    listening_family(0) != -1)
		listen_fd = 0;
	cgi = opt.listen == NULL && listen_fd == -1 && !opt.check_config;
	/*
	 * After answering, libfcgi half-closes and waits up to 2 s for the
	 * web server to close first, so that unread input cannot make TCP
	 * reset the connection under the answer.  A Unix socket has no
	 * such reset, and the wait only keeps a worker thread idle: skip it
	 * there unless the administrator set it.  (Read by FCGX_Init.)
	 */
	if (getenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT") == NULL &&
	    ((opt.listen != NULL && strncmp(opt.listen, "unix:", 5) == 0) ||
	    (listen_fd != -1 && listening_family(listen_fd) == AF_UNIX)))
		setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "0", 1);
	configured = load_config(opt.config, cgi || opt.check_config, err,
	    sizeof(err)) == 0;
	if (opt.check_config)
		return check_config(configured, err);
	/* Seed Jansson's hash and warm the CSPRNG once, before threads. */
	json_object_seed(0);
	(void)draw_salt();

	if (opt.listen != NULL) {
		if (FCGX_Init() != 0) {
			logmsg("error", "FCGX_Init failed");
			return 1;
		}
		if (!configured) {
			logmsg("error", "%s", err);
			return 1;
		}
		if (strncmp(opt.listen, "unix:", 5) == 0) {
			unix_path = opt.listen + 5;
			listen_fd = open_unix(unix_path, opt.socket_mode,
			    opt.socket_group);
		} else
			listen_fd = open_tcp(opt.listen);
		if (listen_fd == -1)
			return 1;
		own = 1;
	} else if (!cgi) {
		if (FCGX_Init() != 0) {
			logmsg("error", "FCGX_Init failed");
			return 1;
		}
		if (!configured) {
			logmsg("error", "%s", err);
			return 1;
		}
	} else {
		/* A web server may need to stop a CGI that hangs. */
		sigprocmask(SIG_SETMASK, &old_set, NULL);
		if (!configured)
			logmsg("error", "%s", err);
		if ((tok = tok_ctx_new()) == NULL) {
			logmsg("error", "out of memory");
			return 1;
		}
		rc = serve_cgi(configured, tok);
		tok_ctx_free(tok);
		cfg_clear(&config);
		return rc;
	}
	/* From here on the process holds the certificate: keep it out of
	 * core files. */
	if (sandbox_nodump() == -1)
		logmsg("warning", "cannot disable core dumps: %s",
		    strerror(errno));
	if (opt.workers > 0)
		rc = supervise(opt.workers, opt.threads, opt.sandbox);
	else
		rc = serve_fcgi(opt.threads, own, opt.sandbox);
	if (own) {
		close(listen_fd);
		if (unix_path != NULL)
			unlink(unix_path);
	}
	cfg_clear(&config);
	return rc;
}
