/// The text of a name list file (`set NAME = file "PATH"`): one name a line, `*.name` for the
/// names below it, `#` comments and blank lines; a hosts-file line (`0.0.0.0 ads.example`,
/// `127.0.0.1 a.example b.example`: an address, then names) gives its names, so blocklists
/// published as hosts files load as they are.
public enum NameList {
    /// A line that is not a name, a hosts-file line or a comment: where, and its text.
    public struct Problem: Equatable, Sendable {
        public var line: Int
        public var column: Int
        public var message: Diagnostic.Message
    }

    /// Adds the names of `text` to `set`; returns the problems (at most `maximumProblems`) and
    /// whether `maximumNames` was reached (the rest of the file is then not read).
    public static func parse(
        _ text: String, into set: inout NameSet, maximumNames: Int, maximumProblems: Int
    ) -> (problems: [Problem], tooManyNames: Bool) {
        var text = text
        return text.withUTF8 { bytes in
            // One name a line, mostly: room for them all at once, so the table never regrows.
            var lines = 1
            for byte in bytes where byte == UInt8(ascii: "\n") { lines += 1 }
            set.reserve(names: min(lines, maximumNames), bytes: bytes.count)
            var reader = Reader(bytes: bytes, maximumNames: maximumNames, maximumProblems: maximumProblems)
            reader.run(into: &set)
            return (reader.problems, reader.tooManyNames)
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maximumNames: Int
        let maximumProblems: Int
        var problems: [Problem] = []
        var tooManyNames = false
        var line = 1

        init(bytes: UnsafeBufferPointer<UInt8>, maximumNames: Int, maximumProblems: Int) {
            self.bytes = bytes
            self.maximumNames = maximumNames
            self.maximumProblems = maximumProblems
        }

        mutating func run(into set: inout NameSet) {
            var start = 0
            while start < bytes.count, !tooManyNames, problems.count < maximumProblems {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                readLine(from: start, to: end, into: &set)
                line += 1
                start = end + 1
            }
        }

        /// One line: its words up to a `#`; one word is a name, several an address and names.
        private mutating func readLine(from start: Int, to end: Int, into set: inout NameSet) {
            var words: (first: Range<Int>?, count: Int) = (nil, 0)
            var position = start
            var lineEnd = end
            if let hash = (start..<end).first(where: { bytes[$0] == UInt8(ascii: "#") }) { lineEnd = hash }
            while position < lineEnd {
                while position < lineEnd, Self.isBlank(bytes[position]) { position += 1 }
                guard position < lineEnd else { break }
                var wordEnd = position
                while wordEnd < lineEnd, !Self.isBlank(bytes[wordEnd]) { wordEnd += 1 }
                let word = position..<wordEnd
                words.count += 1
                if words.count == 1 {
                    words.first = word
                } else {
                    if words.count == 2, let first = words.first, !isAddress(first) {
                        return problem(.nameListLine(text(start..<lineEnd)), at: start)
                    }
                    add(word, into: &set)
                }
                position = wordEnd
            }
            if words.count == 1, let first = words.first { add(first, into: &set) }
        }

        private mutating func add(_ word: Range<Int>, into set: inout NameSet) {
            guard set.count < maximumNames else {
                tooManyNames = true
                return
            }
            if !set.insert(text: UnsafeBufferPointer(rebasing: bytes[word])) {
                problem(.invalidDNSName(text(word)), at: word.lowerBound)
            }
        }

        private mutating func problem(_ message: Diagnostic.Message, at offset: Int) {
            // One line may hold many bad names: the bound holds within a line too.
            guard problems.count < maximumProblems else { return }
            var lineStart = offset
            while lineStart > 0, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
            problems.append(Problem(line: line, column: offset - lineStart + 1, message: message))
        }

        /// An IPv4 or IPv6 address (digits, dots; or hex digits and colons, with a zone).
        private func isAddress(_ word: Range<Int>) -> Bool {
            let slice = bytes[word]
            if slice.contains(UInt8(ascii: ":")) { return true }
            return slice.allSatisfy { $0 == UInt8(ascii: ".") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
                && slice.contains(UInt8(ascii: "."))
        }

        private func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 200)]), as: UTF8.self)
        }

        private static func isBlank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
        }
    }
}
