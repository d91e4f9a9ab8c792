import DeviceModel
import Foundation
import GatewayRuntime

/// The paced publishing loop of `simulate`: status first, then everyday traffic at `rate` messages per
/// second, with an incident injected every `incidentEvery` (its messages jump the queue).
struct SimulationLoop {
    enum Limit {
        case duration(Duration)
        case count(Int)
    }

    let publisher: SimulationPublisher
    let interrupt: InterruptFlag
    let rate: Double
    let limit: Limit
    let incidentEvery: Duration?
    var traffic: NormalTraffic
    var script: IncidentScript
    var progress: SimulationProgress
    private var clocks = DeviceClocks()
    private var urgent: [SimulatedMessage] = []
    private var statuses: [SimulatedMessage]
    private var scheduled: [(due: ContinuousClock.Instant, message: SimulatedMessage)] = []
    /// Send slots given up while the client could not take messages (broker away): not caught up later.
    private var skippedSlots = 0

    init(publisher: SimulationPublisher, interrupt: InterruptFlag, devices: [Device], script: IncidentScript, rate: Double,
         limit: Limit, incidentEvery: Duration?) {
        self.publisher = publisher
        self.interrupt = interrupt
        self.rate = rate
        self.limit = limit
        self.incidentEvery = incidentEvery
        self.script = script
        traffic = NormalTraffic(devices: devices)
        statuses = devices.map { SimulatedMessage(device: $0, body: .status(online: true)) }
        let estimate: Int
        switch limit {
        case let .count(count): estimate = count
        case let .duration(duration): estimate = Int(Double(duration.components.seconds) * rate)
        }
        progress = SimulationProgress(count: { if case let .count(count) = limit { count } else { nil } }(), estimatedTotal: estimate)
    }

    /// Runs until the duration or count is reached, or an interrupt. Returns whether it was interrupted.
    mutating func run() async -> Bool {
        let start = progress.started
        // The first incident comes once the devices have announced themselves, then one every interval.
        var nextIncident = incidentEvery.map { start + min(.seconds(2), $0) }
        while !interrupt.isSet {
            let now = ContinuousClock.now
            if case let .duration(duration) = limit, now - start >= duration { break }
            if case let .count(count) = limit, attempts >= count { break }
            if let due = nextIncident, let every = incidentEvery, now >= due {
                inject(now: now)
                nextIncident = due + every
            }
            while let index = scheduled.firstIndex(where: { $0.due <= now }) {
                urgent.append(scheduled.remove(at: index).message)
            }
            var budget = Int(progress.elapsedSeconds * rate) + 1 - attempts - skippedSlots
            if case let .count(count) = limit { budget = min(budget, count - attempts) }
            while budget > 0 {
                let message = nextMessage()
                guard send(message) else {
                    // The client refused it for now: keep the message first in line, resume at the normal pace.
                    urgent.insert(message, at: 0)
                    skippedSlots += budget
                    break
                }
                budget -= 1
            }
            progress.draw(pending: publisher.pending, link: linkText)
            let nextSend = start + .milliseconds(Int64(Double(attempts + skippedSlots) / rate * 1000))
            let pause = max(min(nextSend - ContinuousClock.now, .milliseconds(50)), .milliseconds(1))
            try? await Task.sleep(for: pause)
        }
        let interrupted = interrupt.isSet
        if !interrupted {
            // Complete incidents in progress (a smoke alarm is cleared as announced).
            for (_, message) in scheduled.sorted(by: { $0.due < $1.due }) { urgent.append(message) }
            for message in urgent { _ = send(message) }
        }
        progress.finished = ContinuousClock.now
        progress.draw(pending: publisher.pending, link: linkText, force: true)
        progress.finishLine()
        return interrupted
    }

    private var attempts: Int { progress.sent + progress.failed }

    private var linkText: String? {
        switch publisher.state {
        case .connected: nil
        case .connecting, .lost: "broker away: queueing"
        case let .refused(reason): "refused: \(reason)"
        case .ended: "MQTT loop ended"
        }
    }

    private mutating func nextMessage() -> SimulatedMessage {
        if !urgent.isEmpty { return urgent.removeFirst() }
        if !statuses.isEmpty { return statuses.removeFirst() }
        return traffic.nextMessage()
    }

    private mutating func inject(now: ContinuousClock.Instant) {
        guard let incident = script.next(excluding: traffic.tachycardic) else { return }
        urgent += incident.messages
        for followUp in incident.followUps {
            scheduled.append((now + .milliseconds(Int64(followUp.delaySeconds * 1000)), followUp.message))
        }
        if let device = incident.tachycardic { traffic.tachycardic.insert(device) }
        progress.incidents.append(incident.label)
    }

    /// Publishes one message. Returns `false` when the client cannot take it right now (not connected)
    /// and it should be tried again; other failures are counted and the message dropped.
    private mutating func send(_ message: SimulatedMessage) -> Bool {
        let ts = clocks.stamp(message, now: Int64(Date().timeIntervalSince1970 * 1000))
        do {
            try publisher.publish(message, ts: ts)
            progress.record(channel: message.channel.rawValue)
        } catch let error as MosquittoError where !error.isFatal {
            progress.lastError = "\(error)"
            return false
        } catch {
            progress.failed += 1
            progress.lastError = "\(error)"
        }
        return true
    }
}
