#!/usr/bin/env python3
"""Three-host test topology in network namespaces: client -- firewall -- server.

    client (10.99.1.2) --veth-- (10.99.1.1) firewall (10.99.2.1) --veth-- (10.99.2.2) server

The firewall forwards between its two links; everything it forwards can be sent to an
NFQUEUE with `queue_all(queue)`. All names carry a prefix chosen by the caller so that
concurrent runs never collide, and `down()` removes every namespace (and with it every
veth, route and iptables rule) whatever state `up()` reached.

Usable as a module (the pytest integration tests) or as a command:
    topology.py up PREFIX | down PREFIX | queue PREFIX QUEUE | ipv6 PREFIX [static] | queue6 PREFIX QUEUE

IPv6 beside it (`add_ipv6()`): fd99:1::2 -- fd99:1::1 firewall fd99:2::1 -- fd99:2::2, with
`nodad` addresses and, where Neighbour Discovery is not under test, static neighbours.
"""
import subprocess
import sys

CLIENT_IP = "10.99.1.2"
FIREWALL_CLIENT_IP = "10.99.1.1"
FIREWALL_SERVER_IP = "10.99.2.1"
SERVER_IP = "10.99.2.2"
# IPv6 addressing, added by `add_ipv6()` (unique local addresses, RFC 4193).
CLIENT_IP6 = "fd99:1::2"
FIREWALL_CLIENT_IP6 = "fd99:1::1"
FIREWALL_SERVER_IP6 = "fd99:2::1"
SERVER_IP6 = "fd99:2::2"


class Topology:
    def __init__(self, prefix):
        self.prefix = prefix
        self.client = f"{prefix}-client"
        self.firewall = f"{prefix}-fw"
        self.server = f"{prefix}-server"

    @property
    def namespaces(self):
        return [self.client, self.firewall, self.server]

    def up(self):
        """Creates the namespaces, links, addresses and routes; forwarding on in the firewall."""
        try:
            for ns in self.namespaces:
                run("ip", "netns", "add", ns)
                run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "link", "add", "c0", "netns", self.firewall, "type", "veth",
                "peer", "name", "eth0", "netns", self.client)
            run("ip", "link", "add", "s0", "netns", self.firewall, "type", "veth",
                "peer", "name", "eth0", "netns", self.server)
            self._address(self.client, "eth0", CLIENT_IP)
            self._address(self.firewall, "c0", FIREWALL_CLIENT_IP)
            self._address(self.firewall, "s0", FIREWALL_SERVER_IP)
            self._address(self.server, "eth0", SERVER_IP)
            run("ip", "-n", self.client, "route", "add", "default", "via", FIREWALL_CLIENT_IP)
            run("ip", "-n", self.server, "route", "add", "default", "via", FIREWALL_SERVER_IP)
            run("ip", "netns", "exec", self.firewall, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        except BaseException:
            self.down()
            raise
        return self

    def add_ipv6(self, static_neighbours=False):
        """Adds the IPv6 addresses (`nodad`: usable at once, no duplicate address detection
        wait), default routes and IPv6 forwarding to a topology that is `up()`. With
        `static_neighbours`, permanent neighbour entries on both links, so that no Neighbour
        Solicitation is needed (and none reaches a queue)."""
        for ns, dev, ip in ((self.client, "eth0", CLIENT_IP6), (self.firewall, "c0", FIREWALL_CLIENT_IP6),
                            (self.firewall, "s0", FIREWALL_SERVER_IP6), (self.server, "eth0", SERVER_IP6)):
            run("ip", "-n", ns, "-6", "addr", "add", f"{ip}/64", "dev", dev, "nodad")
        run("ip", "-n", self.client, "-6", "route", "add", "default", "via", FIREWALL_CLIENT_IP6)
        run("ip", "-n", self.server, "-6", "route", "add", "default", "via", FIREWALL_SERVER_IP6)
        self.exec(self.firewall, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
        if static_neighbours:
            for host, host_dev, host_ip, fw_dev, fw_ip in ((self.client, "eth0", CLIENT_IP6, "c0", FIREWALL_CLIENT_IP6),
                                                           (self.server, "eth0", SERVER_IP6, "s0", FIREWALL_SERVER_IP6)):
                run("ip", "-n", host, "neigh", "replace", fw_ip, "lladdr", self.mac(self.firewall, fw_dev),
                    "dev", host_dev, "nud", "permanent")
                run("ip", "-n", self.firewall, "neigh", "replace", host_ip, "lladdr", self.mac(host, host_dev),
                    "dev", fw_dev, "nud", "permanent")
        return self

    def mac(self, ns, dev):
        """The link-layer address of `dev` in `ns`."""
        return run("ip", "-n", ns, "-br", "link", "show", dev).stdout.split()[2]

    def queue_all_ipv6(self, queue=0):
        """As `queue_all`, for the IPv6 packets the firewall forwards (ip6tables)."""
        self.exec(self.firewall, "ip6tables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", str(queue))

    def queue_all(self, queue=0):
        """Sends everything the firewall forwards to NFQUEUE `queue` (no bypass: fail closed)."""
        self.exec(self.firewall, "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", str(queue))

    def down(self):
        """Removes every namespace of this topology; quiet about ones that do not exist."""
        for ns in self.namespaces:
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-KILL", pid], capture_output=True)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def exec(self, ns, *argv, **kwargs):
        return run("ip", "netns", "exec", ns, *argv, **kwargs)

    def popen(self, ns, *argv, **kwargs):
        return subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kwargs)

    def _address(self, ns, dev, ip):
        run("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev)
        run("ip", "-n", ns, "link", "set", dev, "up")


def run(*argv, **kwargs):
    kwargs.setdefault("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(list(argv), **kwargs)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("up", "down", "queue", "ipv6", "queue6"):
        sys.exit("usage: topology.py up PREFIX | down PREFIX | queue PREFIX QUEUE | ipv6 PREFIX [static] | queue6 PREFIX QUEUE")
    topology = Topology(sys.argv[2])
    if sys.argv[1] == "up":
        topology.up()
    elif sys.argv[1] == "queue":
        topology.queue_all(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    elif sys.argv[1] == "ipv6":
        topology.add_ipv6(static_neighbours=sys.argv[3:4] == ["static"])
    elif sys.argv[1] == "queue6":
        topology.queue_all_ipv6(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    else:
        topology.down()
