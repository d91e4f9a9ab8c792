import DeviceModel
import Foundation
import LocalBroker
import GRDB
import GatewayRuntime
import Logging

/// A gateway running in-process against a test broker, with its own SQLite file.
final class RunningGateway: @unchecked Sendable {
    let gateway: Gateway
    let databasePath: String
    private var task: Task<Void, any Error>?

    init(broker: String, databasePath: String, configuration: GatewayConfiguration = TestRegistry.configuration,
         clock: @escaping @Sendable () -> Int64 = Gateway.wallClockMillis,
         logger: Logger? = nil, configure: (inout GatewaySettings) -> Void = { _ in }) throws {
        var settings = GatewaySettings(broker: try BrokerAddress(url: broker), databasePath: databasePath)
        configure(&settings)
        var defaultLogger = Logger(label: "test-gateway")
        // GATEWAYD_TEST_LOG=debug shows the gateway's log while debugging a test.
        defaultLogger.logLevel = ProcessInfo.processInfo.environment["GATEWAYD_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let logger = logger ?? defaultLogger
        self.databasePath = databasePath
        gateway = try Gateway(settings: settings, configuration: configuration, logger: logger, clock: clock, handleSignals: false)
    }

    /// Starts the gateway and waits until it is connected and subscribed.
    func start() async throws {
        let gateway = self.gateway
        task = Task { try await gateway.run() }
        guard await eventually({ gateway.mqtt.isConnected }) else { throw BrokerError("gateway did not connect") }
        // The SUBSCRIBE is sent right after CONNACK; give the broker a moment to register it.
        try await Task.sleep(for: .milliseconds(100))
    }

    /// Graceful shutdown: disconnect, drain into SQLite, return.
    func stop() async throws {
        await gateway.shutdown()
        try await task?.value
        task = nil
    }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try gateway.database.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }

    var eventCount: Int { (try? count("SELECT COUNT(*) FROM events")) ?? -1 }
    var deadLetterCount: Int { (try? count("SELECT COUNT(*) FROM dead_letters")) ?? -1 }
}

/// The registry the integration tests publish against.
enum TestRegistry {
    static var yaml: String { """
        gateway:
          id: gw-test
        communities:
          - id: xingfuli
            name: 幸福里社区
            address: 杭州市西湖区文三路幸福里小区
            grids:
              - code: "330106005001"
                name: 第一网格
          - id: cuiyuan1
            name: 翠苑一区社区
            address: 杭州市西湖区学院路翠苑一区
            grids:
              - code: "330106007001"
                name: 第一网格
        installers:
          - id: inst-wang
            name: 王建国
        residents:
          - id: res-1
            name: 张建华
            community: xingfuli
            building: "3"
            room: "501"
            relatives:
              - name: 张小明
                relation: 儿子
                phone: "13812341234"
              - {name: 张丽, relation: 女儿, phone: "13998765432", notify: all}
        devices:
          - {id: band-1, type: wristband, community: xingfuli, grid: "330106005001", building: "3", room: "501",
             vendor: V, model: M, serial: S1, installer: inst-wang, resident: res-1, state: commissioned}
          - {id: smoke-1, type: smoke_sensor, community: xingfuli, grid: "330106005001", building: "3", zone: 楼梯间,
             vendor: V, model: M, serial: S2, installer: inst-wang, state: commissioned}
          - {id: door-1, type: access_terminal, community: cuiyuan1, grid: "330106007001", building: "2", zone: 单元门,
             vendor: V, model: M, serial: S3, installer: inst-wang, state: commissioned}
          - {id: gas-old, type: gas_sensor, community: xingfuli, grid: "330106005001", building: "3", zone: 厨房,
             vendor: V, model: M, serial: S4, installer: inst-wang, state: decommissioned}
          - {id: band-alink, type: wristband, community: xingfuli, grid: "330106005001", building: "3", room: "501",
             vendor: V, model: M, serial: S5, installer: inst-wang, resident: res-1, state: commissioned,
             binding: {protocol: alink, product: a1Band, name: "DN0001"}}
          - {id: smoke-onenet, type: smoke_sensor, community: xingfuli, grid: "330106005001", building: "3", zone: 走廊,
             vendor: V, model: M, serial: S6, installer: inst-wang, state: commissioned,
             binding: {protocol: onenet, product: Qm8s, name: "863488052311555"}}
          - {id: band-iotda, type: wristband, community: xingfuli, grid: "330106005001", building: "3", room: "501",
             vendor: V, model: M, serial: S7, installer: inst-wang, resident: res-1, state: commissioned,
             binding: {protocol: iotda, product: 64f1, name: "64f1_node1"}}
          - {id: door-hik, type: access_terminal, community: cuiyuan1, grid: "330106007001", building: "2", zone: 单元门,
             vendor: Hikvision, model: DS-K1T671M, serial: S8, installer: inst-wang, state: commissioned,
             push_secret_sha256: "\(APIToken.hash(doorSecret))"}
          - {id: cam-hik, type: video_analytics, community: xingfuli, grid: "330106005001", zone: 消防通道,
             vendor: Hikvision, model: iDS, serial: S9, installer: inst-wang, state: commissioned,
             push_secret_sha256: "\(APIToken.hash(cameraSecret))"}
        vendor_products:
          - protocol: alink
            product: a1Band
            device_type: wristband
            properties: {HeartRate: heart_rate, BatteryPercentage: battery}
            events: {FallAlarm: fall_detected}
          - protocol: onenet
            product: Qm8s
            device_type: smoke_sensor
            properties: {smoke_sensor_status: {events: {alarm: smoke_alarm, normal: smoke_clear}}}
          - protocol: iotda
            product: 64f1
            device_type: wristband
            properties: {VitalSigns.heartRate: heart_rate}
            events: {Alarm.fall: fall_detected}
        rules:
          - id: elder.fall
            title: 跌倒报警
            severity: critical
            applies_to: [wristband]
            event: {names: [fall_detected]}
            auto_resolve: false
          - id: safety.smoke
            title: 烟雾报警
            severity: critical
            applies_to: [smoke_sensor]
            event: {names: [smoke_alarm], resolve_on: [smoke_clear]}
          - id: access.door_forced
            title: 门被强行打开
            severity: major
            applies_to: [access_terminal]
            event: {names: [door_forced]}
            auto_resolve: false
          - id: safety.fire_lane
            title: 消防通道占用
            severity: major
            applies_to: [video_analytics]
            event: {names: [fire_lane_blocked], resolve_on: [fire_lane_cleared]}
          - id: elder.battery_low
            title: 设备电量低
            severity: warning
            applies_to: [wristband]
            threshold: {metric: battery, below: 20, clear_above: 30}
        settings:
          flap_guard: {openings: 1000, window: 30m, hold: 10m}
        forwarding:
          messages_per_recipient_per_hour: 4
          quiet_hours: off
          work_orders:
            - {rule: safety.smoke, category_code: "0109", category: 火灾隐患, urgency: urgent, deadline: 30m}
        api_tokens:
          - {id: wo-system, role: workorder, sha256: "\(APIToken.hash(workOrderToken))"}
          - {id: console-01, role: operator, sha256: "\(APIToken.hash("console-secret"))"}
          - {id: installer-app, role: installer, sha256: "\(APIToken.hash("installer-secret"))"}
          - {id: admin, role: admin, sha256: "\(APIToken.hash("admin-secret"))"}
          - {id: message-gateway, role: messaging, sha256: "\(APIToken.hash("messaging-secret"))"}
          - {id: prometheus, role: metrics, sha256: "\(APIToken.hash("metrics-secret"))"}
        """ }

    static let workOrderToken = "wo-secret-token-0123456789"
    static let doorSecret = "door-push-secret-42"
    static let cameraSecret = "camera-push-secret-43"

    static let configuration: GatewayConfiguration = try! RegistryLoader.parseConfiguration(yaml, file: "test-registry.yaml")
    static var registry: DeviceRegistry { configuration.registry }
}

/// Epoch milliseconds now, for payload timestamps.
func nowMillis() -> Int64 { Gateway.wallClockMillis() }
