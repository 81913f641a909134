/// Money arithmetic that never wraps: every sum of amounts in this module
/// goes through here, and a result outside the 64-bit range is an error the
/// caller reports (the request is refused), never a wrapped balance.
enum CheckedMoney {
    static func add(_ a: Int64, _ b: Int64) throws(AccountsError) -> Int64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        if overflow { throw .amountOverflow }
        return value
    }

    static func subtract(_ a: Int64, _ b: Int64) throws(AccountsError) -> Int64 {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        if overflow { throw .amountOverflow }
        return value
    }

    static func sum(_ values: some Sequence<Int64>) throws(AccountsError) -> Int64 {
        var total: Int64 = 0
        for value in values { total = try add(total, value) }
        return total
    }

    static func negate(_ a: Int64) throws(AccountsError) -> Int64 {
        guard a != .min else { throw .amountOverflow }
        return -a
    }
}
