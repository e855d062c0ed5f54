package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonLogEncoderTest {

    /** The probe's JSON lines carried "Workflow {}: trigger {} ran ..." with the values in a separate array. */
    @Test
    void theMessageFieldIsTheRenderedMessageWithItsMdc() {
        LoggerContext context = new LoggerContext();
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);
        encoder.start();
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("ai.omninode.onex.host.T"), Level.INFO,
                "Workflow {}: trigger {} ran in {} ms", null, new Object[] {"ingest", "t-0@7", 12});
        event.setMDCPropertyMap(Map.of("correlation_id", "7a1c0b7e-5d1e-4c5a-9b0f-3f1f3e2a9d11"));

        JsonNode line = JsonMapper.builder().build().readTree(new String(encoder.encode(event),
                StandardCharsets.UTF_8));

        assertThat(line.get("message").asString()).isEqualTo("Workflow ingest: trigger t-0@7 ran in 12 ms");
        assertThat(line.has("arguments")).isFalse();
        assertThat(line.get("level").asString()).isEqualTo("INFO");
        assertThat(line.get("loggerName").asString()).isEqualTo("ai.omninode.onex.host.T");
        assertThat(line.at("/mdc/correlation_id").asString()).isEqualTo("7a1c0b7e-5d1e-4c5a-9b0f-3f1f3e2a9d11");
    }
}
