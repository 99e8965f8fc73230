package org.oarspawner.spawn;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Ranks this service's waiting jobs on one cluster by OAR's estimated start, then by job id (submission order),
 * and says which spawns have news for their user: a new position, or a new estimate.
 */
final class QueueRanking {
    /** A waiting spawn's new place in the queue, as its progress message says it. */
    record Announcement(Spawn spawn, int position, String message) {
    }

    private final Clock clock;

    QueueRanking(Clock clock) {
        this.clock = clock;
    }

    /** Ranks the waiting spawns of one poll, records each one's position, and returns those that changed. */
    List<Announcement> rank(List<Spawn> queued) {
        List<Spawn> order = new ArrayList<>(queued);
        order.sort(Comparator.comparing((Spawn s) -> Optional.ofNullable(s.scheduledStart).orElse(Instant.MAX))
                .thenComparing(s -> s.job.id()));
        List<Announcement> news = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Spawn s = order.get(i);
            Integer position = i + 1;
            if (!position.equals(s.queuePosition) || !Objects.equals(s.scheduledStart, s.announcedStart)) {
                s.queuePosition = position;
                s.announcedStart = s.scheduledStart;
                String estimate = s.scheduledStart == null ? ""
                        : ", estimated start " + EstimatedStart.describe(s.scheduledStart, clock.instant(), clock.getZone());
                news.add(new Announcement(s, position, "Job " + s.job.id() + " is waiting, position " + position + estimate));
            }
        }
        return news;
    }
}
