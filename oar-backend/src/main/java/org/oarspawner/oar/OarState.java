package org.oarspawner.oar;

import org.oarspawner.spi.JobState;

/** OAR 2.5's twelve job states, as oarstat spells them. */
public enum OarState {
    Waiting(JobState.WAITING),
    Hold(JobState.HELD),
    toLaunch(JobState.LAUNCHING),
    toError(JobState.ERROR),
    toAckReservation(JobState.WAITING),
    Launching(JobState.LAUNCHING),
    Running(JobState.RUNNING),
    Suspended(JobState.SUSPENDED),
    Resuming(JobState.SUSPENDED),
    Finishing(JobState.FINISHING),
    Terminated(JobState.TERMINATED),
    Error(JobState.ERROR);

    private final JobState jobState;

    OarState(JobState jobState) {
        this.jobState = jobState;
    }

    public JobState jobState() {
        return jobState;
    }

    /** Parses oarstat's state; an unknown name (a future OAR) is an error, not a guess. */
    public static OarState parse(String name) {
        for (OarState s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown OAR job state: " + name);
    }
}
