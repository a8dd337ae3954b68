/*
 * sender: a fixed-duration packet blaster for the live benchmark (client namespace).
 *
 *   sender --dst IP --port P --size PAYLOAD_BYTES --seconds S [--proto udp|tcp|tcp-altsum]
 *
 *   udp         a connected UDP socket, sendmmsg of 64 datagrams a call; over IPv6 when
 *               --dst is an IPv6 address (the other protos are IPv4 only).
 *   tcp         IPPROTO_RAW (IP_HDRINCL) TCP ACK segments, canonical checksum.
 *   tcp-altsum  the same segments, but each one's TCP checksum is 0xFFFF where the computed
 *               value is 0x0000: equal in one's complement (the segment verifies), so
 *               Portcullis accepts it but its rebuild writes 0x0000: every packet is
 *               rebuilt and its bytes go back to the kernel with the verdict.
 *
 * Prints one line: sent=N seconds=T pps=R errors=E
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* RFC 1071 sum, not yet complemented or folded past 32 bits. */
static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Builds an IPv4 + TCP ACK segment with `payload` zero bytes; returns its length. */
static size_t build_tcp(uint8_t *pkt, struct in_addr src, struct in_addr dst, int port, int payload, int altsum)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *tcp = (struct tcphdr *)(pkt + sizeof *ip);
	size_t seglen = sizeof *tcp + payload;
	memset(pkt, 0, sizeof *ip + seglen);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->frag_off = htons(IP_DF);
	ip->tot_len = htons(sizeof *ip + seglen); /* the kernel fills it and the checksum anyway */
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	tcp->source = htons(40000);
	tcp->dest = htons(port);
	tcp->seq = htonl(1);
	tcp->ack_seq = htonl(1);
	tcp->doff = 5;
	tcp->ack = 1;
	tcp->window = htons(0x4000);

	uint32_t pseudo = sum16(&ip->saddr, 8, 0) + IPPROTO_TCP + seglen;
	uint16_t check = ~fold(sum16(tcp, seglen, pseudo));
	if (altsum) {
		/* Add the checksum into the window: the segment then sums to 0xFFFF, so the
		 * canonical checksum is 0x0000, which we send in its other form, 0xFFFF. */
		uint32_t w = ntohs(tcp->window) + check;
		tcp->window = htons(fold(w));
		uint16_t canonical = ~fold(sum16(tcp, seglen, pseudo));
		if (canonical != 0)
			abort();
		tcp->check = 0xffff;
	} else {
		tcp->check = htons(check);
	}
	return sizeof *ip + seglen;
}

int main(int argc, char **argv)
{
	const char *dst_text = "10.99.2.2", *src_text = "10.99.1.2", *proto = "udp";
	int port = 9000, size = 64;
	double seconds = 5;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dst")) dst_text = argv[i + 1];
		else if (!strcmp(argv[i], "--src")) src_text = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--proto")) proto = argv[i + 1];
		else { fprintf(stderr, "sender: unknown option %s\n", argv[i]); return 2; }
	}
	if (size < 0 || size > 1472) { fprintf(stderr, "sender: --size 0..1472\n"); return 2; }

	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 dst6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct in_addr src;
	int ipv6 = strchr(dst_text, ':') != NULL;
	if (ipv6 && strcmp(proto, "udp")) { fprintf(stderr, "sender: IPv6 is udp only\n"); return 2; }
	if (ipv6 ? !inet_pton(AF_INET6, dst_text, &dst6.sin6_addr)
	         : !inet_pton(AF_INET, dst_text, &dst.sin_addr) || !inet_pton(AF_INET, src_text, &src)) {
		fprintf(stderr, "sender: bad address\n");
		return 2;
	}

	static uint8_t pkt[1600];
	size_t len;
	int fd;
	int udp = !strcmp(proto, "udp");
	if (udp) {
		fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
		int connected = ipv6 ? connect(fd, (struct sockaddr *)&dst6, sizeof dst6)
		                     : connect(fd, (struct sockaddr *)&dst, sizeof dst);
		if (fd < 0 || connected < 0) { perror("udp socket"); return 1; }
		memset(pkt, 0, size);
		len = size;
	} else if (!strcmp(proto, "tcp") || !strcmp(proto, "tcp-altsum")) {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0) { perror("raw socket"); return 1; }
		len = build_tcp(pkt, src, dst.sin_addr, port, size, !strcmp(proto, "tcp-altsum"));
	} else {
		fprintf(stderr, "sender: --proto udp|tcp|tcp-altsum\n");
		return 2;
	}

	/* A large send buffer: queued packets stay charged to this socket until their verdict,
	 * and a small buffer would throttle the sender to the consumer's pace. */
	int sndbuf = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

	struct iovec iov = { pkt, len };
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++)
		msgs[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = udp ? NULL : &dst, .msg_namelen = udp ? 0 : sizeof dst,
			.msg_iov = &iov, .msg_iovlen = 1 } };

	unsigned long long sent = 0, errors = 0;
	double start = now(), end = start + seconds, t = start;
	while (t < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			/* ENOBUFS / EAGAIN under overload: the packet is lost, keep going. */
			errors++;
		} else {
			sent += n;
		}
		t = now();
	}
	printf("sent=%llu seconds=%.3f pps=%.0f errors=%llu\n", sent, t - start, sent / (t - start), errors);
	return 0;
}
