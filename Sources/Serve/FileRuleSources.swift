import Rules
import SystemCalls

/// Rule sources read from the file system, includes resolved beside the including file.
///
/// Only regular files are read, and at most `maximumBytes` of each: a FIFO (or a symlink to
/// one, `/dev/stdin`, `/proc/self/fd/N` on a pipe), a directory or a device such as
/// `/dev/zero` is refused with a reason, without blocking and without reading it.
struct FileRuleSources: RuleSourceLoader {
    var maximumBytes = RulesetLimits.standard.maximumFileBytes

    init(maximumBytes: Int = RulesetLimits.standard.maximumFileBytes) {
        self.maximumBytes = maximumBytes
    }

    func load(_ path: String, relativeTo including: String?) -> Result<(path: String, text: String), LoadError> {
        let resolved = Self.resolve(path, relativeTo: including)
        do {
            let bytes = try Self.readRegularFile(resolved, maximumBytes: maximumBytes)
            return .success((resolved, String(decoding: bytes, as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }

    /// A name list file may be larger than a rules file (`RulesetLimits.maximumNameListBytes`).
    func loadNameList(_ path: String, relativeTo including: String?, maximumBytes: Int) -> Result<(path: String, text: String), LoadError> {
        let resolved = Self.resolve(path, relativeTo: including)
        do {
            let bytes = try Self.readRegularFile(resolved, maximumBytes: maximumBytes)
            return .success((resolved, String(decoding: bytes, as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }

    /// Reads the whole of `path` if it is a regular file of at most `maximumBytes`, without
    /// ever blocking (`WholeFile.readRegular`).
    static func readRegularFile(_ path: String, maximumBytes: Int) throws(LoadError) -> [UInt8] {
        do {
            return try WholeFile.readRegular(path, maximumBytes: maximumBytes)
        } catch .tooLarge {
            throw LoadError(reason: "larger than \(RulesetLimits.describe(bytes: maximumBytes))")
        } catch {
            throw LoadError(reason: error.description)
        }
    }
}

extension FileRuleSources {
    /// The services database, for port names (`port ssh`); read at each load, so a reload
    /// sees an edited file. Missing or unreadable, it is empty and every port name is an error.
    var services: ServiceTable {
        guard let bytes = try? WholeFile.readRegular("/etc/services", maximumBytes: 4 << 20) else { return ServiceTable() }
        return ServiceTable(parsing: String(decoding: bytes, as: UTF8.self))
    }
}
