package ai.omninode.onex.contract;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Numbers as the validator (networknt) can compare them. */
final class HugeNumbers {
    private HugeNumbers() {
    }

    /**
     * {@code instance}, with each floating-point number beyond the range of a long as the integer it is (a double that
     * large has no fraction). The validator compares a value of an integer-typed field with an integral minimum or
     * maximum through {@code asLong()}, which Jackson 3 refuses for such a number: {@code 1e19} failed the whole
     * validation with an exception instead of breaking the bound.
     */
    static JsonNode asIntegers(JsonNode instance) {
        if (!hasHugeFloat(instance)) {
            return instance;
        }
        JsonNode copy = instance.deepCopy();
        if (isHugeFloat(copy)) {
            return bigInteger(copy);
        }
        List<JsonNode> containers = new ArrayList<>(List.of(copy));
        while (!containers.isEmpty()) {
            JsonNode c = containers.remove(containers.size() - 1);
            if (c instanceof ObjectNode o) {
                for (String name : List.copyOf(o.propertyNames())) {
                    JsonNode v = o.get(name);
                    if (isHugeFloat(v)) {
                        o.set(name, bigInteger(v));
                    } else if (v.isContainer()) {
                        containers.add(v);
                    }
                }
            } else if (c instanceof ArrayNode a) {
                for (int i = 0; i < a.size(); i++) {
                    JsonNode v = a.get(i);
                    if (isHugeFloat(v)) {
                        a.set(i, bigInteger(v));
                    } else if (v.isContainer()) {
                        containers.add(v);
                    }
                }
            }
        }
        return copy;
    }

    private static boolean hasHugeFloat(JsonNode instance) {
        List<JsonNode> todo = new ArrayList<>(List.of(instance));
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (isHugeFloat(n)) {
                return true;
            }
            if (n.isContainer()) {
                n.forEach(todo::add);
            }
        }
        return false;
    }

    private static boolean isHugeFloat(JsonNode n) {
        if (!n.isFloatingPointNumber() || n.canConvertToLong() || !Double.isFinite(n.asDouble())) {
            return false;
        }
        return n.decimalValue().stripTrailingZeros().scale() <= 0;
    }

    private static JsonNode bigInteger(JsonNode n) {
        return JsonNodeFactory.instance.numberNode(n.decimalValue().toBigIntegerExact());
    }
}
