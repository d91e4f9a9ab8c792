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
        var headers: HTTPHeaders = [:]
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

    /// A request with headers of the caller's choosing (a cookie, the console's header); the reply keeps its headers.
    func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)], body: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        return Reply(status: Int(response.status.code), text: String(buffer: try await response.body.collect(upTo: 1 << 22)),
                     headers: response.headers)
    }

    /// The status of a GET whose body is an endless stream; the body is left unread (the request is dropped).
    func streamStatus(_ path: String, token: String?) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await client.execute(request, timeout: .seconds(10))
        return Int(response.status.code)
    }
}
