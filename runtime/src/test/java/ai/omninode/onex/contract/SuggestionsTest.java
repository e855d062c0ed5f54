package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> NAMES = List.of("kafka_event_effect", "vectorization_compute", "tags");

    @Test
    void suggestsTheClosestNameForATypoIncludingSwappedLetters() {
        assertThat(Suggestions.didYouMean("vectorisation_compute", NAMES)).isEqualTo(" (did you mean 'vectorization_compute'?)");
        assertThat(Suggestions.didYouMean("tgas", NAMES)).isEqualTo(" (did you mean 'tags'?)");
        assertThat(Suggestions.closest("Kafka_Event_Effect", NAMES)).contains("kafka_event_effect");
    }

    @Test
    void suggestsNothingForAFarAwayNameOrTheNameItself() {
        assertThat(Suggestions.didYouMean("qdrant", NAMES)).isEmpty();
        assertThat(Suggestions.closest("tags", NAMES)).isEmpty();
        assertThat(Suggestions.closest(null, NAMES)).isEmpty();
    }

    @Test
    void countsASwapOfNeighboursAsOneEdit() {
        assertThat(Suggestions.distance("tgas", "tags")).isEqualTo(1);
        assertThat(Suggestions.distance("abc", "abc")).isZero();
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
    }

    @Test
    void aBoundOnEditsLeavesOutNamesThatDifferByDesignWhereAThirdOfTheLengthWouldNot() {
        List<String> topics = List.of("orders.updated.v1", "orders.requested.v1");
        assertThat(Suggestions.closest("orders.created.v1", topics)).contains("orders.updated.v1");
        assertThat(Suggestions.closest("orders.created.v1", topics, 2)).isEmpty();
        assertThat(Suggestions.closest("orders.requsted.v1", topics, 2)).contains("orders.requested.v1");
    }
}
