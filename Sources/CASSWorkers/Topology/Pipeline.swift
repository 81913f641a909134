import CASSLog

/// The pipeline: every stage's definition, in the order records flow.
/// Adding a stage is writing its file (Stages/, with its `definition`) and
/// adding that definition here; workers, topics, `cass topics describe`,
/// `cass status` and topics.json follow from this list.
public enum Pipeline {
    public static let definitions: [StageDefinition] = [
        IngestStage.definition,
        ValidateStage.definition,
        TaxStage.definition,
        SettleStage.definition,
        NumberStage.definition,
        RenderStage.definition,
        NotifyStage.definition,
        PublishStage.definition,
    ]

    /// The stages that turn files into issued invoices and settlements:
    /// what `cass settle` runs embedded and what "settled" waits for.
    public static let settlement: [StageDefinition] = [
        IngestStage.definition,
        ValidateStage.definition,
        TaxStage.definition,
        SettleStage.definition,
        NumberStage.definition,
    ]

    public static func definition(named name: String) -> StageDefinition? {
        definitions.first { $0.name.rawValue == name }
    }

    public static var names: [String] { definitions.map(\.name.rawValue) }

    /// One worker per stage given, on `log`, in the given order.
    public static func workers(_ stages: [StageDefinition], environment: StageEnvironment, log: any Log) throws -> [StageWorker] {
        try stages.map { try StageWorker($0, environment: environment, log: log) }
    }
}
