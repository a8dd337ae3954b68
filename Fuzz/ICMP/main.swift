// libFuzzer target for the ICMP layer alone: type, code, checksum and the quoted IPv4 header of
// error messages. Never traps; an accepted header emits as received.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICMP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = UnsafeRawBufferPointer(start: data, count: size)
    do throws(DecodeError) {
        let view = try ICMP.View(validating: message.bytes, at: 20)
        let header = try ICMP.Header(parsing: view, verifyingChecksum: size & 1 == 0)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        precondition(out.elementsEqual(message.prefix(8)), "ICMP header did not emit as received")
    } catch {
        precondition(error.layer == .icmp && error.offset >= 20 && error.offset <= 20 + Swift.max(size, 8), "bad error location")
    }
    return 0
}
