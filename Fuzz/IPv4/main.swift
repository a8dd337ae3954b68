// libFuzzer target for the IPv4 layer alone: View(validating:) and Header(parsing:) must never
// trap, and an accepted header must emit and decode again to the same header.
// Built with the Wire sources by scripts/fuzz.

/// Built once: building it per input dominated the run time.
let everyOptionType = IPOptionTypes(0...255)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPv4(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // First byte chooses the allowances, the rest is the datagram.
    guard size > 0 else { return 0 }
    let first = data[0]
    let packet = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let options = DecodeOptions(
        allowFragments: first & 1 != 0,
        allowedIPOptionTypes: first & 2 != 0 ? everyOptionType : IPOptionTypes())
    do throws(DecodeError) {
        let view = try IPv4.View(validating: packet.bytes)
        var normalizations = Normalizations()
        let header = try IPv4.Header(parsing: view, options: options, normalizations: &normalizations)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        var copy = header
        copy.totalLength = UInt16(header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            copy.emit(into: &raw)
        }
        let again = try IPv4.Header(parsing: IPv4.View(validating: out.span.bytes), options: options)
        var expected = copy
        expected.headerChecksum = again.headerChecksum
        precondition(again == expected, "IPv4 header did not survive emit and decode")
    } catch {
        precondition(error.offset >= 0 && error.offset <= Swift.max(packet.count, 20), "error offset outside the datagram")
    }
    return 0
}
