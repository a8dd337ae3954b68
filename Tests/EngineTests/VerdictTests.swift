import Testing
import Engine
import Rules
import Wire

@Suite struct VerdictTests {
    @Test func outcomeActions() {
        let bytes: [UInt8] = [1, 2, 3]
        #expect(Outcome.drop.action == .drop)
        #expect(Outcome.accept.action == .accept)
        bytes.withUnsafeBytes { raw in
            #expect(Outcome.acceptRebuilt(raw).action == .accept)
        }
    }

    /// The raw values are the log's `reason` field, counted by `report`: they must not drift.
    @Test(arguments: [
        (VerdictReason.rule, "rule"), (.policy, "policy"), (.decode, "decode"), (.internal, "internal"),
    ])
    func reasonRawValues(reason: VerdictReason, logged: String) {
        #expect(reason.rawValue == logged)
        #expect(VerdictReason(rawValue: logged) == reason)
    }

    @Test func metadataDefaults() {
        let metadata = PacketMetadata(queue: 2, packetID: 9, packetLength: 60)
        #expect(metadata.inInterface == 0 && metadata.outInterface == 0 && metadata.mark == 0)
        #expect(metadata.context == PacketContext(checksumNotReady: false, isGSO: false))
        #expect(metadata.packetLength == 60 && metadata.queue == 2 && metadata.packetID == 9)
    }
}
