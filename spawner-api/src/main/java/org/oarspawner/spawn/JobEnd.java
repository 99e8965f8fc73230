package org.oarspawner.spawn;

import org.oarspawner.spi.JobStatus;

/**
 * Why a job ended that the service did not stop, as the user reads it: walltime, an oardel from outside, or the
 * notebook's own exit (with its status or signal).
 *
 * @param why the end of "Job 1234 ...": "reached its walltime", "ended with exit status 3"
 */
record JobEnd(FailureReason reason, String why) {

    /** @param wasReady whether the notebook had answered: a ready notebook's end is a cancel, not a failed start */
    static JobEnd of(JobStatus j, boolean wasReady) {
        if (j.walltimeReached()) {
            return new JobEnd(FailureReason.WALLTIME, "reached its walltime");
        }
        if (j.events().contains("FRAG_JOB_REQUEST")) {
            return new JobEnd(FailureReason.CANCELLED, "was deleted outside the hub (oardel)");
        }
        return new JobEnd(wasReady ? FailureReason.CANCELLED : FailureReason.ENDED_BEFORE_READY,
                "ended" + j.exitStatus().stream().mapToObj(x -> " with exit status " + x).findFirst().orElse("")
                        + j.signal().stream().mapToObj(x -> " on signal " + x).findFirst().orElse(""));
    }
}
