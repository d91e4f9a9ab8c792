internal import CMosquitto
import Foundation

/// A failed libmosquitto call: which function, its `MOSQ_ERR_*` code and, for `MOSQ_ERR_ERRNO`, the errno.
public struct MosquittoError: Error, Sendable, CustomStringConvertible {
    public var function: String
    public var code: Int32
    public var errnoValue: Int32?

    init(function: String, code: Int32, errnoValue: Int32? = nil) {
        self.function = function
        self.code = code
        self.errnoValue = errnoValue
    }

    public var description: String {
        if code == Int32(MOSQ_ERR_ERRNO.rawValue), let errnoValue {
            return "\(function): \(String(cString: strerror(errnoValue)))"
        }
        return "\(function): \(String(cString: mosquitto_strerror(code)))"
    }

    /// Authentication, authorisation or TLS failures: retrying with the same settings cannot help.
    public var isFatal: Bool {
        [MOSQ_ERR_AUTH, MOSQ_ERR_ACL_DENIED, MOSQ_ERR_TLS, MOSQ_ERR_PROTOCOL, MOSQ_ERR_NOMEM, MOSQ_ERR_INVAL,
         MOSQ_ERR_NOT_SUPPORTED].map { Int32($0.rawValue) }.contains(code)
    }
}

/// The single funnel for libmosquitto return codes.
@inline(__always)
func check(_ code: Int32, _ function: String) throws(MosquittoError) {
    guard code != Int32(MOSQ_ERR_SUCCESS.rawValue) else { return }
    throw MosquittoError(function: function, code: code, errnoValue: code == Int32(MOSQ_ERR_ERRNO.rawValue) ? errno : nil)
}
