package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
 * A user in headless Chromium (Debian's, driven by playwright-core through deploy/browser/spawn-gpu.mjs): logs
 * in, chooses "HPC node - GPU", sees the job wait in OAR's queue and the progress messages, lands on the
 * notebook. The screenshots go to service/target/screenshots.
 */
@ExtendWith(HubStack.Extension.class)
class BrowserIT {
    static final Path SCREENSHOTS = HubStack.ROOT.resolve("service/target/screenshots");

    @Test
    void logInChooseTheGpuNodeWaitInTheQueueAndLandOnTheNotebook(HubStack hub) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        String blocker = HubStack.holdGpuNode();
        List<String> lines = new ArrayList<>();
        try {
            Process node = new ProcessBuilder("node", HubStack.ROOT.resolve("deploy/browser/spawn-gpu.mjs").toString(),
                    HubStack.HUB, "alice", "oarspawner-demo", SCREENSHOTS.toString(), "--expect-queue")
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                 OutputStream in = node.getOutputStream()) {
                String line;
                while ((line = out.readLine()) != null) {
                    System.out.println("[browser] " + line);
                    lines.add(line);
                    if (line.equals("QUEUED")) {
                        // The progress page showed the job waiting: free the node, the job starts.
                        LocalCluster.run("oardel", blocker);
                        in.write("go\n".getBytes(StandardCharsets.UTF_8));
                        in.flush();
                    }
                }
            }
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).as(String.join("\n", lines)).isZero();
        } finally {
            LocalCluster.run("oardel", blocker);
        }
        String output = String.join("\n", lines);
        assertThat(output).contains("QUEUED").containsPattern("notebook at http://127\\.0\\.0\\.1:8000/user/alice/tree")
                .contains("Submitted as job").contains("is running on node node-gpu");
        for (String png : List.of("1-spawn-form.png", "2-progress.png", "3-notebook.png")) {
            assertThat(Files.size(SCREENSHOTS.resolve(png))).as(png).isGreaterThan(10_000);
        }
        assertThat(HubStack.jobs("alice", "")).hasSize(1);
    }
}
