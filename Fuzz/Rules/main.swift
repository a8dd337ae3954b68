// libFuzzer target for the rules language: bytes in, diagnostics out. The input is a rules
// file loaded as `check` loads one (lexer, parser, include expansion, checker with the
// shadowing analysis, compiler), with two more files it may include (one of them includes the
// input back: a cycle). It must never crash or hang; a ruleset without errors must compile
// to a program that agrees with the reference evaluator; every diagnostic must name a file
// that was read, at a line that exists, and render. The same bytes are also read as a
// services(5) file (the port names `port ssh` resolves), which must never crash either.
//
// Compiled into the Rules module (scripts/fuzz), so internal API is in reach.

/// Limits smaller than the standard ones, so that no input can make one run slow (a list of
/// 65,536 items times a few rules would, by design, within the standard limits).
let fuzzLimits = RulesetLimits(
    maximumFileBytes: 1 << 16, maximumTotalBytes: 1 << 18, maximumIncludeDepth: 4, maximumFiles: 8,
    maximumListItems: 512, maximumExpandedItems: 4_096, maximumRules: 256, maximumErrorsPerFile: 64,
    maximumTokenBytes: 256)

/// A few port names for `port NAME` (the real file is not read: the run must not depend on it).
let fuzzServices = ServiceTable(parsing: "ssh 22/tcp\ndomain 53/tcp\ndomain 53/udp\nhttp 80/tcp www\nntp 123/udp\n")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRules(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let fromInput = ServiceTable(parsing: text)
    _ = fromInput.port("ssh", proto: .tcp)
    let sources = InMemoryRuleSources([
        "fuzz/in.rules": text,
        "fuzz/lists.rules": "set web = { 80, 443, 8000-8080 }\nset admins = { 10.1.0.0/24, 192.168.7.10 }\nset admins6 = { fd00::/8, 2001:db8::1, 10.2.0.0/16 }\n",
        "fuzz/back.rules": "include \"in.rules\"\n",
        "fuzz/names.txt": "# names\nads.example\n*.tracker.example\n0.0.0.0 evil.example\n",
    ], services: fuzzServices)
    // The input as a name list file too (`set NAME = file`): never traps, bounded.
    var names = NameSet()
    let parsed = NameList.parse(text, into: &names, maximumNames: 1_000, maximumProblems: 64)
    precondition(names.count <= 1_000 && parsed.problems.count <= 64, "name list past its limits")
    guard case .success(let loaded) = Program.load(path: "fuzz/in.rules", loader: sources, limits: fuzzLimits) else {
        preconditionFailure("the top-level file is in memory and small")
    }
    let lines = Dictionary(uniqueKeysWithValues: loaded.files.map { ($0.path, SourceLines($0.text)) })
    for diagnostic in loaded.diagnostics {
        guard let file = lines[diagnostic.location.file] else { preconditionFailure("diagnostic in a file not read: \(diagnostic)") }
        precondition(diagnostic.location.line >= 1 && file[diagnostic.location.line] != nil, "no such line: \(diagnostic)")
        precondition(diagnostic.location.column >= 1, "no such column: \(diagnostic)")
        _ = diagnostic.rendered(lines: file)
    }
    let hasErrors = loaded.diagnostics.contains { $0.severity == .error }
    precondition(hasErrors == (loaded.program == nil), "a program iff no error")
    if let program = loaded.program {
        let check = program.selfCheck(randomProbes: 32)
        precondition(check.passed, "compiled program disagrees with the reference: \(check.mismatch ?? "")")
    }
    return 0
}
