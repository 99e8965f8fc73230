package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SpawnKey;

class QueueRankingTest {
    private static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
    private final MutableClock clock = new MutableClock(NOW, ZoneId.of("Europe/Paris"));
    private final QueueRanking ranking = new QueueRanking(clock);

    private static Spawn queued(String server, long job, Instant scheduledStart) {
        Spawn s = new Spawn(new SpawnKey("bob", server), "gpu", "bob", NOW);
        s.job = new JobRef("gpu", job, "bob");
        s.state = SpawnState.QUEUED;
        s.scheduledStart = scheduledStart;
        return s;
    }

    @Test
    void rankedByEstimatedStartThenSubmissionWithTheEstimateInTheSitesZone() {
        Spawn late = queued("late", 10, NOW.plus(Duration.ofHours(2)));
        Spawn unknown = queued("unknown", 11, null);
        Spawn soon = queued("soon", 12, NOW.plus(Duration.ofMinutes(20)));
        Spawn alsoUnknown = queued("also", 9, null);

        List<QueueRanking.Announcement> news = ranking.rank(List.of(late, unknown, soon, alsoUnknown));

        assertThat(news).extracting(a -> a.spawn().key.server()).containsExactly("soon", "late", "also", "unknown");
        assertThat(news).extracting(QueueRanking.Announcement::position).containsExactly(1, 2, 3, 4);
        assertThat(soon.queuePosition).isEqualTo(1);
        assertThat(news.get(0).message()).isEqualTo("Job 12 is waiting, position 1, estimated start 11:20 CET (in about 20 min)");
        assertThat(news.get(2).message()).isEqualTo("Job 9 is waiting, position 3");
    }

    @Test
    void onlyANewPositionOrANewEstimateIsAnnouncedAgain() {
        Spawn a = queued("a", 10, NOW.plus(Duration.ofMinutes(20)));
        Spawn b = queued("b", 11, NOW.plus(Duration.ofMinutes(40)));
        assertThat(ranking.rank(List.of(a, b))).hasSize(2);
        assertThat(ranking.rank(List.of(a, b))).isEmpty();

        b.scheduledStart = NOW.plus(Duration.ofMinutes(30));
        assertThat(ranking.rank(List.of(a, b))).extracting(x -> x.spawn().key.server()).containsExactly("b");

        // a starts running: b moves up.
        List<QueueRanking.Announcement> news = ranking.rank(List.of(b));
        assertThat(news).extracting(QueueRanking.Announcement::message)
                .containsExactly("Job 11 is waiting, position 1, estimated start 11:30 CET (in about 30 min)");
    }
}
