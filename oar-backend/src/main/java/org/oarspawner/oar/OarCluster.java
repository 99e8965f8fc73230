package org.oarspawner.oar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.oarspawner.oar.ssh.Handshakes;
import org.oarspawner.oar.ssh.SshConnection;

/** One cluster's connections: the service account's, and in PER_USER mode one per login, made on first use. */
final class OarCluster implements AutoCloseable {
    /** Well below sshd's default MaxStartups (10), which also counts other clients' connections and drops at random. */
    static final int MAX_HANDSHAKES = 4;
    final OarClusterConfig config;
    final OarCommand commands;
    final JobFiles files;
    final Accounts accounts;
    private final SshConnection service;
    /** The service account's connections that act for users: {@link #service} first (see SshSettings.connections). */
    private final List<SshConnection> actors = new ArrayList<>();
    private final Map<String, SshConnection> users = new ConcurrentHashMap<>();

    private final Runnable onReconnect;
    /** Connections to this frontend being opened at once, service account's and logins' together (sshd's MaxStartups). */
    private final Handshakes handshakes;

    /**
     * @param onReach told whether each use of the service account's connection reached the frontend; the per-user
     *                connections do not tell it (one login's refused key is not the frontend down)
     */
    OarCluster(OarClusterConfig config, Runnable onReconnect, Consumer<Boolean> onReach) {
        this.config = config;
        this.onReconnect = onReconnect;
        this.commands = new OarCommand(config);
        this.handshakes = new Handshakes(Math.min(MAX_HANDSHAKES, config.ssh().maxChannels()));
        this.service = new SshConnection(config.serviceAccount(), config.ssh(), onReconnect, onReach, handshakes);
        actors.add(service);
        if (config.identity() == Identity.SERVICE_ACCOUNT) {
            for (int i = 1; i < config.ssh().connections(); i++) {
                actors.add(new SshConnection(config.serviceAccount(), config.ssh(), onReconnect, reached -> { }, handshakes));
            }
        }
        this.accounts = new Accounts(config.name());
        this.files = config.identity() == Identity.PER_USER
                ? new SftpJobFiles(this::connectionFor)
                : new SudoJobFiles(service, commands, config.commands().stage(), accounts);
    }

    /** The connection that polls oarstat: the service account's, shared by all spawns. */
    SshConnection service() {
        return service;
    }

    /**
     * The connection that acts for a login. With the service account: the one with the most free channels, the polling
     * one first on a tie, so that the others open only under a burst (a class submitting at once) and its commands do
     * not wait for channels while another connection has some.
     */
    SshConnection connectionFor(String login) {
        if (config.identity() == Identity.SERVICE_ACCOUNT) {
            return actors.stream().max(Comparator.comparingInt(SshConnection::freeChannels)).orElseThrow();
        }
        return users.computeIfAbsent(login, l -> new SshConnection(config.loginTarget(l), config.ssh(), onReconnect, reached -> { },
                handshakes));
    }

    /** Closes the per-user connections unused for the configured idle time; returns how many it closed. */
    int closeIdle() {
        int closed = 0;
        for (SshConnection c : users.values()) {
            closed += c.closeIfIdle(config.ssh().idleTimeout()) ? 1 : 0;
        }
        return closed;
    }

    /** Per-user connections open now. */
    long userConnectionsOpen() {
        return users.values().stream().filter(SshConnection::isConnected).count();
    }

    /** The service account's connections open now (1 unless a burst needed more). */
    long serviceConnectionsOpen() {
        return actors.stream().filter(SshConnection::isConnected).count();
    }

    long commandsSent() {
        return actors.stream().mapToLong(SshConnection::commandsSent).sum() + users.values().stream().mapToLong(SshConnection::commandsSent).sum();
    }

    long reconnects() {
        return actors.stream().mapToLong(SshConnection::reconnects).sum() + users.values().stream().mapToLong(SshConnection::reconnects).sum();
    }

    @Override
    public void close() {
        actors.forEach(SshConnection::close);
        users.values().forEach(SshConnection::close);
    }
}
