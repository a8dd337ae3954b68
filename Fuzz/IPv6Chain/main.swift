// libFuzzer target for the IPv6 fixed header and the extension header walk alone (RFC 8200 §4):
// never traps, errors point inside the packet, and an accepted chain with nothing to normalize
// emits exactly the bytes it was read from. The first byte chooses the allowances.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPv6Chain(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let first = data[0]
    let packet = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let options = DecodeOptions(
        allowFragments: first & 1 != 0,
        allowedIPv6Headers: IPv6HeaderAllowances(
            hopByHop: first & 2 != 0, destinationOptions: first & 4 != 0, routingTypes: IPOptionTypes([first >> 3])))
    do throws(DecodeError) {
        let view = try IPv6.View(validating: packet.bytes)
        let header = try IPv6.Header(parsing: view)
        var normalizations = Normalizations()
        let chain = try IPv6.ExtensionHeaders(parsing: packet.bytes, options: options, normalizations: &normalizations)
        let end = IPv6.headerLength + chain.length
        precondition(end <= packet.count, "the chain runs past the packet")
        var out = [UInt8](repeating: 0xAA, count: end)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            var fixed = raw._mutatingExtracting(0..<IPv6.headerLength)
            header.emit(into: &fixed)
            chain.emit(into: &raw, at: IPv6.headerLength, original: packet.bytes)
        }
        if normalizations.isEmpty {
            precondition(out.elementsEqual(packet.prefix(end)), "the chain did not emit as received")
        }
    } catch {
        precondition(error.offset >= 0 && error.offset <= Swift.max(packet.count, 40), "error offset outside the packet")
    }
    return 0
}
