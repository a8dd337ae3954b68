// libFuzzer target for the IGMP layer alone (v1, v2, v3: lengths, source counts, group records,
// checksum, group addresses). Never traps; an accepted message's header emits as received.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIGMP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = UnsafeRawBufferPointer(start: data, count: size)
    do throws(DecodeError) {
        let view = try IGMP.View(validating: message.bytes, at: 20)
        let header = try IGMP.Header(parsing: view, verifyingChecksum: size & 1 == 0)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        precondition(out.elementsEqual(message.prefix(8)), "IGMP header did not emit as received")
    } catch {
        precondition(error.layer == .igmp && error.offset >= 20 && error.offset <= 20 + Swift.max(size, 8), "bad error location")
    }
    return 0
}
