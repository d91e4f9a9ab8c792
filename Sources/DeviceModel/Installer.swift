/// An installer who registers and commissions devices. Only the id appears in logs and audit rows.
public struct Installer: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var phone: String?

    public init(id: String, name: String, phone: String? = nil) {
        self.id = id
        self.name = name
        self.phone = phone
    }
}
