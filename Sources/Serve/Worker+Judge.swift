import Engine
import Log
import QueueIO
import Rules

/// One packet: its metadata, the engine's verdict, the log line, the capture, the answer.
extension Worker {
    /// Judges one queued packet and returns the kernel's answer. Every path returns one; with
    /// `--require-log` a packet whose line cannot be written (or is held back by the disk
    /// guard) is never accepted.
    func judge(_ message: QueueMessage) -> QueueAnswer {
        notePacketID(message.packetID)
        // Fail closed on the log: nothing passes while verdicts cannot be recorded.
        if options.requireLog && writer.isFailing {
            health.droppedForLog += 1
            return .drop
        }
        let input = interface(message.inInterface), output = interface(message.outInterface)
        let metadata = self.metadata(of: message, input: input, output: output)
        let (outcome, event) = engine.judge(message.payload, metadata: metadata)
        if event.reason == .internal { health.internalErrors += 1 }
        capture?.record(message.payload, packetLength: message.packetLength, outcome: outcome)
        if event.shouldLog, !log(event, outcome: outcome, input: input, output: output) {
            health.droppedForLog += 1
            return .drop
        }
        return answer(outcome, mark: message.mark)
    }

    /// The kernel's answer. A reject goes back to the kernel with the reject mark added
    /// (NF_REPEAT), for the REJECT rule before the NFQUEUE rule; a packet that already
    /// carries the mark came back unanswered (that rule is missing) and is dropped, so
    /// it cannot loop through the queue.
    private func answer(_ outcome: Outcome, mark: UInt32) -> QueueAnswer {
        guard case .reject = outcome else { return QueueAnswer(outcome) }
        if mark & options.rejectMark == options.rejectMark {
            health.rejectsUnanswered += 1
            return .drop
        }
        return .repeatMarked(mark | options.rejectMark)
    }

    /// Writes the verdict line if the gate admits it. Returns false when `--require-log`
    /// forbids the accept: the line could not be written, or the disk guard held it back.
    private func log(_ event: VerdictEvent, outcome: Outcome, input: InterfaceInfo, output: InterfaceInfo) -> Bool {
        if gate.admit(event, now: batchClock) {
            writer.writeVerdict(event, inInterface: input.name, outInterface: output.name)
            if options.requireLog {
                writer.flush()
                if writer.isFailing, outcome.action == .accept { return false }
            }
        } else if options.requireLog, gate.diskLow, outcome.action == .accept {
            return false
        }
        return true
    }

    /// The engine's view of the packet: the mark, the interfaces, and the connection state
    /// (from mark bits with `--state-mark-shift`, which are then hidden from `mark` rules,
    /// else from the kernel's conntrack attribute).
    func metadata(of message: QueueMessage, input: InterfaceInfo, output: InterfaceInfo) -> PacketMetadata {
        var mark = message.mark
        let state: ConnectionState?
        if let shift = options.stateMarkShift {
            state = ConnectionState(markBits: (mark >> shift) & 7)
            mark &= ~(7 << shift)
        } else {
            state = ConnectionState.fromKernel(conntrackInfo: message.conntrackInfo, conntrackEnabled: session.conntrack)
        }
        return PacketMetadata(
            queue: session.queue, packetID: message.packetID,
            inInterface: message.inInterface, outInterface: message.outInterface,
            mark: mark, packetLength: message.packetLength,
            context: .init(
                checksumNotReady: message.skbInfo.contains(.checksumNotReady),
                isGSO: message.skbInfo.contains(.gso),
                inputMTU: input.mtu
            ),
            inInterfaceName: input.ruleName,
            outInterfaceName: output.ruleName,
            connectionState: state
        )
    }

    /// The cached facts about `index`: one dictionary lookup per packet and interface; the
    /// directory is asked once per index for the life of the loop.
    func interface(_ index: UInt32) -> InterfaceInfo {
        guard index != 0 else { return InterfaceInfo() }
        if let known = interfaces[index] { return known }
        let info = interfaceDirectory.lookUp(index: index)
        interfaces[index] = info
        return info
    }
}

extension QueueAnswer {
    /// The kernel's answer for the engine's outcome; a rebuilt packet's bytes stay borrowed
    /// from the engine until the session has copied them into the verdict. A reject is a
    /// drop here: only the worker knows the mark that turns it into a REJECT.
    public init(_ outcome: Outcome) {
        switch outcome {
        case .drop, .reject: self = .drop
        case .accept: self = .accept
        case .acceptRebuilt(let bytes): self = .acceptRebuilt(bytes)
        }
    }
}
