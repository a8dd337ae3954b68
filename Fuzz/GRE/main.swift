// libFuzzer target for the GRE header alone (RFC 2784, RFC 2890: flags, version, protocol
// type, optional checksum, key and sequence number). Never traps; an accepted header emits as
// received, but for the reserved bits and reserved1, which it clears and says so.
// The first byte chooses whether the checksum is verified; the rest is the GRE packet.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGRE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let verifying = data[0] & 1 != 0
    let message = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    do throws(DecodeError) {
        let view = try GRE.View(validating: message.bytes, at: 20)
        var normalizations = Normalizations()
        let header = try GRE.Header(parsing: view, verifyingChecksum: verifying, normalizations: &normalizations)
        precondition(header.encodedLength == view.headerLength, "the header does not emit at its received length")
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        var expected = Array(message.prefix(header.encodedLength))
        expected[0] &= 0xB0  // C, K, S kept; reserved bits and version (0) cleared
        expected[1] = 0
        if header.hasChecksum { expected[6] = 0; expected[7] = 0 }
        precondition(out == expected, "GRE header did not emit as received")
        let reservedSet = message[0] & 0x03 != 0 || message[1] & 0xF8 != 0 || (header.hasChecksum && (message[6] | message[7]) != 0)
        precondition(normalizations.contains(.greReserved) == reservedSet, "gre_reserved does not say what the emit cleared")
        precondition(!normalizations.contains(.transportChecksum) || (verifying && header.checksum == 0xFFFF), "bad checksum flag")
    } catch {
        precondition(error.layer == .gre && error.offset >= 20 && error.offset <= 20 + 4, "bad error location")
    }
    return 0
}
