package ai.omninode.onex.node.testnodes.nocontract;

import ai.omninode.onex.node.testnodes.echo.EchoNode;

/** Registered, but there is no effect_contract.yaml in its package. */
public class NoContractNode extends EchoNode {
}
