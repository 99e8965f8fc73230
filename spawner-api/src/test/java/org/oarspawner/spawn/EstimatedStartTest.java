package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EstimatedStartTest {
    private static final Instant NOW = Instant.parse("2026-11-26T04:28:00Z");

    @Test
    void minutesHoursAndDaysAhead() {
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T04:48:11Z"), NOW)).isEqualTo("04:48 UTC (in about 21 min)");
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T07:10:00Z"), NOW)).isEqualTo("07:10 UTC (in about 2 h 42 min)");
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-29T09:00:00Z"), NOW)).isEqualTo("2026-11-29 09:00 UTC (in about 3 days)");
    }

    @Test
    void aStartDueOrPastIsAnyMomentNow() {
        assertThat(EstimatedStart.describe(NOW.plusSeconds(30), NOW)).isEqualTo("any moment now");
        assertThat(EstimatedStart.describe(NOW.minusSeconds(600), NOW)).isEqualTo("any moment now");
    }
}
