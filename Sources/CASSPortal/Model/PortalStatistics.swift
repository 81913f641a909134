/// A count under a key (a status, a rejection code, a dispute state).
public struct PortalCount: Sendable, Hashable {
    public var key: String
    public var count: Int
    public init(_ key: String, _ count: Int) {
        self.key = key
        self.count = count
    }
}

/// Net billed (and, when known, paid) for one airline in one operation.
public struct PortalAirlineFigures: Sendable {
    public var airline: String
    public var airlineName: String?
    public var billedMinor: Int64
    public var paidMinor: Int64?
    public init(airline: String, airlineName: String? = nil, billedMinor: Int64, paidMinor: Int64? = nil) {
        self.airline = airline
        self.airlineName = airlineName
        self.billedMinor = billedMinor
        self.paidMinor = paidMinor
    }
}

/// `GET /api/v1/statistics` for one operation and period.
public struct PortalOperationStatistics: Sendable {
    public var country: String
    public var period: String
    public var currency: String
    public var filesByStatus: [PortalCount]
    public var recordsAccepted: Int
    public var recordsRejected: Int
    public var rejectionsByCode: [PortalCount]
    public var airlines: [PortalAirlineFigures]
    public var invoicesIssued: Int
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    public var disputesByState: [PortalCount]
    public init(country: String, period: String, currency: String, filesByStatus: [PortalCount], recordsAccepted: Int, recordsRejected: Int,
                rejectionsByCode: [PortalCount], airlines: [PortalAirlineFigures], invoicesIssued: Int, paidMinor: Int64, outstandingMinor: Int64,
                disputesByState: [PortalCount]) {
        self.country = country
        self.period = period
        self.currency = currency
        self.filesByStatus = filesByStatus
        self.recordsAccepted = recordsAccepted
        self.recordsRejected = recordsRejected
        self.rejectionsByCode = rejectionsByCode
        self.airlines = airlines
        self.invoicesIssued = invoicesIssued
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
        self.disputesByState = disputesByState
    }
}

/// Files and records that arrived in one hour (UTC).
public struct PortalHourlyCount: Sendable {
    public var hour: PortalInstant
    public var files: Int
    public var records: Int
    public init(hour: PortalInstant, files: Int, records: Int) {
        self.hour = hour
        self.files = files
        self.records = records
    }
}

/// The dashboard's figures for the user's current scope.
public struct PortalStatistics: Sendable {
    public var operations: [PortalOperationStatistics]
    /// The last hours, oldest first (the dashboard shows up to 48).
    public var hourly: [PortalHourlyCount]
    public var asOf: PortalInstant
    public init(operations: [PortalOperationStatistics], hourly: [PortalHourlyCount], asOf: PortalInstant) {
        self.operations = operations
        self.hourly = hourly
        self.asOf = asOf
    }
}
