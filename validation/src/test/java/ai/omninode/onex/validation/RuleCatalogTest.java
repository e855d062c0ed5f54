package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.Rule;
import ai.omninode.onex.contract.Rules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The rule table users read (docs/validation-rules.md) lists exactly the rules of the catalog, with their severities. */
class RuleCatalogTest {
    private static final Path DOC = Path.of(System.getProperty("onex.test.repo", "..")).resolve("docs/validation-rules.md");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9.-]+)` \\| (error|warning|note) \\| (.+) \\|$");

    @Test
    void theDocumentedTableListsEveryRuleOnceWithItsSeverity() throws IOException {
        List<String> documented = new ArrayList<>();
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                documented.add(m.group(1) + " " + m.group(2));
            }
        }

        assertThat(documented).containsExactlyElementsOf(
                Rules.all().stream().map(r -> r.id() + " " + r.severity().label()).toList());
    }

    @Test
    void ruleIdsAreGroupedByAreaAndUnique() {
        assertThat(Rules.all()).extracting(Rule::id).doesNotHaveDuplicates()
                .allMatch(id -> id.matches("^(file|yaml|workflow|expression|node|contract|schema|plugin|input)\\.[a-z0-9-]+$"));
    }
}
