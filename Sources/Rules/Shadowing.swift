/// Interface names numbered for one ruleset: 1...count for the names its rules mention, 0 for
/// any other name and for "no interface". Turns `in`/`out` into numeric sets like every field.
struct InterfaceTable: Sendable {
    let codes: [InterfaceName: UInt64]
    /// The same names in code order (code i + 1 at index i), for a lookup per packet that
    /// hashes nothing.
    private let names: [InterfaceName]

    init(_ rules: [Rule]) {
        var names = Set<InterfaceName>()
        for rule in rules {
            names.formUnion(rule.match.inInterfaces?.names ?? [])
            names.formUnion(rule.match.outInterfaces?.names ?? [])
        }
        self.names = names.sorted()
        codes = Dictionary(uniqueKeysWithValues: self.names.enumerated().map { ($0.element, UInt64($0.offset + 1)) })
    }

    var domain: ClosedRange<UInt64> { 0...UInt64(codes.count) }

    /// The code of a packet's interface: binary search over the sorted names.
    @inline(__always)
    func code(_ name: InterfaceName?) -> UInt64 {
        guard let name else { return 0 }
        return names.withUnsafeBufferPointer { names in
            var low = 0
            var high = names.count
            while low < high {
                let middle = (low + high) >> 1
                if names[middle] < name { low = middle + 1 } else { high = middle }
            }
            return low < names.count && names[low] == name ? UInt64(low + 1) : 0
        }
    }

    func values(_ set: InterfaceSet) -> ValueSet {
        let named = ValueSet(set.names.compactMap { codes[$0] }.map { $0...$0 })
        return set.negated ? named.complement(in: domain) : named
    }

    func domain(of field: Field) -> ClosedRange<UInt64> {
        field == .inInterface || field == .outInterface ? domain : field.domain
    }

    /// A rule's match as one set per field, the unconstrained ones as their whole domain: the
    /// rule matches exactly the packets in the product of these sets.
    func space(_ match: RuleMatch) -> [ValueSet] {
        Field.allCases.map { field in
            switch field {
            case .inInterface: match.inInterfaces.map(values) ?? ValueSet([domain])
            case .outInterface: match.outInterfaces.map(values) ?? ValueSet([domain])
            default: match[field] ?? ValueSet([field.domain])
            }
        }
    }
}

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
        let spaces = rules.map { table.space($0.match) }
        let fullSpace = Field.allCases.map { ValueSet([table.domain(of: $0)]) }
        // Bounding interval of each rule on each field, flattened for a tight prefilter loop.
        let fieldCount = Field.allCases.count
        var lows = [UInt64](repeating: 0, count: rules.count * fieldCount)
        var highs = [UInt64](repeating: 0, count: rules.count * fieldCount)
        for (index, space) in spaces.enumerated() {
            for (field, set) in space.enumerated() {
                lows[index * fieldCount + field] = set.ranges.first?.lowerBound ?? 1
                highs[index * fieldCount + field] = set.ranges.last?.upperBound ?? 0
            }
        }
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
            if space.contains(where: \.isEmpty) {
                warn(.matchesNothing)
                continue
            }
            if let catchAll {
                warn(.unreachableRule(coveredBy: [reference(catchAll)], catchAll: true))
                continue
            }
            if let duplicate = firstWithSpace[space] {
                warn(.duplicateRule(of: reference(duplicate)))
                continue
            }
            work += index
            if work > workBudget {
                if !budgetSpent { warn(.shadowingNotAnalyzed(rules: rules.count - index, budget: workBudget)) }
                budgetSpent = true
                continue
            }
            var remaining = [space]
            var covering: [Int] = []
            let overlapping = (0..<index).filter { other in
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
            // A quick disproof before the costly one: a packet of the rule that no earlier
            // rule matches means the rule can match. Most rules that overlap others are
            // settled here, by one of a few corner and middle packets of their box.
            if quickDisproof, witnesses(space).contains(where: { point in
                !overlapping.contains { other in zip(point, spaces[other]).allSatisfy { $1.contains($0) } }
            }) {
                continue
            }
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
            if remaining.isEmpty {
                warn(.unreachableRule(coveredBy: covering.map(reference), catchAll: false))
            }
        }
        return diagnostics
    }

    /// A few packets inside `box` (one value per field): its lowest corner, its highest, the
    /// middle of each field's first interval, and two corners mixing low and high values.
    static func witnesses(_ box: [ValueSet]) -> [[UInt64]] {
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
