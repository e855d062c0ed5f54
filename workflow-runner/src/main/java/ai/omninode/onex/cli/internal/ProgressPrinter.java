package ai.omninode.onex.cli.internal;

import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * One line per finished step: status, name (nested steps indented), duration, and where a published event went
 * (topic, partition, offset) or why the step failed. Then a summary with every published event.
 */
public final class ProgressPrinter implements WorkflowListener {
    private final PrintWriter out;

    public ProgressPrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public synchronized void workflowStarted(Workflow workflow) {
        out.printf("running workflow %s %s (%s)%n", workflow.name(), workflow.version(), workflow.source());
        out.flush();
    }

    @Override
    public synchronized void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
        out.printf("  %-7s %-34s attempt %d failed, retrying in %d ms: %s%n", "retry", step.name(), failedAttempt,
                delay.toMillis(), error);
        out.flush();
    }

    @Override
    public synchronized void handlingFailure(WorkflowResult.Failure failure) {
        out.printf("step %s failed; running on_step_failure%n", failure.step());
        out.flush();
    }

    @Override
    public synchronized void stepFinished(StepResult r) {
        String status = switch (r.status()) {
            case SUCCEEDED -> "ok";
            case FAILED -> r.continued() ? "failed*" : "FAILED";
            case SKIPPED -> "skipped";
        };
        String name = (r.group() != null ? "  " : "") + (r.handler() ? "on_failure: " : "") + r.name();
        StringBuilder detail = new StringBuilder();
        r.published().ifPresent(p -> detail.append("topic ").append(p.topic()).append(", partition ")
                .append(p.partition()).append(", offset ").append(p.offset()));
        if (r.status() == StepResult.Status.FAILED && r.error() != null) {
            if (r.attempts() > 1) {
                detail.append("after ").append(r.attempts()).append(" attempts: ");
            }
            detail.append(r.problem() != null ? r.problem().toString() : r.error());
            if (r.continued()) {
                detail.append(" (on_error: continue)");
            }
        } else if (r.status() == StepResult.Status.SUCCEEDED && r.attempts() > 1) {
            detail.append(detail.length() > 0 ? " " : "").append("(after ").append(r.attempts()).append(" attempts)");
        }
        String time = r.status() == StepResult.Status.SKIPPED ? "" : millis(r.duration());
        out.println(String.format(Locale.ROOT, "  %-7s %-34s %8s  %s", status, name, time, detail).stripTrailing());
        out.flush();
    }

    @Override
    public synchronized void workflowFinished(WorkflowResult result) {
        out.printf("workflow %s %s in %s%n", result.workflow(), result.succeeded() ? "succeeded" : "FAILED",
                millis(result.duration()));
        if (result.failure() != null) {
            out.printf("failed step: %s: %s%n", result.failure().step(), result.failure().message());
        }
        for (StepResult.Published p : result.published()) {
            out.printf("published %s: topic %s, partition %d, offset %d%n",
                    p.eventType() != null ? p.eventType() : "event (step " + p.step() + ")", p.topic(), p.partition(),
                    p.offset());
        }
        out.flush();
    }

    static String millis(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
