package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One workflow over many inputs ({@code onex run --inputs}): {@code concurrency} runs at a time on one
 * {@link WorkflowRunner} (one set of initialized nodes), each input its own run, with the run key
 * {@code <batch key>/<input key>} ({@code sha-…} of the line's content, or the file name), so that the same batch run again with the same
 * key gives every event the same {@code event_id}. Every input ends in the {@link BatchSummary} (and, with
 * {@code --output json}, as one JSON line): succeeded, failed (at a step), or invalid (not JSON, or refused by the
 * workflow's {@code input_schema}), or not run (after {@code --fail-fast} or an interruption).
 */
public final class Batch {
    private static final Logger LOG = LoggerFactory.getLogger(Batch.class);

    private final WorkflowRunner runner;
    private final Workflow workflow;
    private final BatchInputs inputs;
    private final int concurrency;
    private final boolean failFast;
    private final String batchKey;
    private final PrintWriter jsonLines;
    private final BatchProgress progress;
    private final BatchSummary summary;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Object inputLock = new Object();
    private final Object outputLock = new Object();

    /**
     * @param batchKey the batch's run key ({@code --run-key}), or null for a random one (printed in the summary)
     * @param jsonLines where each input's result goes as a JSON line, or null
     */
    public Batch(WorkflowRunner runner, Workflow workflow, BatchInputs inputs, int concurrency, boolean failFast,
            String batchKey, PrintWriter jsonLines, BatchProgress progress) {
        this.runner = Objects.requireNonNull(runner);
        this.workflow = Objects.requireNonNull(workflow);
        this.inputs = Objects.requireNonNull(inputs);
        this.concurrency = concurrency;
        this.failFast = failFast;
        this.batchKey = batchKey != null ? batchKey : UUID.randomUUID().toString();
        this.jsonLines = jsonLines;
        this.progress = progress;
        this.summary = new BatchSummary(inputs.total(), concurrency, this.batchKey, batchKey != null);
    }

    /** The run key of one input: {@code <batch key>/<input key>}, cut to fit by a hash of what it leaves out. */
    static String runKey(String batchKey, String inputKey) {
        String key = batchKey + "/" + inputKey;
        if (key.length() <= RunOptions.MAX_RUN_KEY_LENGTH) {
            return key;
        }
        String hash = UUID.nameUUIDFromBytes(inputKey.getBytes(StandardCharsets.UTF_8)).toString();
        return key.substring(0, RunOptions.MAX_RUN_KEY_LENGTH - hash.length() - 1) + "~" + hash;
    }

    /** Runs every input (or until stopped), then returns the summary. */
    public BatchSummary run() {
        progress.start(summary);
        ExecutorService workers = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "onex-batch-" + UUID.randomUUID().toString().substring(0, 4));
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < concurrency; i++) {
                workers.execute(this::work);
            }
            workers.shutdown();
            while (!workers.awaitTermination(100, TimeUnit.MILLISECONDS)) {
                // the workers end when the inputs do, or when stopped after their run in flight; a worker waiting for
                // the next line of a stream (stdin) may wait forever: once stopped with no run in flight, it is left
                if (stop.get() && inFlight.get() == 0 && inputs.total() == BatchInputs.UNKNOWN) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
        } finally {
            workers.shutdownNow();
            summary.finish(interrupted.get(), failFast && stop.get() && !interrupted.get());
            progress.stop();
            finished.countDown();
        }
        return summary;
    }

    /**
     * Ctrl-C (from a shutdown hook): take no new inputs; the runs in flight go on. Returns how many were in flight.
     */
    public int interrupt() {
        interrupted.set(true);
        stop.set(true);
        return inFlight.get();
    }

    /** Waits until {@link #run()} has returned (its summary is complete). */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    public String batchKey() {
        return batchKey;
    }

    private void work() {
        while (!stop.get()) {
            BatchInputs.Input input;
            synchronized (inputLock) {
                try {
                    if (stop.get() || !inputs.hasNext()) {
                        return;
                    }
                } catch (java.io.UncheckedIOException e) {
                    // the stream broke: stop, and say so in the summary; once stopped, a reader left waiting on the
                    // stream is interrupted at the end (shutdownNow), which is no failure of the stream
                    if (!stop.getAndSet(true)) {
                        LOG.warn("Cannot read the inputs: {}", e.getMessage());
                        summary.readFailed(e.getMessage() + (e.getCause() == null || e.getCause().getMessage() == null
                                ? "" : ": " + e.getCause().getMessage()));
                    }
                    return;
                }
                // in flight before the last look at stop: run() leaves a stream's reader only when none is in flight
                inFlight.incrementAndGet();
                if (stop.get()) { // a stream's next line may come long after a stop
                    inFlight.decrementAndGet();
                    return;
                }
                input = inputs.next();
            }
            try {
                BatchSummary.Outcome outcome = runOne(input);
                record(outcome);
                if (outcome.infrastructure() != null && !stop.getAndSet(true)) {
                    // Kafka (or another system a node needs) stopped answering: every input started now would fail
                    // the same way after running its earlier steps; stop, and say how to go on once it is back
                    summary.infrastructureFailed(outcome.input().name() + ": " + outcome.infrastructure());
                }
                if (failFast && outcome.status() != BatchSummary.Status.SUCCEEDED) {
                    stop.set(true);
                }
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private BatchSummary.Outcome runOne(BatchInputs.Input input) {
        long t0 = System.nanoTime();
        if (!input.valid()) {
            return BatchSummary.Outcome.invalid(input, input.problems(), System.nanoTime() - t0);
        }
        List<Problem> refused = workflow.checkInput(input.value(), input.name());
        if (!refused.isEmpty()) {
            if (input.line() > 0) { // a line of JSON Lines: its file and line, as for a line that is not JSON
                refused = refused.stream().map(p -> new Problem(inputs.source().toString(), input.line(), 1, p.pointer(),
                        p.message(), p.rule(), p.severity())).toList();
            }
            return BatchSummary.Outcome.invalid(input, refused, System.nanoTime() - t0);
        }
        // as onex run refuses one input: a step's input that this input alone makes break the step's contract fails
        // that step whatever runs before it, so nothing runs (the problem names the step, at its place in the workflow)
        List<Problem> steps = runner.stepInputProblems(workflow, input.value());
        if (steps.stream().anyMatch(Problem::isError)) {
            return BatchSummary.Outcome.invalid(input, steps, System.nanoTime() - t0);
        }
        try {
            WorkflowResult result = runner.run(workflow, input.value(), RunOptions.withKey(runKey(batchKey, input.key())));
            return BatchSummary.Outcome.of(input, result, System.nanoTime() - t0);
        } catch (ValidationException e) {
            return BatchSummary.Outcome.invalid(input, e.problems(), System.nanoTime() - t0);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Input {} failed unexpectedly", input.name(), e);
            return BatchSummary.Outcome.error(input, "unexpected error: " + e, System.nanoTime() - t0);
        }
    }

    private void record(BatchSummary.Outcome outcome) {
        summary.add(outcome);
        if (jsonLines != null) {
            String line = JsonOutput.writeLine(JsonOutput.batchLine(outcome));
            synchronized (outputLock) {
                jsonLines.println(line);
                jsonLines.flush();
            }
        }
    }
}
