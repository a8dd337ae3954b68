import Testing
import Log
import Rules

private let second: UInt64 = 1_000_000_000

@Test func aFullBucketAdmitsItsBurstThenNothing() {
    var bucket = TokenBucket(LogLimit(rate: 10, period: .second, burst: 5), now: 0)
    let taken = (0..<8).filter { _ in bucket.take(now: 0) }.count
    #expect(taken == 5)
}

@Test func tokensComeBackAtTheRateExactly() {
    var bucket = TokenBucket(LogLimit(rate: 10, period: .second, burst: 5), now: 0)
    while bucket.take(now: 0) {}
    // 10/s is one token per 100 ms: none a nanosecond early, one on time.
    let results = [bucket.take(now: second / 10 - 1), bucket.take(now: second / 10), bucket.take(now: second / 10)]
    #expect(results == [false, true, false])
    // Over 10 s at most burst (5) accumulate.
    #expect(bucket.tokens(at: 11 * second) == 5)
}

@Test func aRateThatDoesNotDivideTheSecondLosesNothing() {
    // 3/s: over 1,000 s exactly 3,000 tokens, taken 1 ms apart, plus the burst of 2. (With
    // a burst of 1 a token would overflow each time it completes between two takes.)
    var bucket = TokenBucket(LogLimit(rate: 3, period: .second, burst: 2), now: 0)
    var taken = 0
    var now: UInt64 = 0
    while now <= 1000 * second {
        if bucket.take(now: now) { taken += 1 }
        now += second / 1000
    }
    #expect(taken == 3002)
}

@Test func perMinuteAndPerHourRates() {
    var minute = TokenBucket(LogLimit(rate: 6, period: .minute, burst: 1), now: 0)
    let minutes = [minute.take(now: 0), minute.take(now: 10 * second - 1), minute.take(now: 10 * second)]
    #expect(minutes == [true, false, true])
    var hour = TokenBucket(LogLimit(rate: 1, period: .hour, burst: 1), now: 0)
    let hours = [hour.take(now: 0), hour.take(now: 3599 * second), hour.take(now: 3600 * second)]
    #expect(hours == [true, false, true])
}

@Test func theLargestLimitsAndLongestIdleDoNotOverflow() {
    let limit = LogLimit(rate: LogLimit.maximum, period: .hour, burst: LogLimit.maximum)
    var bucket = TokenBucket(limit, now: 0)
    let first = bucket.take(now: 0)
    #expect(first)
    #expect(bucket.tokens(at: UInt64.max) == LogLimit.maximum)
    let last = bucket.take(now: UInt64.max)
    #expect(last)
}

@Test func aClockThatStepsBackAddsNothing() {
    var bucket = TokenBucket(LogLimit(rate: 1, period: .second, burst: 1), now: 10 * second)
    let results = [
        bucket.take(now: 10 * second), bucket.take(now: 5 * second),
        bucket.take(now: 10 * second + second - 1), bucket.take(now: 11 * second),
    ]
    #expect(results == [true, false, false, true])
}

@Test func aReloadKeepsTheTokensLeftCappedAtTheNewBurst() {
    var old = TokenBucket(LogLimit(rate: 1, period: .second, burst: 100), now: 0)
    for _ in 0..<90 { _ = old.take(now: 0) }
    let smaller = TokenBucket(LogLimit(rate: 1, period: .second, burst: 5), carryingOver: old, now: 0)
    #expect(smaller.tokens(at: 0) == 5)
    let larger = TokenBucket(LogLimit(rate: 1, period: .second, burst: 1000), carryingOver: old, now: 0)
    #expect(larger.tokens(at: 0) == 10)
}
