/// The compiled evaluator: what makes 10,000 rules cost about what 10 do (docs/rules.md, "How rules are evaluated").
///
/// Every rule is filed under one *key field*: the field it narrows the most (a host address, a
/// port), measured as the share of the field's values it accepts. For each key field in use,
/// the field's values are cut into segments at the boundaries of the rules filed under it, and
/// each segment lists, in rule order, the rules whose key set covers it. To judge a packet:
/// for each key field, find the segment of the packet's value (a bucket on the value's high
/// bits, then a binary search over the few segments of that bucket) and try the segment's
/// rules in order on their other fields, narrowest first; stop at the first that matches, or
/// at a rule later than the best match found so far. The earliest match over all key fields
/// is the first match of the whole ruleset, because every rule that matches the packet is in
/// the list of its key field's segment.
///
/// The work per packet is: one lookup per key field in use (at most 14; a few in real
/// rulesets) and at most `listLimit` rule checks per lookup. Neither grows with the number of
/// rules, because the compiler enforces the bound: where a segment would list more than
/// `listLimit` rules (deeply nested networks, many rules on one port), the widest of them are
/// filed again under their next-narrowest field. A wide rule may span many segments (a /8 over a block list of
/// hosts); memory stays proportional to the rules' intervals (see `listLimit`).
/// A rule that fits under no field goes to `BitsetIndex`, whose cost grows with what it
/// holds: only rules that overlap heavily end there, typically none or few
/// (`fallbackRuleCount` tells; `portcullis check` would be the place to warn about many).
///
/// Per packet nothing is allocated: the packet's field values sit in stack scratch, and the
/// tables are immutable arrays read through buffer pointers.
struct RuleIndex: Sendable {
    /// The most rules a segment may list; it bounds the rule checks per lookup, and with them
    /// a table's size: at most `listLimit` entries for each of its segments, of which there
    /// are at most two per interval of its rules' key sets, plus one.
    static let listLimit = 12
    /// The most rules a key table may hold and still be dissolved into the others.
    static let dissolveLimit = 4

    /// The rules filed under one key field.
    struct KeyTable: Sendable {
        let field: Field
        /// The second segment's start; `(value - lower) >> shift` is the value's bucket. A value
        /// below it is in segment 0, one past the last bucket in the last segment: the buckets
        /// span only the cut part of the domain (IPv4 keys fill a 2^-96 sliver of the 128-bit
        /// address domain, and still get their buckets).
        let lower: UInt128
        let shift: UInt64
        /// `buckets[b]` is the segment holding `lower + b << shift`; one extra entry closes the
        /// last bucket. Empty for a table so small that a plain binary search is as quick.
        let buckets: [Int32]
        /// Segment lower bounds, ascending; `starts[0]` is the domain's lower bound.
        let starts: [UInt128]
        /// Segment s lists `members[listStarts[s] ..< listStarts[s + 1]]`: rule indexes, ascending.
        let listStarts: [Int32]
        let members: [Int32]

        /// The segment holding `value`: the last start ≤ value.
        @inline(__always)
        func segment(of value: UInt128) -> Int {
            var low = 0
            var high = starts.count
            if !buckets.isEmpty {
                guard value >= lower else { return 0 }
                let offset = (value - lower) >> shift
                guard offset < UInt128(buckets.count - 1) else { return starts.count - 1 }
                let bucket = Int(truncatingIfNeeded: offset)
                buckets.withUnsafeBufferPointer { buckets in
                    low = Int(buckets[bucket])
                    high = Int(buckets[bucket + 1]) + 1
                }
            }
            return starts.lastIndex(atMost: value, in: low..<high)
        }
    }

    /// One field test of a rule: the packet's value of `field` lies in one of
    /// `ranges[firstRange ..< firstRange + rangeCount]`.
    struct Condition: Sendable {
        let field: Int32
        let firstRange: Int32
        let rangeCount: Int32
    }

    let ruleCount: Int
    let tables: [KeyTable]
    /// Rule r's tests, narrowest first and without its key field, are
    /// `conditions[ruleConditions[r] ..< ruleConditions[r + 1]]`.
    let ruleConditions: [Int32]
    let conditions: [Condition]
    let ranges: [ClosedRange<UInt128>]
    /// The first rule that narrows nothing (it matches every packet), or `Int.max`.
    let firstCatchAll: Int
    /// The rules no key field could take, in their own index; `fallbackRules` maps its rule
    /// numbers back to the ruleset's.
    let fallback: BitsetIndex?
    let fallbackRules: [Int32]
    let interfaces: InterfaceTable

    /// How many rules went to the bitset index (for tests and for explaining a slow ruleset).
    var fallbackRuleCount: Int { fallbackRules.count }

    init(_ rules: [Rule]) {
        let interfaces = InterfaceTable(rules)
        let domains = Field.allCases.map { interfaces.domain(of: $0) }
        let spaces = rules.map { interfaces.space($0.match) }
        let (choices, firstCatchAll) = Self.keyChoices(spaces, domains: domains)
        // Rules after a catch-all can never be the first match: they are left out.
        var filing = Filing(considered: min(rules.count, firstCatchAll), choices: choices, domains: domains, spaces: spaces)
        filing.fileWithinLimits()
        filing.dissolveSmallTables()
        let fallback = filing.fallback
        (ruleConditions, conditions, ranges) = Self.remainingTests(
            ruleCount: rules.count, filedUnder: filing.key, choices: choices, spaces: spaces)

        ruleCount = rules.count
        tables = filing.tables
        self.firstCatchAll = firstCatchAll
        self.fallback = fallback.isEmpty ? nil : BitsetIndex(fallback.map { rules[$0] })
        fallbackRules = fallback.map { Int32($0) }
        self.interfaces = interfaces
    }

    /// Each rule's narrowed fields (those not accepting the whole domain), narrowest first: the
    /// key fields it may be filed under, in order of preference; and the first rule that
    /// narrows none (it matches every packet), or `Int.max`.
    private static func keyChoices(
        _ spaces: [[ValueSet]], domains: [ClosedRange<UInt128>]
    ) -> (choices: [[Field]], firstCatchAll: Int) {
        func share(_ set: ValueSet, _ field: Field) -> Double {
            if field == .source || field == .destination { return AddressKey.share(set) }
            let domain = domains[field.rawValue]
            let size = set.ranges.reduce(0.0) { $0 + Double($1.upperBound - $1.lowerBound) + 1 }
            return size / (Double(domain.upperBound - domain.lowerBound) + 1)
        }
        var choices: [[Field]] = []
        var firstCatchAll = Int.max
        for (rule, space) in spaces.enumerated() {
            var shares: [(field: Field, share: Double)] = []
            for field in Field.allCases where space[field.rawValue].ranges != [domains[field.rawValue]] {
                shares.append((field, share(space[field.rawValue], field)))
            }
            // Stable: equal shares keep field order.
            let narrowed = shares.enumerated()
                .sorted { ($0.element.share, $0.offset) < ($1.element.share, $1.offset) }
                .map(\.element.field)
            if narrowed.isEmpty, firstCatchAll == Int.max { firstCatchAll = rule }
            choices.append(narrowed)
        }
        return (choices, firstCatchAll)
    }

    /// The tests each filed rule still needs: its narrowed fields but the key, narrowest first,
    /// as `ruleConditions`, `conditions` and `ranges` (see those properties). Rules in the
    /// fallback and rules after a catch-all (beyond `filedUnder`) get none.
    private static func remainingTests(
        ruleCount: Int, filedUnder key: [Int?], choices: [[Field]], spaces: [[ValueSet]]
    ) -> ([Int32], [Condition], [ClosedRange<UInt128>]) {
        var ruleConditions: [Int32] = [0]
        var conditions: [Condition] = []
        var ranges: [ClosedRange<UInt128>] = []
        for rule in 0..<ruleCount {
            if rule < key.count, let keyField = key[rule] {
                for field in choices[rule] where field.rawValue != keyField {
                    let set = spaces[rule][field.rawValue]
                    conditions.append(Condition(field: Int32(field.rawValue), firstRange: Int32(ranges.count), rangeCount: Int32(set.ranges.count)))
                    ranges += set.ranges
                }
            }
            ruleConditions.append(Int32(conditions.count))
        }
        return (ruleConditions, conditions, ranges)
    }

    /// Which key field each considered rule is filed under, and the tables that makes.
    private struct Filing {
        let considered: Int
        let choices: [[Field]]
        let domains: [ClosedRange<UInt128>]
        let spaces: [[ValueSet]]
        /// key[r]: the raw value of the field rule r is filed under; nil for the bitset part.
        var key: [Int?]
        var built: [Int: KeyTable] = [:]

        /// Every rule filed under its narrowest field, no table built yet.
        init(considered: Int, choices: [[Field]], domains: [ClosedRange<UInt128>], spaces: [[ValueSet]]) {
            self.considered = considered
            self.choices = choices
            self.domains = domains
            self.spaces = spaces
            key = (0..<considered).map { choices[$0].first?.rawValue }
        }

        /// The tables in field order.
        var tables: [KeyTable] { built.keys.sorted().map { built[$0]! } }
        /// The rules no key field took, ascending.
        var fallback: [Int] { (0..<considered).filter { key[$0] == nil } }

        /// (Re)builds the table of `field` from the rules filed under it; returns the rules
        /// that must leave it.
        mutating func build(_ field: Int) -> [Int] {
            let members = (0..<considered).filter { key[$0] == field }
            guard !members.isEmpty else {
                built[field] = nil
                return []
            }
            let result = RuleIndex.table(Field.allCases[field], domain: domains[field], rules: members, sets: members.map { spaces[$0][field] })
            built[field] = result.table
            return result.overflowing
        }

        /// Builds every table, then re-files the rules that break a limit under their next
        /// choice, until none does. Moving rules out of a table only merges its segments and
        /// shortens its lists, so after a last round that sends every rule still breaking a
        /// limit to the fallback, no table breaks one.
        mutating func fileWithinLimits() {
            var round = 0
            while true {
                round += 1
                let lastRound = round > Field.allCases.count + 2
                let overflowing = Field.allCases.indices.flatMap { build($0) }
                if overflowing.isEmpty { break }
                for rule in overflowing {
                    let next = choices[rule].firstIndex { $0.rawValue == key[rule] }.map { $0 + 1 } ?? choices[rule].count
                    key[rule] = lastRound || next == choices[rule].count ? nil : choices[rule][next].rawValue
                }
            }
        }

        /// Fewer tables, fewer lookups per packet: a table of at most `dissolveLimit` rules is
        /// dissolved when each of its rules can be filed under another field that has a table
        /// already (the narrowest such) with no list growing past `listLimit`. This matters
        /// for small, varied rulesets (a bastion host's: one rule per ICMP type, state, ...).
        mutating func dissolveSmallTables() {
            for field in built.keys.sorted(by: { (built[$0]!.members.count, $0) < (built[$1]!.members.count, $1) }) {
                let members = (0..<considered).filter { key[$0] == field }
                guard built.count > 1, !members.isEmpty, members.count <= RuleIndex.dissolveLimit else { continue }
                let targets = members.map { rule in
                    choices[rule].first { $0.rawValue != field && built[$0.rawValue] != nil }?.rawValue
                }
                guard !targets.contains(nil) else { continue }
                let saved = (key, built)
                for (rule, target) in zip(members, targets) { key[rule] = target }
                var overflowing = build(field)
                for target in Set(targets.compactMap { $0 }) { overflowing += build(target) }
                if !overflowing.isEmpty { (key, built) = saved }
            }
        }
    }

    /// Cuts `domain` into segments at the boundaries of `sets` (the key sets of `rules`, in
    /// ascending rule order) and lists the rules covering each segment. `overflowing` names
    /// the rules to file elsewhere so that no segment lists more than `listLimit`: in each
    /// segment over the limit, those spanning the most segments.
    private static func table(_ field: Field, domain: ClosedRange<UInt128>, rules: [Int], sets: [ValueSet]) -> (table: KeyTable, overflowing: [Int]) {
        let events = boundaryEvents(sets, domain: domain)
        let cut = segments(events, domain: domain, rules: rules, spans: segmentSpans(sets, events: events))
        let (buckets, lower, shift) = bucketIndex(cut.starts, domain: domain)
        let table = KeyTable(
            field: field, lower: lower, shift: shift, buckets: buckets, starts: cut.starts,
            listStarts: cut.listStarts, members: cut.members)
        return (table, cut.overflowing)
    }

    /// Where each set's intervals begin and end (one past), sorted by position; `slot` is the
    /// set's index in `sets`.
    private static func boundaryEvents(_ sets: [ValueSet], domain: ClosedRange<UInt128>) -> [(position: UInt128, slot: Int)] {
        var events: [(position: UInt128, slot: Int)] = []
        for (slot, set) in sets.enumerated() {
            for range in set.ranges {
                events.append((range.lowerBound, slot))
                if range.upperBound < domain.upperBound { events.append((range.upperBound + 1, slot)) }
            }
        }
        events.sort { $0.position < $1.position }
        return events
    }

    /// How many segments each set spans: one per interval, plus one per boundary inside it.
    private static func segmentSpans(_ sets: [ValueSet], events: [(position: UInt128, slot: Int)]) -> [Int] {
        var boundaries = events.map(\.position)
        boundaries.removeDuplicates()
        func boundariesUpTo(_ value: UInt128) -> Int {
            var low = 0
            var high = boundaries.count
            while low < high {
                let middle = (low + high) >> 1
                if boundaries[middle] <= value { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return sets.map { set in
            set.ranges.reduce(0) { $0 + 1 + boundariesUpTo($1.upperBound) - boundariesUpTo($1.lowerBound) }
        }
    }

    /// Sweeps `domain` through `events`: a segment starts wherever the listed rules change.
    /// Where more than `listLimit` rules cover a position, the widest (by `spans`) overflow.
    private static func segments(
        _ events: [(position: UInt128, slot: Int)], domain: ClosedRange<UInt128>, rules: [Int], spans: [Int]
    ) -> (starts: [UInt128], listStarts: [Int32], members: [Int32], overflowing: [Int]) {
        // The slots covering the current position, ascending (slot order is rule order). A
        // set's intervals never touch, so each event toggles its slot exactly.
        var active: [Int] = []
        var starts: [UInt128] = []
        var listStarts: [Int32] = [0]
        var members: [Int32] = []
        var overflow = [Bool](repeating: false, count: rules.count)
        var previous: ArraySlice<Int>? = nil
        var next = 0
        var position = domain.lowerBound
        while true {
            while next < events.count, events[next].position == position {
                let slot = events[next].slot
                var low = 0
                var high = active.count
                while low < high {
                    let middle = (low + high) >> 1
                    if active[middle] < slot { low = middle + 1 } else { high = middle }
                }
                if low < active.count, active[low] == slot { active.remove(at: low) } else { active.insert(slot, at: low) }
                next += 1
            }
            let listed = active.prefix(listLimit)
            if previous != listed {
                starts.append(position)
                members += listed.map { Int32(rules[$0]) }
                listStarts.append(Int32(members.count))
                previous = listed
            }
            if active.count > listLimit {
                // Too many rules here: the widest leave (a wide network over many host rules
                // leaves; the hosts stay), later rules first among equals.
                let widestFirst = active.sorted { (spans[$0], $0) > (spans[$1], $1) }
                for slot in widestFirst.prefix(active.count - listLimit) { overflow[slot] = true }
            }
            guard next < events.count else { break }
            position = events[next].position
        }
        let overflowing = rules.indices.filter { overflow[$0] }.map { rules[$0] }
        return (starts, listStarts, members, overflowing)
    }

    /// Buckets over `starts[1]...starts.last`: about two per segment (at most 65,536), each
    /// the size of a power of two; none for a table of at most 8 segments. Returns the
    /// buckets' lower bound too (see `KeyTable.lower`).
    private static func bucketIndex(_ starts: [UInt128], domain: ClosedRange<UInt128>) -> (buckets: [Int32], lower: UInt128, shift: UInt64) {
        var buckets: [Int32] = []
        var shift: UInt64 = 0
        var lower = domain.lowerBound
        if starts.count > 8, let last = starts.last {
            lower = starts[1]
            let width = last - lower
            let target = UInt128(min(1 << 16, max(64, 2 * starts.count)))
            while (width >> shift) + 1 > target { shift += 1 }
            let bucketCount = Int(width >> shift) + 1
            buckets.reserveCapacity(bucketCount + 1)
            var segment = 0
            for bucket in 0..<bucketCount {
                let value = lower + UInt128(bucket) << shift
                while segment + 1 < starts.count, starts[segment + 1] <= value { segment += 1 }
                buckets.append(Int32(segment))
            }
            buckets.append(Int32(starts.count - 1))
        }
        return (buckets, lower, shift)
    }

    /// The index of the first rule that matches `packet`, or nil. Allocates nothing.
    func firstMatch(_ packet: PacketFields) -> Int? {
        var best = firstCatchAll
        if let fallback, let local = fallback.firstMatch(packet) {
            best = min(best, Int(fallbackRules[local]))
        }
        if !tables.isEmpty {
            best = withUnsafeTemporaryAllocation(of: UInt128.self, capacity: Field.allCases.count) { keys in
                for field in Field.allCases {
                    keys[field.rawValue] = switch field {
                    case .inInterface: interfaces.code(packet.inInterface)
                    case .outInterface: interfaces.code(packet.outInterface)
                    default: packet.key(field)
                    }
                }
                return firstFiledMatch(UnsafeBufferPointer(keys), before: best)
            }
        }
        return best == Int.max ? nil : best
    }

    /// The first filed rule before `bound` that matches the packet whose field values are
    /// `keys` (indexed by `Field.rawValue`), or `bound`.
    private func firstFiledMatch(_ keys: UnsafeBufferPointer<UInt128>, before bound: Int) -> Int {
        var best = bound
        tables.withUnsafeBufferPointer { tables in
            ruleConditions.withUnsafeBufferPointer { ruleConditions in
                conditions.withUnsafeBufferPointer { conditions in
                    ranges.withUnsafeBufferPointer { ranges in
                        for table in tables {
                            let segment = table.segment(of: keys[table.field.rawValue])
                            table.listStarts.withUnsafeBufferPointer { listStarts in
                                table.members.withUnsafeBufferPointer { members in
                                    candidates: for position in Int(listStarts[segment])..<Int(listStarts[segment + 1]) {
                                        let rule = Int(members[position])
                                        if rule >= best { break }
                                        for condition in conditions[Int(ruleConditions[rule])..<Int(ruleConditions[rule + 1])] {
                                            let value = keys[Int(condition.field)]
                                            let first = Int(condition.firstRange)
                                            if !Self.contains(value, ranges[first..<first + Int(condition.rangeCount)]) { continue candidates }
                                        }
                                        best = rule
                                        break
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    /// Whether `value` lies in one of `ranges` (sorted, disjoint): a scan for a few, a
    /// binary search for many.
    @inline(__always)
    private static func contains(_ value: UInt128, _ ranges: Slice<UnsafeBufferPointer<ClosedRange<UInt128>>>) -> Bool {
        if ranges.count <= 4 {
            for range in ranges where range.contains(value) { return true }
            return false
        }
        var low = ranges.startIndex
        var high = ranges.endIndex
        while low < high {
            let middle = (low + high) >> 1
            if ranges[middle].upperBound < value { low = middle + 1 } else { high = middle }
        }
        return low < ranges.endIndex && ranges[low].lowerBound <= value
    }
}
