package ai.omninode.onex.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A workflow's {@code event_bus} section: the topics whose events trigger it and the topics it publishes to (a trigger's
 * payload must match the workflow's {@code input_schema}, if it declares one: {@link Workflow#inputSchema()}). Topics are as the workflow writes them; a host adds
 * {@code KAFKA_TOPIC_PREFIX} as the Kafka node does ({@link #fullTopic(String, String)}).
 *
 * @param subscribeTopics at least one
 * @param publishTopics empty when the workflow does not declare them
 */
public record EventBus(List<String> subscribeTopics, List<String> publishTopics) {
    /** The node whose steps publish to Kafka (and so may name a topic this section constrains). */
    public static final String KAFKA_NODE = "kafka_event_effect";
    /** Where the section is in a workflow document. */
    public static final String POINTER = "/event_bus";

    public EventBus {
        subscribeTopics = List.copyOf(subscribeTopics);
        publishTopics = List.copyOf(publishTopics);
    }

    /** The section of a loaded workflow (the loader has checked its shape), if it has one. */
    static Optional<EventBus> of(JsonNode root) {
        JsonNode bus = root == null ? null : root.get("event_bus");
        if (bus == null || !bus.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new EventBus(strings(bus.get("subscribe_topics")), strings(bus.get("publish_topics"))));
    }

    /**
     * The topic Kafka knows: {@code {prefix}.{topic}}, or {@code topic} when the prefix is empty, as the Kafka node
     * routes what it publishes; so a trigger published to {@code T} by a Kafka step or {@code onex publish T} reaches a
     * host subscribed to {@code T} under the same prefix.
     */
    public static String fullTopic(String prefix, String topic) {
        return prefix == null || prefix.isEmpty() ? topic : prefix + "." + topic;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> {
                if (n.isString()) {
                    out.add(n.asString());
                }
            });
        }
        return out;
    }
}
