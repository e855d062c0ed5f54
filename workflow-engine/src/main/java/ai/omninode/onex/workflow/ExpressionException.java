package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.node.OnexException;

/**
 * A {@code ${...}} that could not be evaluated (a missing path without a default) or parsed. The {@link #problem()}
 * says where: the workflow file, line and column of the expression, and in its message the step, the expression
 * and the roots that exist there.
 */
public class ExpressionException extends OnexException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;
    private final String expression;

    public ExpressionException(Problem problem, String expression) {
        super(problem.toString());
        this.problem = problem;
        this.expression = expression;
    }

    public Problem problem() {
        return problem;
    }

    /** The expression as written, {@code ${...}} included. */
    public String expression() {
        return expression;
    }
}
