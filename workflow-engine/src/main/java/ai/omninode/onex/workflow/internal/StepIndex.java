package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.workflow.Step;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where each step stands in a workflow: main steps or {@code on_step_failure}, its position in the sequence
 * ({@code rank}: the index of its top-level step), and its parallel group. From that it answers which step results
 * are certain to exist when a step starts, which is what {@code ${...}} roots may name.
 *
 * <p>Main steps run in order; a parallel group's steps run concurrently, each after its {@code depends_on}
 * siblings. So step S may use the result of step D when D's top-level position is before S's, or when both are in
 * the same group and S depends on D (directly or through other siblings). {@code on_step_failure} steps may use any
 * main step (it may or may not have run: a default helps) and the handler steps before them.
 */
public final class StepIndex {

    /** Main steps, or the steps of {@code error_handling.on_step_failure}. */
    public enum Phase { MAIN, ON_FAILURE }

    /** One step's place. */
    public record Entry(Step step, Phase phase, int rank, Step group) {
        public boolean nested() {
            return group != null;
        }
    }

    private final Map<String, Entry> byName = new LinkedHashMap<>();
    private final Map<String, Entry> byOutput = new LinkedHashMap<>();

    public StepIndex(List<Step> steps, List<Step> onFailure) {
        for (int i = 0; i < steps.size(); i++) {
            add(steps.get(i), Phase.MAIN, i, null);
        }
        for (int i = 0; i < onFailure.size(); i++) {
            add(onFailure.get(i), Phase.ON_FAILURE, i, null);
        }
    }

    private void add(Step step, Phase phase, int rank, Step group) {
        Entry e = new Entry(step, phase, rank, group);
        byName.putIfAbsent(step.name(), e);
        if (step.output() != null) {
            byOutput.putIfAbsent(step.output(), e);
        }
        for (Step child : step.steps()) {
            add(child, phase, rank, step);
        }
    }

    public Entry entry(String name) {
        return byName.get(name);
    }

    /** The step a root names: by output name first, then by step name; null when none. */
    public Entry byRoot(String root) {
        Entry e = byOutput.get(root);
        return e != null ? e : byName.get(root);
    }

    public List<Entry> entries() {
        return new ArrayList<>(byName.values());
    }

    /** Siblings that {@code step} waits for, directly or through other siblings (same group only). */
    public Set<String> siblingDependencies(Step step) {
        Entry e = byName.get(step.name());
        Set<String> seen = new LinkedHashSet<>();
        if (e == null || e.group() == null) {
            return seen;
        }
        Set<String> siblings = new HashSet<>();
        e.group().steps().forEach(s -> siblings.add(s.name()));
        Deque<String> todo = new ArrayDeque<>(step.dependsOn());
        while (!todo.isEmpty()) {
            String d = todo.pop();
            if (siblings.contains(d) && seen.add(d)) {
                Entry de = byName.get(d);
                if (de != null) {
                    todo.addAll(de.step().dependsOn());
                }
            }
        }
        return seen;
    }

    /** Why {@code target}'s result is not certain to exist when {@code step} starts, or null when it is. */
    public String unavailableBecause(Step step, Entry target) {
        Entry self = byName.get(step.name());
        Step t = target.step();
        if (t.isParallel()) {
            List<String> names = new ArrayList<>();
            t.steps().forEach(s -> names.add(s.output() != null ? s.output() : s.name()));
            return "'" + t.name() + "' is a parallel group and has no result of its own; use one of its steps' results: "
                    + String.join(", ", names);
        }
        if (t.name().equals(step.name())) {
            return "'" + t.name() + "' is this step itself; its result does not exist yet";
        }
        if (self.phase() == Phase.ON_FAILURE) {
            if (target.phase() == Phase.MAIN) {
                return null;
            }
            return target.rank() < self.rank() ? null
                    : "'" + t.name() + "' runs after this step in on_step_failure";
        }
        if (target.phase() == Phase.ON_FAILURE) {
            return "'" + t.name() + "' runs only after a failure (error_handling.on_step_failure)";
        }
        if (target.rank() < self.rank()) {
            return null;
        }
        if (target.rank() > self.rank()) {
            return "'" + t.name() + "' runs after this step";
        }
        if (self.group() != null && target.group() == self.group()) {
            return siblingDependencies(step).contains(t.name()) ? null
                    : "'" + t.name() + "' runs in parallel with this step; add it to this step's depends_on";
        }
        return "'" + t.name() + "' does not run before this step";
    }

    /** The roots a step may use, for messages: input, env.NAME, (error,) then the results certain to exist. */
    public List<String> availableRoots(Step step) {
        Entry self = byName.get(step.name());
        List<String> roots = new ArrayList<>(List.of("input", "env.NAME"));
        if (self != null && self.phase() == Phase.ON_FAILURE) {
            roots.add("error");
        }
        for (Entry e : byName.values()) {
            if (e.step().isParallel() || unavailableBecause(step, e) != null) {
                continue;
            }
            if (e.step().output() != null) {
                roots.add(e.step().output());
            }
            roots.add(e.step().name());
        }
        return roots;
    }
}
