package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.runtime.Causes;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of one runner: each initialized once with the runner's settings and shared by every run (concurrent runs
 * too); a node that could not be initialized is remembered with why, for the steps that use it and for
 * {@code WorkflowRunner.prepare} (a node that refused its settings); all closed, in reverse order, with the runner.
 */
public final class NodeLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowRunner.class);

    private final NodeRegistry registry;
    private final Map<String, String> settings;
    /** Where each setting came from ("the environment", "--set"), for messages about settings a node refused. */
    private final Map<String, String> settingOrigins;
    private final MeterRegistry meterRegistry;
    /** Guards the three maps below: concurrent runs initialize a node once and share it. */
    private final Object nodesLock = new Object();
    /**
     * Read without the lock (a run looking up its nodes never waits for another run initializing a slow one);
     * written under it, once per node.
     */
    private final Map<String, EffectNode> initialized = new ConcurrentHashMap<>();
    private final Map<String, String> initFailures = new ConcurrentHashMap<>();
    private final Map<String, Throwable> initErrors = new ConcurrentHashMap<>();
    /** The order nodes were initialized in, to close them in reverse. Guarded by the lock. */
    private final List<String> initOrder = new ArrayList<>();

    /** {@code settings} must be immutable already; {@code meterRegistry} may be null. */
    public NodeLifecycle(NodeRegistry registry, Map<String, String> settings, Map<String, String> settingOrigins,
            MeterRegistry meterRegistry) {
        this.registry = registry;
        this.settings = settings;
        this.settingOrigins = settingOrigins;
        this.meterRegistry = meterRegistry;
    }

    /** The node {@code name}, initialized; null if it is not (yet, or could not be). */
    public EffectNode initialized(String name) {
        return initialized.get(name);
    }

    /** Why the node {@code name} could not be initialized, or null. */
    String initFailure(String name) {
        return initFailures.get(name);
    }

    /** The plugin (jar or folder) the node {@code name} came from; empty for a node on the class path. */
    Optional<String> pluginOf(String name) {
        return registry.find(name).filter(DiscoveredNode::plugin).map(DiscoveredNode::origin);
    }

    /** Initializes the nodes of a workflow ({@code nodeNames}) that are not yet; a failure is kept, not thrown. */
    public void initialize(Set<String> nodeNames) {
        boolean allTried = true;
        for (String name : nodeNames) {
            allTried &= initialized.containsKey(name) || initFailures.containsKey(name);
        }
        if (!allTried) {
            synchronized (nodesLock) {
                initializeNodesLocked(nodeNames);
            }
        }
    }

    /**
     * What a run of {@code workflow} fails with when one of its nodes could not be initialized: the first main step
     * ({@code allSteps}, depth first) that needs such a node; null when there is none.
     */
    public WorkflowResult.Failure firstInitFailure(Workflow workflow, List<Step> allSteps) {
        if (initFailures.isEmpty()) {
            return null;
        }
        for (Step s : allSteps) {
            String message = s.isParallel() ? null : initFailure(s.node());
            if (message != null) {
                return new WorkflowResult.Failure(s.name(), message,
                        workflow.document().problemAt(s.pointer() + "/" + s.nodeField(), message).as(Rules.NODE_INIT));
            }
        }
        return null;
    }

    private void initializeNodesLocked(Set<String> nodeNames) {
        for (String name : nodeNames) {
            if (initialized.containsKey(name) || initFailures.containsKey(name)) {
                continue;
            }
            DiscoveredNode node = registry.require(name);
            long t0 = System.nanoTime();
            try {
                node.node().initialize(settings);
                initialized.put(name, node.node());
                initOrder.add(name);
                if (meterRegistry != null) {
                    node.bindMeters(meterRegistry);
                }
                LOG.debug("Initialized node {} in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException | Error e) { // a node's Error (a StackOverflowError, say) is its failure, too
                String message = "node '" + name + "' could not be initialized: " + Failures.message(e) + origins(e);
                // reported with the run's result (or by prepare), where it names the step: not logged twice
                LOG.debug("{}", message, e);
                initFailures.put(name, message);
                initErrors.put(name, e);
                try {
                    node.node().close();
                } catch (RuntimeException | Error closing) {
                    LOG.debug("closing node {} after a failed initialize", name, closing);
                }
            }
        }
    }

    /**
     * Why the node {@code name} could not be initialized, when it refused its settings: it says so
     * ({@link NodeSettingsException}), or a bad value ({@link IllegalArgumentException}) was the cause; else null.
     */
    String refusal(String name) {
        Throwable refused;
        String message;
        synchronized (nodesLock) {
            refused = initErrors.get(name);
            message = initFailures.get(name);
        }
        return refused == null || !refusedSettings(refused) ? null : message;
    }

    /**
     * Where the settings a node refused came from, when it names them ({@link NodeSettingsException}) and the host
     * said ({@link WorkflowRunner.Builder#settingsFrom}): {@code " [KAFKA_BOOTSTRAP_SERVERS is set by --set]"}; else
     * {@code ""}. The node knows the names (and that a setting is missing), the host where each value came from.
     */
    private String origins(Throwable e) {
        NodeSettingsException refused = settingsRefusal(e);
        if (refused == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String name : refused.settings()) {
            String origin = settingOrigins.get(name);
            if (origin != null && settings.containsKey(name)) {
                parts.add(name + " is set by " + origin);
            }
        }
        return parts.isEmpty() ? "" : " [" + String.join("; ", parts) + "]";
    }

    private static NodeSettingsException settingsRefusal(Throwable e) {
        for (Throwable t : Causes.of(e)) {
            if (t instanceof NodeSettingsException n) {
                return n;
            }
        }
        return null;
    }

    /** A node refused its settings: it says so ({@link NodeSettingsException}), or a bad value was the cause. */
    private static boolean refusedSettings(Throwable e) {
        for (Throwable t : Causes.of(e)) {
            if (t instanceof IllegalArgumentException || t instanceof NodeSettingsException) {
                return true;
            }
        }
        return false;
    }

    /** Closes every node initialized, each once and in reverse order; never throws. */
    public void close() {
        Map<String, EffectNode> nodes = new LinkedHashMap<>();
        synchronized (nodesLock) {
            for (String name : initOrder) {
                nodes.put(name, initialized.get(name));
            }
            initOrder.clear();
            initialized.clear();
        }
        List<String> names = new ArrayList<>(nodes.keySet());
        Collections.reverse(names);
        for (String name : names) {
            try {
                nodes.get(name).close();
            } catch (RuntimeException | Error e) { // never throws: an Error here would end a run that succeeded
                LOG.warn("Closing node {} failed: {}", name, e.toString());
            }
        }
    }
}
