package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.ValidationReport.FileResult;
import ai.omninode.onex.validation.ValidationReport.Kind;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code {files, valid, errors, warnings, problems: [{file, line, column, pointer, rule, severity, message}],
 * skipped: [file]}}. Keys are snake_case, like the workflow format.
 */
public final class JsonWriter {
    static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonWriter() {
    }

    public static String write(ValidationReport report) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("files", report.checked());
        out.put("valid", report.valid());
        out.put("errors", report.count(Severity.ERROR));
        out.put("warnings", report.count(Severity.WARNING));
        ArrayNode list = out.putArray("problems");
        for (Problem p : report.all()) {
            if (p.severity() != Severity.NOTE) {
                list.add(problem(p));
            }
        }
        ArrayNode skipped = out.putArray("skipped");
        for (FileResult f : report.files()) {
            if (f.kind() == Kind.SKIPPED) {
                ObjectNode s = skipped.addObject();
                s.put("file", f.file());
                s.put("reason", f.problems().isEmpty() ? "" : f.problems().get(0).message());
            }
        }
        return MAPPER.writeValueAsString(out);
    }

    public static ObjectNode problem(Problem p) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("file", p.source());
        o.put("line", p.line());
        o.put("column", p.column());
        o.put("pointer", p.pointer());
        o.put("rule", p.rule());
        o.put("severity", p.severity().label());
        o.put("message", p.message());
        return o;
    }
}
