package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A workflow's {@code version}: the ONEX mapping, or the text {@code 1.2.3} that many ONEX files write. */
class WorkflowVersionTest {
    private static Workflow load(String version) {
        return new WorkflowLoader().load("v.yaml", """
                name: versioned
                version: %s
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {x: 1}}
                """.formatted(version));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{major: 2, minor: 10, patch: 3}", "2.10.3", "\"2.10.3\"", "v2.10.3", "' 2.10.3 '"})
    void theMappingAndTheTextOfAVersionReadAlike(String version) {
        assertThat(load(version).version()).hasToString("2.10.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "\"1.0\"", "01.0.0", "1.0.0-beta", "9999999999.0.0", "\"1.2.3.4\""})
    void textThatIsNotAVersionIsRefusedAtItsLine(String version) {
        assertThatThrownBy(() -> load(version)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("v.yaml:2:").hasMessageContaining("'/version' must be an object");
    }
}
