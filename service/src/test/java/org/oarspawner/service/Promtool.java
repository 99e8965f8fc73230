package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Debian's promtool (package prometheus), on a scrape. */
final class Promtool {
    private Promtool() {
    }

    /** What `promtool check metrics` prints about a scrape (standard output and error); fails unless it exits 0. */
    static String checkMetrics(String scrape) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool ended").isTrue();
        System.out.printf("promtool check metrics: exit %d, %d bytes of output%n", p.exitValue(), out.length());
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
