/*
 * replay: runs a fuzz target over saved inputs without libFuzzer, so the
 * normal build (gcc, with or without the sanitizers) re-checks every
 * corpus file and every fixed crash stays fixed.
 *
 * usage: fuzz-replay-TARGET [-n] FILE|DIR...
 *
 * Directories are read one level deep (dot files skipped), in name order.
 * The inputs run in a child process that reports each one before running
 * it, so a crash or a sanitizer report names its file and the rest still
 * run in a new child; if the child fails only at exit (a LeakSanitizer
 * report), its inputs are run again one child each to find the culprit.
 * Each input has a time limit.  -n runs everything in this process
 * instead (for a debugger).  Ends with "ok - TARGET N files" or a FAIL
 * line per failing file, then "N passed, M failed".
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define TIME_LIMIT 30	/* seconds per input */
#define DONE ((size_t)-1)	/* the child's "all inputs ran" report */

static char **files;
static size_t nfiles, capfiles;
static int npass, nfail;

static void
add_file(const char *path)
{
	char **nf;

	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 256;
		if ((nf = realloc(files, capfiles * sizeof(*files))) == NULL)
			fuzz_fail("out of memory");
		files = nf;
	}
	if ((files[nfiles++] = strdup(path)) == NULL)
		fuzz_fail("out of memory");
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	char path[4096];
	size_t first = nfiles;

	if ((d = opendir(dir)) == NULL) {
		printf("FAIL - %s %s: %s\n", fuzz_target_name, dir,
		    strerror(errno));
		nfail++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			add_file(path);
	}
	closedir(d);
	qsort(files + first, nfiles - first, sizeof(*files), cmp_names);
}

/* Reads path into an exact-size buffer (so ASan sees over-reads). */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	/* Shrink to the exact size; a zero-length input keeps 1 byte. */
	if ((nb = realloc(buf, n > 0 ? n : 1)) != NULL)
		buf = nb;
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Runs one input in this process.  Returns 0, or -1 if unreadable. */
static int
run_input(size_t i)
{
	uint8_t *buf;
	size_t len;

	if ((buf = slurp(files[i], &len)) == NULL)
		return -1;
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static void
failed(size_t i, int st)
{
	nfail++;
	if (WIFSIGNALED(st))
		printf("FAIL - %s %s: %s\n", fuzz_target_name, files[i],
		    WTERMSIG(st) == SIGALRM ? "timeout" :
		    strsignal(WTERMSIG(st)));
	else
		printf("FAIL - %s %s: exit status %d\n", fuzz_target_name,
		    files[i], WEXITSTATUS(st));
}

/*
 * Runs inputs [from, to) in one child.  Returns the index of the first
 * input not known to have passed (to when all passed); sets *at_exit if
 * every input ran but the child then failed.
 */
static size_t
run_batch(size_t from, size_t to, int *at_exit, int *st)
{
	int fd[2];
	pid_t pid;
	size_t i, last = from, msg;
	int done = 0;
	ssize_t r;

	*at_exit = 0;
	fflush(stdout);
	fflush(stderr);
	if (pipe(fd) == -1 || (pid = fork()) == -1)
		fuzz_fail("pipe/fork: %s", strerror(errno));
	if (pid == 0) {
		close(fd[0]);
		for (i = from; i < to; i++) {
			if (write(fd[1], &i, sizeof(i)) != sizeof(i))
				_exit(125);
			alarm(TIME_LIMIT);
			if (run_input(i) == -1)
				_exit(126);
		}
		alarm(0);
		i = DONE;
		if (write(fd[1], &i, sizeof(i)) != sizeof(i))
			_exit(125);
		/* exit, not _exit: LeakSanitizer checks at exit. */
		exit(0);
	}
	close(fd[1]);
	while ((r = read(fd[0], &msg, sizeof(msg))) == sizeof(msg) ||
	    (r == -1 && errno == EINTR))
		if (r == sizeof(msg)) {
			if (msg == DONE)
				done = 1;
			else
				last = msg;
		}
	close(fd[0]);
	while (waitpid(pid, st, 0) == -1)
		if (errno != EINTR)
			fuzz_fail("waitpid: %s", strerror(errno));
	if (WIFEXITED(*st) && WEXITSTATUS(*st) == 0 && done)
		return to;
	if (done) {
		*at_exit = 1;
		return from;
	}
	return last;
}

static void
run_all(void)
{
	size_t i = 0, j, k;
	int at_exit, st, st1;

	while (i < nfiles) {
		k = run_batch(i, nfiles, &at_exit, &st);
		npass += (int)(k - i);
		if (k == nfiles)
			break;
		if (!at_exit) {
			failed(k, st);
			i = k + 1;
			continue;
		}
		/* Failed only at exit: one child per input finds which. */
		for (j = i; j < nfiles; j++) {
			if (run_batch(j, j + 1, &at_exit, &st1) == j + 1)
				npass++;
			else
				failed(j, st1);
		}
		break;
	}
}

int
main(int argc, char **argv)
{
	struct stat sb;
	size_t i;
	int a, inprocess = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-n") == 0)
			inprocess = 1;
		else if (stat(argv[a], &sb) == 0 && S_ISDIR(sb.st_mode))
			add_dir(argv[a]);
		else
			add_file(argv[a]);
	}
	if (inprocess)
		for (i = 0; i < nfiles; i++) {
			if (run_input(i) == -1) {
				printf("FAIL - %s %s: cannot read\n",
				    fuzz_target_name, files[i]);
				nfail++;
			} else
				npass++;
		}
	else
		run_all();
	if (npass + nfail == 0) {
		printf("FAIL - %s: no inputs\n", fuzz_target_name);
		nfail++;
	} else if (nfail == 0)
		printf("ok - %s %d files\n", fuzz_target_name, npass);
	printf("%d passed, %d failed\n", npass, nfail);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return nfail == 0 ? 0 : 1;
}
