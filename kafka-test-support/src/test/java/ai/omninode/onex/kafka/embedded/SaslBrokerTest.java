package ai.omninode.onex.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SaslBrokerTest {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBrokerWithSaslAndAcls() throws Exception {
        broker = EmbeddedKafkaBroker.builder()
                .saslPlainUser("alice", "alice-secret")
                .authorizer(true)
                .build()
                .start();
        broker.createTopic("allowed", 1);
        broker.createTopic("forbidden", 1);
        try (Admin admin = broker.admin()) {
            admin.createAcls(List.of(new AclBinding(
                    new ResourcePattern(ResourceType.TOPIC, "allowed", PatternType.LITERAL),
                    new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void userWithCorrectPasswordPublishesToATopicItMayWrite() throws Exception {
        try (KafkaProducer<String, String> producer = saslProducer("alice", "alice-secret")) {
            RecordMetadata meta = producer.send(new ProducerRecord<>("allowed", "k", "v")).get(30, TimeUnit.SECONDS);
            assertThat(meta.offset()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void wrongPasswordFailsWithAnAuthenticationError() {
        try (KafkaProducer<String, String> producer = saslProducer("alice", "wrong")) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("allowed", "k", "v")).get(30, TimeUnit.SECONDS))
                    .isInstanceOfAny(ExecutionException.class, SaslAuthenticationException.class)
                    .satisfies(e -> assertThat(e instanceof ExecutionException ? e.getCause() : e)
                            .isInstanceOf(SaslAuthenticationException.class));
        }
    }

    @Test
    void writingATopicWithoutAnAclIsRefused() {
        try (KafkaProducer<String, String> producer = saslProducer("alice", "alice-secret")) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("forbidden", "k", "v")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TopicAuthorizationException.class);
        }
    }

    private static KafkaProducer<String, String> saslProducer(String user, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.saslBootstrapServers());
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "PLAIN");
        props.put("sasl.jaas.config", EmbeddedKafkaBroker.plainClientJaas(user, password));
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
