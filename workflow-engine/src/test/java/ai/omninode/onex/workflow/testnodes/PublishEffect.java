package ai.omninode.onex.workflow.testnodes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code test_publish}: shaped like the Kafka node (topic, event_type, payload, correlation_id in; success,
 * topic, partition, offset out), without a broker: offsets count up from 0 per node instance.
 */
public final class PublishEffect extends TestNode {
    private final AtomicLong offset = new AtomicLong();

    public PublishEffect() {
        super("test_publish");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", true);
        out.put("topic", "test." + input.get("topic"));
        out.put("partition", 0);
        out.put("offset", offset.getAndIncrement());
        out.put("event_type", input.get("event_type"));
        return CompletableFuture.completedFuture(out);
    }
}
