/// Masking of personal data the way Chinese services show it (GB/T 35273 practice): enough for the
/// recipient to recognise, not enough to identify. See ../shared/DOMAIN.md §6.3.
public enum PersonalDataMasking {
    /// `张三` → `张*`, `张建华` → `张*华`, `欧阳建华` → `欧**华`; a single character stays as it is.
    public static func name(_ name: String) -> String {
        let characters = Array(name)
        switch characters.count {
        case 0, 1: return name
        case 2: return "\(characters[0])*"
        default:
            return "\(characters[0])\(String(repeating: "*", count: characters.count - 2))\(characters[characters.count - 1])"
        }
    }

    /// `13812341234` → `138****1234` (keep 3 + 4); anything shorter than 8 digits is fully masked.
    public static func phone(_ phone: String) -> String {
        let characters = Array(phone)
        guard characters.count >= 8 else { return String(repeating: "*", count: characters.count) }
        return "\(String(characters.prefix(3)))\(String(repeating: "*", count: characters.count - 7))\(String(characters.suffix(4)))"
    }
}
