/// What the references of residents and devices are checked against — community and grid, installer, resident,
/// vendor product — and the checks themselves, so that a draft checked as it is validated and a finished record
/// checked afterwards (``FleetValidator`` without a context) are told the same.
public struct RegistryContext: Sendable {
    var communityGrids: [String: Set<String>] = [:]
    var installers: Set<String> = []
    /// Mapped vendor products and the device type each is for.
    var products: [ProductKey: DeviceType] = [:]
    private var residents: Residents

    /// Where residents are looked up: the drafts written (id → community, `nil` when the record does not say),
    /// or a table of residents (a registry's, or the fleet's own once complete) — not copied into an index.
    private enum Residents: Sendable {
        case written([String: String?])
        case table(ResidentTable)
    }

    /// Nothing to refer to yet: add a site with ``note(site:)`` and residents read apart from it with ``note(_:)``.
    public init() {
        residents = .written([:])
    }

    /// The references of a site's drafts: every community, installer and resident written, valid or not (one bad
    /// record must not also fail each one that names it).
    public init(site draft: RegistryDraft) {
        self.init()
        note(site: draft)
    }

    /// The communities, installers, vendor products and residents of `draft`.
    public mutating func note(site draft: RegistryDraft) {
        var unused = IssueList()
        products = Self.productTypes(ProductMappingValidator().validate(draft.products, issues: &unused))
        for community in draft.communities {
            guard let id = community.id else { continue }
            communityGrids[id, default: []].formUnion(community.grids.compactMap(\.code))
        }
        installers.formUnion(draft.installers.compactMap(\.id))
        for resident in draft.residents { note(resident) }
    }

    /// The references of a registry (a device registered at run time, a fleet import).
    init(_ registry: DeviceRegistry) {
        communityGrids = registry.communities.mapValues { Set($0.grids.map(\.code)) }
        installers = Set(registry.installers.keys)
        residents = .table(registry.residents)
        products = registry.products.products.mapValues(\.deviceType)
    }

    /// The references of validated records (a fleet validated without a context, checked once it is complete).
    init(communities: [Community], installers: [Installer], products: [ProductMapping], residents: ResidentTable) {
        for community in communities { communityGrids[community.id, default: []].formUnion(community.grids.map(\.code)) }
        self.installers = Set(installers.map(\.id))
        self.products = Self.productTypes(products)
        self.residents = .table(residents)
    }

    /// A resident written, by its id and community.
    public mutating func note(_ resident: ResidentDraft) {
        guard let id = resident.id, case var .written(communities) = residents else { return }
        residents = .written([:])
        communities[id] = .some(resident.community)
        residents = .written(communities)
    }

    private static func productTypes(_ products: [ProductMapping]) -> [ProductKey: DeviceType] {
        Dictionary(products.map { ($0.key, $0.deviceType) }, uniquingKeysWith: { first, _ in first })
    }

    /// The community of resident `id`: `nil` when there is no such resident, `.some(nil)` when its record does not say.
    private func residentCommunity(_ id: String) -> String?? {
        switch residents {
        case let .written(communities): communities[id]
        case let .table(table): table[id].map { .some($0.community) }
        }
    }

    // MARK: - Checks

    /// `community` is a community of the site.
    func checkCommunity(_ community: String?, _ origins: FieldOrigins, _ path: String, issues: inout IssueList) {
        if let community, communityGrids[community] == nil {
            issues.add(origins, path, "community", "unknown community \"\(community)\"")
        }
    }

    /// A device's community exists and `grid` is one of its grids.
    func checkPlace(community: String?, grid: String?, _ origins: FieldOrigins, _ path: String, issues: inout IssueList) {
        checkCommunity(community, origins, path, issues: &issues)
        if let grid, let community, let grids = communityGrids[community], !grids.contains(grid) {
            issues.add(origins, path, "grid", "grid \"\(grid)\" is not a grid of community \"\(community)\"")
        }
    }

    func checkInstaller(_ installer: String?, _ origins: FieldOrigins, _ path: String, issues: inout IssueList) {
        if let installer, !installers.contains(installer) {
            issues.add(origins, path, "installer", "unknown installer \"\(installer)\"")
        }
    }

    /// The resident an elderly monitor watches exists and lives in the device's community.
    func checkResident(_ residentID: String, community: String?, _ origins: FieldOrigins, _ path: String, issues: inout IssueList) {
        guard let residentCommunity = residentCommunity(residentID) else {
            issues.add(origins, path, "resident", "unknown resident \"\(residentID)\"")
            return
        }
        if let community, let residentCommunity, residentCommunity != community {
            issues.add(origins, path, "resident",
                       "resident \"\(residentID)\" lives in community \"\(residentCommunity)\", not \"\(community)\"")
        }
    }

    /// A binding's product is mapped in `vendor_products`, for the device's type. `origins` are the binding's own.
    @discardableResult
    func checkProduct(_ key: ProductKey, type: DeviceType?, _ origins: FieldOrigins, _ bindingPath: String,
                      issues: inout IssueList) -> Bool {
        guard let productType = products[key] else {
            issues.add(origins, bindingPath, "product",
                       "no \(key.vendorProtocol.rawValue) product \"\(key.product)\" in `vendor_products`: add its thing-model mapping")
            return false
        }
        if let type, productType != type {
            issues.add(origins, bindingPath, "product",
                       "product \"\(key.product)\" is mapped for \(productType.rawValue) devices, not \(type.rawValue)")
            return false
        }
        return true
    }
}
