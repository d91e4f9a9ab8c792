import DeviceModel
@testable import GatewayRuntime
import Testing

/// A device's `device_state` row: written at once for its first message and every status change, at most
/// every 30 s while it stays online, and never recorded for a transaction that did not commit.
@Suite("Device state writes")
struct DeviceStateThrottleTests {
    static func reading(_ device: String = "wb-1") -> DeviceMessage {
        DeviceMessage(deviceID: device, community: "c1", ts: 1_000, body: .telemetry(["heart_rate": 72]), format: "canonical")
    }

    static func status(_ online: Bool, _ device: String = "wb-1") -> DeviceMessage {
        DeviceMessage(deviceID: device, community: "c1", ts: 1_000, body: .status(online: online), format: "canonical")
    }

    @Test func aRoutineReadingWritesOnlyWhenTheRowIsOlderThanTheInterval() {
        let throttle = DeviceStateThrottle(intervalMillis: 30_000)
        let first = IngestService.stateWrite(Self.reading(), receivedAt: 100_000, throttle: throttle)
        #expect(first?.routine == true)
        // Not committed yet: the next reading still writes.
        #expect(IngestService.stateWrite(Self.reading(), receivedAt: 100_500, throttle: throttle) != nil)
        throttle.confirm([try! #require(first)])
        #expect(IngestService.stateWrite(Self.reading(), receivedAt: 129_999, throttle: throttle) == nil)
        #expect(IngestService.stateWrite(Self.reading(), receivedAt: 130_000, throttle: throttle) != nil)
        // A gateway clock that went back: written.
        #expect(IngestService.stateWrite(Self.reading(), receivedAt: 99_000, throttle: throttle) != nil)
        // Another device is its own.
        #expect(IngestService.stateWrite(Self.reading("wb-2"), receivedAt: 100_001, throttle: throttle) != nil)
    }

    @Test func aStatusIsAlwaysWrittenAndTheReadingAfterItToo() throws {
        let throttle = DeviceStateThrottle(intervalMillis: 30_000)
        throttle.confirm([.init(deviceID: "wb-1", at: 100_000, routine: true)])
        let offline = try #require(IngestService.stateWrite(Self.status(false), receivedAt: 101_000, throttle: throttle))
        #expect(offline.routine == false)
        throttle.confirm([offline])
        // Back online with its next reading: written at once, not 30 s later.
        #expect(IngestService.stateWrite(Self.reading(), receivedAt: 102_000, throttle: throttle)?.routine == true)
        #expect(IngestService.stateWrite(Self.status(true), receivedAt: 102_000, throttle: throttle) != nil)
    }
}
