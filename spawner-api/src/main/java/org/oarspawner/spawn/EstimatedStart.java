package org.oarspawner.spawn;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * OAR's estimated start as a person reads it on the progress page, in the site's time zone (the configuration's
 * {@code timeZone}): "05:48 CET (in about 20 min)".
 */
final class EstimatedStart {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm z", Locale.ROOT);
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

    private EstimatedStart() {
    }

    /** A time of day as users read it, in the site's zone: "14:05 CET". */
    static String timeOfDay(Instant t, ZoneId zone) {
        return TIME.format(t.atZone(shown(zone)));
    }

    private static ZoneId shown(ZoneId zone) {
        return zone.normalized().equals(ZoneOffset.UTC) ? ZoneId.of("UTC") : zone;
    }

    static String describe(Instant start, Instant now, ZoneId zone) {
        Duration in = Duration.between(now, start);
        if (in.compareTo(Duration.ofMinutes(1)) < 0) {
            return "any moment now";
        }
        // A bare offset prints as "Z": name UTC as people write it.
        ZoneId shown = zone.normalized().equals(ZoneOffset.UTC) ? ZoneId.of("UTC") : zone;
        String when = (in.compareTo(Duration.ofHours(20)) < 0 ? TIME : DAY_TIME).format(start.atZone(shown));
        long minutes = (in.toSeconds() + 59) / 60;
        String wait = minutes < 60 ? minutes + " min"
                : minutes < 48 * 60 ? (minutes / 60) + " h " + (minutes % 60) + " min"
                : (minutes / (24 * 60)) + " days";
        return when + " (in about " + wait + ")";
    }
}
