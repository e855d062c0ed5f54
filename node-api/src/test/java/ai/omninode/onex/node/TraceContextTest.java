package ai.omninode.onex.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void parsesTheSpecificationsExampleAndWritesItBackUnchanged() {
        TraceContext t = TraceContext.parse(VALID, "rojo=00f067aa0ba902b7").orElseThrow();
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(t.sampled()).isTrue();
        assertThat(t.traceState()).contains("rojo=00f067aa0ba902b7");
        assertThat(t.traceparent()).isEqualTo(VALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",             // no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",          // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",          // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",          // all-zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",          // forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",    // version 00 is exactly 55 chars
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",          // wrong separator
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",          // not hex
        "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",          // version not hex
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",         // a later version needs a '-' after 55
    })
    void refusesWhatTheSpecificationSaysToIgnore(String header) {
        assertThat(TraceContext.parse(header)).isEmpty();
    }

    @Test
    void readsALaterVersionByItsFirstFiftyFiveCharacters() {
        TraceContext t = TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-whatever")
                .orElseThrow();
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.sampled()).isFalse();
        assertThat(t.traceparent()).startsWith("00-"); // we write the version we know
    }

    @Test
    void aChildKeepsTheTraceFlagsAndStateWithANewSpan() {
        TraceContext parent = TraceContext.parse(VALID, "a=b").orElseThrow();
        TraceContext child = parent.newChild();
        assertThat(child.traceId()).isEqualTo(parent.traceId());
        assertThat(child.spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
        assertThat(child.flags()).isEqualTo(parent.flags());
        assertThat(child.traceState()).isEqualTo(parent.traceState());
    }

    @ParameterizedTest
    @ValueSource(strings = {"03", "09", "ff"})
    void aChildKeepsOnlyTheSampledFlagAsLevelOneSaysOtherFlagsAreSetToZero(String flags) {
        TraceContext parent = TraceContext.parse(VALID.substring(0, 53) + flags).orElseThrow();
        assertThat(parent.newChild().traceparent()).endsWith("-01");
        assertThat(TraceContext.parse(VALID.substring(0, 53) + "fe").orElseThrow().newChild().traceparent())
                .as("not sampled, other bits set").endsWith("-00");
    }

    @Test
    void aNewRootIsWellFormedSampledAndDifferentEachTime() {
        TraceContext a = TraceContext.newRoot();
        TraceContext b = TraceContext.newRoot();
        assertThat(a.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(TraceContext.parse(a.traceparent())).contains(a);
        assertThat(a.traceId()).isNotEqualTo(b.traceId());
    }

    @Test
    void ofRefusesMalformedPartsNamingThem() {
        assertThatThrownBy(() -> TraceContext.of("abc", "00f067aa0ba902b7", 1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trace id 'abc'");
        assertThat(TraceContext.of("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0, " ").traceState()).isEmpty();
    }
}
