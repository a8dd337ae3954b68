/// Interface names numbered for one ruleset: 1...count for the names its rules mention, 0 for
/// any other name and for "no interface". Turns `in`/`out` into numeric sets like every field.
struct InterfaceTable: Sendable {
    let codes: [InterfaceName: UInt128]
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
        codes = Dictionary(uniqueKeysWithValues: self.names.enumerated().map { ($0.element, UInt128($0.offset + 1)) })
    }

    var domain: ClosedRange<UInt128> { 0...UInt128(codes.count) }

    /// The code of a packet's interface: binary search over the sorted names.
    @inline(__always)
    func code(_ name: InterfaceName?) -> UInt128 {
        guard let name else { return 0 }
        return names.withUnsafeBufferPointer { names in
            var low = 0
            var high = names.count
            while low < high {
                let middle = (low + high) >> 1
                if names[middle] < name { low = middle + 1 } else { high = middle }
            }
            return low < names.count && names[low] == name ? UInt128(low + 1) : 0
        }
    }

    func values(_ set: InterfaceSet) -> ValueSet {
        let named = ValueSet(set.names.compactMap { codes[$0] }.map { $0...$0 })
        return set.negated ? named.complement(in: domain) : named
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
