package ai.omninode.onex.maven;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.InvalidPatternException;
import ai.omninode.onex.validation.ReportFormat;
import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.Validator;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Checks the project's ONEX workflows and node contracts, as {@code onex validate} does, and fails the build on an
 * error with the same messages ({@code file:line:col: error: message [rule-id]}).
 *
 * <p>Nodes that workflows may use: the contracts found in the checked files (a node project's own contract, before its
 * jar exists); the nodes of the plugin's own dependencies (declare node jars such as
 * {@code onex-node-kafka-event-effect} in {@code <plugin><dependencies>}); and the plugin jars in
 * {@link #pluginDirectories}.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true, requiresProject = true)
public final class ValidateMojo extends AbstractMojo {

    /**
     * Files, folders (searched for ONEX files by content; other YAML is skipped) or globs, relative to the project.
     * Default: {@code src} (main and test resources included). With the default, a project without {@code src} or with
     * no ONEX file in it (a parent POM, a Java-only module of a build that declares this plugin in its parent) is not an
     * error: an info line says nothing was validated. Paths configured here must exist and hold ONEX files.
     */
    @Parameter
    private List<String> paths = new ArrayList<>();

    /**
     * Globs of files and folders to leave out: with a '/', the whole path relative to the project's basedir
     * ({@code **}{@code /legacy/**}; {@code **}{@code /} is zero or more folders, as in Maven's own excludes); without,
     * any file or folder name ({@code generated}).
     */
    @Parameter
    private List<String> excludes = new ArrayList<>();

    /** Folders of node plugin jars whose nodes the workflows may use. */
    @Parameter
    private List<File> pluginDirectories = new ArrayList<>();

    /** Warnings (settings accepted but ignored, a compute node in an effect step) fail the build too. */
    @Parameter(property = "onex.strict", defaultValue = "false")
    private boolean strict;

    /** Writes the report as SARIF 2.1.0 here, for code-scanning tools. */
    @Parameter(property = "onex.sarifFile")
    private File sarifFile;

    /** Writes the report as JUnit XML here (a {@code TEST-*.xml} name in target/surefire-reports shows in CI reports). */
    @Parameter(property = "onex.junitFile")
    private File junitFile;

    /** Whether errors fail the build (the default); {@code false} reports them and lets the build go on. */
    @Parameter(property = "onex.failOnError", defaultValue = "true")
    private boolean failOnError;

    /** Skips the goal ({@code -Donex.skip}): nothing is validated. */
    @Parameter(property = "onex.skip", defaultValue = "false")
    private boolean skip;

    @Parameter(defaultValue = "${project.basedir}", readonly = true, required = true)
    private File basedir;

    @Parameter(defaultValue = "${session.executionRootDirectory}", readonly = true)
    private String executionRoot;

    @Parameter(defaultValue = "${plugin.version}", readonly = true)
    private String pluginVersion;

    @Parameter(defaultValue = "${project.packaging}", readonly = true)
    private String packaging;

    /** The folder checked when {@link #paths} is not configured. */
    static final String DEFAULT_PATH = "src";

    private static void refuseEmpty(String list, String item, List<?> values) throws MojoExecutionException {
        if (values != null && values.stream().anyMatch(v -> v == null || v.toString().isBlank())) {
            throw new MojoExecutionException("onex:validate: an empty <" + item + "></" + item + "> in <" + list
                    + "> names no file or folder (an unset property?); remove it, or give it a value");
        }
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("onex:validate skipped");
            return;
        }
        // <path></path> (an unset property, say) comes as null, or as "": it names nothing, and is not the basedir
        refuseEmpty("paths", "path", paths);
        refuseEmpty("excludes", "exclude", excludes);
        refuseEmpty("pluginDirectories", "pluginDirectory", pluginDirectories);
        paths = paths == null ? new ArrayList<>() : paths;
        excludes = excludes == null ? new ArrayList<>() : excludes;
        pluginDirectories = pluginDirectories == null ? new ArrayList<>() : pluginDirectories;
        // before validating: a report file that cannot be written fails the build at once
        for (File file : new File[] {sarifFile, junitFile}) {
            String why = file == null ? null : ReportFormat.unwritable(file.toPath());
            if (why != null) {
                throw new MojoExecutionException(why);
            }
        }
        List<String> specs = new ArrayList<>();
        Path base = basedir.toPath();
        boolean defaults = paths.isEmpty();
        // absolute paths, so messages name files wherever Maven was started from (a reactor build, -f)
        for (String p : defaults ? List.of(DEFAULT_PATH) : paths) {
            Path path = Path.of(p);
            specs.add(path.isAbsolute() || isGlob(p) && !Files.exists(base.resolve(p)) ? p : base.resolve(path).toString());
        }
        Validator validator;
        try {
            validator = Validator.builder()
                    .baseDirectory(base)
                    .paths(specs)
                    .excludes(excludes)
                    .classLoader(ValidateMojo.class.getClassLoader())
                    .pluginDirectories(pluginDirectories.stream().map(File::toPath).toList())
                    .build();
        } catch (InvalidPatternException e) {
            throw new MojoExecutionException("onex:validate: " + (e.exclude()
                    ? "<exclude>" + e.pattern() + "</exclude> is not a valid glob: "
                    : "<path>" + e.pattern() + "</path> is neither a file or folder nor a valid glob: ") + e.reason());
        }
        ValidationReport report;
        if (defaults && !Files.isDirectory(base.resolve(DEFAULT_PATH))) {
            // a plugin declared in a parent POM runs in the parent and in every module: one without src/ (the parent
            // itself, with packaging pom) has nothing to check, and that is no error
            report = new ValidationReport(List.of(), List.of());
        } else {
            report = validator.run();
            if (defaults) { // a Java-only module: nothing found under the default src/ is no error
                report = new ValidationReport(report.files(), report.problems().stream()
                        .filter(p -> !p.rule().equals(Rules.FILE_NOTHING_VALIDATED.id())).toList());
            }
        }
        if (strict) {
            report = report.strict();
        }
        Map<String, Path> reports = new LinkedHashMap<>();
        reports.put("<sarifFile>", sarifFile == null ? null : sarifFile.toPath());
        reports.put("<junitFile>", junitFile == null ? null : junitFile.toPath());
        // skipped files too: they are the user's files all the same (a CI pipeline, a compose file)
        String clash = ReportFormat.clash(reports, report.files().stream().map(f -> base.resolve(f.file())).toList());
        if (clash != null) {
            throw new MojoExecutionException("onex:validate: " + clash);
        }
        Tool tool = new Tool("onex:validate", pluginVersion == null ? "unknown" : pluginVersion);
        // the files named from where Maven was started (a repository's root, usually): code scanning maps SARIF
        // paths onto the repository, and a CI's test report shows these names; the log keeps absolute ones
        ValidationReport forFiles = executionRoot == null ? report : report.relativeTo(Path.of(executionRoot));
        write(sarifFile, ReportFormat.SARIF, forFiles, tool);
        write(junitFile, ReportFormat.JUNIT, forFiles, tool);
        for (Problem p : report.all()) {
            String line = ReportFormat.line(p);
            switch (p.severity()) {
                case ERROR -> getLog().error(line);
                case WARNING -> getLog().warn(line);
                case NOTE -> getLog().info(line);
            }
        }
        long errors = report.count(Severity.ERROR);
        if (defaults && report.checked() == 0 && errors == 0) {
            getLog().info("onex:validate: nothing validated: " + (Files.isDirectory(base.resolve(DEFAULT_PATH))
                    ? "no ONEX workflow or node contract under " : "no folder ") + DEFAULT_PATH + "/ (the default path; "
                    + (packaging == null ? "" : "packaging " + packaging + "; ") + "configure <paths> to check other"
                    + " folders)");
            return;
        }
        // every file checked is in one of the counts: a file that does not parse is neither workflow nor contract
        long schemas = report.count(ValidationReport.Kind.SCHEMA);
        long unrecognized = report.count(ValidationReport.Kind.UNRECOGNIZED);
        String summary = report.checked() + " ONEX files checked (" + report.count(ValidationReport.Kind.WORKFLOW)
                + " workflows, " + report.count(ValidationReport.Kind.CONTRACT) + " contracts"
                + (schemas > 0 ? ", " + schemas + " schemas" : "")
                + (unrecognized > 0 ? ", " + unrecognized + " unreadable or not recognized" : "") + "): " + errors
                + " errors, " + report.count(Severity.WARNING) + " warnings";
        if (errors == 0) {
            getLog().info(summary);
        } else if (failOnError) {
            throw new MojoFailureException("onex:validate: " + summary + "; the first: " + ReportFormat.line(
                    report.all().stream().filter(Problem::isError).findFirst().orElseThrow()));
        } else {
            getLog().warn(summary);
        }
    }

    private static boolean isGlob(String p) {
        return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0 || p.indexOf('{') >= 0;
    }

    private void write(File file, ReportFormat format, ValidationReport report, Tool tool) throws MojoExecutionException {
        if (file == null) {
            return;
        }
        try {
            format.write(report, tool, file.toPath());
            getLog().info("onex:validate wrote " + format.label() + " report " + file);
        } catch (IOException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        }
    }
}
