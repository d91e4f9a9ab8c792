import Crypto
import Foundation
import GRDB

/// Signed-in alarm consoles, kept in SQLite (`console_sessions`) so that a session survives a restart of the
/// daemon. The cookie carries 32 random bytes; the table keeps only their SHA-256 and the SHA-256 of the API
/// token the session was opened with, so a session ends with its token (removed or rotated by a reload).
struct ConsoleSessionStore: Sendable {
    let database: StoragePool
    /// A session lasts one shift: 12 hours from sign-in, then the operator signs in again.
    var lifetimeMillis: Int64 = 12 * 3_600_000

    struct Opened: Sendable {
        /// The cookie value (base64url, 43 characters).
        var value: String
        var expiresAt: Int64
    }

    struct Found: Sendable {
        var tokenSHA256: [UInt8]
        var expiresAt: Int64
    }

    /// Opens a session for the token whose digest is `tokenSHA256`, and forgets sessions that have expired.
    func open(tokenSHA256: [UInt8], now: Int64) async throws -> Opened {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let value = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let expiresAt = now + lifetimeMillis
        let row = (Self.digest(value), Self.hex(tokenSHA256))
        try await StorageAccess.write(database) { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE expires_at <= ?", arguments: [now])
            try db.execute(sql: "INSERT INTO console_sessions (id_sha256, token_sha256, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [row.0, row.1, now, expiresAt])
        }
        return Opened(value: value, expiresAt: expiresAt)
    }

    /// The session of a cookie value, if it exists and has not expired (one indexed read).
    func find(_ value: String, now: Int64) throws -> Found? {
        guard value.count == 43 else { return nil }
        let id = Self.digest(value)
        let row = try StorageAccess.readNow(database) { db in
            try Row.fetchOne(db, sql: "SELECT token_sha256, expires_at FROM console_sessions WHERE id_sha256 = ?", arguments: [id])
        }
        guard let row, let expiresAt = row["expires_at"] as Int64?, expiresAt > now,
              let token = Self.bytes(hex: row["token_sha256"]) else { return nil }
        return Found(tokenSHA256: token, expiresAt: expiresAt)
    }

    /// Ends the session of a cookie value (sign-out); nothing happens when there is none.
    func close(_ value: String) async throws {
        let id = Self.digest(value)
        try await StorageAccess.write(database) { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE id_sha256 = ?", arguments: [id])
        }
    }

    static func digest(_ value: String) -> String { hex(Array(SHA256.hash(data: Data(value.utf8)))) }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: String?) -> [UInt8]? {
        guard let hex, hex.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }
}
