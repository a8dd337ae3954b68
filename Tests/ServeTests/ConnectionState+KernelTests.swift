import Rules
import Serve
import Testing

@Test func missingConntrackIsInvalidOnlyWhenConntrackIsOn() {
    #expect(ConnectionState.fromKernel(conntrackInfo: nil, conntrackEnabled: true) == .invalid)
    #expect(ConnectionState.fromKernel(conntrackInfo: nil, conntrackEnabled: false) == nil)
    #expect(ConnectionState.fromKernel(conntrackInfo: 2, conntrackEnabled: true) == .new)
}
