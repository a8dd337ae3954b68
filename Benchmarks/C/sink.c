/*
 * sink: counts what reaches the server (server namespace).
 *
 *   sink --port P [--proto udp|tcp] [--idle-ms 1000] [--wait-seconds 30]
 *
 *   udp  a UDP socket bound to port P, drained with recvmmsg: IPv6 and IPv4 alike (a
 *        dual-stack socket on ::), or IPv4 only where the host has no IPv6.
 *   tcp  a raw IPPROTO_TCP socket (sees every TCP segment; counts those to port P).
 *
 * Ends after --idle-ms without a packet once packets have arrived, after --wait-seconds if
 * none ever does, or on SIGINT/SIGTERM. Prints one line:
 *   received=N seconds=T pps=R    (T: first to last packet, the measured window)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define BUF 2048

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int port = 9000, idle_ms = 1000;
	double wait_seconds = 30;
	const char *proto = "udp";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--proto")) proto = argv[i + 1];
		else if (!strcmp(argv[i], "--idle-ms")) idle_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--wait-seconds")) wait_seconds = atof(argv[i + 1]);
		else { fprintf(stderr, "sink: unknown option %s\n", argv[i]); return 2; }
	}
	int raw = !strcmp(proto, "tcp");
	int ipv6 = 0;
	int fd = raw ? socket(AF_INET, SOCK_RAW, IPPROTO_TCP) : socket(AF_INET6, SOCK_DGRAM, 0);
	if (!raw && fd >= 0) {
		int off = 0;
		ipv6 = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == 0;
	}
	if (!raw && !ipv6) {
		if (fd >= 0) close(fd);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
	}
	if (fd < 0) { perror("socket"); return 1; }
	int rcvbuf = 32 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (!raw) {
		struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
		struct sockaddr_in6 addr6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT };
		int bound = ipv6 ? bind(fd, (struct sockaddr *)&addr6, sizeof addr6) : bind(fd, (struct sockaddr *)&addr, sizeof addr);
		if (bound < 0) { perror("bind"); return 1; }
	}
	struct timeval tick = { 0, 100 * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	static char bufs[BATCH][BUF];
	struct iovec iovs[BATCH];
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iovs[i] = (struct iovec){ bufs[i], BUF };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
	}
	fprintf(stderr, "sink: ready\n");

	unsigned long long received = 0;
	double started = now(), first = 0, last = 0;
	while (!stopping) {
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		double t = now();
		if (n > 0) {
			int counted = 0;
			for (int i = 0; i < n; i++) {
				if (raw) {
					const struct iphdr *ip = (const void *)bufs[i];
					const struct tcphdr *tcp = (const void *)(bufs[i] + ip->ihl * 4);
					if (msgs[i].msg_len < (unsigned)ip->ihl * 4 + sizeof *tcp || ntohs(tcp->dest) != port)
						continue;
				}
				counted++;
			}
			if (counted && !received) first = t;
			if (counted) last = t;
			received += counted;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			perror("recvmmsg");
			return 1;
		}
		if (received && (t - last) * 1000 > idle_ms) break;
		if (!received && t - started > wait_seconds) break;
	}
	double window = last - first;
	printf("received=%llu seconds=%.3f pps=%.0f\n", received, window, window > 0 ? received / window : 0.0);
	return 0;
}
