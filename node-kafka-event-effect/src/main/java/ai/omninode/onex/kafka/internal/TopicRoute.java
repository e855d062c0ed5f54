package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.contract.Violation;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where events for one topic go, and what is wrong with that name: its full and dead-letter topics, their gates, its
 * meters, and the bytes of the event types published there. {@link EventPublisher} caches one per topic.
 */
final class TopicRoute {
    final String fullTopic;
    final String dlqTopic;
    final List<Violation> problems;
    final TopicGates.Gate gate;
    final TopicGates.Gate dlqGate;
    final NodeMeters.TopicMeters meters;
    private final EnvelopeCodec codec;
    /** The bytes of the event types published here lately, by {@code hashCode() & 3}: usually one per topic. */
    private final EventType[] types = new EventType[4];

    /** {@code gates}: {@code null} when the producer needs no topic checks. */
    TopicRoute(String fullTopic, boolean enableDlq, TopicGates gates, NodeMeters metrics, EnvelopeCodec codec) {
        this.fullTopic = fullTopic;
        this.dlqTopic = fullTopic + ".dlq";
        List<Violation> p = InputValidator.checkFullTopic(fullTopic, enableDlq);
        this.problems = p.isEmpty() ? null : List.copyOf(p);
        this.gate = gates == null || problems != null ? null : gates.gate(fullTopic);
        this.dlqGate = gates == null || problems != null || !enableDlq ? null : gates.gate(dlqTopic);
        this.meters = problems != null ? null : metrics.topic(fullTopic);
        this.codec = codec;
    }

    /** The header and JSON bytes of {@code eventType}, cached (racily: entries are immutable, a miss costs little). */
    EventType eventType(String eventType) {
        if (eventType == null) {
            return EventType.NONE;
        }
        int i = eventType.hashCode() & (types.length - 1);
        EventType t = types[i];
        if (t == null || !(t.name() == eventType || t.name().equals(eventType))) {
            t = new EventType(eventType, eventType.getBytes(StandardCharsets.UTF_8), codec.eventTypeJson(eventType));
            types[i] = t;
        }
        return t;
    }
}
