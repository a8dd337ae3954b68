/// Where a diagnostic or a rule is: a file name as given by the caller, and a 1-based line and
/// column. The column counts UTF-8 bytes from the start of the line, plus one.
public struct SourceLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public init(file: String, position: SourcePosition) {
        self.init(file: file, line: position.line, column: position.column)
    }

    /// `FILE:LINE:COLUMN`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// An error or a warning about a rules file, at one place in it.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    /// How bad it is; the raw value is the word printed after the location.
    public enum Severity: String, Sendable {
        /// The file is rejected: no program is built from it.
        case error
        /// Probably a mistake, but the file still loads.
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: Message

    public init(severity: Severity, location: SourceLocation, message: Message) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// A diagnostic with the severity the message always has.
    public init(_ message: Message, at location: SourceLocation) {
        self.init(severity: message.severity, location: location, message: message)
    }

    /// `diagnostics` by file (in `fileOrder`, unknown files last), then line, then column;
    /// diagnostics at the same place keep their order.
    static func sorted(_ diagnostics: [Diagnostic], fileOrder: [String] = []) -> [Diagnostic] {
        let ranks = Dictionary(fileOrder.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        func rank(_ file: String) -> Int { ranks[file] ?? fileOrder.count }
        return diagnostics.enumerated()
            .sorted { lhs, rhs in
                (rank(lhs.element.location.file), lhs.element.location.line, lhs.element.location.column, lhs.offset)
                    < (rank(rhs.element.location.file), rhs.element.location.line, rhs.element.location.column, rhs.offset)
            }
            .map(\.element)
    }

    /// `FILE:LINE:COLUMN: SEVERITY: MESSAGE`, pf's style.
    public var description: String {
        "\(location): \(severity.rawValue): \(message)"
    }

    /// Three lines (no trailing newline): `description`, the source line, and a caret under the
    /// column. The caret line repeats the line's tabs so the caret lines up in any tab width, and
    /// puts one space per character elsewhere, so non-ASCII text before the column does not shift
    /// it. When `source` has no such line, only `description` is returned.
    public func rendered(source: String) -> String {
        rendered(lines: SourceLines(source))
    }

    /// As `rendered(source:)`, from a file already split into lines.
    public func rendered(lines: SourceLines) -> String {
        guard let line = lines[location.line] else { return description }
        let lineText = String(decoding: line, as: UTF8.self)
        let prefixEnd = min(max(location.column - 1, 0), line.count)
        var caret = String(decoding: line.prefix(prefixEnd), as: UTF8.self).map { $0 == "\t" ? "\t" : " " }.joined()
        caret += String(repeating: " ", count: max(location.column - 1 - prefixEnd, 0))
        return description + "\n" + lineText + "\n" + caret + "^"
    }
}

/// A source file's bytes cut into lines once (without their `\n`, or a `\r` before it), so
/// that rendering many diagnostics of one file does not rescan it for each.
public struct SourceLines: Sendable {
    private let bytes: [UInt8]
    /// Line n (1-based) is `bytes[bounds[n - 1]]`.
    private let bounds: [Range<Int>]

    public init(_ text: String) {
        let bytes = Array(text.utf8)
        var bounds: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            bounds.append(start..<index)
            start = index + 1
        }
        bounds.append(start..<bytes.count)
        self.bounds = bounds.map { range in
            range.isEmpty || bytes[range.upperBound - 1] != UInt8(ascii: "\r") ? range : range.lowerBound..<range.upperBound - 1
        }
        self.bytes = bytes
    }

    /// Line `number` (1-based), nil past the end.
    public subscript(number: Int) -> ArraySlice<UInt8>? {
        guard number >= 1, number <= bounds.count else { return nil }
        return bytes[bounds[number - 1]]
    }
}
