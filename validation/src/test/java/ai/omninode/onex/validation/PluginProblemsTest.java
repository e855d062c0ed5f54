package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.validation.ReportFormat.Tool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad plugin is reported, and does not hide what the workflows' nodes show. */
class PluginProblemsTest {
    private static final String WORKFLOW = """
            name: multi
            version: {major: 1, minor: 0, patch: 0}
            steps:
              - name: a
                type: effect
                effect_node: kafka_event_effect
                input: {topic: 42, event_type: X, payload: {}}
              - name: b
                type: effect
                effect_node: no_such_node
                input: {x: 1}
            """;

    @TempDir
    Path dir;

    private Path jar(Path folder, String name, String services) throws IOException {
        Files.createDirectories(folder);
        Path jar = folder.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/ai.omninode.onex.node.EffectNode"));
            out.write(services.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private ValidationReport validate(Path workflow, List<Path> plugins) {
        return Validator.builder().path(workflow.toString()).contracts(List.of(SearchedFilesTest.kafkaContract()))
                .scanClasspath(false).pluginDirectories(plugins).build().run();
    }

    @Test
    void aPluginWhoseRegistrationNamesAMissingClassIsReportedAndTheWorkflowsAreStillChecked() throws IOException {
        Path flow = Files.writeString(dir.resolve("m1.yaml"), WORKFLOW);
        Path bad = jar(dir.resolve("only_bad"), "badservice.jar", "com.example.DoesNotExist\n");

        ValidationReport report = validate(flow, List.of(bad.getParent()));

        assertThat(report.problems()).extracting(Problem::rule).contains("plugin.invalid");
        assertThat(report.problems()).extracting(Problem::source).contains(bad.toString());
        assertThat(report.files()).singleElement().satisfies(f -> assertThat(f.problems()).extracting(Problem::rule)
                .contains("node.unknown", "node.input-mismatch"));
    }

    @Test
    void aMissingPluginFolderIsReportedAndTheWorkflowsAreStillChecked() throws IOException {
        Path flow = Files.writeString(dir.resolve("m1.yaml"), WORKFLOW);

        ValidationReport report = validate(flow, List.of(dir.resolve("nonexistent")));

        assertThat(report.problems()).extracting(Problem::toString)
                .contains(dir.resolve("nonexistent") + ": error: plugin folder does not exist");
        assertThat(report.files().get(0).problems()).extracting(Problem::rule)
                .contains("node.unknown", "node.input-mismatch");
    }

    @Test
    void aTruncatedJarNextToABrokenOneIsAProblemInEveryFormat() throws IOException {
        Path flow = Files.writeString(dir.resolve("m1.yaml"), WORKFLOW);
        Path mixed = dir.resolve("mixed");
        jar(mixed, "badservice.jar", "com.example.DoesNotExist\n");
        Path whole = jar(dir.resolve("tmp"), "whole.jar", "com.example.Whatever\n");
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(mixed.resolve("truncated.jar"), Arrays.copyOf(bytes, bytes.length / 2));

        ValidationReport report = validate(flow, List.of(mixed));

        assertThat(report.problems()).filteredOn(p -> p.source().equals(truncated.toString())).singleElement()
                .satisfies(p -> {
                    assertThat(p.rule()).isEqualTo("plugin.invalid");
                    assertThat(p.message()).startsWith("not a readable jar (zip) file");
                });
        for (ReportFormat format : ReportFormat.values()) {
            StringWriter out = new StringWriter();
            format.write(report, new Tool("onex validate", "test"), new PrintWriter(out), new PrintWriter(out));
            assertThat(out.toString()).as(format.label()).contains("truncated.jar");
        }
    }
}
