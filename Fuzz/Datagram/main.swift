// libFuzzer target for the whole path the engine runs: decode, rebuild, compare. Whatever the
// rebuild emits must decode again, with nothing left to normalize, and re-emit to the same
// bytes; a datagram with no normalizations must re-emit exactly the bytes received.
// The first byte chooses the allowances and the kernel's flags; the rest is the datagram.

/// Built once: building it per input dominated the run time.
let everyOptionType = IPOptionTypes(0...255)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDatagram(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let first = data[0]
    let packet = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let options = DecodeOptions(
        allowFragments: first & 1 != 0,
        allowedIPOptionTypes: first & 2 != 0 ? everyOptionType : IPOptionTypes())
    let context = PacketContext(checksumNotReady: first & 4 != 0, isGSO: first & 8 != 0)
    let datagram: Datagram
    do throws(DecodeError) {
        datagram = try Datagram(parsing: packet.bytes, context: context, options: options)
    } catch {
        precondition(error.offset >= 0 && error.offset <= Swift.max(packet.count, 20), "error offset outside the datagram")
        return 0
    }
    let mode: ChecksumMode = context.checksumNotReady ? .keepReceived : .compute
    let rebuilt = emit(datagram, from: packet, mode: mode)
    if datagram.normalizations.isEmpty {
        precondition(rebuilt.elementsEqual(packet), "no normalizations, yet the rebuild differs")
    } else {
        precondition(!rebuilt.elementsEqual(packet), "normalizations reported, yet the rebuild is identical")
    }
    // What the engine sends when the packet changed: transport checksum computed.
    let sent = context.checksumNotReady && !rebuilt.elementsEqual(packet) ? emit(datagram, from: packet, mode: .compute) : rebuilt
    let again: Datagram
    do throws(DecodeError) {
        // `span.bytes` keeps the typed throw (Array.withUnsafeBytes would not).
        again = try Datagram(
            parsing: sent.span.bytes,
            context: PacketContext(checksumNotReady: context.checksumNotReady && sent == rebuilt), options: options)
    } catch {
        preconditionFailure("the rebuilt datagram does not decode: \(error)")
    }
    precondition(again.normalizations.isEmpty, "the rebuilt datagram still needs normalizing")
    let twice = sent.withUnsafeBytes { emit(again, from: $0, mode: mode) }
    precondition(twice == sent, "the rebuilt datagram does not re-emit to the same bytes")
    return 0
}

func emit(_ datagram: Datagram, from original: UnsafeRawBufferPointer, mode: ChecksumMode) -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: datagram.encodedLength)
    do {
        var span = out.mutableSpan
        var raw = span.mutableBytes
        datagram.emit(payloadFrom: original.bytes, into: &raw, transportChecksum: mode)
    }
    return out
}
