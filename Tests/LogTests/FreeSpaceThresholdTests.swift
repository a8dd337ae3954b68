import Testing
import Log

@Test(arguments: [
    ("0", FreeSpaceThreshold.bytes(0)), ("1048576", .bytes(1 << 20)), ("512k", .bytes(512 << 10)),
    ("64M", .bytes(64 << 20)), ("2G", .bytes(2 << 30)), ("1T", .bytes(1 << 40)), ("5%", .percent(5)), ("0%", .percent(0)),
] as [(String, FreeSpaceThreshold)])
func freeSpaceThresholdsParse(text: String, value: FreeSpaceThreshold) {
    #expect(FreeSpaceThreshold(parsing: text) == value)
}

@Test(arguments: ["", "%", "100%", "-1", "5 %", "1.5G", "2X", "99999999999999999999", "17179869184G"])
func badFreeSpaceThresholdsAreRefused(text: String) {
    #expect(FreeSpaceThreshold(parsing: text) == nil)
}

@Test func aThresholdIsComparedWithTheSpaceAnUnprivilegedWriterHas() {
    let space = FilesystemSpace(available: 10 << 20, total: 1 << 30)
    #expect(space.isLow(.bytes(11 << 20)))
    #expect(!space.isLow(.bytes(10 << 20)))
    #expect(space.isLow(.percent(2)))    // 2 % of 1 GiB is 21 MB
    #expect(!space.isLow(.percent(0)))
    #expect(FreeSpaceThreshold.percent(0).isOff && FreeSpaceThreshold.bytes(0).isOff)
    #expect(FilesystemSpace.of(path: "/") != nil)
    #expect(FilesystemSpace.of(path: "/nonexistent/x") == nil)
}
