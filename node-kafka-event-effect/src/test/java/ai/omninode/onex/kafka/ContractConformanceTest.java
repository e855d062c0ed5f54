package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.node.NodeExecutionException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/** The node's contract loads, and what the node answers fits the contract's output schema. */
class ContractConformanceTest {
    private static final NodeContract CONTRACT = new ContractLoader().load(new NodeKafkaEventEffect().contractLocation());

    @Test
    void theContractLoadsWithItsThreeSchemas() {
        assertThat(CONTRACT.name()).isEqualTo("kafka_event_effect");
        assertThat(CONTRACT.nodeType()).isEqualTo("effect");
        assertThat(CONTRACT.input()).isPresent();
        assertThat(CONTRACT.output()).isPresent();
        assertThat(CONTRACT.config()).isPresent();
    }

    @Test
    void successfulAndFailedOutputsFitTheOutputSchema() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            Map<String, Object> in = Map.of("topic", "t", "event_type", "E", "payload", Map.of("n", 1));
            var ok = m.node.execute(in).toCompletableFuture();
            m.ack();
            var failed = m.node.execute(in).toCompletableFuture();
            m.producer.errorNext(new RecordTooLargeException("too large"));
            m.scheduler.runAll();
            m.ack();
            var rejected = m.node.execute(Map.of("topic", "bad topic", "event_type", "E", "payload", Map.of()))
                    .toCompletableFuture();

            assertThat(CONTRACT.outputSchema().validateValue(ok.get())).isEmpty();
            assertThat(CONTRACT.outputSchema().validateValue(details(failed))).isEmpty();
            assertThat(details(failed)).containsEntry("dead_lettered", true).containsEntry("error_type", "non_retriable");
            assertThat(CONTRACT.outputSchema().validateValue(details(rejected))).isEmpty();
        }
    }

    @Test
    void theDefaultConfigFitsTheConfigSchema() {
        ModelKafkaEventConfig c = ModelKafkaEventConfig.builder(Map.of()).build();
        Map<String, Object> asData = Map.ofEntries(
                Map.entry("bootstrap_servers", c.bootstrapServers()), Map.entry("topic_prefix", c.topicPrefix()),
                Map.entry("enable_idempotence", c.enableIdempotence()), Map.entry("acks", c.acks()),
                Map.entry("max_retries", c.maxRetries()), Map.entry("retry_backoff_ms", c.retryBackoffMs()),
                Map.entry("circuit_breaker_threshold", c.circuitBreakerThreshold()),
                Map.entry("circuit_breaker_timeout_s", c.circuitBreakerTimeoutS()), Map.entry("enable_dlq", c.enableDlq()),
                Map.entry("max_block_ms", c.maxBlockMs()), Map.entry("topic_creation", "admin"),
                Map.entry("topic_partitions", c.topicPartitions()),
                Map.entry("topic_replication_factor", (int) c.topicReplicationFactor()),
                Map.entry("service_name", c.serviceName()), Map.entry("shutdown_timeout_ms", c.shutdownTimeoutMs()),
                Map.entry("producer_properties", Map.of("linger.ms", "0")));

        assertThat(CONTRACT.configSchema().validateValue(asData)).isEmpty();
        assertThat(CONTRACT.configSchema().validateValue(Map.of("topic_partitions", 0))).isNotEmpty();
    }

    private static Map<String, Object> details(java.util.concurrent.CompletableFuture<Map<String, Object>> f) {
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return ((NodeExecutionException) e.getCause()).details();
        }
    }
}
