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
        (102, 7, ethernet(0x86DD, [0x60] + [UInt8](repeating: 0, count: 39))),
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
    #expect(reader.counters.notIPv4 == ["arp": 1, "ipv6": 1])
    #expect(reader.counters.paddingTrimmed == 1)
}

@Test func rawAndCookedCapturesDeliverTheDatagram() throws {
    let raw = try temporaryFile(pcapFile(linkType: 101, [(1, 0, ipv4()), (2, 0, [0x60, 0, 0, 0])]))
    let cooked = try temporaryFile(pcapFile(linkType: 113, [(1, 0, [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + ipv4())]))
    defer {
        try? FileManager.default.removeItem(atPath: raw)
        try? FileManager.default.removeItem(atPath: cooked)
    }
    let (rawPackets, rawReader) = try readAll(raw)
    #expect(rawPackets.map(\.0) == [ipv4()] && rawReader.counters.notIPv4 == ["ipv6": 1])
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
