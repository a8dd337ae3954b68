import Rules
import Wire
import Log

/// What a group is keyed by (`report --by`).
public enum ReportDimension: String, Sendable, CaseIterable {
    case rule, src, dst, reason, port
    /// The question names of DNS messages (`dns.rrname`), lowercased (RFC 4343).
    case dnsName = "dns-name"

    /// The tables a report shows unless asked for one: `dns-name` only when the log has DNS.
    static let standard: [ReportDimension] = [.rule, .src, .dst, .reason, .port]

    /// The heading in text and HTML output.
    public var title: String {
        switch self {
        case .rule: "rules"
        case .src: "sources"
        case .dst: "destinations"
        case .reason: "reasons"
        case .port: "destination ports"
        case .dnsName: "DNS names"
        }
    }
}

/// Which rule `--rule` selects: `FILE:LINE` (FILE matched whole or as a path suffix) or a label.
public enum RuleSelector: Sendable, Equatable {
    case location(file: String, line: Int)
    case label(String)

    /// `FILE:LINE` when the text after the last colon is a line number; a label otherwise.
    public init(_ text: String) {
        if let colon = text.lastIndex(of: ":"), let line = Int(text[text.index(after: colon)...]), line > 0,
           colon != text.startIndex {
            self = .location(file: String(text[..<colon]), line: line)
        } else {
            self = .label(text)
        }
    }

    func matches(_ record: ReportRecord) -> Bool {
        switch self {
        case .label(let label):
            return record.ruleLabel == label
        case .location(let file, let line):
            guard record.ruleLine == line, let logged = record.ruleFile else { return false }
            return logged == file || logged.hasSuffix("/" + file)
        }
    }
}

/// The verdict lines `report` counts: every condition given must hold.
public struct ReportFilter: Sendable {
    /// Inclusive, microseconds since the epoch.
    public var since: Int64?
    /// Exclusive.
    public var until: Int64?
    /// "accept" or "drop".
    public var verdict: String?
    /// A `reason` ("rule", "policy", "decode", "internal") or a decode reason ("bad-checksum").
    public var reason: String?
    public var source: ReportNetwork?
    public var destination: ReportNetwork?
    public var rule: RuleSelector?

    public init() {}

    /// Parses an address or network of either family (`10.1.0.0/24`, `fd00::/8`,
    /// `2001:db8::1`); `nil` when malformed.
    public static func network(_ text: String) -> ReportNetwork? {
        ReportNetwork(text)
    }

    /// Whether a verdict line passes. Lines without a readable timestamp fail a time bound.
    public func matches(_ record: ReportRecord) -> Bool {
        if let since, (record.time ?? .min) < since { return false }
        if let until, (record.time ?? .max) >= until { return false }
        if let verdict, record.verdict != verdict { return false }
        if let reason, record.reason != reason, record.decodeReason != reason { return false }
        if let source, !(record.source.map(source.contains) ?? false) { return false }
        if let destination, !(record.destination.map(destination.contains) ?? false) { return false }
        if let rule, !rule.matches(record) { return false }
        return true
    }

    /// The filters as given on the command line, for the report's header.
    public var description: [String] {
        var parts: [String] = []
        if let since { parts.append("since \(ReportTime.format(microseconds: since))") }
        if let until { parts.append("until \(ReportTime.format(microseconds: until))") }
        if let verdict { parts.append("verdict \(verdict)") }
        if let reason { parts.append("reason \(reason)") }
        if let source { parts.append("src \(source)") }
        if let destination { parts.append("dst \(destination)") }
        switch rule {
        case .location(let file, let line): parts.append("rule \(file):\(line)")
        case .label(let label): parts.append("rule \"\(label)\"")
        case nil: break
        }
        return parts
    }
}
