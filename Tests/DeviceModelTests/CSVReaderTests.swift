import Testing
@testable import DeviceModel

/// RFC 4180 as spreadsheets write it: quoting, doubled quotes, line breaks inside quotes, CRLF, a BOM, blank lines;
/// bad quoting reported with its line and column, the rows after it still read.
struct CSVReaderTests {
    func read(_ text: String) -> (records: [CSVReader.Record], errors: [CSVReader.SyntaxError]) {
        CSVReader().read(Array(text.utf8))
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() {
        let (records, errors) = read("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\r\nlast,row,here")
        #expect(errors.isEmpty)
        #expect(records.map { $0.fields.map(\.text) } == [["a", "b,c", "say \"hi\""], ["two\nlines", "x", ""], ["last", "row", "here"]])
        #expect(records.map(\.line) == [1, 2, 4])
        #expect(records[0].fields.map(\.column) == [1, 3, 9])
    }

    @Test func aByteOrderMarkAndBlankLinesAreSkippedAndColumnsCountCharacters() {
        let (records, errors) = read("\u{FEFF}id,zone\n\n楼梯间,x\r\n\r\n")
        #expect(errors.isEmpty)
        #expect(records.map { $0.fields.map(\.text) } == [["id", "zone"], ["楼梯间", "x"]])
        #expect(records[1].line == 3)
        #expect(records[1].fields[1].column == 5)
    }

    @Test func badQuotingIsReportedWhereItIsAndTheNextRowsAreStillRead() {
        let (records, errors) = read("a,b\nx,y\"z\n\"q\"r,s\nok,1\n\"open,2\nafter,3")
        #expect(errors == [
            CSVReader.SyntaxError(line: 2, column: 4, message: "a quote inside an unquoted field: quote the whole field and double the quote (\"\")"),
            CSVReader.SyntaxError(line: 3, column: 4, message: "text after the closing quote of a field (a quote inside a quoted field is written \"\")"),
            CSVReader.SyntaxError(line: 5, column: 1, message: "a quoted field is never closed (missing \")"),
        ])
        #expect(records.map { $0.fields.map(\.text) } == [["a", "b"], ["ok", "1"], ["after", "3"]])
        #expect(records.map(\.line) == [1, 4, 6])
    }
}
