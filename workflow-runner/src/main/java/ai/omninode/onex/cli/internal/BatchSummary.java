package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.host.internal.RunClassifier;
import ai.omninode.onex.workflow.WorkflowResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a batch did, counted as its inputs end (any thread): how many succeeded, failed (grouped by step and error,
 * each group with the first inputs it hit) and were invalid, the durations' p50 and p99, and how many were never run.
 */
public final class BatchSummary {
    /** How one input ended. */
    public enum Status { SUCCEEDED, FAILED, INVALID }

    /**
     * One input's end: its status, the step that failed (null for an invalid input), the error, the problems of an
     * invalid input, how long it took, and the run's result (null unless it ran).
     */
    public record Outcome(BatchInputs.Input input, Status status, String step, String error, List<Problem> problems,
            long nanos, WorkflowResult result) {

        static Outcome of(BatchInputs.Input input, WorkflowResult r, long nanos) {
            return r.succeeded() ? new Outcome(input, Status.SUCCEEDED, null, null, List.of(), nanos, r)
                    : new Outcome(input, Status.FAILED, r.failure().step(), r.failure().message(), List.of(), nanos, r);
        }

        static Outcome invalid(BatchInputs.Input input, List<Problem> problems, long nanos) {
            return new Outcome(input, Status.INVALID, null, problems.stream().map(p -> describe(input, p))
                    .reduce((a, b) -> a + "; " + b).orElse("invalid input"), List.copyOf(problems), nanos, null);
        }

        static Outcome error(BatchInputs.Input input, String error, long nanos) {
            return new Outcome(input, Status.FAILED, null, error, List.of(), nanos, null);
        }

        /**
         * Why the run failed for the infrastructure, as {@code onex serve} tells (a step whose outcome is unknown, or
         * whose node said Kafka did not answer or its breaker is open), not for this input; null otherwise.
         */
        public String infrastructure() {
            if (result == null || result.succeeded()) {
                return null;
            }
            RunClassifier.Verdict verdict = RunClassifier.classify(result);
            return verdict.outcome() == RunClassifier.Outcome.INFRASTRUCTURE ? verdict.reason() : null;
        }
    }

    /** Failures alike: the same step and the same error once ids and numbers are left out. */
    private static final class Group {
        final String step;
        final String error;
        int count;
        final List<String> inputs = new ArrayList<>();

        Group(String step, String error) {
            this.step = step;
            this.error = error;
        }
    }

    private static final int SAMPLES = 5;
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private final int total;
    private final int concurrency;
    private final String batchKey;
    private final boolean keyGiven;
    private final long startNanos = System.nanoTime();
    private int succeeded;
    private int failed;
    private int invalid;
    private long[] durations = new long[1024];
    private int ran;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private long elapsedNanos = -1;
    private boolean interrupted;
    private boolean stoppedByFailure;
    private String readFailure;
    private String infrastructureFailure;

    BatchSummary(int total, int concurrency, String batchKey, boolean keyGiven) {
        this.total = total;
        this.concurrency = concurrency;
        this.batchKey = batchKey;
        this.keyGiven = keyGiven;
    }

    /**
     * A problem as one line: where it is inside the input (a column of its line, a line of its file), and what; or,
     * for a problem found elsewhere (a step of the workflow whose contract this input breaks), its file:line:col.
     */
    static String describe(BatchInputs.Input input, Problem p) {
        boolean inTheInput = p.source() == null || p.source().equals(input.name())
                || input.line() > 0 && input.name().equals(p.source() + ":" + input.line());
        if (!inTheInput) {
            return p.source() + (p.hasPosition() ? ":" + p.line() + ":" + p.column() : "") + ": " + p.message();
        }
        if (input.line() > 0) {
            return (p.column() > 1 ? "column " + p.column() + ": " : "") + p.message();
        }
        return (p.hasPosition() ? "line " + p.line() + ", column " + p.column() + ": " : "") + p.message();
    }

    synchronized void add(Outcome o) {
        switch (o.status()) {
            case SUCCEEDED -> succeeded++;
            case FAILED -> failed++;
            case INVALID -> invalid++;
        }
        if (o.status() != Status.INVALID) {
            if (ran == durations.length) {
                durations = Arrays.copyOf(durations, ran * 2);
            }
            durations[ran++] = o.nanos();
        }
        if (o.status() != Status.SUCCEEDED) {
            String error = NUMBER.matcher(UUID_TEXT.matcher(o.error() == null ? "" : o.error()).replaceAll("<id>"))
                    .replaceAll("N");
            String step = o.status() == Status.INVALID ? null : o.step();
            Group g = groups.computeIfAbsent(step + "\u0000" + error, k -> new Group(step, o.error()));
            g.count++;
            if (g.inputs.size() < SAMPLES) {
                g.inputs.add(o.input().name());
            }
        }
    }

    /** The inputs could not be read on (a stream broke): the batch stopped there, and did not succeed. */
    synchronized void readFailed(String why) {
        if (readFailure == null && elapsedNanos < 0) { // not once the batch has finished
            readFailure = why;
        }
    }

    /** A run failed for the infrastructure (Kafka stopped answering): the batch stopped starting inputs. */
    synchronized void infrastructureFailed(String why) {
        if (infrastructureFailure == null && elapsedNanos < 0) {
            infrastructureFailure = why;
        }
    }

    synchronized void finish(boolean interrupted, boolean stoppedByFailure) {
        this.elapsedNanos = System.nanoTime() - startNanos;
        this.interrupted = interrupted;
        this.stoppedByFailure = stoppedByFailure;
    }

    public synchronized int done() {
        return succeeded + failed + invalid;
    }

    /** The inputs of the batch; {@link BatchInputs#UNKNOWN} while a stream is still being read. */
    public int total() {
        return total;
    }

    public synchronized int succeeded() {
        return succeeded;
    }

    /** Failed at a step, or invalid. */
    public synchronized int failed() {
        return failed + invalid;
    }

    /** Inputs the batch did not run; {@link BatchInputs#UNKNOWN} for the rest of a stream, never read. */
    public synchronized int notRun() {
        return total == BatchInputs.UNKNOWN ? BatchInputs.UNKNOWN : Math.max(0, total - done());
    }

    public synchronized long elapsedNanos() {
        return elapsedNanos >= 0 ? elapsedNanos : System.nanoTime() - startNanos;
    }

    /** Inputs per second so far. */
    public synchronized double rate() {
        double seconds = elapsedNanos() / 1e9;
        return seconds <= 0 ? 0 : done() / seconds;
    }

    /** Every input ran and succeeded. */
    public synchronized boolean allSucceeded() {
        if (readFailure != null) {
            return false;
        }
        return total == BatchInputs.UNKNOWN ? succeeded == done() && !interrupted && !stoppedByFailure
                : succeeded == total;
    }

    public synchronized boolean interrupted() {
        return interrupted;
    }

    /** The {@code q}-quantile (0..1) of the durations of the inputs that ran, in ms; 0 when none ran. */
    public synchronized double quantileMs(double q) {
        if (ran == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(durations, ran);
        Arrays.sort(sorted);
        int i = (int) Math.ceil(q * ran) - 1;
        return sorted[Math.max(0, Math.min(ran - 1, i))] / 1e6;
    }

    /** For the people watching: the counts, durations, failures by step and error, and how to run it again. */
    public synchronized void print(PrintWriter out, String source) {
        int count = total == BatchInputs.UNKNOWN ? done() : total;
        out.printf(Locale.ROOT, "batch of %d %s from %s: %d succeeded, %d failed%s in %s (%.1f runs/s, concurrency %d)%n",
                count, count == 1 ? "input" : "inputs", source, succeeded, failed + invalid,
                invalid > 0 ? " (" + invalid + " invalid)" : "", ProgressPrinter.millis(java.time.Duration.ofNanos(
                        elapsedNanos())), rate(), concurrency);
        if (ran > 0) {
            out.printf(Locale.ROOT, "durations: p50 %s, p99 %s, max %s%n", ms(quantileMs(0.5)), ms(quantileMs(0.99)),
                    ms(quantileMs(1.0)));
        }
        if (!groups.isEmpty()) {
            out.println("failed:");
            groups.values().stream().sorted((a, b) -> Integer.compare(b.count, a.count)).forEach(g -> {
                int more = g.count - g.inputs.size();
                out.printf(Locale.ROOT, "  %5d  %s: %s (%s%s)%n", g.count,
                        g.step == null ? "invalid input" : "at step " + g.step, shorten(g.error),
                        String.join(", ", g.inputs), more > 0 ? " and " + more + " more" : "");
            });
        }
        int notRun = notRun();
        String rest = notRun == BatchInputs.UNKNOWN ? "the rest of " + source + " was not read"
                : notRun + (notRun == 1 ? " input was" : " inputs were") + " not run";
        if (readFailure != null) {
            out.printf("stopped: %s; %s%n", readFailure, rest);
        } else if (infrastructureFailure != null) {
            out.printf("stopped: a run failed for what it needs, not for its input (%s); no new input was started, the"
                    + " runs in flight finished; %s. Run the batch again with --run-key %s once it answers: the"
                    + " inputs that ran before repeat their event_ids%n", shorten(infrastructureFailure), rest, batchKey);
        } else if (interrupted) {
            out.printf("interrupted: no new input was started; the runs in flight finished; %s%n", rest);
        } else if (stoppedByFailure) {
            out.printf("stopped at the first failure (--fail-fast): %s%n", rest);
        }
        out.printf("run key: %s (an input's is %s/sha-DIGEST of its line, or /FILE from a folder)%s%n", batchKey, batchKey,
                keyGiven ? "" : "; the same batch run again with --run-key " + batchKey
                        + " repeats every event_id, for consumers to drop the copies");
        out.flush();
    }

    private static String ms(double ms) {
        return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : ProgressPrinter.millis(
                java.time.Duration.ofNanos((long) (ms * 1e6)));
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 240 ? s : s.substring(0, 237) + "...";
    }
}
