package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class EstimatedStartTest {
    private static final Instant NOW = Instant.parse("2026-11-26T04:28:00Z");
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void minutesHoursAndDaysAhead() {
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T04:48:11Z"), NOW, UTC)).isEqualTo("04:48 UTC (in about 21 min)");
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T07:10:00Z"), NOW, UTC)).isEqualTo("07:10 UTC (in about 2 h 42 min)");
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-29T09:00:00Z"), NOW, UTC)).isEqualTo("2026-11-29 09:00 UTC (in about 3 days)");
    }

    @Test
    void inTheSitesTimeZone() {
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T04:48:11Z"), NOW, ZoneId.of("Europe/Paris")))
                .isEqualTo("05:48 CET (in about 21 min)");
        assertThat(EstimatedStart.describe(Instant.parse("2026-11-26T04:48:11Z"), NOW, java.time.ZoneOffset.UTC))
                .isEqualTo("04:48 UTC (in about 21 min)");
    }

    @Test
    void aStartDueOrPastIsAnyMomentNow() {
        assertThat(EstimatedStart.describe(NOW.plusSeconds(30), NOW, UTC)).isEqualTo("any moment now");
        assertThat(EstimatedStart.describe(NOW.minusSeconds(600), NOW, UTC)).isEqualTo("any moment now");
    }
}
