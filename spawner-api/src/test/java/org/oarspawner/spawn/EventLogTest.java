package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.SpawnKey;

class EventLogTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final SpawnKey bob = new SpawnKey("bob", "web");
    private final SpawnKey alice = new SpawnKey("alice", "");

    @Test
    void idsGrowByOneAndAResumedStreamGetsOnlyWhatCameAfterItsLastEventId() {
        EventLog log = new EventLog(clock, 200);
        for (int i = 0; i < 5; i++) {
            log.append(bob, SpawnState.QUEUED, 10 + i, "step " + i);
        }
        assertThat(log.after(bob, 0)).extracting(SpawnEvent::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        List<SpawnEvent> replay = log.subscribe(bob, 3, e -> { });
        assertThat(replay).extracting(SpawnEvent::message).containsExactly("step 3", "step 4");
        assertThat(log.after(bob, 5)).isEmpty();
        assertThat(log.after(alice, 0)).isEmpty();
    }

    @Test
    void theLogKeepsOnlyItsCapacityOfTheNewestEvents() {
        EventLog log = new EventLog(clock, 3);
        for (int i = 1; i <= 10; i++) {
            log.append(bob, SpawnState.QUEUED, 10, "step " + i);
        }
        assertThat(log.after(bob, 0)).extracting(SpawnEvent::id).containsExactly(8L, 9L, 10L);
        // A stream that resumes from an event the log dropped gets what is kept, never more.
        assertThat(log.after(bob, 2)).hasSize(3);
    }

    @Test
    void listenersHearTheirServerOnlyUntilTheyLeave() {
        EventLog log = new EventLog(clock, 200);
        List<SpawnEvent> heard = new CopyOnWriteArrayList<>();
        Consumer<SpawnEvent> listener = heard::add;
        log.subscribe(bob, 0, listener);
        log.append(bob, SpawnState.SUBMITTING, 5, "bob's");
        log.append(alice, SpawnState.SUBMITTING, 5, "alice's");
        log.unsubscribe(bob, listener);
        log.append(bob, SpawnState.FAILED, 100, "after leaving");
        assertThat(heard).extracting(SpawnEvent::message).containsExactly("bob's");
    }

    @Test
    void eventsCarryTheClockTimeAndTheFinalFlags() {
        EventLog log = new EventLog(clock, 200);
        SpawnEvent ready = log.append(bob, SpawnState.READY, 100, "ready");
        clock.advance(java.time.Duration.ofSeconds(5));
        SpawnEvent failed = log.append(alice, SpawnState.FAILED, 100, "failed");
        assertThat(ready.time()).isEqualTo(Instant.parse("2026-01-05T10:00:00Z"));
        assertThat(ready.ready()).isTrue();
        assertThat(ready.failed()).isFalse();
        assertThat(failed.time()).isEqualTo(Instant.parse("2026-01-05T10:00:05Z"));
        assertThat(failed.failed()).isTrue();
    }

    @Test
    void aNewSpawnOfTheSameServerStartsAnEmptyLogAndForgetDropsIt() {
        EventLog log = new EventLog(clock, 200);
        log.append(bob, SpawnState.STOPPED, 100, "old");
        log.restart(bob);
        log.append(bob, SpawnState.SUBMITTING, 5, "new");
        assertThat(log.after(bob, 0)).extracting(SpawnEvent::message).containsExactly("new");
        log.forget(bob);
        assertThat(log.after(bob, 0)).isEmpty();
    }
}
