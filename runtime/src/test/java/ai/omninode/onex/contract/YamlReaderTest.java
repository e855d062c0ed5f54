package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class YamlReaderTest {
    private final YamlReader reader = YamlReader.defaults();

    private YamlDocument read(String yaml) {
        return reader.readString("test.yaml", yaml);
    }

    private JsonNode valueOf(String scalar) {
        return read("v: " + scalar + "\n").root().get("v");
    }

    private static Consumer<ValidationException> onlyProblem(int line, int column, String message) {
        return e -> assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains(message);
            assertThat(p.line()).as("line of '%s'", p.message()).isEqualTo(line);
            assertThat(p.column()).as("column of '%s'", p.message()).isEqualTo(column);
        });
    }

    // --- positions

    private static final String POSITIONS = """
            name: demo
            list:
              - first
              - {key: value, n: 2}
            text: |
              line one
              line two
            quoted: "a
              b"
            after: 1
            """;

    @Test
    void valuesAndKeysOfBlockMappingsHaveTheirLineAndColumn() {
        YamlDocument doc = read(POSITIONS);

        assertThat(doc.positionOf("/name")).isEqualTo(new SourcePosition(1, 7));
        assertThat(doc.keyPositionOf("/name")).isEqualTo(new SourcePosition(1, 1));
        assertThat(doc.positionOf("/list")).isEqualTo(new SourcePosition(3, 3));
        assertThat(doc.keyPositionOf("/list")).isEqualTo(new SourcePosition(2, 1));
        assertThat(doc.positionOf("/list/0")).isEqualTo(new SourcePosition(3, 5));
        assertThat(doc.positionOf("/after")).isEqualTo(new SourcePosition(10, 8));
        assertThat(doc.positionOf("")).isEqualTo(new SourcePosition(1, 1));
    }

    @Test
    void valuesAndKeysInsideFlowCollectionsHaveTheirLineAndColumn() {
        YamlDocument doc = read(POSITIONS);

        assertThat(doc.positionOf("/list/1")).isEqualTo(new SourcePosition(4, 5));
        assertThat(doc.keyPositionOf("/list/1/key")).isEqualTo(new SourcePosition(4, 6));
        assertThat(doc.positionOf("/list/1/key")).isEqualTo(new SourcePosition(4, 11));
        assertThat(doc.keyPositionOf("/list/1/n")).isEqualTo(new SourcePosition(4, 18));
        assertThat(doc.positionOf("/list/1/n")).isEqualTo(new SourcePosition(4, 21));
    }

    @Test
    void multiLineStringsStartWhereTheirIndicatorOrQuoteStandsAndDoNotShiftWhatFollows() {
        YamlDocument doc = read(POSITIONS);

        assertThat(doc.root().get("text").asString()).isEqualTo("line one\nline two\n");
        assertThat(doc.positionOf("/text")).isEqualTo(new SourcePosition(5, 7));
        assertThat(doc.root().get("quoted").asString()).isEqualTo("a b");
        assertThat(doc.positionOf("/quoted")).isEqualTo(new SourcePosition(8, 9));
        assertThat(doc.keyPositionOf("/after")).isEqualTo(new SourcePosition(10, 1));
    }

    @Test
    void membersWithoutAPositionOfTheirOwnFallBackToTheirNearestAncestor() {
        YamlDocument doc = read(POSITIONS);

        assertThat(doc.positionOf("/list/1/missing")).isEqualTo(new SourcePosition(4, 5));
        assertThat(doc.keyPositionOf("/list/1/missing")).isEqualTo(new SourcePosition(4, 5));
        assertThat(doc.positionOf("/nothing/at/all")).isEqualTo(SourcePosition.START);
    }

    @Test
    void readingGoesOnAfterEveryValueWithNoJsonFormAndADuplicateKeyKeepingTheFirstValue() {
        String text = "a: .nan\nb: .inf\nc: !!binary aGk=\nd: {x: 1}\nd: {y: 2}\ne: ok\n";

        YamlReader.Partial partial = YamlReader.defaults().readKeepingGoing("t.yaml",
                text.getBytes(StandardCharsets.UTF_8));
        ValidationException refused = catchThrowableOfType(ValidationException.class,
                () -> YamlReader.defaults().readString("t.yaml", text));

        assertThat(partial.problems()).extracting(p -> p.line() + ":" + p.column() + " " + p.rule()).containsExactly(
                "1:4 yaml.unsupported", "2:4 yaml.unsupported", "3:4 yaml.unsupported", "5:1 yaml.duplicate-key");
        assertThat(partial.document().root().get("a").asString()).isEqualTo(".nan"); // kept as its text
        assertThat(partial.document().root().get("d").has("x")).isTrue(); // the first value of the duplicate key
        assertThat(partial.document().positionOf("/d/x")).isEqualTo(new SourcePosition(4, 8));
        assertThat(partial.document().root().get("e").asString()).isEqualTo("ok");
        assertThat(refused.problems()).hasSize(4); // read() refuses the document, naming all of them
    }

    @Test
    void keysWithSlashesAndTildesAreEscapedInPointers() {
        YamlDocument doc = read("paths:\n  a/b: 1\n  c~d: 2\n");

        assertThat(doc.positionOf("/paths/a~1b")).isEqualTo(new SourcePosition(2, 8));
        assertThat(doc.keyPositionOf("/paths/c~0d")).isEqualTo(new SourcePosition(3, 3));
        assertThat(YamlDocument.escape("a/b~c")).isEqualTo("a~1b~0c");
    }

    @Test
    void problemsAtAValueOrAKeyCarryTheSourceThePointerAndThePosition() {
        YamlDocument doc = read(POSITIONS);

        assertThat(doc.problemAt("/list/1/n", "bad n")).isEqualTo(new Problem("test.yaml", 4, 21, "/list/1/n", "bad n"));
        assertThat(doc.problemAtKey("/list/1/n", "bad key")).hasToString("test.yaml:4:18: error: bad key");
    }

    // --- scalars: the YAML 1.2 core schema

    @ParameterizedTest(name = "{0} is the integer {1}")
    @CsvSource(delimiter = '|', value = {
        "0        | 0", "42     | 42", "-7      | -7", "+5 | 5",
        "0x1F     | 31", "0x1f | 31", "0o17 | 15", "012 | 12",
    })
    void integersFollowTheCoreSchemaIncludingHexAndOctal(String text, int expected) {
        JsonNode v = valueOf(text);

        assertThat(v.isInt()).as("%s is an int node", text).isTrue();
        assertThat(v.intValue()).isEqualTo(expected);
    }

    @Test
    void integersGrowToLongAndBigIntegerAsNeeded() {
        assertThat(valueOf("3000000000").isLong()).isTrue();
        assertThat(valueOf("3000000000").longValue()).isEqualTo(3_000_000_000L);
        assertThat(valueOf("-2147483648").isInt()).isTrue();
        assertThat(valueOf("123456789012345678901234567890").bigIntegerValue())
                .isEqualTo(new BigInteger("123456789012345678901234567890"));
    }

    @ParameterizedTest(name = "{0} is the number {1}")
    @CsvSource(delimiter = '|', value = {"1.5 | 1.5", "-0.25 | -0.25", ".5 | 0.5", "1e3 | 1000", "2.5E-3 | 0.0025", "1. | 1"})
    void floatsFollowTheCoreSchema(String text, double expected) {
        JsonNode v = valueOf(text);

        assertThat(v.isDouble()).as("%s is a double node", text).isTrue();
        assertThat(v.doubleValue()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} is a boolean")
    @ValueSource(strings = {"true", "True", "TRUE", "false", "False", "FALSE"})
    void onlyTrueAndFalseAreBooleans(String text) {
        assertThat(valueOf(text).isBoolean()).isTrue();
        assertThat(valueOf(text).booleanValue()).isEqualTo(text.equalsIgnoreCase("true"));
    }

    @ParameterizedTest(name = "{0} is null")
    @ValueSource(strings = {"null", "Null", "NULL", "~", ""})
    void nullHasItsCoreSchemaSpellings(String text) {
        assertThat(valueOf(text).isNull()).isTrue();
    }

    @ParameterizedTest(name = "{0} stays a string")
    @ValueSource(strings = {"yes", "no", "on", "off", "y", "n", "Yes", "ON", "1_000", "0x", "0b101", "1:20", "2025-01-01",
        "'12'", "\"12\"", "'true'", "\"null\"", "'0x1F'", ".NaNs", "nan", "inf", "12abc"})
    void yaml11ValuesAndQuotedNumbersStayStrings(String text) {
        JsonNode v = valueOf(text);

        assertThat(v.isString()).as("%s is a string, not %s", text, v.getNodeType()).isTrue();
        assertThat(v.asString()).isEqualTo(text.replaceAll("^['\"]|['\"]$", ""));
    }

    @ParameterizedTest(name = "{0} is refused")
    @ValueSource(strings = {".nan", ".NaN", ".inf", "-.inf", "+.Inf", ".INF"})
    void nanAndInfinitiesAreRefusedBecauseJsonCannotHoldThem(String text) {
        assertThatThrownBy(() -> valueOf(text))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 4, "'" + text + "' (NaN or infinity) has no JSON form"));
    }

    @Test
    void floatsTooLargeForADoubleAreRefused() {
        assertThatThrownBy(() -> valueOf("1e400"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 4, "too large for a 64-bit floating point number"));
    }

    @Test
    void explicitCoreTagsAreHonouredAndOthersRefused() {
        assertThat(valueOf("!!str 12").asString()).isEqualTo("12");
        assertThat(valueOf("!!int \"12\"").intValue()).isEqualTo(12);
        assertThat(valueOf("!!float 1").doubleValue()).isEqualTo(1.0);
        assertThatThrownBy(() -> valueOf("!!int twelve"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 4, "'twelve' is not an integer"));
        assertThatThrownBy(() -> valueOf("!!binary aGk="))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 4, "unsupported YAML tag 'tag:yaml.org,2002:binary'"));
        assertThatThrownBy(() -> valueOf("!!set {a, b}"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 4, "unsupported YAML tag 'tag:yaml.org,2002:set' on a mapping"));
    }

    // --- anchors and aliases

    @Test
    void aliasesResolveToTheValueTheirAnchorNamed() {
        YamlDocument doc = read("""
                base: &base {timeout_ms: 100, atomic: true}
                retries: &n 3
                first: *base
                second: [*base, *n]
                """);

        assertThat(doc.root().get("first")).isEqualTo(doc.root().get("base"));
        assertThat(doc.root().at("/second/0/timeout_ms").intValue()).isEqualTo(100);
        assertThat(doc.root().at("/second/1").intValue()).isEqualTo(3);
        assertThat(doc.positionOf("/second/0")).isEqualTo(new SourcePosition(4, 10));
        assertThat(doc.positionOf("/first/timeout_ms")).as("inside an alias: the alias itself").isEqualTo(new SourcePosition(3, 8));
    }

    @Test
    void aLaterAnchorOfTheSameNameReplacesTheEarlierOne() {
        YamlDocument doc = read("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");

        assertThat(doc.root().get("b").intValue()).isEqualTo(1);
        assertThat(doc.root().get("d").intValue()).isEqualTo(2);
    }

    @Test
    void anAliasCannotReferToTheCollectionItIsInside() {
        assertThatThrownBy(() -> read("loop: &loop [1, *loop]\n"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 17, "unknown YAML alias '*loop'"));
    }

    @Test
    void anAliasCannotBeAMappingKey() {
        assertThatThrownBy(() -> read("k: &k key\n*k : 1\n"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 1, "an alias ('*k') cannot be a mapping key"));
    }

    @Test
    void problemsInsideValuesPointAtTheValueNotItsParent() {
        ValidationException nan = catchThrowableOfType(ValidationException.class, () -> read("a:\n  b: [1, .nan]\n"));
        ValidationException alias = catchThrowableOfType(ValidationException.class, () -> read("a:\n  b: *nowhere\n"));
        ValidationException tag = catchThrowableOfType(ValidationException.class, () -> read("a: {b: !!binary aGk=}\n"));

        assertThat(nan.problems().get(0).pointer()).isEqualTo("/a/b/1");
        assertThat(alias.problems().get(0).pointer()).isEqualTo("/a/b");
        assertThat(tag.problems().get(0).pointer()).isEqualTo("/a/b");
    }

    // --- limits

    @Test
    void aliasCountIsLimitedAndTheLimitIsConfigurable() {
        String yaml = "a: &a 1\nb: [*a, *a, *a]\n";

        assertThat(reader.withMaxAliases(3).readString("t", yaml).root().get("b")).hasSize(3);
        assertThatThrownBy(() -> reader.withMaxAliases(2).readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 13, "more than 2 YAML aliases; refusing to expand further"));
        assertThatThrownBy(() -> reader.withMaxAliases(0).readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 5, "more than 0 YAML aliases"));
    }

    @Test
    void valueCountIncludesWhatAliasesExpandToAndTheLimitIsConfigurable() {
        // the root, list, 4 items: 6 values in the text; the alias adds the list and its 4 items again
        String yaml = "a: &a [1, 2, 3, 4]\nb: *a\n";

        assertThat(reader.withMaxNodes(11).readString("t", yaml).root().get("b")).hasSize(4);
        assertThatThrownBy(() -> reader.withMaxNodes(10).readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 4, "document expands to more than 10 values"));
    }

    @Test
    void tooManyValuesWithoutAnyAliasDoNotBlameAliases() {
        String yaml = "a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n";

        assertThatThrownBy(() -> reader.withMaxNodes(10).readString("t", yaml)).isInstanceOfSatisfying(
                ValidationException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.message()).isEqualTo("document has more than 10 values; refusing to load it");
                    assertThat(p.rule()).isEqualTo("yaml.limit");
                }));
    }

    @Test
    void nestingDepthIsLimitedAndTheLimitIsConfigurable() {
        String threeDeep = "a: {b: [1]}\n";

        assertThat(reader.withMaxDepth(3).readString("t", threeDeep).root().at("/a/b/0").intValue()).isEqualTo(1);
        assertThatThrownBy(() -> reader.withMaxDepth(2).readString("t", threeDeep))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 8, "nesting is deeper than the limit of 2 levels"));
    }

    @Test
    void nestingDepthCountsWhatAliasesBringAlong() {
        String yaml = "a: &a [[1]]\nb: [*a]\n";

        assertThat(reader.withMaxDepth(4).readString("t", yaml).root().at("/b/0/0/0").intValue()).isEqualTo(1);
        assertThatThrownBy(() -> reader.withMaxDepth(3).readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 5, "nesting is deeper than the limit of 3 levels"));
    }

    @Test
    void whatAliasesAddCountsAgainstTheSizeLimit() {
        String yaml = "a: &a " + "x".repeat(100) + "\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";

        assertThat(reader.withMaxBytes(1200).readString("t", yaml).root().get("b")).hasSize(10);
        assertThatThrownBy(() -> reader.withMaxBytes(1000).readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 37,
                        "document expands to more than the size limit of 1000 bytes through YAML aliases ('*a' adds 100 characters)"));
    }

    @Test
    void aFewAliasesOfOneLongStringCannotMakeAHugeDocument() {
        // 600 KB of text, 200 aliases: 120 MB once written out, though only 202 values
        String yaml = "big: &big [\"" + "x".repeat(600_000) + "\", {k: v}]\ncopies: [" + "*big, ".repeat(199) + "*big]\n";

        assertThatThrownBy(() -> reader.readString("t", yaml))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems().get(0).message())
                        .startsWith("document expands to more than the size limit of 8388608 bytes through YAML aliases"));
    }

    @Test
    void readingTenThousandLevelsDoesNotRecurseWhenTheLimitAllowsThem() {
        String yaml = "deep: " + "[".repeat(10_000) + "]".repeat(10_000);

        JsonNode node = reader.withMaxDepth(10_001).readString("t", yaml).root().get("deep");

        int depth = 0;
        while (node.isArray()) {
            node = node.path(0);
            depth++;
        }
        assertThat(depth).isEqualTo(10_000);
    }

    @Test
    void sizeIsLimitedForTextBytesAndFilesAndTheLimitIsConfigurable(@TempDir Path dir) throws Exception {
        YamlReader small = reader.withMaxBytes(10);
        Path file = dir.resolve("eleven.yaml");
        Files.writeString(file, "a: 12345678");

        assertThat(small.maxBytes()).isEqualTo(10);
        assertThat(small.readString("t", "a: 1234567").root().get("a").intValue()).isEqualTo(1234567);
        assertThatThrownBy(() -> small.readString("t", "a: 12345678"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "document is 11 bytes, larger than the limit of 10 bytes"));
        assertThatThrownBy(() -> small.read("t", "a: 12345678".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "larger than the limit of 10 bytes"));
        assertThatThrownBy(() -> small.read(file))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "larger than the limit of 10 bytes"));
        assertThatThrownBy(() -> small.read(file.toUri().toURL(), "url"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "larger than the limit of 10 bytes"));
    }

    @Test
    void anEndlessFileWhoseSizeSaysZeroIsCutAtTheLimitNotReadIntoTheHeap() {
        Path devZero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(devZero), "no /dev/zero here");

        assertThatThrownBy(() -> reader.withMaxBytes(1024).read(devZero))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "larger than the limit of 1024 bytes"));
    }

    @Test
    void aFolderIsReportedAsNotAFile(@TempDir Path dir) {
        assertThatThrownBy(() -> reader.read(dir))
                .isInstanceOf(ValidationException.class).hasMessageContaining("is a folder, not a file");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> reader.withMaxDepth(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxDepth=0");
        assertThatThrownBy(() -> reader.withMaxBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader.withMaxNodes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader.withMaxAliases(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- documents, encodings, sources

    @Test
    void jsonIsReadAsTheYamlItIs() {
        YamlDocument doc = read("{\"a\": [1, 2.5, \"x\", true, null],\n \"b\": {\"c\": \"d\"}}");

        assertThat(doc.root().toString()).isEqualTo("{\"a\":[1,2.5,\"x\",true,null],\"b\":{\"c\":\"d\"}}");
        assertThat(doc.positionOf("/b/c")).isEqualTo(new SourcePosition(2, 13));
        assertThat(doc.keyPositionOf("/b")).isEqualTo(new SourcePosition(2, 2));
    }

    @Test
    void aUtf8ByteOrderMarkIsSkippedAndDoesNotShiftColumns() {
        byte[] bytes = "\uFEFFname: bom\n".getBytes(StandardCharsets.UTF_8);

        YamlDocument doc = reader.read("bom.yaml", bytes);

        assertThat(doc.root().get("name").asString()).isEqualTo("bom");
        assertThat(doc.keyPositionOf("/name")).isEqualTo(new SourcePosition(1, 1));
        assertThat(doc.positionOf("/name")).isEqualTo(new SourcePosition(1, 7));
    }

    @Test
    void utf16IsRefusedWithAHint() {
        byte[] bytes = "\uFEFFname: x\n".getBytes(StandardCharsets.UTF_16BE);

        assertThatThrownBy(() -> reader.read("u16.yaml", bytes))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "save it as UTF-8"));
    }

    @Test
    void utf32IsCalledUtf32NotUtf16() {
        java.nio.charset.Charset le = java.nio.charset.Charset.forName("UTF-32LE");
        java.nio.charset.Charset be = java.nio.charset.Charset.forName("UTF-32BE");
        for (byte[] bytes : List.of("\uFEFFname: x\n".getBytes(le), "name: x\n".getBytes(le),
                "\uFEFFname: x\n".getBytes(be), "name: x\n".getBytes(be))) {
            assertThatThrownBy(() -> reader.read("u32.yaml", bytes))
                    .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "document is UTF-32 ("));
        }
    }

    @Test
    void invalidUtf8IsReportedAtTheCharacterColumnNotTheByteOffset() {
        byte[] head = "name: naïve ".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xE9;
        bytes[head.length + 1] = '\n';

        assertThatThrownBy(() -> reader.read("latin1.yaml", bytes))
                .isInstanceOfSatisfying(ValidationException.class,
                        onlyProblem(1, "name: naïve ".length() + 1, "byte 0xE9 at offset 13"));
    }

    @Test
    void controlCharactersAreRefusedAtTheirPosition() {
        assertThatThrownBy(() -> read("a: ok\nb: x\u0007y\n"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 5, "YAML cannot contain the character U+0007"));
    }

    @Test
    void everyDuplicateKeyIsReportedWithTheLineOfItsFirstDefinition() {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> read("a: 1\nb: {x: 1, x: 2}\na: 3\n"));

        assertThat(e.problems()).extracting(Problem::line, Problem::column, Problem::pointer, Problem::message)
                .containsExactly(
                        org.assertj.core.api.Assertions.tuple(2, 11, "/b/x", "duplicate key 'x' (first defined at line 2)"),
                        org.assertj.core.api.Assertions.tuple(3, 1, "/a", "duplicate key 'a' (first defined at line 1)"));
    }

    @Test
    void theSameKeyInDifferentMappingsIsNoDuplicate() {
        assertThat(read("a: {name: 1}\nb: {name: 2}\n").root().at("/b/name").intValue()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "   \n\n", "# nothing but a comment\n"})
    void emptyDocumentsAreRefused(String yaml) {
        assertThatThrownBy(() -> read(yaml))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 1, "document is empty: expected a YAML mapping"));
    }

    @Test
    void oneExplicitDocumentIsFineButTwoAreNot() {
        assertThat(read("---\na: 1\n...\n").root().get("a").intValue()).isEqualTo(1);
        assertThatThrownBy(() -> read("a: 1\n---\nb: 2\n"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(2, 1, "more than one YAML document"));
    }

    @Test
    void complexKeysAreRefused() {
        assertThatThrownBy(() -> read("? [a, b]\n: 1\n"))
                .isInstanceOfSatisfying(ValidationException.class, onlyProblem(1, 3, "a mapping key must be a plain value, not a sequence"));
    }

    @Test
    void aMissingFileIsAProblemWithoutAPosition(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> reader.read(missing))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .isEqualTo(Problem.of(missing.toString(), "file not found").as(Rules.FILE_UNREADABLE)));
    }

    @Test
    void aMissingUrlIsAProblemWithoutAPosition(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> reader.read(dir.resolve("nope.yaml").toUri().toURL(), "nope"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .isEqualTo(Problem.of("nope", "file not found").as(Rules.FILE_UNREADABLE)));
    }

    @Test
    void filesAreNamedAsGivenInProblems(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dup.yaml");
        Files.writeString(file, "a: 1\na: 2\n");

        assertThatThrownBy(() -> reader.read(file))
                .hasMessage(file + ":2:1: error: duplicate key 'a' (first defined at line 1)");
    }
}
