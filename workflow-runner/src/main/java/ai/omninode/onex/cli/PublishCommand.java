package ai.omninode.onex.cli;

import ai.omninode.onex.runtime.Causes;
import ai.omninode.onex.cli.internal.Inputs;
import ai.omninode.onex.cli.internal.KeyValueArguments;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.SetNames;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.EventBus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code onex publish}: one event, through the Kafka node itself, in the envelope a host reads as a trigger. */
@Command(name = "publish",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Publishes one event with the Kafka node (kafka_event_effect from the plugins): the ONEX envelope with "
                + "the input as its payload, to TOPIC with KAFKA_TOPIC_PREFIX in front, as a workflow step would. "
                + "A workflow served by onex serve that subscribes to TOPIC runs once for it. Prints where it went "
                + "(topic, partition, offset) and its event_id."},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  the broker acknowledged the event",
            "  1  it was not published, or its outcome is unknown (the error says which,",
            "     with the event_id; the node may have dead-lettered it)",
            "  2  usage error, or an invalid input, node setting or plugin, or the Kafka",
            "     brokers do not answer (nothing was sent)",
            "",
            "Examples:",
            "  onex publish documents.ingest.requested.v1 \\",
            "      --input-file examples/document_ingestion.input.json \\",
            "      --bootstrap-servers 127.0.0.1:9092",
            "  onex publish documents.ingest.requested.v1 --input document_id=doc-7 \\",
            "      --input content=Hello --input metadata.language=en --key doc-7"})
public final class PublishCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long ANSWER_TIMEOUT_S = 180;
    private static final String NOT_PUBLISHED = "invalid event, not published: ";
    private static final String NODE_NOT_PUBLISHED = "invalid input, not published: ";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic, as a workflow writes it (without the"
            + " prefix).")
    String topic;

    @Option(names = "--input", paramLabel = "KEY=VALUE", arity = "1..*",
            parameterConsumer = KeyValueArguments.class,
            description = "A payload value (repeatable, or several after one --input): KEY=text, or KEY:=JSON; a"
                    + " dotted KEY sets a nested member. Applied over --input-file.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--input-file", paramLabel = "FILE", description = "The payload: a JSON (or YAML) object.")
    Path inputFile;

    @Option(names = "--event-type", paramLabel = "TYPE", defaultValue = "TRIGGER",
            description = "The envelope's event_type (default ${DEFAULT-VALUE}).")
    String eventType;

    @Option(names = "--key", paramLabel = "KEY",
            description = "The record key (default: the correlation id): triggers with one key run in order.")
    String key;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Derives the event's event_id from KEY (default: a random event_id). Publish again with the"
                    + " same KEY after a failure, a timeout or a kill, and the copy carries the first one's event_id,"
                    + " by which consumers (and onex serve, whose run a trigger's event_id names) drop repeats."
                    + " Example: --idempotency-key order-7/requested")
    String idempotencyKey;

    @Option(names = "--correlation-id", paramLabel = "UUID",
            description = "The envelope's correlation_id (default: the payload's correlation_id if it is a UUID, else"
                    + " a new one).")
    UUID correlationId;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "The Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS), e.g. the address onex serve"
                    + " --embedded-kafka prints.")
    String bootstrapServers;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A node setting over the environment (repeatable), e.g. KAFKA_TOPIC_PREFIX=test. A name"
                    + " no installed node reads is refused (onex nodes NAME lists a node's). Secrets belong in the"
                    + " environment: a command line is visible to other users (ps).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (idempotencyKey != null && (idempotencyKey.isBlank()
                || idempotencyKey.length() > ExecutionContext.MAX_IDEMPOTENCY_KEY_LENGTH)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--idempotency-key must be 1 to "
                    + ExecutionContext.MAX_IDEMPOTENCY_KEY_LENGTH + " characters and not blank");
        }
        ObjectNode payload;
        try {
            payload = Inputs.read(inputFile, inputs);
        } catch (ai.omninode.onex.contract.ValidationException e) { // no workflow here: it is the event's payload
            throw new ai.omninode.onex.contract.ValidationException(e.problems().stream()
                    .map(p -> p.withMessage(p.message().replace("the workflow input", "the event payload"))).toList());
        }
        Map<String, String> settings = new LinkedHashMap<>(System.getenv());
        settings.putAll(overrides);
        if (bootstrapServers != null) {
            settings.put(RunCommand.BOOTSTRAP, bootstrapServers);
        }
        try (NodeRegistry registry = plugins.discover()) {
            SetNames.check(spec, registry, overrides, List.of());
            SetNames.warnAboutEnvironment(registry, System.getenv(), List.of(), err);
            DiscoveredNode discovered = registry.find(EventBus.KAFKA_NODE).orElseThrow(() -> new OnexException(
                    "no node named '" + EventBus.KAFKA_NODE + "' was discovered (discovered: " + registry.names()
                            + "); onex publish sends with it"));
            UUID correlation = correlationId != null ? correlationId : correlationOf(payload);
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("topic", topic);
            input.put("event_type", eventType);
            input.put("payload", JSON.convertValue(payload, new TypeReference<Map<String, Object>>() { }));
            input.put("correlation_id", correlation.toString());
            if (key != null) {
                input.put("key", key);
            }
            // the node's contract refuses a bad topic (or key, event type) as surely as the node would: said before
            // connecting, so that it is not hidden behind a broker that does not answer
            List<Violation> violations = discovered.contract().input()
                    .map(schema -> schema.validate(JSON.valueToTree(input))).orElse(List.of());
            if (!violations.isEmpty()) {
                throw new OnexException(NOT_PUBLISHED + violations.stream()
                        .map(v -> v.message() + " [" + v.keyword() + " at " + v.displayPointer() + "]")
                        .collect(Collectors.joining("; ")));
            }
            EffectNode node = discovered.node();
            try {
                node.initialize(settings);
            } catch (RuntimeException e) {
                throw new OnexException(e.getMessage() + origins(e, settings));
            }
            try {
                Map<String, Object> result;
                try {
                    result = node.execute(input, ExecutionContext.builder().correlationId(correlation)
                            .idempotencyKey(idempotencyKey).build()).toCompletableFuture()
                            .get(ANSWER_TIMEOUT_S, TimeUnit.SECONDS);
                } catch (ExecutionException | CompletionException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof NodeExecutionException n && n.details() != null
                            && "invalid_input".equals(n.details().get("error_type"))) {
                        // the node says "invalid input, not published: ...": said once, as an event
                        String why = n.getMessage();
                        throw new OnexException(NOT_PUBLISHED + (why.startsWith(NODE_NOT_PUBLISHED)
                                ? why.substring(NODE_NOT_PUBLISHED.length()) : why));
                    }
                    Object eventId = cause instanceof NodeExecutionException n && n.details() != null
                            ? n.details().get("event_id") : null;
                    if (cause instanceof NodeExecutionException n && n.isOutcomeUnknown()) {
                        // the broker may hold it: "not published" would make a user publish a second event
                        err.println("onex: error: outcome unknown: " + cause.getMessage() + (eventId == null ? ""
                                : " (event_id " + eventId + ")") + (idempotencyKey != null
                                ? "; publish it again with the same --idempotency-key to give a copy the same event_id"
                                : "; its event_id was random: look for it on the topic before publishing again (with"
                                        + " --idempotency-key, a copy would have carried the same event_id)"));
                    } else {
                        err.println("onex: error: not published: " + cause.getMessage() + (eventId == null ? ""
                                : " (event_id " + eventId + ")"));
                    }
                    return Onex.WORKFLOW_FAILED;
                } catch (TimeoutException e) {
                    err.println("onex: error: no answer from the Kafka node within " + ANSWER_TIMEOUT_S + " s");
                    return Onex.WORKFLOW_FAILED;
                }
                out.printf("published %s: topic %s, partition %s, offset %s, event_id %s, correlation_id %s%n", eventType,
                        result.get("topic"), result.get("partition"), result.get("offset"), result.get("event_id"),
                        result.get("correlation_id"));
                out.flush();
                return Onex.OK;
            } finally {
                node.close();
            }
        }
    }

    /**
     * Where the settings a node refused came from, when it names them: {@code " [KAFKA_BOOTSTRAP_SERVERS is set by
     * --bootstrap-servers]"}, as {@code onex run} says {@code --set}; else {@code ""}. Names only, never values.
     */
    private String origins(Throwable e, Map<String, String> settings) {
        for (Throwable t : Causes.of(e)) {
            if (t instanceof NodeSettingsException refused) {
                List<String> parts = new ArrayList<>();
                for (String name : refused.settings()) {
                    String origin = name.equals(RunCommand.BOOTSTRAP) && bootstrapServers != null ? "--bootstrap-servers"
                            : overrides.containsKey(name) ? "--set"
                            : settings.containsKey(name) ? "the environment" : null;
                    if (origin != null) {
                        parts.add(name + " is set by " + origin);
                    }
                }
                return parts.isEmpty() ? "" : " [" + String.join("; ", parts) + "]";
            }
        }
        return "";
    }

    private static UUID correlationOf(ObjectNode payload) {
        if (payload.path("correlation_id").isString()) {
            String s = payload.get("correlation_id").asString();
            if (s.length() == 36) {
                try {
                    return UUID.fromString(s);
                } catch (IllegalArgumentException notAUuid) {
                    // a correlation id of the caller's own format stays in the payload; the envelope gets a UUID
                }
            }
        }
        return UUID.randomUUID();
    }
}
