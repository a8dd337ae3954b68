"""--metrics-file: Prometheus text exposition, replaced atomically, with the right values."""
import re
import signal
import time

from prometheus_client.parser import text_string_to_metric_families

from topology import SERVER_IP

SAMPLE = re.compile(r'^portcullis_[a-z_]+\{queue="0"(,[a-z_]+="(?:[^"\\\n]|\\[\\"n])*")*\} [0-9]+$')


def read_metrics(path, timeout=5, predicate=lambda m: True):
    deadline = time.monotonic() + timeout
    while True:
        if path.exists():
            text = path.read_text()
            metrics = {}
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    metrics.setdefault(sample.name, []).append((sample.labels, sample.value))
            if predicate(metrics):
                return text, metrics
        assert time.monotonic() < deadline, "no metrics file with the expected values"
        time.sleep(0.1)


def value(metrics, name, **labels):
    return sum(v for l, v in metrics.get(name, []) if all(l.get(k) == str(x) for k, x in labels.items()))


def test_metrics_file_is_valid_exposition_with_live_values(topology, start_filter, tmp_path):
    rules = tmp_path / "m.rules"
    rules.write_text('policy drop\naccept icmp label "ping"\ndrop udp to any port 5454 label "no \\"quotes\\""\n')
    path = tmp_path / "portcullis.prom"
    flt = start_filter(rules, extra=["--metrics-file", str(path), "--metrics-interval", "1"])
    assert topology.exec(topology.client, "ping", "-c", "3", "-i", "0.2", "-W", "1", SERVER_IP,
                         check=False).returncode == 0
    topology.exec(topology.client, "python3", "-c",
                  "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                  f"[s.sendto(b'x', ('{SERVER_IP}', p)) for p in (5454, 5455)]")
    text, metrics = read_metrics(
        path, predicate=lambda m: value(m, "portcullis_packets_total", verdict="drop", reason="policy") >= 1)

    # Strict shape: every line is a HELP, a TYPE, or one sample with the queue label first.
    for line in text.splitlines():
        assert line.startswith("# HELP portcullis_") or line.startswith("# TYPE portcullis_") \
            or SAMPLE.match(line), line
    assert value(metrics, "portcullis_packets_total", verdict="accept", reason="rule") == 6
    assert value(metrics, "portcullis_packets_total", verdict="drop", reason="rule") == 1
    assert value(metrics, "portcullis_rule_hits_total", label='no "quotes"') == 1
    assert value(metrics, "portcullis_rule_hits_total", label="ping", line=2) == 6
    assert value(metrics, "portcullis_received_packets_total") >= 8
    assert value(metrics, "portcullis_decode_errors_total", layer="ipv4") == 0
    assert value(metrics, "portcullis_start_time_seconds") > 1.7e9
    assert not list(tmp_path.glob("portcullis.prom.tmp.*")), "the temporary file was left behind"

    flt.process.send_signal(signal.SIGHUP)
    _, metrics = read_metrics(path, predicate=lambda m: value(m, "portcullis_reloads_total", result="success") == 1)
    assert value(metrics, "portcullis_reloads_total", result="failure") == 0
    assert value(metrics, "portcullis_rule_hits_total", label="ping") == 0  # restarts with the new program
    assert value(metrics, "portcullis_packets_total", verdict="accept", reason="rule") == 6  # totals do not
    assert flt.stop() == 0


def test_metrics_count_each_family(topology, start_filter, tmp_path):
    from topology import SERVER_IP6
    topology.add_ipv6(static_neighbours=True)
    topology.queue_all_ipv6(0)
    rules = tmp_path / "m.rules"
    rules.write_text('policy drop\naccept icmp label "ping"\naccept icmp6 type { echo-request, echo-reply } label "ping6"\n')
    path = tmp_path / "portcullis.prom"
    start_filter(rules, extra=["--metrics-file", str(path), "--metrics-interval", "1"])
    assert topology.exec(topology.client, "ping", "-c", "2", "-i", "0.2", "-W", "1", SERVER_IP, check=False).returncode == 0
    assert topology.exec(topology.client, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", SERVER_IP6,
                         check=False).returncode == 0
    _, metrics = read_metrics(path, predicate=lambda m: value(m, "portcullis_family_packets_total", family="ipv6") >= 6)
    assert value(metrics, "portcullis_family_packets_total", family="ipv4") == 4
    assert value(metrics, "portcullis_family_packets_total", family="ipv6") == 6
    assert value(metrics, "portcullis_rule_hits_total", label="ping6") == 6
