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
        assertThat(deep).isEqualTo("objects and arrays nested deeper than 500 levels").doesNotContain("StreamReadConstraints", "`", "from");
        assertThat(JsonErrors.userMessage(null)).isEmpty();
    }

    @Test
    void aHexadecimalNumberIsSaidToBeNoJsonRatherThanWhichFeatureWouldAllowIt() {
        String hex = messageFor("{\"a\": 0x10}");

        assertThat(hex).contains("hexadecimal number literals are not JSON")
                .doesNotContain("enabling", "`", "JsonReadFeature", "ALLOW_");
    }

    @Test
    void contentAfterTheValueIsSaidInTheSendersWordsWithoutJacksonsTypesOrFeatures() {
        JsonMapper strict = JsonMapper.builder()
                .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
        JacksonException e = catchThrowableOfType(JacksonException.class, () -> strict.readTree("{\"a\": 1} 2"));

        assertThat(JsonErrors.userMessage(e.getOriginalMessage())).isEqualTo("not one JSON value: more content after"
                + " the value");
        for (String json : new String[] {"{\"a\": 1", "{\"a\" 1}", "{\"a\": tru}", "{\"a\": 1,}", "{a: 1}",
            "{\"a\": \"x}", "{\"a\": 1, \"a\": 2}", "\"text", "{\"a\": 01}"}) {
            JacksonException other = catchThrowableOfType(JacksonException.class, () -> JsonMapper.builder()
                    .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build().readTree(json));
            String message = JsonErrors.userMessage(other.getOriginalMessage());
            assertThat(message).as(json).doesNotContain("tools.jackson", "Feature", "JsonToken", "`", "[Source");
        }
    }
}
