package ai.omninode.onex.host.internal;

import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.WorkflowResult;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Whether a finished run's trigger may be committed. The rule:
 * <ul>
 *   <li><b>succeeded</b>: commit;</li>
 *   <li><b>failed for its content</b> (bad data, a node that refused the input, a record Kafka refuses for good):
 *       running it again would fail the same way, so it is committed once the failure is on record: when
 *       {@code on_step_failure} ran and every step of it that ran succeeded, as it is; else (no
 *       {@code on_step_failure}, none of its steps ran, or one failed for its content) only after the trigger is
 *       dead-lettered, with {@link Verdict#deadLetter()} as the reason;</li>
 *   <li><b>failed for the infrastructure</b>: any step, main or {@code on_step_failure}, whose effect may have
 *       happened ({@link StepResult#outcomeUnknown()}), whose Kafka output says {@code error_type} is one of
 *       {@link #INFRASTRUCTURE_ERROR_TYPES} (the broker did not answer, the breaker was open, the node was shutting
 *       down), whose node could not be initialized, or that failed on a class its plugin could not load or link
 *       ({@code NoClassDefFoundError} and the like; both read from {@link StepResult#cause()}, never from an error's
 *       text, which may quote the trigger's data): not committed; the trigger runs again after a backoff, with the
 *       same run key, so every event it publishes carries the event id of the first try.</li>
 * </ul>
 */
public final class RunClassifier {
    /** The Kafka node's error types that say nothing about the event and everything about the broker. */
    public static final Set<String> INFRASTRUCTURE_ERROR_TYPES =
            Set.of("retries_exhausted", "deadline_exceeded", "circuit_open", "shutdown", "outcome_unknown");

    private static final String UNKNOWN = "outcome unknown: ";

    private RunClassifier() {
    }

    /** How a run ended, for the commit and the {@code outcome} tag of the run meters. */
    public enum Outcome {
        SUCCEEDED, FAILED, INFRASTRUCTURE;

        public boolean commit() {
            return this != INFRASTRUCTURE;
        }

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The verdict and, for a failure, the step and error that caused it.
     *
     * @param deadLetter for a content failure that {@code on_step_failure} did not put on record: why the trigger goes
     *     to the dead-letter topic before it is committed; else null
     */
    public record Verdict(Outcome outcome, String reason, String deadLetter) {
        Verdict(Outcome outcome, String reason) {
            this(outcome, reason, null);
        }
    }

    public static Verdict classify(WorkflowResult result) {
        for (StepResult s : result.steps()) {
            if (s.status() != StepResult.Status.FAILED) {
                continue;
            }
            String why = infrastructure(s);
            if (why != null) {
                String error = String.valueOf(s.error());
                if (s.outcomeUnknown() && error.startsWith(UNKNOWN)) { // said once: "ended with its outcome unknown"
                    error = error.substring(UNKNOWN.length());
                }
                return new Verdict(Outcome.INFRASTRUCTURE, "step '" + s.name() + "' " + why + ": " + error);
            }
        }
        if (result.succeeded()) {
            return new Verdict(Outcome.SUCCEEDED, null);
        }
        if (result.failure() != null && result.failure().problem() != null
                && Rules.NODE_INIT.id().equals(result.failure().problem().rule())) {
            // the run stopped before its steps (they are skipped, not failed): a node that did not start
            return new Verdict(Outcome.INFRASTRUCTURE, "step '" + result.failure().step() + "' found its node"
                    + " uninitialized: " + result.failure().message());
        }
        String reason = result.failure() == null ? "failed"
                : "step '" + result.failure().step() + "' failed: " + result.failure().message();
        StepResult handlerFailed = null;
        boolean handled = false;
        for (StepResult s : result.steps()) {
            if (s.handler() && s.status() == StepResult.Status.FAILED && handlerFailed == null) {
                handlerFailed = s;
            }
            handled |= s.handler() && s.status() == StepResult.Status.SUCCEEDED;
        }
        if (handlerFailed != null) {
            return new Verdict(Outcome.FAILED, reason, reason + "; on_step_failure step '" + handlerFailed.name()
                    + "' failed too: " + handlerFailed.error());
        }
        return new Verdict(Outcome.FAILED, reason, handled ? null
                : reason + "; no on_step_failure step ran to put it on record");
    }

    private static String infrastructure(StepResult s) {
        if (s.outcomeUnknown()) {
            return "ended with its outcome unknown";
        }
        JsonNode type = s.output() == null ? null : s.output().get("error_type");
        if (type != null && type.isString() && INFRASTRUCTURE_ERROR_TYPES.contains(type.asString())) {
            return "failed with error_type " + type.asString();
        }
        return switch (s.cause()) {
            case NODE_NOT_INITIALIZED -> "found its node uninitialized";
            // a plugin without a library it needs, or built against another version: every trigger would fail the
            // same way, so none is dead-lettered for it; the partition waits, not ready, until the plugin is fixed
            case PLUGIN_CLASSES -> "failed on a class its node's plugin could not load or link";
            case STEP -> null;
        };
    }
}
