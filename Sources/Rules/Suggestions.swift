/// What to write instead: "did you mean" for a word one edit away from a known one, and the
/// Portcullis form of words that pf and iptables operators write by habit.
enum Suggestions {
    /// pf's and iptables' words that are not keywords here, with what to write instead.
    static let habits: [String: String] = [
        "on": "write 'in IFACE' for packets that arrive on an interface, 'out IFACE' for packets that leave by it",
        "pass": "write 'accept'",
        "block": "write 'drop'",
        "quick": "leave it out: the first rule that matches always decides",
        "proto": "write the protocol alone, as in 'accept tcp to any port 22'",
        "keep": "replies are accepted by a rule such as 'accept any state established'",
    ]

    /// The one candidate within one edit (an insertion, a deletion, a substitution or a swap
    /// of two neighbours) of `word`, or nil when there is none or more than one. Words of
    /// fewer than three letters get none: too many words are one edit from them.
    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        guard word.utf8.count >= 3 else { return nil }
        let near = Set(candidates.filter { $0 != word && isOneEditAway(word, $0) })
        return near.count == 1 ? near.first : nil
    }

    /// The keyword one edit from `word`, if exactly one is.
    static func keyword(near word: String) -> String? {
        closest(to: word, among: Keyword.allCases.map(\.rawValue))
    }

    /// Whether `a` becomes `b` by one insertion, deletion, substitution, or swap of two
    /// adjacent characters (the Damerau–Levenshtein distance is 1).
    static func isOneEditAway(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard abs(x.count - y.count) <= 1, x != y else { return false }
        var prefix = 0
        while prefix < min(x.count, y.count), x[prefix] == y[prefix] { prefix += 1 }
        if x.count == y.count {
            if x[(prefix + 1)...] == y[(prefix + 1)...] { return true }  // substitution
            return prefix + 1 < x.count && x[prefix] == y[prefix + 1] && x[prefix + 1] == y[prefix]
                && x[(prefix + 2)...] == y[(prefix + 2)...]  // swap
        }
        let (longer, shorter) = x.count > y.count ? (x, y) : (y, x)
        return longer[(prefix + 1)...] == shorter[prefix...]  // insertion or deletion
    }

    /// "; did you mean 'accept'?" or the habit's hint, or nothing.
    static func forUnknownKeyword(_ word: String) -> String {
        if let habit = habits[word] { return ": \(habit)" }
        if let keyword = keyword(near: word) { return "; did you mean '\(keyword)'?" }
        return ""
    }

    /// "; did you mean 'echo-request'?" for a name one edit from one of `names`, or nothing.
    static func forUnknownName(_ name: String, among names: some Sequence<String>) -> String {
        closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? ""
    }
}
