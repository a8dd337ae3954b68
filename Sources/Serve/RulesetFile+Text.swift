import Rules

extension RulesetFile {
    /// A ruleset given as text (`check -`, standard input), named `name` in its messages;
    /// its includes are read from files, relative to the current directory. Throws as
    /// `load(path:)` does, but never `unreadable` for the text itself.
    public static func load(text: String, name: String, limits: RulesetLimits = .standard) throws(RulesetLoadError) -> RulesetFile {
        let sources = FileRuleSources(maximumBytes: limits.maximumFileBytes)
        return try make(path: name, loaded: Program.load(source: text, file: name, loader: sources, limits: limits))
    }
}
