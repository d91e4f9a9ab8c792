import Foundation
import Hummingbird
import NIOCore

/// The alarm console's page: `GET /console` and its script and style sheet, shipped as package resources
/// (`Resources/console/`), nothing fetched from elsewhere. The page calls the JSON API with the session cookie.
extension GatewayAPI {
    /// The files the console is made of, by the name the page asks for, with their content types. Only these
    /// are served: the name never reaches the file system.
    static let consoleFiles: [String: (resource: String, type: String)] = [
        "index.html": ("index.html", "text/html; charset=utf-8"),
        "app.js": ("app.js", "text/javascript; charset=utf-8"),
        "app.css": ("app.css", "text/css; charset=utf-8"),
    ]

    func addConsolePageRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/console") { _, _ in try consoleFile("index.html") }
        router.get("/console/{file}") { _, context in
            try consoleFile(context.parameters.get("file") ?? "")
        }
    }

    private func consoleFile(_ name: String) throws -> Response {
        guard let file = Self.consoleFiles[name] else { throw APIError(.notFound, code: "not_found", message: "no such file") }
        let parts = file.resource.split(separator: ".")
        guard let url = Bundle.module.url(forResource: String(parts[0]), withExtension: String(parts[1]), subdirectory: "console"),
              let data = try? Data(contentsOf: url) else {
            throw APIError(.internalServerError, code: "internal", message: "the console is missing from this build")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
            + "connect-src 'self'; frame-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
