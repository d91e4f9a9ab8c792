import DeviceModel
import Foundation
import Prometheus

/// The daemon's Prometheus metrics (`GET /metrics`, text format), namespace `gatewayd`.
/// Counters are incremented where things happen; gauges (alerts by state, outbox depth and age, broker
/// connection) are read from their source at scrape time.
public final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let received: Counter
    private let stored: Counter
    private let duplicates: Counter
    private let ruleEvaluation: DurationHistogram
    /// Made once: `makeCounter` looks a label set up under the registry's lock, and adding a new one copies
    /// the family's whole table — a label that grows with the fleet (a device id) made that quadratic.
    private let rejectedByReason: [Rejection.Reason: Counter]
    private let fieldsRejectedByReason: [Rejection.Reason: Counter]

    public init() {
        received = registry.makeCounter(descriptor: Self.name("ingest", "messages_received", "total", "MQTT messages received"))
        stored = registry.makeCounter(descriptor: Self.name("ingest", "messages_stored", "total", "Messages stored as events"))
        duplicates = registry.makeCounter(descriptor: Self.name("ingest", "messages_duplicate", "total",
                                                                "QoS 1 redeliveries recognised and not stored again"))
        ruleEvaluation = registry.makeDurationHistogram(
            descriptor: Self.name("rules", "evaluation", "seconds", "Rule engine time per ingest batch"), labels: [],
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
                      .milliseconds(50), .milliseconds(100), .milliseconds(500)]
        )
        var rejected: [Rejection.Reason: Counter] = [:]
        var fieldsRejected: [Rejection.Reason: Counter] = [:]
        for reason in Rejection.Reason.allCases {
            rejected[reason] = registry.makeCounter(
                descriptor: Self.name("ingest", "messages_rejected", "total", "Messages rejected, by reason"),
                labels: [("reason", reason.rawValue)])
            fieldsRejected[reason] = registry.makeCounter(
                descriptor: Self.name("ingest", "fields_rejected", "total",
                                      "Fields taken out of otherwise valid readings, by reason (the device and field are in the event's field_problems)"),
                labels: [("reason", reason.rawValue)])
        }
        rejectedByReason = rejected
        fieldsRejectedByReason = fieldsRejected
    }

    static func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gatewayd", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    func recordIngest(received: Int, stored: Int, duplicates: Int, rejected: [Rejection.Reason], ruleTime: Duration) {
        self.received.increment(by: Int64(received))
        self.stored.increment(by: Int64(stored))
        self.duplicates.increment(by: Int64(duplicates))
        for reason in rejected { rejectedByReason[reason]?.increment() }
        ruleEvaluation.record(ruleTime)
    }

    /// A vendor code or thing-model identifier without a mapping, stored as `vendor.unknown`.
    func recordUnknownVendorCode(format: String) {
        registry.makeCounter(descriptor: Self.name("ingest", "vendor_unknown_codes", "total",
                                                   "Vendor codes and identifiers without a mapping (stored as vendor.unknown), by format"),
                             labels: [("format", format)]).increment()
    }

    /// A field of a reading that was not kept (the rest of the reading was), by reason. Not by device: a label
    /// per device would grow with the fleet (the event row names the device and the field).
    func recordFieldRejected(reason: Rejection.Reason) {
        fieldsRejectedByReason[reason]?.increment()
    }

    /// A batch write the database refused (disk full, locked, I/O error); the batch stays unacknowledged.
    func recordWriteFailure() {
        registry.makeCounter(descriptor: Self.name("ingest", "write_failures", "total",
                                                   "Ingest transactions the database refused (retried; the batch stays unacknowledged)"))
            .increment()
    }

    /// An HTTP event push refused before ingest (unknown device, bad secret, too large, not an event).
    func recordAuthThrottled() {
        registry.makeCounter(descriptor: Self.name("http", "auth_throttled", "total",
                                                   "Requests answered 429 because their address failed authentication too often")).increment()
    }

    func recordConsoleCommandRefused(reason: String) {
        registry.makeCounter(descriptor: Self.name("console", "commands_refused", "total",
                                                   "Console commands refused for want of a valid operator token, by reason"),
                             labels: [("reason", reason)]).increment()
    }

    func recordPushRefused(format: String, reason: String) {
        registry.makeCounter(descriptor: Self.name("push", "refused", "total", "HTTP event pushes refused, by format and reason"),
                             labels: [("format", format), ("reason", reason)]).increment()
    }

    /// The text exposition, with gauges refreshed from the database's figures and the connections.
    func render(_ snapshot: RecordQueries.MetricsSnapshot, connections: [String: Bool], inboxStalls: Int,
                lastRetentionSweep: Int64? = nil) -> String {
        registry.makeGauge(descriptor: Self.name("database", "size", "bytes", "The SQLite database file's size (pages × page size)"))
            .set(Double(snapshot.databaseBytes))
        registry.makeGauge(descriptor: Self.name("retention", "last_sweep", "timestamp_seconds",
                                                 "When the last retention sweep finished (0: none yet)"))
            .set(Double(lastRetentionSweep ?? 0) / 1000)
        for (name, up) in connections {
            registry.makeGauge(descriptor: Self.name("mqtt", "connected", "state", "1 when the broker connection is up"),
                               labels: [("connection", name)]).set(Double(up ? 1 : 0))
        }
        registry.makeGauge(descriptor: Self.name("ingest", "commit_stalls", "count",
                                                 "Batches whose commit had to be retried (held unacknowledged meanwhile)")).set(Double(inboxStalls))
        for state in ["open", "acknowledged", "resolved"] {
            for severity in ["info", "warning", "major", "critical"] {
                registry.makeGauge(descriptor: Self.name("alerts", "alerts", "count", "Alerts by state and severity"),
                                   labels: [("state", state), ("severity", severity)]).set(Double(snapshot.alerts["\(state)|\(severity)"] ?? 0))
            }
        }
        for target in ["workorder", "message", "mqtt"] {
            let (depth, age) = snapshot.outbox[target] ?? (0, 0)
            registry.makeGauge(descriptor: Self.name("outbox", "depth", "count", "Deliveries waiting, by target"),
                               labels: [("target", target)]).set(Double(depth))
            registry.makeGauge(descriptor: Self.name("outbox", "oldest_pending_age", "seconds", "Age of the oldest waiting delivery"),
                               labels: [("target", target)]).set(Double(age) / 1000)
        }
        registry.makeGauge(descriptor: Self.name("outbox", "dead", "count", "Deliveries the receiver rejected (4xx)"))
            .set(Double(snapshot.deadDeliveries))
        for state in ["expired", "rate_limited", "held"] {
            registry.makeGauge(descriptor: Self.name("deliveries", "unsent", "count",
                                                     "Deliveries not sent: expired (retried past the horizon), rate_limited, held (quiet hours)"),
                               labels: [("state", state)]).set(Double(snapshot.deliveriesByState[state] ?? 0))
        }
        return registry.emitToString()
    }
}
