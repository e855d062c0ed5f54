package ai.omninode.onex.node.testnodes.invalid;

import ai.omninode.onex.node.testnodes.echo.EchoNode;

/** Registered, with a contract that misspells a field. */
public class InvalidContractNode extends EchoNode {
}
