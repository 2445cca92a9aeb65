/*
 * sandbox: process hardening for the FastCGI workers (Linux).
 *
 * sandbox_nodump() keeps the certificate out of core files.
 * sandbox_enter() installs a seccomp-BPF allow-list of the system calls
 * request handling needs, for every thread of the process, after all
 * start-up work (config, sockets, threads) is done.  A call outside the
 * list kills the process, as does a foreign architecture or ABI.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>

/* Disables core dumps and ptrace-style access (PR_SET_DUMPABLE 0,
 * RLIMIT_CORE 0).  Returns 0 or -1. */
int	sandbox_nodump(void);

/*
 * Applies the filter to all threads.  Returns 0, or -1 with a reason in
 * err (e.g. the kernel lacks seccomp, or a sanitizer build, whose
 * runtime needs system calls no worker does).
 */
int	sandbox_enter(char *err, size_t errsz);

#endif /* SANDBOX_H */
