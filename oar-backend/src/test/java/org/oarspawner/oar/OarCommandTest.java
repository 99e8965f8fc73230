package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.oar.ssh.SshTarget;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

class OarCommandTest {
    static OarClusterConfig config(Identity identity, String properties) {
        SshSettings ssh = new SshSettings(Path.of("/k"), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(30), 8,
                Duration.ofSeconds(30));
        return new OarClusterConfig("gpu", "localhost", 22, ssh, identity,
                new SshTarget("localhost", 22, "oarspawner", Path.of("/k/oarspawner")), Optional.of("/keys/{login}"),
                OarClusterConfig.OarCommands.DEFAULT, Optional.ofNullable(properties), "gpumodel", Optional.empty(), "python3",
                OarClusterConfig.Reachability.DIRECT, Optional.empty());
    }

    @Test
    void gpuSubmissionUsesLongOptionsAndQuotesEverything() {
        JobRequest r = JobRequest.builder(new SpawnKey("alice", "gpu"), "gpu", "alice")
                .gpus(1).gpuModel("A100").walltime(Duration.ofMinutes(90)).project("pr-training").type("devel")
                .property("drain", "NO").command("jupyterhub-singleuser").build();
        OarClusterConfig config = config(Identity.PER_USER, "cluster='gpu'");
        OarCommand c = new OarCommand(config);
        List<String> args = c.submitArguments(r, "oarspawner:dev:gpu:alice:gpu", "env.0a1b");
        assertThat(args).containsExactly("--name", "oarspawner:dev:gpu:alice:gpu", "--resource", "/nodes=1/gpu=1,walltime=1:30:00",
                "--property", "(cluster='gpu') AND gpumodel='A100' AND drain='NO'", "--project", "pr-training", "--type", "devel",
                "--checkpoint", "600", "--stdout", "oar.%jobid%.stdout", "--stderr", "oar.%jobid%.stderr",
                "/bin/bash 'job.sh' 'env.0a1b'");
        // As the login itself: the staging script, then oarsub with every argument quoted; one line, whatever the login shell.
        String cmd = StagedSubmit.command(config, c, "alice", "alice.gpu", "env.0a1b", args);
        assertThat(cmd).startsWith("sh -c '").doesNotContain("\n").endsWith(" oarspawner-submit 'alice.gpu' 'env.0a1b' '/usr/bin/oarsub'"
                + " '--name' 'oarspawner:dev:gpu:alice:gpu' '--resource' '/nodes=1/gpu=1,walltime=1:30:00'"
                + " '--property' '(cluster='\\''gpu'\\'') AND gpumodel='\\''A100'\\'' AND drain='\\''NO'\\'''"
                + " '--project' 'pr-training' '--type' 'devel' '--checkpoint' '600'"
                + " '--stdout' 'oar.%jobid%.stdout' '--stderr' 'oar.%jobid%.stderr'"
                + " '/bin/bash '\\''job.sh'\\'' '\\''env.0a1b'\\'''");
    }

    @Test
    void aZeroCheckpointLeadWarnsNobody() {
        OarClusterConfig b = config(Identity.PER_USER, null);
        OarClusterConfig none = new OarClusterConfig(b.name(), b.frontendHost(), b.frontendPort(), b.ssh(), b.identity(),
                b.serviceAccount(), b.userKeys(), b.commands(), b.properties(), b.gpuModelProperty(), b.defaultProject(), b.python(),
                b.reachability(), b.endpointSpool(), Duration.ZERO);
        JobRequest r = JobRequest.builder(new SpawnKey("bob", ""), "gpu", "bob").command("x").build();
        assertThat(new OarCommand(none).submitArguments(r, "n", "env.a")).doesNotContain("--checkpoint");
        OarClusterConfig lead = new OarClusterConfig(b.name(), b.frontendHost(), b.frontendPort(), b.ssh(), b.identity(),
                b.serviceAccount(), b.userKeys(), b.commands(), b.properties(), b.gpuModelProperty(), b.defaultProject(), b.python(),
                b.reachability(), b.endpointSpool(), Duration.ofSeconds(90));
        assertThat(String.join(" ", new OarCommand(lead).submitArguments(r, "n", "env.a"))).contains(" --checkpoint 90 ");
        JobRequest shorter = JobRequest.builder(new SpawnKey("bob", ""), "gpu", "bob").walltime(Duration.ofSeconds(90)).command("x").build();
        assertThat(new OarCommand(lead).submitArguments(shorter, "n", "env.a")).doesNotContain("--checkpoint");
    }

    @Test
    void walltimeExtensionRunsAsTheJobsLoginAfterTheAccountCheck() {
        OarCommand c = new OarCommand(config(Identity.SERVICE_ACCOUNT, null));
        assertThat(c.extendWalltime(42, Duration.ofMinutes(90))).isEqualTo("'/usr/bin/oarwalltime' 42 '+1:30:00'");
        assertThat(c.asUser("alice", c.extendWalltime(42, Duration.ofSeconds(5))))
                .isEqualTo(Accounts.guard("alice") + "sudo -n -u 'alice' -- '/usr/bin/oarwalltime' 42 '+0:00:05'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.extendWalltime(42, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cpuSubmissionAsTheServiceAccount() {
        JobRequest r = JobRequest.builder(new SpawnKey("bob", ""), "gpu", "bob").cores(4)
                .walltime(Duration.ofHours(26).plusSeconds(7)).command("x").build();
        OarClusterConfig config = config(Identity.SERVICE_ACCOUNT, null);
        OarCommand c = new OarCommand(config);
        String cmd = StagedSubmit.command(config, c, "bob", "bob._default", "env.0a1b", c.submitArguments(r, "n", "env.0a1b"));
        // The account check, then sudo runs the stage helper, which stages from stdin and runs oarsub: one command.
        assertThat(cmd).isEqualTo(Accounts.guard("bob") + "sudo -n -u 'bob' -- '/usr/local/bin/oarspawner-stage' submit 'bob._default'"
                + " 'env.0a1b' -- '--name' 'n' '--resource' '/nodes=1/core=4,walltime=26:00:07' '--checkpoint' '600'"
                + " '--stdout' 'oar.%jobid%.stdout' '--stderr' 'oar.%jobid%.stderr' '/bin/bash '\\''job.sh'\\'' '\\''env.0a1b'\\'''");
    }

    @Test
    void oneOarstatForAllJobs() {
        OarCommand c = new OarCommand(config(Identity.PER_USER, null));
        assertThat(c.status(List.of(3L, 4L, 5L))).isEqualTo("'/usr/bin/oarstat' -fJ -j 3 -j 4 -j 5");
        assertThat(c.activeByName(LocalCluster.names("dev"))).isEqualTo("'/usr/bin/oarstat' -fJ --sql "
                + "'job_name like '\\''oarspawner:dev:%'\\'' and state not in ('\\''Terminated'\\'','\\''Error'\\'')'");
        assertThat(c.delete(12)).isEqualTo("'/usr/bin/oardel' 12");
    }

    @Test
    void oarnodesAsksForTheClustersOwnResources() {
        assertThat(new OarCommand(config(Identity.PER_USER, "cluster='gpu'")).nodes())
                .isEqualTo("'/usr/bin/oarnodes' -J --sql '(cluster='\\''gpu'\\'')'");
        assertThat(new OarCommand(config(Identity.PER_USER, null)).nodes()).isEqualTo("'/usr/bin/oarnodes' -J");
    }

    @Test
    void defaultProjectApplies() {
        OarClusterConfig base = config(Identity.PER_USER, null);
        OarClusterConfig withProject = new OarClusterConfig(base.name(), base.frontendHost(), base.frontendPort(), base.ssh(),
                base.identity(), base.serviceAccount(), base.userKeys(), base.commands(), base.properties(),
                base.gpuModelProperty(), Optional.of("pr-default"), base.python(), base.reachability(), base.endpointSpool());
        JobRequest r = JobRequest.builder(new SpawnKey("bob", ""), "gpu", "bob").command("x").build();
        assertThat(new OarCommand(withProject).submitArguments(r, "n", "env.a")).containsSubsequence("--project", "pr-default");
    }

    @Test
    void spooledEndpointsReadsEveryFileInOneShellSkippingLinksAndGivingOwners(@TempDir Path spool)
            throws Exception {
        Files.writeString(spool.resolve("endpoint.12"), "node-cpu 40001\n");
        Files.writeString(spool.resolve("endpoint.13"), "node-gpu 40002\nmore\n");
        Files.writeString(spool.resolve("secret"), "node-x 1\n");
        Files.createSymbolicLink(spool.resolve("endpoint.14"), spool.resolve("secret"));
        // A FIFO with no writer: opening it for reading would block the whole batch.
        assertThat(new ProcessBuilder("mkfifo", spool.resolve("endpoint.16").toString()).start().waitFor()).isZero();
        // A file far longer than an endpoint line: at most SPOOL_LINE_BYTES of it is read.
        Files.writeString(spool.resolve("endpoint.17"), "x".repeat(1 << 20));
        String cmd = new OarCommand(config(Identity.SERVICE_ACCOUNT, null)).spooledEndpoints(spool.toString(),
                List.of(12L, 13L, 14L, 15L, 16L, 17L));
        Process p = new ProcessBuilder("/bin/sh", "-c", cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        String me = System.getProperty("user.name");
        assertThat(out).isEqualTo("12 " + me + " f node-cpu 40001\n13 " + me + " f node-gpu 40002\n14 " + me + " x\n16 "
                + me + " x\n17 " + me + " f " + "x".repeat(OarCommand.SPOOL_LINE_BYTES) + "\n");
        assertThat(OarOutput.spooledEndpoints(out, List.of(12L, 13L, 14L, 15L, 16L, 17L))).containsOnlyKeys(12L, 13L, 14L, 16L)
                .containsEntry(13L, new OarOutput.SpooledEndpoint(me, Optional.of(new Endpoint("node-gpu", 40002))))
                .containsEntry(16L, new OarOutput.SpooledEndpoint(me, Optional.empty()));
    }

    @Test
    void aCarriageReturnOrAnyOtherByteInASpoolFileCannotForgeAnotherJobsLine(@TempDir Path spool) throws Exception {
        // alice's file holds, after a '\r', a line that would speak for bob's job 21 as bob.
        Files.writeString(spool.resolve("endpoint.20"), "x\r21 bob f 127.0.0.1 8081\n");
        Files.writeString(spool.resolve("endpoint.21"), "node-cpu 40021\n");
        String cmd = new OarCommand(config(Identity.SERVICE_ACCOUNT, null)).spooledEndpoints(spool.toString(), List.of(20L, 21L));
        Process p = new ProcessBuilder("/bin/sh", "-c", cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        String me = System.getProperty("user.name");
        assertThat(out).isEqualTo("20 " + me + " f x21 bob f 127.0.0.1 8081\n21 " + me + " f node-cpu 40021\n");
        assertThat(OarOutput.spooledEndpoints(out, List.of(20L, 21L))).containsOnlyKeys(21L)
                .containsEntry(21L, new OarOutput.SpooledEndpoint(me, Optional.of(new Endpoint("node-cpu", 40021))));
    }

    @Test
    void aSpoolPathIsQuoted() {
        assertThat(new OarCommand(config(Identity.SERVICE_ACCOUNT, null)).spooledEndpoints("/var/spool/o s", List.of(1L)))
                .startsWith("timeout 20 sh -c 'cd -- '\\''/var/spool/o s'\\'' && for id in 1; do");
    }

    @Test
    void aLostSubmissionIsLookedUpByNameAndEnvFile() {
        OarCommand c = new OarCommand(config(Identity.SERVICE_ACCOUNT, null));
        assertThat(c.submission("oarspawner:dev:cpu:a.b@x.org:", "env.00ff")).isEqualTo("'/usr/bin/oarstat' -fJ --sql "
                + "'job_name = '\\''oarspawner:dev:cpu:a.b@x.org:'\\'' and command like '\\''%env.00ff%'\\'''");
        assertThatThrownBy(() -> c.submission("x' or 1=1", "env.00ff")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.submission("n\\' or 1=1", "env.00ff")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.submission("n", "env.0%")).isInstanceOf(IllegalArgumentException.class);
        assertThat(c.submission("oarspawner:dev:cpu:bob:x:t=AbC/9+", "env.1")).contains("job_name = '\\''oarspawner:dev:cpu:bob:x:t=AbC/9+'\\''");
    }
}
