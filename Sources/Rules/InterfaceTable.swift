/// Interface names numbered for one ruleset, so that `in`/`out` become numeric sets like
/// every field: 1...n for the exact names its rules mention, n+1...n+m for its wildcards
/// (`eth+`), 0 for any other name and for "no interface".
///
/// A packet's name gets the code of that exact name if a rule mentions it, else the code of
/// the longest wildcard it starts with, else 0. Names with the same code match the same
/// sets: a name no rule lists exactly and whose longest wildcard is P matches a set exactly
/// when the set holds a wildcard that P's prefix starts with.
struct InterfaceTable: Sendable {
    let codes: [InterfaceName: UInt128]
    /// The exact names in code order (code i + 1 at index i), for a lookup per packet that
    /// hashes nothing.
    private let names: [InterfaceName]
    /// The wildcards in code order (code names.count + i + 1 at index i).
    private let wildcards: [InterfaceName]

    init(_ rules: [Rule]) {
        var all = Set<InterfaceName>()
        for rule in rules {
            all.formUnion(rule.match.inInterfaces?.names ?? [])
            all.formUnion(rule.match.outInterfaces?.names ?? [])
        }
        names = all.filter { !$0.isWildcard }.sorted()
        wildcards = all.filter(\.isWildcard).sorted()
        codes = Dictionary(uniqueKeysWithValues: (names + wildcards).enumerated().map { ($0.element, UInt128($0.offset + 1)) })
    }

    var domain: ClosedRange<UInt128> { 0...UInt128(codes.count) }

    /// The code of a packet's interface: binary search over the sorted exact names, then the
    /// longest wildcard that matches. Allocates nothing.
    @inline(__always)
    func code(_ name: InterfaceName?) -> UInt128 {
        guard let name else { return 0 }
        let exact = names.withUnsafeBufferPointer { names in
            var low = 0
            var high = names.count
            while low < high {
                let middle = (low + high) >> 1
                if names[middle] < name { low = middle + 1 } else { high = middle }
            }
            return low < names.count && names[low] == name ? UInt128(low + 1) : 0
        }
        guard exact == 0, !wildcards.isEmpty else { return exact }
        return wildcardCode(name)
    }

    private func wildcardCode(_ name: InterfaceName) -> UInt128 {
        wildcards.withUnsafeBufferPointer { wildcards in
            var best = 0
            var bestLength = -1
            for index in wildcards.indices where wildcards[index].matches(name) {
                let length = wildcards[index].length
                if length > bestLength {
                    best = names.count + index + 1
                    bestLength = length
                }
            }
            return UInt128(best)
        }
    }

    func values(_ set: InterfaceSet) -> ValueSet {
        var named = set.names.compactMap { codes[$0] }.map { $0...$0 }
        // Without a wildcard in the set, its names' own codes are all (the usual, cheap case:
        // a ruleset of many rules over many interface names stays linear).
        if set.names.contains(where: \.isWildcard) { named += wildcardMembers(set) }
        let values = ValueSet(named)
        return set.negated ? values.complement(in: domain) : values
    }

    /// The codes a set with wildcards holds beyond its names' own.
    private func wildcardMembers(_ set: InterfaceSet) -> [ClosedRange<UInt128>] {
        var named: [ClosedRange<UInt128>] = []
        // A wildcard class P is in the set when a wildcard of the set covers P's prefix.
        for (index, wildcard) in wildcards.enumerated() where !set.names.contains(wildcard) {
            let prefix = wildcard.length - 1
            if set.names.contains(where: { $0.isWildcard && $0.length - 1 <= prefix && wildcard.hasPrefix($0, length: $0.length - 1) }) {
                let code = UInt128(names.count + index + 1)
                named.append(code...code)
            }
        }
        // An exact name is in the set when one of the set's wildcards matches it.
        for (index, name) in names.enumerated() where !set.names.contains(name) {
            if set.names.contains(where: { $0.isWildcard && $0.matches(name) }) {
                named.append(UInt128(index + 1)...UInt128(index + 1))
            }
        }
        return named
    }

    func domain(of field: Field) -> ClosedRange<UInt128> {
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
