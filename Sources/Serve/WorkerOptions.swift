import Log

/// What `run` asked of the loop beyond the queue and the rules.
public struct WorkerOptions: Sendable {
    /// The program's version, for the `start` event.
    public var version = ""
    /// Seconds between `stats` events; 0 turns them off.
    public var statsInterval: Int = 60
    /// Fail closed on the log: drop packets while verdict lines cannot be written, or while
    /// the disk guard holds back the line of a packet that would be accepted.
    public var requireLog = false
    /// Where to write Prometheus metrics (textfile collector), and how often.
    public var metricsFile: String?
    public var metricsInterval: Int = 15
    /// Known-answer packets the start-up self-test checked.
    public var knownAnswers = 0
    /// The kernel accepts unjudged packets when the queue is full (logged in `start`).
    public var failOpen = false
    /// Read the connection state from mark bits `shift ..< shift + 3` (and hide them from
    /// `mark` rules) instead of asking the kernel for NFQA_CT_INFO.
    public var stateMarkShift: UInt32?
    /// The log file whose filesystem the disk guard watches; nil for standard output.
    public var logPath: String?
    /// `--log-min-free`: verdict lines stop while free space is under it.
    public var logMinFree = FreeSpaceThreshold.default
    /// `--reject-mark`: the mark bits a rejected packet is handed back with (NF_REPEAT), for
    /// the kernel REJECT rule that `scripts/install-iptables` puts before the NFQUEUE rule.
    public var rejectMark = WorkerOptions.defaultRejectMark

    /// Bit 30: clear of the low bits other tools tend to use, and of the state bits of
    /// `--state-mark-shift` up to 27.
    public static let defaultRejectMark: UInt32 = 0x4000_0000

    public init(
        version: String = "", statsInterval: Int = 60, requireLog: Bool = false, metricsFile: String? = nil,
        metricsInterval: Int = 15, knownAnswers: Int = 0, failOpen: Bool = false, stateMarkShift: UInt32? = nil,
        logPath: String? = nil, logMinFree: FreeSpaceThreshold = .default,
        rejectMark: UInt32 = WorkerOptions.defaultRejectMark
    ) {
        self.rejectMark = rejectMark
        self.version = version
        self.statsInterval = statsInterval
        self.requireLog = requireLog
        self.metricsFile = metricsFile
        self.metricsInterval = metricsInterval
        self.knownAnswers = knownAnswers
        self.failOpen = failOpen
        self.stateMarkShift = stateMarkShift
        self.logPath = logPath
        self.logMinFree = logMinFree
    }
}
