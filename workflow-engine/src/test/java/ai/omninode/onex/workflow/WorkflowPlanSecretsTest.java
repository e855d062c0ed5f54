package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowPlanSecretsTest {
    private static final Map<String, String> SETTINGS = Map.of(
            "DB_PASSWORD", "S3cr3t-Pa55-XYZZY",
            "ONEX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"alice\" password=\"Zq9-very-secret\";",
            "STRIPE_API_KEY", "sk_live_abcdef",
            "KAFKA_TOPIC_PREFIX", "dev.archon-intelligence");

    @Test
    void aSecretSettingsValueIsHiddenWholeAsJsonAndCutShort() {
        assertThat(WorkflowPlan.hideSecretSettings("'/correlation_id' does not match the pattern, found"
                + " \"S3cr3t-Pa55-XYZZY\"", SETTINGS)).isEqualTo("'/correlation_id' does not match the pattern, found"
                        + " \"[hidden]\"");
        assertThat(WorkflowPlan.hideSecretSettings("found \"org.apache.kafka.common.security.plain.PlainLoginModule"
                + " required username=\\\"alice\\\" password=\\\"Zq9-very-secret\\\";\"", SETTINGS))
                .isEqualTo("found \"[hidden]\"");
        assertThat(WorkflowPlan.hideSecretSettings("found \"S3cr3t-Pa...\" and \"sk_live_a...\"", SETTINGS))
                .isEqualTo("found \"[hidden]...\" and \"[hidden]...\"");
    }

    @Test
    void otherSettingsAndShortCommonBeginningsAreLeftAlone() {
        String message = "topic must match ^[a-z.]+$, found \"dev.archon-intelligence.x\"; and S3cr3... there";
        assertThat(WorkflowPlan.hideSecretSettings(message, SETTINGS)).isEqualTo(message);
    }
}
