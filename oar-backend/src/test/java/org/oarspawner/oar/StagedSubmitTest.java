package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-user staging script (stage-submit.sh, sent as one line) run here by /bin/sh in a home of its own, with
 * /bin/echo as oarsub: the frame's files land with their modes and exact bytes, then oarsub runs in the job's directory;
 * a bad frame, extra or missing bytes, or a link on the way refuse it before oarsub runs and leave no file behind.
 */
class StagedSubmitTest {
    private static final byte[] ENV = "JUPYTERHUB_API_TOKEN='t0k'\nX='a\nb'\n".getBytes(StandardCharsets.UTF_8);
    /** A script whose content holds the frame's own line: sizes frame it, not a marker. */
    private static final byte[] SCRIPT = ("#!/bin/bash\n" + StagedSubmit.FRAME + " 000001 000001\n\0\u00ff end")
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path home;

    private record Run(int exit, String stdout, String stderr) {
    }

    private Run run(String key, String envFile, byte[] stdin) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", StagedSubmit.script(), "oarspawner-submit", key, envFile,
                "/bin/echo", "--name", "n"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException refusedEarly) {
            // The script stopped reading: it refused the frame.
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }

    private Path dir(String key) {
        return home.resolve(".oarspawner/jobs").resolve(key);
    }

    @Test
    void theFramesFilesAreStagedWithTheirModesThenOarsubRunsInTheJobsDirectory() throws Exception {
        Run r = run("alice.gpu", "env.0a1b", StagedSubmit.frame(ENV, SCRIPT));
        assertThat(r.exit()).as(r.stderr()).isZero();
        Path dir = dir("alice.gpu");
        assertThat(r.stdout()).isEqualTo("--directory " + dir + " --name n\n");
        assertThat(Files.readAllBytes(dir.resolve("env.0a1b"))).isEqualTo(ENV);
        assertThat(Files.readAllBytes(dir.resolve("job.sh"))).isEqualTo(SCRIPT);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("env.0a1b")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("job.sh")))).isEqualTo("rwx------");
        for (Path d : List.of(home.resolve(".oarspawner"), home.resolve(".oarspawner/jobs"), dir)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("env.0a1b", "job.sh");
        }
        // A second submission for the same server: its own env file beside the first, job.sh replaced.
        assertThat(run("alice.gpu", "env.2c3d", StagedSubmit.frame(new byte[0], SCRIPT)).exit()).isZero();
        assertThat(Files.size(dir.resolve("env.2c3d"))).isZero();
    }

    @Test
    void aBadFrameIsRefusedBeforeOarsubRunsAndLeavesNoFile() throws Exception {
        byte[] good = StagedSubmit.frame(ENV, SCRIPT);
        byte[] shorter = java.util.Arrays.copyOf(good, good.length - 1);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        byte[] noFrame = ("#!/bin/bash\necho hi\n").getBytes(StandardCharsets.US_ASCII);
        byte[] sevenDigits = (StagedSubmit.FRAME + " 0000001 000001\nab").getBytes(StandardCharsets.US_ASCII);
        byte[] tooBig = (StagedSubmit.FRAME + " 999999 000001\n").getBytes(StandardCharsets.US_ASCII);
        byte[] huge = new byte[16 << 20];
        int n = 0;
        for (byte[] stdin : List.of(shorter, longer, noFrame, sevenDigits, tooBig, huge, new byte[0])) {
            Run r = run("bob.x", "env.ff", stdin);
            assertThat(r.exit()).as("frame %d: %s", n++, r.stderr()).isEqualTo(2);
            assertThat(r.stdout()).as("oarsub must not run").isEmpty();
            assertThat(r.stderr()).startsWith("oarspawner: ");
            try (var files = Files.list(dir("bob.x"))) {
                assertThat(files).as("files left by frame %d", n).isEmpty();
            }
        }
    }

    @Test
    void aLinkOnTheWayToTheJobDirectoryIsRefused(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(home.resolve(".oarspawner/jobs"));
        Files.createSymbolicLink(dir("bob.x"), elsewhere);
        Run r = run("bob.x", "env.ff", StagedSubmit.frame(ENV, SCRIPT));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).contains("is a symbolic link");
        assertThat(r.stdout()).isEmpty();
        try (var files = Files.list(elsewhere)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aDirectoryPlantedUnderTheEnvFilesNameIsNotMovedInto() throws Exception {
        Files.createDirectories(dir("bob.x").resolve("env.ff"));
        Run r = run("bob.x", "env.ff", StagedSubmit.frame(ENV, SCRIPT));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        try (var files = Files.list(dir("bob.x").resolve("env.ff"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aFileOverTheLimitIsNotFramed() {
        assertThatThrownBy(() -> StagedSubmit.frame(new byte[StagedSubmit.MAX_FILE + 1], SCRIPT)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new String(StagedSubmit.frame(new byte[3], new byte[StagedSubmit.MAX_FILE]), 0, 33, StandardCharsets.US_ASCII))
                .isEqualTo(StagedSubmit.FRAME + " 000003 262144\n");
    }
}
