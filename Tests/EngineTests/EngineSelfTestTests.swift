import Testing
@testable import Engine
import Rules
import Wire

@Suite struct EngineSelfTestTests {
    @Test func theBuiltInKnownAnswersPass() {
        let result = Engine.selfTest()
        #expect(result.failure == nil)
        #expect(result.checked == Engine.knownAnswers.count && result.checked >= 5)
    }

    @Test func aWrongAnswerIsCaught() {
        var answers = Engine.knownAnswers
        // Claim the canonical SYN would be rebuilt: the engine (rightly) leaves it alone.
        answers[0].expected = .rebuilt(Engine.knownSYN)
        let result = Engine.selfTest(answers)
        #expect(result.failure?.hasPrefix("canonical TCP SYN:") == true)
        #expect(result.checked == 1)
    }

    @Test func aWrongDecodeErrorIsCaught() {
        var answers = Array(Engine.knownAnswers.prefix(4))
        answers[3].expected = .decodeError(.ipv4, .protocol, 8, .unknownProtocol)
        #expect(Engine.selfTest(answers).failure?.hasPrefix("IP protocol 253: decode error") == true)
    }
}
