/// Keeps the first `limit` and the last `limit` items appended, and counts all of them.
///
/// Memory is at most `2 × limit` items whatever the number appended: what a report shows of
/// a long list of events (its beginning, its end, and how many lay between).
public struct BoundedList<Element: Sendable>: Sendable {
    public let limit: Int
    /// The first `limit` items, in order.
    public private(set) var first: [Element] = []
    private var ring: [Element] = []
    private var next = 0
    /// Every item ever appended.
    public private(set) var total = 0

    public init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    mutating func append(_ element: Element) {
        total += 1
        if first.count < limit {
            first.append(element)
        } else if ring.count < limit {
            ring.append(element)
        } else {
            ring[next] = element
            next = (next + 1) % limit
        }
    }

    /// The last items after `first` (at most `limit`), in order.
    public var last: [Element] {
        Array(ring[next...] + ring[..<next])
    }

    /// How many items lie between `first` and `last` and are not kept.
    public var omitted: Int { total - first.count - ring.count }

    /// `first` followed by `last`: every kept item, in order.
    public var kept: [Element] { first + last }
}
