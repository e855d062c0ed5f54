package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.VersionProvider;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.validation.InvalidPatternException;
import ai.omninode.onex.validation.ReportFormat;
import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.Validator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
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

/** {@code onex validate}: static checks of workflows and node contracts, for CI. */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Checks workflows and node contracts without running anything, and reports every problem of every file at"
                + " once, each as file:line:col: error: message [rule-id] (the rule ids are listed in"
                + " docs/validation-rules.md). A folder is searched for ONEX files by their content (a workflow has"
                + " steps and a sign of ONEX besides: a version ({major, minor, patch} or 1.0.0), input_schema, event_bus,"
                + " error_handling, or a step with effect_node, compute_node, handler, intent_type or an ONEX type; a contract has"
                + " node_type); other YAML in it (docker-compose.yml, CI pipelines with their own steps) is skipped"
                + " with a note. Links are followed. Hidden folders, target/ and node_modules/ are never searched. Contracts found are known"
                + " nodes for the workflows of the same run, so a node project checks its workflows before its jar"
                + " exists.",
            "",
            "Workflows: YAML, the workflow schema, step names, depends_on (unknown steps, later steps, cycles), unknown"
                + " nodes, $${...} syntax and roots (input, env.NAME, error in on_step_failure, results of steps that"
                + " ran before), paths into a step result the node's output schema cannot have, and step inputs"
                + " against the node's input schema where values are static (a missing topic, a wrong type). Warnings:"
                + " settings accepted but not interpreted (monitoring), a compute node in an effect step. Contracts: the"
                + " ONEX contract schema and rules, and their input/output/config schemas."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  onex validate examples contracts/nodes",
            "  onex validate . --exclude 'docker-compose*.yml' --exclude generated",
            "  onex validate 'flows/**/*.yaml' --plugins build/plugins \\",
            "      --plugins $ONEX_HOME/plugins",
            "  git show HEAD:flows/a.yaml | onex validate - --stdin-name flows/a.yaml",
            "  onex validate . --output github   # annotations in a GitHub Actions job",
            "  onex validate . --sarif onex.sarif --junit TEST-onex.xml --strict",
            "",
            "Exit codes:",
            "  0  no errors (warnings allowed, unless --strict)",
            "  2  at least one error (or a usage error, or a --sarif/--junit FILE that",
            "     cannot be written)"})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH",
            description = "Workflow or contract files (each must be one), folders (searched), globs quoted so the shell"
                    + " leaves them alone ('flows/**/*.yaml': **/ is zero or more folders, as in .gitignore; a leading"
                    + " ./ is ignored), or - for one workflow or contract on standard input (see --stdin-name).")
    List<String> paths = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB",
            description = "Leaves out files and folders (repeatable). A glob with a '/' matches the whole path relative"
                    + " to the working directory ('legacy/**' is legacy/ and everything in it, '**/tabs.yaml' any"
                    + " tabs.yaml; a leading '/' anchors it there, as in .gitignore: '/legacy' is ./legacy, not any"
                    + " legacy), one without matches any file or folder name: --exclude 'docker-compose*.yml'"
                    + " --exclude 'legacy/**'.")
    List<String> excludes = new ArrayList<>();

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            completionCandidates = ValidateCommand.Formats.class,
            description = "text (default: problems on stderr, then the summary: on stdout when valid, on stderr"
                    + " with the problems otherwise), json, sarif (SARIF 2.1.0, for code"
                    + " scanning), junit (JUnit XML, for CI test reports) or github (GitHub Actions annotations); all"
                    + " but text on stdout. Example: --output sarif > onex.sarif")
    ReportFormat output = ReportFormat.TEXT;

    @Option(names = "--strict",
            description = "Warnings count as errors (exit 2): for CI that accepts nothing that is ignored. Example:"
                    + " onex validate . --strict")
    boolean strict;

    @Option(names = "--sarif", paramLabel = "FILE",
            description = "Also writes the report as SARIF 2.1.0 to FILE (its folder is created if missing; a FILE that"
                    + " cannot be written is an error before anything is validated). Example: --sarif build/onex.sarif")
    Path sarifFile;

    @Option(names = "--junit", paramLabel = "FILE",
            description = "Also writes the report as JUnit XML to FILE (as --sarif does). Example: --junit"
                    + " build/test-results/TEST-onex.xml")
    Path junitFile;

    @Option(names = "--stdin-name", paramLabel = "NAME", defaultValue = "<stdin>",
            description = "The name standard input (PATH -) has in messages and reports, and where the schemas it names"
                    + " by relative path are looked for. Default: <stdin>. Example: git show HEAD:flows/a.yaml |"
                    + " onex validate - --stdin-name flows/a.yaml")
    String stdinName = "<stdin>";

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (paths.contains("")) {
            throw new ParameterException(spec.commandLine(), "PATH: " + Onex.EMPTY_PATH);
        }
        // before validating: a report path that cannot be written fails at once, not after the whole run
        for (Path file : new Path[] {sarifFile, junitFile}) {
            if (file != null && file.toString().equals("-")) {
                // a file named "-" in the working directory is never what was meant
                String option = file == sarifFile ? "sarif" : "junit";
                throw new OnexException("--" + option + " - : to write the report on standard output use --output "
                        + option + " (--" + option + " takes a FILE)");
            }
            String why = file == null ? null : ReportFormat.unwritable(file);
            if (why != null) {
                throw new OnexException(why);
            }
        }
        Map<String, Path> reports = new LinkedHashMap<>();
        reports.put("--sarif", sarifFile);
        reports.put("--junit", junitFile);
        List<Path> named = paths.stream().filter(p -> !p.equals("-")).map(ValidateCommand::pathOrNull)
                .filter(p -> p != null && Files.isRegularFile(p)).toList();
        String clash = ReportFormat.clash(reports, named);
        if (clash != null) {
            throw new OnexException(clash);
        }
        Validator validator;
        try {
            validator = Validator.builder()
                    .paths(paths)
                    .excludes(excludes)
                    .stdin(System.in)
                    .stdinName(stdinName)
                    .classLoader(ValidateCommand.class.getClassLoader())
                    .pluginDirectories(plugins.directories())
                    .installationPlugins(plugins.replacedInstallationPlugins(), plugins.replacedBy())
                    .build();
        } catch (InvalidPatternException e) {
            throw new ParameterException(spec.commandLine(), e.exclude()
                    ? "--exclude '" + e.pattern() + "' is not a valid glob: " + e.reason()
                    : "'" + e.pattern() + "' is neither a file or folder nor a valid glob: " + e.reason());
        }
        ValidationReport report = validator.run();
        if (strict) {
            report = report.strict();
        }
        // files found in the folders searched count too, skipped ones as well: --junit flows/a.yaml with flows/
        // validated, or --sarif azure-pipelines.yml (skipped as no ONEX file, but a file of the user's all the same)
        clash = ReportFormat.clash(reports, report.files().stream()
                .map(f -> pathOrNull(f.file())).filter(p -> p != null && !p.toString().equals(stdinName)).toList());
        if (clash != null) {
            throw new OnexException(clash);
        }
        Tool tool = new Tool("onex validate", VersionProvider.version());
        writeFile(sarifFile, ReportFormat.SARIF, report, tool);
        writeFile(junitFile, ReportFormat.JUNIT, report, tool);
        output.write(report, tool, out, err);
        return report.valid() ? Onex.OK : Onex.INVALID;
    }

    private static Path pathOrNull(String path) {
        try {
            return Path.of(path);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private static void writeFile(Path file, ReportFormat format, ValidationReport report, Tool tool) {
        if (file == null) {
            return;
        }
        try {
            format.write(report, tool, file);
        } catch (IOException e) {
            throw new OnexException(e.getMessage(), e); // one line that names the file and why; exit 2
        }
    }

    /** What shell completion offers for {@code --output}, as the help writes the formats. */
    static final class Formats implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("text", "json", "sarif", "junit", "github").iterator();
        }
    }
}
