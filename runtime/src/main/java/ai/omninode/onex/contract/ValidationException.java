package ai.omninode.onex.contract;

import ai.omninode.onex.node.OnexException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A document (contract, workflow, input) was rejected. It carries every {@link Problem} found, not just the
 * first, so one run of {@code onex validate} shows all of them; the message is one problem per line.
 */
public class ValidationException extends OnexException {
    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public ValidationException(List<Problem> problems) {
        super(format(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ValidationException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public ValidationException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String format(List<Problem> problems) {
        return problems.stream().map(Problem::toString).collect(Collectors.joining(System.lineSeparator()));
    }
}
