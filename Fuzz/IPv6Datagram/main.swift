// libFuzzer target for the whole IPv6 path the engine will run: decode, rebuild, compare.
// Whatever the rebuild emits must decode again, with nothing left to normalize, and re-emit to
// the same bytes; a packet with no normalizations must re-emit exactly the bytes received.
// The first byte chooses the allowances and the kernel's flags; the rest is the packet.

/// Built once: building it per input dominated the run time.
let everyRoutingType = IPOptionTypes(1...255)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPv6Datagram(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let first = data[0]
    let packet = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let options = DecodeOptions(
        allowFragments: first & 1 != 0,
        allowedIPv6Headers: IPv6HeaderAllowances(
            hopByHop: first & 2 != 0, destinationOptions: first & 16 != 0,
            routingTypes: first & 32 != 0 ? everyRoutingType : IPOptionTypes()))
    let context = PacketContext(checksumNotReady: first & 4 != 0, isGSO: first & 8 != 0)
    let datagram: IPv6Datagram
    do throws(DecodeError) {
        datagram = try IPv6Datagram(parsing: packet.bytes, context: context, options: options)
    } catch {
        precondition(error.offset >= 0 && error.offset <= Swift.max(packet.count, 40), "error offset outside the packet")
        return 0
    }
    let mode: ChecksumMode = context.checksumNotReady ? .keepReceived : .compute
    let rebuilt = emit(datagram, from: packet, mode: mode)
    if datagram.normalizations.isEmpty {
        precondition(rebuilt.elementsEqual(packet), "no normalizations, yet the rebuild differs")
    } else {
        precondition(!rebuilt.elementsEqual(packet), "normalizations reported, yet the rebuild is identical")
    }
    let sent = context.checksumNotReady && !rebuilt.elementsEqual(packet) ? emit(datagram, from: packet, mode: .compute) : rebuilt
    let again: IPv6Datagram
    do throws(DecodeError) {
        again = try IPv6Datagram(
            parsing: sent.span.bytes,
            context: PacketContext(checksumNotReady: context.checksumNotReady && sent == rebuilt), options: options)
    } catch {
        preconditionFailure("the rebuilt packet does not decode: \(error)")
    }
    precondition(again.normalizations.isEmpty, "the rebuilt packet still needs normalizing")
    let twice = sent.withUnsafeBytes { emit(again, from: $0, mode: mode) }
    precondition(twice == sent, "the rebuilt packet does not re-emit to the same bytes")
    return 0
}

func emit(_ datagram: IPv6Datagram, from original: UnsafeRawBufferPointer, mode: ChecksumMode) -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: datagram.encodedLength)
    do {
        var span = out.mutableSpan
        var raw = span.mutableBytes
        datagram.emit(payloadFrom: original.bytes, into: &raw, transportChecksum: mode)
    }
    return out
}
