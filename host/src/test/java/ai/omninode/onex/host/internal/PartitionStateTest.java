package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.host.internal.PartitionState.KeyQueue;
import ai.omninode.onex.host.internal.PartitionState.Slot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionStateTest {
    private final PartitionState ps = new PartitionState(new TopicPartition("t", 0));

    private Slot add(long offset, String key) {
        Slot s = new Slot(new ConsumerRecord<>("t", 0, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                new byte[0]));
        ps.add(s);
        return s;
    }

    @Test
    void nothingIsCommittedBeforeATriggerWasPolled() {
        assertThat(ps.advance()).isEqualTo(-1);
    }

    @Test
    void theCommitPointNeverPassesAnUnfinishedRunWhateverOrderRunsFinishIn() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            PartitionState p = new PartitionState(new TopicPartition("t", 0));
            List<Slot> slots = new ArrayList<>();
            long offset = 0;
            for (int i = 0; i < 50; i++) {
                offset += 1 + random.nextInt(3); // gaps: transaction markers, compaction
                Slot s = new Slot(new ConsumerRecord<>("t", 0, offset, null, new byte[0]));
                p.add(s);
                slots.add(s);
            }
            List<Slot> order = new ArrayList<>(slots);
            Collections.shuffle(order, random);
            long committed = -1;
            for (Slot s : order) {
                s.done = true;
                long point = p.advance();
                if (point >= 0) {
                    committed = point;
                    p.committed(point);
                }
                for (Slot other : slots) {
                    if (!other.done) {
                        assertThat(committed).isLessThanOrEqualTo(other.record.offset());
                    }
                }
            }
            assertThat(committed).isEqualTo(offset + 1);
        }
    }

    @Test
    void aCommitPointIsGivenOnlyWhenItMoved() {
        Slot a = add(0, "k");
        add(1, "k");
        a.done = true;
        assertThat(ps.advance()).isEqualTo(1);
        ps.committed(1);
        assertThat(ps.advance()).isEqualTo(-1);
    }

    @Test
    void triggersOfOneKeyQueueBehindTheFirstAndOthersGetTheirOwnQueue() {
        Slot a = new Slot(new ConsumerRecord<>("t", 0, 0, "k".getBytes(StandardCharsets.UTF_8), new byte[0]));
        Slot b = new Slot(new ConsumerRecord<>("t", 0, 1, "k".getBytes(StandardCharsets.UTF_8), new byte[0]));
        Slot c = new Slot(new ConsumerRecord<>("t", 0, 2, "other".getBytes(StandardCharsets.UTF_8), new byte[0]));
        Slot d = new Slot(new ConsumerRecord<>("t", 0, 3, null, new byte[0]));
        Slot e = new Slot(new ConsumerRecord<>("t", 0, 4, null, new byte[0]));

        KeyQueue first = ps.add(a);
        assertThat(first).isNotNull();
        assertThat(ps.add(b)).as("same key: waits behind a").isNull();
        assertThat(first.pending).containsExactly(a, b);
        assertThat(ps.add(c)).isNotNull().isNotSameAs(first);
        assertThat(ps.add(d)).as("no key: a queue of its own").isNotNull();
        assertThat(ps.add(e)).isNotNull();
        assertThat(ps.unfinished()).isEqualTo(5);
    }

    @Test
    void whileATriggerRetriesTheTriggersAfterItWaitAndGoOnceItFinished() {
        Slot early = add(0, "e");
        Slot a = add(1, "a");
        KeyQueue b = ps.add(new Slot(new ConsumerRecord<>("t", 0, 2, "b".getBytes(StandardCharsets.UTF_8), new byte[0])));
        KeyQueue c = ps.add(new Slot(new ConsumerRecord<>("t", 0, 3, "c".getBytes(StandardCharsets.UTF_8), new byte[0])));
        synchronized (ps) {
            assertThat(ps.start(a)).isTrue();
        }
        a.attempts++;
        ps.failedForInfrastructure(a);
        ps.failedForInfrastructure(a); // a second failure of the same trigger counts once
        assertThat(ps.retrying).hasValue(1);

        synchronized (ps) {
            assertThat(ps.hold(b, b.pending.peekFirst())).isTrue();
            assertThat(ps.hold(c, c.pending.peekFirst())).isTrue();
            assertThat(ps.hold(null, a)).as("the retrying trigger itself runs again").isFalse();
            assertThat(ps.hold(null, early)).as("one before it runs: the commit point must pass it").isFalse();
        }
        assertThat(ps.finishedRetrying(a)).containsExactly(b, c);
        assertThat(ps.retrying).hasValue(0);
        assertThat(ps.finishedRetrying(a)).as("said once").isEmpty();
        synchronized (ps) {
            assertThat(ps.hold(b, b.pending.peekFirst())).as("nothing retrying: runs").isFalse();
        }
    }

    @Test
    void onlyTheEarliestRetryingTriggerRunsAgainTheOthersWaitForIt() {
        Slot a = add(0, "a");
        KeyQueue bq = ps.add(new Slot(new ConsumerRecord<>("t", 0, 1, "b".getBytes(StandardCharsets.UTF_8), new byte[0])));
        Slot b = bq.pending.peekFirst();
        KeyQueue c = ps.add(new Slot(new ConsumerRecord<>("t", 0, 2, "c".getBytes(StandardCharsets.UTF_8), new byte[0])));
        a.attempts = 1;
        b.attempts = 1;
        ps.failedForInfrastructure(b);
        ps.failedForInfrastructure(a); // a later failure of an earlier trigger: it becomes the one that runs again
        synchronized (ps) {
            assertThat(ps.hold(null, a)).isFalse();
            assertThat(ps.hold(bq, b)).as("b's retry waits for a's").isTrue();
            assertThat(ps.hold(c, c.pending.peekFirst())).isTrue();
        }
        assertThat(ps.finishedRetrying(a)).containsExactly(bq, c);
        synchronized (ps) {
            assertThat(ps.hold(bq, b)).as("b is the earliest retrying now").isFalse();
            assertThat(ps.hold(c, c.pending.peekFirst())).as("c waits for b").isTrue();
        }
        assertThat(ps.giveUp(true)).as("given up: the held go now, as far as the horizon lets them").containsExactly(c);
        synchronized (ps) {
            assertThat(ps.hold(c, c.pending.peekFirst())).as("no holding once given up: a drain waits").isFalse();
        }
    }
    @Test
    void aDrainCountsTriggersWaitingToRetryApartFromRunsThatDidNotFinish() {
        Slot retrying = add(0, "k");
        Slot behind = add(1, "k");
        Slot running = add(2, "other");
        Slot done = add(3, null);
        add(4, null); // after the last one started: not the drain's to finish
        synchronized (ps) {
            for (Slot s : List.of(retrying, behind, running, done)) {
                assertThat(ps.start(s)).isTrue();
            }
        }
        retrying.attempts = 1;
        ps.failedForInfrastructure(retrying);
        done.done = true;
        ps.giveUp(true);

        PartitionState.Unfinished unfinished = ps.unfinishedBeforeHorizon();

        assertThat(unfinished).isEqualTo(new PartitionState.Unfinished(3, 1));
        assertThat(unfinished.timedOut(true).describe()).isEqualTo("1 trigger waiting to run again after an"
                + " infrastructure failure was not tried again and 2 runs did not finish within the drain timeout");
        assertThat(new PartitionState.Unfinished(3, 2).describe()).isEqualTo("2 triggers waiting to run again"
                + " after an infrastructure failure were not tried again and 1 trigger behind them in key order did"
                + " not start");
        assertThat(new PartitionState.Unfinished(2, 0, true).describe()).isEqualTo("2 runs did not finish within the"
                + " drain timeout");
    }
    @Test
    void withNothingUnfinishedTheCommitPointIsTheConsumersPositionPastMarkersAndAbortedRecords() {
        Slot a = add(0, null);
        Slot b = add(1, null);
        ps.position(2);
        a.done = true;
        assertThat(ps.advance()).as("b is unfinished").isEqualTo(1);
        b.done = true;
        ps.position(7); // a transaction's marker at 2, four aborted records and their marker: never polled
        assertThat(ps.advance()).isEqualTo(7);
        ps.committed(7);
        ps.position(5); // an older reading never moves it back
        assertThat(ps.advance()).isEqualTo(-1);
    }

    @Test
    void aPartitionWhoseOnlyRecordsWereAbortedIsCommittedAtThePosition() {
        ps.position(5);
        assertThat(ps.advance()).isEqualTo(5);
    }

    /** A stop drops what the last poll returned; the consumer's position is past those records. */
    @Test
    void afterARecordWasDroppedThePositionIsNeverTheCommitPoint() {
        Slot a = add(0, null);
        ps.position(1);
        a.done = true;
        ps.dropped(); // offsets 1 and 2 came back from the poll while stopping: not added
        ps.position(3);

        assertThat(ps.advance()).as("one past the last trigger added, not the position past the dropped ones")
                .isEqualTo(1);
    }
}
