import Wire

/// What the checker remembers about DNS across statements.
struct DNSCheckState {
    /// The name lists the loader read, by `LoadedSyntax.nameListKey`.
    var loadedLists: [String: NameSet] = [:]
    /// Line of the `inspect dns` directive, once seen.
    var inspectLine: Int?
    /// `set NAME = file "PATH"` sets: their list in `DNSRules.nameLists`.
    var fileSets: [String: Int] = [:]
    /// Inline name lists already built, by their sorted names, so equal lists share one.
    var inlineLists: [[String]: Int] = [:]
    /// Address lists already built.
    var addressLists: [ValueSet: Int] = [:]
    /// Rules with a DNS match, for the error when no `inspect dns` is given.
    var rulesNeedingInspect: [(keyword: Keyword, file: String, position: SourcePosition)] = []
    var tooManyListsReported = false
}

extension CheckerState {
    /// `inspect dns [port LIST] [opcode LIST]`: once per ruleset.
    mutating func checkInspect(_ inspect: InspectDNSSyntax) {
        if let line = dnsState.inspectLine {
            return report(.duplicateInspect(firstLine: line), at: inspect.range.start)
        }
        dnsState.inspectLine = inspect.range.start.line
        var inspection = DNSInspection()
        if let ports = inspect.ports, let set = values(ports, .port) { inspection.ports = set }
        if let opcodes = inspect.opcodes {
            var allowed: UInt16 = 1
            for item in expand(opcodes) {
                if let value = dnsNumber(item, .dnsOpcode, names: DNSNames.opcodes) { allowed |= 1 << value }
            }
            inspection.options = DNS.Options(allowedOpcodes: allowed)
        }
        result.dns.inspection = inspection
    }

    /// `set NAME = file "PATH"`: the list the loader read becomes one of the program's lists.
    mutating func defineNameList(_ set: SetSyntax) {
        let name = set.name.value
        sets[name] = DefinedSet(items: [], location: SourceLocation(file: file, position: set.name.range.start))
        setOrder.append(name)
        // A list that could not be read was reported by the loader; the set stays empty.
        guard let list = dnsState.loadedLists[LoadedSyntax.nameListKey(file: file, set: name)] else { return }
        if let index = addList(list, at: set.range.start) { dnsState.fileSets[name] = index }
    }

    /// `dns-name`, `dns-type`, `dns-rcode`, `dns-response-ip` into `match`; false when invalid
    /// (reported).
    mutating func resolveDNS(
        _ keyword: Keyword, _ list: ListSyntax, at position: SourcePosition, proto: IPProtocol?, into match: inout RuleMatch
    ) -> Bool {
        dnsState.rulesNeedingInspect.append((keyword, file, position))
        var valid = true
        if proto != .udp {
            report(.dnsNeedsUDP(keyword), at: position)
            valid = false
        }
        switch keyword {
        case .dnsType, .dnsRCode:
            let isType = keyword == .dnsType
            let context: Diagnostic.Message.ItemContext = isType ? .dnsType : .dnsRCode
            var ranges: [ClosedRange<UInt128>] = []
            for item in expand(list) {
                guard let value = dnsNumber(item, context, names: isType ? DNSNames.types : DNSNames.rcodes) else {
                    valid = false
                    continue
                }
                ranges.append(UInt128(value)...UInt128(value))
            }
            let domain = 0...UInt128(context.maximum)
            let set = list.negation == nil ? ValueSet(ranges) : ValueSet(ranges).complement(in: domain)
            match[isType ? .dnsType : .dnsRCode] = set
        case .dnsResponseIP:
            guard let set = values(ListSyntax(items: list.items, range: list.range), .address) else { return false }
            guard let index = addressList(set, at: position) else { return false }
            match.dnsAddresses = DNSListCondition(list: index, negated: list.negation != nil)
        default:
            guard let index = nameList(list) else { return false }
            match.dnsNames = DNSListCondition(list: index, negated: list.negation != nil)
        }
        return valid
    }

    /// A type, RCODE or opcode: a name of `names` (any case) or a number within the context.
    private mutating func dnsNumber(
        _ item: ItemSyntax, _ context: Diagnostic.Message.ItemContext, names: [(name: String, value: UInt16)]
    ) -> UInt16? {
        switch item.kind {
        case .name(let name):
            guard let value = DNSNames.value(of: name, in: names) else {
                report(.unknownName(context, name), at: item.range.start)
                return nil
            }
            return value
        case .range(let low, let high) where low == high:
            guard low <= context.maximum else {
                report(.valueOutOfRange(context, low), at: item.range.start)
                return nil
            }
            return UInt16(low)
        case .variable:
            return nil  // undefined, already reported
        default:
            report(.wrongItem(expected: context, found: Self.describe(item)), at: item.range.start)
            return nil
        }
    }

    /// The list a `dns-name` names: one file set alone, or inline names and sets of names.
    private mutating func nameList(_ list: ListSyntax) -> Int? {
        if list.items.count == 1, case .variable(let name) = list.items[0].kind, let index = dnsState.fileSets[name] {
            sets[name]?.used = true
            return index
        }
        var names: [String] = []
        var valid = true
        for item in expand(list) {
            guard case .name(let text) = item.kind else {
                if case .variable = item.kind { valid = false; continue }  // already reported
                report(.wrongItem(expected: .dnsName, found: Self.describe(item)), at: item.range.start)
                valid = false
                continue
            }
            var copy = text
            var probe = NameSet()
            guard copy.withUTF8({ probe.insert(text: $0) }) else {
                report(.invalidDNSName(text), at: item.range.start)
                valid = false
                continue
            }
            names.append(text.lowercased())
        }
        guard valid else { return nil }
        names.sort()
        if let index = dnsState.inlineLists[names] { return index }
        guard let set = NameSet(names), let index = addList(set, at: list.range.start) else { return nil }
        dnsState.inlineLists[names] = index
        return index
    }

    private mutating func addList(_ set: NameSet, at position: SourcePosition) -> Int? {
        guard result.dns.nameLists.count < DNSRules.maximumLists else {
            reportTooManyLists(at: position)
            return nil
        }
        result.dns.nameLists.append(set)
        return result.dns.nameLists.count - 1
    }

    private mutating func addressList(_ set: ValueSet, at position: SourcePosition) -> Int? {
        if let index = dnsState.addressLists[set] { return index }
        guard result.dns.addressLists.count < DNSRules.maximumLists else {
            reportTooManyLists(at: position)
            return nil
        }
        result.dns.addressLists.append(set)
        dnsState.addressLists[set] = result.dns.addressLists.count - 1
        return result.dns.addressLists.count - 1
    }

    private mutating func reportTooManyLists(at position: SourcePosition) {
        if !dnsState.tooManyListsReported { report(.tooManyDNSLists(limit: DNSRules.maximumLists), at: position) }
        dnsState.tooManyListsReported = true
    }

    /// A DNS match without `inspect dns` anywhere in the ruleset is an error at the match.
    mutating func finishDNS() {
        guard dnsState.inspectLine == nil else { return }
        let current = file
        for need in dnsState.rulesNeedingInspect {
            file = need.file
            report(.dnsNeedsInspect(need.keyword), at: need.position)
        }
        file = current
    }
}
