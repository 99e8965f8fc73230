package org.oarspawner.hub;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

/** Spawn views and a clock that moves only when told to, for the reaper's tests. */
final class Views {
    static final Instant T0 = Instant.parse("2026-11-29T06:00:00Z");

    private Views() {
    }

    static Spawn.View view(String user, String server, SpawnState state, Instant submitted, long job) {
        return new Spawn.View(new SpawnKey(user, server), "gpu", user, Optional.of(job), state, Optional.empty(), "",
                List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.ofNullable(submitted),
                Optional.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty(), "");
    }

    static final class MovingClock extends Clock {
        Instant now = T0;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
