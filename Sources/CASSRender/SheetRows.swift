import CASSDomain

/// Where a worksheet's rows go, cell by cell, in order: its bytes
/// (`SheetWriter`) or, for tests, a list of rows (`SheetRecorder`).
/// `InvoiceSpreadsheet.writeRows` walks the invoice once into either.
protocol SheetRows {
    /// Starts the next row (the one before it, if any, ends).
    mutating func row(bold: Bool)
    mutating func text(_ text: String)
    /// `origin-destination` as one text cell, without making that text.
    mutating func route(_ origin: String, _ destination: String)
    mutating func amount(_ minor: Int64)
    mutating func weight(_ tenths: Int64)
    mutating func rate(_ hundredths: Int64)
    mutating func date(_ date: CivilDate)
    /// Leaves `count` cells of the row empty.
    mutating func empty(_ count: Int)
}

extension SheetRows {
    mutating func empty() { empty(1) }
}

/// The worksheet's `<sheetData>` rows as SpreadsheetML bytes, written as the
/// cells arrive. A cell carries its reference (`r="B12"`) only after an
/// empty cell, and a text `xml:space="preserve"` only when it starts or ends
/// with white space: both are optional in SpreadsheetML (a cell without `r`
/// is the one after the previous), and together they were a third of the
/// sheet's bytes, all of them compressed for every invoice.
struct SheetWriter: SheetRows {
    /// The sheet's bytes; the caller writes what comes before the rows.
    var out: ByteBuffer
    /// The currency's minor digits, for amount cells.
    let digits: Int
    private var rowNumber = 0
    private var inRow = false
    private var bold = false
    /// The column of the next cell, and the one a cell without a reference takes.
    private var column = 0, next = 0
    /// The row number's digits, written once per row and copied into each cell reference.
    private var number: [UInt8] = []

    init(capacity: Int, digits: Int) {
        out = ByteBuffer(capacity: capacity)
        self.digits = digits
        number.reserveCapacity(20)
    }

    mutating func row(bold: Bool) {
        if inRow { out.append("</row>" as StaticString) }
        rowNumber += 1
        number.removeAll(keepingCapacity: true)
        InvoiceSpreadsheet.appendDecimal(Int64(rowNumber), digits: 0, to: &number)
        out.append(#"<row r=""# as StaticString); out.append(number); out.append(#"">"# as StaticString)
        inRow = true
        self.bold = bold
        column = 0
        next = 0
    }

    mutating func empty(_ count: Int) { column += count }

    /// `<c` and, after a gap, the cell's reference.
    private mutating func start() {
        precondition(inRow, "a cell before the first row")
        if column == next {
            out.append("<c" as StaticString)
        } else {
            out.append(#"<c r=""# as StaticString)
            if column < InvoiceSpreadsheet.columnNames.count {
                out.append(InvoiceSpreadsheet.columnNames[column])
            } else {
                out.append(InvoiceSpreadsheet.columnName(column))
            }
            out.append(number)
            out.append("\"" as StaticString)
        }
        column += 1
        next = column
    }

    mutating func text(_ text: String) {
        start()
        out.append(InvoiceSpreadsheet.textOpening(bold: bold, preserve: InvoiceSpreadsheet.edgesAreWhiteSpace(first: text, last: text)))
        InvoiceSpreadsheet.appendEscaped(text, to: &out)
        out.append("</t></is></c>" as StaticString)
    }

    mutating func route(_ origin: String, _ destination: String) {
        start()
        out.append(InvoiceSpreadsheet.textOpening(bold: bold, preserve: InvoiceSpreadsheet.edgesAreWhiteSpace(first: origin, last: destination)))
        InvoiceSpreadsheet.appendEscaped(origin, to: &out)
        out.append(UInt8(ascii: "-"))
        InvoiceSpreadsheet.appendEscaped(destination, to: &out)
        out.append("</t></is></c>" as StaticString)
    }

    mutating func amount(_ minor: Int64) {
        start()
        out.append(bold ? #" s="3"><v>"# as StaticString : #" s="2"><v>"# as StaticString)
        InvoiceSpreadsheet.appendDecimal(minor, digits: digits, to: &out)
        out.append("</v></c>" as StaticString)
    }

    mutating func weight(_ tenths: Int64) {
        start()
        out.append(#" s="4"><v>"# as StaticString)
        InvoiceSpreadsheet.appendDecimal(tenths, digits: 1, to: &out)
        out.append("</v></c>" as StaticString)
    }

    /// A percentage cell holds the fraction: 5.00 % is 0.05.
    mutating func rate(_ hundredths: Int64) {
        start()
        out.append(#" s="6"><v>"# as StaticString)
        InvoiceSpreadsheet.appendDecimal(hundredths, digits: 4, to: &out)
        out.append("</v></c>" as StaticString)
    }

    /// Spreadsheet dates count days from 1899-12-30.
    mutating func date(_ date: CivilDate) {
        start()
        out.append(#" s="5"><v>"# as StaticString)
        InvoiceSpreadsheet.appendDecimal(Int64(date.dayNumber) + 25569, digits: 0, to: &out)
        out.append("</v></c>" as StaticString)
    }

    /// Ends the last row and the sheet; returns the bytes.
    mutating func finish() -> [UInt8] {
        if inRow { out.append("</row>" as StaticString) }
        inRow = false
        out.append("</sheetData></worksheet>" as StaticString)
        return out.array()
    }
}

/// The rows as a list of cells (`InvoiceSpreadsheet.rows()`, for tests).
struct SheetRecorder: SheetRows {
    private var rows: [(cells: [InvoiceSpreadsheet.Cell], bold: Bool)] = []

    mutating func row(bold: Bool) { rows.append((cells: [], bold: bold)) }
    mutating func text(_ text: String) { add(.text(text)) }
    mutating func route(_ origin: String, _ destination: String) { add(.route(origin, destination)) }
    mutating func amount(_ minor: Int64) { add(.amount(minor)) }
    mutating func weight(_ tenths: Int64) { add(.weight(tenths)) }
    mutating func rate(_ hundredths: Int64) { add(.rate(hundredths)) }
    mutating func date(_ date: CivilDate) { add(.date(date)) }
    mutating func empty(_ count: Int) { for _ in 0..<count { add(.empty) } }

    private mutating func add(_ cell: InvoiceSpreadsheet.Cell) {
        precondition(!rows.isEmpty, "a cell before the first row")
        rows[rows.count - 1].cells.append(cell)
    }

    func finish() -> [(cells: [InvoiceSpreadsheet.Cell], bold: Bool)] { rows }
}
