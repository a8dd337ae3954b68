import Testing
@testable import Log
