package ai.omninode.onex.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        // a process that looks ended (another pid namespace) while its Kafka holds the folder's lock
        Path held = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-4"));
        Path unheld = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-5"));
        Files.createFile(unheld.resolve(".lock"));

        int removed;
        try (FileChannel lock = FileChannel.open(held.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = lock.lock()) {
            removed = EmbeddedKafkaBroker.removeFoldersOfEndedProcesses(root);
        }

        assertThat(removed).isEqualTo(2);
        assertThat(held).as("its lock is held").isDirectory();
        assertThat(unheld).as("its lock is free").doesNotExist();
        assertThat(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-1")).doesNotExist();
        assertThat(ours).as("this process still runs").isDirectory();
        assertThat(legacy).as("no process id in its name").isDirectory();
        assertThat(other).isDirectory();
    }
}
