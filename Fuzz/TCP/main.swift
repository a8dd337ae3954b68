// libFuzzer target for the TCP layer alone (checksum not verified: the pseudo-header is not
// fuzzed here, the Datagram target covers it). An accepted header must emit and decode again
// to the same header, with nothing left to normalize.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTCP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let segment = UnsafeRawBufferPointer(start: data, count: size)
    do throws(DecodeError) {
        let view = try TCP.View(validating: segment.bytes, at: 20)
        var normalizations = Normalizations()
        let header = try TCP.Header(parsing: view, pseudoHeaderSum: nil, normalizations: &normalizations)
        precondition(header.encodedLength == view.headerLength, "rebuilt TCP header changed length")
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        var again = Normalizations()
        let reparsed = try TCP.Header(parsing: TCP.View(validating: out.span.bytes, at: 20), pseudoHeaderSum: nil, normalizations: &again)
        precondition(reparsed == header, "TCP header did not survive emit and decode")
        precondition(again.isEmpty, "a rebuilt TCP header still needs normalizing")
        precondition(normalizations.isEmpty == out.elementsEqual(segment.prefix(out.count)), "normalizations disagree with the bytes")
    } catch {
        precondition(error.layer == .tcp && error.offset >= 20 && error.offset <= 20 + Swift.max(size, 20), "bad error location")
    }
    return 0
}
