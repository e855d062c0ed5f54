package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Topic preparation with an admin client a host supplies: whatever it does, every event ends. */
class TopicGateTest {

    /** An admin client that refuses every request by throwing, as a closed or broken one may. */
    static Admin throwingAdmin() {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new IllegalStateException("admin client refuses " + method.getName());
                });
    }

    @Test
    void anAdminClientThatThrowsFailsEachEventInsteadOfHangingTheTopic() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        ManualScheduler scheduler = new ManualScheduler();
        ProducerFactory factory = new ProducerFactory() {
            @Override
            public Producer<byte[], byte[]> create(Map<String, Object> kafkaProperties) {
                return producer;
            }

            @Override
            public Admin createAdmin(Map<String, Object> adminProperties) {
                return throwingAdmin();
            }
        };
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, MockNode.config().maxRetries(0).build(), factory,
                scheduler, Clock.systemUTC());
        node.initialize();
        try {
            CompletableFuture<ModelKafkaEventOutput> first = node.executeEffect(RetryAndDeadLetterTest.input());
            CompletableFuture<ModelKafkaEventOutput> second = node.executeEffect(RetryAndDeadLetterTest.input());
            scheduler.runAll();

            for (CompletableFuture<ModelKafkaEventOutput> f : java.util.List.of(first, second)) {
                assertThat(f).as("every event ends").isDone();
                ModelKafkaEventOutput out = f.get();
                assertThat(out.success()).isFalse();
                assertThat(out.error()).contains("admin client refuses describeTopics");
                assertThat(out.envelope()).contains(out.eventId().toString());
            }
            assertThat(producer.history()).isEmpty();
        } finally {
            node.shutdown();
        }
    }
}
