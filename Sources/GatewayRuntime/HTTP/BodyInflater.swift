import CZlib
import Foundation

/// Undoes `Content-Encoding: deflate` or `gzip` of a pushed body (Dahua's event upload may be deflated),
/// refusing to produce more than `limit` bytes: a small compressed body must not expand into gigabytes.
enum BodyInflater {
    enum Failure: Error, Equatable {
        case corrupt
        case tooLarge
    }

    /// `encoding` as sent: `deflate` (zlib-wrapped, or raw as some servers send it) or `gzip`.
    static func inflate(_ data: Data, encoding: String, limit: Int) throws(Failure) -> Data {
        let lower = encoding.lowercased()
        // 15 + 32: zlib or gzip header, detected; −15: raw deflate.
        let attempts: [Int32] = lower.contains("gzip") ? [15 + 16] : [15 + 32, -15]
        var lastFailure = Failure.corrupt
        for windowBits in attempts {
            do throws(Failure) {
                return try run(data, windowBits: windowBits, limit: limit)
            } catch {
                lastFailure = error
                if error == .tooLarge { break }
            }
        }
        throw lastFailure
    }

    private static func run(_ data: Data, windowBits: Int32, limit: Int) throws(Failure) -> Data {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, windowBits) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = [UInt8](data)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(target.baseAddress!, count: target.count - Int(stream.avail_out))
                }
            } while status == Z_OK && output.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        if output.count > limit { throw .tooLarge }
        guard status == Z_STREAM_END else { throw .corrupt }
        return output
    }
}
