import CLinux
import CNetfilterQueue
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A netfilter netlink socket: what `QueueSession` needs from the kernel side.
///
/// The real implementation is `MNLSocket`; tests substitute a fake that replays
/// messages, so the session's parsing and verdict batching run without root.
public protocol NetlinkSocket: AnyObject {
    /// Sends one datagram holding one or more netlink messages.
    func send(_ bytes: UnsafeRawBufferPointer) throws(QueueError)
    /// Receives one datagram into `buffer` and returns its length, or nil when nothing is
    /// waiting. Never blocks: waiting is `waitReadable`'s job.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(QueueError) -> Int?
    /// Receives up to `slots` datagrams at once, datagram `i` into
    /// `buffer[i * slotSize ..< (i + 1) * slotSize]`, its length in `lengths[i]`. Returns how
    /// many arrived (0 when nothing is waiting). Never blocks.
    func receive(
        many slots: Int, into buffer: UnsafeMutableRawBufferPointer, slotSize: Int,
        lengths: UnsafeMutablePointer<Int>
    ) throws(QueueError) -> Int

    /// Waits until a datagram can be read, `signals` (a `SignalSet`'s signalfd) is readable, or
    /// `timeoutMilliseconds` passes (-1: forever). An interrupted wait reports neither.
    func wait(alsoFor signals: Int32?, timeoutMilliseconds: Int32) throws(QueueError) -> Readiness
}

extension NetlinkSocket {
    /// One datagram at a time through `receive(into:)`; `MNLSocket` uses `recvmmsg` instead.
    public func receive(
        many slots: Int, into buffer: UnsafeMutableRawBufferPointer, slotSize: Int,
        lengths: UnsafeMutablePointer<Int>
    ) throws(QueueError) -> Int {
        var count = 0
        while count < slots {
            let slot = UnsafeMutableRawBufferPointer(rebasing: buffer[(count * slotSize)..<((count + 1) * slotSize)])
            guard let length = try receive(into: slot) else { break }
            lengths[count] = length
            count += 1
        }
        return count
    }
}

/// Which of the watched descriptors became readable: the socket, the signal descriptor, or both.
public struct Readiness: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let socket = Readiness(rawValue: 1)
    public static let signals = Readiness(rawValue: 2)
}

/// A non-blocking `NETLINK_NETFILTER` socket opened and bound through libmnl.
///
/// After `init` succeeds the socket is bound and non-blocking; it is closed on deinit.
public final class MNLSocket: NetlinkSocket {
    private let handle: OpaquePointer
    /// The socket's file descriptor, for the caller's own `poll` set.
    public let fileDescriptor: Int32

    /// Opens and binds the socket, sizes its receive buffer to `receiveBufferBytes` when
    /// given (SO_RCVBUFFORCE first, which needs CAP_NET_ADMIN, then SO_RCVBUF).
    public init(receiveBufferBytes: Int32? = nil) throws(QueueError) {
        guard let handle = mnl_socket_open(NETLINK_NETFILTER) else {
            throw QueueError(operation: .open, errno: SystemCall.lastError)
        }
        do throws(Errno) {
            _ = try SystemCall.checked { mnl_socket_bind(handle, 0, pid_t(MNL_SOCKET_AUTOPID)) }
        } catch {
            mnl_socket_close(handle)
            throw QueueError(operation: .open, errno: error)
        }
        let fd = mnl_socket_get_fd(handle)
        // Non-blocking so one readiness event can drain a whole burst (see QueueSession).
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if var size = receiveBufferBytes {
            let length = socklen_t(MemoryLayout<Int32>.size)
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length)
            }
        }
        self.handle = handle
        self.fileDescriptor = fd
    }

    deinit {
        mnl_socket_close(handle)
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(QueueError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        do throws(Errno) {
            _ = try SystemCall.retryingInterrupts { mnl_socket_sendto(handle, base, bytes.count) }
        } catch {
            throw QueueError(operation: .send, errno: error)
        }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(QueueError) -> Int? {
        do throws(Errno) {
            return try SystemCall.retryingInterrupts { mnl_socket_recvfrom(handle, buffer.baseAddress, buffer.count) }
        } catch .resourceTemporarilyUnavailable, .wouldBlock {
            return nil
        } catch {
            throw QueueError(operation: .receive, errno: error)
        }
    }

    /// `recvmmsg(2)`: one system call for a whole burst of queued packets. Like libmnl's
    /// receive, a datagram not from the kernel (port id 0) or cut short is ignored (length 0).
    public func receive(
        many slots: Int, into buffer: UnsafeMutableRawBufferPointer, slotSize: Int,
        lengths: UnsafeMutablePointer<Int>
    ) throws(QueueError) -> Int {
        let count = min(slots, Self.maximumSlots)
        for index in 0..<count {
            vectors[index] = iovec(iov_base: buffer.baseAddress! + index * slotSize, iov_len: slotSize)
            headers[index] = pcs_mmsghdr()
            headers[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
            headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
            headers[index].msg_hdr.msg_iov = vectors + index
            headers[index].msg_hdr.msg_iovlen = 1
        }
        let received: Int32
        do throws(Errno) {
            received = try SystemCall.retryingInterrupts { pcs_recvmmsg(fileDescriptor, headers, UInt32(count), Int32(MSG_DONTWAIT)) }
        } catch .resourceTemporarilyUnavailable, .wouldBlock {
            return 0
        } catch {
            throw QueueError(operation: .receive, errno: error)
        }
        for index in 0..<Int(received) {
            let fromKernel = addresses[index].nl_pid == 0
            let whole = headers[index].msg_hdr.msg_flags & Int32(MSG_TRUNC) == 0
            lengths[index] = fromKernel && whole ? Int(headers[index].msg_len) : 0
        }
        return Int(received)
    }

    /// Datagrams one `recvmmsg` may return; its scratch arrays are allocated once.
    public static let maximumSlots = 64
    private let headers = UnsafeMutablePointer<pcs_mmsghdr>.allocate(capacity: maximumSlots)
    private let vectors = UnsafeMutablePointer<iovec>.allocate(capacity: maximumSlots)
    private let addresses = UnsafeMutablePointer<sockaddr_nl>.allocate(capacity: maximumSlots)

    public func wait(alsoFor signals: Int32?, timeoutMilliseconds: Int32) throws(QueueError) -> Readiness {
        var entries = (
            pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signals ?? -1, events: Int16(POLLIN), revents: 0)
        )
        // Called once, not retried: an interrupted wait returns to the loop, which then reads
        // the signal that interrupted it.
        do throws(Errno) {
            _ = try SystemCall.checked {
                withUnsafeMutableBytes(of: &entries) { raw in
                    poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), signals == nil ? 1 : 2, timeoutMilliseconds)
                }
            }
        } catch .interrupted {
            return []
        } catch {
            throw QueueError(operation: .poll, errno: error)
        }
        var result: Readiness = []
        // POLLERR/POLLHUP count as readable so the following receive reports the error.
        if entries.0.revents != 0 { result.insert(.socket) }
        if entries.1.revents != 0 { result.insert(.signals) }
        return result
    }
}
