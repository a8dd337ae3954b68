// libFuzzer target for the ICMPv6 layer alone (RFC 4443, RFC 4861, RFC 3810): type, code,
// checksum, quoted header, ND and MLD checks. Never traps; errors point inside the message or at
// the IPv6 fields it depends on; an accepted header emits as received, reserved bits cleared.
// The first byte chooses what the IPv6 layers would have said.

let linkLocal = IPv6Address(high: 0xFE80_0000_0000_0000, low: 1)
let solicited = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x1_FF00_0002)
let global = IPv6Address(high: 0x2001_0DB8_0000_0000, low: 2)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICMPv6(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let first = data[0]
    let message = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let context = ICMPv6.Context(
        pseudoHeaderSum: first & 1 != 0 ? Checksum.pseudoHeaderSum(source: linkLocal, destination: solicited, proto: .icmpv6,
                                                                   length: UInt32(message.count)) : nil,
        hopLimit: [255, 1, 64, 0][Int(first >> 1 & 3)],
        source: first & 8 != 0 ? .unspecified : linkLocal,
        destination: first & 16 != 0 ? solicited : global,
        packetLength: 40 + message.count, hasFragmentHeader: first & 32 != 0,
        routerAlert: first & 64 != 0 ? 0 : nil)
    do throws(DecodeError) {
        let view = try ICMPv6.View(validating: message.bytes, at: 40)
        var normalizations = Normalizations()
        let header = try ICMPv6.Header(parsing: view, context: context, normalizations: &normalizations)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        let reserved = normalizations.contains(.icmpv6Reserved)
        precondition(out.prefix(4).elementsEqual(message.prefix(4)), "ICMPv6 type, code or checksum did not emit as received")
        precondition(reserved != out[4..<8].elementsEqual(message[4..<8]), "bytes 4-7 changed without a normalization, or not at all with one")
    } catch {
        precondition(error.offset >= 0 && error.offset <= 40 + Swift.max(message.count, 8), "bad error location")
    }
    return 0
}
