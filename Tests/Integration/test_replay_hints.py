"""`replay` says what to do when a capture looks checksum-offloaded, and counts rejects."""
import subprocess

from pcaps import LINKTYPE_RAW, pcap, tcp, udp

CLIENT, SERVER = "10.99.1.2", "10.99.2.2"
BASE = 1767225600


def replay(binary, *args):
    return subprocess.run([binary, "replay", *map(str, args)], capture_output=True, text=True, timeout=60)


def capture(tmp_path, packets):
    path = tmp_path / "in.pcap"
    path.write_bytes(pcap(LINKTYPE_RAW, [(BASE + n, 0, p) for n, p in enumerate(packets, start=1)]))
    return path


def offloaded(port):
    """A TCP segment whose checksum is not filled in, as a capture on the sending host shows it."""
    packet = bytearray(tcp(CLIENT, SERVER, 40000 + port, 8080))
    packet[20 + 16] ^= 0xFF  # the TCP checksum (IPv4 header 20 bytes, checksum at TCP offset 16)
    return bytes(packet)


def test_most_checksums_failing_suggests_checksum_offload(portcullis_bin, tmp_path):
    rules = tmp_path / "r.rules"
    rules.write_text("accept tcp\n")
    packets = [offloaded(1), offloaded(2), tcp(CLIENT, SERVER, 40003, 8080)]
    result = replay(portcullis_bin, "--rules", rules, capture(tmp_path, packets))
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "portcullis: hint: 2 of 3 packets failed their TCP/UDP checksum; a capture taken on the sending "
        "host or a veth has them offloaded: replay it with --checksum-offload\n")
    # With the flag the same packets pass, and the hint is gone.
    again = replay(portcullis_bin, "--rules", rules, capture(tmp_path, packets), "--checksum-offload")
    assert again.returncode == 0 and again.stderr == ""
    assert "accepted: 3 " in again.stdout


def test_a_few_bad_checksums_are_no_reason_for_a_hint(portcullis_bin, tmp_path):
    rules = tmp_path / "r.rules"
    rules.write_text("accept tcp\n")
    result = replay(portcullis_bin, "--rules", rules, capture(tmp_path, [offloaded(1), tcp(CLIENT, SERVER, 1, 2)]))
    assert result.returncode == 0 and result.stderr == ""


def test_rejects_are_counted_in_the_summary(portcullis_bin, tmp_path):
    rules = tmp_path / "r.rules"
    rules.write_text("reject udp to any port 9\npolicy reject\naccept tcp\n")
    packets = [udp(CLIENT, SERVER, 1, 9), udp(CLIENT, SERVER, 1, 10), tcp(CLIENT, SERVER, 1, 2)]
    result = replay(portcullis_bin, "--rules", rules, capture(tmp_path, packets))
    assert result.returncode == 0, result.stderr
    assert "\nrejected: 2 (rule 1, policy 1)\n" in result.stdout
