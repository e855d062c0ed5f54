package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.Test;

class TopicGatesTest {
    /** No admin client (topic creation BROKER): a check only asks the producer for the topic's partitions, here at once. */
    private final TopicGates gates = new TopicGates(null, new MockProducer<>(), new AtOnce(), 0, (short) 0, 1_000,
            "localhost:9092");

    private static final class AtOnce implements Scheduler {
        @Override
        public void schedule(Runnable task, long delayMs) {
            task.run();
        }

        @Override
        public void shutdown() {
        }
    }

    @Test
    void theSameTopicGetsTheSameGate() {
        assertThat(gates.gate("orders")).isSameAs(gates.gate("orders")).isNotSameAs(gates.gate("payments"));
    }

    @Test
    void pastTheBoundEveryGateNotCheckingIsDroppedAndCheckedAgainWhenMetAgain() {
        TopicGates.Gate first = gates.gate("topic-0");
        for (int i = 0; i < TopicGates.MAX_GATES; i++) {
            TopicGates.Gate gate = gates.gate("topic-" + i);
            if (i % 2 == 0) { // the others never awaited, as a dead-letter gate no dead letter has needed
                assertThat(gate.await()).isCompleted();
                assertThat(gate.ready()).isTrue();
            }
        }
        assertThat(gates.size()).isEqualTo(TopicGates.MAX_GATES);

        TopicGates.Gate next = gates.gate("one-more");

        assertThat(gates.size()).isEqualTo(1);
        assertThat(gates.gate("one-more")).isSameAs(next);
        TopicGates.Gate again = gates.gate("topic-0");
        assertThat(again).isNotSameAs(first);
        assertThat(again.ready()).isFalse();
        assertThat(first.ready()).isTrue(); // a route that holds it keeps using it
    }

    @Test
    void gatesCheckingNowAreKeptAndANewTopicsGateIsThenNotKept() {
        Held held = new Held();
        TopicGates checking = new TopicGates(null, new MockProducer<>(), held, 0, (short) 0, 1_000, "localhost:9092");
        for (int i = 0; i < TopicGates.MAX_GATES; i++) {
            assertThat(checking.gate("topic-" + i).await()).isNotDone(); // its check waits on the scheduler
        }

        TopicGates.Gate unkept = checking.gate("one-more");

        assertThat(checking.size()).isEqualTo(TopicGates.MAX_GATES);
        assertThat(checking.gate("one-more")).isNotSameAs(unkept);
        assertThat(checking.gate("topic-7")).isSameAs(checking.gate("topic-7"));
        held.tasks.forEach(Runnable::run);
        assertThat(checking.gate("topic-7").ready()).isTrue();
    }

    /** Keeps what it is given to run, until the test runs it. */
    private static final class Held implements Scheduler {
        final java.util.List<Runnable> tasks = new java.util.ArrayList<>();

        @Override
        public void schedule(Runnable task, long delayMs) {
            tasks.add(task);
        }

        @Override
        public void shutdown() {
        }
    }
}
