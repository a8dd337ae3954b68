import Testing
@testable import Rules

private let files = InMemoryRuleSources([
    "rules/site.rules": "include \"lists/admins.rules\"\naccept tcp from $admins to any port 22\n",
    "rules/lists/admins.rules": "set admins = { 10.1.0.0/24 }\ninclude \"../common.rules\"\n",
    "rules/common.rules": "log all\n",
    "rules/loop-a.rules": "include \"loop-b.rules\"\naccept tcp\n",
    "rules/loop-b.rules": "include \"loop-a.rules\"\n",
    "rules/self.rules": "include \"self.rules\"\n",
])

@Test func includesResolveBesideTheIncludingFileAndShareSets() {
    guard case .success(let loaded) = Program.load(path: "rules/site.rules", loader: files) else {
        Issue.record("load failed")
        return
    }
    #expect(loaded.diagnostics == [])
    #expect(loaded.files.map(\.path) == ["rules/site.rules", "rules/lists/admins.rules", "rules/common.rules"])
    #expect(loaded.program?.logMode == .all)
    #expect(loaded.program?.rules.map(\.location.description) == ["rules/site.rules:2:1"])
}

@Test(arguments: ["rules/loop-a.rules", "rules/self.rules"])
func includeCyclesAreRefused(path: String) {
    guard case .success(let loaded) = Program.load(path: path, loader: files) else {
        Issue.record("load failed")
        return
    }
    #expect(loaded.program == nil)
    #expect(loaded.diagnostics.map(\.description).contains { $0.contains("error: include cycle: rules/") })
}

@Test func missingTopLevelFileFailsAndMissingIncludeIsADiagnostic() {
    guard case .failure(let error) = Program.load(path: "rules/none.rules", loader: files) else {
        Issue.record("expected a failure")
        return
    }
    #expect(error.reason == "No such file or directory")
    let loaded = Program.load(source: "include \"gone.rules\"\naccept tcp", file: "rules/x.rules", loader: files)
    #expect(loaded.diagnostics.map(\.description) == ["rules/x.rules:1:1: error: cannot include gone.rules: No such file or directory"])
}

@Test func diagnosticsInIncludedFilesNameThatFile() {
    let sources = InMemoryRuleSources(["a.rules": "accept any\ninclude \"b.rules\"", "b.rules": "accept tcp to 10.0.0.300\naccept udp"])
    guard case .success(let loaded) = Program.load(path: "a.rules", loader: sources) else { return }
    #expect(loaded.diagnostics.map(\.description) == [
        "b.rules:1:15: error: invalid IPv4 address '10.0.0.300'",
        "b.rules:2:1: warning: rule can never match: the catch-all rule on line a.rules:1 matches every packet first",
    ])
}
