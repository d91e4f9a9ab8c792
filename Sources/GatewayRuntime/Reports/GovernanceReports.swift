import AlertRules
import DeviceModel
import Foundation

/// Makes governance reports from the gateway's database and configuration: the entry point of `gatewayd report`
/// and `GET /api/v1/reports/kpi`. Validation errors are ``ReportError``s; storage errors pass through.
public struct GovernanceReports: Sendable {
    let database: StoragePool
    let configuration: GatewayConfiguration

    public init(database: StoragePool, configuration: GatewayConfiguration) {
        self.database = database
        self.configuration = configuration
    }

    /// What a request asks for, as text (the CLI's options, the API's query parameters).
    public struct Request: Sendable {
        public var from: String?
        public var to: String?
        public var community: String?
        public var street: String?

        public init(from: String? = nil, to: String? = nil, community: String? = nil, street: String? = nil) {
            self.from = from
            self.to = to
            self.community = community
            self.street = street
        }
    }

    /// The period of a request: `from`/`to` when given (both, or neither: the last complete month before `now`).
    public func period(_ request: Request, now: Int64) throws(ReportError) -> ReportPeriod {
        let offset = configuration.ruleBook.calendar.utcOffsetSeconds
        switch (request.from, request.to) {
        case let (from?, to?): return try ReportPeriod(from: from, to: to, utcOffsetSeconds: offset)
        case (nil, nil): return ReportPeriod.lastMonth(now: now, utcOffsetSeconds: offset)
        case (nil, _): throw .invalidDate(parameter: "from", value: "")
        case (_, nil): throw .invalidDate(parameter: "to", value: "")
        }
    }

    /// Checks the request, then reads the figures of its period and of the one before (one read transaction).
    public func report(_ request: Request, now: Int64) async throws -> GovernanceReport {
        let period = try period(request, now: now)
        let configuration = configuration
        // An unknown community or street is refused before the database is read.
        _ = try ReportScope(registry: configuration.registry, ruleBook: configuration.ruleBook, roster: configuration.dutyRoster,
                            community: request.community, street: request.street)
        let (scope, figures) = try await ReportStore.read(database, registry: configuration.registry, scope: { registry in
            try ReportScope(registry: registry, ruleBook: configuration.ruleBook, roster: configuration.dutyRoster,
                            community: request.community, street: request.street)
        }, periods: [period, period.previous])
        return GovernanceReport(scope: scope.summary, period: period, current: figures[0], previous: figures[1])
    }
}

/// The report's file formats.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, csv, json

    public init(text: String) throws(ReportError) {
        guard let format = ReportFormat(rawValue: text.lowercased()) else { throw .unknownFormat(text) }
        self = format
    }

    public var contentType: String {
        switch self {
        case .html: "text/html; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json; charset=utf-8"
        }
    }

    public func render(_ report: GovernanceReport) -> String {
        switch self {
        case .html: ReportHTML.render(report)
        case .csv: ReportCSV.render(report)
        case .json: ReportJSON.render(report)
        }
    }
}
