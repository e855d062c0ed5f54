package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How long {@code onex serve} waits for its host after SIGTERM: never longer than the host's stop bound. */
class ServeStopperTest {

    /** A host whose loop stops once asked (or never, like the probe's consumer stuck in its close). */
    private static class FakeHost implements ServeCommand.Stopper.Host {
        final CountDownLatch stopped = new CountDownLatch(1);
        final boolean stopsWhenAsked;
        volatile boolean closed;

        FakeHost(boolean stopsWhenAsked) {
            this.stopsWhenAsked = stopsWhenAsked;
        }

        @Override
        public void stop() {
            if (stopsWhenAsked) {
                stopped.countDown();
            }
        }

        @Override
        public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
            return stopped.await(timeout, unit);
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public List<String> running() {
            return stopped.getCount() == 0 ? List.of() : List.of("workflow echo's trigger loop");
        }

        @Override
        public Duration stopBound() {
            return Duration.ofMillis(300);
        }
    }

    private static ServeCommand.Stopper attached(FakeHost host) {
        ServeCommand.Stopper stopper = new ServeCommand.Stopper();
        stopper.attach(host);
        stopper.release();
        return stopper;
    }

    @Test
    void aHostThatStopsAfterTheSignalIsClosedAndTheWaitEndsCleanly() throws Exception {
        FakeHost host = new FakeHost(true);
        ServeCommand.Stopper stopper = attached(host);

        stopper.signal("SIGTERM");

        assertThat(stopper.await(host)).isEqualTo(ServeCommand.Stopper.Outcome.STOPPED);
        assertThat(host.closed).isTrue();
    }

    @Test
    void aHostThatDoesNotStopWithinItsBoundIsGivenUpOnNamingWhatStillRuns() throws Exception {
        FakeHost host = new FakeHost(false);
        ServeCommand.Stopper stopper = attached(host);

        stopper.signal("SIGTERM");

        assertThat(stopper.await(host)).isEqualTo(ServeCommand.Stopper.Outcome.STUCK);
        assertThat(stopper.stuck()).startsWith("the host did not stop within 0 s of the signal; still running:"
                + " workflow echo's trigger loop. Exiting without it");
    }

    @Test
    void aSecondSignalEndsTheWaitAtOnce() throws Exception {
        FakeHost host = new FakeHost(false) {
            @Override
            public Duration stopBound() {
                return Duration.ofHours(1);
            }
        };
        ServeCommand.Stopper stopper = attached(host);

        stopper.signal("SIGTERM");
        stopper.signal("SIGTERM");

        assertThat(stopper.await(host)).isEqualTo(ServeCommand.Stopper.Outcome.STUCK);
        assertThat(stopper.stuck()).startsWith("a second signal: not waiting for the stop to finish; still running:"
                + " workflow echo's trigger loop");
    }

    @Test
    void aSignalBeforeTheHostIsAttachedStopsItAsSoonAsItIs() {
        FakeHost host = new FakeHost(true);
        ServeCommand.Stopper stopper = new ServeCommand.Stopper();

        stopper.signal("SIGTERM");
        stopper.attach(host);
        stopper.release();

        assertThat(stopper.requested()).isTrue();
        assertThat(host.stopped.getCount()).as("stopped at once").isZero();
    }

    @Test
    void loopsThatEndWithoutASignalAreReportedAsEnded() throws Exception {
        FakeHost host = new FakeHost(true);
        host.stopped.countDown();
        ServeCommand.Stopper stopper = attached(host);

        assertThat(stopper.await(host)).isEqualTo(ServeCommand.Stopper.Outcome.ENDED);
        assertThat(host.closed).isTrue();
    }
}
