package org.oarspawner.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A job as one status query saw it.
 *
 * @param key            the spawn the job belongs to, when its name is one of ours
 * @param schedulerState the scheduler's own state name, for messages
 * @param nodes          the nodes the job runs on; empty until placed
 * @param scheduledStart the scheduler's estimated start for a waiting job
 * @param exitStatus     the command's exit status once it ended on its own
 * @param signal         the signal that ended the command, if one did
 * @param events         the scheduler's event types for the job, e.g. WALLTIME
 */
public record JobStatus(
        JobRef ref,
        Optional<SpawnKey> key,
        JobState state,
        String schedulerState,
        List<String> nodes,
        Duration walltime,
        Optional<Instant> submitted,
        Optional<Instant> started,
        Optional<Instant> scheduledStart,
        Optional<Instant> stopped,
        OptionalInt exitStatus,
        OptionalInt signal,
        String message,
        List<String> events) {

    public JobStatus {
        nodes = List.copyOf(nodes);
        events = List.copyOf(events);
    }

    /** The status of a job the scheduler no longer knows. */
    public static JobStatus gone(JobRef ref) {
        return new JobStatus(ref, Optional.empty(), JobState.GONE, "unknown", List.of(), Duration.ZERO,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                OptionalInt.empty(), OptionalInt.empty(), "", List.of());
    }

    /** The event of a job that reached its walltime. */
    public static final String WALLTIME = "WALLTIME";
    /** The event of a granted walltime change (OAR 2.5.9 logs it as WALLTIME too; the backend tells them apart). */
    public static final String WALLTIME_CHANGED = "WALLTIME_CHANGED";
    /** The event of each warning signal sent to the job before its walltime ends (OAR's --checkpoint). */
    public static final String CHECKPOINT = "CHECKPOINT";

    public boolean walltimeReached() {
        return events.contains(WALLTIME);
    }

    /** Whether the scheduler warned the job (a checkpoint signal) since its walltime last changed: for its current end. */
    public boolean warnedBeforeEnd() {
        int changed = events.lastIndexOf(WALLTIME_CHANGED);
        return events.subList(changed + 1, events.size()).contains(CHECKPOINT);
    }

    /** Time left before the walltime kills the job, for a started job. */
    public Optional<Duration> walltimeLeft(Instant now) {
        return started.map(s -> {
            // OAR dates the jobs a scheduler pass starts one second ahead (oar_meta_sched: $current_time_sec++), so a job
            // seen at once may have started "in the future": no time has passed for it yet, it has its whole walltime.
            Duration elapsed = Duration.between(s, now);
            Duration left = walltime.minus(elapsed.isNegative() ? Duration.ZERO : elapsed);
            return left.isNegative() ? Duration.ZERO : left;
        });
    }
}
