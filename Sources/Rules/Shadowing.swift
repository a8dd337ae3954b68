/// The "can never match" warnings, computed exactly over the match space.
///
/// A rule matches the product of one set per field (a box whose sides are unions of
/// intervals). A later rule R can never match exactly when R's box lies inside the union of
/// the earlier rules' boxes. We compute R minus each earlier rule in turn — a box minus a box
/// is a union of at most one disjoint box per field — and R is shadowed when nothing is left.
/// Earlier rules that cannot intersect R are skipped by comparing bounding intervals first.
///
/// The work per rule is capped: when more than `overlapLimit` earlier rules overlap R, or R's
/// remainder splits into more than `pieceLimit` boxes, R is given the benefit of the doubt
/// (no warning). So a warning is always exact, and only a rule overlapped by very many earlier
/// rules can escape it; this keeps `check` of 10,000 rules to seconds, not hours.
///
/// The whole analysis is bounded too: comparing a rule with the earlier ones costs one unit
/// per earlier rule, and once `workBudget` units are spent (about 14,000 rules in), the later
/// rules are only checked for the cheap cases (matches nothing, follows a catch-all, duplicates
/// an earlier rule), and one warning at the first of them says that the rest were not
/// analysed. So `check` stays near linear on 100,000 rules, and exact up to the budget.
enum Shadowing {
    static let pieceLimit = 64
    static let overlapLimit = 64
    /// Units of work (one per pair of rules compared) before the analysis stops comparing.
    static let workBudget = 100_000_000

    /// `quickDisproof: false` skips the witness shortcut (for the test that proves it changes
    /// no warning).
    static func analyze(_ rules: [Rule], quickDisproof: Bool = true, workBudget: Int = workBudget) -> [Diagnostic] {
        let table = InterfaceTable(rules)
        var spaces = rules.map { table.space($0.match) }
        var fullSpace = Field.allCases.map { ValueSet([table.domain(of: $0)]) }
        addListDimension(rules, to: &spaces, fullSpace: &fullSpace)
        let bounds = Bounds(spaces)
        var diagnostics: [Diagnostic] = []
        var firstWithSpace: [[ValueSet]: Int] = [:]
        var catchAll: Int?
        var work = 0
        var budgetSpent = false
        for (index, rule) in rules.enumerated() {
            let space = spaces[index]
            func reference(_ other: Int) -> RuleReference {
                let location = rules[other].location
                return RuleReference(line: location.line, file: location.file == rule.location.file ? nil : location.file)
            }
            func warn(_ message: Diagnostic.Message) {
                diagnostics.append(Diagnostic(message, at: rule.location))
            }
            defer {
                if firstWithSpace[space] == nil { firstWithSpace[space] = index }
                if catchAll == nil, space == fullSpace { catchAll = index }
            }
            if let finding = cheapFinding(space, catchAll: catchAll, duplicate: firstWithSpace[space], reference: reference) {
                warn(finding)
                continue
            }
            work += index
            if work > workBudget {
                if !budgetSpent { warn(.shadowingNotAnalyzed(rules: rules.count - index, budget: workBudget)) }
                budgetSpent = true
                continue
            }
            let overlapping = bounds.overlapping(index)
            if quickDisproof, hasUncoveredWitness(space, overlapping: overlapping, spaces: spaces) { continue }
            if let covering = coveringRules(space, overlapping: overlapping, spaces: spaces) {
                warn(.unreachableRule(coveredBy: covering.map(reference), catchAll: false))
            }
        }
        return diagnostics
    }

    /// DNS list conditions (`dns-name`, `dns-response-ip`) are not intervals: the analysis
    /// treats each rule that has one as matching its own slice of one more dimension (rule i
    /// the value i + 1), and a rule without one as matching all of it. So a rule without list
    /// conditions can still hide one with them (exactly: the list only narrows it), but a rule
    /// with list conditions never hides another: never a warning that is not true.
    static func addListDimension(_ rules: [Rule], to spaces: inout [[ValueSet]], fullSpace: inout [ValueSet]) {
        guard rules.contains(where: \.match.hasDNSLists) else { return }
        let domain = 0...UInt128(rules.count)
        for index in rules.indices {
            spaces[index].append(rules[index].match.hasDNSLists ? ValueSet(UInt128(index + 1)) : ValueSet([domain]))
        }
        fullSpace.append(ValueSet([domain]))
    }

    /// The findings that need no comparison with other rules, in the order they are tried: a
    /// field that matches nothing, an earlier catch-all, an earlier rule with the same match.
    private static func cheapFinding(
        _ space: [ValueSet], catchAll: Int?, duplicate: Int?, reference: (Int) -> RuleReference
    ) -> Diagnostic.Message? {
        if space.contains(where: \.isEmpty) { return .matchesNothing }
        if let catchAll { return .unreachableRule(coveredBy: [reference(catchAll)], catchAll: true) }
        if let duplicate { return .duplicateRule(of: reference(duplicate)) }
        return nil
    }

    /// Bounding interval of each rule on each field, flattened for a tight prefilter loop.
    private struct Bounds {
        let fieldCount: Int
        var lows: [UInt128]
        var highs: [UInt128]

        init(_ spaces: [[ValueSet]]) {
            let fieldCount = spaces.first?.count ?? Field.allCases.count
            self.fieldCount = fieldCount
            lows = [UInt128](repeating: 0, count: spaces.count * fieldCount)
            highs = [UInt128](repeating: 0, count: spaces.count * fieldCount)
            for (index, space) in spaces.enumerated() {
                for (field, set) in space.enumerated() {
                    lows[index * fieldCount + field] = set.ranges.first?.lowerBound ?? 1
                    highs[index * fieldCount + field] = set.ranges.last?.upperBound ?? 0
                }
            }
        }

        /// The rules before `index` whose bounding box meets that of rule `index`.
        func overlapping(_ index: Int) -> [Int] {
            (0..<index).filter { other in
                lows.withUnsafeBufferPointer { lows in
                    highs.withUnsafeBufferPointer { highs in
                        for field in 0..<fieldCount {
                            let a = index * fieldCount + field
                            let b = other * fieldCount + field
                            if highs[b] < lows[a] || highs[a] < lows[b] { return false }
                        }
                        return true
                    }
                }
            }
        }
    }

    /// A quick disproof before the costly one: a packet of the rule that no earlier rule
    /// matches means the rule can match. Most rules that overlap others are settled here, by
    /// one of a few corner and middle packets of their box.
    private static func hasUncoveredWitness(_ space: [ValueSet], overlapping: [Int], spaces: [[ValueSet]]) -> Bool {
        witnesses(space).contains { point in
            !overlapping.contains { other in zip(point, spaces[other]).allSatisfy { $1.contains($0) } }
        }
    }

    /// The earlier rules that together cover all of `space` (those that took a piece of it),
    /// or nil when some of it is left, or when the work cap (`pieceLimit`, `overlapLimit`)
    /// is reached first.
    private static func coveringRules(_ space: [ValueSet], overlapping: [Int], spaces: [[ValueSet]]) -> [Int]? {
        var remaining = [space]
        var covering: [Int] = []
        for other in overlapping {
            var next: [[ValueSet]] = []
            var touched = false
            for piece in remaining {
                guard zip(piece, spaces[other]).allSatisfy({ $0.intersects($1) }) else {
                    next.append(piece)
                    continue
                }
                touched = true
                next += subtract(spaces[other], from: piece)
            }
            if touched { covering.append(other) }
            remaining = next
            if remaining.isEmpty || remaining.count > pieceLimit || covering.count > overlapLimit { break }
        }
        return remaining.isEmpty ? covering : nil
    }

    /// A few packets inside `box` (one value per field): its lowest corner, its highest, the
    /// middle of each field's first interval, and two corners mixing low and high values.
    static func witnesses(_ box: [ValueSet]) -> [[UInt128]] {
        let low = box.map { $0.ranges.first?.lowerBound ?? 0 }
        let high = box.map { $0.ranges.last?.upperBound ?? 0 }
        let middle = box.map { set in set.ranges.first.map { $0.lowerBound + ($0.upperBound - $0.lowerBound) / 2 } ?? 0 }
        let mixed = box.indices.map { $0 % 2 == 0 ? low[$0] : high[$0] }
        let otherMixed = box.indices.map { $0 % 2 == 0 ? high[$0] : low[$0] }
        return [low, high, middle, mixed, otherMixed]
    }

    /// `box` minus `other`, as disjoint boxes: for each field in turn, the part of `box` outside
    /// `other` on that field and inside it on every earlier field.
    static func subtract(_ other: [ValueSet], from box: [ValueSet]) -> [[ValueSet]] {
        var inside: [ValueSet] = []
        inside.reserveCapacity(box.count)
        for field in box.indices {
            let common = box[field].intersection(other[field])
            if common.isEmpty { return [box] }
            inside.append(common)
        }
        var pieces: [[ValueSet]] = []
        var prefix = box
        for field in box.indices {
            let outside = box[field].subtracting(other[field])
            if !outside.isEmpty {
                var piece = prefix
                piece[field] = outside
                pieces.append(piece)
            }
            prefix[field] = inside[field]
        }
        return pieces
    }
}
