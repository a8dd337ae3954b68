import CNetfilterQueue

/// The netlink messages a fake NFQUEUE socket exchanges with `QueueSession`, built with libmnl
/// as the kernel builds them, and the verdicts read back from what the session sent. Shared by
/// the fake sockets of QueueIOTests and ServeTests.
public enum NetlinkMessages {
    /// NLMSG_ERROR carrying `-errno` (0: an ACK), as the kernel answers NLM_F_ACK on request `seq`.
    public static func ack(seq: UInt32, errno: Int32 = 0) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 36)
        bytes.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            nlh.pointee.nlmsg_type = UInt16(NLMSG_ERROR)
            nlh.pointee.nlmsg_seq = seq
            let payload = mnl_nlmsg_put_extra_header(nlh, 20)!
            payload.storeBytes(of: -errno, as: Int32.self)
        }
        return bytes
    }

    /// An NFQNL_MSG_PACKET message as the kernel builds it (hook FORWARD, IPv4). An attribute
    /// left nil is not sent; `withHeader: false` leaves out NFQA_PACKET_HDR (a malformed message).
    public static func packet(
        id: UInt32, payload: [UInt8]?, skbInfo: UInt32? = nil, inDevice: UInt32? = nil,
        outDevice: UInt32? = nil, mark: UInt32? = nil, capturedLength: UInt32? = nil, withHeader: Bool = true
    ) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var length = 0
        bytes.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            nlh.pointee.nlmsg_type = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_PACKET.rawValue)
            _ = mnl_nlmsg_put_extra_header(nlh, 4)  // struct nfgenmsg
            if withHeader {
                // struct nfqnl_msg_packet_hdr: be32 id, be16 hw_protocol (0x0800), u8 hook (FORWARD)
                var header: [UInt8] = [0, 0, 0, 0, 0x08, 0x00, 2]
                withUnsafeBytes(of: id.bigEndian) { header.replaceSubrange(0..<4, with: $0) }
                mnl_attr_put(nlh, UInt16(NFQA_PACKET_HDR.rawValue), 7, header)
            }
            if let skbInfo { mnl_attr_put_u32(nlh, UInt16(NFQA_SKB_INFO.rawValue), skbInfo.bigEndian) }
            if let inDevice { mnl_attr_put_u32(nlh, UInt16(NFQA_IFINDEX_INDEV.rawValue), inDevice.bigEndian) }
            if let outDevice { mnl_attr_put_u32(nlh, UInt16(NFQA_IFINDEX_OUTDEV.rawValue), outDevice.bigEndian) }
            if let mark { mnl_attr_put_u32(nlh, UInt16(NFQA_MARK.rawValue), mark.bigEndian) }
            if let capturedLength { mnl_attr_put_u32(nlh, UInt16(NFQA_CAP_LEN.rawValue), capturedLength.bigEndian) }
            if let payload { mnl_attr_put(nlh, UInt16(NFQA_PAYLOAD.rawValue), payload.count, payload) }
            length = Int(nlh.pointee.nlmsg_len)
        }
        return Array(bytes[0..<length])
    }

    /// Splits a sent datagram into its netlink messages and reads the verdicts in it.
    public static func verdicts(in datagram: [UInt8]) -> [SentVerdict] {
        var result: [SentVerdict] = []
        var offset = 0
        let single = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_VERDICT.rawValue)
        let batch = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_VERDICT_BATCH.rawValue)
        while offset + 16 <= datagram.count {
            let length = Int(datagram[offset]) | Int(datagram[offset + 1]) << 8
            let type = UInt16(datagram[offset + 4]) | UInt16(datagram[offset + 5]) << 8
            guard length >= 16 else { break }
            if type == single || type == batch {
                result.append(verdict(in: datagram, message: offset, length: length, batch: type == batch))
            }
            offset += (length + 3) & ~3
        }
        return result
    }

    /// The attributes of the verdict message at `message` (`length` bytes).
    private static func verdict(in datagram: [UInt8], message: Int, length: Int, batch: Bool) -> SentVerdict {
        var verdict = SentVerdict(id: 0, verdict: 0, payload: nil, batch: batch)
        var attribute = message + 20  // nlmsghdr (16) + nfgenmsg (4)
        while attribute + 4 <= message + length {
            let attrLength = Int(datagram[attribute]) | Int(datagram[attribute + 1]) << 8
            let attrType = UInt16(datagram[attribute + 2]) | UInt16(datagram[attribute + 3]) << 8
            guard attrLength >= 4 else { break }
            let body = Array(datagram[(attribute + 4)..<(attribute + attrLength)])
            if attrType == UInt16(NFQA_VERDICT_HDR.rawValue) {
                verdict.verdict = body[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
                verdict.id = body[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
            } else if attrType == UInt16(NFQA_PAYLOAD.rawValue) {
                verdict.payload = body
            } else if attrType == UInt16(NFQA_MARK.rawValue), body.count == 4 {
                verdict.mark = body.reduce(0) { $0 << 8 | UInt32($1) }
            }
            attribute += (attrLength + 3) & ~3
        }
        return verdict
    }
}

/// One verdict message decoded from a sent datagram.
public struct SentVerdict: Equatable, Sendable {
    public var id: UInt32
    public var verdict: UInt32
    public var payload: [UInt8]?
    /// A batch verdict: applies to every queued packet with an id up to `id`.
    public var batch = false
    /// The mark the verdict sets on the packet (NFQA_MARK), if any.
    public var mark: UInt32?

    public init(id: UInt32, verdict: UInt32, payload: [UInt8]?, batch: Bool = false) {
        self.id = id
        self.verdict = verdict
        self.payload = payload
        self.batch = batch
    }
}
