#!/usr/bin/env python3
"""Three-host test topology in network namespaces: client -- firewall -- server.

    client (10.99.1.2) --veth-- (10.99.1.1) firewall (10.99.2.1) --veth-- (10.99.2.2) server

The firewall forwards between its two links; everything it forwards can be sent to an
NFQUEUE with `queue_all(queue)`. All names carry a prefix chosen by the caller so that
concurrent runs never collide, and `down()` removes every namespace (and with it every
veth, route and iptables rule) whatever state `up()` reached.

Usable as a module (the pytest integration tests) or as a command:
    topology.py up PREFIX | down PREFIX | queue PREFIX QUEUE
"""
import subprocess
import sys

CLIENT_IP = "10.99.1.2"
FIREWALL_CLIENT_IP = "10.99.1.1"
FIREWALL_SERVER_IP = "10.99.2.1"
SERVER_IP = "10.99.2.2"
# `portcullis run --reject-mark`'s default: a rejected packet comes back with it.
REJECT_MARK = 0x40000000


def reject_rules(chain="FORWARD", mark=REJECT_MARK):
    """The rules (iptables arguments after -A/-D) that answer a packet Portcullis rejected,
    as scripts/install-iptables installs them: before the NFQUEUE rule, so that the repeated
    packet meets them and never goes back to the queue."""
    match = ["-m", "mark", "--mark", f"{mark:#x}/{mark:#x}", "-j", "REJECT"]
    return [[chain, "-p", "tcp", *match, "--reject-with", "tcp-reset"],
            [chain, *match, "--reject-with", "icmp-port-unreachable"]]


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

    def queue_all(self, queue=0):
        """Sends everything the firewall forwards to NFQUEUE `queue` (no bypass: fail closed),
        after the rules that answer what Portcullis rejects."""
        for rule in reject_rules():
            self.exec(self.firewall, "iptables", "-A", *rule)
        self.exec(self.firewall, "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", str(queue))

    def unqueue_all(self, queue=0):
        """Removes what `queue_all(queue)` added."""
        self.exec(self.firewall, "iptables", "-D", "FORWARD", "-j", "NFQUEUE", "--queue-num", str(queue))
        for rule in reject_rules():
            self.exec(self.firewall, "iptables", "-D", *rule)

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
    if len(sys.argv) < 3 or sys.argv[1] not in ("up", "down", "queue"):
        sys.exit("usage: topology.py up PREFIX | down PREFIX | queue PREFIX QUEUE")
    topology = Topology(sys.argv[2])
    if sys.argv[1] == "up":
        topology.up()
    elif sys.argv[1] == "queue":
        topology.queue_all(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    else:
        topology.down()
