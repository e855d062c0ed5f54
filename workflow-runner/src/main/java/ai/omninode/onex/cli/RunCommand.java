package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.Inputs;
import ai.omninode.onex.cli.internal.JsonOutput;
import ai.omninode.onex.cli.internal.MetricsFile;
import ai.omninode.onex.cli.internal.OutputFormat;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.ProgressPrinter;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/** {@code onex run}: validates a workflow against the discovered nodes, then runs it. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs a workflow: checks it against the discovered nodes, initializes the nodes it uses "
                + "(settings: the environment plus --set), runs the steps, and prints one line per step and, at "
                + "the end, where each published event went (topic, partition, offset)."},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  the workflow succeeded",
            "  1  a step failed (the on_step_failure steps ran)",
            "  2  usage error, or the workflow, its input, a node's settings or a plugin is",
            "     invalid (nothing ran)",
            "",
            "Examples:",
            "  onex run examples/document_ingestion.yaml \\",
            "      --input-file examples/document_ingestion.input.json --embedded-kafka",
            "  onex run flow.yaml --input document_id=doc-1 \\",
            "      --input 'metadata:={\"language\":\"en\"}' --output json"})
public final class RunCommand implements Callable<Integer> {
    static final String BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKFLOW.yaml", description = "The workflow file.")
    Path workflowFile;

    @Option(names = "--input", paramLabel = "KEY=VALUE",
            description = "An input value (repeatable): KEY=text, or KEY:=JSON (count:=3, tags:=[\"a\"]); a dotted KEY"
                    + " sets a nested member. Applied over --input-file.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--input-file", paramLabel = "FILE", description = "The workflow input: a JSON (or YAML) object.")
    Path inputFile;

    @Option(names = "--embedded-kafka",
            description = "Start an in-process Kafka broker for this run and point the nodes at it ("
                    + BOOTSTRAP + "); it stops when the run ends.")
    boolean embeddedKafka;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A node setting over the environment (repeatable), e.g. KAFKA_TOPIC_PREFIX=test.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--run-key", paramLabel = "KEY",
            description = "This run's identity (default: a new random one). Each step's idempotency key is KEY/STEP,"
                    + " and the Kafka node derives event_id from it: run again with the same KEY (after a crash, say)"
                    + " and every event repeats its first event_id, so consumers can drop the copies.")
    String runKey;

    @Option(names = "--metrics", paramLabel = "FILE",
            description = "Write every meter of the run once at the end, as JSON: the runner's (onex.workflow.*: runs,"
                    + " steps, retries) and the nodes' (the Kafka node's onex.kafka.*, kafka.producer.*,"
                    + " resilience4j.circuitbreaker.*). The names are in the README.")
    Path metricsFile;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default): progress for people on stdout; json: one JSON result on stdout, progress"
                    + " on stderr.")
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
                out.println(JsonOutput.write(JsonOutput.refused(workflowFile.toString(), problems)));
                out.flush();
            }
            throw e;
        }
    }

    private int run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter progress = output == OutputFormat.JSON ? err : out;

        RunOptions options = runOptions();
        Workflow workflow = new WorkflowLoader().load(workflowFile);
        ObjectNode input = Inputs.read(inputFile, inputs);
        Map<String, String> settings = new LinkedHashMap<>(System.getenv());
        settings.putAll(overrides);

        try (NodeRegistry registry = plugins.discover()) {
            Map<String, NodeContract> contracts = new LinkedHashMap<>();
            registry.nodes().forEach(n -> contracts.put(n.name(), n.contract()));
            List<Problem> problems = new WorkflowValidator(contracts).validate(workflow);
            if (!problems.isEmpty()) {
                throw new ValidationException(problems);
            }
            EmbeddedBroker broker = embeddedKafka ? EmbeddedBroker.start(progress) : null;
            try {
                if (broker != null) {
                    settings.put(BOOTSTRAP, broker.broker.bootstrapServers());
                }
                WorkflowResult result;
                SimpleMeterRegistry meters = metricsFile == null ? null : new SimpleMeterRegistry();
                try (WorkflowRunner runner = WorkflowRunner.builder()
                        .registry(registry)
                        .settings(settings)
                        .listener(new ProgressPrinter(progress))
                        .meterRegistry(meters)
                        .build()) {
                    // refuse, before any step runs, what would fail anyway: settings a node rejects, and step inputs
                    // that depend only on the input and the environment but break the node's contract
                    List<Problem> refused = runner.prepare(workflow, input);
                    if (!refused.isEmpty()) {
                        throw new ValidationException(refused);
                    }
                    result = runner.run(workflow, input, options);
                    if (meters != null) { // before the nodes close: a closed producer's metrics leave the registry
                        MetricsFile.write(meters, metricsFile);
                    }
                }
                if (output == OutputFormat.JSON) {
                    out.println(JsonOutput.write(JsonOutput.result(result)));
                    out.flush();
                }
                return result.succeeded() ? Onex.OK : Onex.WORKFLOW_FAILED;
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }

    private RunOptions runOptions() {
        if (runKey == null) {
            return RunOptions.fresh();
        }
        try {
            return RunOptions.withKey(runKey);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--run-key: " + e.getMessage());
        }
    }

    /** The in-process broker of --embedded-kafka, stopped at the end of the run or when the JVM exits. */
    private static final class EmbeddedBroker implements AutoCloseable {
        final EmbeddedKafkaBroker broker;
        final Thread hook;

        private EmbeddedBroker(EmbeddedKafkaBroker broker) {
            this.broker = broker;
            this.hook = new Thread(broker::close, "onex-embedded-kafka-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        static EmbeddedBroker start(PrintWriter progress) {
            long t0 = System.nanoTime();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault();
            progress.printf("embedded Kafka broker started at %s in %d ms%n", broker.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000);
            progress.flush();
            return new EmbeddedBroker(broker);
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
