#ifndef PORTCULLIS_CNETFILTERQUEUE_SHIM_H
#define PORTCULLIS_CNETFILTERQUEUE_SHIM_H
// Only what Swift cannot import directly: macros that expand to expressions.
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
// glibc's socket headers first: linux/libc-compat.h then skips the definitions that
// linux/in.h (pulled in by linux/netfilter.h) would otherwise duplicate, which clang
// modules reject as conflicting with SwiftGlibc's.
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/// libmnl's recommended receive buffer size (MNL_SOCKET_BUFFER_SIZE uses sysconf).
static inline size_t pcs_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

#endif
