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

    /// Where the file of `sha256` lives: `{directory}/{first two hex digits}/{sha256}`. The name is the
    /// content hash alone (the content type is in the database), so one image is one file.
    public func fileURL(sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }

    /// The reference an image will have once stored: its hash, size, type and the end of its retention.
    /// Nothing is written: images are stored only for events that were accepted (``store(_:_:deviceID:now:)``).
    public func reference(for data: Data, contentType: String, now: Int64) -> MediaReference {
        let sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return MediaReference(sha256: sha256, bytes: data.count, contentType: contentType, expiresAt: now + retentionMillis)
    }

    /// Writes the image (atomically, owner-only permissions) unless already there, and records or extends
    /// its retention. Runs under the database's writer, as the sweep does, so a sweep never deletes the
    /// file of an image stored meanwhile.
    public func store(_ data: Data, _ reference: MediaReference, deviceID: String, now: Int64) async throws {
        let url = fileURL(sha256: reference.sha256)
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO snapshots (sha256, bytes, content_type, device_id, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (sha256) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)
                """, arguments: [reference.sha256, reference.bytes, reference.contentType, deviceID, now, reference.expiresAt])
            let manager = FileManager.default
            if !manager.fileExists(atPath: url.path) {
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
                try data.write(to: url, options: [.atomic])
                try? manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
            }
        }
    }

    /// Deletes every snapshot whose retention has ended, record and file together; returns how many.
    @discardableResult
    public func sweep(now: Int64) async throws -> Int {
        try await database.write { db in
            let expired = try String.fetchAll(db, sql: "DELETE FROM snapshots WHERE expires_at <= ? RETURNING sha256", arguments: [now])
            for sha256 in expired { try? FileManager.default.removeItem(at: fileURL(sha256: sha256)) }
            return expired.count
        }
    }
}
