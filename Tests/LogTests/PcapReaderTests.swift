import Foundation
import Testing
import Engine
@testable import Log
import Rules
import Wire

/// A classic little-endian microsecond pcap, byte by byte: the file header, then per record
/// seconds | microseconds | captured length | original length | bytes.
private func pcapFile(linkType: UInt32, _ records: [(UInt32, UInt32, [UInt8])]) -> [UInt8] {
    func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    var out = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(linkType)
    for (seconds, micros, frame) in records {
        out += le32(seconds) + le32(micros) + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
    }
    return out
}

private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-\(UUID().uuidString).pcap").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A 20-byte IPv4 header (checksum left 0: the reader does not judge) and `payload`.
private func ipv4(_ payload: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
    let total = UInt16(20 + payload.count)
    return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0,
            10, 1, 0, 2, 10, 2, 0, 2] + payload
}

private func ethernet(_ etherType: UInt16, _ payload: [UInt8]) -> [UInt8] {
    let frame = [UInt8](repeating: 2, count: 12) + [UInt8(etherType >> 8), UInt8(etherType & 0xFF)] + payload
    return frame + [UInt8](repeating: 0, count: max(0, 60 - frame.count))   // Ethernet pads to 60
}

private func readAll(_ path: String) throws -> (packets: [([UInt8], PacketTimestamp?, Int?, Int)], reader: PcapReader) {
    var reader = try PcapReader(path: path)
    var packets: [([UInt8], PacketTimestamp?, Int?, Int)] = []
    while let packet = try reader.nextPacket() {
        packets.append((Array(packet.bytes), packet.timestamp, packet.frame, packet.metadata.packetLength))
    }
    return (packets, reader)
}

@Test func ethernetFramesLoseTheirHeaderAndPaddingAndOtherProtocolsAreCounted() throws {
    let path = try temporaryFile(pcapFile(linkType: 1, [
        (100, 5, ethernet(0x0800, ipv4())),
        (101, 6, ethernet(0x0806, [UInt8](repeating: 0, count: 28))),
        (102, 7, ethernet(0x88CC, [UInt8](repeating: 0, count: 40))),
        // 802.1Q tag (TPID 0x8100, TCI) before the EtherType.
        (103, 8, [UInt8](repeating: 2, count: 12) + [0x81, 0x00, 0x00, 0x05, 0x08, 0x00] + ipv4()),
    ]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (packets, reader) = try readAll(path)
    #expect(reader.linkType == .ethernet)
    #expect(packets.map(\.0) == [ipv4(), ipv4()])
    #expect(packets.map(\.2) == [1, 4])
    #expect(packets[0].1 == PacketTimestamp(seconds: 100, microseconds: 5))
    #expect(packets[0].3 == 24)
    #expect(reader.counters.frames == 4 && reader.counters.ipv4 == 2)
    #expect(reader.counters.notIP == ["arp": 1, "ethertype 0x88cc": 1])
    #expect(reader.counters.paddingTrimmed == 1)
}

@Test func rawAndCookedCapturesDeliverTheDatagram() throws {
    let raw = try temporaryFile(pcapFile(linkType: 101, [(1, 0, ipv4()), (2, 0, [0x50, 0, 0, 0])]))
    let cooked = try temporaryFile(pcapFile(linkType: 113, [(1, 0, [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + ipv4())]))
    defer {
        try? FileManager.default.removeItem(atPath: raw)
        try? FileManager.default.removeItem(atPath: cooked)
    }
    let (rawPackets, rawReader) = try readAll(raw)
    #expect(rawPackets.map(\.0) == [ipv4()] && rawReader.counters.notIP == ["ip version 5": 1])
    let (cookedPackets, cookedReader) = try readAll(cooked)
    #expect(cookedPackets.map(\.0) == [ipv4()] && cookedReader.linkType == .linuxCooked)
}

@Test func unsupportedLinkTypesAndMissingFilesAreErrors() throws {
    let ppp = try temporaryFile(pcapFile(linkType: 9, []))
    defer { try? FileManager.default.removeItem(atPath: ppp) }
    #expect(throws: PcapError.self) { try PcapReader(path: ppp) }
    #expect(throws: PcapError.self) { try PcapReader(path: "/nonexistent/x.pcap") }
}

@Test func aMissingFileIsNamedOnce() {
    do {
        _ = try PcapReader(path: "/nonexistent/x.pcap")
        Issue.record("opened a missing file")
    } catch {
        #expect(error.description == "/nonexistent/x.pcap: No such file or directory")
    }
}

@Test func theEngineJudgesWhatTheReaderDelivers() throws {
    let path = try temporaryFile(pcapFile(linkType: 101, [(7, 0, ipv4())]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var reader = try PcapReader(path: path)
    let engine = Engine(program: Program.load(source: "policy drop\n", file: "t.rules").0!)
    var frames: [Int?] = []
    try engine.judgeAll(from: &reader) { packet, outcome, event in
        frames.append(packet.frame)
        #expect(outcome.action == .drop)
    }
    #expect(frames == [1] && engine.counters.packets == 1)
}

/// tcpdump's `timestamp_invalid_micro.pcap` case (issue 13): microseconds of 1,000,000 and
/// more. The reader names the frame instead of handing an impossible time to the log.
@Test(arguments: [UInt32(1_000_000), 4_294_967_295])
func outOfRangeMicrosecondsAreRefusedByFrame(micros: UInt32) throws {
    let path = try temporaryFile(pcapFile(linkType: 101, [(1_700_000_000, 999_999, ipv4()), (1_700_000_000, micros, ipv4())]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var reader = try PcapReader(path: path)
    #expect(try reader.nextPacket()?.timestamp == PacketTimestamp(seconds: 1_700_000_000, microseconds: 999_999))
    #expect {
        _ = try reader.nextPacket()
    } throws: { error in
        guard let error = error as? PcapError else { return false }
        // libpcap reads the field as a signed 32-bit value: 4294967295 arrives as -1.
        return error.kind == .invalidTimestamp && error.frame == 2
            && error.description == "\(path): frame 2: timestamp microseconds \(Int32(bitPattern: micros)) out of range (0 to 999999)"
    }
}

/// A pcapng timestamp past year 9999 (64-bit ticks) is refused by frame too.
@Test func pcapngTimestampBeyondYear9999IsRefused() throws {
    func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        return le32(type) + le32(length) + padded + le32(length)
    }
    // Section header: byte-order magic | version 1.0 | section length -1.
    let section = block(0x0A0D_0D0A, le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8))
    // Interface: link type raw (101) | reserved | snap length; default resolution (microseconds).
    let interface = block(1, le16(101) + le16(0) + le32(65535))
    // Enhanced packet: interface 0 | timestamp high | low | captured | original | data.
    let packet = ipv4()
    let enhanced = block(6, le32(0) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le32(UInt32(packet.count)) + le32(UInt32(packet.count)) + packet)
    let path = try temporaryFile(section + interface + enhanced)
    defer { try? FileManager.default.removeItem(atPath: path) }
    var reader = try PcapReader(path: path)
    #expect {
        _ = try reader.nextPacket()
    } throws: { error in
        (error as? PcapError)?.kind == .invalidTimestamp && (error as? PcapError)?.frame == 1
    }
}

// MARK: IPv6

/// A 40-byte IPv6 header (fd00::1 -> fd00::2, next header UDP unless given) and `payload`.
private func ipv6(_ payload: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8], next: UInt8 = 17) -> [UInt8] {
    let address = { (last: UInt8) in [0xFD, 0] + [UInt8](repeating: 0, count: 13) + [last] }
    return [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), next, 64]
        + address(1) + address(2) + payload
}

@Test func ipv6FramesAreDeliveredFromEthernetVLANsAndBothCookedKinds() throws {
    let vlan = [UInt8](repeating: 2, count: 12) + [0x81, 0x00, 0x00, 0x07, 0x86, 0xDD] + ipv6()
    let ethernetPath = try temporaryFile(pcapFile(linkType: 1, [
        (1, 0, ethernet(0x86DD, ipv6([1, 2]))), (2, 0, vlan), (3, 0, ethernet(0x0800, ipv4())),
    ]))
    // SLL: packet type | ARPHRD | address length | address (8) | protocol. SLL2: protocol |
    // reserved | interface index | ARPHRD | packet type | address length | address (8).
    let sll = try temporaryFile(pcapFile(linkType: 113, [(1, 0, [0, 4, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x86, 0xDD] + ipv6())]))
    let sll2 = try temporaryFile(pcapFile(linkType: 276, [(1, 0, [0x86, 0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + ipv6())]))
    defer { for path in [ethernetPath, sll, sll2] { try? FileManager.default.removeItem(atPath: path) } }
    let (packets, reader) = try readAll(ethernetPath)
    #expect(packets.map(\.0) == [ipv6([1, 2]), ipv6(), ipv4()])
    #expect(packets.map(\.2) == [1, 2, 3])
    #expect(packets[0].3 == 42)
    #expect(reader.counters.ipv6 == 2 && reader.counters.ipv4 == 1 && reader.counters.notIP.isEmpty)
    // Ethernet pads frames to 60 bytes: the 42-byte IPv6 and the 24-byte IPv4 packet lose theirs.
    #expect(reader.counters.paddingTrimmed == 2)
    for path in [sll, sll2] {
        let (cooked, cookedReader) = try readAll(path)
        #expect(cooked.map(\.0) == [ipv6()] && cookedReader.counters.ipv6 == 1)
    }
}

@Test func rawLinkTypesDeliverTheirFamilies() throws {
    // LINKTYPE_RAW: both; LINKTYPE_IPV4 (228): IPv4 only; LINKTYPE_IPV6 (229): IPv6 only.
    let raw = try temporaryFile(pcapFile(linkType: 101, [(1, 0, ipv4()), (2, 0, ipv6())]))
    let only4 = try temporaryFile(pcapFile(linkType: 228, [(1, 0, ipv4()), (2, 0, ipv6())]))
    let only6 = try temporaryFile(pcapFile(linkType: 229, [(1, 0, ipv4()), (2, 0, ipv6())]))
    defer { for path in [raw, only4, only6] { try? FileManager.default.removeItem(atPath: path) } }
    let (rawPackets, rawReader) = try readAll(raw)
    #expect(rawPackets.map(\.0) == [ipv4(), ipv6()] && rawReader.counters.ipv4 == 1 && rawReader.counters.ipv6 == 1)
    let (v4Packets, v4Reader) = try readAll(only4)
    #expect(v4Packets.map(\.0) == [ipv4()] && v4Reader.counters.notIP == ["ip version 6": 1])
    let (v6Packets, v6Reader) = try readAll(only6)
    #expect(v6Packets.map(\.0) == [ipv6()] && v6Reader.counters.notIP == ["ip version 4": 1] && v6Reader.linkType == .ipv6)
}

/// The kernel hands EtherType 0x0800 to ip_rcv and 0x86DD to ipv6_rcv, which drop a wrong
/// version: such a frame never reaches NFQUEUE, so replay does not judge it as the other family.
@Test func aVersionThatContradictsTheEtherTypeIsNotJudged() throws {
    let path = try temporaryFile(pcapFile(linkType: 1, [
        (1, 0, ethernet(0x0800, ipv6())), (2, 0, ethernet(0x86DD, ipv4())), (3, 0, [UInt8](repeating: 2, count: 12) + [0x86, 0xDD]),
    ]))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (packets, reader) = try readAll(path)
    #expect(packets.isEmpty)
    #expect(reader.counters.notIP == ["ethertype 0x0800 with ip version 6": 1, "ethertype 0x86dd with ip version 4": 1, "empty frame": 1])
}

/// ipv6_rcv trims to 40 + payload length; a payload length of 0 before a hop-by-hop header
/// may be a jumbogram (RFC 2675) and is left whole.
@Test func ipv6PaddingIsTrimmedToThePayloadLength() throws {
    let short = ipv6([9, 9])
    #expect(PcapReader.trimPadding(UnsafeRawBufferPointer(start: nil, count: 0)) == nil)
    (short + [0, 0, 0]).withUnsafeBytes { bytes in
        #expect(PcapReader.trimPadding(bytes).map(Array.init) == short)
    }
    short.withUnsafeBytes { #expect(PcapReader.trimPadding($0) == nil) }
    let empty = ipv6([], next: 59)
    (empty + [0, 0]).withUnsafeBytes { #expect(PcapReader.trimPadding($0).map(Array.init) == empty) }
    let jumbo = ipv6([], next: 0) + [0, 0, 0, 0]
    jumbo.withUnsafeBytes { #expect(PcapReader.trimPadding($0) == nil) }
}
