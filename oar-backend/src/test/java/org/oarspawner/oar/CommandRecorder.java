package org.oarspawner.oar;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.oarspawner.spi.SchedulerMetrics;

/** Records each frontend command the scheduler reports: its kind, and when it ended and how long it took. */
final class CommandRecorder implements SchedulerMetrics {
    /** One command: System.nanoTime() when it ended, and its duration (so it began at endNanos - durationNanos). */
    record Sent(Command command, Outcome outcome, long endNanos, long durationNanos) {
        long startNanos() {
            return endNanos - durationNanos;
        }
    }

    private final Map<Command, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();

    @Override
    public void command(String cluster, Command command, Outcome outcome, Duration duration) {
        counts.computeIfAbsent(command, c -> new AtomicInteger()).incrementAndGet();
        sent.add(new Sent(command, outcome, System.nanoTime(), duration.toNanos()));
    }

    @Override
    public void reconnected(String cluster) {
    }

    int count(Command command) {
        AtomicInteger n = counts.get(command);
        return n == null ? 0 : n.get();
    }

    List<Sent> sent(Command command) {
        return sent.stream().filter(s -> s.command() == command).toList();
    }
}
