// libFuzzer target for `explain`'s packet syntax (`PacketDescription.parse`): bytes in, a
// packet or one located diagnostic out, never a crash or a hang. A packet that parses is then
// explained against a small fixed ruleset (both families), as `portcullis explain` does, and its explanation
// rendered; the index and the reference evaluator must agree on it.
//
// Compiled into the Rules module (scripts/fuzz), so internal API is in reach.

/// Built once: the rules every parsed packet is explained against.
let fuzzProgram: Program = {
    let source = """
        policy drop
        set web = { 80, 443, 8000-8080 }
        accept tcp from 10.1.0.0/24 to any port 22 flags S/SA state new label "ssh"
        accept tcp to any port $web in eth0
        accept udp to any port 53 ttl 2-255 length 28-512
        accept icmp type { echo-request, echo-reply } code 0
        drop log any from 192.168.0.0/16 mark 0x10
        accept tcp from { fd00::/8, 10.3.0.0/16 } to 2001:db8::/32 port 443
        accept icmp6 type { echo-request, neighbor-solicitation } ttl 255
        accept inet6 udp from !fe80::/10 to any port 53
        """
    guard let program = Program.load(source: source, file: "fuzz.rules").program else {
        preconditionFailure("the fixed ruleset has errors")
    }
    return program
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacketDescription(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch PacketDescription.parse(text) {
    case .failure(let diagnostic):
        precondition(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "bad location: \(diagnostic)")
        precondition(diagnostic.severity == .error, "a packet that cannot be read is an error")
    case .success(let packet):
        precondition(fuzzProgram.evaluate(packet) == fuzzProgram.evaluateLinearly(packet), "index and reference disagree on \(packet)")
        let explanation = fuzzProgram.explain(packet)
        _ = fuzzProgram.render(explanation, packet: packet, sourceLine: { _ in "accept tcp" })
    }
    return 0
}
