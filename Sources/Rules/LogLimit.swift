/// The most verdict lines the log takes: a token bucket of `burst` lines, refilled at `rate`
/// lines per `period` (iptables' `-m limit --limit RATE/PERIOD --limit-burst BURST`).
///
/// Bounds (`1...maximum` for both numbers, periods up to an hour) keep the bucket's
/// arithmetic in 64 bits: `burst × period in ns` is at most 3.6e18.
public struct LogLimit: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// What a rate is counted over.
    public enum Period: String, CaseIterable, Sendable {
        case second = "s", minute = "m", hour = "h"

        /// The period's length in nanoseconds.
        public var nanoseconds: UInt64 {
            switch self {
            case .second: 1_000_000_000
            case .minute: 60_000_000_000
            case .hour: 3_600_000_000_000
            }
        }

        /// The unit words `limit N/UNIT` accepts, iptables' long and short forms.
        static func named(_ word: String) -> Period? {
            switch word {
            case "s", "sec", "second": .second
            case "m", "min", "minute": .minute
            case "h", "hour": .hour
            default: nil
            }
        }
    }

    /// Lines per period, 1...`maximum`.
    public let rate: UInt64
    public let period: Period
    /// Lines the bucket holds when full, 1...`maximum`: the longest run written at once.
    public let burst: UInt64

    /// The largest rate and burst a ruleset may give.
    public static let maximum: UInt64 = 1_000_000
    /// What a ruleset that says nothing gets: 1,000 lines a second, bursts of 5,000.
    public static let `default` = LogLimit(rate: 1000, period: .second, burst: 5000)

    /// Clamps `rate` and `burst` into 1...`maximum` (the parser rejects values outside first);
    /// a missing burst is five periods' worth, as the default is.
    public init(rate: UInt64, period: Period, burst: UInt64? = nil) {
        self.rate = min(max(rate, 1), Self.maximum)
        self.period = period
        self.burst = min(max(burst ?? self.rate * 5, 1), Self.maximum)
    }

    /// `1000/s burst 5000`, as a ruleset writes it.
    public var description: String { "\(rate)/\(period.rawValue) burst \(burst)" }
}

/// What a `log ... limit` clause sets: a limit, or `none` (every line written).
public enum LogLimitSetting: Equatable, Sendable {
    case limit(LogLimit)
    case none

    /// The limit in force, `nil` for none.
    public var limit: LogLimit? {
        if case .limit(let limit) = self { limit } else { nil }
    }
}

extension ParserState {
    /// `limit RATE/UNIT [burst N]` or `limit none`, after a `log` directive's mode; the
    /// current token is `limit`.
    mutating func parseLogLimit() throws(ParseFailure) -> Located<LogLimitSetting> {
        let start = advance().range.start
        if current.kind == .keyword(.none) {
            advance()
            return Located(.none, range: range(from: start))
        }
        guard current.kind == .number else { throw failure(expected: .logLimit) }
        let rate = try parseLimitNumber(.limit)
        guard current.kind == .slash else { throw failure(expected: .rateUnit) }
        advance()
        guard current.kind == .identifier, let period = LogLimit.Period.named(current.text) else {
            throw ParseFailure(message: .expected(.rateUnit, found: current.foundDescription), position: current.range.start)
        }
        advance()
        var burst: UInt64?
        if current.kind == .keyword(.burst) {
            advance()
            burst = try parseLimitNumber(.burst)
        }
        return Located(.limit(LogLimit(rate: rate, period: period, burst: burst)), range: range(from: start))
    }

    private mutating func parseLimitNumber(_ keyword: Keyword) throws(ParseFailure) -> UInt64 {
        let token = current
        let value = try parseNumber()
        guard (1...LogLimit.maximum).contains(value) else {
            throw ParseFailure(message: .limitOutOfRange(keyword, value), position: token.range.start)
        }
        return value
    }
}
