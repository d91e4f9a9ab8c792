import AlertRules
import DeviceModel
import Foundation

/// Rule evaluation throughput: messages/s through the pure engine with every default rule of devices.yaml.
enum RuleBenchmark {
    struct Result {
        var devices: Int
        var rules: Int
        var messages: Int
        var seconds: Double
        var transitions: Int
        var tickMillis: Double
        var messagesPerSecond: Double { Double(messages) / seconds }
    }

    static func run(ruleBook: RuleBook, deviceCount: Int, messages: Int, abnormalShare: Double) throws -> Result {
        let registry = try SyntheticDeployment.registry(deviceCount: deviceCount)
        let start: Int64 = 1_795_000_000_000
        var engine = AlertEngine(ruleBook: ruleBook, registry: registry, state: EngineState(startedAt: start))
        let ruleCount = registry.devices.keys.reduce(0) { $0 + engine.rules(for: $1).count }
        var generator = MessageGenerator(devices: registry.sortedDevices, abnormalShare: abnormalShare)
        var transitions = 0
        // 1,000 messages per simulated second; the engine ticks once per simulated second, as the daemon does.
        var tickTime: Duration = .zero
        var ticks = 0
        let clock = ContinuousClock()
        let began = clock.now
        for index in 0..<messages {
            let now = start + Int64(index)
            transitions += engine.receive(generator.next(index: index, ts: now), now: now).count
            if index % 1000 == 999 {
                let tickStart = clock.now
                transitions += engine.tick(now: now).count
                tickTime += clock.now - tickStart
                ticks += 1
            }
            if index % 4096 == 0 { _ = engine.takeChangedKeys() }
        }
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let tickSeconds = Double(tickTime.components.seconds) + Double(tickTime.components.attoseconds) / 1e18
        return Result(devices: deviceCount, rules: ruleCount, messages: messages, seconds: seconds, transitions: transitions,
                      tickMillis: ticks == 0 ? 0 : tickSeconds * 1000 / Double(ticks))
    }
}
