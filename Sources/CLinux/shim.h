#ifndef PORTCULLIS_CLINUX_SHIM_H
#define PORTCULLIS_CLINUX_SHIM_H
// Linux process interfaces Swift cannot call directly (variadic or raw-syscall-only).
// Wrappers only: no logic here.
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

/// The commit this binary was built from, for `--version`: scripts/package passes
/// `-Xcc -DPORTCULLIS_COMMIT="<hash>"`; a plain `swift build` says it does not know.
#ifndef PORTCULLIS_COMMIT
#define PORTCULLIS_COMMIT "unknown commit"
#endif
static inline const char *pcs_build_commit(void) { return PORTCULLIS_COMMIT; }

/// prctl(2) with its optional arguments spelled out (prctl is variadic).
static inline int pcs_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(option, a2, a3, a4, a5);
}

/// capset(2): glibc has no wrapper.
static inline int pcs_capset(struct __user_cap_header_struct *header, struct __user_cap_data_struct *data) {
    return (int)syscall(SYS_capset, header, data);
}

/// capget(2): glibc has no wrapper.
static inline int pcs_capget(struct __user_cap_header_struct *header, struct __user_cap_data_struct *data) {
    return (int)syscall(SYS_capget, header, data);
}
/// struct mmsghdr as the kernel lays it out (glibc declares it only under _GNU_SOURCE).
struct pcs_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// recvmmsg(2) through the raw system call (its glibc declaration needs _GNU_SOURCE).
static inline int pcs_recvmmsg(int fd, struct pcs_mmsghdr *vector, unsigned int count, int flags) {
    return (int)syscall(SYS_recvmmsg, fd, vector, count, flags, (void *)0);
}
#endif
