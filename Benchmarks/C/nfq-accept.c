/*
 * nfq-accept: the minimal NFQUEUE consumer Portcullis is measured against.
 *
 * Accepts every packet, unmodified, with the same queue configuration as Portcullis
 * (copy mode packet, range 0xFFFF, NFQA_CFG_F_GSO, 8 MiB receive buffer), using libmnl and
 * libnetfilter_queue's nfq_nlmsg_* API, as libnetfilter_queue's examples/nf-queue.c does.
 *
 *   nfq-accept [--queue N] [--mode single|batch|mmsg] [--rcvbuf BYTES]
 *
 *   single  nf-queue.c's loop: one blocking recv per netlink datagram, one NFQNL_MSG_VERDICT
 *           sendto per packet (about 2 system calls a packet).
 *   batch   one blocking recv, then up to 63 more with MSG_DONTWAIT, then one
 *           NFQNL_MSG_VERDICT_BATCH carrying the highest id (accepts every id up to it).
 *   mmsg    like batch, but the datagrams are drained with recvmmsg (up to 64 per call):
 *           what a consumer below 0.5 system calls a packet looks like.
 *
 * SIGINT/SIGTERM: answer what was received, unbind, print counters on stderr, exit 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define BATCH 64

static volatile sig_atomic_t stopping;
static struct mnl_socket *nl;
static unsigned portid;
static unsigned queue_num;
static char send_buf[8192]; /* config and verdict messages are small */

static unsigned long long packets, verdict_msgs, enobufs, other_errors;
static unsigned highest_id;
static int have_pending;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what)
{
	perror(what);
	exit(EXIT_FAILURE);
}

static void send_or_die(const struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("mnl_socket_sendto");
}

static void send_verdict(unsigned id, int batch)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(send_buf,
		batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT, queue_num);
	nfq_nlmsg_verdict_put(nlh, id, NF_ACCEPT);
	send_or_die(nlh);
	verdict_msgs++;
}

/* Called once per packet message; remembers or answers its id. */
static int queue_cb(const struct nlmsghdr *nlh, void *data)
{
	int batch = *(int *)data;
	struct nlattr *attr[NFQA_MAX + 1] = {};
	struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	unsigned id = ntohl(ph->packet_id);
	packets++;
	if (batch) {
		/* Ids grow by one per packet queued; the highest answers all below it. */
		if (!have_pending || (int)(id - highest_id) > 0)
			highest_id = id;
		have_pending = 1;
	} else {
		send_verdict(id, 0);
	}
	return MNL_CB_OK;
}

static void flush_batch(void)
{
	if (have_pending) {
		send_verdict(highest_id, 1);
		have_pending = 0;
	}
}

static void run_messages(const char *buf, int len, int batch)
{
	if (mnl_cb_run(buf, len, 0, portid, queue_cb, &batch) < 0 && errno != ENOENT)
		other_errors++;
}

static void config(void (*fill)(struct nlmsghdr *))
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(send_buf, NFQNL_MSG_CONFIG, queue_num);
	fill(nlh);
	send_or_die(nlh);
}

static void fill_bind(struct nlmsghdr *nlh) { nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND); }
static void fill_unbind(struct nlmsghdr *nlh) { nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND); }
static void fill_params(struct nlmsghdr *nlh)
{
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO));
}

int main(int argc, char **argv)
{
	const char *mode = "single";
	int rcvbuf = 8 << 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--queue") && i + 1 < argc)
			queue_num = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--rcvbuf") && i + 1 < argc)
			rcvbuf = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--queue N] [--mode single|batch|mmsg] [--rcvbuf BYTES]\n", argv[0]);
			return 2;
		}
	}
	int batch = strcmp(mode, "single") != 0;
	int mmsg = !strcmp(mode, "mmsg");
	if (batch && !mmsg && strcmp(mode, "batch")) {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}

	/* One maximal packet plus netlink overhead, as nf-queue.c sizes it. */
	size_t size = 0xffff + (MNL_SOCKET_BUFFER_SIZE / 2);
	int nbufs = mmsg ? BATCH : 1;
	char *bufs = malloc(size * nbufs);
	if (!bufs)
		die("malloc");

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		die("mnl_socket_open");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("mnl_socket_bind");
	portid = mnl_socket_get_portid(nl);
	int fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

	config(fill_bind);
	config(fill_params);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a blocked recv returns EINTR */

	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	for (int i = 0; i < nbufs; i++) {
		iovs[i] = (struct iovec){ bufs + i * size, size };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
	}

	while (!stopping) {
		if (mmsg) {
			int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
			if (n < 0) {
				if (errno == ENOBUFS) { enobufs++; continue; }
				if (errno == EINTR) continue;
				die("recvmmsg");
			}
			for (int i = 0; i < n; i++)
				run_messages(bufs + i * size, msgs[i].msg_len, 1);
			flush_batch();
			continue;
		}
		for (int i = 0; i < (batch ? BATCH : 1); i++) {
			int ret = recv(fd, bufs, size, i == 0 ? 0 : MSG_DONTWAIT);
			if (ret < 0) {
				if (errno == ENOBUFS) { enobufs++; continue; }
				if (errno == EAGAIN || errno == EINTR) break;
				die("recv");
			}
			run_messages(bufs, ret, batch);
		}
		flush_batch();
	}
	flush_batch();
	config(fill_unbind);
	fprintf(stderr, "nfq-accept: mode=%s packets=%llu verdict_messages=%llu enobufs=%llu errors=%llu\n",
		mode, packets, verdict_msgs, enobufs, other_errors);
	mnl_socket_close(nl);
	return 0;
}
