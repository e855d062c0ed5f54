package ai.omninode.onex.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.runtime.NodeRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The example nodes on their own, without a runner: what a node author's tests look like. */
class ExampleNodesTest {

    private static Map<String, Object> run(EffectNode node, Map<String, Object> input) {
        node.initialize(Map.of());
        try {
            return node.execute(input).toCompletableFuture().join();
        } finally {
            node.close();
        }
    }

    @Test
    void everyExampleNodeIsDiscoveredWithAValidContract() {
        try (NodeRegistry registry = NodeRegistry.builder().classLoader(getClass().getClassLoader()).build()) {
            assertThat(registry.nodes()).extracting(n -> n.name()).containsExactlyInAnyOrder(
                    "validate_document_input", "emit_state_update_intent", "vectorization_compute",
                    "entity_extraction_compute", "relationship_detection_compute", "qdrant_vector_effect",
                    "memgraph_graph_effect");
            for (var node : registry.nodes()) {
                assertThat(node.contract().input()).as(node.name()).isPresent();
                assertThat(node.contract().output()).as(node.name()).isPresent();
            }
        }
    }

    @Test
    void inMemoryStandInsKeepTheLatestEntriesOnlySoALongRunningHostStaysBounded() throws Exception {
        NodeMemgraphGraphEffect graph = new NodeMemgraphGraphEffect();
        NodeQdrantVectorEffect vectors = new NodeQdrantVectorEffect();
        EmitStateUpdateIntentHandler intents = new EmitStateUpdateIntentHandler();
        graph.initialize(Map.of());
        vectors.initialize(Map.of());
        intents.initialize(Map.of());
        int documents = ExampleNodes.MAX_KEPT + 500;
        Map<String, Object> last = Map.of();
        for (int i = 0; i < documents; i++) {
            last = graph.execute(Map.of("document_id", "doc-" + i, "entities",
                    List.of(Map.of("type", "PERSON", "text", "Person " + i)))).toCompletableFuture().join();
            vectors.execute(Map.of("vector_id", "v-" + i, "embedding", List.of(1.0), "metadata", Map.of()))
                    .toCompletableFuture().join();
            intents.execute(Map.of("intent_type", "STARTED", "payload", Map.of())).toCompletableFuture().join();
        }
        assertThat(last).containsEntry("nodes_created", 2).containsEntry("edges_created", 1)
                .containsEntry("graph_nodes", ExampleNodes.MAX_KEPT).containsEntry("graph_edges", ExampleNodes.MAX_KEPT);
        assertThat(vectors.metrics()).containsEntry("points.documents", ExampleNodes.MAX_KEPT);
        assertThat(intents.metrics()).containsEntry("intents_emitted", (long) documents);
        // MERGE still holds for what is kept: the latest document again creates nothing
        Map<String, Object> again = graph.execute(Map.of("document_id", "doc-" + (documents - 1), "entities",
                List.of(Map.of("type", "PERSON", "text", "Person " + (documents - 1))))).toCompletableFuture().join();
        assertThat(again).containsEntry("nodes_created", 0).containsEntry("edges_created", 0);
        graph.close();
        vectors.close();
        intents.close();
    }

    @Test
    void vectorizationGivesTheSameUnitLengthVectorForTheSameText() {
        Map<String, Object> a = run(new NodeVectorizationCompute(), Map.of("content", "Ada Lovelace and Babbage"));
        Map<String, Object> b = run(new NodeVectorizationCompute(), Map.of("content", "Ada Lovelace and Babbage"));

        assertThat(a.get("embedding")).isEqualTo(b.get("embedding"));
        assertThat(a.get("vector_id")).isEqualTo(b.get("vector_id"));
        double norm = ((List<?>) a.get("embedding")).stream().mapToDouble(v -> ((Number) v).doubleValue() * ((Number) v).doubleValue()).sum();
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(a).containsEntry("success", true).containsEntry("dimensions", 16).containsEntry("token_count", 4);
        assertOutputMatchesContract(NodeVectorizationCompute.NAME, a);
    }

    @Test
    void entityExtractionFindsNamesAddressesUrlsAndYearsOnce() {
        Map<String, Object> out = run(new NodeEntityExtractionCompute(), Map.of("content",
                "Ada Lovelace met Charles Babbage in London. In 1843 Ada Lovelace wrote to babbage@example.org, "
                        + "see https://example.org/ada."));

        assertThat(out.get("entities")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .extracting(e -> ((Map<?, ?>) e).get("type") + ":" + ((Map<?, ?>) e).get("text"))
                .containsExactly("EMAIL:babbage@example.org", "URL:https://example.org/ada", "DATE:1843",
                        "NAME:Ada Lovelace", "NAME:Charles Babbage", "TERM:London");
        assertThat(out).containsEntry("entity_count", 6).containsEntry("language", "en");
        assertOutputMatchesContract(NodeEntityExtractionCompute.NAME, out);
    }

    @Test
    void aRunAfterAStopWordStartsAfterAllTheWhiteSpaceAndIsATermWhenOneWordIsLeft() {
        String content = "songs by The \t  Beatles, then In\n\nNew York";
        Map<String, Object> out = run(new NodeEntityExtractionCompute(), Map.of("content", content));

        assertThat(out.get("entities")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .extracting(e -> ((Map<?, ?>) e).get("type") + ":" + ((Map<?, ?>) e).get("text") + "@"
                        + ((Map<?, ?>) e).get("start") + "-" + ((Map<?, ?>) e).get("end"))
                .containsExactly("TERM:Beatles@" + content.indexOf("Beatles") + "-" + content.indexOf(","),
                        "NAME:New York@" + content.indexOf("New") + "-" + content.length());
        assertOutputMatchesContract(NodeEntityExtractionCompute.NAME, out);
    }

    @Test
    void aLongRunOfCapitalizedWordsIsOneEntityNotAStackOverflow() {
        // a list of attendees: the run used to be one regex with a repeated group, which recursed once per word
        String roster = "Ada Lovelace\n".repeat(3000).strip();

        Map<String, Object> out = run(new NodeEntityExtractionCompute(), Map.of("content", "Attendees " + roster
                + " met in 1843."));

        assertThat(out.get("entities")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .extracting(e -> ((Map<?, ?>) e).get("type") + ":" + ((Map<?, ?>) e).get("text"))
                .containsExactly("DATE:1843", "NAME:Attendees " + roster);
        assertOutputMatchesContract(NodeEntityExtractionCompute.NAME, out);
        // an address of 2,000 labels, and a long run of letters without '@' (scanned once, not from each letter)
        String address = "a@b" + ".c".repeat(2000);
        Map<String, Object> mail = run(new NodeEntityExtractionCompute(), Map.of("content", "mail " + address
                + " then " + "x".repeat(200_000)));
        assertThat(mail.get("entities")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .extracting(e -> ((Map<?, ?>) e).get("type") + ":" + ((Map<?, ?>) e).get("text"))
                .containsExactly("EMAIL:" + address);
    }

    @Test
    void relationshipsJoinEntitiesOfTheSameSentenceOnly() {
        String text = "Ada met Charles. London is far.";
        List<Object> entities = List.of(
                Map.of("text", "Ada", "type", "TERM", "start", 0, "end", 3),
                Map.of("text", "Charles", "type", "TERM", "start", 8, "end", 15),
                Map.of("text", "London", "type", "TERM", "start", 17, "end", 23));

        Map<String, Object> out = run(new NodeRelationshipDetectionCompute(), Map.of("entities", entities, "content", text));

        assertThat(out.get("relationships")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .singleElement().satisfies(r -> assertThat(((Map<?, ?>) r).get("source") + "->" + ((Map<?, ?>) r).get("target")
                        + " " + ((Map<?, ?>) r).get("type")).isEqualTo("Ada->Charles CO_OCCURS_WITH"));
        assertOutputMatchesContract(NodeRelationshipDetectionCompute.NAME, out);
    }

    @Test
    void aFullStopEndsASentenceBeforeWhiteSpaceOrWhereTheNextEntityStartsButNotInsideAWord() {
        String text = "Ada met Charles.London and Dr.Who went";
        List<Object> entities = List.of(
                Map.of("text", "Ada", "type", "TERM", "start", 0, "end", 3),
                Map.of("text", "London", "type", "TERM", "start", 16, "end", 22),
                Map.of("text", "went", "type", "TERM", "start", 34, "end", 38));

        Map<String, Object> out = run(new NodeRelationshipDetectionCompute(), Map.of("entities", entities, "content", text));

        // Ada..London ends with the full stop; the ones in "Charles.London" and "Dr.Who" end nothing further on
        assertThat(out.get("relationships")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .extracting(r -> ((Map<?, ?>) r).get("source") + "->" + ((Map<?, ?>) r).get("target"))
                .containsExactly("Ada->went", "London->went");
    }

    @Test
    void theVectorStoreRefusesACollectionItDoesNotHave() {
        NodeQdrantVectorEffect node = new NodeQdrantVectorEffect();
        node.initialize(Map.of("QDRANT_COLLECTIONS", "documents, images"));

        Map<String, Object> stored = node.execute(Map.of("collection", "images", "embedding", List.of(0.5)))
                .toCompletableFuture().join();
        assertThat(stored).containsEntry("success", true).containsEntry("points_in_collection", 1);
        assertThatThrownBy(() -> node.execute(Map.of("collection", "archive", "embedding", List.of(0.5)))
                .toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(NodeExecutionException.class)
                .cause().hasMessage("collection 'archive' does not exist (collections: documents, images)");
        node.close();
    }

    @Test
    void theGraphMergesEntitiesItHasSeenBefore() {
        NodeMemgraphGraphEffect node = new NodeMemgraphGraphEffect();
        node.initialize(Map.of());
        Map<String, Object> input = Map.of("document_id", "d1",
                "entities", List.of(Map.of("text", "Ada", "type", "NAME")),
                "relationships", List.of());

        Map<String, Object> first = node.execute(input).toCompletableFuture().join();
        Map<String, Object> second = node.execute(input).toCompletableFuture().join();

        assertThat(first).containsEntry("nodes_created", 2).containsEntry("edges_created", 1);
        assertThat(second).containsEntry("nodes_created", 0).containsEntry("edges_created", 0).containsEntry("graph_nodes", 2);
        node.close();
    }

    @Test
    void validationRefusesBlankContentNamingTheDocument() {
        ValidateDocumentInputHandler node = new ValidateDocumentInputHandler();
        assertThatThrownBy(() -> run(node, Map.of("document_id", "d7", "content", "  ")))
                .isInstanceOf(CompletionException.class)
                .cause().hasMessage("document 'd7' has no content");
    }

    @Test
    void intentsAreNumberedInTheOrderTheyAreEmitted() {
        EmitStateUpdateIntentHandler node = new EmitStateUpdateIntentHandler();
        node.initialize(Map.of());
        Map<String, Object> one = node.execute(Map.of("intent_type", "STARTED", "payload", Map.of("id", 1)))
                .toCompletableFuture().join();
        Map<String, Object> two = node.execute(Map.of("intent_type", "DONE", "payload", Map.of()))
                .toCompletableFuture().join();

        assertThat(one).containsEntry("sequence", 1L).containsEntry("intent_type", "STARTED");
        assertThat(two).containsEntry("sequence", 2L);
        assertThat(node.metrics()).containsEntry("intents_emitted", 2L);
        assertOutputMatchesContract(EmitStateUpdateIntentHandler.NAME, one);
        node.close();
    }

    private static void assertOutputMatchesContract(String name, Map<String, Object> output) {
        NodeContract contract = new ContractLoader().load(ExampleNodes.contract(name));
        assertThat(contract.output().orElseThrow().validateValue(output)).as(name).isEmpty();
    }
}
