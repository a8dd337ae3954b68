// libFuzzer target for the DNS message decoder (RFC 1035 §4, RFC 6891, RFC 9267), the input being
// the UDP payload. Never traps or hangs; an accepted message can be walked again (names, answer
// addresses) without leaving its bytes, and a refusal names an offset inside the message.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size).bytes
    // The first byte picks the opcodes allowed, so NOTIFY and UPDATE paths are reached too.
    let options = DNS.Options(allowedOpcodes: size > 0 && data[0] & 1 == 1 ? 0xFFFF : 1)
    do throws(DecodeError) {
        let message = try DNS.Message(parsing: bytes, at: 28, options: options)
        precondition(message.length == size && message.questionName.wireLength >= 1, "bad summary")
        var labels = 0
        var octets = 1
        message.questionName.forEachLabel(in: bytes) { start, length in
            precondition(start + length <= size && length <= 63, "label out of the message")
            labels += 1
            octets += 1 + length
        }
        precondition(labels == Int(message.questionName.labelCount) && octets == Int(message.questionName.wireLength), "name walk disagrees")
        var addresses = 0
        message.forEachAnswerAddress(in: bytes) { _ in addresses += 1 }
        precondition(addresses == Int(message.addressAnswerCount), "address walk disagrees")
    } catch {
        precondition(error.layer == .dns && error.offset >= 28 && error.offset <= 28 + size, "bad error location")
    }
    return 0
}
