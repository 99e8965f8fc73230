package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.JobStatus;

class JobEndTest {
    private static JobStatus ended(OptionalInt exit, OptionalInt signal, String... events) {
        return new JobStatus(new JobRef("cpu", 42, "bob"), Optional.empty(), JobState.ERROR, "Error", List.of(), Duration.ofHours(1),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), exit, signal, "", List.of(events));
    }

    @Test
    void walltimeThenOardelFromOutsideThenTheNotebooksOwnExit() {
        assertThat(JobEnd.of(ended(OptionalInt.empty(), OptionalInt.of(15), "WALLTIME", "FRAG_JOB_REQUEST"), true))
                .isEqualTo(new JobEnd(FailureReason.WALLTIME, "reached its walltime"));
        assertThat(JobEnd.of(ended(OptionalInt.empty(), OptionalInt.empty(), "FRAG_JOB_REQUEST"), false))
                .isEqualTo(new JobEnd(FailureReason.CANCELLED, "was deleted outside the hub (oardel)"));
        assertThat(JobEnd.of(ended(OptionalInt.of(3), OptionalInt.empty()), false))
                .isEqualTo(new JobEnd(FailureReason.ENDED_BEFORE_READY, "ended with exit status 3"));
        assertThat(JobEnd.of(ended(OptionalInt.empty(), OptionalInt.of(9)), true))
                .isEqualTo(new JobEnd(FailureReason.CANCELLED, "ended on signal 9"));
    }
}
