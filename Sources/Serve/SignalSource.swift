import QueueIO

/// Where the loop's signals come from: a `SignalSet` (signalfd) in `run`, a scripted list in
/// tests. The loop polls `pollDescriptor` beside the socket and reads `next()` only when the
/// wait reports it readable.
public protocol SignalSource: AnyObject {
    /// The descriptor to poll; nil when there is none (a scripted source).
    var pollDescriptor: Int32? { get }
    /// The next pending signal number, or nil when none is pending. Never blocks.
    func next() -> Int32?
}

extension SignalSet: SignalSource {
    public var pollDescriptor: Int32? { fileDescriptor }
}
