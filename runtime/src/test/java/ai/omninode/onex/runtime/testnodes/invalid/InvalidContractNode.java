package ai.omninode.onex.runtime.testnodes.invalid;

import ai.omninode.onex.runtime.testnodes.echo.EchoNode;

/** Registered, with a contract that misspells a field. */
public class InvalidContractNode extends EchoNode {
}
