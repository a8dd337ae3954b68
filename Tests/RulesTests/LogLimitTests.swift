import Testing
@testable import Rules

@Test func logLimitParsesToGoldenTree() {
    let (syntax, diagnostics) = Parser.parse("log drops limit 200/s burst 1000\nlog all limit none\nlog control limit 30/minute", file: "f")
    #expect(diagnostics.isEmpty)
    #expect(syntax.description == """
        log [1:1-33] drops [1:5-10] limit 200/s burst 1000 [1:11-33]
        log [2:1-19] all [2:5-8] limit none [2:9-19]
        log [3:1-28] control [3:5-12] limit 30/m burst 150 [3:13-28]
        """)
}

@Test func aRulesetThatSaysNothingGetsTheDefaultLimit() {
    let (program, diagnostics) = Program.load(source: "policy drop\nlog drops", file: "t.rules")
    #expect(diagnostics.isEmpty)
    #expect(program?.logLimit == LogLimit(rate: 1000, period: .second, burst: 5000))
    #expect(Program.load(source: "policy drop", file: "t.rules").program?.logLimit == .default)
}

@Test(arguments: [
    ("log drops limit 200/s burst 1000", LogLimit(rate: 200, period: .second, burst: 1000)),
    ("log drops limit 200/s", LogLimit(rate: 200, period: .second, burst: 1000)),
    ("log all limit 10/m", LogLimit(rate: 10, period: .minute, burst: 50)),
    ("log all limit 2/hour burst 1", LogLimit(rate: 2, period: .hour, burst: 1)),
    ("log all limit 1000000/sec burst 1000000", LogLimit(rate: 1_000_000, period: .second, burst: 1_000_000)),
    // Five periods' worth, capped at the maximum.
    ("log all limit 900000/s", LogLimit(rate: 900_000, period: .second, burst: 1_000_000)),
] as [(String, LogLimit)])
func logLimitValues(text: String, limit: LogLimit) {
    let (program, diagnostics) = Program.load(source: text, file: "t.rules")
    #expect(diagnostics.isEmpty)
    #expect(program?.logLimit == limit)
}

@Test func limitNoneTurnsTheLimitOff() {
    #expect(Program.load(source: "log drops limit none", file: "t.rules").program?.logLimit == nil)
}

@Test(arguments: [
    ("log drops limit", "t.rules:1:16: error: expected a rate ('200/s', '30/m', '5/h') or 'none' but found end of file"),
    ("log drops limit fast", "t.rules:1:17: error: unknown keyword 'fast'"),
    ("log drops limit 200", "t.rules:1:20: error: expected a rate unit ('/s', '/m' or '/h') but found end of file"),
    ("log drops limit 200/d", "t.rules:1:21: error: expected a rate unit ('/s', '/m' or '/h') but found 'd'"),
    ("log drops limit 200/", "t.rules:1:21: error: expected a rate unit ('/s', '/m' or '/h') but found end of file"),
    ("log drops limit 0/s", "t.rules:1:17: error: rate 0 is out of range (1-1000000)"),
    ("log drops limit 1000001/s", "t.rules:1:17: error: rate 1000001 is out of range (1-1000000)"),
    ("log drops limit 10/s burst 0", "t.rules:1:28: error: burst 0 is out of range (1-1000000)"),
    ("log drops limit 10/s burst", "t.rules:1:27: error: expected a number but found end of file"),
    ("log drops limit 10/s burst 5 burst 6", "t.rules:1:30: error: unexpected 'burst' at the end of the statement"),
    ("log drops limit none burst 5", "t.rules:1:22: error: unexpected 'burst' at the end of the statement"),
    ("log drops limit 99999999999/s", "t.rules:1:17: error: invalid number '99999999999'"),
    ("log drops\nlog all limit 5/s", "t.rules:2:1: error: duplicate 'log' directive (first given on line 1)"),
])
func logLimitDiagnostics(text: String, expected: String) {
    #expect(Program.load(source: text, file: "t.rules").diagnostics.map(\.description) == [expected])
}
