import Crypto
import DeviceModel
import Foundation
import GRDB
import Logging

/// Keeps pushed snapshots (face-terminal and camera JPEGs) on disk, outside SQLite: each file is named by
/// the SHA-256 of its content (so a re-sent image is stored once), recorded in `snapshots` with its
/// retention, and deleted when the retention ends. Images are biometric data under PIPL: they are never
/// logged, never in the API, and kept no longer than the retention period.
public struct SnapshotStore: Sendable {
    public let directory: URL
    public let retentionMillis: Int64
    let database: DatabasePool

    public init(directory: URL, retentionSeconds: Int, database: DatabasePool) {
        self.directory = directory
        self.retentionMillis = Int64(retentionSeconds) * 1000
        self.database = database
    }

    /// Where the file of `sha256` lives: `{directory}/{first two hex digits}/{sha256}.{ext}`.
    public func fileURL(sha256: String, contentType: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true)
            .appendingPathComponent("\(sha256).\(Self.fileExtension(contentType))")
    }

    /// Writes the image (atomically, owner-only permissions) unless already stored, and records or
    /// extends its retention.
    public func store(_ data: Data, contentType: String, deviceID: String, now: Int64) async throws -> MediaReference {
        let sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let url = fileURL(sha256: sha256, contentType: contentType)
        let manager = FileManager.default
        if !manager.fileExists(atPath: url.path) {
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
            try data.write(to: url, options: [.atomic])
            try? manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        }
        let expiresAt = now + retentionMillis
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO snapshots (sha256, bytes, content_type, device_id, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (sha256) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)
                """, arguments: [sha256, data.count, contentType, deviceID, now, expiresAt])
        }
        return MediaReference(sha256: sha256, bytes: data.count, contentType: contentType, expiresAt: expiresAt)
    }

    /// Deletes every snapshot whose retention has ended; returns how many.
    @discardableResult
    public func sweep(now: Int64) async throws -> Int {
        let expired = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT sha256, content_type FROM snapshots WHERE expires_at <= ? LIMIT 10000", arguments: [now])
                .map { ($0["sha256"] as String, $0["content_type"] as String) }
        }
        guard !expired.isEmpty else { return 0 }
        for (sha256, contentType) in expired {
            try? FileManager.default.removeItem(at: fileURL(sha256: sha256, contentType: contentType))
        }
        try await database.write { db in
            for (sha256, _) in expired {
                try db.execute(sql: "DELETE FROM snapshots WHERE sha256 = ? AND expires_at <= ?", arguments: [sha256, now])
            }
        }
        return expired.count
    }

    static func fileExtension(_ contentType: String) -> String {
        switch contentType.lowercased() {
        case "image/png": "png"
        case "image/gif": "gif"
        case "image/webp": "webp"
        default: "jpg"
        }
    }
}
