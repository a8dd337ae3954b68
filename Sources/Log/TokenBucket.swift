import Rules

/// A token bucket over an injected monotonic clock, in integer arithmetic: it holds at most
/// `burst` tokens and gains `rate` tokens per `period`. Each admitted line takes one.
///
/// Credit is kept in units of 1/`period in ns` of a token, so a refill is exact (no rounding
/// drift, whatever the rate): after `t` ns the bucket has gained `t × rate` units. With
/// `LogLimit`'s bounds every quantity fits in 64 bits. `take` allocates nothing.
public struct TokenBucket: Sendable {
    public let limit: LogLimit
    /// Units of credit; one token is `unit` of them.
    private var credit: UInt64
    private let unit: UInt64
    private let capacity: UInt64
    /// Nanoseconds to fill from empty, plus one: past it the bucket is full. Kept so that
    /// `take` divides nothing (a 64-bit division costs more than the rest of it).
    private let fillTime: UInt64
    private var last: UInt64

    /// A full bucket at time `now` (nanoseconds of a monotonic clock).
    public init(_ limit: LogLimit, now: UInt64) {
        self.limit = limit
        unit = limit.period.nanoseconds
        capacity = limit.burst * unit
        fillTime = capacity / limit.rate + 1
        credit = capacity
        last = now
    }

    /// A bucket for `limit` that keeps what `previous` held (capped at the new burst), for a
    /// reload: a new ruleset neither refills an exhausted bucket nor empties a full one.
    public init(_ limit: LogLimit, carryingOver previous: TokenBucket, now: UInt64) {
        self.init(limit, now: now)
        let tokens = previous.tokens(at: now)
        credit = min(tokens, limit.burst) * unit
    }

    /// Whole tokens the bucket would hold at `now`.
    public func tokens(at now: UInt64) -> UInt64 {
        refilled(at: now) / unit
    }

    /// Takes one token if there is one at `now`. A clock that steps backwards adds nothing.
    public mutating func take(now: UInt64) -> Bool {
        credit = refilled(at: now)
        if now > last { last = now }
        guard credit >= unit else { return false }
        credit -= unit
        return true
    }

    private func refilled(at now: UInt64) -> UInt64 {
        guard now > last else { return credit }
        let elapsed = now - last
        // Past the time to fill from empty, the bucket is full; below it, elapsed × rate is
        // at most capacity and cannot overflow.
        guard elapsed < fillTime else { return capacity }
        return min(capacity, credit + elapsed * limit.rate)
    }
}
