package org.oarspawner.spawn;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warning before a running spawn's walltime ends: "ending soon" once OAR's checkpoint signal came for the current
 * end (its CHECKPOINT events, read by the poll), or once the clock says the end is within the cluster's lead (OAR's
 * startTime + walltime - lead), in case the signal is lost or the poll is late. One event each time it comes on; an
 * extension that moves the end beyond the lead clears it. Checked at each poll and each tick, on the manager's context.
 */
final class EndingSoon {
    private static final Logger LOG = LoggerFactory.getLogger(EndingSoon.class);

    private final Function<String, Duration> lead;
    private final Clock clock;
    private final WalltimeChanges.Notes notes;

    /** @param lead a cluster's warning lead (oarsub --checkpoint); zero: no warning by the clock */
    EndingSoon(Function<String, Duration> lead, Clock clock, WalltimeChanges.Notes notes) {
        this.lead = lead;
        this.clock = clock;
        this.notes = notes;
    }

    /** Each tick: the clock's side, for every running spawn. */
    void tick(Collection<Spawn> spawns) {
        spawns.forEach(this::check);
    }

    void check(Spawn s) {
        if (s.walltimeEnd == null || !WalltimeChanges.running(s)) {
            return;
        }
        Instant now = clock.instant();
        Duration l = lead.apply(s.cluster);
        boolean byClock = l.toSeconds() > 0 && !now.isBefore(s.walltimeEnd.minus(l));
        boolean soon = byClock || s.warnedByOar;
        if (soon == s.endingSoon) {
            return;
        }
        s.endingSoon = soon;
        if (!soon) {
            return;
        }
        long minutes = Math.max(0, (Duration.between(now, s.walltimeEnd).toSeconds() + 59) / 60);
        LOG.info("event=ending_soon user={} server={} cluster={} job={} ends_at={} by={}", s.key.user(), s.key.server(),
                s.cluster, s.job.id(), s.walltimeEnd, s.warnedByOar ? "signal" : "clock");
        notes.note(s, "Your session on " + s.cluster + " ends at " + EstimatedStart.timeOfDay(s.walltimeEnd, clock.getZone())
                + " (in " + minutes + " min): save your work, or extend it");
    }
}
