package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"u\" password=\"s3cr3t-pw\";";

    @Test
    void credentialsReachEveryClientAndProducerTuningOnlyTheProducer() {
        KafkaSettings s = KafkaSettings.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "b:9092",
                "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", JAAS, "ONEX_KAFKA_LINGER_MS", "3",
                "ONEX_CONSUMER_MAX_POLL_RECORDS", "50"));

        Map<String, Object> consumer = s.consumer("g", "i-1", "c");
        assertThat(consumer).containsEntry("bootstrap.servers", "b:9092").containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("group.id", "g")
                .containsEntry("group.instance.id", "i-1").containsEntry("enable.auto.commit", false)
                .containsEntry("max.poll.records", "50").doesNotContainKey("linger.ms")
                .containsEntry("partition.assignment.strategy",
                        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        assertThat(s.producer("p")).containsEntry("sasl.jaas.config", JAAS).containsEntry("linger.ms", "3")
                .containsEntry("acks", "all").containsEntry("enable.idempotence", true);
        assertThat(s.admin("a")).containsEntry("sasl.mechanism", "PLAIN").doesNotContainKey("linger.ms");
        assertThat(s.toString()).doesNotContain("s3cr3t").contains("b:9092");
    }

    @Test
    void theDefaultsAreTheKafkaNodesDefaults() {
        KafkaSettings s = KafkaSettings.from(Map.of());
        assertThat(s.bootstrapServers()).isEqualTo("omninode-bridge-redpanda:9092");
        assertThat(s.topicPrefix()).isEqualTo("dev.archon-intelligence");
        assertThat(KafkaSettings.from(Map.of("KAFKA_TOPIC_PREFIX", "")).topicPrefix()).isEmpty();
        assertThat(KafkaSettings.from(Map.of("ONEX_KAFKA_BOOTSTRAP_SERVERS", "x:1")).bootstrapServers()).isEqualTo("x:1");
    }

    @Test
    void badConsumerSettingsAreRefusedByNameWithoutTheirValue() {
        assertThatThrownBy(() -> KafkaSettings.from(Map.of("ONEX_CONSUMER_MAX_POLL_RECORD", "5")))
                .hasMessageContaining("ONEX_CONSUMER_MAX_POLL_RECORD").hasMessageContaining("did you mean 'max.poll.records'");
        assertThatThrownBy(() -> KafkaSettings.from(Map.of("ONEX_CONSUMER_ENABLE_AUTO_COMMIT", "true")))
                .hasMessageContaining("set by the host");
        assertThatThrownBy(() -> KafkaSettings.from(Map.of("ONEX_CONSUMER_SASL_JAAS_CONFIG", "x", 
                "ONEX_CONSUMER_MAX_POLL_RECORDS", "s3cr3t-pw")))
                .hasMessageContaining("ONEX_CONSUMER_MAX_POLL_RECORDS").hasMessageNotContaining("s3cr3t");
    }

    /**
     * The probe's ONEX_KAFKA_SASL_JASS_CONFIG next to a SASL protocol: the consumer check ran first and said only that
     * Kafka found no 'KafkaClient' entry in the JAAS configuration, naming no variable; the node's did-you-mean never
     * came. A name no Kafka client reads is now refused by name first, unless a plugin class may read it.
     */
    @Test
    void aClientSettingNoKafkaClientReadsIsRefusedByNameWithWhatWasMeant() {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cr3t-pw\";";
        assertThatThrownBy(() -> KafkaSettings.from(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ONEX_KAFKA_SASL_JASS_CONFIG", jaas)))
                .hasMessage("invalid Kafka settings for the host: ONEX_KAFKA_SASL_JASS_CONFIG: 'sasl.jass.config' is not"
                        + " a setting of any Kafka client; did you mean 'sasl.jaas.config'?");
        // each client's own settings pass: the consumer's, the producer's, the admin client's
        assertThat(KafkaSettings.from(Map.of("ONEX_KAFKA_MAX_POLL_RECORDS", "5", "ONEX_KAFKA_LINGER_MS", "5",
                "ONEX_KAFKA_DEFAULT_API_TIMEOUT_MS", "1000", "ONEX_KAFKA_CONFIG_PROVIDERS_FILE_CLASS", "x"))).isNotNull();
        // a plugin class may read settings of its own
        assertThat(KafkaSettings.from(Map.of("ONEX_KAFKA_INTERCEPTOR_CLASSES", "com.example.Audit",
                "ONEX_KAFKA_AUDIT_TOPIC", "audit"))).isNotNull();
    }
}
