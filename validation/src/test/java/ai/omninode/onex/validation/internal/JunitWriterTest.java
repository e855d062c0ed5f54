package ai.omninode.onex.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.Validator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The JUnit XML stays well-formed XML 1.0 whatever a workflow quotes. */
class JunitWriterTest {
    @Test
    void noncharactersAndLoneSurrogatesAreWrittenEscaped(@TempDir Path dir) throws Exception {
        // YAML double-quoted escapes: a lone high surrogate, U+FFFE and U+FFFF, as keys the workflow format does not have
        Path flow = Files.writeString(dir.resolve("surrogate.yaml"), """
                name: base
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: pub
                    type: compute
                    compute_node: x
                "k\\uD800": 1
                "\\uFFFE": 2
                "\\uFFFF\\uDC00": 3
                "pair \\U0001F600": 4
                """);
        ValidationReport report = Validator.builder().path(flow.toString()).discoverNodes(false).build().run();

        String xml = JunitWriter.write(report, new Tool("onex validate", "test"));

        Document doc = parse(xml);
        assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(1);
        assertThat(xml).contains("k\\uD800", "\\uFFFE", "\\uFFFF\\uDC00", "pair \uD83D\uDE00")
                .doesNotContain("\uFFFE", "\uFFFF").doesNotContainPattern("[\uD800-\uDBFF](?![\uDC00-\uDFFF])");
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
