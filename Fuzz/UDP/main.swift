// libFuzzer target for the UDP layer alone: never traps; an accepted header emits and decodes
// again to the same header. The first byte chooses first-fragment mode.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUDP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let first = bytes.first else { return 0 }
    let datagram = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
    do throws(DecodeError) {
        let view = try UDP.View(validating: datagram.bytes, at: 20, firstFragment: first & 1 != 0)
        let header = try UDP.Header(parsing: view, pseudoHeaderSum: nil)
        var out = [UInt8](repeating: 0xAA, count: header.encodedLength)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            header.emit(into: &raw)
        }
        precondition(out.elementsEqual(datagram.prefix(8)), "UDP header did not emit as received")
    } catch {
        precondition(error.layer == .udp && error.offset >= 20, "bad error location")
    }
    return 0
}
