import Foundation

/// The simulation's counters, its progress line on standard error (rewritten in place with `\r` on a
/// terminal, a plain line every 5 s otherwise) and the final summary.
struct SimulationProgress {
    var sent = 0
    var failed = 0
    var lastError: String?
    var byChannel: [String: Int] = [:]
    var incidents: [String] = []
    let plannedTotal: Int?
    let estimatedTotal: Int
    let started = ContinuousClock.now
    /// When publishing stopped (the wait for acknowledgements is not part of the rate).
    var finished: ContinuousClock.Instant?
    private var lastDrawn: ContinuousClock.Instant?
    private let interactive = isatty(STDERR_FILENO) == 1

    init(count: Int?, estimatedTotal: Int) {
        plannedTotal = count
        self.estimatedTotal = estimatedTotal
    }

    var elapsedSeconds: Double {
        let elapsed = (finished ?? ContinuousClock.now) - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    mutating func record(channel: String) {
        sent += 1
        byChannel[channel, default: 0] += 1
    }

    /// Redraws the progress line when it is due (4 times a second on a terminal, every 5 s otherwise).
    mutating func draw(pending: Int, link: String?, force: Bool = false) {
        let now = ContinuousClock.now
        if !force, let lastDrawn, now - lastDrawn < (interactive ? .milliseconds(250) : .seconds(5)) { return }
        lastDrawn = now
        let total = plannedTotal.map(String.init) ?? "~\(estimatedTotal)"
        let elapsed = elapsedSeconds
        let rate = elapsed >= 0.5 ? String(format: "%.1f", Double(sent) / elapsed) : "-"
        var line = "sent \(sent)/\(total)  \(rate) msg/s  incidents \(incidents.count)  pending PUBACKs \(pending)"
        if let link { line += "  [\(link)]" }
        if failed > 0 { line += "  publish errors \(failed)" }
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// Ends the in-place line so later output starts on a fresh line.
    func finishLine() {
        if interactive, lastDrawn != nil { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func summary(devices: Int, broker: String, qos: Int32, unacknowledged: Int, interrupted: Bool) -> String {
        let seconds = elapsedSeconds
        let channels = "\(byChannel["status", default: 0]) status, \(byChannel["telemetry", default: 0]) telemetry and "
            + "\(byChannel["event", default: 0]) event messages"
        var lines = [
            (interrupted ? "Stopped by interrupt. " : "") + "Published \(sent) messages to \(broker) for \(devices) devices in "
                + String(format: "%.1f s (%.1f msg/s): ", seconds, seconds > 0 ? Double(sent) / seconds : 0) + channels + ".",
            "Incidents injected: \(incidents.count)" + (incidents.isEmpty ? "." : ":"),
        ]
        lines += incidents.enumerated().map { "  \($0.offset + 1). \($0.element)" }
        if failed > 0 {
            lines.append("Publish errors: \(failed) message(s) could not be handed to the MQTT client (last: \(lastError ?? "-")).")
        }
        if qos == 0 {
            lines.append("QoS 0: the broker does not acknowledge messages.")
        } else if unacknowledged == 0 {
            lines.append("The broker acknowledged every message (QoS \(qos)).")
        } else {
            lines.append("\(unacknowledged) message(s) were not acknowledged by the broker within 10 s.")
        }
        lines.append("Now watch what the gateway made of it: gatewayd alerts list   (needs the daemon with --http and an operator token)")
        return lines.joined(separator: "\n")
    }
}
