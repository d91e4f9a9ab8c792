import Crypto
import DeviceModel
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import HTTPTypes

/// What the push routes need from the rest of the gateway.
struct EventPushIntake: Sendable {
    /// Ingests one push like an MQTT message and returns once committed.
    /// `nil` when the database could not be written in time (answered 503 with `Retry-After`).
    let submit: @Sendable (InboundMessage) async -> IngestService.IngestReceipt?
    let snapshots: SnapshotStore
    let maxPushBytes: Int
    let maxImageBytes: Int
    /// At most this many images per push are kept.
    var maxImages = 8
}

/// `POST /api/v1/push/isapi/{deviceId}` and `POST /api/v1/push/dahua/{deviceId}`: devices that push events
/// over HTTP (Hikvision ISAPI "HTTP listening", Dahua event upload).
///
/// The device authenticates with its own secret (devices.yaml `push_secret_sha256`), presented as
/// `X-Device-Secret`, `Authorization: Bearer …`, HTTP Basic (any user name, the secret as password) or a
/// `secret` query parameter (for firmware that can only be given a URL); compared in constant time.
/// Unknown devices and wrong secrets get the same 401 and are counted by reason.
/// Bodies: `multipart/form-data` (the event part plus JPEG snapshots), bare JSON, XML, or Dahua text.
/// Snapshots are stored by content hash before the event is ingested; the answer (200 stored or duplicate,
/// 400 rejected and dead-lettered) comes only after the event is committed.
extension GatewayAPI {
    func addPushRoutes(to router: Router<GatewayRequestContext>) {
        guard let push else { return }
        for format in MessageIngest.pushFormats {
            router.post("/api/v1/push/\(format)/{deviceId}") { request, context in
                try await receivePush(format: format, request, context: context, intake: push)
            }
        }
    }

    private func receivePush(format: String, _ request: Request, context: GatewayRequestContext, intake: EventPushIntake) async throws -> Response {
        let deviceID = try authenticateDevice(format: format, request, context: context)
        let received: ByteBuffer
        do {
            received = try await request.body.collect(upTo: intake.maxPushBytes)
        } catch {
            metrics.recordPushRefused(format: format, reason: "too_large")
            throw APIError(.contentTooLarge, code: "body_too_large", message: "push body is larger than \(intake.maxPushBytes) bytes")
        }
        let topic = "push/\(format)/\(deviceID)"
        var body = Data(buffer: received)
        var undecodable: Rejection?
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            do {
                body = try BodyInflater.inflate(body, encoding: encoding, limit: intake.maxPushBytes)
            } catch .tooLarge {
                metrics.recordPushRefused(format: format, reason: "too_large")
                throw APIError(.contentTooLarge, code: "body_too_large", message: "push body inflates past \(intake.maxPushBytes) bytes")
            } catch {
                // Recorded like any undecodable body (the compressed bytes as received).
                undecodable = Rejection(.invalidPayload, "body is not valid \(encoding.prefix(20)) data", deviceID: deviceID)
            }
        }
        var message = InboundMessage(topic: topic, payload: body)
        message.preRejected = undecodable
        var snapshots: [(Data, MediaReference)] = []
        let contentType = request.headers[.contentType] ?? ""
        if undecodable == nil, let boundary = Self.multipartBoundary(contentType) {
            let parsed: Result<[MultipartBody.Part], MultipartBody.Failure>
            do throws(MultipartBody.Failure) {
                parsed = .success(try MultipartBody.parse(body, boundary: boundary))
            } catch {
                parsed = .failure(error)
            }
            switch parsed {
            case let .success(parts):
                let event = parts.first(where: Self.isEventPart)
                let images = parts.filter { $0.contentType.hasPrefix("image/") }
                if let oversized = images.first(where: { $0.body.count > intake.maxImageBytes }) {
                    metrics.recordPushRefused(format: format, reason: "image_too_large")
                    throw APIError(.contentTooLarge, code: "image_too_large",
                                   message: "an image of \(oversized.body.count) bytes exceeds \(intake.maxImageBytes) bytes")
                }
                if let event {
                    message.payload = event.body
                    let now = clock()
                    for image in images.prefix(intake.maxImages) {
                        let type = image.contentType.isEmpty ? "image/jpeg" : image.contentType
                        snapshots.append((image.body, intake.snapshots.reference(for: image.body, contentType: type, now: now)))
                    }
                    message.media = snapshots.map(\.1)
                } else {
                    message.payload = Self.partSummary(parts)
                    message.preRejected = Rejection(.invalidPayload, parts.isEmpty
                        ? "multipart body has no complete part (boundary \"\(boundary.prefix(70))\")"
                        : "multipart body has no event part (JSON, XML or text) among \(parts.count) parts", deviceID: deviceID)
                }
            case let .failure(error):
                // The dead letter keeps the failure, never the body (it may hold a face image).
                message.payload = Data("(multipart body of \(body.count) bytes, not kept)".utf8)
                message.preRejected = Rejection(.invalidPayload, error.detail, deviceID: deviceID)
            }
        }
        guard let receipt = await intake.submit(message) else {
            // The database refuses writes: nothing was stored; the device should send it again shortly.
            metrics.recordPushRefused(format: format, reason: "storage_unavailable")
            throw APIError(.serviceUnavailable, code: "storage_unavailable",
                           message: "the gateway cannot store events right now; retry shortly", retryAfterSeconds: 5)
        }
        if let rejection = receipt.rejection {
            // The images of a rejected push are never written: no biometric data without its event.
            throw APIError(.badRequest, code: rejection.reason.rawValue, message: rejection.detail)
        }
        for (data, reference) in snapshots {
            do {
                try await intake.snapshots.store(data, reference, deviceID: deviceID, now: clock())
            } catch {
                logger.error("snapshot not stored; its event refers to a missing image", metadata: [
                    "device.id": "\(deviceID)", "snapshot.sha256": "\(reference.sha256)", "error": "\(error)",
                ])
            }
        }
        return JSONResponse.response(PushReply(stored: receipt.stored, duplicates: receipt.duplicates,
                                               snapshots: message.media.map(\.sha256)))
    }

    private struct PushReply: Encodable {
        var status = "ok"
        var stored: Int
        var duplicates: Int
        var snapshots: [String]
    }

    /// The pushing device, authenticated by its secret; 401 for an unknown device or a wrong secret alike.
    private func authenticateDevice(format: String, _ request: Request, context: GatewayRequestContext) throws -> String {
        let refused = APIError(.unauthorized, code: "unauthorized", message: "unknown device or wrong push secret")
        // The same work whatever is wrong (unknown device, no push, wrong secret): a timing difference must not
        // tell a guesser which device ids exist.
        let presentedDigest = APIToken.hash(String((Self.presentedSecret(request) ?? "").prefix(512)))
        guard let deviceID = context.parameters.get("deviceId"), ContactRules.isValidIdentifier(deviceID),
              let device = host.registry.device(deviceID) else {
            _ = APIToken.constantTimeEqual(presentedDigest.utf8, Self.decoyDigest.utf8)
            metrics.recordPushRefused(format: format, reason: "unknown_device")
            throw refused
        }
        guard let expected = device.pushSecretSHA256 else {
            _ = APIToken.constantTimeEqual(presentedDigest.utf8, Self.decoyDigest.utf8)
            metrics.recordPushRefused(format: format, reason: "push_not_enabled")
            throw refused
        }
        guard let presented = Self.presentedSecret(request), presented.utf8.count <= 512,
              APIToken.constantTimeEqual(presentedDigest.utf8, expected.utf8) else {
            metrics.recordPushRefused(format: format, reason: "bad_secret")
            throw refused
        }
        return deviceID
    }

    /// Compared against when there is nothing to compare with, so every refusal costs the same.
    static let decoyDigest = APIToken.hash("no device has this secret")

    static func presentedSecret(_ request: Request) -> String? {
        if let header = request.headers[HTTPField.Name("X-Device-Secret")!], !header.isEmpty { return header }
        if let authorization = request.headers[.authorization] {
            let lower = authorization.lowercased()
            if lower.hasPrefix("bearer ") { return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            if lower.hasPrefix("basic "), let data = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
               let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
                return String(text[text.index(after: colon)...])
            }
        }
        return request.uri.queryParameters.get("secret")
    }

    static func multipartBoundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = parts.first?.lowercased(), type.hasPrefix("multipart/") else { return nil }
        for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("boundary=") {
            let value = parameter.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// What a dead letter keeps of a multipart body without an event: the parts' headers and sizes, never an
    /// image's bytes (biometric data).
    static func partSummary(_ parts: [MultipartBody.Part]) -> Data {
        Data(parts.map { part in
            part.headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ") + " (\(part.body.count) bytes)"
        }.joined(separator: "\n").utf8)
    }

    /// The event document of a push: a JSON, XML or text part (by content type, or by its first byte).
    static func isEventPart(_ part: MultipartBody.Part) -> Bool {
        let type = part.contentType
        if type.hasPrefix("image/") { return false }
        if type.contains("json") || type.contains("xml") || type.hasPrefix("text/") { return true }
        let first = part.body.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "<")
    }
}
