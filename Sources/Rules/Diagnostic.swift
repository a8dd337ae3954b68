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
        func rank(_ file: String) -> Int { fileOrder.firstIndex(of: file) ?? fileOrder.count }
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
        let bytes = Array(source.utf8)
        var lineNumber = 1
        var start = 0
        while lineNumber < location.line {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return description }
            start = newline + 1
            lineNumber += 1
        }
        var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let lineText = String(decoding: bytes[start..<end], as: UTF8.self)
        let prefixEnd = min(start + max(location.column - 1, 0), end)
        var caret = String(decoding: bytes[start..<prefixEnd], as: UTF8.self).map { $0 == "\t" ? "\t" : " " }.joined()
        caret += String(repeating: " ", count: max(location.column - 1 - (prefixEnd - start), 0))
        return description + "\n" + lineText + "\n" + caret + "^"
    }
}
