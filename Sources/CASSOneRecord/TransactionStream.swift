import CASSDomain

/// A transaction's fields taken from the element events as they come,
/// without building its element tree and walking it afterwards (issue 15:
/// the tree and its walk were a fifth of reading an RDF/XML file).
///
/// Each element of a transaction is placed by its parent's place and its
/// own name (`Slot`, from one table lookup); elements off the format's
/// paths are only counted and checked. A field found through a chain of
/// single children (`ElementTree.follow`) is missing or repeated at the
/// first element of the chain that occurs other than once, so counting
/// each place's occurrences (summed over all its parents: once a parent
/// occurs twice the chain stops there anyway) and keeping the value of a
/// place's first occurrence gives what the tree gives. The repeated
/// properties (`cass:charge`, `cargo:involvedParties`,
/// `cargo:otherCharges`) are read at each one's end tag, their places'
/// counts restarted at each start tag. `TransactionExtractor` over the tree
/// stays the reference these results are tested against
/// (`BillingDocumentBuilder.streamsTransactions` off).
struct TransactionStream {
    /// Where an element stands in a transaction. The places inside each
    /// repeated property follow it, up to the next repeated property or
    /// `count` (their counts restart together).
    enum Slot: UInt8 {
        case none, property, bt, sequence, type, currency, reason, waybillProp, waybill, prefix, serial, indicator
        case dep, depLocation, depCodes, depElement, origin, arr, arrLocation, arrCodes, arrElement, destination
        case detailsProp, details, issueDate, commissionRate
        case itemsProp, item, chargeableWeight, weightValue, weight, weightUnit
        case partyProp, party, role, partyDetails, company, agentCode, agentLocation
        case otherChargeProp, otherCharge, otherChargeCode, entitlement, otherChargeAmount, otherChargeValue, otherChargeNumber, otherChargeUnit
        case chargeProp, ratings, chargeIdentifier, subTotal
        case count

        /// A repeated property: its places' counts restart at each, and it is read at its end.
        var isRepeated: Bool { self == .partyProp || self == .otherChargeProp || self == .chargeProp }

        /// The places inside a repeated property.
        var repeatedPlaces: Range<Int> {
            switch self {
            case .partyProp: Int(Slot.party.rawValue)..<Int(Slot.otherChargeProp.rawValue)
            case .otherChargeProp: Int(Slot.otherCharge.rawValue)..<Int(Slot.chargeProp.rawValue)
            case .chargeProp: Int(Slot.ratings.rawValue)..<Int(Slot.count.rawValue)
            default: 0..<0
            }
        }
    }

    /// The format's paths: a place and a child's name give the child's place.
    private static let paths: [(Slot, Term, Slot)] = [
        (.property, .BillingTransaction, .bt),
        (.bt, .sequence, .sequence), (.bt, .transactionType, .type), (.bt, .currency, .currency), (.bt, .reasonCode, .reason),
        (.bt, .waybill, .waybillProp), (.bt, .charge, .chargeProp),
        (.waybillProp, .Waybill, .waybill),
        (.waybill, .waybillPrefix, .prefix), (.waybill, .waybillNumber, .serial), (.waybill, .weightValuationIndicator, .indicator),
        (.waybill, .departureLocation, .dep), (.dep, .Location, .depLocation), (.depLocation, .locationCodes, .depCodes),
        (.depCodes, .CodeListElement, .depElement), (.depElement, .code, .origin),
        (.waybill, .arrivalLocation, .arr), (.arr, .Location, .arrLocation), (.arrLocation, .locationCodes, .arrCodes),
        (.arrCodes, .CodeListElement, .arrElement), (.arrElement, .code, .destination),
        (.waybill, .billingDetails, .detailsProp), (.detailsProp, .BillingDetails, .details),
        (.details, .awbExecutionDate, .issueDate), (.details, .commissionPercentage, .commissionRate),
        (.waybill, .waybillLineItems, .itemsProp), (.itemsProp, .WaybillLineItem, .item), (.item, .chargeableWeight, .chargeableWeight),
        (.chargeableWeight, .Value, .weightValue), (.weightValue, .numericalValue, .weight), (.weightValue, .unit, .weightUnit),
        (.waybill, .involvedParties, .partyProp), (.partyProp, .Party, .party), (.party, .partyRole, .role), (.party, .partyDetails, .partyDetails),
        (.partyDetails, .Company, .company), (.company, .iataCargoAgentCode, .agentCode), (.company, .iataCargoAgentLocationIdentifier, .agentLocation),
        (.waybill, .otherCharges, .otherChargeProp), (.otherChargeProp, .OtherCharge, .otherCharge),
        (.otherCharge, .otherChargeCode, .otherChargeCode), (.otherCharge, .entitlement, .entitlement),
        (.otherCharge, .otherChargeAmount, .otherChargeAmount), (.otherChargeAmount, .CurrencyValue, .otherChargeValue),
        (.otherChargeValue, .numericalValue, .otherChargeNumber), (.otherChargeValue, .currencyUnit, .otherChargeUnit),
        (.chargeProp, .Ratings, .ratings), (.ratings, .billingChargeIdentifier, .chargeIdentifier), (.ratings, .subTotal, .subTotal),
    ]

    private static let termCount = Term.allCases.count

    /// `paths` as a table: `Slot.count` rows of one byte per term.
    private static let table: [Slot] = {
        var table = [Slot](repeating: .none, count: Int(Slot.count.rawValue) * termCount)
        for (parent, term, child) in paths { table[Int(parent.rawValue) * termCount + Int(term.rawValue)] = child }
        return table
    }()

    /// What the first occurrence of a place held; the texts and IRIs are
    /// ranges of the document, or of `RawTransactions.bytes` when copied.
    struct Found {
        var count: Int32 = 0
        var textStart: Int32 = 0
        var textEnd: Int32 = 0
        var textCopied = false
        var resourceStart: Int32 = 0
        var resourceEnd: Int32 = -1
        var resourceCopied = false
        var invalidValue: ElementTree.InvalidValue = .none
        /// The first child element's name (a value has none).
        var firstChild: Term?
    }

    struct Frame {
        var slot: Slot
        /// This element is its place's first occurrence: what it holds is kept.
        var keeps: Bool
        var hasChildren = false
        /// Its text so far (before any child), for the text limit.
        var textLength = 0
    }

    /// The storage below, freed with the last copy of this reader. Raw
    /// pointers, not arrays: an element costs a few loads and stores, no
    /// uniqueness check (arrays here cost as much as the tree they replace).
    private final class Storage {
        let paths: UnsafeMutablePointer<Slot>
        let found: UnsafeMutablePointer<Found>
        var frames: UnsafeMutablePointer<Frame>
        var capacity: Int

        init() {
            let table = TransactionStream.table
            paths = .allocate(capacity: table.count)
            paths.initialize(from: table, count: table.count)
            found = .allocate(capacity: Int(Slot.count.rawValue))
            found.initialize(repeating: Found(), count: Int(Slot.count.rawValue))
            capacity = 40
            frames = .allocate(capacity: capacity)
        }

        /// Room for one more frame than `depth` (nesting is bounded by the
        /// limits, but JSON-LD's and XML's depths are counted differently).
        func grow() {
            let larger = UnsafeMutablePointer<Frame>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: frames, count: capacity)
            frames.deallocate()
            frames = larger
            capacity *= 2
        }

        deinit {
            paths.deallocate()
            found.deinitialize(count: Int(Slot.count.rawValue))
            found.deallocate()
            frames.deallocate()
        }
    }

    private let storage = Storage()
    private let paths: UnsafeMutablePointer<Slot>
    private let found: UnsafeMutablePointer<Found>
    private var frames: UnsafeMutablePointer<Frame>
    /// Open elements of the transaction (`frames[0]` is `cass:transaction`).
    private var depth = 0
    /// The fields so far, in `RecordField` order.
    private var fields = [RawField](repeating: .absent, count: RawTransactions.fieldCount)
    private var otherCharges: [RawOtherCharge] = []
    /// AGT parties seen (0, 1, 2 for more) and the first one's agent fields.
    private var agents = 0
    private var agentCode = RawField.absent
    private var agentLocation = RawField.absent
    /// The document whose ranges are kept (empty: every text is copied).
    var document = UnsafeRawBufferPointer(start: nil, count: 0)

    init() {
        paths = storage.paths
        found = storage.found
        frames = storage.frames
    }

    // MARK: - Events

    /// The `cass:transaction` element starts.
    mutating func begin() {
        for k in 0..<Int(Slot.count.rawValue) { found[k].count = 0 }
        frames[0] = Frame(slot: .property, keeps: false)
        depth = 1
        for k in fields.indices { fields[k] = .absent }
        otherCharges.removeAll(keepingCapacity: true)
        agents = 0
        agentCode = .absent
        agentLocation = .absent
    }

    /// A child element (of the format's namespaces) of the innermost open one.
    mutating func start(_ term: Term) {
        let last = depth - 1
        let parent = frames[last].slot
        if !frames[last].hasChildren {
            frames[last].hasChildren = true
            if frames[last].keeps { found[Int(parent.rawValue)].firstChild = term }
        }
        let slot = paths[Int(parent.rawValue) &* Self.termCount &+ Int(term.rawValue)]
        var keeps = false
        if slot != .none {
            let s = Int(slot.rawValue)
            found[s].count += 1
            if found[s].count == 1 {
                keeps = true
                found[s] = Found(count: 1)
            }
            if slot.isRepeated {
                for k in slot.repeatedPlaces { found[k].count = 0 }
            }
        }
        if depth == storage.capacity {
            storage.grow()
            frames = storage.frames
        }
        frames[depth] = Frame(slot: slot, keeps: keeps)
        depth += 1
    }

    /// Character data of the innermost open element; the text length it
    /// reaches (0 after a child: such text is layout, never a value).
    mutating func text(_ piece: UnsafeRawBufferPointer, into raw: inout RawTransactions) -> Int {
        let last = depth - 1
        guard !frames[last].hasChildren else { return 0 }
        frames[last].textLength += piece.count
        if frames[last].keeps {
            let s = Int(frames[last].slot.rawValue)
            if found[s].textEnd == found[s].textStart, !found[s].textCopied, let offset = offsetInDocument(piece) {
                found[s].textStart = Int32(truncatingIfNeeded: offset)
                found[s].textEnd = Int32(truncatingIfNeeded: offset + piece.count)
            } else {
                // A second piece (split by a comment or a reference), or
                // not in the document: the text is copied, in one piece.
                if !found[s].textCopied || Int(found[s].textEnd) != raw.bytes.count {
                    let start = raw.bytes.count
                    if found[s].textEnd > found[s].textStart {
                        if found[s].textCopied {
                            let existing = Int(found[s].textStart)..<Int(found[s].textEnd)
                            raw.bytes.append(contentsOf: raw.bytes[existing])
                        } else {
                            raw.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: document[Int(found[s].textStart)..<Int(found[s].textEnd)]))
                        }
                    }
                    found[s].textStart = Int32(truncatingIfNeeded: start)
                    found[s].textCopied = true
                }
                raw.bytes.append(contentsOf: piece)
                found[s].textEnd = Int32(truncatingIfNeeded: raw.bytes.count)
            }
        }
        return frames[last].textLength
    }

    /// Whether the innermost open element has a child (its text is then layout).
    var innermostHasChildren: Bool { depth > 0 && frames[depth - 1].hasChildren }

    /// `rdf:resource` (a JSON-LD `@id`) of the innermost open element.
    mutating func resource(_ iri: UnsafeRawBufferPointer, into raw: inout RawTransactions) {
        let last = depth - 1
        guard frames[last].keeps else { return }
        let s = Int(frames[last].slot.rawValue)
        if let offset = offsetInDocument(iri) {
            found[s].resourceStart = Int32(truncatingIfNeeded: offset)
            found[s].resourceEnd = Int32(truncatingIfNeeded: offset + iri.count)
            found[s].resourceCopied = false
        } else {
            let start = raw.bytes.count
            raw.bytes.append(contentsOf: iri)
            found[s].resourceStart = Int32(truncatingIfNeeded: start)
            found[s].resourceEnd = Int32(truncatingIfNeeded: raw.bytes.count)
            found[s].resourceCopied = true
        }
    }

    mutating func invalidValue(_ kind: ElementTree.InvalidValue) {
        let last = depth - 1
        guard frames[last].keeps else { return }
        found[Int(frames[last].slot.rawValue)].invalidValue = kind
    }

    /// The innermost open element ends; true when it was the
    /// `cass:transaction` element (then `finish` follows).
    mutating func end(into raw: inout RawTransactions) -> Bool {
        guard depth > 0 else { return true }
        depth -= 1
        let frame = frames[depth]
        switch frame.slot {
        case .property: return true
        case .chargeProp: readCharge(into: &raw)
        case .partyProp: readParty(into: &raw)
        case .otherChargeProp: readOtherCharge(into: &raw)
        default: break
        }
        return false
    }

    // MARK: - Chains of single children

    /// The one occurrence of a place, or why there is not one.
    @inline(__always) private func single(_ slot: Slot) -> Single {
        let count = found[Int(slot.rawValue)].count
        return count == 1 ? .one(Int32(slot.rawValue)) : count == 0 ? .missing : .repeated
    }

    /// `ElementTree.follow`: the first place of the chain that is not single decides.
    @inline(__always) private func follow(_ start: Single, _ slot: Slot) -> Single {
        guard case .one = start else { return start }
        return single(slot)
    }

    private var waybill: Single { follow(single(.bt), .waybillProp, .waybill) }

    private func follow(_ start: Single, _ a: Slot, _ b: Slot) -> Single { follow(follow(start, a), b) }

    // MARK: - Values

    @inline(__always) private func offsetInDocument(_ piece: UnsafeRawBufferPointer) -> Int? {
        guard let base = document.baseAddress, let start = piece.baseAddress, start >= base else { return nil }
        let offset = base.distance(to: start)
        guard offset <= document.count, piece.count <= document.count - offset else { return nil }
        return offset
    }

    /// `ElementTree.field`: a value's text as found, or what stands there instead.
    private func field(_ single: Single, into raw: inout RawTransactions) -> RawField {
        switch single {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let slot):
            let f = found[Int(slot)]
            if let child = f.firstChild { return raw.invalid("<\(child.qualified)> where a value was expected") }
            if f.invalidValue != .none { return raw.invalid(f.invalidValue.description) }
            if f.resourceEnd >= 0 { return raw.invalid("an IRI where a value was expected") }
            if f.textCopied { return .text(start: f.textStart, end: f.textEnd) }
            if f.textEnd > f.textStart { return .document(start: f.textStart, end: f.textEnd) }
            let end = Int32(truncatingIfNeeded: raw.bytes.count)
            return .text(start: end, end: end)
        }
    }

    /// The code of a place's IRI (after its last `#`) in place, or nil without one.
    private func withResourceCode<R>(_ slot: Slot, raw: RawTransactions, _ body: (UnsafeRawBufferPointer, Int32) -> R) -> R? {
        let f = found[Int(slot.rawValue)]
        guard f.resourceEnd >= 0 else { return nil }
        func code(_ storage: UnsafeRawBufferPointer) -> R {
            var start = Int(f.resourceStart)
            var k = Int(f.resourceEnd) - 1
            while k >= start {
                if storage[k] == UInt8(ascii: "#") { start = k + 1; break }
                k -= 1
            }
            return body(UnsafeRawBufferPointer(rebasing: storage[start..<Int(f.resourceEnd)]), Int32(truncatingIfNeeded: start))
        }
        return f.resourceCopied ? raw.bytes.withUnsafeBytes(code) : code(document)
    }

    /// `ElementTree.codeField`: the code of a code-list IRI.
    private func codeField(_ single: Single, into raw: inout RawTransactions) -> RawField {
        switch single {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let slot):
            let place = Slot(rawValue: UInt8(truncatingIfNeeded: slot)) ?? .none
            let f = found[Int(slot)]
            guard f.resourceEnd >= 0 else { return raw.invalid("no rdf:resource (code-list values are IRIs)") }
            if !f.resourceCopied, document.baseAddress != nil {
                return withResourceCode(place, raw: raw) { code, start in RawField.document(start: start, end: start + Int32(truncatingIfNeeded: code.count)) } ?? .absent
            }
            return withResourceCode(place, raw: raw) { code, start in RawField.text(start: start, end: start + Int32(truncatingIfNeeded: code.count)) } ?? .absent
        }
    }

    private func resourceText(_ slot: Slot, raw: RawTransactions) -> String? {
        let f = found[Int(slot.rawValue)]
        guard f.resourceEnd >= 0 else { return nil }
        let range = Int(f.resourceStart)..<Int(f.resourceEnd)
        return f.resourceCopied ? String(decoding: raw.bytes[range], as: UTF8.self) : String(decoding: UnsafeRawBufferPointer(rebasing: document[range]), as: UTF8.self)
    }

    // MARK: - Repeated properties, at their end tags

    /// A `cass:charge`: its amount, by its identifier (`TransactionExtractor`).
    private mutating func readCharge(into raw: inout RawTransactions) {
        let ratings = single(.ratings)
        let identifier = follow(ratings, .chargeIdentifier)
        var field: RecordField?
        if case .one = identifier {
            field = withResourceCode(.chargeIdentifier, raw: raw) { code, _ -> RecordField? in
                RecordField.amountField(chargeIdentifierBytes: code)
            } ?? nil
        }
        guard let field else {
            if case .absent = fields[RecordField.chargeIdentifier.rawValue] {
                let what = (identifier.node != nil ? resourceText(.chargeIdentifier, raw: raw) : nil) ?? "no cargo:Ratings with one identifier"
                fields[RecordField.chargeIdentifier.rawValue] = raw.invalid(what)
            }
            return
        }
        if case .absent = fields[field.rawValue] {
            fields[field.rawValue] = self.field(follow(ratings, .subTotal), into: &raw)
        } else {
            fields[field.rawValue] = .repeated
        }
    }

    /// A `cargo:involvedParties`: the agent's fields when its role is AGT.
    private mutating func readParty(into raw: inout RawTransactions) {
        guard case .one = single(.party), case .one = single(.role),
              withResourceCode(.role, raw: raw, { code, _ in OneRecordValues.equals(code.assumingMemoryBound(to: UInt8.self), "AGT") }) == true else { return }
        agents += 1
        guard agents == 1 else { return }
        let company = follow(single(.partyDetails), .company)
        agentCode = field(follow(company, .agentCode), into: &raw)
        agentLocation = field(follow(company, .agentLocation), into: &raw)
    }

    /// A `cargo:otherCharges`: one other charge.
    private mutating func readOtherCharge(into raw: inout RawTransactions) {
        guard case .one = single(.otherCharge) else {
            let code = raw.invalid("cargo:otherCharges without one cargo:OtherCharge")
            otherCharges.append(RawOtherCharge(code: code, entitlement: .absent, amount: .absent, currencyUnit: .absent))
            return
        }
        let value = follow(single(.otherChargeAmount), .otherChargeValue)
        let code = codeField(single(.otherChargeCode), into: &raw)
        let entitlement = codeField(single(.entitlement), into: &raw)
        let amount = field(follow(value, .otherChargeNumber), into: &raw)
        let currencyUnit = value.node != nil ? codeField(single(.otherChargeUnit), into: &raw) : .absent
        otherCharges.append(RawOtherCharge(code: code, entitlement: entitlement, amount: amount, currencyUnit: currencyUnit))
    }

    // MARK: - The transaction's end

    /// Why the transaction is refused (F06), in the tree path's words, or nil.
    enum Refusal {
        case billingTransaction
        case sequence(found: String)
        case memoWithOtherCharges(code: String, count: Int)
    }

    /// The transaction at `position` (1, 2, 3...) checked and, unless
    /// refused, appended to `raw`; returns its other charges' count.
    mutating func finish(position: Int, into raw: inout RawTransactions) -> Result<Int, RefusalError> {
        guard case .one = single(.bt) else { return .failure(RefusalError(refusal: .billingTransaction)) }
        let sequence = single(.sequence)
        var sequenceMatches = false
        if case .one = sequence {
            let f = found[Int(Slot.sequence.rawValue)]
            if f.firstChild == nil, f.invalidValue == .none, f.resourceEnd < 0 {
                let range = Int(f.textStart)..<Int(f.textEnd)
                sequenceMatches = f.textCopied
                    ? raw.bytes.withUnsafeBufferPointer { OneRecordValues.isDecimal(UnsafeBufferPointer(rebasing: $0[range]), of: position) }
                    : OneRecordValues.isDecimal(UnsafeRawBufferPointer(rebasing: document[range]).assumingMemoryBound(to: UInt8.self), of: position)
            }
        }
        guard sequenceMatches else {
            var foundText = "missing or repeated"
            if case .one = sequence {
                // Found before `raw` is read: `raw.value(field(...))` would read it first.
                let value = field(sequence, into: &raw)
                if case .text(let text) = raw.value(value, document: document) { foundText = OneRecordValues.reportable(text, width: 12) }
            }
            return .failure(RefusalError(refusal: .sequence(found: foundText)))
        }

        func set(_ field: RecordField, _ value: RawField) { fields[field.rawValue] = value }
        set(.transaction, field(single(.type), into: &raw))
        set(.currency, codeField(single(.currency), into: &raw))
        set(.reason, field(single(.reason), into: &raw))
        let waybill = self.waybill
        set(.prefix, field(follow(waybill, .prefix), into: &raw))
        set(.serial, field(follow(waybill, .serial), into: &raw))
        set(.indicator, codeField(follow(waybill, .indicator), into: &raw))
        set(.origin, field(follow(follow(follow(waybill, .dep, .depLocation), .depCodes, .depElement), .origin), into: &raw))
        set(.destination, field(follow(follow(follow(waybill, .arr, .arrLocation), .arrCodes, .arrElement), .destination), into: &raw))
        let details = follow(waybill, .detailsProp, .details)
        set(.issueDate, field(follow(details, .issueDate), into: &raw))
        set(.commissionRate, field(follow(details, .commissionRate), into: &raw))
        if waybill.node != nil {
            set(.agentCode, agents == 0 ? .absent : agents == 1 ? agentCode : .repeated)
            set(.agentLocation, agents == 0 ? .absent : agents == 1 ? agentLocation : .repeated)
        } else {
            let shape: RawField = waybill.isRepeated ? .repeated : .absent
            set(.agentCode, shape)
            set(.agentLocation, shape)
        }
        set(.weight, weight(follow(follow(waybill, .itemsProp, .item), .chargeableWeight, .weightValue), into: &raw))

        let charges = waybill.node != nil ? otherCharges.count : 0
        if charges > 0, case .text(let code) = raw.value(fields[RecordField.transaction.rawValue], document: document), TransactionType(code: code)?.isMemo == true {
            return .failure(RefusalError(refusal: .memoWithOtherCharges(code: code, count: charges)))
        }
        raw.append(sequence: position, fields: fields, otherCharges: charges > 0 ? otherCharges : [])
        return .success(charges)
    }

    struct RefusalError: Error {
        var refusal: Refusal
    }

    /// Chargeable weight in kilograms (`TransactionExtractor.weight`).
    private func weight(_ value: Single, into raw: inout RawTransactions) -> RawField {
        guard case .one = value else { return field(value, into: &raw) }
        if case .one = single(.weightUnit),
           let unit = withResourceCode(.weightUnit, raw: raw, { code, _ -> String? in
               OneRecordValues.equals(code.assumingMemoryBound(to: UInt8.self), "KGM") ? nil : String(decoding: code, as: UTF8.self)
           }) ?? nil, unit != "KGM" {
            return raw.invalid("unit \(unit), expected MeasurementUnitCode#KGM")
        }
        return field(single(.weight), into: &raw)
    }
}

extension RawTransactions {
    /// Appends a whole transaction: its fields in `RecordField` order and its other charges.
    mutating func append(sequence: Int, fields newFields: [RawField], otherCharges newCharges: [RawOtherCharge]) {
        entries.append(Entry(sequence: sequence, otherChargesStart: otherCharges.count, otherChargesCount: newCharges.count))
        fields.append(contentsOf: newFields)
        otherCharges.append(contentsOf: newCharges)
    }
}
