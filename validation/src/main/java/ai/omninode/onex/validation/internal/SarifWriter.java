package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rule;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * SARIF 2.1.0: one run whose driver lists every rule of the catalog (so {@code ruleIndex} is stable), and a result per
 * error or warning with its level and place; notes (skipped files) are the invocation's tool execution notifications,
 * not results, so that code scanning raises no alert for them. Relative paths stay relative (code-scanning tools resolve them against the
 * checkout); columns count Unicode code points, as the YAML parser's do.
 */
public final class SarifWriter {
    public static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private SarifWriter() {
    }

    public static String write(ValidationReport report, Tool tool) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode log = f.objectNode();
        log.put("$schema", SCHEMA);
        log.put("version", "2.1.0");
        ObjectNode run = log.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", tool.name());
        driver.put("version", tool.version());
        ArrayNode rules = driver.putArray("rules");
        // input.* and node.init name problems of onex run (its inputs, the nodes it starts), which validate never reports
        List<Rule> all = Rules.all().stream()
                .filter(r -> !r.id().startsWith("input.") && !r.equals(Rules.NODE_INIT)).toList();
        Map<String, Integer> index = new HashMap<>();
        for (Rule r : all) {
            index.put(r.id(), index.size());
            ObjectNode o = rules.addObject();
            o.put("id", r.id());
            o.putObject("shortDescription").put("text", r.summary());
            o.putObject("defaultConfiguration").put("level", level(r.severity()));
        }
        ArrayNode invocations = run.putArray("invocations");
        ObjectNode invocation = invocations.addObject();
        invocation.put("executionSuccessful", true);
        // notes (a file skipped because it is not an ONEX file) are about the run, not the code: as results, code
        // scanning showed a Note alert per docker-compose.yml
        List<Problem> notes = report.all().stream().filter(p -> p.severity() == Severity.NOTE).toList();
        if (!notes.isEmpty()) {
            ArrayNode notifications = invocation.putArray("toolExecutionNotifications");
            for (Problem p : notes) {
                ObjectNode n = notifications.addObject();
                n.put("level", level(p.severity()));
                n.putObject("message").put("text", p.message());
                n.putArray("locations").addObject().putObject("physicalLocation").putObject("artifactLocation")
                        .put("uri", uri(p.source()));
                Integer i = index.get(p.rule());
                if (i != null) {
                    n.putObject("associatedRule").put("id", p.rule()).put("index", i);
                }
            }
        }
        run.put("columnKind", "unicodeCodePoints");
        ArrayNode results = run.putArray("results");
        for (Problem p : report.all()) {
            if (p.severity() == Severity.NOTE) {
                continue;
            }
            ObjectNode r = results.addObject();
            if (!p.rule().isEmpty()) {
                r.put("ruleId", p.rule());
                Integer i = index.get(p.rule());
                if (i != null) {
                    r.put("ruleIndex", i);
                }
            }
            r.put("level", level(p.severity()));
            r.putObject("message").put("text", p.message());
            ObjectNode physical = r.putArray("locations").addObject().putObject("physicalLocation");
            physical.putObject("artifactLocation").put("uri", uri(p.source()));
            if (p.hasPosition()) {
                ObjectNode region = physical.putObject("region");
                region.put("startLine", p.line());
                region.put("startColumn", Math.max(1, p.column()));
            }
        }
        return JsonWriter.MAPPER.writeValueAsString(log);
    }

    static String level(Severity s) {
        return switch (s) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case NOTE -> "note";
        };
    }

    /**
     * A URI reference (RFC 3986) for a problem's source: a relative path as a relative reference, each segment
     * percent-encoded as UTF-8 ({@code a b%.yaml} is {@code a%20b%25.yaml}, so a reader decodes it back to the name), with
     * '/' between segments, and a ':' always encoded so that no first segment reads as a scheme; an absolute path as a
     * {@code file:} URI. A source that is a URI already ({@code jar:file:...}) stays as it is.
     */
    static String uri(String source) {
        if (isUri(source)) {
            return source;
        }
        // '\\' separates names on Windows only: on Linux it is a character a file name may hold (encoded below)
        String slashed = java.io.File.separatorChar == '\\' ? source.replace('\\', '/') : source;
        Path p;
        try {
            p = Path.of(source);
        } catch (InvalidPathException e) {
            p = null;
        }
        if (p != null && p.isAbsolute()) {
            return p.toUri().toString();
        }
        StringBuilder out = new StringBuilder(slashed.length() + 16);
        for (byte b : slashed.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '/' || unreservedOrSubDelim(c) || c == '@') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean unreservedOrSubDelim(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=".indexOf(c) >= 0;
    }

    /**
     * A URI the tool made ({@code file:/...}, {@code jar:file:/...!/...}, {@code https://...}); "C:" is a Windows drive,
     * and a relative file named {@code file:x.yaml} is a file (a URI it would make has a '/' after the scheme).
     */
    private static boolean isUri(String source) {
        int colon = source.indexOf(':');
        if (colon < 2 || !(source.startsWith("file:/") || source.startsWith("jar:file:/") || source.contains("://"))) {
            return false;
        }
        try {
            return new URI(source).isAbsolute();
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
