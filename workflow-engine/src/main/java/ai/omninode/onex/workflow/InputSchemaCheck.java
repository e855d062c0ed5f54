package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.workflow.internal.SchemaPaths;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.WorkflowChecks;
import java.util.ArrayList;
import java.util.List;

/**
 * A static check, on its own: every {@code ${input...}} without a default reads a path the workflow's
 * {@code input_schema} can have. Where the schema is certain (a closed object without that member, a member that is
 * never a list), a path it cannot have is an error at the expression's file:line:col; where it leaves room (an open
 * object, {@code anyOf}), nothing is said. A workflow without {@code input_schema} has nothing to check.
 */
public final class InputSchemaCheck {
    private InputSchemaCheck() {
    }

    /** The problems of {@code workflow}, in document order; empty without an {@code input_schema}. */
    public static List<Problem> check(Workflow workflow) {
        List<Problem> problems = new ArrayList<>();
        if (workflow.inputSchema() == null) {
            return problems;
        }
        SourceText text = new SourceText(workflow.document(), workflow.text());
        List<Step> steps = new ArrayList<>(workflow.allSteps());
        steps.addAll(workflow.onStepFailure());
        for (Step s : steps) {
            if (s.isParallel()) {
                continue;
            }
            WorkflowChecks.eachExpression(s, (pointer, e) -> {
                if (!Scope.INPUT.equals(e.root()) || e.hasDefault()) {
                    return;
                }
                String missing = SchemaPaths.missing(workflow.inputSchema().schemaNode(), e);
                if (missing != null) {
                    problems.add(text.at(pointer, e.text(), "step '" + s.name() + "': missing path in " + e.text()
                            + ": " + missing + " (the workflow's input_schema)").as(Rules.EXPRESSION_INPUT_PATH));
                }
            });
        }
        return WorkflowLoader.sorted(problems);
    }
}
