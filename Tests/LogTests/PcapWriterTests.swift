import Foundation
import Testing
import Engine
@testable import Log

@Test func writtenPacketsReadBackWithTheirTimesAndLengths() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-\(UUID().uuidString).pcap").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    // An IPv4 header: version/IHL 0x45, total length 24, then 4 payload bytes.
    let packet: [UInt8] = [0x45, 0, 0, 24] + [UInt8](repeating: 0, count: 16) + [9, 9, 9, 9]
    let writer = try PcapWriter(path: path)
    packet.withUnsafeBytes { writer.write($0, timestamp: PacketTimestamp(seconds: 1_767_225_600, microseconds: 42)) }
    // A cut copy: 8 bytes captured of a 24-byte packet.
    packet.withUnsafeBytes { writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<8]), originalLength: 24) }
    writer.close()
    #expect(writer.packetsWritten == 2 && writer.writeErrors == 0)

    var reader = try PcapReader(path: path)
    #expect(reader.linkType == .raw)
    let first = try #require(try reader.nextPacket())
    #expect(Array(first.bytes) == packet)
    #expect(first.timestamp == PacketTimestamp(seconds: 1_767_225_600, microseconds: 42))
    let second = try #require(try reader.nextPacket())
    #expect(second.bytes.count == 8 && second.metadata.packetLength == 24)
    #expect(reader.counters.truncated == 1)
    #expect(try reader.nextPacket() == nil)
}

/// A refused path throws a typed error, once, and libpcap's handle is freed once: by the init's
/// own clean-up, not again by deinit.
@Test func aSymlinkedCaptureFileIsRefusedWithoutCrashing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pcapwriter-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "precious".write(toFile: directory + "/victim", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: directory + "/capture.pcap", withDestinationPath: directory + "/victim")
    #expect {
        _ = try PcapWriter(path: directory + "/capture.pcap")
    } throws: { error in
        (error as? PcapError)?.kind == .unsafePath && "\(error)".contains("symbolic link")
    }
    #expect(try String(contentsOfFile: directory + "/victim", encoding: .utf8) == "precious")
}
