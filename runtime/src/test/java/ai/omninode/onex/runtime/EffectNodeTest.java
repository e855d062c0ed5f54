package ai.omninode.onex.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.runtime.testnodes.echo.EchoNode;
import ai.omninode.onex.runtime.testnodes.nocontract.NoContractNode;
import org.junit.jupiter.api.Test;

class EffectNodeTest {

    @Test
    void contractIsLookedUpNextToTheNodeClassByDefault() {
        assertThat(new EchoNode().contractLocation().toString())
                .endsWith("/ai/omninode/onex/runtime/testnodes/echo/effect_contract.yaml");
    }

    @Test
    void nodeWithoutAContractFileNextToItHasNoContractLocation() {
        assertThat(new NoContractNode().contractLocation()).isNull();
    }

    @Test
    void metricsAreEmptyUnlessTheNodeKeepsAny() {
        assertThat(new EchoNode().metrics()).isEmpty();
    }
}
