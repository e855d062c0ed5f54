package ai.omninode.onex.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs {@code onex} in this JVM through picocli's {@code execute}, capturing stdout and stderr. */
final class Cli {
    /** The plugin folder the build fills (the Kafka node and the examples plugin jars). */
    static final Path PLUGINS = Path.of(System.getProperty("onex.test.plugins", "target/onex/plugins"));
    /** The repository root (examples/, contracts/). */
    static final Path REPO = Path.of(System.getProperty("onex.test.repo", "..")).normalize();

    private Cli() {
    }

    /** Copies the plugin jars the build made into {@code folder}, so that a test's runner sees them only there. */
    static void copyPluginJars(Path folder) throws IOException {
        try (Stream<Path> jars = Files.list(PLUGINS)) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, folder.resolve(jar.getFileName()));
            }
        }
    }

    record Result(int exitCode, String out, String err) {
        /** Lines of stderr that are problems ({@code file:line:col: error: ...}). */
        List<String> problems() {
            List<String> lines = new ArrayList<>();
            for (String line : err.split("\\R")) {
                if (line.matches("^.+:\\d+:\\d+: error: .*")) {
                    lines.add(line);
                }
            }
            return lines;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result onex(String... args) {
        CommandLine cmd = Onex.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
