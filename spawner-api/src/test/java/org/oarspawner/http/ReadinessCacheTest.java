package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessCacheTest {
    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final ManualClock clock = new ManualClock();
    final List<String> pinged = new ArrayList<>();
    final List<Promise<Void>> pending = new ArrayList<>();

    ReadinessCache cache() {
        return new ReadinessCache(cluster -> {
            pinged.add(cluster);
            Promise<Void> p = Promise.promise();
            pending.add(p);
            return p.future();
        }, Duration.ofSeconds(2), clock);
    }

    @Test
    void atMostOnePingPerClusterPerTickHoweverManyRequests() {
        ReadinessCache cache = cache();
        for (int i = 0; i < 100; i++) {
            cache.check(List.of("cpu", "gpu"));
        }
        // Still pending: every request shares the one ping of each cluster.
        assertThat(pinged).containsExactly("cpu", "gpu");
        pending.forEach(Promise::complete);
        clock.now = clock.now.plusMillis(1999);
        for (int i = 0; i < 100; i++) {
            assertThat(cache.check("cpu").succeeded()).isTrue();
        }
        assertThat(pinged).hasSize(2);
        // A tick later, one new ping per cluster.
        clock.now = clock.now.plusMillis(1);
        cache.check(List.of("cpu", "gpu"));
        cache.check(List.of("cpu", "gpu"));
        assertThat(pinged).containsExactly("cpu", "gpu", "cpu", "gpu");
    }

    @Test
    void aFailureIsCachedForTheTickToo() {
        ReadinessCache cache = cache();
        Future<Void> first = cache.check("cpu");
        pending.get(0).fail("ssh: connection refused");
        assertThat(cache.check("cpu").cause()).hasMessage("ssh: connection refused");
        assertThat(first.failed()).isTrue();
        assertThat(pinged).hasSize(1);
        clock.now = clock.now.plusSeconds(2);
        assertThat(cache.check("cpu").isComplete()).isFalse();
        assertThat(pinged).hasSize(2);
    }

    @Test
    void aPingThatThrowsIsAFailedCheck() {
        ReadinessCache cache = new ReadinessCache(c -> {
            throw new IllegalStateException("no such cluster " + c);
        }, Duration.ofSeconds(2), clock);
        assertThat(cache.check("cpu").cause()).hasMessage("no such cluster cpu");
    }
}
