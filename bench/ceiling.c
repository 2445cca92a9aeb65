/*
 * ceiling: the cheapest FastCGI responder libfcgi allows, for `make bench`.
 * It answers every request with the same bytes (a CGI response captured
 * from agora-token-fcgi itself, so headers and body have the very same
 * size), which makes its requests/s the cost of the nginx -> FastCGI hop
 * alone.  Same library, same socket kind, same thread/process model as
 * the service (threads without an accept mutex, optional pre-forked
 * processes), so it can be run in its own best configuration.
 *
 *   ceiling SOCKET RESPONSE-FILE THREADS PROCS
 *
 * Stopped with SIGTERM (forked processes follow their parent).
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

static char resp[65536];
static int resp_len, sock;

static void *
serve(void *arg)
{
	FCGX_Request r;

	(void)arg;
	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(resp, resp_len, r.out);
		FCGX_Finish_r(&r);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tid;
	int fd, i, threads, procs;

	if (argc != 5 || (threads = atoi(argv[3])) < 1 ||
	    (procs = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: ceiling SOCKET RESPONSE-FILE THREADS "
		    "PROCS\n");
		return 2;
	}
	if ((fd = open(argv[2], O_RDONLY)) == -1 ||
	    (resp_len = (int)read(fd, resp, sizeof(resp))) <= 0) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	if (FCGX_Init() != 0)
		return 1;
	umask(0117);			/* socket mode 0660, like the service */
	sock = FCGX_OpenSocket(argv[1], 1024);
	for (i = 1; i < procs; i++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			break;
		}
	for (i = 1; i < threads; i++)
		pthread_create(&tid, NULL, serve, NULL);
	serve(NULL);
	return 0;
}
