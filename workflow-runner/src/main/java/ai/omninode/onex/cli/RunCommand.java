package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.Batch;
import ai.omninode.onex.cli.internal.BatchInputs;
import ai.omninode.onex.cli.internal.BatchProgress;
import ai.omninode.onex.cli.internal.BatchSummary;
import ai.omninode.onex.cli.internal.Inputs;
import ai.omninode.onex.cli.internal.Interruption;
import ai.omninode.onex.cli.internal.JsonOutput;
import ai.omninode.onex.cli.internal.KeyValueArguments;
import ai.omninode.onex.cli.internal.MetricsFile;
import ai.omninode.onex.cli.internal.OutputFormat;
import ai.omninode.onex.cli.internal.PlanPrinter;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.ProgressPrinter;
import ai.omninode.onex.cli.internal.RunWatch;
import ai.omninode.onex.cli.internal.SetNames;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.validation.ReportFormat;
import ai.omninode.onex.workflow.InputSchemaCheck;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.WorkflowPlan;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import ai.omninode.onex.workflow.WorkflowValidator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/** {@code onex run}: validates a workflow against the discovered nodes, then runs it. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs a workflow: checks it and its input against the discovered nodes, initializes the nodes it uses "
                + "(settings: the environment plus --set; the Kafka node checks that its brokers answer), runs the "
                + "steps, and prints one line per step and, at the end, where each published event went (topic, "
                + "partition, offset).",
            "",
            "With --inputs, runs it once per input of a JSON Lines file (one object per line; - for standard input) "
                + "or a folder of *.json files, --concurrency at a time, on one set of initialized nodes, with a progress bar (plain lines "
                + "when the output is not a terminal; ONEX_PROGRESS=bar|lines|off decides) and a summary at the end. "
                + "Each input's run key is RUN_KEY/sha-DIGEST, from the line's content (RUN_KEY/FILE for a folder): "
                + "run the same batch again with the same --run-key, lines added or removed or not, and every Kafka "
                + "event of an input run before repeats its event_id. Ctrl-C starts no new input, lets "
                + "the runs in flight finish and prints the summary."},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  the workflow succeeded (with --inputs: for every input; --dry-run: the plan",
            "     found no problem)",
            "  1  a step failed (the on_step_failure steps ran); with --inputs: any input",
            "     failed or was invalid",
            "  2  usage error, or the workflow, its input, a node's settings or a plugin is",
            "     invalid, or the Kafka brokers do not answer, or --metrics cannot be written",
            "     there (nothing ran)",
            "  3  the workflow succeeded (with --inputs: every input), but the --metrics file",
            "     could not be written at the end (a step failed: 1)",
            "  130  stopped by Ctrl-C (143: SIGTERM), whatever the run's own outcome; stderr",
            "     says what happened to the work in flight",
            "",
            "Examples:",
            "  onex run examples/document_ingestion.yaml \\",
            "      --input-file examples/document_ingestion.input.json --embedded-kafka",
            "  onex run examples/document_ingestion.yaml \\",
            "      --input-file examples/document_ingestion.input.json --dry-run",
            "  onex run flow.yaml --input document_id=doc-1 \\",
            "      --input 'metadata:={\"language\":\"en\"}' --output json",
            "  onex run examples/document_ingestion.yaml \\",
            "      --inputs examples/batch/documents.jsonl --concurrency 8 --fail-fast \\",
            "      --run-key batch-1 --embedded-kafka --output json"})
public final class RunCommand implements Callable<Integer> {
    static final String BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    /** How long Ctrl-C waits for a single run to end, and for a batch's runs in flight, before the process exits. */
    static final long SINGLE_RUN_GRACE_S = 10;
    static final long BATCH_GRACE_S = 30;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKFLOW.yaml", description = "The workflow file.")
    Path workflowFile;

    @Option(names = "--input", paramLabel = "KEY=VALUE", arity = "1..*",
            parameterConsumer = KeyValueArguments.class,
            description = "An input value (repeatable, or several after one --input): KEY=text, or KEY:=JSON"
                    + " (count:=3, tags:=[\"a\"]); a dotted KEY sets a nested member. Applied over --input-file.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--input-file", paramLabel = "FILE", description = "The workflow input: a JSON (or YAML) object;"
            + " - reads it from standard input.")
    Path inputFile;

    @Option(names = "--inputs", paramLabel = "FILE|DIR|-",
            description = "Run once per input: a JSON Lines file (one JSON object per line; blank lines are skipped)"
                    + " or a folder of *.json files; - (or a pipe) reads JSON Lines from standard input as they come."
                    + " A line that is not a JSON object fails that input, named by its line. Not with --input,"
                    + " --input-file or --dry-run.")
    Path batchInputs;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "With --inputs: runs at a time (default: ${DEFAULT-VALUE}).")
    int concurrency = 16;

    @Option(names = "--fail-fast", description = "With --inputs: start no new input after the first failure.")
    boolean failFast;

    @Option(names = "--dry-run",
            description = "Run nothing and initialize no node: check the input (the workflow's input_schema, and"
                    + " what each step's node would receive as far as the input decides it, against the node's"
                    + " contract) and print the plan: the steps in order, parallel groups, what each would receive.")
    boolean dryRun;

    @Option(names = "--embedded-kafka",
            description = "Start an in-process Kafka broker for this run and point the nodes at it ("
                    + BOOTSTRAP + "); it stops when the run ends.")
    boolean embeddedKafka;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A node setting over the environment (repeatable), e.g. KAFKA_TOPIC_PREFIX=test or"
                    + " KAFKA_BOOTSTRAP_SERVERS=localhost:9092. A name that neither an installed node (onex nodes NAME"
                    + " lists a node's) nor the workflow ($${env.NAME}) reads is refused. Secrets (a JAAS config, a"
                    + " password) belong in the environment: a command line is visible to other users (ps).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--run-key", paramLabel = "KEY",
            description = "This run's identity (default: a new random one). Each step's idempotency key is KEY/STEP,"
                    + " and the Kafka node derives event_id from it: run again with the same KEY (after a crash, say)"
                    + " and every event repeats its first event_id, so consumers can drop the copies. With --inputs,"
                    + " each input's key is KEY/sha-DIGEST of the line's content (-2, -3 for further copies of one"
                    + " line), or KEY/FILE.")
    String runKey;

    @Option(names = "--metrics", paramLabel = "FILE",
            description = "Write every meter of the run once at the end, as JSON: the runner's (onex.workflow.*: runs,"
                    + " steps, retries) and the nodes' (the Kafka node's onex.kafka.*, kafka.producer.*,"
                    + " resilience4j.circuitbreaker.*). The names are in the README. A path that cannot be written"
                    + " is refused before anything runs; should the write still fail at the end, it is said and a"
                    + " successful run exits 3.")
    Path metricsFile;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            completionCandidates = OutputFormat.Names.class,
            description = "text (default): progress for people on stdout; json: one JSON result on stdout (with"
                    + " --inputs: one JSON line per input, saying which), progress on stderr.")
    OutputFormat output = OutputFormat.TEXT;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (OnexException e) {
            if (output == OutputFormat.JSON) {
                // a refused run still answers with one JSON result on stdout; the text goes to stderr as usual
                List<Problem> problems = e instanceof ValidationException v ? v.problems()
                        : List.of(Problem.of(workflowFile.toString(), e.getMessage()));
                PrintWriter out = spec.commandLine().getOut();
                ObjectNode refused = JsonOutput.refused(workflowFile.toString(), problems);
                // a batch writes JSON Lines: its refusal too is one line, for the reader of those lines
                out.println(batchInputs != null ? JsonOutput.writeLine(refused) : JsonOutput.write(refused));
                out.flush();
            }
            throw e;
        }
    }

    private int run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter progress = output == OutputFormat.JSON ? err : out;
        checkOptions();
        String unwritable = metricsFile == null ? null : MetricsFile.whyNotWritable(metricsFile);
        if (unwritable != null) { // before any step: a typo in the path must not cost the run
            throw new OnexException("--metrics " + metricsFile + ": " + unwritable);
        }

        RunOptions options = runOptions();
        Workflow workflow = new WorkflowLoader().load(workflowFile);
        ObjectNode input = batchInputs == null ? Inputs.read(inputFile, inputs) : null;
        try (NodeRegistry registry = plugins.discover()) {
            Map<String, NodeContract> contracts = new LinkedHashMap<>();
            registry.nodes().forEach(n -> contracts.put(n.name(), n.contract()));
            List<Problem> problems = new ArrayList<>(new WorkflowValidator(contracts, java.util.Set.of(),
                    plugins.unknownNodeHint()).validate(workflow));
            problems.addAll(InputSchemaCheck.check(workflow));
            problems.addAll(SetNames.problems(registry, overrides, workflow.envNames()));
            if (!problems.isEmpty()) {
                throw new ValidationException(problems);
            }
            SetNames.warnAboutEnvironment(registry, System.getenv(), workflow.envNames(), err);
            if (dryRun) {
                return plan(workflow, input, contracts, out);
            }
            // after the checks above: a stream's first line may be long in coming
            try (BatchInputs batch = batchInputs == null ? null : BatchInputs.open(batchInputs)) {
                return runChecked(workflow, input, batch, registry, options, out, err, progress);
            }
        }
    }

    /** The run, or the batch, of a workflow and input that passed every check that needs no node. */
    private int runChecked(Workflow workflow, ObjectNode input, BatchInputs batch, NodeRegistry registry,
            RunOptions options, PrintWriter out, PrintWriter err, PrintWriter progress) {
        Interruption interruption = new Interruption(err);
        EmbeddedBroker broker = embeddedKafka ? EmbeddedBroker.start(progress, interruption) : null;
        try {
            SimpleMeterRegistry meters = metricsFile == null ? null : new SimpleMeterRegistry();
            WorkflowRunner.Builder builder = WorkflowRunner.builder()
                    .settingsFrom("the environment", System.getenv())
                    .settingsFrom("--set", overrides)
                    .meterRegistry(meters);
            if (broker != null) {
                builder.settingsFrom("--embedded-kafka", Map.of(BOOTSTRAP, broker.broker.bootstrapServers()));
            }
            if (batch != null) {
                return runBatch(builder.registry(registry).build(), workflow, batch, out, progress, interruption,
                        meters);
            }
            RunWatch watch = new RunWatch(new ProgressPrinter(progress));
            WorkflowResult result;
            String metricsNotWritten;
            try (WorkflowRunner runner = builder.registry(registry).listener(watch).build()) {
                // refuse, before any step runs, what would fail anyway: an input the workflow or a step's node
                // refuses, and settings a node rejects (a Kafka address no broker answers at, say)
                List<Problem> refused = Inputs.located(runner.prepare(workflow, input, inputName()), inputFile, input);
                if (!refused.isEmpty()) {
                    throw new ValidationException(refused);
                }
                PrintWriter json = output == OutputFormat.JSON ? out : null;
                interruption.watch(() -> singleRunInterrupted(runner, watch, options, interruption, err, json));
                result = runner.run(workflow, input, options);
                // before the nodes close: a closed producer's metrics leave the registry
                metricsNotWritten = writeMetrics(meters);
            }
            if (output == OutputFormat.JSON) {
                out.println(JsonOutput.write(JsonOutput.result(result)));
                out.flush();
            }
            return exitCode(result.succeeded(), metricsNotWritten, err);
        } finally {
            interruption.done();
            if (broker != null) {
                broker.close();
            }
        }
    }

    private void checkOptions() {
        if (batchInputs != null && (inputFile != null || !inputs.isEmpty())) {
            throw new ParameterException(spec.commandLine(), "--inputs runs one workflow per input of a file or folder;"
                    + " it does not combine with --input or --input-file");
        }
        if (batchInputs != null && dryRun) {
            throw new ParameterException(spec.commandLine(), "--dry-run plans one input: give it with --input or"
                    + " --input-file, not --inputs");
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new ParameterException(spec.commandLine(), "--concurrency must be between 1 and 1024, but was "
                    + concurrency);
        }
        if (batchInputs == null && (failFast || spec.commandLine().getParseResult().hasMatchedOption("--concurrency"))) {
            throw new ParameterException(spec.commandLine(), "--fail-fast and --concurrency apply to a batch (--inputs)");
        }
    }

    /** {@code --dry-run}: the plan, and exit 2 if it found a problem. Nothing is initialized. */
    private int plan(Workflow workflow, ObjectNode input, Map<String, NodeContract> contracts, PrintWriter out) {
        Map<String, String> settings = new LinkedHashMap<>(System.getenv());
        settings.putAll(overrides);
        WorkflowPlan plan = WorkflowPlan.of(workflow, input, contracts, settings, inputName());
        plan = new WorkflowPlan(plan.workflow(), plan.steps(), Inputs.located(plan.problems(), inputFile, input));
        if (output == OutputFormat.JSON) {
            out.println(JsonOutput.write(JsonOutput.plan(plan)));
            out.flush();
        } else {
            PlanPrinter.print(plan, out);
        }
        if (!plan.problems().isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            plan.problems().forEach(p -> err.println(ReportFormat.line(p))); // as onex validate and a refused run
            err.println("onex: " + plan.problems().size() + (plan.problems().size() == 1 ? " error" : " errors")
                    + (plan.inputRefused() ? "; the steps' inputs were not checked against their nodes' contracts, as"
                    + " the input does not fit the workflow's input_schema" : ""));
            err.flush();
            return Onex.INVALID;
        }
        return Onex.OK;
    }

    private int runBatch(WorkflowRunner runner, Workflow workflow, BatchInputs batch, PrintWriter out,
            PrintWriter progress, Interruption interruption, SimpleMeterRegistry meters) {
        try (runner) {
            // the nodes, initialized once for every input; a node that refuses its settings refuses the batch
            List<Problem> refused = runner.prepare(workflow, null);
            if (!refused.isEmpty()) {
                throw new ValidationException(refused);
            }
            BatchProgress bar = new BatchProgress(progress,
                    BatchProgress.modeFor(System.getenv("ONEX_PROGRESS"), System.console() != null));
            Batch b = new Batch(runner, workflow, batch, concurrency, failFast, runKey,
                    output == OutputFormat.JSON ? out : null, bar);
            interruption.watch(() -> {
                int inFlight = b.interrupt();
                if (!interruption.bySignal()) { // a node (or a library) called System.exit: not a success, whatever
                    interruption.say("System.exit was called in the process (by a node or a library): no new input"
                            + " will start; the batch ends with exit " + Onex.WORKFLOW_FAILED);
                    interruption.awaitDone(BATCH_GRACE_S);
                    Runtime.getRuntime().halt(Onex.WORKFLOW_FAILED);
                }
                interruption.say("interrupted: no new input will start; " + (inFlight == 0 ? "no run was in flight"
                        : "waiting up to " + BATCH_GRACE_S + " s for the " + inFlight + " " + (inFlight == 1 ? "run"
                        : "runs") + " in flight"));
                if (!interruption.awaitDone(BATCH_GRACE_S)) {
                    interruption.say("interrupted: runs still in flight after " + BATCH_GRACE_S + " s were cut off:"
                            + " their effects may or may not have happened. Run the batch again with --run-key "
                            + b.batchKey() + " and every Kafka event repeats its event_id, for consumers to drop");
                }
            });
            BatchSummary summary = b.run();
            // before the nodes close: a closed producer's metrics leave the registry
            String metricsNotWritten = writeMetrics(meters);
            summary.print(progress, batch.source().toString());
            return exitCode(summary.allSucceeded(), metricsNotWritten, spec.commandLine().getErr());
        }
    }

    /** Writes {@code --metrics}; why it could not, or null. */
    private String writeMetrics(SimpleMeterRegistry meters) {
        if (meters == null) {
            return null;
        }
        try {
            MetricsFile.write(meters, metricsFile);
            return null;
        } catch (java.io.UncheckedIOException e) {
            return e.getMessage();
        }
    }

    /**
     * 0 or 1 by the outcome; a --metrics file that could not be written is said in one line and makes a success 3,
     * never an error that hides that the workflow ran (its effects happened: running it again would repeat them).
     */
    private static int exitCode(boolean succeeded, String metricsNotWritten, PrintWriter err) {
        if (metricsNotWritten != null) {
            err.println("onex: error: the " + (succeeded ? "workflow succeeded" : "workflow failed") + ", but its metrics"
                    + " were not written: --metrics " + metricsNotWritten);
            err.flush();
        }
        return !succeeded ? Onex.WORKFLOW_FAILED : metricsNotWritten != null ? Onex.OUTPUT_NOT_WRITTEN : Onex.OK;
    }

    /**
     * What Ctrl-C says about a single run: it gets a while to end, and then what was still under way. A step waiting
     * to retry fails at once: its attempt failed already, so it is no effect of unknown outcome, and waiting out a
     * backoff of many seconds would only run into the cut-off.
     */
    private static void singleRunInterrupted(WorkflowRunner runner, RunWatch watch, RunOptions options,
            Interruption interruption, PrintWriter err, PrintWriter json) {
        String running = watch.running();
        runner.stopRetries();
        if (!interruption.bySignal()) {
            // no Ctrl-C: a node (or a library) called System.exit, and its status, 0 even, would be the run's
            interruption.say("System.exit was called in the process" + (running.isEmpty() ? ""
                    : " while " + running + " ran") + " (by a node or a library); letting the run finish (up to "
                    + SINGLE_RUN_GRACE_S + " s), then exiting " + Onex.WORKFLOW_FAILED);
            interruption.awaitDone(SINGLE_RUN_GRACE_S);
            Runtime.getRuntime().halt(Onex.WORKFLOW_FAILED);
        }
        interruption.say("interrupted" + (running.isEmpty() ? "" : " while " + running + " ran")
                + "; letting the run finish (up to " + SINGLE_RUN_GRACE_S + " s)");
        if (interruption.awaitDone(SINGLE_RUN_GRACE_S)) {
            interruption.say("interrupted: the run finished; its outcome is above");
        } else {
            String still = watch.running();
            // an effect step's outcome is unknown; a compute step has none (what its node said is simply lost)
            boolean effect = still.isEmpty() || watch.inFlight().stream()
                    .anyMatch(st -> st.type() == ai.omninode.onex.workflow.StepType.EFFECT);
            String message = (still.isEmpty() ? "the run" : still) + " had not finished after "
                    + SINGLE_RUN_GRACE_S + " s and was cut off" + (effect ? ": its effect may or may not have happened."
                    + " Run again with --run-key " + options.runKey() + " and a Kafka event repeats its event_id, for"
                    + " consumers to drop" : " (a compute step: no effect of its own). Run again with --run-key "
                    + options.runKey() + " and a Kafka event the run published already repeats its event_id, for"
                    + " consumers to drop");
            interruption.say("interrupted: " + message);
            if (json != null) { // the run's own result will never be printed: a script still gets one JSON object
                json.println(JsonOutput.write(JsonOutput.interrupted(watch, options.runKey(), "interrupted: " + message)));
                json.flush();
            }
        }
    }

    /**
     * How the input's problems are named, as a batch names each input by file and line: the --input-file (stdin for
     * -), else --input, else just "input" (none was given).
     */
    private String inputName() {
        if (inputFile != null) {
            return Inputs.STDIN.equals(inputFile.toString()) ? "stdin" : inputFile.toString();
        }
        return inputs.isEmpty() ? "input" : "--input";
    }

    private RunOptions runOptions() {
        if (runKey == null) {
            return RunOptions.fresh();
        }
        try {
            return RunOptions.withKey(runKey);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--run-key: " + e.getMessage());
        }
    }

    /** The in-process broker of --embedded-kafka, stopped at the end of the run or when the JVM exits. */
    private static final class EmbeddedBroker implements AutoCloseable {
        final EmbeddedKafkaBroker broker;
        final Thread hook;

        private EmbeddedBroker(EmbeddedKafkaBroker broker, Interruption interruption) {
            this.broker = broker;
            // on Ctrl-C, the runs in flight get their time before their broker goes
            this.hook = new Thread(() -> {
                interruption.awaitDone(BATCH_GRACE_S);
                broker.close();
            }, "onex-embedded-kafka-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        static EmbeddedBroker start(PrintWriter progress, Interruption interruption) {
            long t0 = System.nanoTime();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault();
            progress.printf("embedded Kafka broker started at %s in %d ms%n", broker.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000);
            progress.flush();
            return new EmbeddedBroker(broker, interruption);
        }

        @Override
        public void close() {
            broker.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already; the hook runs (close is idempotent)
            }
        }
    }
}
