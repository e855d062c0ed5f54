package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ModelKafkaEventConfigTest {

    @Test
    void theDefaultsAreThoseOfThePythonOriginal() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder(Map.of()).build();

        assertThat(c.bootstrapServers()).isEqualTo("omninode-bridge-redpanda:9092");
        assertThat(c.topicPrefix()).isEqualTo("dev.archon-intelligence");
        assertThat(c.enableIdempotence()).isTrue();
        assertThat(c.acks()).isEqualTo("all");
        assertThat(c.maxRetries()).isEqualTo(3);
        assertThat(c.retryBackoffMs()).isEqualTo(1000);
        assertThat(c.circuitBreakerThreshold()).isEqualTo(5);
        assertThat(c.circuitBreakerTimeoutS()).isEqualTo(60);
        assertThat(c.enableDlq()).isTrue();
        assertThat(c.maxBlockMs()).isEqualTo(200);
        assertThat(c.topicCreation()).isEqualTo(ModelKafkaEventConfig.TopicCreation.ADMIN);
        assertThat(c.shutdownTimeoutMs()).isEqualTo(10_000);
        assertThat(c.producerProperties()).isEmpty();
    }

    @Test
    void theProducerGetsTheFieldsTheNodeDefaultsAndThePassThroughProperties() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder().bootstrapServers("k1:9092,k2:9092")
                .producerProperty("security.protocol", "SASL_SSL")
                .producerProperty("sasl.mechanism", "SCRAM-SHA-512")
                .producerProperty("linger.ms", 5)
                .build();

        assertThat(c.producerProperties()).containsOnly(Map.entry("linger.ms", 5),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"), Map.entry("security.protocol", "SASL_SSL"));
        assertThat(c.kafkaProperties()).containsEntry("bootstrap.servers", "k1:9092,k2:9092")
                .containsEntry("acks", "all").containsEntry("enable.idempotence", true).containsEntry("max.block.ms", 200L)
                .containsEntry("key.serializer", ByteArraySerializer.class)
                .containsEntry("value.serializer", ByteArraySerializer.class)
                .containsEntry("linger.ms", 5).containsEntry("delivery.timeout.ms", "30000")
                .containsEntry("request.timeout.ms", "10000").containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.deliveryTimeoutMs()).isEqualTo(30_000);
    }

    @Test
    void buildNamesEveryBadFieldWithItsRangeAndValue() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().maxRetries(-1).retryBackoffMs(-5)
                .circuitBreakerThreshold(0).circuitBreakerTimeoutS(0).maxBlockMs(120_000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRetries must be between 0 and 100, but was -1")
                .hasMessageContaining("retryBackoffMs must be between 0 and 3600000, but was -5")
                .hasMessageContaining("circuitBreakerThreshold must be between 1 and 10000, but was 0")
                .hasMessageContaining("circuitBreakerTimeoutS must be between 1 and 86400, but was 0")
                .hasMessageContaining("maxBlockMs must be between 0 and 60000, but was 120000");
    }

    @Test
    void bootstrapServersPrefixAcksAndServiceNameAreChecked() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().bootstrapServers(" ").build())
                .hasMessageContaining("bootstrapServers must be a non-empty list of host:port, but was ' '");
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().topicPrefix("dev intelligence").build())
                .hasMessageContaining("topicPrefix must be at most 200 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
                .hasMessageContaining("but was 'dev intelligence'");
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().acks("2").build())
                .hasMessageContaining("acks must be one of all, -1, 0, 1, but was '2'");
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().serviceName("").build())
                .hasMessageContaining("serviceName must be 1 to 255 characters, but was ''");
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().topicPartitions(0).build())
                .hasMessageContaining("topicPartitions must be -1 (broker default) or between 1 and 100000, but was 0");
    }

    @Test
    void credentialsWrittenIntoTheBootstrapAddressAreRefusedWithoutBeingShown() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_BOOTSTRAP_SERVERS",
                "broker-1:9092,alice:S3cretPassw0rd@broker-2:9092")))
                .hasMessageContaining("bootstrapServers (from KAFKA_BOOTSTRAP_SERVERS) must be a list of host:port, but"
                        + " an entry has an '@'")
                .hasMessageNotContaining("S3cretPassw0rd").hasMessageNotContaining("alice");
    }

    @Test
    void aPasswordPastedIntoAnotherSettingIsNotShownInItsError() {
        String password = "Pw-Zz-91xq-S3cr3t";
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of(
                "ONEX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"a\" password=\"" + password + "\";",
                "ONEX_KAFKA_LINGER_MS", password, "KAFKA_EVENT_MAX_RETRIES", password, "KAFKA_TOPIC_PREFIX", password
                        + "/x")))
                .hasMessageContaining("ONEX_KAFKA_LINGER_MS").hasMessageContaining("KAFKA_EVENT_MAX_RETRIES")
                .hasMessageContaining("KAFKA_TOPIC_PREFIX")
                .hasMessageNotContaining(password).hasMessageNotContaining("Zz-91xq");
    }

    /** The probe's JAAS config without a username ended in "no Kafka broker answered ... set KAFKA_BOOTSTRAP_SERVERS". */
    @Test
    void aPlainOrScramJaasConfigWithoutUsernameOrPasswordIsRefusedByNameWithoutItsValue() {
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"Pw-4471-xq\";";
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL", "ONEX_KAFKA_SASL_MECHANISM", "PLAIN", "ONEX_KAFKA_SASL_JAAS_CONFIG", plain)))
                .hasMessageContaining("producer property 'sasl.jaas.config' (from ONEX_KAFKA_SASL_JAAS_CONFIG) has no"
                        + " username for PlainLoginModule (write username=\"...\" after 'required')")
                .hasMessageNotContaining("Pw-4471-xq");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL",
                "SASL_PLAINTEXT", "ONEX_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "ONEX_KAFKA_SASL_JAAS_CONFIG", scram)))
                .hasMessageContaining("has no username and no password for ScramLoginModule");
        // not read by Kafka without SASL; a complete one; one from a config provider: all accepted
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SASL_JAAS_CONFIG", plain))).isNotNull();
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", plain.replace("required", "required username=\"u\"")))).isNotNull();
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", "${file:/etc/kafka/secrets.properties:jaas}",
                "ONEX_KAFKA_CONFIG_PROVIDERS", "file"))).isNotNull();
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", scram, "ONEX_KAFKA_SASL_CLIENT_CALLBACK_HANDLER_CLASS",
                "org.apache.kafka.common.security.authenticator.SaslClientCallbackHandler"))).isNotNull();
    }

    @Test
    void anIdempotentProducerNeedsAcksAll() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().acks("1").build())
                .hasMessageContaining("acks must be all (or -1) while enableIdempotence is true, but was '1'");

        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder().enableIdempotence(false).acks("1").build();
        assertThat(c.acks()).isEqualTo("1");
    }

    @Test
    void propertiesWithAFieldOfTheirOwnSetTheField() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder()
                .producerProperties(Map.of("bootstrap.servers", "b:1", "enable.idempotence", "false", "acks", "1",
                        "max.block.ms", "50"))
                .build();

        assertThat(c.bootstrapServers()).isEqualTo("b:1");
        assertThat(c.enableIdempotence()).isFalse();
        assertThat(c.acks()).isEqualTo("1");
        assertThat(c.maxBlockMs()).isEqualTo(50);
        assertThat(c.producerProperties()).isEmpty();
    }

    @Test
    void serializersAndTransactionsAreRefused() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().producerProperty("value.serializer", "x.Y")
                .producerProperty("transactional.id", "tx").build())
                .hasMessageContaining("producer property 'value.serializer' cannot be set: the node sends keys and values as bytes")
                .hasMessageContaining("producer property 'transactional.id' cannot be set");
    }

    @Test
    void aDeliveryTimeoutBelowLingerPlusRequestTimeoutIsRefusedByName() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder().producerProperty("delivery.timeout.ms", "5000").build())
                .hasMessageContaining("producer property 'delivery.timeout.ms' must be at least linger.ms + "
                        + "request.timeout.ms (0 + 10000), but was 5000");
    }

    @Test
    void toBuilderAndEqualsRoundTrip() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder().topicPrefix("p").maxRetries(7)
                .producerProperty("compression.type", "lz4").build();

        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toBuilder().maxRetries(8).build()).isNotEqualTo(c);
    }

    @Test
    void toStringShowsTheFieldsButHidesSecrets() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder()
                .producerProperty("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"s3cr3t-pw\";")
                .producerProperty("ssl.key.password", "k3y-pw")
                .producerProperty("ssl.truststore.password", "tru5t-pw")
                .producerProperty("security.protocol", "SASL_SSL")
                .build();

        assertThat(c.toString()).contains("maxRetries=3", "security.protocol=SASL_SSL", "sasl.jaas.config=[hidden]")
                .doesNotContain("s3cr3t-pw", "k3y-pw", "tru5t-pw");
    }

    // --- environment -------------------------------------------------------------------------------------------

    @Test
    void theEnvironmentSetsBootstrapServersAndPrefix() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.fromEnvironment(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "localhost:29092", "KAFKA_TOPIC_PREFIX", "prod.intelligence",
                "PATH", "/usr/bin", "HOME", "/root"));

        assertThat(c.bootstrapServers()).isEqualTo("localhost:29092");
        assertThat(c.topicPrefix()).isEqualTo("prod.intelligence");
        assertThat(c.producerProperties()).isEmpty();
    }

    @Test
    void theBuilderStartsFromBootstrapServersAndPrefixInTheEnvironmentAsThePythonOriginalDoes() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092", "KAFKA_TOPIC_PREFIX", "acceptance",
                "KAFKA_EVENT_MAX_RETRIES", "9");

        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder(env).maxRetries(1).build();

        assertThat(c.bootstrapServers()).isEqualTo("broker-1:9092");
        assertThat(c.topicPrefix()).isEqualTo("acceptance");
        assertThat(c.maxRetries()).as("only the two variables of the Python original's defaults").isEqualTo(1);
        assertThat(ModelKafkaEventConfig.builder(env).bootstrapServers("explicit:1").topicPrefix("set").build())
                .extracting(ModelKafkaEventConfig::bootstrapServers, ModelKafkaEventConfig::topicPrefix)
                .containsExactly("explicit:1", "set");
        assertThat(ModelKafkaEventConfig.builder(Map.of("KAFKA_TOPIC_PREFIX", "")).build().topicPrefix()).isEmpty();
    }

    @Test
    void aBadValueTheBuilderTookFromTheEnvironmentIsNamedWithItsVariableUnlessTheCallerReplacedIt() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", " ");

        assertThatThrownBy(() -> ModelKafkaEventConfig.builder(env).build())
                .hasMessageContaining("bootstrapServers (from KAFKA_BOOTSTRAP_SERVERS) must be a non-empty list");
        assertThatThrownBy(() -> ModelKafkaEventConfig.builder(env).bootstrapServers("").build())
                .hasMessageContaining("bootstrapServers must be a non-empty list")
                .hasMessageNotContaining("KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void anEmptyEnvironmentGivesTheDefaultsAndAnEmptyPrefixIsKept() {
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of())).isEqualTo(ModelKafkaEventConfig.builder(Map.of()).build());
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_TOPIC_PREFIX", "")).topicPrefix()).isEmpty();
    }

    @Test
    void onexKafkaVariablesBecomeProducerProperties() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.fromEnvironment(Map.of(
                "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
                "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "ONEX_KAFKA_LINGER_MS", "2",
                "ONEX_KAFKA_COMPRESSION_TYPE", "lz4"));

        assertThat(c.producerProperties()).containsOnly(
                Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("linger.ms", "2"),
                Map.entry("compression.type", "lz4"));
        assertThat(c.kafkaProperties()).containsEntry("sasl.mechanism", "PLAIN").containsEntry("linger.ms", "2");
    }

    @Test
    void onexKafkaVariablesForOwnFieldsSetTheFieldsAndTheDocumentedVariableWins() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.fromEnvironment(Map.of(
                "ONEX_KAFKA_ACKS", "1", "ONEX_KAFKA_ENABLE_IDEMPOTENCE", "false", "ONEX_KAFKA_MAX_BLOCK_MS", "75",
                "ONEX_KAFKA_BOOTSTRAP_SERVERS", "ignored:1", "KAFKA_BOOTSTRAP_SERVERS", "wins:2"));

        assertThat(c.acks()).isEqualTo("1");
        assertThat(c.enableIdempotence()).isFalse();
        assertThat(c.maxBlockMs()).isEqualTo(75);
        assertThat(c.bootstrapServers()).isEqualTo("wins:2");
    }

    @Test
    void kafkaEventVariablesSetTheNodesOwnFields() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.fromEnvironment(Map.ofEntries(
                Map.entry("KAFKA_EVENT_MAX_RETRIES", "5"), Map.entry("KAFKA_EVENT_RETRY_BACKOFF_MS", "250"),
                Map.entry("KAFKA_EVENT_CIRCUIT_BREAKER_THRESHOLD", "10"),
                Map.entry("KAFKA_EVENT_CIRCUIT_BREAKER_TIMEOUT_S", "120"), Map.entry("KAFKA_EVENT_ENABLE_DLQ", "false"),
                Map.entry("KAFKA_EVENT_TOPIC_CREATION", "broker"), Map.entry("KAFKA_EVENT_SERVICE_NAME", "svc"),
                Map.entry("KAFKA_EVENT_TOPIC_PARTITIONS", "6"), Map.entry("KAFKA_EVENT_TOPIC_REPLICATION_FACTOR", "3"),
                Map.entry("KAFKA_EVENT_SHUTDOWN_TIMEOUT_MS", "2000")));

        assertThat(c.maxRetries()).isEqualTo(5);
        assertThat(c.retryBackoffMs()).isEqualTo(250);
        assertThat(c.circuitBreakerThreshold()).isEqualTo(10);
        assertThat(c.circuitBreakerTimeoutS()).isEqualTo(120);
        assertThat(c.enableDlq()).isFalse();
        assertThat(c.topicCreation()).isEqualTo(ModelKafkaEventConfig.TopicCreation.BROKER);
        assertThat(c.serviceName()).isEqualTo("svc");
        assertThat(c.topicPartitions()).isEqualTo(6);
        assertThat(c.topicReplicationFactor()).isEqualTo((short) 3);
        assertThat(c.shutdownTimeoutMs()).isEqualTo(2000);
    }

    @Test
    void aBadEnvironmentValueIsNamedWithItsVariable() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_MAX_RETRIES", "500")))
                .hasMessageContaining("maxRetries (from KAFKA_EVENT_MAX_RETRIES) must be between 0 and 100, but was 500");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_ENABLE_DLQ", "yes")))
                .hasMessageContaining("enableDlq (from KAFKA_EVENT_ENABLE_DLQ) must be true or false, but was 'yes'");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_TOPIC_PREFIX", "a/b")))
                .hasMessageContaining("topicPrefix (from KAFKA_TOPIC_PREFIX) must be");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_ACKS", "some")))
                .hasMessageContaining("acks (from ONEX_KAFKA_ACKS) must be one of all, -1, 0, 1, but was 'some'");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("ONEX_KAFKA_KEY_SERIALIZER", "x")))
                .hasMessageContaining("producer property 'key.serializer' cannot be set (from ONEX_KAFKA_KEY_SERIALIZER)");
    }

    @Test
    void anEnvironmentValueOutOfRangeIsRefusedWithItsRangeAndValueNotClampedOrCalledNotAnInteger() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_TOPIC_REPLICATION_FACTOR", "40000")))
                .hasMessageContaining("topicReplicationFactor (from KAFKA_EVENT_TOPIC_REPLICATION_FACTOR) must be -1 "
                        + "(broker default) or between 1 and 32767, but was 40000");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_TOPIC_REPLICATION_FACTOR", "-40000")))
                .hasMessageContaining("but was -40000");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_MAX_RETRIES", "3000000000")))
                .hasMessageContaining("maxRetries (from KAFKA_EVENT_MAX_RETRIES) must be between 0 and 100, but was 3000000000");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_CIRCUIT_BREAKER_TIMEOUT_S", "9999999999")))
                .hasMessageContaining("circuitBreakerTimeoutS (from KAFKA_EVENT_CIRCUIT_BREAKER_TIMEOUT_S) must be between 1 "
                        + "and 86400, but was 9999999999");
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_TOPIC_PARTITIONS", "-3000000000")))
                .hasMessageContaining("topicPartitions (from KAFKA_EVENT_TOPIC_PARTITIONS) must be -1 (broker default) or "
                        + "between 1 and 100000, but was -3000000000");
        assertThat(ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_TOPIC_REPLICATION_FACTOR", "3"))
                .topicReplicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void anUnknownKafkaEventVariableIsAnError() {
        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(Map.of("KAFKA_EVENT_MAX_RETRYS", "2")))
                .hasMessageContaining("KAFKA_EVENT_MAX_RETRYS is not a setting of this node")
                .hasMessageContaining("MAX_RETRIES");
    }
}
