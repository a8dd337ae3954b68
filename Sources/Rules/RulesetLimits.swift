/// The bounds on what loading one ruleset may read, hold and compute (docs/rules.md, "Limits").
///
/// Rules files are input a person or an attacker controls. With these limits, loading a
/// ruleset reads at most `maximumTotalBytes`, keeps at most `maximumIncludeDepth` files open
/// in its include stack, recurses nowhere on the include chain, and holds memory proportional to
/// what it read; every limit that is hit is an error at the `FILE:LINE:COL` that hit it, so the
/// ruleset is refused (a reload keeps the running one) and nothing crashes, hangs or floods.
public struct RulesetLimits: Equatable, Sendable {
    /// The most bytes one rules file may hold.
    public var maximumFileBytes: Int
    /// The most bytes all files of one ruleset may hold together.
    public var maximumTotalBytes: Int
    /// How deeply includes may nest: the top-level file is at depth 0, a file it includes at 1.
    public var maximumIncludeDepth: Int
    /// The most files one ruleset may read, the top-level file included.
    public var maximumFiles: Int
    /// The most items one list or set may hold once its `$sets` are expanded.
    public var maximumListItems: Int
    /// The most items all lists of the ruleset may hold together once expanded (a set of
    /// 60,000 addresses used in 100 rules counts 6,000,000).
    public var maximumExpandedItems: Int
    /// The most rules one ruleset may hold.
    public var maximumRules: Int
    /// The most errors reported for one file before the rest of it is skipped.
    public var maximumErrorsPerFile: Int
    /// The most bytes one word, number or quoted string may hold.
    public var maximumTokenBytes: Int
    /// The most bytes one name list file (`set NAME = file "PATH"`) may hold; name lists are
    /// not counted in `maximumTotalBytes`, so a blocklist of a million names loads.
    public var maximumNameListBytes: Int = 256 << 20
    /// The most names all name lists of one ruleset may hold together.
    public var maximumNames: Int = 4_000_000

    /// The limits `check`, `run`, `explain` and `replay` use.
    public static let standard = RulesetLimits(
        maximumFileBytes: 16 << 20, maximumTotalBytes: 64 << 20, maximumIncludeDepth: 16,
        maximumFiles: 256, maximumListItems: 65_536, maximumExpandedItems: 1 << 20,
        maximumRules: 200_000, maximumErrorsPerFile: 1_000, maximumTokenBytes: 4_096)

    public init(
        maximumFileBytes: Int, maximumTotalBytes: Int, maximumIncludeDepth: Int, maximumFiles: Int,
        maximumListItems: Int, maximumExpandedItems: Int, maximumRules: Int,
        maximumErrorsPerFile: Int, maximumTokenBytes: Int
    ) {
        self.maximumFileBytes = maximumFileBytes
        self.maximumTotalBytes = maximumTotalBytes
        self.maximumIncludeDepth = maximumIncludeDepth
        self.maximumFiles = maximumFiles
        self.maximumListItems = maximumListItems
        self.maximumExpandedItems = maximumExpandedItems
        self.maximumRules = maximumRules
        self.maximumErrorsPerFile = maximumErrorsPerFile
        self.maximumTokenBytes = maximumTokenBytes
    }

    /// "16 MiB", "512 KiB", "100 bytes": how a byte limit reads in a message.
    public static func describe(bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
