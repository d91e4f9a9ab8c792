import DeviceModel

/// Places and times as the Chinese messages write them.
extension DeliveryPlanner {
    // MARK: - Text

    /// `幸福里社区` → `幸福里社区` (already short); long names are cut to 8 characters for one SMS segment.
    func shortName(_ community: Community) -> String { String(community.name.prefix(8)) }

    func placeText(_ alert: Alert, communityName: String?, includeRoom: Bool) -> String {
        var text = communityName ?? alert.community
        if let building = alert.location.building { text += "\(building)幢" }
        if let unit = alert.location.unit { text += "\(unit)单元" }
        if includeRoom, let room = alert.location.room { text += "\(room)室" }
        if let zone = alert.location.zone { text += "（\(zone)）" }
        return text
    }

    /// `11-23 14:05` in the calendar's local time.
    func localTime(_ millis: Int64, withDate: Bool) -> String {
        let (day, minute) = calendar.localMinutes(millis)
        let time = "\(two(Int(minute / 60))):\(two(Int(minute % 60)))"
        guard withDate else { return time }
        let (_, month, date) = civil(day)
        return "\(two(month))-\(two(date)) \(time)"
    }

    /// ISO 8601 with the calendar's offset: `2026-11-23T14:05:00+08:00`.
    func isoTime(_ millis: Int64) -> String {
        let seconds = millis / 1000 + Int64(calendar.utcOffsetSeconds)
        let day = Int((seconds - ((seconds % 86_400) + 86_400) % 86_400) / 86_400)
        let second = Int(((seconds % 86_400) + 86_400) % 86_400)
        let (year, month, date) = civil(day)
        let offset = calendar.utcOffsetSeconds
        let sign = offset >= 0 ? "+" : "-"
        return "\(year)-\(two(month))-\(two(date))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
            + "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) / 60 % 60))"
    }

    func durationText(_ seconds: Int) -> String {
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)天" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)小时" }
        return "\(max(1, seconds / 60))分钟"
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private func civil(_ day: Int) -> (Int, Int, Int) {
        let date = CivilDate.date(dayNumber: day)
        return (date.year, date.month, date.day)
    }
}
