package org.oarspawner.spawn;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** OAR's estimated start as a person reads it on the progress page: "04:48 UTC (in about 20 min)". */
final class EstimatedStart {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private EstimatedStart() {
    }

    static String describe(Instant start, Instant now) {
        Duration in = Duration.between(now, start);
        if (in.compareTo(Duration.ofMinutes(1)) < 0) {
            return "any moment now";
        }
        String when = (in.compareTo(Duration.ofHours(20)) < 0 ? TIME : DAY_TIME).format(start) + " UTC";
        long minutes = (in.toSeconds() + 59) / 60;
        String wait = minutes < 60 ? minutes + " min"
                : minutes < 48 * 60 ? (minutes / 60) + " h " + (minutes % 60) + " min"
                : (minutes / (24 * 60)) + " days";
        return when + " (in about " + wait + ")";
    }
}
