/*
 * envdump: a test responder for tests/deploy.  Mounted by the same web
 * server configuration as agora-token-fcgi (same spawning mechanism, same
 * header-passing directives), it answers every request with the CGI
 * variables it received, one NAME=value line each, so the deployment
 * tests can see what the server hands a program -- in particular
 * HTTP_AUTHORIZATION, which agora-token-fcgi itself never echoes.
 *
 *   envdump                 CGI, or FastCGI when fd 0 is a listening socket
 *                           (spawn-fcgi, mod_fcgid, lighttpd bin-path) or
 *                           LISTEN_FDS names fd 3 (systemd)
 *   envdump unix:PATH       FastCGI on its own Unix socket (mode 0666)
 *
 * Test code only; never installed.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char *const names[] = {
	"HTTP_AUTHORIZATION", "REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME",
	"PATH_INFO", "SCRIPT_FILENAME", "QUERY_STRING", "HTTP_HOST",
	"SERVER_SOFTWARE", "GATEWAY_INTERFACE", "CONTENT_LENGTH",
	"HTTP_TRANSFER_ENCODING", NULL
};

static void
dump(FCGX_Stream *out, char **envp)
{
	char line[4096];
	const char *v;
	int i, n;

	if (out != NULL)
		FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n",
		    out);
	else
		fputs("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n",
		    stdout);
	for (i = 0; names[i] != NULL; i++) {
		v = envp != NULL ? FCGX_GetParam(names[i], envp) :
		    getenv(names[i]);
		if (v == NULL)
			continue;
		n = snprintf(line, sizeof(line), "%s=%s\n", names[i], v);
		if (n < 0 || (size_t)n >= sizeof(line))
			continue;
		if (out != NULL)
			FCGX_PutStr(line, n, out);
		else
			fputs(line, stdout);
	}
	/* The process environment, for FastCGI: what the spawner gave. */
	v = getenv("ASAN_OPTIONS");
	n = snprintf(line, sizeof(line), "process.ASAN_OPTIONS=%s\n",
	    v != NULL ? v : "(unset)");
	if (out != NULL)
		FCGX_PutStr(line, n, out);
	else
		fputs(line, stdout);
}

/* libfcgi's own SIGTERM handler only sets a flag that a blocked accept()
 * never looks at: a server stopping its children would wait forever. */
static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(int argc, char **argv)
{
	FCGX_Request r;
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd = 0;

	signal(SIGTERM, on_term);	/* before FCGX_Init, which then keeps it */
	signal(SIGINT, on_term);
	if (FCGX_Init() != 0)
		return 1;
	if (argc > 1 && strncmp(argv[1], "unix:", 5) == 0) {
		if ((fd = FCGX_OpenSocket(argv[1] + 5, 64)) < 0)
			return 1;
		chmod(argv[1] + 5, 0666);
	} else if (pid != NULL && fds != NULL && atol(pid) == (long)getpid() &&
	    atoi(fds) >= 1)
		fd = 3;
	else if (FCGX_IsCGI()) {
		char buf[4096];

		/* Take the whole body, so the server never resets the
		 * connection over unread input. */
		while (fread(buf, 1, sizeof(buf), stdin) > 0)
			continue;
		dump(NULL, NULL);
		return 0;
	}
	if (FCGX_InitRequest(&r, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		dump(r.out, r.envp);
		FCGX_Finish_r(&r);
	}
	return 0;
}
