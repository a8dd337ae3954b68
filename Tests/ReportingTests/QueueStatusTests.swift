import Engine
import Log
import Rules
import Testing
@testable import Reporting

/// `portcullis status` reads back what `MetricsWriter` wrote: parsed, judged, rendered.
@Suite struct QueueStatusTests {
    static func metrics(logHealthy: Bool = true, overflows: UInt64 = 0, unanswered: UInt64 = 0) -> String {
        var engine = EngineCounters()
        engine.acceptedByRule = 7
        engine.acceptedByPolicy = 1
        engine.droppedByRule = 2
        engine.droppedByPolicy = 3
        engine.decodeErrors = 1
        engine.rejectedByRule = 4
        engine.rebuilt = 2
        let snapshot = MetricsWriter.Snapshot(
            queue: 2, engine: engine, program: Program(policy: .drop, logMode: .drops, rules: []),
            counters: [
                ("socket_overflows_total", "Receive buffer overflows (ENOBUFS).", overflows),
                ("packet_id_gaps_total", "Packets never received.", 0),
                ("log_lines_lost_total", "Verdict log lines that could not be written.", logHealthy ? 0 : 12),
                ("rejects_unanswered_total", "Rejects without a REJECT rule.", unanswered),
            ],
            reloadsSucceeded: 3, reloadsFailed: 1, startTime: 1_000_000,
            info: [
                ("version", "0.1.0"), ("pid", "4242"), ("rules_file", "/etc/portcullis/site \"a\".rules"),
                ("ruleset", "3f1c"), ("log", "/var/log/portcullis/verdicts.jsonl"),
            ],
            logHealthy: logHealthy, interval: 15)
        return MetricsWriter.render(snapshot)
    }

    @Test func aRunningQueueIsDescribedInAFewLines() throws {
        let status = try #require(QueueStatus(metrics: Self.metrics(), file: "/run/portcullis/portcullis.prom"))
        #expect(status.queue == "2" && status.pid == 4242 && status.interval == 15)
        #expect(status.healthy(pidAlive: true, ageSeconds: 3))
        #expect(status.text(pidAlive: true, ageSeconds: 3, now: 1_000_000 + 7_384) == """
            queue 2: running (pid 4242, up 2h 03m), portcullis 0.1.0
              rules    /etc/portcullis/site "a".rules (sha256 3f1c)
              packets  18 packets: 8 accepted, 6 dropped, 4 rejected (1 failed to decode), 2 rebuilt
              losses   none
              log      /var/log/portcullis/verdicts.jsonl: healthy
              reloads  3 succeeded, 1 failed
              metrics  /run/portcullis/portcullis.prom, written 3s ago

            """)
    }

    @Test func aGonePidIsNotRunningAndAnOldFileIsStale() throws {
        let status = try #require(QueueStatus(metrics: Self.metrics(), file: "m.prom"))
        #expect(status.state(pidAlive: false, ageSeconds: 1) == .stopped)
        #expect(status.state(pidAlive: true, ageSeconds: 50) == .running)
        #expect(status.state(pidAlive: true, ageSeconds: 51) == .stale)
        #expect(!status.healthy(pidAlive: false, ageSeconds: 1))
        let text = status.text(pidAlive: false, ageSeconds: 125, now: 0)
        #expect(text.hasPrefix("queue 2: NOT RUNNING (pid 4242 is gone; these figures are 2m 05s old), portcullis 0.1.0\n"))
        #expect(status.text(pidAlive: true, ageSeconds: 3_700, now: 0)
            .hasPrefix("queue 2: STALLED? (pid 4242 is alive but has not updated its metrics for 1h 01m), portcullis 0.1.0\n"))
    }

    @Test func lossesAndAFailingLogAreNamed() throws {
        let status = try #require(QueueStatus(
            metrics: Self.metrics(logHealthy: false, overflows: 5, unanswered: 2), file: "m.prom"))
        #expect(!status.healthy(pidAlive: true, ageSeconds: 1))
        let lines = status.text(pidAlive: true, ageSeconds: 1, now: 1_000_001).split(separator: "\n")
        #expect(lines[3] == "  losses   5 socket overflows, 2 rejects without a REJECT rule")
        #expect(lines[4] == "  log      /var/log/portcullis/verdicts.jsonl: FAILING (verdict lines are not being written); 12 lines lost, 0 suppressed")
    }

    @Test(arguments: ["", "# only comments\n", "node_cpu_seconds_total 5\n", "portcullis_x{queue=\"0\" 1\n"])
    func textThatIsNotOurMetricsIsRefused(text: String) {
        #expect(QueueStatus(metrics: text, file: "m.prom") == nil)
    }

    @Test func labelsWithEscapesAreRead() throws {
        let status = try #require(QueueStatus(
            metrics: "portcullis_info{queue=\"1\",rules_file=\"a\\\\b\\\"c\\nd\",pid=\"7\"} 1\nportcullis_log_healthy{queue=\"1\"} 0\n",
            file: "m.prom"))
        #expect(status.info["rules_file"] == "a\\b\"c\nd")
        #expect(status.queue == "1" && status.pid == 7 && status.logHealthy == false)
    }
}

/// A metrics file is text: absurd values are clamped, never trapped on.
@Test(arguments: ["1e300", "-1e300", "NaN", "+Inf", "-Inf", "99999999999999999999999"])
func absurdSampleValuesDoNotTrap(value: String) throws {
    let text = """
        portcullis_packets_total{queue="0",verdict="accept",reason="rule"} \(value)
        portcullis_start_time_seconds{queue="0"} \(value)
        portcullis_metrics_interval_seconds{queue="0"} \(value)
        portcullis_socket_overflows_total{queue="0"} \(value)
        portcullis_info{queue="0",pid="99999999999999"} 1

        """
    let status = try #require(QueueStatus(metrics: text, file: "m.prom"))
    #expect(status.pid == nil)
    for age in [Int.min / 2, 0, Int.max / 2] {
        _ = status.healthy(pidAlive: true, ageSeconds: age)
        #expect(status.text(pidAlive: true, ageSeconds: age, now: Int.max / 2).hasPrefix("queue 0: "))
        _ = status.text(pidAlive: false, ageSeconds: age, now: Int.min / 2)
    }
}
