// libFuzzer target for the ESP header alone (RFC 4303: SPI, sequence number; the rest is ciphertext).
// Never traps; an accepted header emits as received.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzESP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = UnsafeRawBufferPointer(start: data, count: size)
    do throws(DecodeError) {
        let view = try ESP.View(validating: message.bytes, at: 20)
        let header = try ESP.Header(parsing: view)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        precondition(out.elementsEqual(message.prefix(8)), "ESP header did not emit as received")
    } catch {
        precondition(error.layer == .esp && error.offset >= 20 && error.offset <= 20 + Swift.max(size, 8), "bad error location")
    }
    return 0
}
