import SystemPackage

/// A failed netlink operation, with the step that failed and the kernel's errno.
///
/// The CLI turns these into one line for the operator; `description` names the likely cause
/// for the errors an operator meets (no privilege, queue taken by another process).
public struct QueueError: Error, Equatable, Sendable {
    /// The step of the queue's life that failed.
    public enum Operation: String, Sendable {
        case open, bind, configure, receive, send, unbind, poll, signals
    }

    public var operation: Operation
    public var errno: Errno
    /// The queue number concerned, when there is one.
    public var queue: UInt16?
    /// True when the kernel refused a bind although we hold CAP_NET_ADMIN: it answers
    /// EPERM, not EBUSY, when another socket already owns the queue.
    public var queueOwnedElsewhere: Bool

    public init(operation: Operation, errno: Errno, queue: UInt16? = nil, queueOwnedElsewhere: Bool = false) {
        self.operation = operation
        self.errno = errno
        self.queue = queue
        self.queueOwnedElsewhere = queueOwnedElsewhere
    }
}

extension QueueError: CustomStringConvertible {
    public var description: String {
        let what = queue.map { "queue \($0)" } ?? "netlink socket"
        switch (operation, errno) {
        case (.bind, .notPermitted) where queueOwnedElsewhere, (.bind, .resourceBusy):
            return "cannot bind \(what): it is already bound by another process"
        case (.configure, .notSupported):
            return "cannot configure \(what): this kernel cannot attach conntrack state to queued packets "
                + "(it lacks CONFIG_NETFILTER_NETLINK_GLUE_CT), so rules that match `state` cannot work here; "
                + "mark each packet's state with iptables and run with --state-mark-shift instead (docs/operations.md)"
        case (.bind, .permissionDenied), (.bind, .notPermitted), (.open, .notPermitted), (.open, .permissionDenied):
            return "cannot bind \(what): permission denied (run as root or grant CAP_NET_ADMIN)"
        default:
            return "\(operation.rawValue) failed on \(what): \(errno)"
        }
    }
}
