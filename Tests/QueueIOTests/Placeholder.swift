import Testing
@testable import QueueIO
