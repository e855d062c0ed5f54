package ai.omninode.onex.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The goal on its own, configured as Maven would (its fields set): what fails the build and what only logs. The
 * invoker tests in src/it run it in real Maven builds.
 */
class ValidateMojoTest {
    static final String WORKFLOW = """
            name: greet
            version: {major: 1, minor: 0, patch: 0}
            steps:
              - name: pub
                type: effect
                effect_node: kafka_event_effect
                input: {topic: t.v1, event_type: X, payload: {a: 1}}
            """;

    @TempDir
    Path dir;

    /** The lines the goal logged, each as "level: text". */
    static final class Lines extends SystemStreamLog {
        final List<String> lines = new ArrayList<>();

        @Override
        public void info(CharSequence content) {
            lines.add("info: " + content);
        }

        @Override
        public void warn(CharSequence content) {
            lines.add("warn: " + content);
        }

        @Override
        public void error(CharSequence content) {
            lines.add("error: " + content);
        }
    }

    static ValidateMojo mojo(Path basedir, String packaging, Lines log) {
        ValidateMojo mojo = new ValidateMojo();
        set(mojo, "basedir", basedir.toFile());
        set(mojo, "packaging", packaging);
        set(mojo, "failOnError", true);
        set(mojo, "pluginVersion", "test");
        mojo.setLog(log);
        return mojo;
    }

    static void set(ValidateMojo mojo, String field, Object value) {
        try {
            Field f = ValidateMojo.class.getDeclaredField(field);
            f.setAccessible(true);
            f.set(mojo, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aParentPomWithoutSrcValidatesNothingAndSaysSoWithoutFailing() throws Exception {
        Lines log = new Lines();

        mojo(dir, "pom", log).execute();

        assertThat(log.lines).containsExactly("info: onex:validate: nothing validated: no folder src/ (the default path;"
                + " packaging pom; configure <paths> to check other folders)");
    }

    @Test
    void aJavaOnlyModuleValidatesNothingAndSaysSoWithoutFailing() throws Exception {
        Files.createDirectories(dir.resolve("src/main/java/x"));
        Files.writeString(dir.resolve("src/main/java/x/A.java"), "package x; class A {}");
        Files.createDirectories(dir.resolve("src/main/resources"));
        Files.writeString(dir.resolve("src/main/resources/application.yml"), "server:\n  port: 8080\n");
        Lines log = new Lines();

        mojo(dir, "jar", log).execute();

        assertThat(log.lines).last().asString().isEqualTo("info: onex:validate: nothing validated: no ONEX workflow or"
                + " node contract under src/ (the default path; packaging jar; configure <paths> to check other folders)");
        assertThat(log.lines).noneMatch(l -> l.startsWith("error"));
    }

    @Test
    void aModuleWithWorkflowsUnderTheDefaultSrcIsValidated() throws Exception {
        Files.createDirectories(dir.resolve("src/main/resources/flows"));
        Files.writeString(dir.resolve("src/main/resources/flows/bad.yaml"), WORKFLOW.replace("effect_node", "efect_node"));
        Lines log = new Lines();

        assertThatThrownBy(() -> mojo(dir, "pom", log).execute()).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("1 ONEX files checked (1 workflows, 0 contracts)");
    }

    @Test
    void aFileThatDoesNotParseIsCountedInTheSummary() throws Exception {
        Files.createDirectories(dir.resolve("src/main/resources/flows"));
        Files.writeString(dir.resolve("src/main/resources/flows/good.yaml"), WORKFLOW);
        Files.writeString(dir.resolve("src/main/resources/flows/broken.yaml"), WORKFLOW + "\n  bad: [unclosed\n");
        Lines log = new Lines();

        assertThatThrownBy(() -> mojo(dir, "pom", log).execute()).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("2 ONEX files checked (1 workflows, 0 contracts, 1 unreadable or not"
                        + " recognized): ");
    }

    @Test
    void configuredPathsThatAreMissingOrHoldNothingStillFail() throws IOException {
        Files.createDirectories(dir.resolve("src/main/java"));
        Lines log = new Lines();
        ValidateMojo missing = mojo(dir, "jar", log);
        set(missing, "paths", List.of("workflows"));
        ValidateMojo empty = mojo(dir, "jar", log);
        set(empty, "paths", List.of("src"));

        assertThatThrownBy(missing::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining(dir.resolve("workflows") + ": error: file not found");
        assertThatThrownBy(empty::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("[file.nothing-validated]");
    }

    @Test
    void aMalformedGlobNamesTheSettingItIsIn() {
        Lines log = new Lines();
        ValidateMojo path = mojo(dir, "jar", log);
        set(path, "paths", List.of("flows/[abc"));
        ValidateMojo exclude = mojo(dir, "jar", log);
        set(exclude, "excludes", List.of("{a,b"));

        assertThatThrownBy(path::execute).isInstanceOf(MojoExecutionException.class).hasMessage("onex:validate:"
                + " <path>flows/[abc</path> is neither a file or folder nor a valid glob: missing ']' ('[' opens a set"
                + " of characters, as in [abc])");
        assertThatThrownBy(exclude::execute).isInstanceOf(MojoExecutionException.class).hasMessage("onex:validate:"
                + " <exclude>{a,b</exclude> is not a valid glob: missing '}' ('{' opens alternatives, as in {a,b})");
    }

    @Test
    void anEmptyPathExcludeOrPluginDirectoryIsNamedNotANullPointer() {
        Lines log = new Lines();
        ValidateMojo path = mojo(dir, "jar", log);
        set(path, "paths", java.util.Arrays.asList("src", null));
        ValidateMojo exclude = mojo(dir, "jar", log);
        set(exclude, "excludes", java.util.Arrays.asList(" "));
        ValidateMojo plugins = mojo(dir, "jar", log);
        set(plugins, "pluginDirectories", java.util.Arrays.asList((java.io.File) null));

        assertThatThrownBy(path::execute).isInstanceOf(MojoExecutionException.class).hasMessage("onex:validate: an"
                + " empty <path></path> in <paths> names no file or folder (an unset property?); remove it, or give it"
                + " a value");
        assertThatThrownBy(exclude::execute).isInstanceOf(MojoExecutionException.class)
                .hasMessageStartingWith("onex:validate: an empty <exclude></exclude> in <excludes>");
        assertThatThrownBy(plugins::execute).isInstanceOf(MojoExecutionException.class)
                .hasMessageStartingWith("onex:validate: an empty <pluginDirectory></pluginDirectory> in"
                        + " <pluginDirectories>");
    }
}
