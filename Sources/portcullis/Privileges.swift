import CLinux
import QueueIO
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Dropping root after the queue is bound: to a chosen user and group, keeping only
/// CAP_NET_ADMIN (nfnetlink checks it on every verdict message), with every other
/// capability gone from the effective, permitted, inheritable, ambient and bounding sets,
/// and `no_new_privs` set so nothing the process could exec regains any.
enum Privileges {
    static let netAdmin = Capabilities.netAdmin

    /// The ids to switch to.
    struct Account {
        var uid: uid_t
        var gid: gid_t
    }

    /// Resolves `user` (and `group`, else the user's primary group) before anything is bound,
    /// so a typo fails at once.
    static func resolve(user: String, group: String?) throws(Failure) -> Account {
        guard let account = lookUpUser(user) else {
            throw Failure(message: "no such user: \(user)", status: ExitStatus.usage)
        }
        guard let group else { return Account(uid: account.uid, gid: account.gid) }
        guard let gid = lookUpGroup(group) else {
            throw Failure(message: "no such group: \(group)", status: ExitStatus.usage)
        }
        return Account(uid: account.uid, gid: gid)
    }

    /// Switches to `account`. After it returns the process cannot regain root; on any
    /// failure it throws and the caller must exit.
    static func drop(to account: Account) throws(Failure) {
        let gid = account.gid
        // The bounding set can only shrink while we still hold CAP_SETPCAP, so first.
        let last = lastCapability()
        for capability in 0...last where capability != netAdmin {
            try check("drop capability \(capability) from the bounding set") { pcs_prctl(PR_CAPBSET_DROP, UInt(capability), 0, 0, 0) }
        }
        try check("keep capabilities across setuid") { pcs_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) }
        var groups = [gid]
        try check("set supplementary groups") { setgroups(1, &groups) }
        // setre*id with both ids set also sets the saved id (setreuid(2)), so none is left behind.
        try check("set group \(gid)") { setregid(gid, gid) }
        try check("set user \(account.uid)") { setreuid(account.uid, account.uid) }
        try check("clear keep-capabilities") { pcs_prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) }
        try setOnlyNetAdmin()
        try check("clear ambient capabilities") { pcs_prctl(PR_CAP_AMBIENT, UInt(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0) }
        try check("set no_new_privs") { pcs_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }
        guard getuid() == account.uid, geteuid() == account.uid, getgid() == gid, getegid() == gid else {
            throw Failure(message: "dropping privileges did not take effect", status: ExitStatus.io)
        }
    }

    /// Effective and permitted: CAP_NET_ADMIN only; inheritable: nothing.
    private static func setOnlyNetAdmin() throws(Failure) {
        var header = __user_cap_header_struct(version: UInt32(_LINUX_CAPABILITY_VERSION_3), pid: 0)
        var data = (__user_cap_data_struct(), __user_cap_data_struct())
        data.0.effective = 1 << UInt32(netAdmin)
        data.0.permitted = 1 << UInt32(netAdmin)
        try check("keep only CAP_NET_ADMIN") {
            withUnsafeMutableBytes(of: &data) { raw in
                pcs_capset(&header, raw.baseAddress!.assumingMemoryBound(to: __user_cap_data_struct.self))
            }
        }
    }

    /// Makes `call` once. On failure its errno is captured before the message `what` is built
    /// (building a String can allocate and so change errno).
    private static func check(_ what: @autoclosure () -> String, _ call: () -> Int32) throws(Failure) {
        do throws(Errno) {
            _ = try SystemCall.checked(call)
        } catch {
            throw Failure(
                message: "cannot drop privileges: \(what()): \(String(cString: strerror(error.rawValue)))", status: ExitStatus.io)
        }
    }

    /// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
    private static func lastCapability() -> Int {
        guard let bytes = try? WholeFile.read("/proc/sys/kernel/cap_last_cap", maximumBytes: 64),
              let value = Int(String(decoding: bytes, as: UTF8.self).filter(\.isNumber))
        else { return 40 }
        return value
    }

    private static func lookUpUser(_ name: String) -> (uid: uid_t, gid: gid_t)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            return UInt32(name).map { (uid_t($0), gid_t($0)) }
        }
        return (entry.pw_uid, entry.pw_gid)
    }

    private static func lookUpGroup(_ name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            return UInt32(name).map { gid_t($0) }
        }
        return entry.gr_gid
    }
}
