/* See sandbox.h for the contracts. */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_SANITIZED 1
#endif
#endif

int
sandbox_nodump(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		return -1;
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ? -1 : 0;
}

#if defined(SB_ARCH) && !defined(SB_SANITIZED)

#define ALLOW(name) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY(name, err) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))

/*
 * What a worker does once it serves: accept and talk on sockets (libfcgi
 * polls, sets TCP_NODELAY and asks for the peer address), allocate
 * memory, wait on futexes, read the clock and the random source, write
 * log lines, and at shutdown signal its threads, sleep, close and remove
 * its own socket file.  Opening files, executing programs, creating
 * sockets or processes are all absent: they happen before the filter or
 * never.
 */
static const struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
	/* x32 system calls share the arch value; refuse them. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	ALLOW(read),
	ALLOW(write),
	ALLOW(readv),
	ALLOW(writev),
	ALLOW(close),
	ALLOW(accept),
	ALLOW(accept4),
	ALLOW(shutdown),
	ALLOW(recvfrom),
	ALLOW(sendto),
	ALLOW(recvmsg),
	ALLOW(sendmsg),
	ALLOW(setsockopt),
	ALLOW(getsockopt),
	ALLOW(getpeername),
	ALLOW(getsockname),
	ALLOW(ppoll),
	ALLOW(pselect6),
#ifdef __NR_poll
	ALLOW(poll),
#endif
#ifdef __NR_select
	ALLOW(select),
#endif
	ALLOW(fcntl),
	ALLOW(futex),
	ALLOW(brk),
	ALLOW(mmap),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(mprotect),
	ALLOW(madvise),
	ALLOW(getrandom),
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
#ifdef __NR_time
	ALLOW(time),
#endif
	ALLOW(nanosleep),
	ALLOW(clock_nanosleep),
	ALLOW(sched_yield),
	ALLOW(getpid),
	ALLOW(gettid),
	ALLOW(tgkill),
	ALLOW(rt_sigprocmask),
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigtimedwait),
	ALLOW(restart_syscall),
#ifdef __NR_unlink
	ALLOW(unlink),
#endif
	ALLOW(unlinkat),
	/*
	 * A library that wants a file (zone data, CPU count, configuration)
	 * is told no rather than killed, as kcgi does; nothing a worker
	 * needs is read from disk after start-up.
	 */
	DENY(openat, EACCES),
#ifdef __NR_open
	DENY(open, EACCES),
#endif
	ALLOW(set_robust_list),	/* thread start-up */
	ALLOW(rseq),
	ALLOW(exit),
	ALLOW(exit_group),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

int
sandbox_enter(char *err, size_t errsz)
{
	struct sock_fprog prog;

	prog.len = (unsigned short)(sizeof(filter) / sizeof(filter[0]));
	prog.filter = (struct sock_filter *)(uintptr_t)filter;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errsz, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	/* TSYNC: the worker threads already exist; filter them all. */
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		snprintf(err, errsz, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#else

int
sandbox_enter(char *err, size_t errsz)
{
#ifdef SB_SANITIZED
	snprintf(err, errsz, "not in sanitizer builds (their runtime needs "
	    "system calls the filter refuses)");
#else
	snprintf(err, errsz, "no seccomp filter for this architecture");
#endif
	return -1;
}

#endif
