package ai.omninode.onex.runtime.testnodes.nocontract;

import ai.omninode.onex.runtime.testnodes.echo.EchoNode;

/** Registered, but there is no effect_contract.yaml in its package. */
public class NoContractNode extends EchoNode {
}
