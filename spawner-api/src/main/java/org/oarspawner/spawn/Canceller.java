package org.oarspawner.spawn;

import io.vertx.core.Future;
import java.util.function.Consumer;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels a spawn's job until OAR confirms: one oardel at a time per spawn, and one that did not get through
 * goes again on the next poll, whatever the spawn's state (the poller keeps a spawn while its cancel is
 * unconfirmed), so that no end path leaves a job running. A confirmation is the scheduler's answer (cancelled,
 * already ended, unknown) or OAR showing the job ended. Runs on the manager's context.
 */
final class Canceller {
    private static final Logger LOG = LoggerFactory.getLogger(Canceller.class);

    private final Scheduler scheduler;
    private final Consumer<Spawn> confirmedAfterEnd;

    /** @param confirmedAfterEnd what to do once the cancel of a spawn that already ended is confirmed (clean up) */
    Canceller(Scheduler scheduler, Consumer<Spawn> confirmedAfterEnd) {
        this.scheduler = scheduler;
        this.confirmedAfterEnd = confirmedAfterEnd;
    }

    /** Sends oardel unless one is out or the cancel is confirmed; fails as the scheduler did, and is retried then. */
    Future<?> cancel(Spawn s) {
        s.cancelWanted = true;
        if (s.cancelConfirmed || s.cancelOut) {
            return Future.succeededFuture();
        }
        s.cancelOut = true;
        return scheduler.cancel(s.job).onComplete(r -> {
            s.cancelOut = false;
            if (r.succeeded()) {
                confirmed(s);
            } else {
                LOG.warn("event=cancel_failed user={} server={} cluster={} job={} retry=next_poll error=\"{}\"", s.key.user(),
                        s.key.server(), s.cluster, s.job.id(), String.valueOf(r.cause().getMessage()).replace('"', '\''));
            }
        });
    }

    /** A poll of an ended spawn whose cancel is unconfirmed: done if OAR shows its job ended, else oardel again. */
    void polledAfterEnd(Spawn s, JobStatus j) {
        if (j.state().isFinal()) {
            confirmed(s);
        } else {
            cancel(s);
        }
    }

    /** OAR shows the job ended: nothing is left to cancel. */
    void jobEnded(Spawn s) {
        s.cancelConfirmed = true;
    }

    private void confirmed(Spawn s) {
        if (!s.cancelConfirmed) {
            s.cancelConfirmed = true;
            // A spawn that ended before its job (the start timeout) is done now; a stopping one once OAR shows the end.
            if (s.state.isFinal()) {
                confirmedAfterEnd.accept(s);
            }
        }
    }
}
