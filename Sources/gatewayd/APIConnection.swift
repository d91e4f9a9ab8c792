import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// One conversation with the daemon's HTTP API: JSON in, JSON out, bearer token, and every failure turned
/// into an ``APIFailure`` that says what to do about it.
final class APIConnection: Sendable {
    let baseURL: String
    private let token: String?
    private let client: HTTPClient

    /// The HTTP methods the API uses.
    enum Method: Sendable {
        case get, post, put, delete

        var http: HTTPMethod {
            switch self {
            case .get: .GET
            case .post: .POST
            case .put: .PUT
            case .delete: .DELETE
            }
        }
    }

    struct Reply: Sendable {
        var status: Int
        var body: Data
    }

    init(baseURL: String, token: String?) {
        self.baseURL = baseURL
        self.token = token
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        // Fail at once when nothing listens, rather than retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func close() async {
        try? await client.shutdown()
    }

    /// Sends one request; any status outside 2xx becomes an ``APIFailure``. A body is JSON unless `contentType` says
    /// otherwise (a fleet import sends a CSV or YAML file, and may take longer than `timeout`'s default).
    func send(_ method: Method, _ path: String, query: [String: String?] = [:], body: Data? = nil,
              contentType: String = "application/json", timeout: TimeAmount = .seconds(35)) async throws(APIFailure) -> Reply {
        var components = URLComponents(string: baseURL + path)
        let items = query.sorted { $0.key < $1.key }.compactMap { key, value in value.map { URLQueryItem(name: key, value: $0) } }
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.string else { throw .transport(url: baseURL, detail: "cannot build a URL for \(path)") }
        var request = HTTPClientRequest(url: url)
        request.method = method.http
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        let reply: Reply
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
            reply = Reply(status: Int(response.status.code), body: Data(buffer: buffer))
        } catch {
            throw APIFailure(transportError: error, url: baseURL)
        }
        guard (200..<300).contains(reply.status) else { throw APIFailure(status: reply.status, body: reply.body) }
        return reply
    }

    /// Sends one request and decodes the JSON reply.
    func fetch<T: Decodable>(_ type: T.Type, _ method: Method, _ path: String, query: [String: String?] = [:],
                             body: Data? = nil, contentType: String = "application/json",
                             timeout: TimeAmount = .seconds(35)) async throws(APIFailure) -> (T, Reply) {
        let reply = try await send(method, path, query: query, body: body, contentType: contentType, timeout: timeout)
        do {
            return (try JSONDecoder().decode(T.self, from: reply.body), reply)
        } catch {
            throw .unexpectedReply(status: reply.status, detail: "the reply is not the expected JSON (\(error))")
        }
    }

    /// `id` as one path segment.
    static func segment(_ id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }

    /// A JSON request body.
    static func body(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
