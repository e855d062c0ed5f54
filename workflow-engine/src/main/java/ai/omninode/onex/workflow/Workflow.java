package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract.ContractVersion;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A loaded and validated ONEX workflow. Get one from {@link WorkflowLoader}; run it with {@link WorkflowRunner}.
 *
 * @param onStepFailure steps run in order after a step failed ({@code error_handling.on_step_failure})
 * @param retryPolicy {@code error_handling.retry_policy}, or {@link RetryPolicy#NONE}
 * @param source the file the workflow came from, as used in messages
 * @param document the parsed document with source positions
 * @param text the document's text, for columns of expressions inside strings
 * @param inputSchema the input the workflow declares ({@code input_schema}), compiled; null when it declares none
 */
public record Workflow(
        String name,
        ContractVersion version,
        String description,
        List<Step> steps,
        List<Step> onStepFailure,
        RetryPolicy retryPolicy,
        String source,
        YamlDocument document,
        String text,
        JsonSchema inputSchema) {

    public Workflow {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
        onStepFailure = List.copyOf(onStepFailure);
        Objects.requireNonNull(retryPolicy, "retryPolicy");
    }

    /** A workflow that declares no input schema. */
    public Workflow(String name, ContractVersion version, String description, List<Step> steps, List<Step> onStepFailure,
            RetryPolicy retryPolicy, String source, YamlDocument document, String text) {
        this(name, version, description, steps, onStepFailure, retryPolicy, source, document, text, null);
    }

    /**
     * What is wrong with {@code input} by the workflow's {@code input_schema}: each problem names its JSON pointer,
     * with {@code source} (where the input came from: a file, a line of a batch) as its place. Empty when the input
     * fits, or the workflow declares no schema.
     */
    public List<Problem> checkInput(JsonNode input, String source) {
        if (inputSchema == null) {
            return List.of();
        }
        List<Problem> problems = new ArrayList<>();
        for (Violation v : inputSchema.validate(input)) {
            String message = v.message();
            boolean named = message.contains("'" + v.pointer() + "'") || v.keyword().equals("required")
                    || v.keyword().equals("additionalProperties") || v.keyword().equals("unevaluatedProperties");
            if (!named) {
                message = v.displayPointer() + ": " + message;
            }
            problems.add(new Problem(source, 0, 0, v.pointer(), message + " (input_schema of workflow " + name + ")")
                    .as(Rules.INPUT_SCHEMA));
        }
        return problems;
    }

    /** Every main step, depth first: groups before their nested steps. */
    public List<Step> allSteps() {
        List<Step> out = new ArrayList<>();
        collect(steps, out);
        return out;
    }

    /**
     * The settings the workflow's own expressions read ({@code ${env.NAME}} in a step, main or on_step_failure), in
     * order of first use: a host takes these names as known, as it does the settings its nodes list.
     */
    public Set<String> envNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Step s : nodeSteps()) {
            ai.omninode.onex.workflow.internal.WorkflowChecks.eachExpression(s, (pointer, e) -> {
                if (Scope.ENV.equals(e.root()) && !e.path().isEmpty() && e.path().get(0) instanceof Expression.Member m) {
                    names.add(m.name());
                }
            });
        }
        return names;
    }

    /** Every main and on_step_failure step that runs a node. */
    public List<Step> nodeSteps() {
        List<Step> out = new ArrayList<>();
        collect(steps, out);
        collect(onStepFailure, out);
        out.removeIf(Step::isParallel);
        return out;
    }

    /** The names of the nodes the workflow uses, in order of first use. */
    public Set<String> nodeNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Step s : nodeSteps()) {
            names.add(s.node());
        }
        return names;
    }

    /**
     * {@code performance.timeout_seconds}: how long the main steps may take in all. When it runs out, the step that
     * is running fails (and no retry starts); the {@code on_step_failure} steps still run, each bounded only by its
     * own {@code timeout_ms}.
     */
    public Optional<Duration> timeout() {
        JsonNode t = document == null ? null : document.root().at("/performance/timeout_seconds");
        return t != null && t.isIntegralNumber() && t.canConvertToLong() && t.asLong() > 0
                ? Optional.of(Duration.ofSeconds(t.asLong())) : Optional.empty();
    }

    /** The {@code event_bus} section: what triggers the workflow under {@code onex serve}, if it says. */
    public Optional<EventBus> eventBus() {
        return EventBus.of(document == null ? null : document.root());
    }

    public Optional<Step> find(String stepName) {
        List<Step> all = allSteps();
        collect(onStepFailure, all);
        return all.stream().filter(s -> s.name().equals(stepName)).findFirst();
    }

    private static void collect(List<Step> steps, List<Step> out) {
        for (Step s : steps) {
            out.add(s);
            collect(s.steps(), out);
        }
    }
}
