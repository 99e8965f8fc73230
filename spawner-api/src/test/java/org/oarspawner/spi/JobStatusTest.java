package org.oarspawner.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class JobStatusTest {
    private static JobStatus running(Instant started) {
        return new JobStatus(new JobRef("cpu", 1, "alice"), Optional.empty(), JobState.RUNNING, "Running", List.of("node-cpu"),
                Duration.ofMinutes(10), Optional.empty(), Optional.of(started), Optional.empty(), Optional.empty(),
                OptionalInt.empty(), OptionalInt.empty(), "", List.of());
    }

    @Test
    void aJobOarDatedOneSecondAheadHasItsWholeWalltimeLeftNeverMore() {
        Instant now = Instant.parse("2026-11-29T13:53:36.975Z");
        assertThat(running(Instant.parse("2026-11-29T13:53:37Z")).walltimeLeft(now)).contains(Duration.ofMinutes(10));
        assertThat(running(now.minusSeconds(60)).walltimeLeft(now)).contains(Duration.ofMinutes(9));
        assertThat(running(now.minusSeconds(3600)).walltimeLeft(now)).contains(Duration.ZERO);
    }
}
