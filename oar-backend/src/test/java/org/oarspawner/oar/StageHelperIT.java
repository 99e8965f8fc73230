package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.ssh.ShellQuote.quote;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.oar.ssh.ShellQuote;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;

/**
 * The stage helper's submit verb attacked directly, as the service account through sudo (without the service's own
 * checks in front): bad job keys and env file names, options and commands that are not the service's, a symlinked job
 * directory planted by the user, huge or short or padded stdin, logins sudo must refuse. Each is refused before oarsub
 * runs or a file lands; the same call with good values makes a job, so the checks could see one. The old verbs still work.
 */
@ExtendWith(VertxExtension.class)
class StageHelperIT {
    private static final String HELPER = OarClusterConfig.OarCommands.DEFAULT.stage();
    private static final Path MARKER = Path.of("/tmp/oarspawner-pwned");
    private static final byte[] ENV = "JUPYTERHUB_API_TOKEN='helper-secret'\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SCRIPT = "#!/bin/bash\nsleep 300\n".getBytes(StandardCharsets.UTF_8);
    private final String tag = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private SshConnection service;
    private final List<String> names = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Files.deleteIfExists(MARKER);
        service = new SshConnection(LocalCluster.login("oarspawner"), LocalCluster.ssh());
    }

    @AfterEach
    void tearDown() {
        // Anything a test made by mistake is cancelled (as its owner would see it: by name).
        for (String name : names) {
            for (long id : LocalCluster.oarJobsNamed(name)) {
                LocalCluster.run("oardel", Long.toString(id));
            }
        }
        service.close();
        LocalCluster.run("rm", "-rf", "/tmp/oarspawner-planted-" + tag);
        LocalCluster.run("su", "-s", "/bin/sh", "bob", "-c", "rm -rf ~/.oarspawner/jobs/h-" + tag + "*");
    }

    /** The arguments the service sends, for a job named name reading envFile. */
    private static List<String> args(String name, String envFile) {
        return new ArrayList<>(List.of("--name", name, "--resource", "/nodes=1/core=1,walltime=0:05:00", "--property", "(cluster='cpu')",
                "--project", LocalCluster.PROJECT, "--stdout", "oar.%jobid%.stdout", "--stderr", "oar.%jobid%.stderr",
                "/bin/bash 'job.sh' '" + envFile + "'"));
    }

    private CommandResult submit(String login, String key, String envFile, List<String> args, byte[] stdin) throws Exception {
        return service.exec("sudo -n -u " + quote(login) + " -- " + quote(HELPER) + " submit " + quote(key) + " " + quote(envFile)
                + " -- " + ShellQuote.join(args), stdin);
    }

    private record Attack(String what, String login, String key, String envFile, UnaryOperator<List<String>> args, byte[] stdin) {
    }

    @Test
    void hostileSubmissionsAreRefusedBeforeAnythingRuns() throws Exception {
        byte[] good = StagedSubmit.frame(ENV, SCRIPT);
        byte[] padded = java.util.Arrays.copyOf(good, good.length + 100);
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 5);
        byte[] huge = new byte[32 << 20];
        byte[] hugeAnnounced = (StagedSubmit.FRAME + " 999999 000010\n").getBytes(StandardCharsets.US_ASCII);
        String key = "h-" + tag;
        // bob plants a link where a job directory goes, to a directory of his own.
        String planted = "/tmp/oarspawner-planted-" + tag;
        LocalCluster.run("su", "-s", "/bin/sh", "bob", "-c", "mkdir -p " + planted + " ~/.oarspawner/jobs && ln -s " + planted
                + " ~/.oarspawner/jobs/" + key + "-link");
        List<Attack> attacks = List.of(
                new Attack("key with ..", "bob", "../" + key, "env.a1", a -> a, good),
                new Attack("key with /", "bob", key + "/x", "env.a1", a -> a, good),
                new Attack("hidden key", "bob", "." + key, "env.a1", a -> a, good),
                new Attack("env file ../.profile", "bob", key, "../.profile", a -> a, good),
                new Attack("env file env.a/b", "bob", key, "env.a/b", a -> a, good),
                new Attack("env file job.sh", "bob", key, "job.sh", a -> a, good),
                new Attack("--scanscript", "bob", key, "env.a1", a -> prepend(a, "--scanscript", "/etc/passwd"), good),
                new Attack("--directory", "bob", key, "env.a1", a -> prepend(a, "--directory", "/tmp"), good),
                new Attack("-I (interactive)", "bob", key, "env.a1", a -> prepend(a, "-I"), good),
                new Attack("--stdout elsewhere", "bob", key, "env.a1", a -> replace(a, "oar.%jobid%.stdout", MARKER.toString()), good),
                new Attack("another command", "bob", key, "env.a1", a -> replace(a, "/bin/bash 'job.sh' 'env.a1'", "touch " + MARKER), good),
                new Attack("the command with a tail", "bob", key, "env.a1", a -> replace(a, "/bin/bash 'job.sh' 'env.a1'",
                        "/bin/bash 'job.sh' 'env.a1'; touch " + MARKER), good),
                new Attack("a word after the command", "bob", key, "env.a1", a -> append(a, "--stdout"), good),
                new Attack("--checkpoint not a number", "bob", key, "env.a1", a -> prepend(a, "--checkpoint", "$(touch " + MARKER + ")"), good),
                new Attack("32 MiB of stdin", "bob", key, "env.a1", a -> a, huge),
                new Attack("a frame announcing 999999 bytes", "bob", key, "env.a1", a -> a, hugeAnnounced),
                new Attack("stdin cut short", "bob", key, "env.a1", a -> a, cut),
                new Attack("stdin padded", "bob", key, "env.a1", a -> a, padded),
                new Attack("no stdin", "bob", key, "env.a1", a -> a, new byte[0]),
                new Attack("a symlinked job directory", "bob", key + "-link", "env.a1", a -> a, good),
                new Attack("a login outside oarusers", "outsider", key, "env.a1", a -> a, good),
                new Attack("root", "root", key, "env.a1", a -> a, good));
        int ran = 0;
        int n = 0;
        for (Attack at : attacks) {
            String name = "oarspawner-hostile-" + tag + "-" + n++;
            names.add(name);
            CommandResult r = submit(at.login(), at.key(), at.envFile(), at.args().apply(args(name, at.envFile())), at.stdin());
            boolean made = !LocalCluster.oarJobsNamed(name).isEmpty() || Files.exists(MARKER)
                    || !Files.list(Path.of(planted)).toList().isEmpty() || filesIn("bob", key) > 0;
            ran += made ? 1 : 0;
            System.out.printf("StageHelperIT %-32s exit %3d  ran anything: %s  %s%n", at.what(), r.exitCode(), made,
                    r.stderr().strip().lines().findFirst().orElse(""));
            assertThat(r.exitCode()).as(at.what()).isNotZero();
            assertThat(made).as("%s made a job or a file", at.what()).isFalse();
        }
        System.out.printf("StageHelperIT: %d hostile submissions, %d ran anything%n", attacks.size(), ran);

        // The control: the same call with the service's own values makes the job, so the checks above could see one.
        String name = "oarspawner-hostile-" + tag + "-control";
        names.add(name);
        CommandResult r = submit("bob", key, "env.a1", args(name, "env.a1"), good);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("OAR_JOB_ID=");
        assertThat(LocalCluster.oarJobsNamed(name)).hasSize(1);
        assertThat(filesIn("bob", key)).as("env.a1 and job.sh").isEqualTo(2);
        LocalCluster.run("oardel", Long.toString(LocalCluster.oarJobsNamed(name).get(0)));
    }

    @Test
    void theServiceRefusesALoginSudoMayNotActAsAndNothingIsLeft(Vertx vertx) {
        // outsider (deploy/cluster/setup.sh) has an account (uid >= 1000) but is not in oarusers: the account check passes, sudo refuses.
        try (OarScheduler s = new OarScheduler(vertx, LocalCluster.names("helper"), List.of(LocalCluster.cluster("cpu",
                Identity.SERVICE_ACCOUNT)), 4)) {
            JobRequest r = JobRequest.builder(new SpawnKey("hub-outsider", "x"), "cpu", "outsider").cores(1)
                    .walltime(Duration.ofMinutes(5)).command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", "tok").build();
            assertThatThrownBy(() -> await(s.submit(r))).isInstanceOfSatisfying(SchedulerException.class,
                    e -> assertThat(e.schedulerMessage()).contains("sudo: a password is required").contains(OarOutput.SUDO_HINT));
            assertThat(LocalCluster.oarJobsNamed(s.names().of("cpu", r.key(), r.login()))).isEmpty();
            LocalCluster.assertNoFile(Path.of("/home/outsider").resolve(JobFiles.ROOT));
        }
    }

    @Test
    void theOldVerbsStillWork() throws Exception {
        String key = "h-" + tag + "-old";
        String sudo = "sudo -n -u bob -- " + quote(HELPER) + " ";
        CommandResult put = service.exec(sudo + "put " + key + " endpoint.1 0600", "node-cpu 1234\n".getBytes(StandardCharsets.UTF_8));
        assertThat(put.exitCode()).as(put.stderr()).isZero();
        assertThat(put.stdout().strip()).isEqualTo("/home/bob/.oarspawner/jobs/" + key);
        assertThat(service.exec(sudo + "get " + key + " endpoint.1").stdout()).isEqualTo("node-cpu 1234\n");
        assertThat(service.exec(sudo + "tail " + key + " endpoint.1 5").stdout()).isEqualTo("1234\n");
        assertThat(service.exec(sudo + "get " + key + " nothing").exitCode()).isEqualTo(3);
        assertThat(service.exec(sudo + "clean " + key).exitCode()).isZero();
        LocalCluster.assertNoFile(Path.of("/home/bob/.oarspawner/jobs", key));
    }

    /** Files of any kind in the login's job directory of that key. */
    private static long filesIn(String login, String key) throws Exception {
        Path dir = Path.of("/home", login, JobFiles.ROOT, key);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }

    private static List<String> prepend(List<String> a, String... words) {
        List<String> r = new ArrayList<>(List.of(words));
        r.addAll(a);
        return r;
    }

    private static List<String> append(List<String> a, String word) {
        a.add(word);
        return a;
    }

    private static List<String> replace(List<String> a, String from, String to) {
        return a.stream().map(w -> w.equals(from) ? to : w).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    }
}
