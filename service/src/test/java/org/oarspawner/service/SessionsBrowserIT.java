package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.LocalCluster;

/**
 * The HPC sessions page in headless Chromium (deploy/browser/sessions.mjs): alice sees the free resources in the
 * spawn form, starts a CPU server, opens the page from the hub's home, sees the countdown and extends her walltime
 * by 1 h; bob (whose server the test starts through the hub's API) sees none of hers; the hub admin sees both.
 * Screenshots 4- to 9- under service/target/screenshots.
 */
@ExtendWith(HubStack.Extension.class)
class SessionsBrowserIT {
    /** The click on "Extend by 1 h" must move the end time (-Dsessions.extend=false only to look at the rest). */
    static final boolean EXTENDS = Boolean.parseBoolean(System.getProperty("sessions.extend", "true"));

    @Test
    void aUserSeesHerSessionsCountdownAndExtensionBobSeesNoneOfThemTheAdminSeesBoth(HubStack hub) throws Exception {
        Files.createDirectories(BrowserIT.SCREENSHOTS);
        assertThat(hub.hub("POST", "/hub/api/users/bob", null).statusCode()).isIn(201, 409);
        HttpResponse<String> spawn = hub.hub("POST", HubStack.serverPath("bob", ""),
                new JsonObject().put("profile", "cpu-1core-2h").put("project", LocalCluster.PROJECT));
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
        List<JsonObject> events = hub.progress("bob", "");
        assertThat(events.get(events.size() - 1).getBoolean("ready")).as(events.toString()).isTrue();

        List<String> command = new ArrayList<>(List.of("node", HubStack.ROOT.resolve("deploy/browser/sessions.mjs").toString(),
                HubStack.HUB, "oarspawner-demo", BrowserIT.SCREENSHOTS.toString()));
        if (EXTENDS) {
            command.add("--extend");
        }
        Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        String job = null;
        // From the click, OAR is asked every 200 ms for the job's walltime, in parallel with the browser.
        java.util.concurrent.atomic.AtomicLong oarShows = new java.util.concurrent.atomic.AtomicLong(-1);
        Thread watcher = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println("[browser] " + line);
                lines.add(line);
                if (line.startsWith("JOB ")) {
                    job = line.substring(4).strip();
                }
                if (line.equals("EXTEND_CLICKED") && EXTENDS && job != null) {
                    long clicked = System.nanoTime();
                    String id = job;
                    watcher = new Thread(() -> {
                        while (System.nanoTime() - clicked < 120_000_000_000L) {
                            if (walltimeSeconds(id) == 7200) {
                                oarShows.set((System.nanoTime() - clicked) / 1_000_000);
                                return;
                            }
                            LocalCluster.sleep(200);
                        }
                    });
                    watcher.start();
                }
            }
        }
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = String.join("\n", lines);
        assertThat(node.exitValue()).as(output).isZero();
        assertThat(output).containsPattern("FREE .*free now: \\d+ cores").containsPattern("COUNTDOWN \\d+ h \\d\\d min \\d\\d s -> ")
                .contains("none of alice's", "alice's and bob's");
        assertThat(job).isNotNull();
        assertThat(HubStack.jobs("alice", "")).containsExactly(Long.parseLong(job));
        if (EXTENDS) {
            assertThat(output).contains("EXTENDED ends");
            watcher.join(130_000);
            assertThat(walltimeSeconds(job)).as("OAR's walltime of job " + job + " after Extend by 1 h").isEqualTo(7200);
            System.out.printf("Extend clicked to OAR showing the new walltime (oarstat every 200 ms): %d ms%n", oarShows.get());
        }
        List<String> shots = new ArrayList<>(List.of("4-spawn-form-free.png", "5-sessions.png", "7-sessions-phone.png",
                "8-sessions-bob.png", "9-sessions-admin.png"));
        if (EXTENDS) {
            shots.add("6-sessions-extended.png");
        }
        for (String png : shots) {
            Path p = BrowserIT.SCREENSHOTS.resolve(png);
            assertThat(Files.size(p)).as(png).isGreaterThan(10_000);
        }
    }

    /** The job's walltime in seconds, as OAR shows it now (oarstat -fJ). */
    static long walltimeSeconds(String job) {
        return new JsonObject(LocalCluster.run("oarstat", "-fJ", "-j", job)).getJsonObject(job).getLong("walltime", -1L);
    }
}
