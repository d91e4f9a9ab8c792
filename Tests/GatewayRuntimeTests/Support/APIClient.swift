import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A real HTTP client for the gateway's API in tests.
struct APIClient {
    let base: String
    let client: HTTPClient

    struct Reply {
        var status: Int
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, body: String? = nil,
              contentType: String = "application/json") async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        return Reply(status: Int(response.status.code), text: String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }
}
