package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HostMetricsTest {
    @Test
    void aTriggerTimestampSetFarInThePastOrInTheFutureIsNotRecordedAsLatency() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HostMetrics metrics = new HostMetrics(registry, "flow");
        long now = System.currentTimeMillis();

        metrics.finished(RunClassifier.Outcome.SUCCEEDED, now - 250);
        metrics.finished(RunClassifier.Outcome.SUCCEEDED, 1); // a producer's own timestamp: 1970
        metrics.finished(RunClassifier.Outcome.SUCCEEDED, now + 3_600_000); // an hour ahead
        metrics.finished(RunClassifier.Outcome.FAILED, -1); // none

        Timer latency = registry.get("onex.host.trigger.latency").timer();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.max(TimeUnit.DAYS)).isLessThan(1);
        assertThat(registry.get("onex.host.runs").tag("outcome", "succeeded").counter().count())
                .as("every run counts all the same").isEqualTo(3);
    }
}
