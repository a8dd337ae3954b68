"""`run --capture`: the packets themselves, in a pcap that tcpdump and `replay` read back."""
import json
import subprocess

from conftest import ROOT, background, nettool
from pcaps import LINKTYPE_RAW, read_pcap
from topology import CLIENT_IP, SERVER_IP

DEMO_RULES = ROOT / "rules" / "demo.rules"


def test_capture_drops_writes_the_dropped_packets_and_logs_the_switch(topology, start_filter, portcullis_bin, tmp_path):
    background(topology, topology.server, "tcp-server", "8080", "9090")
    capture = tmp_path / "drops.pcap"
    flt = start_filter(DEMO_RULES, extra=["--capture", "drops", "--capture-file", str(capture)])

    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP, "8080", "5") == "connected hello"
    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP, "9090", "2") == "timeout"
    assert flt.wait_for(lambda e: e.get("dest_port") == 9090)
    assert flt.stop() == 0

    switched = flt.events("capture")
    assert len(switched) == 1 and switched[0]["mode"] == "drops" and switched[0]["file"] == str(capture)
    linktype, records = read_pcap(capture.read_bytes())
    assert linktype == LINKTYPE_RAW
    # Only the SYNs to 9090 (with retransmissions), byte for byte as the client sent them.
    assert records and len(records) == len(flt.events("verdict"))
    for _seconds, _micros, data, length in records:
        assert data[9] == 6 and data[12:16] == bytes(map(int, CLIENT_IP.split(".")))
        assert int.from_bytes(data[22:24], "big") == 9090 and len(data) == length

    dump = subprocess.run(["tcpdump", "-nr", str(capture)], capture_output=True, text=True, check=True).stdout
    assert f"{CLIENT_IP}." in dump and f"{SERVER_IP}.9090: Flags [S]" in dump

    # Replaying the capture with the same rules drops every packet again, by the same reason.
    # The veth offloads checksums: the captured TCP checksums are partial, as NFQUEUE said.
    log = tmp_path / "replayed.jsonl"
    result = subprocess.run([portcullis_bin, "replay", "--rules", str(DEMO_RULES), str(capture), "--log", str(log),
                             "--checksum-offload"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    replayed = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["verdict"], e["reason"]) for e in replayed] == [("drop", "policy")] * len(records)


def test_capture_all_writes_accepted_packets_too(topology, start_filter, tmp_path):
    background(topology, topology.server, "tcp-server", "8080")
    capture = tmp_path / "all.pcap"
    flt = start_filter(DEMO_RULES, extra=["--capture", "all", "--capture-file", str(capture),
                                               "--capture-rebuilt", str(tmp_path / "rebuilt.pcap")])
    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP, "8080", "5") == "connected hello"
    assert flt.stop() == 0
    _, records = read_pcap(capture.read_bytes())
    counters = flt.events("stop")[0]["counters"]
    assert len(records) == counters["packets"] >= 6   # handshake, data, teardown both ways
    _, rebuilt = read_pcap((tmp_path / "rebuilt.pcap").read_bytes())
    assert len(rebuilt) == counters["rebuilt"]
    assert flt.events("capture")[0]["rebuilt_file"] == str(tmp_path / "rebuilt.pcap")


def test_capture_options_are_checked(portcullis_bin, tmp_path):
    def run(*args):
        return subprocess.run([portcullis_bin, "run", "--queue", "0", "--rules", str(DEMO_RULES), "--log", "-", *args],
                              capture_output=True, text=True, timeout=30)
    assert run("--capture", "drops").returncode == 2
    assert run("--capture", "some", "--capture-file", str(tmp_path / "x.pcap")).returncode == 2
    assert run("--capture", "drops", "--capture-file", str(tmp_path / "x.pcap"),
               "--capture-rebuilt", str(tmp_path / "y.pcap")).returncode == 2
