package ai.omninode.onex.runtime.testnodes.exploding;

import ai.omninode.onex.runtime.testnodes.echo.EchoNode;

/** Breaks the SPI's rule that constructors are cheap and never fail. */
public class ExplodingNode extends EchoNode {
    public ExplodingNode() {
        throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is not set");
    }
}
