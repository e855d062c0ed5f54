package ai.omninode.onex.workflow.testnodes;

import ai.omninode.onex.node.NodeSettingsException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_settings}: refuses its settings, naming TEST_ENDPOINT, unless TEST_ENDPOINT is "up". */
public final class SettingsEffect extends TestNode {
    public SettingsEffect() {
        super("test_settings");
    }

    @Override
    public void initialize(Map<String, String> settings) {
        super.initialize(settings);
        if (!"up".equals(settings.get("TEST_ENDPOINT"))) {
            throw new NodeSettingsException("nothing answers at " + settings.getOrDefault("TEST_ENDPOINT", "the default"
                    + " endpoint") + "; set TEST_ENDPOINT", List.of("TEST_ENDPOINT"), null);
        }
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        return CompletableFuture.completedFuture(Map.of("success", true));
    }
}
