package ai.omninode.onex.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Parse errors as the sender of the JSON reads them: what is wrong, not which parser feature to enable. */
class JsonErrorsTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static String messageFor(String json) {
        JacksonException e = catchThrowableOfType(JacksonException.class, () -> JSON.readTree(json));
        assertThat(e).as(json).isNotNull();
        return JsonErrors.userMessage(e.getOriginalMessage());
    }

    @Test
    void theParsersAdviceToTheProgrammerIsLeftOut() {
        String nan = messageFor("{\"a\": NaN}");
        String deep = messageFor("[".repeat(5_000) + "]".repeat(5_000));

        assertThat(nan).contains("NaN").doesNotContain("enable", "`", "ALLOW_NON_NUMERIC");
        assertThat(deep).contains("nesting depth").doesNotContain("StreamReadConstraints", "`", "from");
        assertThat(JsonErrors.userMessage(null)).isEmpty();
    }
}
