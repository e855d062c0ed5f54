package ai.omninode.onex.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
        // a process that looks ended (another pid namespace) while its Kafka, another process, holds the folder's lock
        Path held = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-4"));
        Path unheld = Files.createDirectories(root.resolve(EmbeddedKafkaBroker.TEMP_PREFIX + ended.pid() + "-5"));
        Files.createFile(unheld.resolve(".lock"));

        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), held.resolve(".lock").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int removed;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS)).isEqualTo("locked");
            removed = EmbeddedKafkaBroker.removeFoldersOfEndedProcesses(root);
        } finally {
            holder.getOutputStream().close(); // it lets go
            holder.waitFor(30, TimeUnit.SECONDS);
            holder.destroyForcibly();
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
