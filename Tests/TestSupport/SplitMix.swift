import Rules

/// The seeded generator (SplitMix64) of the tests, so every run tests the same inputs and a
/// failure names the seed that reproduces it. It is the one `Program.selfCheck` uses.
public typealias SplitMix = Program.SplitMix
