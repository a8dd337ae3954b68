/// The bitset index: per-field interval tables of rule bitsets. `RuleIndex` hands
/// it the rules that overlap too heavily to be filed under a key field; it works for any rules,
/// but its cost grows with the number it holds (a 64-rule word per AND step).
///
/// For each field some rule constrains, the field's domain is cut at every boundary of every
/// rule's value set into segments; within a segment, the same rules match. Each segment points
/// to a bitset (bit i = rule i accepts values of this segment); identical bitsets are stored once.
/// To judge a packet: for each field, binary-search its value's segment (log of the number of
/// boundaries), then AND the fields' bitsets and take the lowest set bit — the first rule that
/// matches on every field, which is exactly first-match. The AND is walked from the lowest word
/// up and stops at the first non-zero word; a second level of bitsets ("which words are
/// non-zero") skips runs of words in which some field matches no rule, so a packet that only
/// a few rules could match touches a few words, not `rules / 64` of them.
///
/// Per packet this allocates nothing: the segment of each field is kept in stack scratch
/// (`withUnsafeTemporaryAllocation`), and everything else is read from immutable arrays.
struct BitsetIndex: Sendable {
    /// One constrained field's table.
    struct FieldTable: Sendable {
        let field: Field
        /// Segment lower bounds, ascending; `starts[0]` is the domain's lower bound.
        let starts: [UInt128]
        /// The bitset class of each segment.
        let classes: [Int32]
        /// Class `c`'s bitset is `words[c * wordCount ..< (c + 1) * wordCount]`.
        let words: [UInt64]
        /// Class `c`'s summary (bit w set when word w is non-zero) is
        /// `summaries[c * summaryCount ..< (c + 1) * summaryCount]`.
        let summaries: [UInt64]

        /// The class of the segment holding `value`: the last start ≤ value.
        @inline(__always)
        func classOf(_ value: UInt128) -> Int {
            Int(classes[starts.lastIndex(atMost: value, in: 0..<starts.count)])
        }
    }

    let ruleCount: Int
    let wordCount: Int
    let summaryCount: Int
    let tables: [FieldTable]
    let interfaces: InterfaceTable

    init(_ rules: [Rule]) {
        let wordCount = max(1, (rules.count + 63) / 64)
        let summaryCount = (wordCount + 63) / 64
        let interfaces = InterfaceTable(rules)
        ruleCount = rules.count
        self.wordCount = wordCount
        self.summaryCount = summaryCount
        self.interfaces = interfaces
        let spaces = rules.map { interfaces.space($0.match) }
        var tables: [FieldTable] = []
        for field in Field.allCases {
            let domain = interfaces.domain(of: field)
            let full = ValueSet([domain])
            guard spaces.contains(where: { $0[field.rawValue] != full }) else { continue }
            tables.append(Self.table(field, domain: domain, sets: spaces.map { $0[field.rawValue] }, wordCount: wordCount, summaryCount: summaryCount))
        }
        // Most selective first: the field cut into the most segments usually matches the
        // fewest rules per segment, so the word-by-word AND reaches zero soonest.
        self.tables = tables.sorted { $0.starts.count > $1.starts.count }
    }

    /// Sweeps the boundaries of every rule's set in order, toggling each rule's bit where its
    /// intervals start and end (a set's intervals never touch, so toggling is exact).
    private static func table(_ field: Field, domain: ClosedRange<UInt128>, sets: [ValueSet], wordCount: Int, summaryCount: Int) -> FieldTable {
        var events: [(position: UInt128, rule: Int)] = []
        for (rule, set) in sets.enumerated() {
            for range in set.ranges {
                events.append((range.lowerBound, rule))
                if range.upperBound < domain.upperBound { events.append((range.upperBound + 1, rule)) }
            }
        }
        events.sort { $0.position < $1.position }
        var current = [UInt64](repeating: 0, count: wordCount)
        var starts: [UInt128] = []
        var classes: [Int32] = []
        var classIDs: [[UInt64]: Int32] = [:]
        var words: [UInt64] = []
        var summaries: [UInt64] = []
        var next = 0
        var position = domain.lowerBound
        while true {
            while next < events.count, events[next].position == position {
                current[events[next].rule >> 6] ^= 1 << UInt64(events[next].rule & 63)
                next += 1
            }
            let id: Int32
            if let known = classIDs[current] {
                id = known
            } else {
                id = Int32(classIDs.count)
                classIDs[current] = id
                words += current
                var summary = [UInt64](repeating: 0, count: summaryCount)
                for (index, word) in current.enumerated() where word != 0 {
                    summary[index >> 6] |= 1 << UInt64(index & 63)
                }
                summaries += summary
            }
            if classes.last != id {
                starts.append(position)
                classes.append(id)
            }
            guard next < events.count else { break }
            position = events[next].position
        }
        return FieldTable(field: field, starts: starts, classes: classes, words: words, summaries: summaries)
    }

    /// The index of the first rule that matches `packet`, or nil. Allocates nothing.
    ///
    /// Works on unsafe buffers of the immutable arrays: reading `tables[i].words[j]` in the
    /// inner loop would copy the table struct and retain its arrays on every access.
    func firstMatch(_ packet: PacketFields) -> Int? {
        guard ruleCount > 0 else { return nil }
        guard !tables.isEmpty else { return 0 }  // every rule is a catch-all
        let fieldCount = tables.count
        return tables.withUnsafeBufferPointer { tables in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * fieldCount) { offsets -> Int? in
                // offsets[i]: where field i's bitset starts in its `words`; offsets[n + i]: its summary.
                for index in 0..<fieldCount {
                    let table = tables[index]
                    let value: UInt128 = switch table.field {
                    case .inInterface: interfaces.code(packet.inInterface)
                    case .outInterface: interfaces.code(packet.outInterface)
                    default: packet.key(table.field)
                    }
                    let classID = table.classOf(value)
                    offsets[index] = classID * wordCount
                    offsets[fieldCount + index] = classID * summaryCount
                }
                for summary in 0..<summaryCount {
                    var candidates = UInt64.max
                    for index in 0..<fieldCount {
                        candidates &= tables[index].summaries.withUnsafeBufferPointer { $0[offsets[fieldCount + index] + summary] }
                    }
                    while candidates != 0 {
                        let word = summary << 6 | candidates.trailingZeroBitCount
                        // Fields go most selective first, so most words die after one or two.
                        var matching = UInt64.max
                        var index = 0
                        while matching != 0, index < fieldCount {
                            matching &= tables[index].words.withUnsafeBufferPointer { $0[offsets[index] + word] }
                            index += 1
                        }
                        if matching != 0 { return word << 6 | matching.trailingZeroBitCount }
                        candidates &= candidates - 1
                    }
                }
                return nil
            }
        }
    }
}
