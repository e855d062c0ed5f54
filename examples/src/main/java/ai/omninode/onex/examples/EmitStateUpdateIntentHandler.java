package ai.omninode.onex.examples;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeKind;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code emit_state_update_intent}: records an intent for the workflow's state reducer (the FSM that tracks a
 * document: processing, completed, failed). The ONEX original hands intents to a reducer; this stand-in keeps them
 * in memory (the latest {@value ExampleNodes#MAX_KEPT}), numbered, and returns the recorded intent.
 */
public final class EmitStateUpdateIntentHandler implements EffectNode {
    static final String NAME = "emit_state_update_intent";

    private final AtomicLong sequence = new AtomicLong();
    /** The latest intents, by id (a redelivered step's intent replaces the one it emitted before). */
    private final Map<String, Map<String, Object>> intents = ExampleNodes.bounded();

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    /** A reducer: it returns intents and acts on none (this stand-in only keeps them in memory). */
    @Override
    public NodeKind kind() {
        return NodeKind.REDUCER;
    }

    /** Reads no setting. */
    @Override
    public Set<String> settingNames() {
        return Set.of();
    }

    @Override
    public void initialize(Map<String, String> settings) {
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        return ExampleNodes.complete(() -> {
            Map<String, Object> intent = new LinkedHashMap<>();
            // one logical intent, one id: a retried or redelivered step emits the id it emitted before
            intent.put("intent_id", context.idempotencyKey()
                    .map(key -> UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)))
                    .orElseGet(UUID::randomUUID).toString());
            intent.put("intent_type", input.get("intent_type"));
            intent.put("sequence", sequence.incrementAndGet());
            intent.put("emitted_at", Instant.now().toString());
            intent.put("payload", ExampleNodes.map(input, "payload"));
            intents.put((String) intent.get("intent_id"), intent);
            return intent;
        });
    }

    @Override
    public Map<String, Object> metrics() {
        return Map.of("intents_emitted", sequence.get());
    }

    @Override
    public void close() {
        intents.clear();
    }
}
