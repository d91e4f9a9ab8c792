import Foundation
import Hummingbird

/// `GET /api/v1/reports/kpi`: the governance report (治理月报) of a period, as JSON (default), CSV or HTML.
/// Roles operator and admin. Query: `from`, `to` (local civil dates, `[from, to)`; both or neither — neither is
/// the last complete month), `community` or `street`, `format` (`json`, `csv`, `html`).
extension GatewayAPI {
    func addReportRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/reports/kpi") { request, _ in
            _ = try auth.authenticate(request, allowing: [.operator])
            let query = request.uri.queryParameters
            let reports = GovernanceReports(database: host.database, configuration: host.configuration)
            let report: GovernanceReport
            let format: ReportFormat
            do {
                format = try ReportFormat(text: query.get("format") ?? "json")
                report = try await reports.report(GovernanceReports.Request(from: query.get("from"), to: query.get("to"),
                                                                            community: query.get("community"),
                                                                            street: query.get("street")), now: clock())
            } catch let error as ReportError {
                throw APIError(.badRequest, code: error.code, message: error.description)
            }
            var headers = HTTPFields()
            headers[.contentType] = format.contentType
            if format != .json {
                headers[.contentDisposition] = "inline; filename=\"kpi-\(report.scope.id ?? "all")-\(report.period.from).\(format.rawValue)\""
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: format.render(report))))
        }
    }
}
