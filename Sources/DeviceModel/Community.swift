/// A residential community (社区) served by the gateway, with its grids (网格).
public struct Community: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Street address of the community, down to the compound; never a room.
    public var address: String
    /// The street office (街道) above the community in the escalation ladder 网格→社区→街道.
    public var street: String?
    public var grids: [Grid]

    public init(id: String, name: String, address: String, street: String? = nil, grids: [Grid]) {
        self.id = id
        self.name = name
        self.address = address
        self.street = street
        self.grids = grids
    }

    public func grid(_ code: String) -> Grid? { grids.first { $0.code == code } }
}

/// A grid (网格) of a community: the unit a grid worker (网格员) answers for.
public struct Grid: Sendable, Hashable, Codable {
    /// The grid code used by the grid work-order system (digits, often 12–15 of them).
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}
