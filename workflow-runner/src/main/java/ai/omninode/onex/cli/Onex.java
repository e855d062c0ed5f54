package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.ExceptionMapper;
import ai.omninode.onex.cli.internal.LogSecrets;
import ai.omninode.onex.cli.internal.UsageErrorHandler;
import ai.omninode.onex.cli.internal.VersionProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code onex} command line: {@code run}, {@code serve}, {@code publish}, {@code validate}, {@code describe},
 * {@code nodes}, {@code broker} and {@code new}. Exit codes: {@value #OK} ok,
 * {@value #WORKFLOW_FAILED} the workflow failed, {@value #INVALID} a usage or validation error,
 * {@value #OUTPUT_NOT_WRITTEN} the workflow succeeded but an output file could not be written.
 */
@Command(name = "onex",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runs, serves and validates ONEX workflows whose steps are ONEX nodes.",
        subcommands = {RunCommand.class, ServeCommand.class, PublishCommand.class, ValidateCommand.class,
            DescribeCommand.class, NodesCommand.class, BrokerCommand.class, NewCommand.class,
            CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  ok",
            "  1  the workflow failed (onex run: a step failed; its on_step_failure steps,",
            "     if any, ran), the event was not published (onex publish), or onex serve",
            "     could not go on (each command's --help says more)",
            "  2  usage error, or an invalid workflow, contract, input, node setting or",
            "     plugin",
            "  3  the workflow succeeded, but an output file it was asked for (onex run",
            "     --metrics) could not be written",
            "  130  onex run stopped by Ctrl-C (143: SIGTERM); onex serve exits 0 after a",
            "     clean stop",
            "",
            "Nodes are found on the classpath and in plugin folders (--plugins DIR; default: $ONEX_PLUGINS, "
                + "or the plugins/ folder of the installation). Settings for nodes come from the environment.",
            "",
            "Logs go to stderr, each line about a run or an event with its correlation id;",
            "ONEX_LOG_FORMAT=json writes JSON lines, ONEX_LOG_LEVEL=debug writes more.",
            "",
            "Example:",
            "  onex run examples/document_ingestion.yaml \\",
            "      --input-file examples/document_ingestion.input.json --embedded-kafka"})
public final class Onex implements Callable<Integer> {
    public static final int OK = 0;
    public static final int WORKFLOW_FAILED = 1;
    public static final int INVALID = 2;
    /** The workflow succeeded (its effects happened), but an output file it was asked for could not be written. */
    public static final int OUTPUT_NOT_WRITTEN = 3;

    @Spec
    CommandSpec spec;

    /** The command line with this CLI's exception mapping; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        if (System.getProperty("picocli.trace") == null) {
            // picocli's own warnings quote the argument they are about whole ("Unbalanced quotes in ... (value=...)"
            // for a --set value with an odd number of quotes, a JAAS config with a password, say); the value is parsed
            // as given all the same, so they say nothing a user needs and may say a secret
            System.setProperty("picocli.trace", "OFF");
        }
        CommandLine cmd = new CommandLine(new Onex());
        cmd.setExecutionExceptionHandler(new ExceptionMapper());
        cmd.setParameterExceptionHandler(new UsageErrorHandler());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        // Path.of("") is the working directory: `--input-file "$UNSET"` or `--plugins ''` would read or search it
        cmd.registerConverter(java.nio.file.Path.class, Onex::path);
        shareVersion(cmd, new VersionProvider());
        cmd.setExecutionStrategy(parsed -> {
            // secrets given with --set are hidden in log lines as those from the environment are (main), for this
            // command: a test JVM runs many
            List<String> before = LogSecrets.snapshot();
            try {
                for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                    Map<String, String> set = p.matchedOptionValue("--set", null);
                    if (set != null) {
                        LogSecrets.register(set);
                    }
                }
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                LogSecrets.restore(before);
            }
        });
        return cmd;
    }

    /**
     * Every subcommand lists {@code -V, --version} (the standard help options), and picocli prints nothing for it
     * unless the subcommand has a version of its own: {@code onex run -V} answers as {@code onex -V} does.
     */
    private static void shareVersion(CommandLine cmd, VersionProvider version) {
        cmd.getCommandSpec().versionProvider(version);
        cmd.getSubcommands().values().forEach(sub -> shareVersion(sub, version));
    }

    /** A file or folder argument; an empty one (an unset shell variable, say) is a usage error. */
    static java.nio.file.Path path(String value) {
        if (value.isEmpty()) {
            throw new CommandLine.TypeConversionException(EMPTY_PATH);
        }
        return java.nio.file.Path.of(value);
    }

    static final String EMPTY_PATH = "an empty path ('') names no file or folder (an unset variable?); for the working"
            + " directory write '.'";

    public static void main(String[] args) {
        // every variable named as a secret (ONEX_KAFKA_SASL_JAAS_CONFIG, DB_PASSWORD that a workflow reads as
        // ${env.DB_PASSWORD}): its value, when long enough to be no common word
        LogSecrets.register(System.getenv());
        locateInstallation();
        System.exit(commandLine().execute(args));
    }

    /**
     * Started as {@code java -jar} rather than by {@code bin/onex}, which sets them: {@code onex.home} and
     * {@code onex.plugins} from where this jar is, so that the installation's plugins are found as the launcher finds
     * them. The jar is either the installation's {@code lib/} copy or the build's {@code target/} one, next to the
     * installation it built ({@code target/onex}); anywhere else nothing is set, and {@code --plugins} says where
     * nodes are.
     */
    static void locateInstallation() {
        if (System.getProperty("onex.home") != null) {
            return;
        }
        java.nio.file.Path home;
        try {
            java.security.CodeSource source = Onex.class.getProtectionDomain().getCodeSource();
            java.nio.file.Path jar = source == null ? null : java.nio.file.Path.of(source.getLocation().toURI());
            java.nio.file.Path dir = jar == null ? null : jar.toAbsolutePath().getParent();
            if (dir == null || !java.nio.file.Files.isRegularFile(jar)) {
                return;
            }
            if (dir.getFileName() != null && dir.getFileName().toString().equals("lib")
                    && java.nio.file.Files.isDirectory(dir.resolveSibling("plugins"))) {
                home = dir.getParent();
            } else if (java.nio.file.Files.isDirectory(dir.resolve("onex").resolve("plugins"))) {
                home = dir.resolve("onex");
            } else {
                return;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return; // not a file this JVM can name: as before, --plugins says where nodes are
        }
        System.setProperty("onex.home", home.toString());
        String plugins = System.getenv("ONEX_PLUGINS");
        System.setProperty("onex.plugins", plugins != null && !plugins.isEmpty() ? plugins
                : home.resolve("plugins").toString());
    }

    /** {@code onex} alone: usage on stderr, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println();
        List<String> commands = new ArrayList<>(spec.subcommands().keySet());
        commands.remove("help");
        String last = commands.remove(commands.size() - 1);
        spec.commandLine().getErr().println("onex: error: a command is required: " + String.join(", ", commands)
                + " or " + last);
        return INVALID;
    }
}
