import Log
/// The fields of the log's non-verdict lines that `report` shows: start and stop, reloads,
/// anomalies and `suppressed` summaries. Every list is capped, so one hostile line cannot
/// make a record large; unknown fields and event types are skipped, never an error.
public struct ReportControlFields: Sendable, Equatable {
    /// `queue` (0...65535 when valid), `ruleset` hash: on every line.
    public var queue: Int?
    public var ruleset: String?
    /// anomaly: `kind`, `count`, `total`, `message`, `after_packet_id`; suppressed: `count`, `cause`.
    public var kind: String?
    public var count: Int?
    public var total: Int?
    public var message: String?
    public var cause: String?
    /// start and reload: the rules file, policy, log mode and rule count.
    public var rulesFile: String?
    public var policy: String?
    public var logMode: String?
    public var ruleCount: Int?
    public var pid: Int?
    public var version: String?
    /// reload: success and the first `maximumErrors` errors (all are counted).
    public var success: Bool?
    public var errors: [String] = []
    public var errorCount = 0
    /// start: the self-test's result.
    public var selfTest: ReportSelfTest?
    /// stop: the signal; stop and stats: the process's counters.
    public var signal: String?
    public var counters: ReportCounters?
    /// suppressed: breakdowns such as `by_reason`, `by_src_net`, capped at `maximumBreakdown`.
    public var breakdown: [ReportBreakdownItem] = []

    public static let maximumErrors = 5
    public static let maximumBreakdown = 256

    public init() {}
}

/// `start.self_test`: `passed` with how many known answers and rule probes were checked.
public struct ReportSelfTest: Sendable, Equatable {
    public var passed: Bool?
    public var knownAnswers: Int?
    public var ruleProbes: Int?
}

/// The counters of a `stats` or `stop` event that bear on completeness; nil when absent.
public struct ReportCounters: Sendable, Equatable {
    public var packets: Int?
    public var accepted: Int?
    public var dropped: Int?
    public var socketOverflows: Int?
    public var packetIDGaps: Int?
    public var kernelQueueDropped: Int?
    public var kernelUserDropped: Int?
    public var logLinesLost: Int?
    public var droppedLogUnavailable: Int?
    public var droppedWhileBinding: Int?

    /// Sets the counter logged as `name`; false for a name not kept.
    mutating func set(_ name: String, _ value: Int) -> Bool {
        switch name {
        case "packets": packets = value
        case "accepted": accepted = value
        case "dropped": dropped = value
        case "socket_overflows": socketOverflows = value
        case "packet_id_gaps": packetIDGaps = value
        case "kernel_queue_dropped": kernelQueueDropped = value
        case "kernel_user_dropped": kernelUserDropped = value
        case "log_lines_lost": logLinesLost = value
        case "dropped_log_unavailable": droppedLogUnavailable = value
        case "dropped_while_binding": droppedWhileBinding = value
        default: return false
        }
        return true
    }
}

/// One entry of a `suppressed` breakdown: `by_reason.policy` is ("reason", "policy", n).
public struct ReportBreakdownItem: Sendable, Equatable {
    public var dimension: String
    public var key: String
    public var count: Int
}

extension JSONScanner {
    /// A top-level member of a non-verdict line; nil when `key` is not one of them.
    mutating func scanControl(_ key: Range<Int>, depth: Int, into record: inout ReportRecord) -> Bool? {
        let isString = peek == UInt8(ascii: "\"")
        // A value of another type than expected is skipped (the line still counts), not damage.
        if equals(key, "queue"), isNumberStart { return integer { record.control.queue = (0...65535).contains($0) ? $0 : nil } }
        if isString, let field = Self.stringField(self, key) {
            return string { Self.set(field, $0, in: &record.control) }
        }
        if isNumberStart, let field = Self.integerField(self, key) {
            return integer { Self.set(field, $0, in: &record.control) }
        }
        if equals(key, "success") { return boolean { record.control.success = $0 } }
        if equals(key, "errors"), peek == UInt8(ascii: "[") { return scanStrings(depth: depth + 1, into: &record.control) }
        if equals(key, "self_test"), peek == UInt8(ascii: "{") { return scanObject(.selfTest, depth: depth + 1, into: &record) }
        if equals(key, "counters"), peek == UInt8(ascii: "{") { return scanObject(.counters, depth: depth + 1, into: &record) }
        if record.eventType == "suppressed" || record.eventType == nil, let dimension = Self.breakdownName(self, key) {
            if peek == UInt8(ascii: "{") { return scanObject(.counts(dimension), depth: depth + 1, into: &record) }
            if peek == UInt8(ascii: "[") { return scanBreakdownArray(dimension, depth: depth + 1, into: &record.control) }
        }
        return nil
    }

    /// A member of `self_test`, `counters` or a breakdown object; nil to skip it.
    mutating func scanNested(_ key: Range<Int>, _ parent: Parent, into record: inout ReportRecord) -> Bool? {
        let name = Self.decode(UnsafeRawBufferPointer(rebasing: bytes[key]))
        switch parent {
        case .selfTest:
            var test = record.control.selfTest ?? ReportSelfTest()
            defer { record.control.selfTest = test }
            if name == "passed" { return boolean { test.passed = $0 } }
            if name == "known_answers", isNumberStart { return integer { test.knownAnswers = $0 } }
            if name == "rule_probes", isNumberStart { return integer { test.ruleProbes = $0 } }
        case .counters:
            guard isNumberStart else { return nil }
            return integer {
                var counters = record.control.counters ?? ReportCounters()
                if counters.set(name, $0) { record.control.counters = counters }
            }
        case .counts(let dimension):
            guard isNumberStart else { return nil }
            return integer { Self.addBreakdown(dimension, name, $0, to: &record.control) }
        default:
            break
        }
        return nil
    }

    /// Whether the next value is a number (its first byte is `-` or a digit).
    private var isNumberStart: Bool {
        guard let first = peek else { return false }
        return first == UInt8(ascii: "-") || (0x30...0x39).contains(first)
    }

    /// A `true` or `false`; any other value is skipped (validated) without keeping it.
    private mutating func boolean(_ keep: (Bool) -> Void) -> Bool {
        if peek == UInt8(ascii: "t"), literal("true") { keep(true); return true }
        if peek == UInt8(ascii: "f"), literal("false") { keep(false); return true }
        if peek == UInt8(ascii: "t") || peek == UInt8(ascii: "f") { return false }
        return skipValue(depth: 1)
    }

    private enum StringField { case kind, message, cause, rulesFile, policy, logMode, version, signal, ruleset }
    private enum IntegerField { case count, total, ruleCount, pid }

    // Built once, not per key: the scanner looks every unknown key of every line up here.
    private static let stringFields: [(StaticString, StringField)] = [
        ("ruleset", .ruleset), ("kind", .kind), ("message", .message), ("cause", .cause), ("rules_file", .rulesFile),
        ("policy", .policy), ("log", .logMode), ("version", .version), ("signal", .signal),
    ]
    private static let integerFields: [(StaticString, IntegerField)] = [
        ("count", .count), ("total", .total), ("rule_count", .ruleCount), ("pid", .pid),
    ]

    private static func stringField(_ scanner: JSONScanner, _ key: Range<Int>) -> StringField? {
        for (name, field) in stringFields where scanner.equals(key, name) { return field }
        return nil
    }

    private static func integerField(_ scanner: JSONScanner, _ key: Range<Int>) -> IntegerField? {
        for (name, field) in integerFields where scanner.equals(key, name) { return field }
        return nil
    }

    private static func set(_ field: StringField, _ value: String, in control: inout ReportControlFields) {
        switch field {
        case .kind: control.kind = value
        case .message: control.message = value
        case .cause: control.cause = value
        case .rulesFile: control.rulesFile = value
        case .policy: control.policy = value
        case .logMode: control.logMode = value
        case .version: control.version = value
        case .signal: control.signal = value
        case .ruleset: control.ruleset = value
        }
    }

    private static func set(_ field: IntegerField, _ value: Int, in control: inout ReportControlFields) {
        switch field {
        case .count: control.count = value
        case .total: control.total = value
        case .ruleCount: control.ruleCount = value
        case .pid: control.pid = value
        }
    }

    /// `by_reason` → "reason"; `by_src_net` → "src_net"; any `by_*` key of a summary.
    private static func breakdownName(_ scanner: JSONScanner, _ key: Range<Int>) -> String? {
        let name = decode(UnsafeRawBufferPointer(rebasing: scanner.bytes[key]))
        guard name.hasPrefix("by_"), name.count > 3, name.count <= 32 else { return nil }
        return String(name.dropFirst(3))
    }

    private static func addBreakdown(_ dimension: String, _ key: String, _ count: Int, to control: inout ReportControlFields) {
        guard control.breakdown.count < ReportControlFields.maximumBreakdown else { return }
        control.breakdown.append(ReportBreakdownItem(dimension: dimension, key: String(key.prefix(64)), count: count))
    }

    /// `errors`: an array of strings, the first `maximumErrors` kept, all counted.
    private mutating func scanStrings(depth: Int, into control: inout ReportControlFields) -> Bool {
        guard depth < Self.maximumDepth, consume(UInt8(ascii: "[")) else { return false }
        skipSpace()
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipSpace()
            if peek == UInt8(ascii: "\"") {
                guard let range = scanString() else { return false }
                control.errorCount += 1
                if control.errors.count < ReportControlFields.maximumErrors {
                    control.errors.append(String(Self.decode(UnsafeRawBufferPointer(rebasing: bytes[range])).prefix(500)))
                }
            } else if !skipValue(depth: depth + 1) {
                return false
            }
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// `by_src_net: [{"net": "10.0.0.0/24", "count": 3}, ...]`, `by_dest_port: [{"port": 23, "count": 5}]`:
    /// each element's one other member names the key.
    private mutating func scanBreakdownArray(_ dimension: String, depth: Int, into control: inout ReportControlFields) -> Bool {
        guard depth < Self.maximumDepth, consume(UInt8(ascii: "[")) else { return false }
        skipSpace()
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipSpace()
            if peek == UInt8(ascii: "{") {
                guard let (key, count) = scanBreakdownElement(depth: depth + 1) else { return false }
                if let key, let count { Self.addBreakdown(dimension, key, count, to: &control) }
            } else if !skipValue(depth: depth + 1) {
                return false
            }
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    private mutating func scanBreakdownElement(depth: Int) -> (String?, Int?)? {
        guard depth < Self.maximumDepth, consume(UInt8(ascii: "{")) else { return nil }
        var key: String?
        var count: Int?
        skipSpace()
        if consume(UInt8(ascii: "}")) { return (nil, nil) }
        while true {
            skipSpace()
            guard let name = scanString() else { return nil }
            skipSpace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            if equals(name, "count"), isNumberStart {
                guard integer({ count = $0 }) else { return nil }
            } else if peek == UInt8(ascii: "\"") {
                guard string({ key = $0 }) else { return nil }
            } else if isNumberStart {
                guard integer({ key = String($0) }) else { return nil }
            } else if !skipValue(depth: depth + 1) {
                return nil
            }
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}")) ? (key, count) : nil
        }
    }
}
