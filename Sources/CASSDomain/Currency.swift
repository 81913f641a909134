/// ISO 4217 alphabetic currency codes with their minor-unit digits (the
/// active list). A CBF header must name one of these with the right digits
/// (F07). Funds codes and precious metals are left out: nobody bills in them.
public enum ISO4217 {
    public static func minorDigits(of code: String) -> Int? { table[code] }

    public static func isKnown(_ code: String) -> Bool { table[code] != nil }

    static let table: [String: Int] = {
        var result: [String: Int] = [:]
        let zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
        let three = "BHD IQD JOD KWD LYD OMR TND"
        let four = "CLF UYW"
        let two = """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD \
        CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ \
        GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA \
        MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR \
        RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD \
        TWD TZS UAH USD UZS VES VED WST XCD XCG YER ZAR ZMW ZWG
        """
        for (list, digits) in [(zero, 0), (two, 2), (three, 3), (four, 4)] {
            for code in list.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                result[String(code)] = digits
            }
        }
        return result
    }()
}
