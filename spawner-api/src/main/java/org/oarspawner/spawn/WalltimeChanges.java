package org.oarspawner.spawn;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.WalltimeChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walltime extensions (POST .../walltime): a request is checked against the spawn's state and the cluster's
 * {@code limits.maxWalltime} before anything runs, then sent to OAR (oarwalltime as the job's login). An accepted one
 * stays pending until a poll shows OAR's walltime grown; it is applied then, with the new end. OAR's own message
 * reaches the user either way. Runs on the manager's context.
 */
final class WalltimeChanges {
    private static final Logger LOG = LoggerFactory.getLogger(WalltimeChanges.class);

    /** Appends an event to the spawn's log without changing its state. */
    interface Notes {
        void note(Spawn s, String message);
    }

    private final Scheduler scheduler;
    private final Clock clock;
    private final Function<String, Optional<Duration>> maxWalltime;
    private final Notes notes;

    /** @param maxWalltime a cluster's longest walltime in all ({@code limits.maxWalltime}), if it has one */
    WalltimeChanges(Scheduler scheduler, Clock clock, Function<String, Optional<Duration>> maxWalltime, Notes notes) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.maxWalltime = maxWalltime;
        this.notes = notes;
    }

    /** An extension adds something: whatever the spawn, a zero or negative one is the request's fault. */
    static void checkAdd(Duration add) {
        if (add.isNegative() || add.isZero()) {
            throw new InvalidFieldException("add", "must be more than 0:00");
        }
    }

    /** Whether the spawn's job runs: only then may OAR change its walltime. */
    static boolean running(Spawn s) {
        return s.job != null && s.runningAt != null && s.walltime != null
                && (s.state == SpawnState.STARTING || s.state == SpawnState.READY);
    }

    /** Asks OAR for {@code add} more; fails with {@link WalltimeRefusal} or {@link InvalidFieldException}, nothing sent. */
    Future<Spawn.View> extend(Spawn s, Duration add) {
        checkAdd(add);
        if (!running(s)) {
            throw new WalltimeRefusal(WalltimeRefusal.Kind.NOT_RUNNING, "server '" + s.key.server() + "' of user " + s.key.user()
                    + " is " + s.state.name().toLowerCase() + ": only a running session's walltime can be extended");
        }
        Duration before = s.walltime;
        Optional<Duration> max = maxWalltime.apply(s.cluster);
        if (max.isPresent() && before.plus(add).compareTo(max.get()) > 0) {
            Duration left = max.get().minus(before);
            throw new InvalidFieldException("add", "a session on " + s.cluster + " may run at most " + hms(max.get())
                    + " in all; this one has " + hms(before) + (left.isNegative() || left.isZero() ? ", so it cannot be extended"
                    : ", so at most " + hms(left) + " can be added"));
        }
        Instant at = clock.instant();
        return scheduler.extendWalltime(s.job, add).map(answer -> {
            LOG.info("event=walltime_change user={} server={} cluster={} job={} add={} outcome={}", s.key.user(), s.key.server(),
                    s.cluster, s.job.id(), hms(add), answer.outcome().name().toLowerCase());
            Spawn.WalltimeRequest r = new Spawn.WalltimeRequest(Spawn.WalltimeRequest.State.PENDING, add, at, answer.message(), before);
            switch (answer.outcome()) {
                case ACCEPTED -> {
                    s.walltimeChange = r;
                    notes.note(s, "Extension of the walltime by " + hms(add) + " requested; OAR applies it at its next pass"
                            + " if it delays no other job");
                    return s.snapshot();
                }
                case FORBIDDEN, BAD_REQUEST -> {
                    s.walltimeChange = r.with(Spawn.WalltimeRequest.State.REFUSED, answer.message());
                    throw new WalltimeRefusal(WalltimeRefusal.Kind.REFUSED, answer.message());
                }
                case DISABLED -> throw new WalltimeRefusal(WalltimeRefusal.Kind.DISABLED, "cluster " + s.cluster
                        + " does not allow walltime extensions (OAR: " + answer.message() + ")");
                case UNKNOWN_JOB -> throw new WalltimeRefusal(WalltimeRefusal.Kind.NOT_FOUND, "OAR does not know job "
                        + s.job.id() + " (" + answer.message() + ")");
                default -> throw new IllegalStateException("unhandled outcome " + answer.outcome());
            }
        });
    }

    /**
     * OAR's walltime as a poll saw it (call after the spawn's end was set from it): a pending extension is applied
     * once it grew, and the user reads the new end.
     */
    void polled(Spawn s, Duration walltime) {
        s.walltime = walltime;
        Spawn.WalltimeRequest r = s.walltimeChange;
        if (r == null || r.state() != Spawn.WalltimeRequest.State.PENDING || walltime.compareTo(r.walltimeBefore()) <= 0) {
            return;
        }
        String ends = s.walltimeEnd == null ? "" : ": your session on " + s.cluster + " now ends at "
                + EstimatedStart.timeOfDay(s.walltimeEnd, clock.getZone());
        String message = "Walltime extended by " + hms(walltime.minus(r.walltimeBefore())) + ends;
        s.walltimeChange = r.with(Spawn.WalltimeRequest.State.APPLIED, message);
        LOG.info("event=walltime_extended user={} server={} cluster={} job={} walltime={} after_ms={}", s.key.user(),
                s.key.server(), s.cluster, s.job.id(), hms(walltime), Duration.between(r.requestedAt(), clock.instant()).toMillis());
        notes.note(s, message);
    }

    private static String hms(Duration d) {
        return Grammar.walltimeText(d);
    }
}
