import CASSAccess
import CASSLog
import CASSWorkers

/// The topics the service adds to the pipeline's (docs/service.md), with
/// the namespace prefix every topic carries.
public enum ServiceTopics {
    public static func name(_ topic: AccessTopic) -> String { TopicCatalog.namespace + topic.rawValue }

    public static let settings = TopicCatalog.namespace + "cass.settings"
    public static let accounts = TopicCatalog.namespace + "cass.accounts"
    /// The portal's sign-in form key (the first record wins; kept forever).
    public static let portal = TopicCatalog.namespace + "cass.portal"

    /// Access topics by their namespaced name (for decoding).
    public static let accessByName: [String: AccessTopic] = Dictionary(uniqueKeysWithValues: AccessTopic.allCases.map { (name($0), $0) })

    public static func specs(replication: Int16 = 1) -> [TopicSpec] {
        var specs: [TopicSpec] = AccessTopic.allCases.map { topic in
            TopicSpec(name: name(topic), partitions: topic == .audit ? 1 : 4, replication: replication,
                      cleanup: topic.compacted ? .compact : .delete, retentionMs: topic.retentionMs ?? -1)
        }
        specs.append(TopicSpec(name: settings, partitions: 2, replication: replication, cleanup: .compact, retentionMs: -1))
        // One partition: CASSAccounts' reducer wants every accounts record in one order.
        specs.append(TopicSpec(name: accounts, partitions: 1, replication: replication, cleanup: .delete, retentionMs: -1))
        specs.append(TopicSpec(name: portal, partitions: 1, replication: replication, cleanup: .delete, retentionMs: -1))
        return specs
    }
}
