import Wire

/// A ruleset after the checker: directives settled, sets expanded, rules resolved to
/// `RuleMatch`es, and every diagnostic (errors and warnings, sorted by file order and line).
public struct CheckedRuleset: Sendable {
    public var policy: Action = .drop
    public var logMode: LogMode = .drops
    /// `nil`: every verdict line is written (`limit none`).
    public var logLimit: LogLimit? = .default
    public var decodeOptions = DecodeOptions()
    public var rules: [Rule] = []
    /// `inspect dns` and the DNS lists (Checker+DNS.swift).
    public var dns = DNSRules()
    public var diagnostics: [Diagnostic] = []
}

/// The consistency pass over a parsed ruleset, like pf's `rule_consistent`: what parses but
/// cannot be meant.
///
/// Errors: a second `policy` or `log`; `port` without tcp/udp, `flags` without tcp, `type`
/// or `code` without icmp; an undefined or redefined `$set`; an item that does not fit where
/// it is used (an address as a port), a value out of range, an unknown name; a source-route
/// IP option. Warnings: host bits set in a network, a reversed range, a set never used, a rule
/// that can never match (its own conditions exclude everything, it duplicates an earlier rule,
/// it follows a catch-all, or earlier rules together cover it: see `Shadowing`).
public enum Checker {
    /// pf's letters for a flags byte (`SA` for 0x12), or `none`.
    static func flagLetters(_ value: UInt8) -> String {
        let letters = String(ParserState.flagLetters.enumerated().filter { value & (1 << $0.offset) != 0 }.map { $0.element })
        return letters.isEmpty ? "none" : letters
    }

    /// Checks one parsed file (its includes are not expanded; see `RulesetLoader`).
    public static func check(_ syntax: RulesetSyntax) -> [Diagnostic] {
        check(syntax.statements.map { LocatedStatement(file: syntax.file, statement: $0) }).diagnostics
    }

    /// Checks and resolves statements in evaluation order. `shadowing: false` leaves out the
    /// exact shadowing analysis (the "can never match" warnings), the one pass whose cost grows
    /// faster than the ruleset (up to its work budget, see `Shadowing`): `run` and its reloads
    /// need errors, not warnings.
    /// A list that expands past `limits.maximumListItems`, or all lists together past
    /// `limits.maximumExpandedItems`, is an error at the `$set` that crossed the limit; the
    /// expansion stops there, so sets that double each other cost no more than the limit.
    /// Port names (`port ssh`) are looked up in `services`.
    public static func check(
        _ statements: [LocatedStatement], shadowing: Bool = true, limits: RulesetLimits = .standard,
        services: ServiceTable = ServiceTable(), nameLists: [String: NameSet] = [:]
    ) -> CheckedRuleset {
        var state = CheckerState(limits: limits)
        state.dnsState.loadedLists = nameLists
        state.analyzeShadowing = shadowing
        state.services = services
        var files = Set<String>()
        for located in statements {
            state.file = located.file
            if files.insert(located.file).inserted { state.fileOrder.append(located.file) }
            state.check(located.statement)
        }
        state.finish()
        return state.result
    }
}

/// A named set: its items with `$names` already expanded, and whether a rule used it.
struct DefinedSet {
    var items: [ItemSyntax]
    var location: SourceLocation
    var used = false
}

struct CheckerState {
    let limits: RulesetLimits
    var result = CheckedRuleset()
    /// Items produced by expanding `$sets` so far, against `limits.maximumExpandedItems`.
    var expandedItems = 0
    var expansionLimitReported = false
    var analyzeShadowing = true
    var file = ""
    var fileOrder: [String] = []
    var policyLine: Int?
    var logLine: Int?
    var sets: [String: DefinedSet] = [:]
    var setOrder: [String] = []
    var options = DecodeOptions()
    var services = ServiceTable()
    /// The protocol of the rule being resolved (port names depend on it), and what its port
    /// names stood for (`Rule.notes`, shown by `explain`).
    var ruleProto: IPProtocol?
    var ruleNotes: [String] = []
    var dnsState = DNSCheckState()

    /// Errors and warnings reported so far in each file, against `limits.maximumErrorsPerFile`.
    var reported: [String: (errors: Int, warnings: Int)] = [:]

    /// Adds a diagnostic in the current file; past `limits.maximumErrorsPerFile` errors (or
    /// as many warnings) in one file, one more says so and the rest are dropped, so that a
    /// long list of bad items cannot turn into gigabytes of messages.
    mutating func report(_ message: Diagnostic.Message, at position: SourcePosition) {
        let limit = limits.maximumErrorsPerFile
        var counts = reported[file, default: (0, 0)]
        let count: Int
        if message.severity == .error {
            counts.errors += 1
            count = counts.errors
        } else {
            counts.warnings += 1
            count = counts.warnings
        }
        reported[file] = counts
        guard count <= limit + 1 else { return }
        let shown: Diagnostic.Message = count <= limit ? message
            : message.severity == .error ? .tooManyErrors(limit: limit) : .tooManyWarnings(limit: limit)
        result.diagnostics.append(Diagnostic(shown, at: SourceLocation(file: file, position: position)))
    }

    mutating func check(_ statement: StatementSyntax) {
        switch statement {
        case .policy(let policy):
            if let policyLine {
                report(.duplicateDirective(.policy, firstLine: policyLine), at: policy.range.start)
            } else {
                policyLine = policy.range.start.line
                result.policy = policy.action.value
            }
        case .log(let log):
            if let logLine {
                report(.duplicateDirective(.log, firstLine: logLine), at: log.range.start)
            } else {
                logLine = log.range.start.line
                result.logMode = log.mode.value
                if let limit = log.limit { result.logLimit = limit.value.limit }
            }
        case .set(let set):
            define(set)
        case .include:
            break  // expanded by RulesetLoader before checking
        case .acceptFragments:
            result.decodeOptions.allowFragments = true
        case .acceptIPOptions(let list, _):
            for item in expand(list) {
                guard let value = optionType(item) else { continue }
                result.decodeOptions.allowedIPOptionTypes.insert(value)
            }
        case .acceptIPv6Headers(let list, _):
            acceptIPv6Headers(list)
        case .rule(let syntax):
            if let rule = resolve(syntax) { result.rules.append(rule) }
        case .inspectDNS(let inspect):
            checkInspect(inspect)
        }
    }

    mutating func define(_ set: SetSyntax) {
        let name = set.name.value
        if let existing = sets[name] {
            report(.setRedefined(name, firstLine: existing.location.line), at: set.name.range.start)
            return
        }
        if set.file != nil { return defineNameList(set) }
        if let negation = set.items.negation {
            report(.negationInsideList, at: negation.start)
        }
        var items = expand(set.items)
        // An undefined or broken set inside (already reported) leaves this one empty too, so
        // that a list over a limit is not copied on by the sets built from it.
        if items.contains(where: { if case .variable = $0.kind { true } else { false } }) { items = [] }
        sets[name] = DefinedSet(items: items, location: SourceLocation(file: file, position: set.name.range.start))
        setOrder.append(name)
    }

    init(limits: RulesetLimits) {
        self.limits = limits
    }

    /// The list's items with every `$name` replaced by the set's items; an undefined name is
    /// reported, and replaced by an item no context accepts silently. A list that would break
    /// an expansion limit is reported and becomes that one silent item (before anything is
    /// copied), so its uses add neither errors nor memory.
    mutating func expand(_ list: ListSyntax) -> [ItemSyntax] {
        guard list.items.count <= limits.maximumListItems else {
            report(.listTooLarge(limit: limits.maximumListItems), at: list.range.start)
            return [ItemSyntax(kind: .variable(""), range: list.range)]
        }
        var items: [ItemSyntax] = []
        for item in list.items {
            guard case .variable(let name) = item.kind else {
                items.append(item)
                continue
            }
            guard sets[name] != nil else {
                report(.undefinedSet(name), at: item.range.start)
                items.append(ItemSyntax(kind: .variable(name), range: item.range))
                continue
            }
            sets[name]!.used = true
            if dnsState.fileSets[name] != nil {
                report(.nameListMixed, at: item.range.start)
                items.append(ItemSyntax(kind: .variable(name), range: item.range))
                continue
            }
            let count = sets[name]!.items.count
            // A set whose definition had an error (no items) poisons the list silently.
            if count == 0 { items.append(ItemSyntax(kind: .variable(name), range: item.range)) }
            guard items.count + count <= limits.maximumListItems else {
                report(.listTooLarge(limit: limits.maximumListItems), at: item.range.start)
                return [ItemSyntax(kind: .variable(name), range: item.range)]
            }
            guard expandedItems + count <= limits.maximumExpandedItems else {
                if !expansionLimitReported { report(.expansionTooLarge(limit: limits.maximumExpandedItems), at: item.range.start) }
                expansionLimitReported = true
                return [ItemSyntax(kind: .variable(name), range: item.range)]
            }
            expandedItems += count
            items += sets[name]!.items
        }
        return items
    }

    mutating func finish() {
        for name in setOrder where sets[name]?.used == false {
            let set = sets[name]!
            result.diagnostics.append(Diagnostic(.unusedSet(name), at: set.location))
        }
        finishDNS()
        if analyzeShadowing { result.diagnostics += Shadowing.analyze(result.rules) }
        if let warning = result.igmpWithoutRouterAlert() { result.diagnostics.append(warning) }
        result.diagnostics += StatelessReplies.analyze(result.rules)
        result.diagnostics = Diagnostic.sorted(result.diagnostics, fileOrder: fileOrder)
    }

    // MARK: Rules

    mutating func resolve(_ syntax: RuleSyntax) -> Rule? {
        var match = RuleMatch()
        let proto = syntax.proto.proto
        ruleProto = proto
        ruleNotes = []
        if let proto { match[.proto] = ValueSet(UInt128(proto.rawValue)) }
        let endpointsValid = resolveEndpoints(syntax, proto: proto, into: &match)
        let optionsValid = resolveOptions(syntax.options, proto: proto, into: &match)
        let innerValid = syntax.inner.map { resolveInner($0, outer: proto, into: &match) } ?? true
        guard endpointsValid && optionsValid && innerValid, resolveFamily(syntax, into: &match) else { return nil }
        var rule = Rule(
            action: syntax.action.value, log: syntax.log != nil, match: match, label: syntax.label?.value,
            location: SourceLocation(file: file, position: syntax.range.start))
        rule.notes = ruleNotes
        return rule
    }

    /// The source and destination addresses and ports into `match`; false when one is invalid
    /// (reported).
    private mutating func resolveEndpoints(_ syntax: RuleSyntax, proto: IPProtocol?, into match: inout RuleMatch) -> Bool {
        resolveEndpoints(
            [(syntax.source, Field.source, Field.sourcePort), (syntax.destination, .destination, .destinationPort)],
            proto: proto, into: &match)
    }

    /// Each endpoint's address and port lists into its fields of `match`.
    mutating func resolveEndpoints(
        _ endpoints: [(EndpointSyntax?, Field, Field)], proto: IPProtocol?, into match: inout RuleMatch
    ) -> Bool {
        var valid = true
        for (endpoint, addressField, portField) in endpoints {
            guard let endpoint else { continue }
            if let set = values(endpoint.address, .address) {
                if set != ValueSet([Field.source.domain]) { match[addressField] = set }
            } else {
                valid = false
            }
            guard let port = endpoint.port else { continue }
            if proto != .tcp && proto != .udp && proto != .sctp {
                report(.portNeedsTCPOrUDP, at: port.range.start)
                valid = false
            }
            if let set = values(port, .port) { match[portField] = set } else { valid = false }
        }
        return valid
    }

    /// The options (flags, ICMP type and code, state, length, ttl, mark, interfaces) into
    /// `match`; false when one is invalid (reported).
    private mutating func resolveOptions(_ options: [OptionSyntax], proto: IPProtocol?, into match: inout RuleMatch) -> Bool {
        var valid = true
        for option in options {
            switch (option.keyword, option.value) {
            case (.flags, .flags(let bits, let mask)):
                if proto != .tcp {
                    report(.flagsNeedTCP, at: option.range.start)
                    valid = false
                }
                if bits & ~mask != 0 {
                    report(.flagsNeverSet(Self.flagsText(bits, mask)), at: option.range.start)
                }
                match[.tcpFlags] = ValueSet((0...255).filter { UInt8($0) & mask == bits }.map { UInt128($0)...UInt128($0) })
            case (.type, .list(let list)), (.code, .list(let list)):
                if proto != .icmp && proto != .icmpv6 {
                    report(.optionNeedsICMP(option.keyword), at: option.range.start)
                    valid = false
                }
                let isType = option.keyword == .type
                if let set = values(list, isType ? .icmpType : .icmpCode) {
                    match[isType ? .icmpType : .icmpCode] = set
                } else {
                    valid = false
                }
            case (.state, .list(let list)):
                if let set = values(list, .state) { match[.state] = set } else { valid = false }
            case (.length, .list(let list)):
                if let set = values(list, .length) { match[.length] = set } else { valid = false }
            case (.ttl, .list(let list)):
                if let set = values(list, .ttl) { match[.ttl] = set } else { valid = false }
            case (.mark, .list(let list)):
                if let set = values(list, .mark) { match[.mark] = set } else { valid = false }
            case (.dnsName, .list(let list)), (.dnsType, .list(let list)), (.dnsRCode, .list(let list)), (.dnsResponseIP, .list(let list)):
                if !resolveDNS(option.keyword, list, at: option.range.start, proto: proto, into: &match) { valid = false }
            case (.in, .list(let list)), (.out, .list(let list)):
                if let set = interfaces(list) {
                    if set.names.isEmpty && set.negated { continue }  // `in any`
                    if option.keyword == .in { match.inInterfaces = set } else { match.outInterfaces = set }
                } else {
                    valid = false
                }
            default:
                valid = false
            }
        }
        return valid
    }

    static func flagsText(_ bits: UInt8, _ mask: UInt8) -> String {
        "\(Checker.flagLetters(bits))/\(Checker.flagLetters(mask))"
    }

    // MARK: Lists

    /// The numbers a list denotes in `context` (complemented over the context's range when
    /// negated); nil after reporting an item that does not fit.
    mutating func values(_ list: ListSyntax, _ context: Diagnostic.Message.ItemContext) -> ValueSet? {
        if context == .address { return addresses(list) }
        let domain: ClosedRange<UInt128> = switch context {
        case .state: 0...UInt128(ConnectionState.invalid.rawValue)
        default: 0...UInt128(context.maximum)
        }
        var ranges: [ClosedRange<UInt128>] = []
        var valid = true
        for item in expand(list) {
            if let range = self.range(of: item, context, domain: domain) { ranges.append(range) } else { valid = false }
        }
        guard valid else { return nil }
        let set = ValueSet(ranges)
        return list.negation == nil ? set : set.complement(in: domain)
    }

    mutating func range(of item: ItemSyntax, _ context: Diagnostic.Message.ItemContext, domain: ClosedRange<UInt128>) -> ClosedRange<UInt128>? {
        switch (item.kind, context) {
        case (.any, _):
            return domain
        case (.host(let address), .address):
            return AddressKey.key(address)...AddressKey.key(address)
        case (.network(let address, let prefix), .address):
            let match = AddressMatch(network: address, prefix: prefix)
            if match.network != address { report(.hostBitsSet(address, prefix: prefix), at: item.range.start) }
            return match.interval
        case (.range(var low, var high), .port), (.range(var low, var high), .length), (.range(var low, var high), .ttl),
             (.range(var low, var high), .mark), (.range(var low, var high), .icmpType), (.range(var low, var high), .icmpCode):
            if low > high {
                report(.reversedRange(low: low, high: high), at: item.range.start)
                swap(&low, &high)
            }
            guard high <= context.maximum else {
                report(.valueOutOfRange(context, high), at: item.range.start)
                return nil
            }
            return UInt128(low)...UInt128(high)
        case (.name(let name), .icmpType), (.name(let name), .icmpCode):
            let tables = Names.icmpTables(ruleProto)
            guard let value = Names.value(of: name, in: context == .icmpType ? tables.types : tables.codes) else {
                report(.unknownName(context, name), at: item.range.start)
                return nil
            }
            // Wire refuses these types (`unknown-icmp-type`) before any rule is asked.
            if context == .icmpType, ruleProto != .icmpv6, ICMP.MessageType(rawValue: value).maximumCode == nil {
                report(.icmpTypeNeverDecoded(name), at: item.range.start)
                return nil
            }
            return UInt128(value)...UInt128(value)
        case (.name(let name), .port):
            return servicePort(name, at: item.range.start)
        case (.name(let name), .state):
            guard let state = ConnectionState(name: name) else {
                report(.unknownName(context, name), at: item.range.start)
                return nil
            }
            return UInt128(state.rawValue)...UInt128(state.rawValue)
        case (.variable, _):
            return nil  // undefined, already reported
        default:
            report(.wrongItem(expected: context, found: Self.describe(item)), at: item.range.start)
            return nil
        }
    }

    mutating func interfaces(_ list: ListSyntax) -> InterfaceSet? {
        var names: [InterfaceName] = []
        var seen = Set<InterfaceName>()
        var valid = true
        var any = false
        for item in expand(list) {
            switch item.kind {
            case .name(let text):
                if let name = InterfaceName(Substring(text)) {
                    if seen.insert(name).inserted { names.append(name) }
                } else {
                    report(.unknownName(.interface, text), at: item.range.start)
                    valid = false
                }
            case .any:
                any = true
            case .variable:
                valid = false  // undefined, already reported
            default:
                report(.wrongItem(expected: .interface, found: Self.describe(item)), at: item.range.start)
                valid = false
            }
        }
        guard valid else { return nil }
        // `in any` is every packet; `in !any` none: both as an empty name list.
        if any { return InterfaceSet([], negated: list.negation == nil) }
        return InterfaceSet(names.sorted(), negated: list.negation != nil)
    }

    mutating func optionType(_ item: ItemSyntax) -> UInt8? {
        switch item.kind {
        case .variable:
            return nil  // undefined, already reported
        case .name(let name):
            if Names.value(of: name, in: Names.sourceRouteOptions) != nil {
                report(.sourceRouteNeverAllowed(name), at: item.range.start)
                return nil
            }
            guard let value = Names.value(of: name, in: Names.ipOptions) else {
                report(.unknownName(.ipOption, name), at: item.range.start)
                return nil
            }
            return value
        case .range(let low, let high) where low == high:
            guard low <= 255 else {
                report(.valueOutOfRange(.ipOption, low), at: item.range.start)
                return nil
            }
            if let route = Names.sourceRouteOptions.first(where: { UInt64($0.value) == low }) {
                report(.sourceRouteNeverAllowed(route.name), at: item.range.start)
                return nil
            }
            // EOL and NOP are structure, not options to allow; accept them silently.
            return UInt8(low)
        default:
            report(.wrongItem(expected: .ipOption, found: Self.describe(item)), at: item.range.start)
            return nil
        }
    }

    static func describe(_ item: ItemSyntax) -> String {
        switch item.kind {
        case .any: "'any'"
        case .host(let address): "address \(dottedQuad(address))"
        case .network(let address, let prefix): "network \(dottedQuad(address))/\(prefix)"
        case .host6(let address): "address \(address)"
        case .network6(let address, let prefix): "network \(address)/\(prefix)"
        case .range(let low, let high) where low == high: "number \(low)"
        case .range(let low, let high): "range \(low)-\(high)"
        case .name(let name): "name '\(name)'"
        case .variable(let name): "$\(name)"
        }
    }
}
