package ai.omninode.onex.workflow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class PlainDataTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    @Test
    void aTreeBecomesTheSameMapAsJacksonsConversionWithTheSameTypes() {
        ObjectNode tree = (ObjectNode) MAPPER.readTree("""
                {"s": "text", "i": 7, "big": 3000000000, "d": 0.25, "whole": 2.0, "t": true, "n": null,
                 "list": [1, "two", [3.5], {"x": null}], "map": {"nested": {"deep": [false]}}, "empty": {}, "none": []}
                """);
        tree.put("small_long", 5L);
        tree.set("unicode", JsonNodeFactory.instance.stringNode("\uD83D\uDE00 é"));

        Map<String, Object> fast = PlainData.toMap(tree);
        Map<String, Object> jackson = MAPPER.convertValue(tree, MAP);

        assertThat(fast).isEqualTo(jackson);
        assertSameTypes(fast, jackson);
        assertThat(fast).isInstanceOf(LinkedHashMap.class);
        assertThat(new ArrayList<>(fast.keySet())).isEqualTo(new ArrayList<>(jackson.keySet()));
    }

    @Test
    void aTreeWithOtherNumbersIsConvertedByJacksonWhole() {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        tree.put("f", 1.5f);
        tree.put("bd", new BigDecimal("1.10"));
        tree.put("bi", new BigInteger("123456789012345678901234567890"));
        tree.put("sh", (short) 3);

        Map<String, Object> fast = PlainData.toMap(tree);
        Map<String, Object> jackson = MAPPER.convertValue(tree, MAP);

        assertThat(fast).isEqualTo(jackson);
        assertSameTypes(fast, jackson);
    }

    @Test
    void plainValuesBecomeTheSameTreeAsJacksonsWithTheSameNodeTypes() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "text");
        value.put("i", 7);
        value.put("l", 5L);
        value.put("d", 1.0);
        value.put("b", false);
        value.put("n", null);
        value.put("list", Arrays.asList(1, null, List.of("x"), Map.of("k", 2.5)));
        value.put("map", Map.of("nested", new HashMap<>(Map.of("deep", List.of(true)))));

        JsonNode fast = PlainData.toTree(value);
        JsonNode jackson = MAPPER.valueToTree(value);

        assertThat(fast).isEqualTo(jackson);
        assertSameNodeTypes(fast, jackson);
    }

    @Test
    void valuesThatAreNotPlainGoToJacksonWhole() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("uuid", UUID.fromString("6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13"));
        value.put("set", Set.of("a"));
        value.put("array", new int[] {1, 2});
        value.put("float", 1.5f);
        value.put("decimal", new BigDecimal("2.50"));
        value.put("keys", Map.of(1, "one"));

        JsonNode fast = PlainData.toTree(value);
        JsonNode jackson = MAPPER.valueToTree(value);

        assertThat(fast).isEqualTo(jackson);
        assertSameNodeTypes(fast, jackson);
    }

    @Test
    void dataJacksonCannotWriteFailsWithJacksonsError() {
        Map<String, Object> value = Map.of("thing", new Boom());

        assertThatThrownBy(() -> PlainData.toTree(value)).isInstanceOf(RuntimeException.class)
                .hasMessage(messageOf(() -> MAPPER.valueToTree(value)));
    }

    /** A bean whose property cannot be read. */
    public static final class Boom {
        public String getX() {
            throw new IllegalStateException("no x");
        }
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static void assertSameTypes(Object fast, Object jackson) {
        if (fast == null || jackson == null) {
            assertThat(fast).isEqualTo(jackson);
            return;
        }
        assertThat(fast.getClass()).isEqualTo(jackson.getClass());
        if (fast instanceof Map<?, ?> f) {
            f.forEach((k, v) -> assertSameTypes(v, ((Map<?, ?>) jackson).get(k)));
        } else if (fast instanceof List<?> f) {
            for (int i = 0; i < f.size(); i++) {
                assertSameTypes(f.get(i), ((List<?>) jackson).get(i));
            }
        }
    }

    private static void assertSameNodeTypes(JsonNode fast, JsonNode jackson) {
        assertThat(fast.getClass()).isEqualTo(jackson.getClass());
        if (fast.isObject()) {
            for (String name : fast.propertyNames()) {
                assertSameNodeTypes(fast.get(name), jackson.get(name));
            }
        } else if (fast.isArray()) {
            for (int i = 0; i < fast.size(); i++) {
                assertSameNodeTypes(fast.get(i), jackson.get(i));
            }
        }
    }

    @Test
    void aMapOrListThatContainsItselfIsRefusedWithWhereNotAStackOverflow() {
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("ok", 1);
        self.put("self", self);
        List<Object> list = new ArrayList<>();
        Map<String, Object> holder = new LinkedHashMap<>(Map.of("a/b", list));
        list.add("x");
        list.add(holder);
        Map<String, Object> shared = new LinkedHashMap<>(Map.of("v", 1));
        Map<String, Object> twice = new LinkedHashMap<>();
        twice.put("first", shared);
        twice.put("second", shared); // the same map twice, not inside itself: no loop
        Map<String, Object> deep = nested(250);

        assertThatThrownBy(() -> PlainData.toTree(self)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a map or list contains itself, at /self");
        assertThatThrownBy(() -> PlainData.toTree(Map.of("outer", holder)))
                .hasMessage("a map or list contains itself, at /outer/a~1b/1");
        assertThat(PlainData.toTree(twice).toString()).isEqualTo("{\"first\":{\"v\":1},\"second\":{\"v\":1}}");
        assertThat(PlainData.loop(deep)).isNull();
    }

    @Test
    void dataDeeperThanAnyInputMayBeIsRefusedAndDataAsDeepAsThatIsNot() {
        Map<String, Object> limit = nested(200);
        Map<String, Object> deeper = nested(201);
        List<Object> wide = new ArrayList<>(); // Jackson converts it (a Set), then the depth is checked
        wide.add(java.util.Set.of(nested(198))); // its innermost map 200 levels down

        assertThat(PlainData.toTree(limit)).isEqualTo(MAPPER.valueToTree(limit));
        assertThatThrownBy(() -> PlainData.toTree(deeper)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("it is nested deeper than 200 levels");
        assertThat(PlainData.toTree(wide)).isEqualTo(MAPPER.valueToTree(wide));
        wide.add(java.util.Set.of(nested(199)));
        assertThatThrownBy(() -> PlainData.toTree(wide)).hasMessage("it is nested deeper than 200 levels");
    }

    /** Maps {@code depth} levels deep: {@code {"d": {"d": ... {}}}}. */
    private static Map<String, Object> nested(int depth) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> at = root;
        for (int i = 0; i < depth; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            at.put("d", next);
            at = next;
        }
        return root;
    }

    /** Values with no JSON form fail, where Jackson 3 wrote {} for an object without properties and kept NaN. */
    @Test
    void anObjectWithoutPropertiesOrANumberWithoutAJsonFormIsNotPlainData() {
        assertThatThrownBy(() -> PlainData.toTree(Map.of("success", true, "o", new Object())))
                .isInstanceOf(RuntimeException.class).hasMessageContaining("No serializer found for class java.lang.Object");
        assertThatThrownBy(() -> PlainData.toTree(Map.of("success", true, "x", Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the number NaN has no JSON form (NaN and infinities are not JSON numbers)");
        assertThatThrownBy(() -> PlainData.toTree(Map.of("x", Float.POSITIVE_INFINITY, "u", UUID.randomUUID())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Infinity has no JSON form");
        assertThat(PlainData.toTree(Map.of("big", new BigDecimal("1e400"))).get("big").decimalValue())
                .as("a BigDecimal beyond double's range is a JSON number all the same").isEqualTo(new BigDecimal("1e400"));
        assertThat(PlainData.toTree(Map.of("u", new UUID(0, 1))).get("u").asString())
                .as("a value Jackson writes as text is still taken").isEqualTo("00000000-0000-0000-0000-000000000001");
    }
}
