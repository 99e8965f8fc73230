package org.oarspawner.spawn;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * How long the service remembers ended spawns (for the hub's poll and the user's last look at the progress page),
 * and how many at most: an ended spawn goes once it is older than {@code keep}, or sooner when more than
 * {@code maxEnded} have ended, oldest first. A spawn whose job may still run (its cancel unconfirmed, its files
 * not yet cleaned) is never forgotten: OAR must not be left with a job nobody tracks.
 *
 * @param keep     how long after its end a spawn is kept (configuration {@code spawns.retention})
 * @param maxEnded how many ended spawns are kept at most (configuration {@code spawns.maxEnded})
 */
public record Retention(Duration keep, int maxEnded) {
    public static final Retention DEFAULT = new Retention(Duration.ofHours(1), 1000);

    public Retention {
        if (keep == null || keep.isNegative()) {
            throw new IllegalArgumentException("retention must be zero or more, got " + keep);
        }
        if (maxEnded < 0) {
            throw new IllegalArgumentException("maxEnded must be zero or more, got " + maxEnded);
        }
    }

    /** The spawns to forget now: those ended longer than {@code keep} ago, then the oldest beyond {@code maxEnded}. */
    List<Spawn> toEvict(Collection<Spawn> spawns, Instant now) {
        List<Spawn> ended = new ArrayList<>(spawns.stream().filter(Retention::done).toList());
        ended.sort(Comparator.comparing((Spawn s) -> s.endedAt));
        List<Spawn> evict = new ArrayList<>();
        Instant cutoff = now.minus(keep);
        int over = ended.size() - maxEnded;
        for (Spawn s : ended) {
            if (s.endedAt.isBefore(cutoff) || evict.size() < over) {
                evict.add(s);
            }
        }
        return evict;
    }

    /** Ended, its files cleaned and its job confirmed over: nothing about it is left to do. */
    private static boolean done(Spawn s) {
        return s.state.isFinal() && s.endedAt != null && s.settled.future().isComplete() && !s.cancelPending();
    }
}
