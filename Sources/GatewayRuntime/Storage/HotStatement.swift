import GRDB
import GRDBSQLite

/// One of the ingest's per-message statements, bound and stepped through SQLite's C API. GRDB's
/// `execute(arguments:)` boxes every argument, extracts and validates the bindings and nests a closure per
/// argument: for the two statements every message runs (the event, the device's state) that was a quarter of
/// their cost at 15,000 msg/s. The statement stays GRDB's cached one (prepared once per connection); it is
/// reset after each use, so GRDB finds it as it left it. Used only inside a transaction opened through GRDB.
struct HotStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private var index: Int32 = 0

    init(_ statement: Statement, in db: Database) {
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
    }

    mutating func bind(_ value: String) {
        index += 1
        sqlite3_bind_text(handle, index, value, -1, Self.transient)
    }

    mutating func bind(_ value: String?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func bind(_ value: Int64?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

    mutating func bindNull() {
        index += 1
        sqlite3_bind_null(handle, index)
    }

    /// Steps the statement to its end; returns the rows it changed.
    func run() throws -> Int {
        let code = sqlite3_step(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message,
                                sql: sqlite3_sql(handle).map { String(cString: $0) })
        }
        return Int(sqlite3_changes(connection))
    }

    /// SQLite copies the text before `bind` returns (Swift's temporary C string does not outlive the call).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
