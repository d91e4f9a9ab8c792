/// Timestamps as vendors write them, turned into epoch milliseconds without a calendar or a clock.
public enum WireTime {
    /// ISO 8601 / RFC 3339 as devices send it: `2024-03-01T08:30:15+08:00`, `…15.123Z`, `…15+0800`,
    /// the compact IoTDA form `20151212T121212Z`, and `2024-03-01 08:30:15` (a local time, read with
    /// `defaultOffsetMinutes`, China Standard Time unless told otherwise).
    public static func epochMillis(_ text: String, defaultOffsetMinutes: Int = 8 * 60) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        let year: Int, month: Int, day: Int
        if let compact = scanner.digits(8) {
            (year, month, day) = (compact / 10_000, compact / 100 % 100, compact % 100)
            guard scanner.take("T"), let time = scanner.digits(6) else { return nil }
            return finish(&scanner, year, month, day, time / 10_000, time / 100 % 100, time % 100, defaultOffsetMinutes)
        }
        guard let y = scanner.digits(4), scanner.take("-"), let m = scanner.digits(2), scanner.take("-"),
              let d = scanner.digits(2) else { return nil }
        (year, month, day) = (y, m, d)
        guard scanner.take("T") || scanner.take(" "), let hour = scanner.digits(2), scanner.take(":"),
              let minute = scanner.digits(2), scanner.take(":"), let second = scanner.digits(2) else { return nil }
        return finish(&scanner, year, month, day, hour, minute, second, defaultOffsetMinutes)
    }

    private static func finish(
        _ scanner: inout DigitScanner, _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
        _ defaultOffset: Int
    ) -> Int64? {
        guard (1970...9999).contains(year), (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var millis = 0
        if scanner.take(".") || scanner.take(",") {
            var digits = 0
            while let digit = scanner.digits(1) {
                if digits < 3 { millis = millis * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offset = defaultOffset
        if scanner.take("Z") || scanner.take("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let hours = scanner.digits(2) else { return nil }
            _ = scanner.take(":")
            guard let minutes = scanner.digits(2), hours <= 14, minutes < 60 else { return nil }
            offset = sign * (hours * 60 + minutes)
        }
        guard scanner.atEnd else { return nil }
        let days = CivilDate.dayNumber(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset * 60)
        return seconds * 1000 + Int64(millis)
    }

}

private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += count
        return value
    }

    mutating func take(_ character: Character) -> Bool {
        guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
