package org.oarspawner.oar.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oarspawner.oar.LocalCluster;

/** The SSH transport against the real sshd on localhost. */
class SshConnectionIT {

    @Test
    void runsCommandsOnOneConnection() throws Exception {
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), LocalCluster.ssh())) {
            CommandResult r = c.exec("id -un; echo oops >&2; exit 7");
            assertThat(r.stdout()).isEqualTo("alice\n");
            assertThat(r.stderr()).isEqualTo("oops\n");
            assertThat(r.exitCode()).isEqualTo(7);
            assertThat(c.exec("cat", "from stdin".getBytes()).stdout()).isEqualTo("from stdin");
            // Each command is a channel on the one connection: its client port stays the same.
            String first = c.exec("echo $SSH_CLIENT").stdout();
            assertThat(c.exec("echo $SSH_CLIENT").stdout()).isEqualTo(first);
            assertThat(c.reconnects()).isZero();
            assertThat(c.commandsSent()).isEqualTo(4);
        }
    }

    @Test
    void reportsWhetherEachCommandReachedTheFrontend() throws Exception {
        List<Boolean> reached = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), LocalCluster.ssh(), () -> { }, reached::add)) {
            // A command that ran reached it, whatever its exit status.
            assertThat(c.exec("exit 7").exitCode()).isEqualTo(7);
            assertThat(c.exec("true").exitCode()).isZero();
            assertThat(reached).containsExactly(true, true);
        }
        reached.clear();
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        SshTarget alice = LocalCluster.login("alice");
        try (SshConnection c = new SshConnection(new SshTarget("127.0.0.1", closed, alice.user(), alice.key()), LocalCluster.ssh(),
                () -> { }, reached::add)) {
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(SshException.class).hasMessageContaining("cannot connect");
            assertThat(reached).containsExactly(false);
        }
    }

    @Test
    void anUnknownHostKeyIsRefused(@TempDir Path dir) throws Exception {
        Path otherKeys = dir.resolve("known_hosts");
        // A known_hosts that lists another key for localhost.
        String line = Files.readString(LocalCluster.STATE.resolve("known_hosts")).lines()
                .filter(l -> l.startsWith("localhost ssh-ed25519")).findFirst().orElseThrow();
        Files.writeString(otherKeys, "localhost ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHv0bCb0R3Oqb9Zb4H2uJxXqJ8lJ2C8nqZ3FvCw2pO8A\n");
        assertThat(line).isNotBlank();
        SshSettings s = LocalCluster.ssh();
        SshSettings wrong = new SshSettings(otherKeys, Optional.empty(), s.connectTimeout(), s.commandTimeout(), 4, s.maxBackoff());
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), wrong)) {
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(SshException.class).hasMessageContaining("HostKey");
        }
        Files.writeString(otherKeys, "");
        SshSettings empty = new SshSettings(otherKeys, Optional.empty(), s.connectTimeout(), s.commandTimeout(), 4, s.maxBackoff());
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), empty)) {
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(SshException.class).hasMessageContaining("reject HostKey");
        }
    }

    @Test
    void reachesTheFrontendThroughAJumpHost() throws Exception {
        // The service account's login on localhost stands in for GRICAD's bastion.
        SshSettings viaJump = LocalCluster.ssh(Optional.of(LocalCluster.login("oarspawner")));
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), viaJump)) {
            CommandResult r = c.exec("id -un; echo $SSH_CONNECTION");
            assertThat(r.stdout()).startsWith("alice\n127.0.0.1 ");
            assertThat(r.exitCode()).isZero();
        }
    }

    @Test
    void reconnectsAfterTheFrontendDropsTheConnection() throws Exception {
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), LocalCluster.ssh())) {
            assertThat(c.exec("true").exitCode()).isZero();
            // Kill this connection's sshd processes on the server side, as a frontend restart would: the command that
            // was running is reported as cut off (it may or may not have done its work), not as a result.
            assertThatThrownBy(() -> c.exec("kill -9 $PPID")).isInstanceOfSatisfying(SshException.class, e -> {
                assertThat(e.afterSend()).isTrue();
                assertThat(e.getMessage()).contains("the connection was lost while the command ran: kill");
            });
            LocalCluster.sleep(500);
            CommandResult r = c.exec("echo back");
            assertThat(r.stdout()).isEqualTo("back\n");
            assertThat(c.reconnects()).isEqualTo(1);
        }
    }

    @Test
    void backsOffWhileTheFrontendIsDown() {
        SshTarget closed = new SshTarget("127.0.0.1", 1, "alice", LocalCluster.STATE.resolve("keys/alice"));
        try (SshConnection c = new SshConnection(closed, LocalCluster.ssh())) {
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(SshException.class).hasMessageContaining("cannot connect");
            // Within the backoff the next call fails at once, saying when it will try again.
            assertThatThrownBy(() -> c.exec("true")).isInstanceOf(SshException.class)
                    .hasMessageContaining("unreachable").hasMessageContaining("next attempt in");
        }
    }

    @Test
    void aCommandThatHangsTimesOut() {
        SshSettings s = LocalCluster.ssh();
        SshSettings quick = new SshSettings(s.knownHosts(), Optional.empty(), s.connectTimeout(), Duration.ofSeconds(1), 4,
                s.maxBackoff());
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), quick)) {
            assertThatThrownBy(() -> c.exec("sleep 30")).isInstanceOf(SshException.class).hasMessageContaining("timed out");
        }
    }

    @Test
    void concurrencyIsBoundedBelowSshdsSessionLimit() throws Exception {
        // sshd allows 10 sessions per connection; 30 concurrent commands must all succeed through 8 channels.
        ExecutorService pool = Executors.newFixedThreadPool(30);
        try (SshConnection c = new SshConnection(LocalCluster.login("alice"), LocalCluster.ssh())) {
            List<Future<CommandResult>> results = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                int n = i;
                results.add(pool.submit(() -> c.exec("sleep 0.3; echo " + n)));
            }
            for (int i = 0; i < 30; i++) {
                assertThat(results.get(i).get().stdout()).isEqualTo(i + "\n");
            }
            assertThat(c.reconnects()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aConnectionSshdDropsBeforeLoginIsOpenedAgain(@TempDir Path dir) throws Exception {
        // A second sshd that lets only 2 connections be opening at once and drops the others, as the frontend's
        // MaxStartups does under a class's burst; 8 logins' first commands at once must all run.
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("sshd.log");
        Process sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-p", Integer.toString(port),
                "-o", "ListenAddress=127.0.0.1", "-o", "MaxStartups=2", "-o", "PidFile=none", "-o", "LogLevel=VERBOSE")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<SshConnection> connections = new ArrayList<>();
        try {
            Path knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, Files.readString(LocalCluster.STATE.resolve("known_hosts")).lines()
                    .filter(l -> l.startsWith("localhost "))
                    .map(l -> "[localhost]:" + port + l.substring("localhost".length()) + "\n").reduce("", String::concat));
            waitForListener(port);
            SshSettings s = LocalCluster.ssh();
            SshSettings settings = new SshSettings(knownHosts, Optional.empty(), s.connectTimeout(), s.commandTimeout(),
                    s.maxChannels(), s.maxBackoff());
            Handshakes handshakes = new Handshakes(8);
            List<Future<CommandResult>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String login = i % 2 == 0 ? "alice" : "bob";
                SshTarget t = new SshTarget("localhost", port, login, LocalCluster.login(login).key());
                SshConnection c = new SshConnection(t, settings, () -> { }, reached -> { }, handshakes);
                connections.add(c);
                results.add(pool.submit(() -> c.exec("id -un")));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(results.get(i).get().stdout()).isEqualTo((i % 2 == 0 ? "alice" : "bob") + "\n");
            }
            String sshdLog = Files.readString(log);
            long dropped = sshdLog.lines().filter(l -> l.contains("past MaxStartups")).count();
            System.out.printf("SshConnectionIT: 8 connections opened at once against MaxStartups=2: sshd dropped %d, "
                    + "%d opened again, all 8 ran%n", dropped, handshakes.dropsRetried());
            // sshd did drop some (else this test proves nothing), and each drop was opened again.
            assertThat(dropped).isPositive();
            assertThat(handshakes.dropsRetried()).isEqualTo(dropped);
        } finally {
            connections.forEach(SshConnection::close);
            pool.shutdownNow();
            sshd.destroy();
            sshd.waitFor();
        }
    }

    private static void waitForListener(int port) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the test's sshd did not listen on " + port);
    }
}
