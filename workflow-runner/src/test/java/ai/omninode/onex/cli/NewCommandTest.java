package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onex new node} without a nested build (NewNodeIT builds one): what it writes, that the contract and sample
 * workflow of both kinds validate as written, and what it refuses.
 */
class NewCommandTest {

    @Test
    void anEffectNodeProjectHasAnEffectContractWithAnIoOperationAndValidates(@TempDir Path dir) throws IOException {
        Path project = dir.resolve("qdrant");
        Cli.Result r = Cli.onex("new", "node", "qdrant_store_effect", "--kind", "effect", "--package", "com.acme.qdrant",
                "--group", "com.acme", "--dir", project.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Created " + project + ": the node qdrant_store_effect"
                + " (com.acme.qdrant.NodeQdrantStoreEffect, an effect node)");
        for (String f : NewCommand.Node.expectedFiles("qdrant_store_effect", "com/acme/qdrant")) {
            assertThat(project.resolve(f)).exists();
        }
        assertThat(Files.readString(project.resolve("src/main/java/com/acme/qdrant/NodeQdrantStoreEffect.java")))
                .contains("public final class NodeQdrantStoreEffect implements EffectNode")
                .contains("QDRANT_STORE_EFFECT_SALUTATION");
        assertThat(Files.readString(project.resolve("pom.xml"))).contains("<groupId>com.acme</groupId>",
                "<artifactId>qdrant-store-effect</artifactId>", "<scope>provided</scope>", "onex-maven-plugin");
        assertThat(Files.isExecutable(project.resolve("mvnw"))).isTrue();

        Cli.Result validate = Cli.onex("validate", project.toString(), "--plugins", Cli.PLUGINS.toString(), "--strict");

        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.out()).startsWith("ok: 2 files valid (1 workflow, 1 contract)");
    }

    @Test
    void theNextStepsNameThisInstallationsPluginsFolderAndTheArtifactsTheBuildNeeds(@TempDir Path dir)
            throws IOException {
        Path home = dir.resolve("onex-home");
        String before = System.getProperty("onex.home");
        System.setProperty("onex.home", home.toString()); // as the launcher sets it; it exports no ONEX_HOME
        try {
            Path project = dir.resolve("greeter");
            Cli.Result r = Cli.onex("new", "node", "greeter_effect", "--dir", project.toString());

            String plugins = home.toAbsolutePath().resolve("plugins").toString();
            assertThat(r.out()).contains("Then: onex run workflows/greeter_effect_demo.yaml --plugins target --plugins "
                    + plugins + " ").contains("artifacts in your Maven repository").doesNotContain("$ONEX_HOME");
            assertThat(Files.readString(project.resolve("README.md"))).contains("--plugins " + plugins + " ")
                    .contains("./mvnw -B install -DskipTests").doesNotContain("$ONEX_HOME");
            assertThat(Files.readString(project.resolve("workflows/greeter_effect_demo.yaml")))
                    .contains("--plugins " + plugins + " ").doesNotContain("$ONEX_HOME");
        } finally {
            if (before == null) {
                System.clearProperty("onex.home");
            } else {
                System.setProperty("onex.home", before);
            }
        }
    }

    @Test
    void aComputeNodeProjectValidatesToo(@TempDir Path dir) {
        Path project = dir.resolve("greeting");
        assertThat(Cli.onex("new", "node", "greeting_compute", "--dir", project.toString()).exitCode()).isZero();

        Cli.Result validate = Cli.onex("validate", project.toString(), "--plugins", Cli.PLUGINS.toString(), "--strict");

        assertThat(validate.exitCode()).as(validate.toString()).isZero();
    }

    @Test
    void aFolderThatCannotBeMadeIsOneLineNamingItNotAStackTrace(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "x");

        Cli.Result r = Cli.onex("new", "node", "greeting_compute", "--dir", file.resolve("sub").toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        assertThat(r.err()).startsWith("onex: error: ").contains(file.resolve("sub").toString())
                .doesNotContain("internal error", "Exception", "\tat ");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void aFolderThatHoldsSomethingIsNotOverwritten(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("keep.txt"), "mine");

        Cli.Result r = Cli.onex("new", "node", "greeting_compute", "--dir", dir.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(dir + " exists already");
        assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("mine");
    }

    @Test
    void aNameThatIsNoNodeNameIsAUsageError(@TempDir Path dir) {
        Cli.Result r = Cli.onex("new", "node", "Greeting-Node", "--dir", dir.resolve("x").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("NAME 'Greeting-Node' is not a node name");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void aNameThatMakesAJavaKeywordPackageIsRefusedAndAPackageGivenForItWorks(@TempDir Path dir) {
        Cli.Result keyword = Cli.onex("new", "node", "new", "--dir", dir.resolve("x").toString());
        Cli.Result given = Cli.onex("new", "node", "new", "--dir", dir.resolve("y").toString(), "--package", "com.acme.news");

        assertThat(keyword.exitCode()).isEqualTo(2);
        assertThat(keyword.err()).contains("--package 'com.example.new' is not a Java package name", "'new' is a Java"
                + " keyword; the default comes from NAME, so give one with --package");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(given.exitCode()).as(given.toString()).isZero();
    }

    @Test
    void theNameOfAnInstalledNodeAndAGroupMavenRefusesAreUsageErrors(@TempDir Path dir) {
        // test_echo: a node on this test's class path, where onex run would find it
        Cli.Result installed = Cli.onex("new", "node", "test_echo", "--dir", dir.resolve("x").toString());
        Cli.Result group = Cli.onex("new", "node", "greeting_compute", "--dir", dir.resolve("y").toString(),
                "--group", "bad group");

        assertThat(installed.exitCode()).as(installed.toString()).isEqualTo(2);
        assertThat(installed.err()).contains("NAME 'test_echo' is the name of a node installed already (",
                "choose another name");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(group.exitCode()).as(group.toString()).isEqualTo(2);
        assertThat(group.err()).contains("--group 'bad group' is not a Maven groupId");
        assertThat(dir.resolve("y")).doesNotExist();
    }
}
