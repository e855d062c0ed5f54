package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.node.OnexException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationExceptionTest {

    @Test
    void messageListsEveryProblemOnALineOfItsOwnInCompilerForm() {
        ValidationException e = new ValidationException(List.of(
                new Problem("a.yaml", 3, 7, "/name", "first"),
                Problem.of("b.jar", "second")));

        assertThat(e).isInstanceOf(OnexException.class);
        assertThat(e.getMessage().lines()).containsExactly("a.yaml:3:7: error: first", "b.jar: error: second");
        assertThat(e.problems()).hasSize(2);
    }

    /** The fuzzer's step name with U+202E printed reversed text in a problem, where \u001B was shown escaped. */
    @Test
    void controlAndBidirectionalCharactersArePrintedEscapedAndOtherTextAsItIs() {
        assertThat(Problem.printable("step '\u202Eabc\u202C' \u001B[2J \u2067x\u2069 \u200F")).isEqualTo(
                "step '\\u202Eabc\\u202C' \\u001B[2J \\u2067x\\u2069 \u200F");
        assertThat(Problem.printable("naïve שלום 日本 \uD83D\uDE00\tok")).isEqualTo("naïve שלום 日本 \uD83D\uDE00\tok");
    }

    @Test
    void aValidationExceptionNeedsAProblem() {
        assertThatThrownBy(() -> new ValidationException(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a ValidationException needs at least one problem");
    }

    @Test
    void problemsNeedASourceAndAMessageButNotAPointer() {
        assertThat(new Problem("a.yaml", 1, 1, null, "m").pointer()).isEmpty();
        assertThat(Problem.of("a.yaml", "m").hasPosition()).isFalse();
        assertThatThrownBy(() -> new Problem(null, 1, 1, "", "m")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Problem("a.yaml", 1, 1, "", null)).isInstanceOf(NullPointerException.class);
    }
}
