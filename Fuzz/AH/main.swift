// libFuzzer target for the AH header (payload length, ICV, reserved, SPI) and the protocol it protects, walked but never rewritten.
// The input is the IP payload of a canonical IPv4 header (protocol 51); odd-sized inputs skip
// the checksums as the kernel's CSUMNOTREADY does, so the structural checks behind them are
// reached. Never traps; an accepted datagram re-emits exactly as received, and an error
// lies inside the datagram.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAH(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size <= 2048 else { return 0 }
    var packet = [UInt8](repeating: 0, count: 20 + size)
    let header: [UInt8] = [0x45, 0, UInt8((20 + size) >> 8), UInt8((20 + size) & 0xFF), 0, 1, 0x40, 0, 64, 51, 0, 0, 10, 1, 0, 2, 10, 2, 0, 2]
    for index in 0..<20 { packet[index] = header[index] }
    for index in 0..<size { packet[20 + index] = data[index] }
    let sum = Checksum.internetChecksum(packet.span.bytes.extracting(0..<20))
    packet[10] = UInt8(sum >> 8)
    packet[11] = UInt8(sum & 0xFF)
    let context = PacketContext(checksumNotReady: size & 1 == 1)
    let datagram: Datagram
    do throws(DecodeError) {
        datagram = try Datagram(parsing: packet.span.bytes, context: context)
    } catch {
        precondition(error.offset >= 0 && error.offset <= packet.count, "error offset outside the datagram")
        return 0
    }
    precondition(datagram.normalizations.isEmpty, "a canonical IPv4 header needs no normalizing")
    var out = [UInt8](repeating: 0xAA, count: datagram.encodedLength)
    do {
        var span = out.mutableSpan
        var raw = span.mutableBytes
        datagram.emit(payloadFrom: packet.span.bytes, into: &raw, transportChecksum: .keepReceived)
    }
    precondition(out == packet, "an accepted datagram did not re-emit as received")
    return 0
}
