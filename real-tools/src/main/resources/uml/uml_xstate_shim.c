/* LD_PRELOAD shim for UML 6.1 on hosts whose XSTATE regset (e.g. with AMX)
 * is larger than UML's struct _xstate buffer: the host kernel rejects
 * PTRACE_SETREGSET(NT_X86_XSTATE) unless count == full xstate size.
 * GET: read the full state into a big buffer, copy the caller's part.
 * SET: read the current full state, overlay the caller's part, write it back. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <string.h>
#include <errno.h>
#include <dlfcn.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>

#define NT_X86_XSTATE 0x202
static long (*real_ptrace)(int, ...);
static unsigned char big[65536] __attribute__((aligned(64)));

__attribute__((constructor)) static void init(void) {
    real_ptrace = (long (*)(int, ...))dlsym(RTLD_NEXT, "ptrace");
}

static long raw(long req, long pid, long addr, void *data) {
    return syscall(SYS_ptrace, req, pid, addr, data);
}

long ptrace(enum __ptrace_request req, ...) {
    va_list ap; va_start(ap, req);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);
    if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) &&
        (long)addr == NT_X86_XSTATE && data) {
        struct iovec *uio = data, bio = { big, sizeof big };
        long r = raw(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &bio);
        if (r < 0) return r;
        size_t full = bio.iov_len, n = uio->iov_len < full ? uio->iov_len : full;
        if (req == PTRACE_GETREGSET) {
            memcpy(uio->iov_base, big, n);
            uio->iov_len = n;
            return 0;
        }
        memcpy(big, uio->iov_base, n);
        bio.iov_base = big; bio.iov_len = full;
        return raw(PTRACE_SETREGSET, pid, NT_X86_XSTATE, &bio);
    }
    return real_ptrace(req, pid, addr, data);
}
