import DeviceModel
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `POST /api/v1/devices/import?dry_run=&file=`: a fleet file as the body (`text/csv`, or `application/yaml` for
/// the `devices:` list of a fleet file), at most `maxImportBytes` (413). Every row is validated like
/// `POST /api/v1/devices`; any problem → 422 with all of them (`file:line:column`), nothing applied. Otherwise all
/// rows are applied in one transaction and the counts answered. Role installer.
extension GatewayAPI {
    /// A reply lists at most this many problems (and says how many more there were).
    static let maxImportIssues = 1000

    func addDeviceImportRoute(to router: Router<GatewayRequestContext>) {
        router.post("/api/v1/devices/import") { request, _ in
            let token = try auth.authenticate(request, allowing: [.installer])
            let query = request.uri.queryParameters
            let dryRun = try importFlag(query.get("dry_run"))
            let format = try importFormat(request.headers[.contentType], file: query.get("file"))
            let file = try importFileName(query.get("file"), format: format)
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxImportBytes)
            } catch {
                throw APIError(.contentTooLarge, code: "body_too_large",
                               message: "the file is larger than \(maxImportBytes) bytes: split it into several imports")
            }
            let (drafts, issues) = FleetFileReader.drafts(Array(buffer.readableBytesView), format: format, file: file)
            guard issues.isEmpty else {
                // The rows that could be read are checked too, so that one answer lists every problem of the file.
                var all = issues
                do throws(ValidationFailure) {
                    _ = try FleetImportPlanner().plan(drafts, in: host.registry)
                } catch {
                    all += error.issues
                }
                throw Self.refusal(all.sortedByLocation())
            }
            guard !drafts.isEmpty else {
                throw Self.refusal([ValidationIssue(location: SourceLocation(file: file, line: 1, column: 1), path: "",
                                                    message: "the file lists no devices")])
            }
            do {
                let report = try await devices.importFleet(drafts, file: file, dryRun: dryRun, actor: token.id, now: clock())
                logger.info("fleet import", metadata: [
                    "import.rows": "\(report.rows)", "import.added": "\(report.added)", "import.updated": "\(report.updated)",
                    "import.unchanged": "\(report.unchanged)", "import.dry_run": "\(dryRun)",
                ])
                return JSONResponse.response(report)
            } catch let failure as ValidationFailure {
                throw Self.refusal(failure.issues)
            }
        }
    }

    /// 422 with the problems (the first ``maxImportIssues``, then how many more).
    static func refusal(_ issues: [ValidationIssue]) -> ValidationError {
        var shown = Array(issues.prefix(maxImportIssues))
        if issues.count > shown.count {
            shown.append(ValidationIssue(location: nil, path: "file", message: "… and \(issues.count - shown.count) more problems"))
        }
        return ValidationError(issues: shown, code: "invalid_import")
    }

    private func importFlag(_ text: String?) throws -> Bool {
        switch text {
        case nil, "false", "0": false
        case "true", "1": true
        default: throw APIError(.badRequest, code: "invalid_dry_run", message: "dry_run must be true or false")
        }
    }

    /// CSV or YAML, by the content type (or, for `application/octet-stream` or none, by the file name's extension).
    private func importFormat(_ contentType: String?, file: String?) throws -> FleetFileReader.Format {
        let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch type {
        case "text/csv": return .csv
        case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml": return .yaml
        case "", "application/octet-stream":
            let name = file?.lowercased() ?? ""
            if name.hasSuffix(".csv") { return .csv }
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { return .yaml }
        default: break
        }
        throw APIError(.unsupportedMediaType, code: "unsupported_format",
                       message: "send the file as text/csv (a CSV with a header row) or application/yaml (a fleet file's `devices:` list)")
    }

    /// The name problems are reported under and the import is audited with: the last path component given, or a default.
    private func importFileName(_ text: String?, format: FleetFileReader.Format) throws -> String {
        guard let text, !text.isEmpty else { return "import.\(format.rawValue)" }
        let name = String(text.split(separator: "/").last ?? "")
        guard !name.isEmpty, name.count <= 200, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError(.badRequest, code: "invalid_file", message: "file must be a file name of at most 200 characters")
        }
        return name
    }
}
