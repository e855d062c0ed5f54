package ai.omninode.onex.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker killed with SIGKILL leaves its temporary data folder; the next broker to start removes it. */
class StaleDataFoldersTest {
    @TempDir
    Path root;

    @Test
    void onlyTheFoldersOfProcessesThatEndedAreRemoved() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path stale = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-1/__cluster_metadata-0"));
        Files.writeString(stale.resolve("00000000000000000000.log"), "records");
        Path ours = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ProcessHandle.current().pid() + "-2"));
        Path legacy = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + "4817570412799980849"));
        Path other = Files.createDirectories(root.resolve("something-else-" + ended.pid() + "-3"));

        int removed = EmbeddedKafkaBroker.removeFoldersOfEndedProcesses(root);

        assertThat(removed).isEqualTo(1);
        assertThat(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-1")).doesNotExist();
        assertThat(ours).as("this process still runs").isDirectory();
        assertThat(legacy).as("no process id in its name").isDirectory();
        assertThat(other).isDirectory();
    }
}
