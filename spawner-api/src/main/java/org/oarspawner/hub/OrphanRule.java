package org.oarspawner.hub;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

/**
 * When a spawn is an orphan, a job the hub has abandoned. The rule:
 * <ul>
 *   <li>only an answer of the reachable hub counts: a complete list of the servers it has ready or pending;</li>
 *   <li>a live spawn is cancelled once that list has left it out at {@code checks} consecutive checks, the first
 *       of them at least {@code grace} ago, and the spawn itself is older than {@code grace};</li>
 *   <li>any check at which the hub could not be asked (no answer, 5xx, an unreadable list) restarts the grace for
 *       every spawn: a hub down for maintenance never costs a job;</li>
 *   <li>a list that holds the server again restarts its grace;</li>
 *   <li>a list that leaves out more than half of the live spawns, and at least {@link #MASS_LOSS} of them, is not
 *       believed: a hub on a fresh database or a token scoped to some users answers that way, and a class's jobs
 *       must not all go for it. It counts as no answer.</li>
 * </ul>
 * Not thread-safe: the reaper calls it from one context.
 */
public final class OrphanRule {
    /** How long the hub has left out a spawn, and at how many checks in a row. */
    public record Suspect(SpawnKey key, Instant since, int checks) {
    }

    /** How many left-out spawns, when they are more than half of the live ones, make an answer unbelievable. */
    public static final int MASS_LOSS = 3;

    private final Duration grace;
    private final int checks;
    private boolean disbelieved;
    private final Clock clock;
    private final Map<SpawnKey, Suspect> suspects = new HashMap<>();
    /** When this service first saw each spawn: the age of one whose submission time is not known yet. */
    private final Map<SpawnKey, Instant> firstSeen = new HashMap<>();

    public OrphanRule(Duration grace, int checks, Clock clock) {
        this.grace = grace;
        this.checks = checks;
        this.clock = clock;
    }

    /** The hub could not be asked: nothing may be concluded, and every grace starts again. */
    public void hubUnavailable() {
        suspects.clear();
    }

    /**
     * The reachable hub answered with the servers it knows; {@code spawns} is every spawn of the service. Returns
     * the live spawns that are now orphans, to cancel. {@link #suspects()} then holds those still in their grace.
     */
    public List<Spawn.View> hubAnswered(Set<SpawnKey> known, List<Spawn.View> spawns) {
        List<Spawn.View> alive = spawns.stream().filter(s -> !s.state().isFinal() && s.state() != SpawnState.STOPPING).toList();
        long missing = alive.stream().filter(s -> !known.contains(s.key())).count();
        disbelieved = missing >= MASS_LOSS && missing * 2 > alive.size();
        if (disbelieved) {
            hubUnavailable();
            return List.of();
        }
        Instant now = clock.instant();
        List<Spawn.View> orphans = new ArrayList<>();
        Set<SpawnKey> live = new HashSet<>();
        for (Spawn.View s : spawns) {
            if (s.state().isFinal() || s.state() == SpawnState.STOPPING) {
                continue;
            }
            live.add(s.key());
            Instant seen = firstSeen.computeIfAbsent(s.key(), k -> now);
            if (known.contains(s.key())) {
                suspects.remove(s.key());
                continue;
            }
            Suspect before = suspects.get(s.key());
            Suspect next = before == null ? new Suspect(s.key(), now, 1) : new Suspect(s.key(), before.since(), before.checks() + 1);
            suspects.put(s.key(), next);
            // Its submission to OAR (after a restart, OAR's own time), or else when this service first saw it.
            Instant born = s.submittedAt().orElse(seen);
            if (next.checks() >= checks && !now.isBefore(next.since().plus(grace)) && !now.isBefore(born.plus(grace))) {
                orphans.add(s);
                suspects.remove(s.key());
            }
        }
        suspects.keySet().retainAll(live);
        firstSeen.keySet().retainAll(live);
        return orphans;
    }

    /** The spawns the hub has left out so far, still within their grace. */
    public Map<SpawnKey, Suspect> suspects() {
        return Map.copyOf(suspects);
    }

    public Optional<Suspect> suspect(SpawnKey key) {
        return Optional.ofNullable(suspects.get(key));
    }

    /** Whether the last answer left out too many live spawns to be believed. */
    public boolean disbelieved() {
        return disbelieved;
    }

    public Duration grace() {
        return grace;
    }
}
