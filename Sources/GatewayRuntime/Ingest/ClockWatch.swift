import DeviceModel
import Foundation
import Synchronization

/// Watches device clocks as messages arrive (the shell's memory; the decision what is skewed is the
/// validator's, ``DeviceMessage/clockSkewMillis``):
/// - a device whose clock goes beyond the skew limit gets one `device.clock_skew` event (its maintenance
///   rule raises one alert), and one `device.clock_ok` when its clock is right again;
/// - when many devices are skewed the same way at once, the gateway's own clock is the likely culprit (a
///   box that booted before NTP): said in `/readyz` and the log, and traffic is still kept.
public final class ClockWatch: Sendable {
    public init() {}

    /// Devices seen skewed, with the sign of their skew and when (gateway ms).
    private let state = Mutex<(skewed: [String: (ahead: Bool, at: Int64)], recentGood: [String: Int64], suspect: String?, assessedAt: Int64?)>(
        ([:], [:], nil, nil))
    /// The verdict is re-judged at most this often (it walks every device heard).
    static let assessInterval: Int64 = 10_000
    /// At least this many devices, and most of those heard recently, skewed the same way → suspect our clock.
    static let suspectDevices = 5
    static let window: Int64 = 10 * 60_000

    /// The gateway events `message` causes (a first skew, or the end of one).
    func observe(_ message: DeviceMessage, receivedAt: Int64) -> [DeviceMessage] {
        state.withLock { state in
            let wasSkewed = state.skewed[message.deviceID] != nil
            if let skew = message.clockSkewMillis {
                state.skewed[message.deviceID] = (skew > 0, receivedAt)
                state.recentGood[message.deviceID] = nil
                guard !wasSkewed else { return [] }
                return [gatewayEvent(DeviceMessage.clockSkewEvent, for: message, at: receivedAt,
                                     data: ["skew_ms": .number(Double(max(-9e15, min(9e15, Double(skew)))))])]
            }
            if state.recentGood.count < 100_000 { state.recentGood[message.deviceID] = receivedAt }
            guard wasSkewed else { return [] }
            state.skewed[message.deviceID] = nil
            return [gatewayEvent(DeviceMessage.clockOKEvent, for: message, at: receivedAt, data: [:])]
        }
    }

    private func gatewayEvent(_ name: String, for message: DeviceMessage, at: Int64, data: [String: JSONValue]) -> DeviceMessage {
        DeviceMessage(deviceID: message.deviceID, community: message.community, ts: at, body: .event(name: name, data: data),
                      format: "gateway", nativeKey: "g:\(name)")
    }

    /// Re-judges whether the gateway's clock looks wrong; returns a description when the verdict changed
    /// to suspect (for one log line), nil otherwise.
    func assess(now: Int64) -> String? {
        state.withLock { state in
            if let last = state.assessedAt, now >= last, now - last < Self.assessInterval { return nil }
            state.assessedAt = now
            state.skewed = state.skewed.filter { now - $0.value.at < Self.window }
            state.recentGood = state.recentGood.filter { now - $0.value < Self.window }
            let ahead = state.skewed.values.filter(\.ahead).count
            let behind = state.skewed.count - ahead
            let (count, direction) = ahead >= behind ? (ahead, "ahead of") : (behind, "behind")
            let heard = state.skewed.count + state.recentGood.count
            let verdict: String? = count >= Self.suspectDevices && count * 2 > heard
                ? "\(count) of \(heard) devices heard in 10 min have clocks \(direction) the gateway's beyond the skew limit: the gateway clock may be wrong (NTP?)"
                : nil
            defer { state.suspect = verdict }
            return verdict != nil && state.suspect == nil ? verdict : nil
        }
    }

    /// The current suspicion about the gateway's own clock, if any.
    var suspicion: String? { state.withLock { $0.suspect } }
}
