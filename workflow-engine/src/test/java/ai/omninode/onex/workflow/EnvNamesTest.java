package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Workflow#envNames()}: the settings a workflow reads itself, which a host then knows as settings. */
class EnvNamesTest {
    @Test
    void everyEnvNameOfMainAndFailureStepsInOrderOfFirstUse() {
        Workflow w = new WorkflowLoader().load("env.yaml", """
                name: env
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: first
                    type: compute
                    compute_node: test_echo
                    input:
                      who: ${env.INGESTED_BY:unknown}
                      where: "${env.REGION}-${env.ZONE}"
                      nested: {again: "${env.INGESTED_BY}", not_env: "${input.x}"}
                  - name: group
                    type: parallel
                    steps:
                      - name: inner
                        type: compute
                        compute_node: test_echo
                        input: {deep: "${env.IN_GROUP}"}
                error_handling:
                  on_step_failure:
                    - name: report
                      type: compute
                      compute_node: test_echo
                      input: {why: "${env.ON_FAILURE}"}
                """);

        assertThat(w.envNames()).containsExactly("INGESTED_BY", "REGION", "ZONE", "IN_GROUP", "ON_FAILURE");
    }
}
